package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/catalog"
)

// records yields the records given, for ImportHashOnly.
func records(rs ...catalog.HashOnlyRecord) iter.Seq2[catalog.HashOnlyRecord, error] {
	return func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestImportDecisions imports records that are new, known, updated and in conflict, with
// repeats inside one batch and across batches, and checks that the outcome is the same
// whatever the batch size: as if the records were imported one by one.
func TestImportDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cat := func(code string) catalog.Category { return catalog.Category{Scheme: "vics-us", Code: code} }
	a := fileDigests(1)
	b := catalog.Digests{MD5: fileDigests(2).MD5}
	bWithSHA1 := catalog.Digests{MD5: b.MD5, SHA1: fileDigests(3).SHA1}
	c := fileDigests(4)
	c.MD5 = a.MD5 // shares A's MD5, differs on SHA-256: another file
	p := pdqOf(5)
	in := []catalog.HashOnlyRecord{
		{Digests: a, Category: cat("1")},                                 // new
		{Digests: b},                                                     // new, MD5 only
		{Digests: a},                                                     // known (no category)
		{Digests: bWithSHA1, Category: cat("2")},                         // B had none: updated
		{Digests: b, Category: cat("3")},                                 // B is 2 now: conflict
		{Digests: c, Category: cat("1")},                                 // new: SHA-256 disagrees with A
		{Digests: catalog.Digests{MD5: a.MD5}, Category: cat("4")},       // A (oldest agreeing): conflict
		{Digests: fileDigests(6), PDQ: &p, Series: "S1", Size: 10},       // new, in a new series
		{Digests: catalog.Digests{SHA256: c.SHA256}, Category: cat("1")}, // known
	}
	want := catalog.ImportReport{Read: 9, New: 4, Known: 2, Updated: 1}
	for _, batch := range []int{1, 2, 3, 100} {
		t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
			t.Parallel()
			s := newTestStore(t, Options{ImportBatch: batch})
			opts := catalog.ImportOptions{Access: fr, Source: "test.json", Actor: catalog.User{ID: 3, Login: "bob", Country: "FR"}}
			rep, err := s.ImportHashOnly(ctx, records(in...), opts)
			if err != nil {
				t.Fatal(err)
			}
			held := func(d catalog.Digests) catalog.MediaID {
				got, err := s.LookupDigests(ctx, []catalog.Digests{d})
				if err != nil || len(got[0]) == 0 {
					t.Fatalf("LookupDigests(%v) = %v, %v", d, got, err)
				}
				return got[0][0].ID
			}
			w := want
			w.Conflicts = []catalog.ImportConflict{
				{Existing: held(b), Digests: b, Held: cat("2"), Incoming: cat("3")},
				{Existing: held(catalog.Digests{SHA256: a.SHA256}), Digests: catalog.Digests{MD5: a.MD5}, Held: cat("1"), Incoming: cat("4")},
			}
			if diff := cmp.Diff(w, rep); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			ms, err := s.MediaList(ctx, catalog.SystemScope(), catalog.MediaFilter{}, catalog.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var cats []string
			for _, m := range ms {
				cats = append(cats, m.Category.Code)
				if m.Source != "test.json" || m.Kind != catalog.KindUnknown || !m.HashOnly() || m.Access.Owner != "FR" {
					t.Errorf("media %d: source %q kind %q blob %q owner %q", m.ID, m.Source, m.Kind, m.Blob, m.Access.Owner)
				}
			}
			if want := []string{"1", "2", "1", ""}; !slices.Equal(cats, want) {
				t.Errorf("categories of the new media %q, want %q", cats, want)
			}
			sr, err := s.SeriesByName(ctx, catalog.SystemScope(), "S1")
			if err != nil {
				t.Fatal(err)
			}
			if last := ms[len(ms)-1]; last.Series != sr.ID || last.PDQ == nil || *last.PDQ != p {
				t.Errorf("the record with a series and a PDQ hash: series %d (want %d), PDQ %v", last.Series, sr.ID, last.PDQ)
			}
			var feed []catalog.SeqPDQ
			for e, err := range s.PDQEntries(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				feed = append(feed, e)
			}
			if len(feed) != 1 || feed[0].Media != ms[len(ms)-1].ID || feed[0].Frame != -1 || feed[0].Hash != p {
				t.Errorf("PDQ feed after the import: %+v", feed)
			}
			// Importing again changes nothing.
			rep, err = s.ImportHashOnly(ctx, records(in...), opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.New != 0 || rep.Updated != 0 || rep.Known+int64(len(rep.Conflicts)) != 9 {
				t.Errorf("importing the same records again: %+v", rep)
			}
			rp := s.verifyLog(t)
			if batches := (len(in) + batch - 1) / batch; rp.Events != int64(2*batches) {
				t.Errorf("%d audit events for two imports of %d batches; want one per batch", rp.Events, batches)
			}
		})
	}
}

// TestImportSourceError stops at a source error and keeps the batches committed before it.
func TestImportSourceError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Options{ImportBatch: 2})
	src := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for i := range 5 {
			if !yield(catalog.HashOnlyRecord{Digests: fileDigests(i)}, nil) {
				return
			}
		}
		yield(catalog.HashOnlyRecord{}, fmt.Errorf("disk on fire"))
	}
	rep, err := s.ImportHashOnly(ctx, src, catalog.ImportOptions{Access: fr})
	if err == nil {
		t.Fatal("no error from a failing source")
	}
	if rep.Read != 4 || rep.New != 4 {
		t.Errorf("report %+v; want the two committed batches: 4 read, 4 new", rep)
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Media != 4 {
		t.Errorf("Stats = %+v, %v; want 4 media", st, err)
	}
}

// hashRecords yields n hash-only records with all three digests, distinct for each (seed, i).
func hashRecords(seed, n int) iter.Seq2[catalog.HashOnlyRecord, error] {
	return func(yield func(catalog.HashOnlyRecord, error) bool) {
		var buf [16]byte
		binary.LittleEndian.PutUint64(buf[:8], uint64(seed))
		for i := range n {
			binary.LittleEndian.PutUint64(buf[8:], uint64(i))
			var d catalog.Digests
			d.SHA256 = sha256.Sum256(buf[:])
			copy(d.SHA1[:], d.SHA256[4:])
			copy(d.MD5[:], d.SHA256[16:])
			r := catalog.HashOnlyRecord{Digests: d, Size: int64(1000 + i), Kind: catalog.KindImage,
				Category: catalog.Category{Scheme: catalog.SchemeVICSUS, Code: strconv.Itoa(i % 5)}}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// BenchmarkImportHashOnly imports $VIDB_BENCH_IMPORT_N hash-only records (default 100,000)
// per iteration into one store, each iteration new records, and reports records per second.
// The figure for the target (1 million in under 30 s):
//
//	VIDB_BENCH_IMPORT_N=1000000 go test -run '^$' -bench BenchmarkImportHashOnly -benchtime=1x ./internal/store/postgres/
func BenchmarkImportHashOnly(b *testing.B) {
	n := 100_000
	if v := os.Getenv("VIDB_BENCH_IMPORT_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("VIDB_BENCH_IMPORT_N=%q: want a positive number", v)
		}
	}
	ctx := context.Background()
	var log *slog.Logger
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := newTestStore(b, Options{Logger: log})
	opts := catalog.ImportOptions{Access: fr, Source: "bench", Actor: catalog.User{Login: "bench", Country: "FR"}}
	seed, total := 0, 0
	for b.Loop() {
		rep, err := s.ImportHashOnly(ctx, hashRecords(seed, n), opts)
		if err != nil {
			b.Fatal(err)
		}
		if rep.New != int64(n) {
			b.Fatalf("import: %d new of %d", rep.New, n)
		}
		seed++
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
}

// TestImportAcrossBatchesInFlight puts records that depend on each other in consecutive
// batches of one record, which are in flight together: the second categorises the record the
// first inserts, or uses the series the first creates, before the first has committed.
func TestImportAcrossBatchesInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Options{ImportBatch: 1})
	md5Only := catalog.Digests{MD5: fileDigests(1).MD5}
	cat := catalog.Category{Scheme: "vics-us", Code: "2"}
	rep, err := s.ImportHashOnly(ctx, records(
		catalog.HashOnlyRecord{Digests: md5Only, Series: "S"},
		catalog.HashOnlyRecord{Digests: catalog.Digests{MD5: md5Only.MD5, SHA1: fileDigests(2).SHA1}, Category: cat},
		catalog.HashOnlyRecord{Digests: fileDigests(3), Series: "S"},
		catalog.HashOnlyRecord{Digests: fileDigests(3), Category: cat},
		catalog.HashOnlyRecord{Digests: fileDigests(4), Series: "T"},
		catalog.HashOnlyRecord{Digests: fileDigests(5), Series: "T"},
	), catalog.ImportOptions{Access: fr})
	if err != nil {
		t.Fatal(err)
	}
	if want := (catalog.ImportReport{Read: 6, New: 4, Updated: 2}); !cmp.Equal(rep, want) {
		t.Errorf("report %+v, want %+v", rep, want)
	}
	ms, err := s.MediaList(ctx, catalog.SystemScope(), catalog.MediaFilter{}, catalog.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		sr, err := s.Series(ctx, catalog.SystemScope(), m.Series)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sr.Name+":"+m.Category.Code)
	}
	if want := []string{"S:2", "S:2", "T:", "T:"}; !slices.Equal(got, want) {
		t.Errorf("series:category of the media = %q, want %q", got, want)
	}
	if st, err := s.Stats(ctx); err != nil || st.Series != 2 {
		t.Errorf("Stats = %+v, %v; want 2 series", st, err)
	}
	s.verifyLog(t)
}

// TestConcurrentImports runs two imports of the same records at once. They race for the same
// SHA-256s; a batch that loses is run again and then finds the records held, so each file is
// one media record, counted new by exactly one of the imports.
func TestConcurrentImports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Options{ImportBatch: 250})
	const n = 3000
	reps := make([]catalog.ImportReport, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			reps[i], errs[i] = s.ImportHashOnly(ctx, hashRecords(7, n), catalog.ImportOptions{Access: fr, Source: fmt.Sprint("import ", i)})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if reps[0].New+reps[1].New != n || reps[0].Known+reps[1].Known != n || reps[0].Read != n || reps[1].Read != n {
		t.Errorf("reports %+v and %+v; want %d new and %d known between them", reps[0], reps[1], n, n)
	}
	if st, err := s.Stats(ctx); err != nil || st.Media != n {
		t.Errorf("Stats = %+v, %v; want %d media", st, err, n)
	}
	s.verifyLog(t)
}
