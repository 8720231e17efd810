package httpapi

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/pdq"
)

// benchEnv reads an integer knob from the environment (VIDB_BENCH_*), or def.
func benchEnv(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseFloat(s, 64) // accepts 1e5
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return int(n)
}

// benchJPEGs makes n distinct ~2 MP JPEGs (1632x1224).
func benchJPEGs(b *testing.B, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = testpic.JPEG(b, testpic.Scene(1632, 1224, 1000+i), 90)
	}
	return out
}

// withComment returns a copy of a JPEG with a COM segment holding n after the SOI marker:
// the same pixels, a different file.
func withComment(jpg []byte, n int) []byte {
	text := []byte(fmt.Sprintf("bench %d", n))
	out := make([]byte, 0, len(jpg)+len(text)+4)
	out = append(out, jpg[:2]...)
	out = append(out, 0xFF, 0xFE)
	out = binary.BigEndian.AppendUint16(out, uint16(len(text)+2))
	out = append(out, text...)
	return append(out, jpg[2:]...)
}

// BenchmarkUpload sends generated 2 MP JPEGs through the whole HTTP stack (auth, streaming
// upload, digests, decode, PDQ, encryption, SQLite, index, matching) from GOMAXPROCS clients at
// once, as many as the cores the server hashes on. Compare with BenchmarkHashOnly, which
// fingerprints the same files on as many goroutines, for the cost of everything but the
// fingerprint. Every upload is a new file; files made from the same picture (one in
// VIDB_BENCH_IMAGES) are near matches of each other, as re-encoded copies are in real uploads.
func BenchmarkUpload(b *testing.B) {
	imgs := benchJPEGs(b, benchEnv(b, "VIDB_BENCH_IMAGES", 8))
	_, cl, cs := uploadFixture(b, envOptions{})
	q := fmt.Sprintf("case=%d", cs)
	var n, bytesSent atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			data := withComment(imgs[i%len(imgs)], i)
			resp, body := cl.upload(data, q)
			if resp.StatusCode != 201 {
				b.Errorf("upload %d: %d %s", i, resp.StatusCode, body)
				return
			}
			bytesSent.Add(int64(len(data)))
		}
	})
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "images/s")
	b.SetBytes(bytesSent.Load() / max(n.Load(), 1))
}

// BenchmarkHashOnly fingerprints the same files in memory (digests, decode, PDQ with the
// dihedral hashes, as an upload computes them) on GOMAXPROCS goroutines, with no HTTP,
// storage or matching: the bare hashing rate BenchmarkUpload is measured against.
func BenchmarkHashOnly(b *testing.B) {
	imgs := benchJPEGs(b, benchEnv(b, "VIDB_BENCH_IMAGES", 8))
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		h := fingerprint.NewHasher(fingerprint.Options{Dihedral: true})
		for pb.Next() {
			i := int(n.Add(1))
			if _, err := h.Bytes(withComment(imgs[i%len(imgs)], i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "images/s")
}

// lookupEnv stores n hash-only records with random PDQ hashes and returns the env, a
// signed-in analyst and the stored hashes.
func lookupEnv(b *testing.B, n int) (*env, *client, []pdq.Hash) {
	e := fixture(b, envOptions{})
	rng := rand.New(rand.NewPCG(1, 2))
	hashes := make([]pdq.Hash, n)
	records := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for i := range hashes {
			var d catalog.Digests
			for j := range d.SHA256 {
				d.SHA256[j] = byte(rng.Uint32())
			}
			for j := range hashes[i] {
				hashes[i][j] = byte(rng.Uint32())
			}
			if !yield(catalog.HashOnlyRecord{Digests: d, Kind: catalog.KindImage, PDQ: &catalog.PDQ{Hash: hashes[i], Quality: 100, Flavour: pdq.FullRes}}, nil) {
				return
			}
		}
	}
	ctx := context.Background()
	start := time.Now()
	_, err := e.store.ImportHashOnly(ctx, iter.Seq2[catalog.HashOnlyRecord, error](records), catalog.ImportOptions{
		Access: catalog.Access{Owner: "DE", Visibility: catalog.VisibilityOwner}, Retention: time.Now().AddDate(10, 0, 0),
		Source: "bench", Actor: catalog.User{Login: "bench", Country: "DE", Role: catalog.RoleCoordinator},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.index.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("stored and indexed %d PDQ hashes in %v (index holds %d)", n, time.Since(start).Round(time.Millisecond), e.index.Len())
	return e, e.login("ana.fr"), hashes
}

// near flips k random bits of h.
func near(rng *rand.Rand, h pdq.Hash, k int) pdq.Hash {
	for range k {
		bit := rng.IntN(256)
		h[bit/8] ^= 1 << (bit % 8)
	}
	return h
}

// concurrentRounds runs, per b.Loop iteration, one request from each of `clients` concurrent
// clients, and reports queries/s and the p50 and p99 request latency.
func concurrentRounds(b *testing.B, e *env, cookie string, clients, queriesPerRequest int, body func(rng *rand.Rand) []byte) {
	tr := e.srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = clients
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	bodies := make([][]byte, clients)
	rngs := make([]*rand.Rand, clients)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(uint64(i), 9))
	}
	var mu sync.Mutex
	var lat []time.Duration
	rounds := 0
	for b.Loop() {
		b.StopTimer()
		for i := range bodies {
			bodies[i] = body(rngs[i])
		}
		b.StartTimer()
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/"+map[bool]string{true: "search", false: "lookup"}[queriesPerRequest == 1], bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(&http.Cookie{Name: session.CookieName, Value: cookie})
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
		}
		wg.Wait()
		rounds++
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(rounds*clients*queriesPerRequest)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkLookupPDQ: 64 concurrent clients (VIDB_BENCH_CLIENTS) each searching one PDQ hash
// (half near a stored one) against VIDB_BENCH_MEDIA stored hashes (default 1e5).
func BenchmarkLookupPDQ(b *testing.B) {
	e, cl, hashes := lookupEnv(b, benchEnv(b, "VIDB_BENCH_MEDIA", 1e5))
	concurrentRounds(b, e, cl.cookie, benchEnv(b, "VIDB_BENCH_CLIENTS", 64), 1, func(rng *rand.Rand) []byte {
		h := near(rng, hashes[rng.IntN(len(hashes))], 8)
		if rng.IntN(2) == 0 {
			h = near(rng, h, 128)
		}
		j, _ := json.Marshal(hashQuery{PDQ: h.String()})
		return j
	})
}

// BenchmarkLookupBatch10k: concurrent clients each sending a batch lookup of
// VIDB_BENCH_BATCH (default 10,000) PDQ hashes. The defaults (8 clients) keep it under a
// minute; VIDB_BENCH_CLIENTS=64 is the figure to quote.
func BenchmarkLookupBatch10k(b *testing.B) {
	e, cl, hashes := lookupEnv(b, benchEnv(b, "VIDB_BENCH_MEDIA", 1e5))
	batch := benchEnv(b, "VIDB_BENCH_BATCH", 10000)
	concurrentRounds(b, e, cl.cookie, benchEnv(b, "VIDB_BENCH_CLIENTS", 8), batch, func(rng *rand.Rand) []byte {
		qs := make([]hashQuery, batch)
		for i := range qs {
			h := near(rng, hashes[rng.IntN(len(hashes))], 8)
			if i%2 == 0 {
				h = near(rng, h, 128)
			}
			qs[i] = hashQuery{PDQ: h.String()}
		}
		j, _ := json.Marshal(lookupRequest{Queries: qs})
		return j
	})
}
