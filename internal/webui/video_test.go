package webui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
)

// TestVideoContactSheet: a video's media page shows a contact sheet of blurred stills with
// their times, made by the real ffmpeg, and never a player that plays by itself.
func TestVideoContactSheet(t *testing.T) {
	t.Parallel()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; the video test may not skip in CI", bin)
			}
			t.Skipf("%s is not installed: skipping", bin)
		}
	}
	path := filepath.Join(t.TempDir(), "testsrc.mp4")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=4",
		"-c:v", "mpeg4", "-q:v", "5", "-y", path).CombinedOutput()
	if err != nil {
		t.Fatalf("making the test video: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{video: true})
	us := e.standardUsers()
	c, err := e.work.CreateCase(context.Background(), us.frRev, catalog.Case{Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityOwner}, Number: "V-1"})
	if err != nil {
		t.Fatal(err)
	}
	res := e.upload(us.frRev, c.ID, data, "/v/testsrc.mp4", nil)
	if res.Media.Kind != catalog.KindVideo {
		t.Fatalf("uploaded kind %s, want video", res.Media.Kind)
	}
	resp, body := e.login("fr-reviewer").get(fmt.Sprint("/media/", res.Media.ID))
	if resp.StatusCode != 200 {
		t.Fatalf("video media page = %d", resp.StatusCode)
	}
	stills := regexp.MustCompile(`<img src="data:image/png;base64,[A-Za-z0-9+/=&#;]+" alt="blurred still at (\d+:\d\d)"`).FindAllStringSubmatch(body, -1)
	if len(stills) < 2 {
		t.Fatalf("contact sheet has %d stills, want several:\n%s", len(stills), body)
	}
	if stills[0][1] != "0:00" {
		t.Errorf("first still at %s, want 0:00", stills[0][1])
	}
	if strings.Contains(body, "autoplay") || strings.Contains(body, "<video") {
		t.Error("the media page of a video has a player; it must show only blurred stills until a reveal")
	}
	if !strings.Contains(body, `data-kind="video"`) {
		t.Error("the reveal button does not know the media is a video")
	}
}
