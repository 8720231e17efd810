package triage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/digest"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// videoHasher adapts video.Hasher to VideoHasher, as the CLI does.
type videoHasher struct{ h *video.Hasher }

func (v videoHasher) HashVideo(ctx context.Context, path string) ([]Frame, error) {
	_, fs, err := v.h.Hash(ctx, path)
	if err != nil {
		return nil, err
	}
	out := make([]Frame, len(fs))
	for i, f := range fs {
		out[i] = Frame{Seconds: float64(f.Seconds), Hash: f.Hash, Quality: f.Quality}
	}
	return out, nil
}

// slideshow has ffmpeg make a benign video of pictures, each shown for 2 s at 5 fps.
func slideshow(t *testing.T, pics ...[]byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required: %v", err)
	}
	dir := t.TempDir()
	for i, p := range pics {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("p%03d.png", i)), p)
	}
	out := filepath.Join(dir, "v.mp4")
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", "1/2", "-i", filepath.Join(dir, "p%03d.png"),
		"-r", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestTriageVideo triages videos against a data folder's catalog that holds an image: a video
// showing it from 2 s to 4 s is near, with those seconds; a video whose digest is held is
// known; a video that holds nothing held is unknown; a broken video fails; a video inside a
// zip is hashed from a spool file that is removed at once.
func TestTriageVideo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx catalog.Tx) error {
		if err := tx.AddCountry(ctx, catalog.Country{Code: "FR", Name: "France"}); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: "country.add", Object: "country/FR"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pics := [][]byte{testpic.PNG(t, picture(320, 240, 11)), testpic.PNG(t, picture(320, 240, 12)), testpic.PNG(t, picture(320, 240, 13)), testpic.PNG(t, picture(320, 240, 14))}
	withHeld := slideshow(t, pics[0], pics[1], pics[2])
	knownVideo := slideshow(t, pics[2], pics[0])
	unrelated := slideshow(t, pics[3])

	h := fingerprint.NewHasher(fingerprint.Options{})
	held, err := h.Bytes(pics[1])
	if err != nil || held.PDQ == nil {
		t.Fatalf("hashing the held image: %v", err)
	}
	kv := digest.Bytes(knownVideo)
	recs := []catalog.HashOnlyRecord{
		{Digests: catalog.Digests{SHA256: held.Digest.SHA256}, Kind: catalog.KindImage, Category: catalog.Category{Scheme: "vics-us", Code: "1"},
			PDQ: &catalog.PDQ{Hash: held.PDQ.Hash, Quality: held.PDQ.Quality, Flavour: held.PDQ.Flavour}},
		{Digests: catalog.Digests{SHA256: kv.SHA256}, Kind: catalog.KindVideo, Category: catalog.Category{Scheme: "vics-us", Code: "2"}},
	}
	seq := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
	if _, err := st.ImportHashOnly(ctx, iter.Seq2[catalog.HashOnlyRecord, error](seq), catalog.ImportOptions{
		Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityOwner}, Retention: time.Now().AddDate(1, 0, 0),
	}); err != nil {
		t.Fatal(err)
	}
	cm, err := NewCatalogMatcher(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a-held.mp4"), withHeld)
	writeFile(t, filepath.Join(dir, "b-known.mp4"), knownVideo)
	writeFile(t, filepath.Join(dir, "c-new.mp4"), unrelated)
	writeFile(t, filepath.Join(dir, "d-broken.mp4"), withHeld[:len(withHeld)/5])
	writeFile(t, filepath.Join(dir, "e.zip"), zipBytes(t, zipEntry{"clip.mp4", withHeld}))
	spool := t.TempDir()
	vh, err := video.New(video.Config{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := runAll(t, ctx, []string{dir}, Options{Matchers: []Matcher{cm}, Video: videoHasher{vh}, SpoolDir: spool})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Result{}
	for _, r := range got {
		rel, _ := filepath.Rel(dir, r.Path)
		byName[filepath.ToSlash(rel)] = r
	}
	classes := map[string]Class{}
	for n, r := range byName {
		classes[n] = r.Class
	}
	want := map[string]Class{"a-held.mp4": ClassNear, "b-known.mp4": ClassKnown, "c-new.mp4": ClassUnknown, "d-broken.mp4": ClassFailed, "e.zip!/clip.mp4": ClassNear}
	if diff := cmp.Diff(want, classes); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	for _, name := range []string{"a-held.mp4", "e.zip!/clip.mp4"} {
		r := byName[name]
		if r.Frames < 3 || len(r.Matches) != 1 {
			t.Errorf("%s: %d frames, matches %+v; want at least 3 frames and the held image", name, r.Frames, r.Matches)
			continue
		}
		m := r.Matches[0]
		if m.Kind != MatchNear || m.Category == nil || m.Category.Code != "1" || m.Seconds == nil ||
			m.Seconds.From < 1.9 || m.Seconds.To >= 4 || m.Seconds.From > m.Seconds.To {
			t.Errorf("%s: match %+v (seconds %+v), want the held image between 2 s and 4 s", name, m, m.Seconds)
		}
	}
	if r := byName["b-known.mp4"]; len(r.Matches) != 1 || r.Matches[0].Kind != MatchExact || r.Category().Code != "2" {
		t.Errorf("known video: matches %+v, want its digest only", r.Matches)
	}
	if r := byName["d-broken.mp4"]; !errors.Is(r.Err, video.ErrBadVideo) {
		t.Errorf("broken video: error %v, want ErrBadVideo", r.Err)
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("the spool holds %d files after the run, want none", len(ents))
	}

	// Without a VideoHasher, videos are classified by digest only.
	got, err = runAll(t, ctx, []string{filepath.Join(dir, "a-held.mp4"), filepath.Join(dir, "b-known.mp4")}, Options{Matchers: []Matcher{cm}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Class != ClassUnknown || got[0].Frames != 0 || got[1].Class != ClassKnown {
		t.Errorf("digest-only videos: %s (%d frames), %s", got[0].Class, got[0].Frames, got[1].Class)
	}
}

func TestMergeFrameMatches(t *testing.T) {
	t.Parallel()
	h := func(b byte) pdq.Hash { var x pdq.Hash; x[0] = b; return x }
	frames := []Frame{
		{Seconds: 0, Hash: h(1), Quality: 100},
		{Seconds: 1, Hash: h(2), Quality: 100},
		{Seconds: 2, Hash: h(1), Quality: 100}, // a duplicate: kept as a time of hash 1
		{Seconds: 3, Hash: h(3), Quality: 10},  // too poor to match
		{Seconds: 4, Hash: h(4), Quality: 90},
	}
	v := distinctFrames(frames, 50)
	if diff := cmp.Diff([]pdq.Hash{h(1), h(2), h(4)}, v.hashes); diff != "" {
		t.Fatalf("distinct hashes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0, 1, 4}, v.from); diff != "" {
		t.Errorf("from (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{2, 1, 4}, v.to); diff != "" {
		t.Errorf("to (-want +got):\n%s", diff)
	}
	found := [][]Match{
		{{Source: "data", Kind: MatchNear, Media: 7, Distance: 9}},
		{{Source: "data", Kind: MatchVideo, Media: 7, Distance: 3}, {Source: "server", HitOwner: "DE", Kind: MatchExact}},
		{{Source: "data", Kind: MatchNear, Media: 8, Distance: 12}},
	}
	want := []Match{
		{Source: "server", HitOwner: "DE", Kind: MatchExact, Seconds: &Span{1, 1}},
		{Source: "data", Kind: MatchVideo, Media: 7, Distance: 3, Seconds: &Span{0, 2}},
		{Source: "data", Kind: MatchNear, Media: 8, Distance: 12, Seconds: &Span{4, 4}},
	}
	if diff := cmp.Diff(want, mergeFrameMatches(v, found)); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
}

// TestStateRecordsUploads: a file recorded again with a changed upload is appended, and the
// later line wins when the state is opened again; the same result is not appended twice.
func TestStateRecordsUploads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.jsonl")
	st, err := OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	r := Result{Key: Key{Path: "a.png", Size: 3, MTime: 9}, Class: ClassUnknown, Content: []byte("abc")}
	failed := r
	failed.Upload = &Upload{Error: "server refused"}
	sent := r
	sent.Upload = &Upload{Status: "new", Media: 4}
	for _, x := range []Result{r, r, failed, sent, sent} {
		if err := st.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if n := len(bytes.Split(bytes.TrimSpace(data), []byte("\n"))); n != 3 || bytes.Contains(data, []byte("abc")) {
		t.Errorf("state file has %d lines (want 3) or holds content:\n%s", n, data)
	}
	st, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, ok := st.Lookup(r.Key)
	if !ok || got.Upload == nil || *got.Upload != (Upload{Status: "new", Media: 4}) {
		t.Errorf("reloaded: %+v, want the last upload", got.Upload)
	}
}
