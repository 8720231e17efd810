package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/vics"
)

func TestTriageCommand(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "device")
	known := writePNG(t, filepath.Join(dev, "a.png"), 120, 80, 1)
	writePNG(t, filepath.Join(dev, "b <script>.png"), 90, 90, 5)
	os.WriteFile(filepath.Join(dev, "broken.png"), known[:100], 0o600)
	os.WriteFile(filepath.Join(dev, "notes.txt"), []byte("hello"), 0o600)

	fp, err := fingerprint.NewHasher(fingerprint.Options{}).Bytes(known)
	if err != nil {
		t.Fatal(err)
	}
	var set bytes.Buffer
	vw, _ := vics.NewWriter(&set, vics.WriterOptions{})
	vw.Write(vics.Media{MD5: strings.ToUpper(fp.Digest.MD5Hex()), Category: vics.Category{Variant: "US", Code: 1}, Series: "S"})
	vw.Close()
	setPath := filepath.Join(dir, "set.json")
	os.WriteFile(setPath, set.Bytes(), 0o600)
	html := filepath.Join(dir, "report")
	out := filepath.Join(dir, "case.json")

	stdout, stderr, err := runCmd(t, runTriage, "--json", "--known", setPath, "--html", html, "--vics", out, "--case", "2026/7", dev)
	if !errors.Is(err, errPartial) {
		t.Fatalf("err = %v, want %v (a file failed); stderr:\n%s", err, errPartial, stderr)
	}
	classes := map[string]triage.Class{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r triage.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		classes[filepath.Base(r.Path)] = r.Class
	}
	want := map[string]triage.Class{"a.png": triage.ClassKnown, "b <script>.png": triage.ClassUnknown, "broken.png": triage.ClassFailed, "notes.txt": triage.ClassNotMedia}
	for k, v := range want {
		if classes[k] != v {
			t.Errorf("%s: class %q, want %q", k, classes[k], v)
		}
	}
	if !strings.Contains(stderr, "1 known, 0 near, 1 unknown, 1 not-media, 1 failed") {
		t.Errorf("summary missing from stderr:\n%s", stderr)
	}
	page, err := os.ReadFile(filepath.Join(html, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("<script>")) || !bytes.Contains(page, []byte("b &lt;script&gt;.png")) || !bytes.Contains(page, []byte("thumbs/")) {
		t.Errorf("the report does not escape paths or lacks thumbnails")
	}
	_, ms := readVICS(t, mustRead(t, out))
	if len(ms) != 2 {
		t.Fatalf("VICS export has %d records, want 2 (the known and the unknown image)", len(ms))
	}
	for _, m := range ms {
		if m.MD5 == strings.ToUpper(fp.Digest.MD5Hex()) && (m.Category != vics.Category{Variant: "US", Code: 1} || m.Series != "S") {
			t.Errorf("known record not pre-categorised: %+v", m)
		}
	}

	// --resume with the state in the report folder gives the same output.
	again, _, err := runCmd(t, runTriage, "--json", "--known", setPath, "--html", html, "--resume", dev)
	if !errors.Is(err, errPartial) || again != stdout {
		t.Errorf("resumed run: %v; output differs:\n%s\nwant:\n%s", err, again, stdout)
	}
}

func TestTriageUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--resume", "."},
		{"--server", "http://127.0.0.1:1", "."},
		{"--radius", "300", "."},
	} {
		if _, _, err := runCmd(t, runTriage, args...); !errors.As(err, new(usageError)) {
			t.Errorf("triage %v: err = %v, want a usage error", args, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("not json"), 0o600)
	if _, _, err := runCmd(t, runTriage, "--known", bad, "."); err == nil || !errors.Is(err, vics.ErrRoot) && !errors.Is(err, vics.ErrSyntax) {
		t.Errorf("a bad hash set: err = %v", err)
	}
}

// TestTriageUpload triages a folder and a zip against a running server with --upload: the
// unknown files, an archive entry among them, arrive as new evidence of the case named by its
// number; the known file is not sent; a resumed run sends nothing again.
func TestTriageUpload(t *testing.T) {
	t.Parallel()
	sv := startServe(t, "--country", "NL")
	defer sv.stop()
	a, token := serverToken(t, sv)
	a.json("POST", "/api/v1/cases", map[string]any{"number": "NL-1", "visibility": "network"}, http.StatusCreated)
	cs := a.json("POST", "/api/v1/cases", map[string]any{"number": "NL-7", "visibility": "network"}, http.StatusCreated)
	other := a.json("POST", "/api/v1/cases", map[string]any{"number": "NL-8", "visibility": "network"}, http.StatusCreated)
	dir := t.TempDir()
	held := writePNG(t, filepath.Join(dir, "dev", "a-held.png"), 160, 120, 21)
	a.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=held.png", other["id"]), "application/octet-stream", held, http.StatusCreated)
	writePNG(t, filepath.Join(dir, "dev", "b-new.png"), 150, 110, 22)
	inner := writePNG(t, filepath.Join(dir, "inner.png"), 140, 100, 23)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("photos/c-new.png")
	w.Write(inner)
	zw.Close()
	os.WriteFile(filepath.Join(dir, "dev", "backup.zip"), zb.Bytes(), 0o600)
	os.WriteFile(filepath.Join(dir, "dev", "notes.txt"), []byte("not media"), 0o600)
	state := filepath.Join(dir, "state.jsonl")

	args := []string{"--json", "--server", sv.base, "--token", token, "--upload", "--case", "NL-7", "--exhibit", "phone-1", "--state", state, filepath.Join(dir, "dev")}
	stdout, stderr, err := runCmd(t, runTriage, args...)
	if err != nil {
		t.Fatalf("triage --upload: %v\n%s", err, stderr)
	}
	uploads := map[string]string{}
	for line := range strings.Lines(stdout) {
		var r triage.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if r.Upload != nil {
			uploads[filepath.Base(r.Path)] = r.Upload.Status + r.Upload.Error
		}
	}
	want := map[string]string{"b-new.png": "new", "c-new.png": "new"}
	if diff := cmp.Diff(want, uploads); diff != "" {
		t.Errorf("uploads (-want +got):\n%s", diff)
	}
	if !strings.Contains(stderr, "uploaded to case NL-7: 2 new, 0 held, 0 hit, 0 failed") {
		t.Errorf("summary lacks the uploads:\n%s", stderr)
	}
	sightings := func() []string {
		var paths []string
		list := a.call("GET", fmt.Sprintf("/api/v1/media?case=%v&limit=100", cs["id"]), "", nil, http.StatusOK)
		items, _ := list["items"].([]any)
		for _, it := range items {
			id := it.(map[string]any)["id"]
			ss := a.call("GET", fmt.Sprintf("/api/v1/media/%v/sightings", id), "", nil, http.StatusOK)
			for _, s := range ss["items"].([]any) {
				s := s.(map[string]any)
				paths = append(paths, filepath.Base(fmt.Sprint(s["path"]))+"@"+fmt.Sprint(s["exhibit"]))
			}
		}
		slices.Sort(paths)
		return paths
	}
	if diff := cmp.Diff([]string{"b-new.png@phone-1", "c-new.png@phone-1"}, sightings()); diff != "" {
		t.Errorf("the case's sightings (-want +got):\n%s", diff)
	}

	// Resumed: the same report, nothing sent again.
	again, _, err := runCmd(t, runTriage, append([]string{"--resume"}, args...)...)
	if err != nil || again != stdout {
		t.Errorf("resumed run: %v; output differs:\n%s\nwant:\n%s", err, again, stdout)
	}
	if got := sightings(); len(got) != 2 {
		t.Errorf("after the resumed run the case has %d sightings, want 2: %v", len(got), got)
	}

	// An unknown case, and --upload without a case, are refused before any work.
	if _, _, err := runCmd(t, runTriage, "--server", sv.base, "--token", token, "--upload", "--case", "NL-404", dir); err == nil || !strings.Contains(err.Error(), "no case") {
		t.Errorf("unknown case: %v", err)
	}
	if _, _, err := runCmd(t, runTriage, "--server", sv.base, "--token", token, "--upload", dir); !errors.As(err, new(usageError)) {
		t.Errorf("--upload without --case: %v, want a usage error", err)
	}
}

// TestTriageVideoData triages videos with --video against a data folder that holds a picture:
// a video showing it from 2 s to 4 s, on disk and inside a zip, is near the held record with
// those seconds; a video of other pictures is unknown.
func TestTriageVideoData(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required: %v", err)
	}
	dir := t.TempDir()
	pics := slidePictures(t, dir, 31, 32, 33)
	data, heldID, _ := newWatchDeployment(t, mustRead(t, pics[1]))
	slideshow := func(name string, from, n int) []byte { return slideshow(t, dir, name, from, n) }
	dev := filepath.Join(dir, "dev")
	withHeld := slideshow("with-held.mp4", 0, 3)
	os.MkdirAll(dev, 0o700)
	os.WriteFile(filepath.Join(dev, "a.mp4"), withHeld, 0o600)
	os.WriteFile(filepath.Join(dev, "b.mp4"), slideshow("other.mp4", 2, 1), 0o600)
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("c.mp4")
	w.Write(withHeld)
	zw.Close()
	os.WriteFile(filepath.Join(dev, "c.zip"), zb.Bytes(), 0o600)

	stdout, stderr, err := runCmd(t, runTriage, "--json", "--video", "--data", data, dev)
	if err != nil {
		t.Fatalf("triage --video: %v\n%s", err, stderr)
	}
	got := map[string]triage.Result{}
	for line := range strings.Lines(stdout) {
		var r triage.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got[filepath.Base(r.Path)] = r
	}
	for _, name := range []string{"a.mp4", "c.mp4"} {
		r := got[name]
		if r.Class != triage.ClassNear || r.Frames < 3 || len(r.Matches) != 1 {
			t.Errorf("%s: %s with %d frames, matches %+v; want near the held picture", name, r.Class, r.Frames, r.Matches)
			continue
		}
		if m := r.Matches[0]; m.Media != int64(heldID) || m.Seconds == nil || m.Seconds.From < 1.9 || m.Seconds.To >= 4 {
			t.Errorf("%s: match %+v, want media %d between 2 s and 4 s", name, m, heldID)
		}
	}
	if r := got["b.mp4"]; r.Class != triage.ClassUnknown || r.Frames == 0 {
		t.Errorf("b.mp4: %s with %d frames, want unknown and hashed", r.Class, r.Frames)
	}
	if !strings.Contains(stdout, `"seconds":{"from":`) || !strings.Contains(stdout, `"frames":`) {
		t.Errorf("the JSON lines lack frames or seconds:\n%s", stdout)
	}
}

// slidePictures writes a 320x240 picture for each seed as dir/pics/p000.png, p001.png, ...,
// for slideshow, and returns their paths.
func slidePictures(t *testing.T, dir string, seeds ...int) []string {
	t.Helper()
	var pics []string
	for i, seed := range seeds {
		p := filepath.Join(dir, "pics", fmt.Sprintf("p%03d.png", i))
		writePNG(t, p, 320, 240, seed)
		pics = append(pics, p)
	}
	return pics
}

// slideshow has ffmpeg make a benign video of n of the pictures dir/pics/p%03d.png from the
// from-th, each shown for 2 s at 5 fps, and returns its bytes.
func slideshow(t *testing.T, dir, name string, from, n int) []byte {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", "1/2", "-start_number", fmt.Sprint(from),
		"-i", filepath.Join(dir, "pics", "p%03d.png"), "-frames:v", fmt.Sprint(n*10), "-r", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	return mustRead(t, out)
}

// TestTriageVideoServer triages a video against a running server that holds a picture: each
// distinct frame hash goes to the lookup, and the video is near the held picture, with the
// seconds that show it.
func TestTriageVideoServer(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required: %v", err)
	}
	sv := startServe(t, "--country", "NL")
	defer sv.stop()
	a, token := serverToken(t, sv)
	cs := a.json("POST", "/api/v1/cases", map[string]any{"number": "NL-1", "visibility": "network"}, http.StatusCreated)
	dir := t.TempDir()
	for i, seed := range []int{41, 42, 43} {
		writePNG(t, filepath.Join(dir, "pics", fmt.Sprintf("p%03d.png", i)), 320, 240, seed)
	}
	held := a.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=held.png", cs["id"]), "application/octet-stream", mustRead(t, filepath.Join(dir, "pics", "p001.png")), http.StatusCreated)
	video := filepath.Join(dir, "dev", "v.mp4")
	os.MkdirAll(filepath.Dir(video), 0o700)
	os.WriteFile(video, slideshow(t, dir, "v.mp4", 0, 3), 0o600)

	stdout, stderr, err := runCmd(t, runTriage, "--json", "--video", "--server", sv.base, "--token", token, video)
	if err != nil {
		t.Fatalf("triage: %v\n%s", err, stderr)
	}
	var r triage.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	heldID := int64(held["media"].(map[string]any)["id"].(float64))
	if r.Class != triage.ClassNear || r.Frames < 3 || len(r.Matches) != 1 {
		t.Fatalf("video: %s with %d frames, matches %+v; want near the held picture", r.Class, r.Frames, r.Matches)
	}
	if m := r.Matches[0]; m.Source != "server" || m.Media != heldID || m.Seconds == nil || m.Seconds.From < 1.9 || m.Seconds.To >= 4 {
		t.Errorf("match %+v (seconds %+v), want media %d between 2 s and 4 s", m, m.Seconds, heldID)
	}
}
