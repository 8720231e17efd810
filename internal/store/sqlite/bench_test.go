package sqlite

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/storetest"
	"github.com/vidb-project/vidb/pdq"
)

// benchImportN is how many records BenchmarkImportHashOnly imports per iteration:
// VIDB_BENCH_IMPORT_N, 100 000 by default. The figure quoted for issue 4 is the 1-million run
// with synchronous=FULL, what vidb runs (-bench 'BenchmarkImportHashOnly$' runs the NORMAL
// variant too, and takes twice as long in all):
//
//	VIDB_BENCH_IMPORT_N=1000000 go test ./internal/store/sqlite -run '^$' \
//		-bench 'ImportHashOnly/sync=FULL' -benchtime=1x
func benchImportN(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("VIDB_BENCH_IMPORT_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("VIDB_BENCH_IMPORT_N=%q: want a positive number", s)
		}
		n = v
	}
	return n
}

// benchBatch is VIDB_BENCH_IMPORT_BATCH, the import batch size to measure; 0 (the default)
// means the store's default.
func benchBatch(b *testing.B) int {
	v, _ := strconv.Atoi(os.Getenv("VIDB_BENCH_IMPORT_BATCH"))
	return v
}

// hashList generates n hash-only records as a known-material list has them: every record with
// MD5, SHA-1 and SHA-256, most categorised, one in ten with a PDQ hash, and one in a hundred
// repeating an earlier record.
func hashList(n int) iter.Seq2[catalog.HashOnlyRecord, error] {
	return func(yield func(catalog.HashOnlyRecord, error) bool) {
		rng := rand.New(rand.NewPCG(1, 2))
		var prev []catalog.Digests
		for i := range n {
			var r catalog.HashOnlyRecord
			if i%100 == 99 && len(prev) > 0 {
				r.Digests = prev[rng.IntN(len(prev))]
			} else {
				for _, d := range [][]byte{r.Digests.MD5[:], r.Digests.SHA1[:], r.Digests.SHA256[:]} {
					for j := 0; j < len(d); j += 8 {
						v := rng.Uint64()
						for k := j; k < min(j+8, len(d)); k++ {
							d[k] = byte(v >> (8 * (k - j)))
						}
					}
				}
				if len(prev) < 10_000 {
					prev = append(prev, r.Digests)
				}
			}
			r.Size = int64(rng.IntN(5 << 20))
			r.Kind = catalog.KindImage
			if c := rng.IntN(6); c < 5 {
				r.Category = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: strconv.Itoa(c)}
			}
			if i%10 == 0 {
				var h pdq.Hash
				for j := 0; j < len(h); j += 8 {
					v := rng.Uint64()
					for k := range 8 {
						h[j+k] = byte(v >> (8 * k))
					}
				}
				r.PDQ = &catalog.PDQ{Hash: h, Quality: 50 + rng.IntN(51), Flavour: pdq.FullRes}
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// BenchmarkImportHashOnly imports a generated hash list into a fresh store per iteration and
// reports records/s, with synchronous=FULL (what vidb runs) and NORMAL (to show what
// durability costs).
func BenchmarkImportHashOnly(b *testing.B) {
	n := benchImportN(b)
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			opts := catalog.ImportOptions{
				Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityNetwork},
				Source: "vics:bench.json",
				Actor:  catalog.User{ID: 1, Login: "bench", Country: "FR"},
			}
			var rep catalog.ImportReport
			for b.Loop() {
				b.StopTimer()
				s, err := Open(b.Context(), filepath.Join(b.TempDir(), fmt.Sprintf("vidb-%d.db", time.Now().UnixNano())),
					Options{AuditSigner: storetest.Signer(), synchronous: sync, ImportBatch: benchBatch(b)})
				if err != nil {
					b.Fatal(err)
				}
				addFixture(b, s)
				b.StartTimer()
				rep, err = s.ImportHashOnly(b.Context(), hashList(n), opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			if rep.Read != int64(n) || rep.New+rep.Known+rep.Updated+int64(len(rep.Conflicts)) != rep.Read {
				b.Fatalf("report %+v for %d records", rep, n)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkUpdate measures one upload transaction (a media record, a sighting, an audit event
// and the signed checkpoint) with synchronous=FULL and NORMAL: the cost of an fsync per commit.
func BenchmarkUpdate(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			s := openTest(b, Options{synchronous: sync})
			c := addFixture(b, s)
			i := 0
			for b.Loop() {
				i++
				if err := upload(b, s, c, strconv.Itoa(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}
