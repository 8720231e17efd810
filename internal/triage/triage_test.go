package triage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadSet(t testing.TB, f fixture) *HashSet {
	t.Helper()
	s := NewHashSet("fixture", 0)
	rep, err := s.Load(context.Background(), bytes.NewReader(f.hashset))
	if err != nil || rep.Records != 2 || s.Len() != 2 {
		t.Fatalf("Load = %+v, %v; want 2 records", rep, err)
	}
	return s
}

func runAll(t testing.TB, ctx context.Context, paths []string, opts Options) ([]Result, error) {
	var got []Result
	err := Run(ctx, paths, opts, func(r Result) error { got = append(got, r); return nil })
	return got, err
}

func rel(t testing.TB, dir, p string) string {
	r, err := filepath.Rel(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

func TestRunClassifiesEveryClass(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	got, err := runAll(t, context.Background(), []string{f.dir}, Options{Matchers: []Matcher{loadSet(t, f)}, Workers: 2, Thumbnails: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	classes := map[string]Class{}
	byPath := map[string]Result{}
	for _, r := range got {
		p := rel(t, f.dir, strings.Replace(r.Path, "!/", "!!", 1))
		p = strings.Replace(p, "!!", "!/", 1)
		classes[p] = r.Class
		byPath[p] = r
	}
	if diff := cmp.Diff(f.want, classes); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	known := byPath["dcim/known.png"]
	if c := known.Category(); c == nil || *c != (Category{"vics-us", "1"}) || known.Matches[0].Series != "Garden" {
		t.Errorf("known match = %+v, want category vics-us:1 and series Garden", known.Matches)
	}
	near := byPath["dcim/near.jpg"]
	if len(near.Matches) != 1 || near.Matches[0].Kind != MatchNear || near.Matches[0].Distance > DefaultRadius {
		t.Errorf("near matches = %+v", near.Matches)
	} else {
		t.Logf("re-encoded copy at PDQ distance %d", near.Matches[0].Distance)
	}
	if len(near.Thumbnail) == 0 || len(byPath["dcim/unknown.dat"].Thumbnail) == 0 || len(known.Thumbnail) != 0 {
		t.Errorf("thumbnails: near %d, unknown %d, known %d bytes; want near and unknown only",
			len(near.Thumbnail), len(byPath["dcim/unknown.dat"].Thumbnail), len(known.Thumbnail))
	}
	for p, wantErr := range map[string]error{
		"backup.zip!/../escape.png": ErrUnsafePath,
		"old.tar.gz!//etc/abs.png":  ErrUnsafePath,
		"backup.zip!/bomb.bin":      ErrBomb,
	} {
		if r := byPath[p]; !errors.Is(r.Err, wantErr) || r.Error == "" {
			t.Errorf("%s: err = %v, want %v", p, r.Err, wantErr)
		}
	}
	for p := range classes {
		if strings.Contains(p, "secret") {
			t.Errorf("the walk followed a link out of the tree: %s", p)
		}
	}
}

func TestRunWithoutMatchers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	got, err := runAll(t, context.Background(), []string{filepath.Join(f.dir, "dcim", "known.png"), filepath.Join(f.dir, "missing.png")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Class != ClassUnknown || got[1].Class != ClassFailed || !errors.Is(got[1].Err, os.ErrNotExist) {
		t.Errorf("got %+v", got)
	}
}

// A streamed bomb: the zip header lies about the sizes, so only the reader's count can stop it.
func TestLimitReaderStopsBomb(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits()
	lim.MaxInMemory = 8 << 20
	w := &walker{lim: lim, budget: newBudget(64 << 20)}
	it := item{key: Key{Path: "x", Size: 1}}
	ab := &archiveBudget{lim: lim}
	w.read(&it, &limitReader{r: bytes.NewReader(make([]byte, 5<<20)), lim: lim, compressed: func() int64 { return 1000 }, ab: ab})
	if !errors.Is(it.err, ErrBomb) {
		t.Errorf("err = %v, want %v", it.err, ErrBomb)
	}
	it = item{key: Key{Path: "y", Size: 1}}
	lim.MaxArchiveBytes = 100
	w.read(&it, &limitReader{r: bytes.NewReader(make([]byte, 500)), lim: lim, compressed: func() int64 { return 500 }, ab: &archiveBudget{lim: lim}})
	if !errors.Is(it.err, ErrBomb) {
		t.Errorf("archive cap: err = %v, want %v", it.err, ErrBomb)
	}
}

func TestEntryName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"a/b.png", "a/b.png", true},
		{"a/./b.png", "a/b.png", true},
		{"a\\b.png", "a/b.png", true},
		{"../x", "", false},
		{"a/../../x", "", false},
		{"a/../b", "", false},
		{"/etc/passwd", "", false},
		{"\\windows\\x", "", false},
		{"C:/x", "", false},
		{"a\x00b", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, err := entryName(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("entryName(%q) = %q, %v; want %q, ok=%v", c.in, got, err, c.want, c.ok)
		}
		if err != nil && !errors.Is(err, ErrUnsafePath) {
			t.Errorf("entryName(%q): %v does not wrap ErrUnsafePath", c.in, err)
		}
	}
}

func jsonLines(t testing.TB, rs []Result) []string {
	var out []string
	for _, r := range rs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// An interrupted run re-run with its State reports exactly what an uninterrupted run does.
func TestResumeEqualsUninterrupted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	set := loadSet(t, f)
	opts := Options{Matchers: []Matcher{set}, Workers: 2, Batch: 2}
	full, err := runAll(t, context.Background(), []string{f.dir}, opts)
	if err != nil {
		t.Fatal(err)
	}

	statePath := filepath.Join(t.TempDir(), "state.jsonl")
	st, err := OpenState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = Run(ctx, []string{f.dir}, opts, func(r Result) error {
		if err := st.Record(r); err != nil {
			return err
		}
		if n++; n == 4 {
			cancel() // interrupted midway
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want %v", err, context.Canceled)
	}
	st.Close()
	// A torn last line, as a crash mid-write leaves, is ignored.
	fh, _ := os.OpenFile(statePath, os.O_APPEND|os.O_WRONLY, 0)
	fh.WriteString(`{"path":"torn`)
	fh.Close()

	st, err = OpenState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Len() < 4 || st.Len() >= len(full) {
		t.Fatalf("state holds %d files after the interruption; want at least 4 and fewer than %d", st.Len(), len(full))
	}
	skipped := 0
	ropts := opts
	ropts.Resume = func(k Key) (Result, bool) {
		r, ok := st.Lookup(k)
		if ok {
			skipped++
		}
		return r, ok
	}
	resumed, err := runAll(t, context.Background(), []string{f.dir}, ropts)
	if err != nil {
		t.Fatal(err)
	}
	if skipped < 3 {
		t.Errorf("the resumed run skipped %d files, want at least 3", skipped)
	}
	if diff := cmp.Diff(jsonLines(t, full), jsonLines(t, resumed)); diff != "" {
		t.Errorf("resumed report differs from the uninterrupted one (-full +resumed):\n%s", diff)
	}
	st.Close()
}

func TestOpenStateRefusesOtherFiles(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(p, []byte("not a state file\n"), 0o600)
	if _, err := OpenState(p); !errors.Is(err, ErrState) {
		t.Errorf("OpenState(text) = %v, want %v", err, ErrState)
	}
	if b, _ := os.ReadFile(p); string(b) != "not a state file\n" {
		t.Errorf("OpenState changed a file it refused: %q", b)
	}
}

func TestMatcherErrorStopsRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	boom := errors.New("server down")
	_, err := runAll(t, context.Background(), []string{f.dir}, Options{Matchers: []Matcher{failing{boom}}})
	if !errors.Is(err, ErrMatcher) || !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v wrapping %v", err, ErrMatcher, boom)
	}
}

type failing struct{ err error }

func (f failing) Match(context.Context, []Query) ([][]Match, error) { return nil, f.err }

// The pixel budget changes when images are decoded (by the workers and for thumbnails), never
// what is reported: with a budget of one pixel every image is decoded alone.
func TestRunSameReportWhateverPixelBudget(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	set := loadSet(t, f)
	type line struct {
		JSON      string
		Thumbnail []byte
	}
	run := func(workers int, px int64) []line {
		got, err := runAll(t, context.Background(), []string{f.dir}, Options{Matchers: []Matcher{set}, Workers: workers, MaxPixelsInFlight: px, Thumbnails: true})
		if err != nil {
			t.Fatalf("MaxPixelsInFlight %d: %v", px, err)
		}
		var out []line
		for i, j := range jsonLines(t, got) {
			out = append(out, line{j, got[i].Thumbnail})
		}
		return out
	}
	want := run(1, 1<<40)
	thumbs := 0
	for _, l := range want {
		if l.Thumbnail != nil {
			thumbs++
		}
	}
	if thumbs == 0 {
		t.Fatal("the fixture gave no thumbnails: the test would not exercise their decode")
	}
	for _, px := range []int64{1, 0, -1} {
		if diff := cmp.Diff(want, run(3, px)); diff != "" {
			t.Errorf("MaxPixelsInFlight %d: report differs (-unbounded +got):\n%s", px, diff)
		}
	}
}
