package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/vics"
)

var vicsSamples = filepath.Join("..", "..", "..", "shared", "spec", "vics")

// newDataDir creates a data folder with the countries FR and DE registered.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	if err := datadir.Init(ctx, dir, datadir.Options{}); err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Open(ctx, dir, datadir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Store.Update(ctx, func(tx catalog.Tx) error {
		for _, c := range []catalog.Country{{Code: "FR", Name: "France"}, {Code: "DE", Name: "Germany"}} {
			if err := tx.AddCountry(ctx, c); err != nil {
				return err
			}
		}
		_, err := tx.Audit(ctx, audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: "country.add", Object: "country/FR"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func runCmd(t *testing.T, fn func(context.Context, []string, streams) error, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = fn(context.Background(), args, streams{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
	return out.String(), errOut.String(), err
}

// readVICS reads every record of a VICS document.
func readVICS(t *testing.T, data []byte) (vics.Header, []vics.Media) {
	t.Helper()
	r, err := vics.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reading the export: %v\n%s", err, data)
	}
	var ms []vics.Media
	for m, err := range r.Media() {
		if err != nil {
			t.Fatalf("reading the export: %v", err)
		}
		ms = append(ms, m)
	}
	return r.Header(), ms
}

func TestImportExportSamples(t *testing.T) {
	if _, err := os.Stat(vicsSamples); err != nil {
		t.Skipf("VICS samples not found at %s: %v", vicsSamples, err)
	}
	dir := newDataDir(t)
	samples := []struct {
		file string
		new  string
	}{
		{"nsrl-caid-1.2/NSRL-CAID-AVI.json", "read 30, new 30,"},
		{"nsrl-caid-1.2/NSRL-CAID-MOV.json", "read 9, new 9,"},
		{"synthetic/vics-2.0-hashset-synthetic.json", "read 4, new 4,"},
		{"synthetic/vics-2.0-case-synthetic.json", "read "},
	}
	for _, s := range samples {
		out, stderr, err := runCmd(t, runImport, "vics", filepath.Join(vicsSamples, s.file), "--data", dir, "--owner", "fr", "--visibility", "network")
		if err != nil {
			t.Fatalf("import %s: %v\n%s", s.file, err, stderr)
		}
		if !strings.HasPrefix(out, s.new) {
			t.Errorf("import %s: %q, want it to start %q", s.file, out, s.new)
		}
	}
	// Importing a file again adds nothing.
	out, _, err := runCmd(t, runImport, "vics", filepath.Join(vicsSamples, samples[0].file), "--data", dir, "--owner", "FR", "--visibility", "network")
	if err != nil || !strings.HasPrefix(out, "read 30, new 0, known 30,") {
		t.Errorf("second import: %v, %q", err, out)
	}

	// Export 1.3 and 2.0, then round-trip the export into a fresh folder.
	for _, version := range []string{"1.3", "2.0"} {
		out, stderr, err := runCmd(t, runExport, "vics", "--data", dir, "--version", version)
		if err != nil {
			t.Fatalf("export %s: %v\n%s", version, err, stderr)
		}
		hdr, ms := readVICS(t, []byte(out))
		if hdr.Version != version || len(ms) < 43 {
			t.Errorf("export %s: version %s, %d records; want at least 43", version, hdr.Version, len(ms))
		}
		md5s := map[string]vics.Category{}
		for _, m := range ms {
			md5s[m.MD5] = m.Category
		}
		// The NSRL records keep their UK/CAID category 8 in 1.3; 2.0 (US) cannot carry it.
		_, nsrl := readVICS(t, mustRead(t, filepath.Join(vicsSamples, samples[0].file)))
		got := md5s[nsrl[0].MD5]
		want := vics.Category{Variant: "UK", Code: 8}
		if version == "2.0" {
			want = vics.Category{}
		}
		if got != want {
			t.Errorf("export %s: NSRL record category %v, want %v", version, got, want)
		}

		dir2 := newDataDir(t)
		in := filepath.Join(t.TempDir(), "export.json")
		os.WriteFile(in, []byte(out), 0o600)
		out2, stderr, err := runCmd(t, runImport, "vics", in, "--data", dir2, "--owner", "DE", "--visibility", "owner")
		if err != nil {
			t.Fatalf("re-import %s: %v\n%s", version, err, stderr)
		}
		again, _, err := runCmd(t, runExport, "vics", "--data", dir2, "--version", version)
		if err != nil {
			t.Fatal(err)
		}
		_, ms2 := readVICS(t, []byte(again))
		if diff := cmp.Diff(ms, ms2); diff != "" {
			t.Errorf("round trip %s (%s) changed the records (-first +second):\n%s", version, strings.TrimSpace(out2), diff)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportAsUserSeesOnlyTheirs(t *testing.T) {
	if _, err := os.Stat(vicsSamples); err != nil {
		t.Skipf("VICS samples not found at %s: %v", vicsSamples, err)
	}
	dir := newDataDir(t)
	if _, stderr, err := runCmd(t, runImport, "vics", filepath.Join(vicsSamples, "nsrl-caid-1.2/NSRL-CAID-ART.json"), "--data", dir, "--owner", "FR", "--visibility", "owner"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	ctx := context.Background()
	d, err := datadir.Open(ctx, dir, datadir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = d.Store.Update(ctx, func(tx catalog.Tx) error {
		if _, err := tx.AddUser(ctx, catalog.User{Login: "anna", Country: "DE", Role: catalog.RoleAnalyst}); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: "user.add", Object: "user/anna"})
		return err
	})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCmd(t, runExport, "vics", "--data", dir, "--as", "anna")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if _, ms := readVICS(t, []byte(out)); len(ms) != 0 {
		t.Errorf("a German analyst exported %d French owner-only records", len(ms))
	}
	out, _, err = runCmd(t, runExport, "vics", "--data", dir)
	if _, ms := readVICS(t, []byte(out)); err != nil || len(ms) != 1 {
		t.Errorf("system export: %v, %d records; want 1", err, len(ms))
	}
}

func TestImportBadInput(t *testing.T) {
	dir := newDataDir(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[
{"MD5":"00112233445566778899AABBCCDDEEFF","Category":1},
{"MediaID":5},
{"MD5":"zz"}`), 0o600)
	out, stderr, err := runCmd(t, runImport, "vics", bad, "--data", dir, "--owner", "FR", "--visibility", "network")
	if !errors.Is(err, errPartial) {
		t.Errorf("err = %v, want %v", err, errPartial)
	}
	if !strings.HasPrefix(out, "read 1, new 1,") || !strings.Contains(stderr, "refused record 1") || !strings.Contains(stderr, "bad digest") {
		t.Errorf("stdout %q stderr %q", out, stderr)
	}
	for _, args := range [][]string{
		{"vics", bad, "--data", dir, "--owner", "FR"},
		{"vics", bad, "--data", dir, "--owner", "FR", "--visibility", "everyone"},
		{"vics", bad, "--data", dir, "--owner", "FR", "--visibility", "network", "--share", "DE"},
		{"hashes", bad},
	} {
		if _, _, err := runCmd(t, runImport, args...); !errors.As(err, new(usageError)) {
			t.Errorf("import %v: err = %v, want a usage error", args, err)
		}
	}
}

// serverToken signs the first coordinator of a served vidb in and returns an API token.
func serverToken(t *testing.T, sv *served) (*apiClient, string) {
	t.Helper()
	a := newAPIClient(t, sv.base)
	a.signIn(sv.password)
	tok := a.json("POST", "/api/v1/me/tokens", map[string]any{"name": "cli"}, http.StatusCreated)
	token, _ := tok["secret"].(string)
	if token == "" {
		t.Fatalf("token response without a token: %v", tok)
	}
	return a, token
}

// mediaCount counts the records GET /api/v1/media lists.
func mediaCount(a *apiClient) int {
	list := a.call("GET", "/api/v1/media?limit=1000", "", nil, http.StatusOK)
	items, _ := list["items"].([]any)
	return len(items)
}

// TestImportVICSServer imports a VICS hash set into a running server through its API: the
// records arrive, a second run finds them known, a malformed file is refused with nothing
// stored, and a record without a digest is refused with exit status 3.
func TestImportVICSServer(t *testing.T) {
	t.Parallel()
	sv := startServe(t, "--country", "NL")
	defer sv.stop()
	a, token := serverToken(t, sv)
	set := filepath.Join(vicsSamples, "synthetic", "vics-2.0-hashset-synthetic.json")

	stdout, stderr, err := runCmd(t, runImport, "vics", set, "--visibility", "network", "--server", sv.base, "--token", token)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if want := "read 4, new 4, known 0, updated 0, conflicts 0, refused 0\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if n := mediaCount(a); n != 4 {
		t.Errorf("the server holds %d records, want 4", n)
	}
	stdout, _, err = runCmd(t, runImport, "vics", set, "--visibility", "network", "--server", sv.base, "--token", token)
	if err != nil || !strings.HasPrefix(stdout, "read 4, new 0, known 4,") {
		t.Errorf("second import: %v, %q", err, stdout)
	}

	dir := t.TempDir()
	whole := string(mustRead(t, set))
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(whole, "161619F15531C9D45A6CF69F663F199C", "0123456789ABCDEF0123456789ABCDEF", 1)[:len(whole)*2/3]), 0o600)
	if _, _, err := runCmd(t, runImport, "vics", bad, "--visibility", "network", "--server", sv.base, "--token", token); !errors.Is(err, errServer) || !strings.Contains(err.Error(), "malformed VICS") {
		t.Errorf("malformed file: err = %v, want the server's refusal", err)
	}
	if n := mediaCount(a); n != 4 {
		t.Errorf("after a malformed import the server holds %d records, want 4", n)
	}

	var buf bytes.Buffer
	vw, _ := vics.NewWriter(&buf, vics.WriterOptions{})
	vw.Write(vics.Media{MD5: "00112233445566778899AABBCCDDEEFF", Category: vics.Category{Variant: "US", Code: 1}})
	vw.Write(vics.Media{MimeType: "image/png"})
	vw.Close()
	part := filepath.Join(dir, "part.json")
	os.WriteFile(part, buf.Bytes(), 0o600)
	stdout, stderr, err = runCmd(t, runImport, "vics", part, "--visibility", "owner", "--server", sv.base, "--token", token)
	if !errors.Is(err, errPartial) || !strings.HasPrefix(stdout, "read 1, new 1,") || !strings.Contains(stderr, "refused record 1") {
		t.Errorf("import with a refused record: %v\n%s%s", err, stdout, stderr)
	}
	if _, _, err := runCmd(t, runImport, "vics", set, "--visibility", "network", "--server", sv.base); !errors.As(err, new(usageError)) {
		t.Errorf("--server without a token: %v, want a usage error", err)
	}
	if _, _, err := runCmd(t, runImport, "vics", set, "--visibility", "network", "--server", sv.base, "--token", "vidbt_wrong"); !errors.Is(err, errServer) {
		t.Errorf("a wrong token: %v, want the server's refusal", err)
	}
}
