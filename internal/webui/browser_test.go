package webui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
)

// chromiumPath finds Chromium; outside CI a missing browser skips the browser tests, in CI
// (CI=true) it fails them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is not installed (apt-get install chromium); the browser tests may not skip in CI")
	}
	t.Skip("Chromium is not installed (apt-get install chromium): skipping the browser tests")
	return ""
}

// artifactsDir is where screenshots go: $VIDB_ARTIFACTS/webui, or artifacts/webui at the
// module root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("VIDB_ARTIFACTS")
	if base == "" {
		dir, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				t.Fatal("no go.mod above the test's directory")
			}
			dir = parent
		}
		base = filepath.Join(dir, "artifacts")
	}
	dir := filepath.Join(base, "webui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is one headless Chromium tab on an env.
type browser struct {
	t     *testing.T
	e     *env
	ctx   context.Context
	shots string

	mu      sync.Mutex
	console []string
}

func newBrowser(t *testing.T, e *env) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1366, 768),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, e: e, ctx: ctx, shots: artifactsDir(t)}
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m.String()+" at "+m.URL)
			b.mu.Unlock()
		}
	}()
	return b
}

// do runs actions and fails the test on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\nconsole:\n%s", what, err, b.consoleText())
	}
}

func (b *browser) consoleText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.console, "\n")
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript condition until it holds.
func (b *browser) wait(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for {
		_, err = chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(50*time.Millisecond)))
		// A navigation while polling ends the poll, with one of these errors depending on
		// when it happens: poll again on the new page.
		if err == nil || time.Now().After(deadline) || b.ctx.Err() != nil || !navigationRace(err) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		b.t.Fatalf("waiting for %s (%s): %v\npage:\n%s\nconsole:\n%s", what, cond, err, body, b.consoleText())
	}
}

// navigationRace reports whether err is Chromium's way of saying that the page a script ran
// in went away under it (the browser navigated), rather than a failure of the script.
func navigationRace(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "navigated or closed") || strings.Contains(msg, "context was destroyed") ||
		strings.Contains(msg, "Cannot find context with specified id")
}

// open navigates to a path of the env and waits for the page.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.e.srv.URL+path))
	b.wait("page "+path, `document.readyState === "complete"`)
}

// submitTo clicks a submit button and waits for the page that follows to load at a path
// with the given prefix.
func (b *browser) submitTo(button, pathPrefix string) {
	b.t.Helper()
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__old = true`))
	b.do("click "+button, chromedp.Click(chromedp.CSS(button)))
	b.wait("the page after "+button, fmt.Sprintf(`!window.__old && document.readyState === "complete" && location.pathname.startsWith(%q)`, pathPrefix))
}

// checkPage checks what every page must do: each form control has a label, each image a
// text alternative, and nothing is wider than a 1366-pixel screen.
func (b *browser) checkPage(name string) {
	b.t.Helper()
	unlabelled := eval[[]string](b, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
		.filter(e => !e.closest("label") && !e.getAttribute("aria-label") && !(e.id && document.querySelector('label[for="' + e.id + '"]')))
		.map(e => e.outerHTML)`)
	for _, h := range unlabelled {
		b.t.Errorf("%s: a form control without a label: %s", name, h)
	}
	for _, h := range eval[[]string](b, `[...document.querySelectorAll("img:not([alt])")].map(e => e.outerHTML)`) {
		b.t.Errorf("%s: an image without alt text: %.120s", name, h)
	}
	if w := eval[float64](b, `document.documentElement.scrollWidth`); w > 1366 {
		b.t.Errorf("%s: the page is %v pixels wide, more than the 1366 of the screen", name, w)
	}
}

// shot checks the page and saves a PNG screenshot of the whole of it.
func (b *browser) shot(name string) string {
	b.t.Helper()
	b.checkPage(name)
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if !strings.HasPrefix(string(png), "\x89PNG") {
		b.t.Fatalf("screenshot %s is not a PNG", name)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

func (b *browser) signIn(login string) {
	b.t.Helper()
	b.open("/signin")
	b.do("sign in as "+login,
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), login),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
	)
	b.submitTo(`form[action="/signin"] button[type=submit]`, "/")
	b.wait("home", `location.pathname === "/" && !!document.querySelector(".who")`)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.submitTo(`.who button[type=submit]`, "/signin")
}

// text returns the text of the first element matching a CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel))
}

// openCase opens a case from the upload page's form.
func (b *browser) openCase(number string) {
	b.t.Helper()
	b.open("/upload")
	b.do("open a case",
		chromedp.Click(chromedp.CSS(`details summary`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/cases"] input[name=number]`), number),
		chromedp.SendKeys(chromedp.CSS(`form[action="/cases"] input[name=title]`), "generated test pictures"),
	)
	b.submitTo(`form[action="/cases"] button[type=submit]`, "/upload")
	b.wait("the new case in the list", fmt.Sprintf(`document.getElementById("case").innerText.includes(%q)`, number))
	b.do("choose the case", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const s = document.getElementById("case"); for (const o of s.options) if (o.text.includes(%q)) s.value = o.value; })()`, number)))
}

// TestBrowser drives the UI in headless Chromium: sign in, upload three generated pictures
// (one a re-encoded copy of another) and see the near match, reveal one and find the reveal
// in the audit view, draw a clue, categorise with a key, and, as an analyst of another
// country, see only a hit for an owner-only record. It saves a screenshot of each main page.
func TestBrowser(t *testing.T) {
	e := newEnv(t, envOptions{revealLimit: 20})
	us := e.standardUsers()
	b := newBrowser(t, e)
	ctx := context.Background()

	dir := t.TempDir()
	a := testpic.JPEG(t, testpic.Scene(640, 480, 7), 92)
	files := map[string][]byte{"a.jpg": a, "b.jpg": testpic.JPEG(t, testpic.Scene(640, 480, 8), 92), "a-copy.jpg": reencode(t, a, 60)}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sumA := sha256.Sum256(a)
	shaA := hex.EncodeToString(sumA[:])

	// Sign in.
	b.open("/signin")
	b.shot("signin")
	b.signIn("fr-reviewer")

	// Upload: two pictures, then the copy of the first, which lands as a near match.
	b.openCase("FR-2026-001")
	b.do("choose two files", chromedp.SendKeys(chromedp.CSS(`#exhibit`), "laptop 1"),
		chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.jpg")}))
	b.wait("two new records", `document.querySelectorAll("#results li.status-new").length === 2`)
	b.do("choose the copy", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{filepath.Join(dir, "a-copy.jpg")}))
	b.wait("the copy's result", `document.querySelectorAll("#results li.status-new").length === 3`)
	row := b.text(`#results li:nth-child(3)`)
	if !strings.Contains(row, "a-copy.jpg") || !strings.Contains(row, "near match (distance ") {
		t.Errorf("the copy's result row does not show a near match:\n%s", row)
	}
	if got := eval[float64](b, `Math.min(...[...document.querySelectorAll("#results progress")].map(p => p.value))`); got != 100 {
		t.Errorf("progress bars at %v, want 100", got)
	}
	b.shot("upload")
	mediaA := eval[string](b, `[...document.querySelectorAll("#results li")].find(li => li.querySelector(".name").textContent === "a.jpg").querySelector(".outcome a").getAttribute("href")`)
	if !strings.HasPrefix(mediaA, "/media/") {
		t.Fatalf("no link to a.jpg's record: %q", mediaA)
	}
	var idA catalog.MediaID
	if _, err := fmt.Sscanf(mediaA, "/media/%d", &idA); err != nil {
		t.Fatal(err)
	}

	// The media page: the near match side by side, with its distance.
	b.open(mediaA)
	b.wait("the preview", `document.getElementById("preview").naturalWidth > 0`)
	b.wait("the matches' previews", `[...document.querySelectorAll("#matches img")].every(i => i.complete && i.naturalWidth > 0)`)
	if m := b.text("#matches"); !strings.Contains(m, "near") || !strings.Contains(m, "distance") {
		t.Errorf("matches of a.jpg: %q, want a near match with its distance", m)
	}
	if got := b.text("#sha256"); got != shaA {
		t.Errorf("SHA-256 shown %q, want %q", got, shaA)
	}
	b.shot("media")

	// Reveal, on an explicit click.
	if n, _, _ := e.prev.RevealsToday(ctx, us.frRev); n != 0 {
		t.Fatalf("reveals before the click: %d", n)
	}
	b.do("reveal", chromedp.Click(chromedp.CSS(`#reveal`)))
	b.wait("the revealed picture", `!!document.getElementById("revealed-img") && document.getElementById("revealed-img").naturalWidth === 640`)
	if got := b.text("#reveals-today"); got != "1" {
		t.Errorf("reveals today shown %q, want 1", got)
	}
	if n, _, _ := e.prev.RevealsToday(ctx, us.frRev); n != 1 {
		t.Errorf("reveals recorded: %d, want 1", n)
	}
	b.do("hide", chromedp.Click(chromedp.CSS(`#revealed button`)))

	// Draw a clue: drag a rectangle on the preview.
	b.do("scroll to the preview", chromedp.ScrollIntoView(chromedp.CSS(`#preview`)))
	box := eval[[]float64](b, `(() => { const r = document.getElementById("preview").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	x0, y0 := box[0]+box[2]*0.25, box[1]+box[3]*0.25
	x1, y1 := box[0]+box[2]*0.75, box[1]+box[3]*0.5
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.ButtonLeft))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	b.do("drag on the preview", steps...)
	b.wait("the region in the form", `+document.getElementById("rw").value > 0 && +document.getElementById("rh").value > 0`)
	b.do("write the clue",
		chromedp.SendKeys(chromedp.CSS(`#clue-form textarea[name=text]`), "power socket, type F"),
		chromedp.SendKeys(chromedp.CSS(`#clue-form input[name=tags]`), "socket, electrical"),
	)
	b.submitTo(`#clue-form button[type=submit]`, mediaA)
	if got := b.text("#clues"); !strings.Contains(got, "power socket, type F") || !strings.Contains(got, "region") {
		t.Errorf("clues after adding one: %q", got)
	}
	cs, err := e.work.Clues(ctx, us.frRev, catalog.ClueFilter{Media: idA}, catalog.Page{})
	if err != nil || len(cs) != 1 || cs[0].Region == nil {
		t.Fatalf("stored clues %+v, %v; want one with a region", cs, err)
	}
	if r := cs[0].Region; r.X < 120 || r.X > 200 || r.Y < 90 || r.Y > 150 || r.W < 280 || r.W > 360 || r.H < 90 || r.H > 150 {
		t.Errorf("region %+v, want about x 160, y 120, 320 × 120 on the 640 × 480 original", *r)
	}

	// Categorise with a key.
	b.do("focus the page", chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
	b.do("press 2", chromedp.KeyEvent("2"))
	b.wait("the new category", `document.getElementById("category-now").innerText.includes("VICS 2")`)
	if m, _ := e.work.Media(ctx, us.frRev, idA); m.Category != (catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "2"}) {
		t.Errorf("category after pressing 2: %+v", m.Category)
	}

	// A series for the picture, and a victim in it.
	b.do("open the series form",
		chromedp.Click(chromedp.CSS(`.facts details summary`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/series"] input[name=name]`), "BLUE-LAKE-07"),
	)
	b.submitTo(`form[action$="/series"] button[type=submit]`, mediaA)
	seriesPath := eval[string](b, `document.querySelector(".facts a[href^='/series/']").getAttribute("href")`)
	b.open("/victims")
	b.do("record a victim",
		chromedp.Click(chromedp.CSS(`details summary`)),
		chromedp.SendKeys(chromedp.CSS(`form[action="/victims"] input[name=code]`), "V-BL-0001"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('form[action="/victims"] select[name=series]').value = %q`, strings.TrimPrefix(seriesPath, "/series/"))),
	)
	b.submitTo(`form[action="/victims"] button[type=submit]`, "/victims/")
	b.open("/victims")
	b.shot("victims")
	b.open(seriesPath)
	b.wait("the series grid", `[...document.querySelectorAll(".grid img")].every(i => i.complete && i.naturalWidth > 0)`)
	if got := b.text("main"); !strings.Contains(got, "BLUE-LAKE-07") || !strings.Contains(got, "V-BL-0001") || !strings.Contains(got, "power socket") && !strings.Contains(got, "series opened") {
		t.Errorf("series page: %q", got)
	}
	b.shot("series")

	// The same picture again: already held, with its series and whether its victim is identified.
	b.open("/upload")
	b.do("upload a.jpg again", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{filepath.Join(dir, "a.jpg")}))
	b.wait("the held result with its series", `!!document.querySelector("#results li.status-held") && document.querySelector("#results li.status-held").innerText.includes("BLUE-LAKE-07")`)
	if got := b.text("#results li.status-held"); !strings.Contains(got, "already held") || !strings.Contains(got, "victim not identified") {
		t.Errorf("held result: %q", got)
	}

	// Clues across the network (htmx swaps the results in).
	b.open("/clues")
	b.do("search clues", chromedp.SendKeys(chromedp.CSS(`form.search input[name=text]`), "socket"), chromedp.Click(chromedp.CSS(`form.search button`)))
	b.wait("clue results", `document.getElementById("clue-results").innerText.includes("power socket, type F") && location.search.includes("text=socket")`)
	b.shot("clues")

	// Search by hash.
	b.open("/search")
	b.do("search a hash", chromedp.SendKeys(chromedp.CSS(`#hash`), shaA))
	b.submitTo(`form[action="/search"] button[type=submit]`, "/search")
	if got := b.text("#search-results"); !strings.Contains(got, fmt.Sprint("Media ", idA)) {
		t.Errorf("search results: %q", got)
	}
	b.shot("search")

	b.open("/settings")
	b.shot("settings")
	b.open("/")
	b.wait("the uploads' previews", `[...document.querySelectorAll(".grid img")].every(i => i.complete && i.naturalWidth > 0)`)
	if got := b.text("#stat-media"); got != "3" {
		t.Errorf("media held on the home page: %q, want 3", got)
	}
	b.shot("home")
	b.signOut()

	// The coordinator administers users and finds the reveal in the audit log.
	b.signIn("coordinator")
	b.open("/admin")
	b.shot("admin")
	b.open("/audit?action=media.reveal")
	if got := b.text("#audit"); !strings.Contains(got, "media.reveal") || !strings.Contains(got, "fr-reviewer") || !strings.Contains(got, fmt.Sprint("media/", idA)) {
		t.Errorf("the audit view does not show the reveal: %q", got)
	}
	b.shot("audit")
	b.signOut()

	// An NL analyst uploads the same picture: a hit naming FR, nothing else.
	b.signIn("nl-analyst")
	b.openCase("NL-2026-7")
	b.do("upload a.jpg", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{filepath.Join(dir, "a.jpg")}))
	b.wait("the hit", `document.querySelectorAll("#results li.status-hit").length === 1`)
	row = b.text("#results li")
	if !strings.Contains(row, "a record owned by FR matches; contact FR") {
		t.Errorf("NL upload result: %q, want the hit naming FR", row)
	}
	html := eval[string](b, `document.getElementById("results").innerHTML`)
	if strings.Contains(html, "/media/") || strings.Contains(html, shaA) || strings.Contains(html, "BLUE-LAKE-07") {
		t.Errorf("NL upload result shows more than the hit:\n%s", html)
	}
	b.shot("upload-hit")
	b.open("/search")
	b.do("search a hash", chromedp.SendKeys(chromedp.CSS(`#hash`), shaA))
	b.submitTo(`form[action="/search"] button[type=submit]`, "/search")
	if got := b.text("#search-results"); !strings.Contains(got, "a record owned by FR matches; contact FR") || strings.Contains(got, "Media ") {
		t.Errorf("NL search results: %q, want only the hit", got)
	}
	b.open(mediaA)
	if got := b.text("main"); !strings.Contains(got, "nothing you may see here") {
		t.Errorf("NL opening FR's owner-only record: %q", got)
	}

	// Nothing the pages did was refused by the content security policy or threw.
	for _, line := range strings.Split(b.consoleText(), "\n") {
		low := strings.ToLower(line)
		if strings.Contains(low, "content security policy") || strings.Contains(low, "exception") || strings.Contains(low, "uncaught") {
			t.Errorf("browser console: %s", line)
		}
	}
	if errors.Is(b.ctx.Err(), context.DeadlineExceeded) {
		t.Error("the browser test ran out of time")
	}
}
