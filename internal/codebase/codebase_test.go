package codebase

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// pkg is the part of `go list -json` output these tests read.
type pkg struct {
	ImportPath string
	Name       string
	Dir        string
	Doc        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

const module = "github.com/vidb-project/vidb"

// listPackages lists every package of the module with `go list -json`.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 2 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	return pkgs
}

// TestPackageComments fails for every package without a package comment: a newcomer must be
// able to tell what a package is for from `go doc`.
func TestPackageComments(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s (%s) has no package comment; add a doc.go", p.ImportPath, p.Dir)
		}
	}
}

// pure are the core packages: they compute on bytes, memory and local files only. They must not
// reach the network, a database or other processes, directly or through their dependencies, so
// that they can be fuzzed, reused and trusted with seized data in isolation; the adapters (store,
// blob backends, HTTP) import them, never the other way round.
var pure = []string{
	"pdq",
	"internal/digest",
	"internal/imaging",
	"internal/exif",
	"internal/hamming",
	"internal/fingerprint",
	"internal/audit",
	"internal/blob", // the backends that need HTTP live in subpackages
	"internal/catalog",
	"internal/vics",
	"internal/auth",
	"internal/casework",
	"internal/triage", // the server matcher, which needs HTTP, lives in triage/remote
}

// stdlibOnly are packages that import the standard library alone: pdq because others import
// it, the parsers of untrusted bytes and the index because every line of them is ours to fuzz
// and measure.
var stdlibOnly = []string{
	"pdq",
	"internal/digest",
	"internal/exif",
	"internal/hamming",
	"internal/vics",
}

var forbiddenInPure = []string{"net/http", "database/sql", "os/exec"}

func TestImportFences(t *testing.T) {
	byPath := map[string]pkg{}
	for _, p := range listPackages(t) {
		byPath[p.ImportPath] = p
	}
	for _, rel := range pure {
		p, ok := byPath[module+"/"+rel]
		if !ok {
			t.Errorf("pure package %s not found", rel)
			continue
		}
		for _, dep := range p.Deps {
			for _, bad := range forbiddenInPure {
				if dep == bad {
					t.Errorf("%s depends on %s (directly or through another package); it must stay pure", rel, bad)
				}
			}
		}
	}
	for _, rel := range stdlibOnly {
		p, ok := byPath[module+"/"+rel]
		if !ok {
			t.Errorf("package %s not found", rel)
			continue
		}
		for _, imp := range p.Imports {
			if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				t.Errorf("%s imports %s; it must import the standard library only", rel, imp)
			}
		}
	}
}
