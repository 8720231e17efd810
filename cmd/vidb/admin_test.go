package main

import (
	"bufio"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var oneTimePassword = regexp.MustCompile(`one-time password(?: for \S+)?: (\S+)`)

// TestInitUserCountry runs the administration commands on one data folder: init creates the
// first country and coordinator, country and user add register more, list shows them, disable
// and reset-password act on accounts, and each mistake is a usage error.
func TestInitUserCountry(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")

	code, out, errOut := runVidb(t, "init", "--data", dir, "--country", "fr", "--country-name", "France", "--login", "lead")
	if code != exitOK {
		t.Fatalf("init: exit %d\n%s", code, errOut)
	}
	if !oneTimePassword.MatchString(out) || !strings.Contains(out, "first country: FR (France)") {
		t.Fatalf("init output lacks the country or the one-time password:\n%s", out)
	}
	if code, _, _ := runVidb(t, "init", "--data", dir); code != exitFailure {
		t.Errorf("second init: exit %d, want %d (the folder exists)", code, exitFailure)
	}

	if code, _, errOut := runVidb(t, "country", "add", "--data", dir, "de", "Germany"); code != exitOK {
		t.Fatalf("country add: exit %d\n%s", code, errOut)
	}
	if code, _, _ := runVidb(t, "country", "add", "--data", dir, "DEU", "Germany"); code != exitUsage {
		t.Errorf("country add DEU: exit %d, want %d", code, exitUsage)
	}
	code, out, errOut = runVidb(t, "country", "list", "--data", dir, "--json")
	if code != exitOK {
		t.Fatalf("country list: exit %d\n%s", code, errOut)
	}
	var countries []map[string]string
	for line := range strings.Lines(out) {
		var c map[string]string
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("country list line %q: %v", line, err)
		}
		countries = append(countries, c)
	}
	want := []map[string]string{{"code": "DE", "name": "Germany"}, {"code": "FR", "name": "France"}}
	if diff := cmp.Diff(want, countries); diff != "" {
		t.Errorf("countries (-want +got):\n%s", diff)
	}

	code, out, errOut = runVidb(t, "user", "add", "--data", dir, "--login", "anna", "--country", "DE", "--role", "reviewer", "--name", "Anna")
	if code != exitOK {
		t.Fatalf("user add: exit %d\n%s", code, errOut)
	}
	first := oneTimePassword.FindStringSubmatch(out)
	if first == nil {
		t.Fatalf("user add printed no one-time password:\n%s", out)
	}
	for _, bad := range [][]string{
		{"--login", "Bad Login", "--country", "DE"},
		{"--login", "x", "--country", "DE", "--role", "boss"},
		{"--login", "x", "--country", "D"},
	} {
		if code, _, _ := runVidb(t, append([]string{"user", "add", "--data", dir}, bad...)...); code != exitUsage {
			t.Errorf("user add %v: exit %d, want %d", bad, code, exitUsage)
		}
	}
	if code, _, _ := runVidb(t, "user", "add", "--data", dir, "--login", "anna", "--country", "DE"); code != exitFailure {
		t.Errorf("adding anna twice: exit %d, want %d", code, exitFailure)
	}
	if code, _, errOut := runVidb(t, "user", "disable", "--data", dir, "anna"); code != exitOK {
		t.Fatalf("user disable: exit %d\n%s", code, errOut)
	}
	code, out, _ = runVidb(t, "user", "reset-password", "--data", dir, "anna")
	second := oneTimePassword.FindStringSubmatch(out)
	if code != exitOK || second == nil || second[1] == first[1] {
		t.Fatalf("reset-password: exit %d, output:\n%s", code, out)
	}
	if code, _, _ := runVidb(t, "user", "disable", "--data", dir, "nobody"); code != exitFailure {
		t.Errorf("disabling an unknown login: exit %d, want %d", code, exitFailure)
	}

	code, out, errOut = runVidb(t, "user", "list", "--data", dir, "--json")
	if code != exitOK {
		t.Fatalf("user list: exit %d\n%s", code, errOut)
	}
	type row struct {
		Login, Country, Role string
		Disabled             bool
	}
	var users []row
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var u userJSON
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			t.Fatal(err)
		}
		users = append(users, row{u.Login, u.Country, u.Role, u.Disabled})
	}
	wantUsers := []row{{"lead", "FR", "coordinator", false}, {"anna", "DE", "reviewer", true}}
	if diff := cmp.Diff(wantUsers, users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}

	// The environment fills flags not given: VIDB_DATA names the folder.
	var errBuf strings.Builder
	var outBuf strings.Builder
	code = run(context.Background(), []string{"user", "list"}, streams{stdin: strings.NewReader(""), stdout: &outBuf, stderr: &errBuf,
		getenv: func(k string) string {
			if k == "VIDB_DATA" {
				return dir
			}
			return ""
		}})
	if code != exitOK || !strings.Contains(outBuf.String(), "anna") {
		t.Errorf("user list with VIDB_DATA: exit %d, stdout %q, stderr %q", code, outBuf.String(), errBuf.String())
	}
}
