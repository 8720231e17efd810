package triage

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/internal/vics"
)

// picture draws a benign synthetic image: smooth gradients and shapes, varied by seed, with
// enough structure for a PDQ quality well over 50.
func picture(w, h, seed int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			cx, cy := (x-w/2)*(seed+1), (y-h/3)*(seed+2)
			v := uint8(((cx*cx+cy*cy)/(97+seed*13) + x*seed) % 256)
			img.SetNRGBA(x, y, color.NRGBA{v, uint8((x*255/w + seed*40) % 256), uint8((y*255/h + seed*70) % 256), 255})
		}
	}
	return img
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

type zipEntry struct {
	name string
	data []byte
}

func zipBytes(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: time.Unix(1700000000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGzBytes(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.data)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX})
		tw.Write(e.data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// fixture is a generated seized folder and a hash set that knows some of it.
type fixture struct {
	dir     string
	hashset []byte // a VICS 2.0 hash set
	want    map[string]Class
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	dir := t.TempDir()
	known := testpic.PNG(t, picture(200, 150, 1))
	nearOrig := picture(220, 160, 2)
	unknown := testpic.PNG(t, picture(180, 180, 3))
	writeFile(t, filepath.Join(dir, "dcim", "known.png"), known)
	writeFile(t, filepath.Join(dir, "dcim", "near.jpg"), testpic.JPEG(t, nearOrig, 70)) // a re-encoded copy
	writeFile(t, filepath.Join(dir, "dcim", "unknown.dat"), unknown)                    // an image, whatever its name
	writeFile(t, filepath.Join(dir, "dcim", "corrupt.png"), known[:len(known)/3])
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("shopping list"))
	writeFile(t, filepath.Join(dir, "backup.zip"), zipBytes(t,
		zipEntry{"../escape.png", known},
		zipEntry{"photos/inner.png", testpic.PNG(t, picture(90, 90, 4))},
		zipEntry{"bomb.bin", make([]byte, 8<<20)}, // 8 MiB of zeros: a ratio near 1000
	))
	writeFile(t, filepath.Join(dir, "old.tar.gz"), tarGzBytes(t,
		zipEntry{"copy/known-again.png", known},
		zipEntry{"/etc/abs.png", known},
	))
	// A link out of the tree is not followed.
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.png"), unknown)
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}

	h := fingerprint.NewHasher(fingerprint.Options{})
	kf, _ := h.Bytes(known)
	nf, err := h.Bytes(testpic.PNG(t, nearOrig))
	if err != nil || nf.PDQ == nil {
		t.Fatalf("hashing the near original: %v", err)
	}
	var set bytes.Buffer
	vw, err := vics.NewWriter(&set, vics.WriterOptions{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []vics.Media{
		{MD5: strings.ToUpper(kf.Digest.MD5Hex()), Category: vics.Category{Variant: "US", Code: 1}, Series: "Garden"},
		{MD5: strings.Repeat("AB", 16), SHA1: strings.ToUpper(nf.Digest.SHA1Hex()) + "", Category: vics.Category{Variant: "US", Code: 2},
			AlternativeHashes: []vics.AltHash{{HashName: "PDQ", HashValue: nf.PDQ.Hash.String()}}},
	} {
		if err := vw.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	vw.Close()
	return fixture{dir: dir, hashset: set.Bytes(), want: map[string]Class{
		"dcim/known.png":                   ClassKnown,
		"dcim/near.jpg":                    ClassNear,
		"dcim/unknown.dat":                 ClassUnknown,
		"dcim/corrupt.png":                 ClassFailed,
		"notes.txt":                        ClassNotMedia,
		"backup.zip!/../escape.png":        ClassFailed,
		"backup.zip!/photos/inner.png":     ClassUnknown,
		"backup.zip!/bomb.bin":             ClassFailed,
		"old.tar.gz!/copy/known-again.png": ClassKnown,
		"old.tar.gz!//etc/abs.png":         ClassFailed,
	}}
}
