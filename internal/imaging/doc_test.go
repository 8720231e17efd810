package imaging

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPackageFence checks what doc.go promises: a package comment, and no import of the network,
// database or process packages anywhere in the package's non-test code.
func TestPackageFence(t *testing.T) {
	t.Parallel()
	forbidden := map[string]bool{"net/http": true, "database/sql": true, "os/exec": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if forbidden[path] {
				t.Errorf("%s imports %s, which package imaging must not import", name, path)
			}
		}
		if name == "doc.go" {
			if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Package imaging ") {
				t.Errorf("doc.go has no package comment starting %q", "Package imaging ")
			}
		}
	}
}
