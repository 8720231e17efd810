package triage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/testpic"
)

// benchDir returns the folder to triage: $VIDB_TRIAGE_BENCH_DIR (such as the originals/ of
// shared/tools/make-corpus.sh) or 200 generated images.
func benchDir(b *testing.B) string {
	if d := os.Getenv("VIDB_TRIAGE_BENCH_DIR"); d != "" {
		return d
	}
	dir := b.TempDir()
	for i := range 200 {
		writeFile(b, filepath.Join(dir, fmt.Sprintf("%03d.jpg", i)), testpic.JPEG(b, picture(640, 480, i), 85))
	}
	return dir
}

func dirStats(b *testing.B, dir string) (files, bytes int64) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			fi, _ := d.Info()
			files++
			bytes += fi.Size()
		}
		return nil
	})
	return files, bytes
}

// BenchmarkTriage measures a triage with an in-memory hash set, next to the bare
// fingerprint.Walk (what `vidb hash --dihedral` does) on the same files.
func BenchmarkTriage(b *testing.B) {
	dir := benchDir(b)
	files, size := dirStats(b, dir)
	report := func(b *testing.B) {
		s := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(files)/s, "files/s")
		b.ReportMetric(float64(size)/1e6/s, "MB/s")
	}
	b.Run("triage", func(b *testing.B) {
		set := NewHashSet("bench", 0)
		for b.Loop() {
			err := Run(context.Background(), []string{dir}, Options{Matchers: []Matcher{set}}, func(Result) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("fingerprint.Walk", func(b *testing.B) {
		for b.Loop() {
			err := fingerprint.Walk(context.Background(), []string{dir}, fingerprint.WalkOptions{Options: fingerprint.Options{Dihedral: true}}, func(fingerprint.Result) error { return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
}
