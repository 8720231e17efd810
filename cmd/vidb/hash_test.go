package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runVidb runs the command line in-process and returns its exit code and output.
func runVidb(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, streams{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
	return code, out.String(), errOut.String()
}

func writePNG(t *testing.T, path string, w, h, seed int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8((x*x*(seed+3) + y*(7+seed) + (x^y)*seed) % 251)
			img.SetNRGBA(x, y, color.NRGBA{v, uint8(x * 255 / w), uint8(y * 255 / h), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHashJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	img := writePNG(t, filepath.Join(dir, "a.png"), 120, 80, 1)
	writePNG(t, filepath.Join(dir, "sub", "b.png"), 64, 64, 2)
	os.WriteFile(filepath.Join(dir, "sub", "notes.txt"), []byte("hello"), 0o600)

	code, stdout, stderr := runVidb(t, "hash", "--json", "--dihedral", dir)
	if code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitOK, stderr)
	}
	var lines []hashLine
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var l hashLine
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	var paths []string
	for _, l := range lines {
		rel, _ := filepath.Rel(dir, l.Path)
		paths = append(paths, rel)
	}
	if diff := cmp.Diff([]string{"a.png", "sub/b.png", "sub/notes.txt"}, paths); diff != "" {
		t.Fatalf("paths (-want +got):\n%s", diff)
	}
	a := lines[0]
	sum := sha256.Sum256(img)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size == nil || *a.Size != int64(len(img)) {
		t.Errorf("a.png: sha256 %s size %v, want %x %d", a.SHA256, a.Size, sum, len(img))
	}
	if a.Kind != "image" || a.Format != "png" || a.Width != 120 || a.Height != 80 {
		t.Errorf("a.png: kind %q format %q %dx%d, want image png 120x80", a.Kind, a.Format, a.Width, a.Height)
	}
	if len(a.PDQ) != 64 || a.Quality == nil || a.Flavour != "fullres" {
		t.Errorf("a.png: pdq %q quality %v flavour %q", a.PDQ, a.Quality, a.Flavour)
	}
	if len(a.Dihedral) != 8 || a.Dihedral["orig"] != a.PDQ {
		t.Errorf("a.png: dihedral %v; want 8 hashes with orig = pdq %s", a.Dihedral, a.PDQ)
	}
	notes := lines[2]
	if notes.Kind != "other" || notes.PDQ != "" || notes.Error != "" || notes.MD5 != "5d41402abc4b2a76b9719d911017c592" {
		t.Errorf("notes.txt: %+v; want kind other, md5 of hello, no pdq, no error", notes)
	}
}

func TestHashTextAndFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), 100, 100, 3)
	os.WriteFile(filepath.Join(dir, "broken.jpg"), []byte("\xff\xd8\xff\xe0\x00\x10JFIF trunc"), 0o600)

	code, stdout, stderr := runVidb(t, "hash", dir)
	if code != exitPartial {
		t.Errorf("exit code %d, want %d (a file failed)", code, exitPartial)
	}
	if !strings.Contains(stderr, "broken.jpg") {
		t.Errorf("stderr does not name the failed file:\n%s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout has %d lines, want 1 (the failed file only on stderr):\n%s", len(lines), stdout)
	}
	f := strings.Split(lines[0], ",")
	if len(f) != 7 || len(f[0]) != 64 || len(f[2]) != 32 || len(f[3]) != 40 || len(f[4]) != 64 || f[6] != filepath.Join(dir, "a.png") {
		t.Errorf("text line %q is not pdq,quality,md5,sha1,sha256,size,path", lines[0])
	}
}

func TestHashUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"hash"},
		{"hash", "--flavour", "nonsense", "x"},
		{"hash", "--no-such-flag", "x"},
		{"no-such-command"},
	} {
		if code, _, _ := runVidb(t, args...); code != exitUsage {
			t.Errorf("vidb %s: exit code %d, want %d", strings.Join(args, " "), code, exitUsage)
		}
	}
}

// TestHashSquash512MatchesReference checks the whole path, file to line, against the C++
// pdq-photo-hasher's output for a large lossless image.
func TestHashSquash512MatchesReference(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join("..", "..", "..", "shared", "testdata", "pdq")
	path := filepath.Join(testdata, "images", "misc-images", "c.png")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared test data not found: %v", err)
	}
	table, err := os.ReadFile(filepath.Join(testdata, "expected", "reference_cpp_file_level.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var ref string
	for _, l := range strings.Split(string(table), "\n") {
		if f := strings.Split(l, "\t"); f[0] == "images/misc-images/c.png" {
			ref = f[8] + "," + f[7] // pdq,quality
		}
	}
	if ref == "" {
		t.Fatal("c.png is not in the reference table")
	}
	code, stdout, stderr := runVidb(t, "hash", "--flavour", "squash512", path)
	if code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, ref+",") {
		t.Errorf("got %q, want it to start with %q", stdout, ref)
	}
}
