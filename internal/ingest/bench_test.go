package ingest

import (
	"bytes"
	"context"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/pdq"
)

// benchJPEGs returns n distinct generated JPEGs of about 2 megapixels (1600x1200).
func benchJPEGs(b *testing.B, n int) [][]byte {
	b.Helper()
	out := make([][]byte, n)
	for i := range out {
		out[i] = testpic.JPEG(b, scene(1600, 1200, 1000+i), 90)
	}
	return out
}

const benchFiles = 16

// BenchmarkIngest uploads generated 2 MP JPEGs through the whole pipeline (spool, digests,
// decode, PDQ with dihedral hashes, EXIF, encrypted blob, SQLite transaction, index sync). The
// first benchFiles iterations create records; later ones find them held.
func BenchmarkIngest(b *testing.B) {
	files := benchJPEGs(b, benchFiles)
	e := newEnv(b, Config{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		_, err := e.p.Ingest(ctx, e.users["FR"], Upload{Body: bytes.NewReader(files[i%len(files)]), Case: e.cases[fr].ID})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkFingerprint hashes the same files with fingerprint.Hasher.Bytes (digests, decode, PDQ
// with dihedral hashes): the share of BenchmarkIngest that is hashing.
func BenchmarkFingerprint(b *testing.B) {
	files := benchJPEGs(b, benchFiles)
	h := fingerprint.NewHasher(fingerprint.Options{Dihedral: true})
	i := 0
	for b.Loop() {
		if _, err := h.Bytes(files[i%len(files)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkLookup10k runs batches of 10,000 queries (half PDQ hashes near stored ones, a quarter
// MD5 digests of stored records, a quarter unknown) against 100,000 stored PDQ hashes.
func BenchmarkLookup10k(b *testing.B) {
	const stored, batch = 100_000, MaxBatch
	e := newEnv(b, Config{})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	recs := make([]catalog.HashOnlyRecord, stored)
	for i := range recs {
		var h pdq.Hash
		for k := range h {
			h[k] = byte(rng.Uint32())
		}
		var d catalog.Digests
		for k := range d.MD5 {
			d.MD5[k] = byte(rng.Uint32())
		}
		recs[i] = catalog.HashOnlyRecord{Digests: d, Kind: catalog.KindImage, PDQ: &catalog.PDQ{Hash: h, Quality: 100, Flavour: pdq.FullRes}}
	}
	seq := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
	start := time.Now()
	if _, err := e.catalog.ImportHashOnly(ctx, iter.Seq2[catalog.HashOnlyRecord, error](seq), catalog.ImportOptions{
		Access: catalog.Access{Owner: de, Visibility: catalog.VisibilityNetwork}, Retention: time.Now().Add(time.Hour),
		Source: "bench", Actor: e.users["DE"]}); err != nil {
		b.Fatal(err)
	}
	if err := e.index.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	if e.index.Len() != stored {
		b.Fatalf("index holds %d, want %d", e.index.Len(), stored)
	}
	b.Logf("imported and indexed %d records in %v", stored, time.Since(start))
	qs := make([]Query, batch)
	for i := range qs {
		r := recs[rng.IntN(stored)]
		switch i % 4 {
		case 0, 1:
			h := r.PDQ.Hash
			for range 8 {
				k := rng.IntN(256)
				h[k/8] ^= 1 << (k % 8)
			}
			qs[i].PDQ = &h
		case 2:
			qs[i].Digests.MD5 = r.Digests.MD5
		default:
			qs[i].Digests.MD5 = [16]byte{1, byte(i), byte(i >> 8)}
		}
	}
	var found int
	for b.Loop() {
		res, err := e.p.Lookup(ctx, e.users["FR"], qs)
		if err != nil {
			b.Fatal(err)
		}
		found = 0
		for _, r := range res {
			found += len(r)
		}
	}
	if found < batch*3/4 {
		b.Fatalf("found %d matches for %d queries, want at least %d", found, batch, batch*3/4)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/query")
}
