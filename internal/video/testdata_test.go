package video

import (
	"os"
	"path/filepath"
	"testing"
)

// vpdqDir returns the shared vPDQ test data, which lives outside the module at
// ../../../shared/testdata/vpdq (the checkout is /work/main, the shared data /work/shared).
// Tests skip only when the folder is genuinely absent; CI has it and fails on any skip.
func vpdqDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "vpdq")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("vPDQ test data not found at %s (expected next to the checkout): %v", dir, err)
	}
	return dir
}

// readFramesFile reads a vPDQ hash file.
func readFramesFile(t testing.TB, path string) []Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	frames, err := ReadFrames(f, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return frames
}

// newTestHasher returns a Hasher for cfg, skipping the test when ffmpeg is not installed
// (outside CI only: scripts/test.sh installs it, and CI fails on any skip).
func newTestHasher(t testing.TB, cfg Config) *Hasher {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Version(t.Context()); err != nil {
		t.Skipf("ffmpeg not usable (apt-get install ffmpeg): %v", err)
	}
	return h
}
