package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/vics"
)

func TestTriageCommand(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "device")
	known := writePNG(t, filepath.Join(dev, "a.png"), 120, 80, 1)
	writePNG(t, filepath.Join(dev, "b <script>.png"), 90, 90, 5)
	os.WriteFile(filepath.Join(dev, "broken.png"), known[:100], 0o600)
	os.WriteFile(filepath.Join(dev, "notes.txt"), []byte("hello"), 0o600)

	fp, err := fingerprint.NewHasher(fingerprint.Options{}).Bytes(known)
	if err != nil {
		t.Fatal(err)
	}
	var set bytes.Buffer
	vw, _ := vics.NewWriter(&set, vics.WriterOptions{})
	vw.Write(vics.Media{MD5: strings.ToUpper(fp.Digest.MD5Hex()), Category: vics.Category{Variant: "US", Code: 1}, Series: "S"})
	vw.Close()
	setPath := filepath.Join(dir, "set.json")
	os.WriteFile(setPath, set.Bytes(), 0o600)
	html := filepath.Join(dir, "report")
	out := filepath.Join(dir, "case.json")

	stdout, stderr, err := runCmd(t, runTriage, "--json", "--known", setPath, "--html", html, "--vics", out, "--case", "2026/7", dev)
	if !errors.Is(err, errPartial) {
		t.Fatalf("err = %v, want %v (a file failed); stderr:\n%s", err, errPartial, stderr)
	}
	classes := map[string]triage.Class{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r triage.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		classes[filepath.Base(r.Path)] = r.Class
	}
	want := map[string]triage.Class{"a.png": triage.ClassKnown, "b <script>.png": triage.ClassUnknown, "broken.png": triage.ClassFailed, "notes.txt": triage.ClassNotMedia}
	for k, v := range want {
		if classes[k] != v {
			t.Errorf("%s: class %q, want %q", k, classes[k], v)
		}
	}
	if !strings.Contains(stderr, "1 known, 0 near, 1 unknown, 1 not-media, 1 failed") {
		t.Errorf("summary missing from stderr:\n%s", stderr)
	}
	page, err := os.ReadFile(filepath.Join(html, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("<script>")) || !bytes.Contains(page, []byte("b &lt;script&gt;.png")) || !bytes.Contains(page, []byte("thumbs/")) {
		t.Errorf("the report does not escape paths or lacks thumbnails")
	}
	_, ms := readVICS(t, mustRead(t, out))
	if len(ms) != 2 {
		t.Fatalf("VICS export has %d records, want 2 (the known and the unknown image)", len(ms))
	}
	for _, m := range ms {
		if m.MD5 == strings.ToUpper(fp.Digest.MD5Hex()) && (m.Category != vics.Category{Variant: "US", Code: 1} || m.Series != "S") {
			t.Errorf("known record not pre-categorised: %+v", m)
		}
	}

	// --resume with the state in the report folder gives the same output.
	again, _, err := runCmd(t, runTriage, "--json", "--known", setPath, "--html", html, "--resume", dev)
	if !errors.Is(err, errPartial) || again != stdout {
		t.Errorf("resumed run: %v; output differs:\n%s\nwant:\n%s", err, again, stdout)
	}
}

func TestTriageUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--resume", "."},
		{"--server", "http://127.0.0.1:1", "."},
		{"--radius", "300", "."},
	} {
		if _, _, err := runCmd(t, runTriage, args...); !errors.As(err, new(usageError)) {
			t.Errorf("triage %v: err = %v, want a usage error", args, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("not json"), 0o600)
	if _, _, err := runCmd(t, runTriage, "--known", bad, "."); err == nil || !errors.Is(err, vics.ErrRoot) && !errors.Is(err, vics.ErrSyntax) {
		t.Errorf("a bad hash set: err = %v", err)
	}
}
