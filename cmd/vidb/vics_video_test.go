package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/vics"
	"github.com/vidb-project/vidb/internal/video"
)

// TestVICSVideoSegments follows a video's frame hashes through VICS: a data folder holding an
// uploaded video exports it with Segments (runs of identical frames collapsed); importing the
// export elsewhere stores the frames with the hash-only record, whose export gives the same
// Segments again; and triage against the export finds one of the video's pictures as a frame
// of that video.
func TestVICSVideoSegments(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required: %v", err)
	}
	dir := t.TempDir()
	pics := slidePictures(t, dir, 41, 42, 43)
	clip := slideshow(t, dir, "held.mp4", 0, 3)
	data, heldID, _ := newDeploymentHolding(t, "held.mp4", clip, ingest.Config{Video: &video.Config{}})
	stored := frames(t, data, heldID)
	if len(stored) < 5 {
		t.Fatalf("the upload stored %d frames, want one a second of a 6 s video", len(stored))
	}

	exportOf := func(data string) (vics.Media, []vics.Segment, string) {
		t.Helper()
		out, stderr, err := runCmd(t, runExport, "vics", "--data", data)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		_, ms := readVICS(t, []byte(out))
		for _, m := range ms {
			if m.MimeType == "video/mp4" || len(m.Segments) > 0 {
				segs, err := vics.ParseSegments(m.Segments)
				if err != nil {
					t.Fatalf("the exported Segments do not parse: %v\n%s", err, m.Segments)
				}
				return m, segs, out
			}
		}
		t.Fatalf("the export has no video record:\n%s", out)
		return vics.Media{}, nil, ""
	}
	m, segs, export := exportOf(data)
	// Every stored frame is inside the segment of its hash, in order, and consecutive
	// segments differ.
	k := 0
	for _, f := range stored {
		for k < len(segs) && f.Number > segs[k].EndFrame {
			k++
		}
		if k == len(segs) || f.Number < segs[k].StartFrame || segs[k].PDQ != f.PDQ.Hash.String() || segs[k].Quality != f.PDQ.Quality {
			t.Fatalf("frame %d (%v) is not in its segment; segments %+v", f.Number, f.PDQ.Hash, segs)
		}
	}
	for i := 1; i < len(segs); i++ {
		if segs[i].PDQ == segs[i-1].PDQ && segs[i].Quality == segs[i-1].Quality {
			t.Errorf("segments %d and %d share a hash: runs are not collapsed", i-1, i)
		}
	}
	if segs[0].Start != 0 || segs[0].StartFrame != 0 || segs[len(segs)-1].End != stored[len(stored)-1].Timestamp {
		t.Errorf("segments span %v to %v, frames %v to %v", segs[0].Start, segs[len(segs)-1].End, stored[0].Timestamp, stored[len(stored)-1].Timestamp)
	}

	// Imported elsewhere: a hash-only video record with the frames, exported the same.
	file := filepath.Join(dir, "export.json")
	if err := os.WriteFile(file, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	data2 := newDataDir(t)
	if out, stderr, err := runCmd(t, runImport, "vics", file, "--data", data2, "--owner", "FR", "--visibility", "network"); err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, stderr)
	}
	m2, segs2, _ := exportOf(data2)
	if diff := cmp.Diff(segs, segs2); diff != "" {
		t.Errorf("segments after import and export (-first +second):\n%s", diff)
	}
	if m2.MD5 != m.MD5 || m2.MimeType != "" && m2.MimeType != m.MimeType {
		t.Errorf("re-exported record %s %q, want %s", m2.MD5, m2.MimeType, m.MD5)
	}

	// Triage of one of the pictures against the export: a frame of the known video.
	stdout, stderr, err := runCmd(t, runTriage, "--json", "--known", file, pics[1])
	if err != nil {
		t.Fatalf("triage: %v\n%s", err, stderr)
	}
	var r triage.Result
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &r); err != nil {
		t.Fatalf("%q: %v", stdout, err)
	}
	if r.Class != triage.ClassNear || len(r.Matches) != 1 || r.Matches[0].Kind != triage.MatchVideo {
		t.Errorf("the picture against the exported video: %s, matches %+v; want near a video", r.Class, r.Matches)
	}
}

// frames returns the stored frame hashes of media id in the data folder.
func frames(t *testing.T, data string, id catalog.MediaID) []catalog.Frame {
	t.Helper()
	d, err := datadir.Open(context.Background(), data, datadir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fs, err := d.Store.Frames(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
