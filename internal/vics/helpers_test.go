package vics

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// specDir holds the shared VICS sample files.
var specDir = filepath.Join("..", "..", "..", "shared", "spec", "vics")

// sampleFiles lists every sample file, failing the test when there are none: the samples are part
// of the shared tree and must be present.
func sampleFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(specDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found %d sample files under %s, want at least 6", len(files), specDir)
	}
	return files
}

func readSample(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(specDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll reads a whole document.
func readAll(t testing.TB, data []byte, opts ReaderOptions) (Header, Case, []Media) {
	t.Helper()
	h, c, ms, err := tryReadAll(data, opts)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return h, c, ms
}

func tryReadAll(data []byte, opts ReaderOptions) (Header, Case, []Media, error) {
	r, err := NewReaderOptions(bytes.NewReader(data), opts)
	if err != nil {
		return Header{}, Case{}, nil, err
	}
	var ms []Media
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Header(), r.Case(), ms, nil
		}
		if err != nil {
			return r.Header(), r.Case(), ms, err
		}
		ms = append(ms, m)
	}
}

// writeAll writes records into a document.
func writeAll(t testing.TB, opts WriterOptions, ms []Media) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for _, m := range ms {
		if err := w.Write(m); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }
