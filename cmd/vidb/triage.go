package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/triage/remote"
	"github.com/vidb-project/vidb/internal/vics"
	"github.com/vidb-project/vidb/internal/video"
)

const triageUsage = `usage: vidb triage [flags] PATH...

Sorts a seized folder, .zip, .tar or .tar.gz into known, near, unknown, not-media and failed
files, against any of: VICS hash sets (--known, repeatable), a local data folder (--data), and
a vidb server (--server, with an API token in --token or VIDB_TOKEN). Media is recognised by
content; images are hashed (digests, PDQ and its dihedral variants) on all cores; videos are
classified by digest. Archives are read in memory with bounded decompression: entries that
escape the archive and decompression bombs are refused and reported as failed.

Output: one line per file on stdout (class, path, and what matched), or with --json one JSON
object per file (path, size, mtime, class, digests, pdq, quality, matches, error); a summary
on stderr, with a progress bar on a terminal. --html DIR writes DIR/index.html (counts, the
unknown media as blurred greyscale previews, near matches with distances, every error).
--vics FILE writes a VICS 2.0 case export, pre-categorised from the known matches.

Videos: with ffmpeg installed (required with --video), every video's frames are hashed (one
a second) and matched too: a video whose frames match held material is near, and the JSON
line carries "frames" and, per match, "seconds" {from, to} of the video that matched. An
archive entry is written to a 0600 temporary file for ffmpeg and removed at once.

--upload (with --server and --token, --case NUMBER or ID, optional --exhibit NAME) sends
every unknown file (and near ones with --upload-near) to the server as new evidence, two at a
time; each line carries the server's answer ("upload": {"status": new, held or hit}), the
summary counts them, and the resume state records them, so a resumed run sends nothing twice.

--resume skips files a previous run finished (by path, size and modification time), kept in
--state FILE or DIR/triage-state.jsonl with --html; the report is the same as an
uninterrupted run's. Exit status 3 when some files failed or could not be uploaded.

Memory: images are decoded at most 24 megapixels at a time across the workers (a larger one
runs alone), and the Go runtime is given a soft memory limit of 256 MiB, so that the peak
stays near 300 MB however many files there are. Set GOMEMLIMIT (e.g. GOMEMLIMIT=1GiB, or off)
to choose another limit.

flags:
`

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// stateFileName is the resume state's name inside the --html folder.
const stateFileName = "triage-state.jsonl"

func runTriage(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, triageUsage); fs.PrintDefaults() }
	var known stringList
	fs.Var(&known, "known", "a VICS hash set `FILE` to match against (repeatable)")
	data := fs.String("data", "", "match against the catalog of this data `folder`")
	db := fs.String("db", "", "with --data: the catalog is in PostgreSQL at this `URL`")
	server := fs.String("server", "", "match against the vidb server at this `URL`")
	token := fs.String("token", "", "the server's API `token` (default: $VIDB_TOKEN)")
	asJSON := fs.Bool("json", false, "write one JSON object per file")
	htmlDir := fs.String("html", "", "write an HTML report into this `folder`")
	vicsOut := fs.String("vics", "", "write a VICS 2.0 case export of the device to this `file`")
	caseNumber := fs.String("case", "", "the case `number` written in the --vics export; with --upload, the server's case (number or ID)")
	exhibit := fs.String("exhibit", "", "with --upload: the `exhibit` (device) the files come from")
	upload := fs.Bool("upload", false, "send the unknown files to the --server as new evidence of --case")
	uploadNear := fs.Bool("upload-near", false, "with --upload: send the near files too")
	withVideo := fs.Bool("video", false, "hash videos' frames with ffmpeg, and fail if it is missing (default: when ffmpeg is installed)")
	resume := fs.Bool("resume", false, "skip files a previous run finished (needs --state or --html)")
	statePath := fs.String("state", "", "the resume state `file` (default: in the --html folder)")
	workers := fs.Int("workers", 0, "files hashed at once (default: the number of cores)")
	radius := fs.Int("radius", triage.DefaultRadius, "the PDQ `distance` within which a file is near a known one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"no PATH given"}
	}
	if *radius < 0 || *radius > 256 {
		return usageError{fmt.Sprintf("--radius %d: want 0 to 256", *radius)}
	}
	if *statePath == "" && *htmlDir != "" {
		*statePath = filepath.Join(*htmlDir, stateFileName)
	}
	if *resume && *statePath == "" {
		return usageError{"--resume needs --state FILE or --html DIR"}
	}
	if *token == "" && s.getenv != nil {
		*token = s.getenv("VIDB_TOKEN")
	}
	if *server != "" && *token == "" {
		return usageError{"--server needs an API token: --token or VIDB_TOKEN"}
	}
	if *upload && (*server == "" || *caseNumber == "") {
		return usageError{"--upload needs --server and --case"}
	}
	if !*upload && (*uploadNear || *exhibit != "") {
		return usageError{"--upload-near and --exhibit go with --upload"}
	}

	limitMemory()
	opts := triage.Options{Workers: *workers, Radius: *radius, Thumbnails: *htmlDir != ""}
	vh, err := video.New(video.Config{})
	if err != nil {
		return err
	}
	if _, err := vh.Version(ctx); err == nil {
		opts.Video = frameHasher{vh}
	} else if *withVideo {
		return fmt.Errorf("--video: %w", err)
	}
	var up *uploader
	if *upload {
		c := &serverClient{base: *server, token: *token}
		id, number, err := resolveCase(ctx, c, *caseNumber)
		if err != nil {
			return fmt.Errorf("--case %s: %w", *caseNumber, err)
		}
		*caseNumber = number
		up = &uploader{c: c, caseID: id, exhibit: *exhibit, near: *uploadNear, sem: make(chan struct{}, uploadsAtOnce)}
		opts.Content = up.wants
	}
	for _, p := range known {
		set, err := loadHashSet(ctx, p, *radius)
		if err != nil {
			return err
		}
		opts.Matchers = append(opts.Matchers, set)
	}
	if *data != "" {
		dep, err := datadir.Open(ctx, *data, datadir.Options{DB: *db, Logger: slog.New(slog.DiscardHandler), Getenv: s.getenv})
		if err != nil {
			return err
		}
		defer dep.Close()
		cm, err := triage.NewCatalogMatcher(ctx, dep.Store, *radius)
		if err != nil {
			return err
		}
		opts.Matchers = append(opts.Matchers, cm)
	}
	if *server != "" {
		opts.Matchers = append(opts.Matchers, &remote.Server{URL: *server, Token: *token})
		opts.Batch = remote.MaxBatch
	}

	var st *triage.State
	if *statePath != "" {
		if !*resume {
			if err := os.Remove(*statePath); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if dir := filepath.Dir(*statePath); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
		var err error
		if st, err = triage.OpenState(*statePath); err != nil {
			return err
		}
		defer st.Close()
		if *resume {
			opts.Resume = st.Lookup
		}
	}
	var html *triage.HTMLReport
	if *htmlDir != "" {
		var err error
		if html, err = triage.NewHTMLReport(*htmlDir); err != nil {
			return err
		}
	}
	var export *triage.VICSExport
	if *vicsOut != "" {
		f, err := os.Create(*vicsOut)
		if err != nil {
			return err
		}
		defer f.Close()
		if export, err = triage.NewVICSExport(f, vics.Case{CaseNumber: *caseNumber, SourceApplicationName: "vidb triage"}); err != nil {
			return err
		}
	}

	var bar *progressBar
	if s.stderrIsTerminal {
		bar = newProgressBar(s.stderr)
		opts.Progress = bar.update
	}
	var sum triage.Summary
	var uploads uploadCounts
	enc := json.NewEncoder(s.stdout)
	enc.SetEscapeHTML(false)
	output := func(r triage.Result) error {
		sum.Add(r)
		uploads.add(r.Upload)
		if r.Class == triage.ClassFailed {
			bar.clear()
			fmt.Fprintf(s.stderr, "vidb triage: %s: %s\n", r.Path, r.Error)
		}
		if r.Upload != nil && r.Upload.Error != "" {
			bar.clear()
			fmt.Fprintf(s.stderr, "vidb triage: %s: upload failed: %s\n", r.Path, r.Upload.Error)
		}
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
		} else if _, err := fmt.Fprintln(s.stdout, triageLine(r)); err != nil {
			return err
		}
		if html != nil {
			if err := html.Add(r); err != nil {
				return err
			}
		}
		if export != nil {
			if err := export.Add(r); err != nil {
				fmt.Fprintf(s.stderr, "vidb triage: --vics: %s: %v\n", r.Path, err)
			}
		}
		if st != nil {
			return st.Record(r)
		}
		return nil
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := newOrderedOutput(runCtx, cancel, output)
	err = triage.Run(runCtx, fs.Args(), opts, func(r triage.Result) error {
		return out.add(r, up)
	})
	if oerr := out.close(); oerr != nil {
		err = oerr
	}
	bar.finish()
	if err != nil {
		if errors.Is(err, context.Canceled) && st != nil {
			fmt.Fprintf(s.stderr, "vidb triage: interrupted; run again with --resume to go on\n")
		}
		return err
	}
	if html != nil {
		if err := html.Close(); err != nil {
			return err
		}
	}
	if export != nil {
		if err := export.Close(); err != nil {
			return err
		}
	}
	printTriageSummary(s, sum)
	if up != nil {
		fmt.Fprintf(s.stderr, "vidb triage: uploaded to case %s: %d new, %d held, %d hit, %d failed\n", *caseNumber, uploads.n["new"], uploads.n["held"], uploads.n["hit"], uploads.failed)
	}
	if sum.ByClass[triage.ClassFailed] > 0 || uploads.failed > 0 {
		return errPartial
	}
	return nil
}

func loadHashSet(ctx context.Context, path string, radius int) (*triage.HashSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	set := triage.NewHashSet(filepath.Base(path), radius)
	if _, err := set.Load(ctx, f); err != nil {
		return nil, fmt.Errorf("--known %s: %w", path, err)
	}
	return set, nil
}

// triageLine is the text form of a result: class, path, and the first match.
func triageLine(r triage.Result) string {
	line := fmt.Sprintf("%-9s %s", r.Class, r.Path)
	switch {
	case r.Class == triage.ClassFailed:
		line += "  (" + r.Error + ")"
	case len(r.Matches) > 0:
		m := r.Matches[0]
		desc := m.Source
		if m.HitMessage != "" {
			desc += ": " + m.HitMessage
		} else {
			if m.Kind != triage.MatchExact {
				desc += fmt.Sprintf(" at distance %d", m.Distance)
			}
			if m.Category != nil {
				desc += ", category " + m.Category.String()
			}
			if m.Series != "" {
				desc += ", series " + m.Series
			}
			if m.Seconds != nil {
				desc += fmt.Sprintf(", at %.1f-%.1f s", m.Seconds.From, m.Seconds.To)
			}
		}
		line += "  (" + desc + ")"
	}
	if u := r.Upload; u != nil {
		if u.Error != "" {
			line += "  [upload failed]"
		} else {
			line += "  [uploaded: " + u.Status + "]"
		}
	}
	return line
}

func printTriageSummary(s streams, sum triage.Summary) {
	var parts []string
	for _, c := range triage.Classes {
		parts = append(parts, fmt.Sprintf("%d %s", sum.ByClass[c], c))
	}
	fmt.Fprintf(s.stderr, "vidb triage: %d files, %.1f MB: %s\n", sum.Files, float64(sum.Bytes)/1e6, strings.Join(parts, ", "))
	for _, c := range sum.Categories() {
		fmt.Fprintf(s.stderr, "  known in category %s: %d\n", c, sum.ByCategory[c])
	}
}

// serverClient calls a vidb server's JSON API with an API token.
type serverClient struct {
	base  string // the server's base URL
	token string
	http  *http.Client // nil means a client with no overall timeout (uploads may be large)
}

// errServer reports a request the server refused; the message is the server's.
var errServer = errors.New("server refused the request")

// do sends a request and decodes a JSON answer into out (when not nil). A status other than
// 2xx is an error wrapping errServer with the server's code and message.
func (c *serverClient) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.base, "/")+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	hc := c.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%w: %s (%s, %s)", errServer, e.Error.Message, resp.Status, e.Error.Code)
		}
		return fmt.Errorf("%w: %s", errServer, resp.Status)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: malformed answer: %w", method, path, err)
	}
	return nil
}

// frameHasher adapts video.Hasher (ffmpeg under its limits) to triage.VideoHasher.
type frameHasher struct{ h *video.Hasher }

func (f frameHasher) HashVideo(ctx context.Context, path string) ([]triage.Frame, error) {
	_, frames, err := f.h.Hash(ctx, path)
	if err != nil {
		return nil, err
	}
	out := make([]triage.Frame, len(frames))
	for i, fr := range frames {
		out[i] = triage.Frame{Seconds: float64(fr.Seconds), Hash: fr.Hash, Quality: fr.Quality}
	}
	return out, nil
}

// uploadsAtOnce is how many files --upload sends at a time.
const uploadsAtOnce = 2

// uploader sends triaged files to a server as new evidence of a case.
type uploader struct {
	c       *serverClient
	caseID  int64
	exhibit string
	near    bool // send near files too
	sem     chan struct{}
}

// wants reports whether files of class c are sent.
func (u *uploader) wants(c triage.Class) bool {
	return c == triage.ClassUnknown || (u.near && c == triage.ClassNear)
}

// due reports whether r is to be sent: of a class sent, and not sent by an earlier run.
func (u *uploader) due(r triage.Result) bool {
	return u != nil && u.wants(r.Class) && (r.Upload == nil || r.Upload.Status == "")
}

// send uploads r's content: an archive entry's bytes from r.Content, a file on disk read again.
func (u *uploader) send(ctx context.Context, r triage.Result) triage.Upload {
	var body io.Reader
	switch {
	case r.Content != nil:
		body = bytes.NewReader(r.Content)
	case strings.Contains(r.Path, "!/"):
		return triage.Upload{Error: "the archive entry's content is not at hand (too large to hold, or finished by an earlier run); upload it from the extracted file"}
	default:
		f, err := os.Open(r.Path)
		if err != nil {
			return triage.Upload{Error: err.Error()}
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return triage.Upload{Error: err.Error()}
		}
		if fi.Size() != r.Size || fi.ModTime().UnixNano() != r.MTime {
			return triage.Upload{Error: "the file changed since it was triaged; triage it again"}
		}
		body = f
	}
	q := url.Values{"case": {strconv.FormatInt(u.caseID, 10)}, "path": {r.Path}}
	if u.exhibit != "" {
		q.Set("exhibit", u.exhibit)
	}
	if r.MTime != 0 {
		q.Set("modified", time.Unix(0, r.MTime).UTC().Format(time.RFC3339))
	}
	var res struct {
		Status string `json:"status"`
		Media  *struct {
			ID int64 `json:"id"`
		} `json:"media"`
	}
	if err := u.c.do(ctx, http.MethodPost, "/api/v1/media?"+q.Encode(), "application/octet-stream", body, &res); err != nil {
		return triage.Upload{Error: err.Error()}
	}
	up := triage.Upload{Status: res.Status}
	if res.Media != nil {
		up.Media = res.Media.ID
	}
	if up.Status == "" {
		up.Error = "the server's answer has no status"
	}
	return up
}

// uploadCounts counts the uploads by the server's answer.
type uploadCounts struct {
	n      map[string]int
	failed int
}

func (c *uploadCounts) add(u *triage.Upload) {
	switch {
	case u == nil:
	case u.Error != "":
		c.failed++
	default:
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[u.Status]++
	}
}

// orderedOutput hands results to out in the order they were added, while their uploads run
// (at most uploadsAtOnce at a time) in the background. An error of out cancels the run.
type orderedOutput struct {
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan *pendingResult
	done   chan struct{}
	err    error // out's error; read after done is closed
}

type pendingResult struct {
	r     triage.Result
	ready chan struct{}
}

func newOrderedOutput(ctx context.Context, cancel context.CancelFunc, out func(triage.Result) error) *orderedOutput {
	o := &orderedOutput{ctx: ctx, cancel: cancel, queue: make(chan *pendingResult, 64), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		for p := range o.queue {
			<-p.ready
			if o.err != nil {
				continue
			}
			if o.err = out(p.r); o.err != nil {
				cancel()
			}
		}
	}()
	return o
}

// add queues r, starting its upload when u is due to send it.
func (o *orderedOutput) add(r triage.Result, u *uploader) error {
	p := &pendingResult{r: r, ready: make(chan struct{})}
	if u.due(r) {
		select {
		case u.sem <- struct{}{}:
		case <-o.ctx.Done():
			return o.ctx.Err()
		}
		go func() {
			defer func() { <-u.sem; close(p.ready) }()
			res := u.send(o.ctx, p.r)
			p.r.Upload, p.r.Content = &res, nil
		}()
	} else {
		p.r.Content = nil
		close(p.ready)
	}
	select {
	case o.queue <- p:
		return nil
	case <-o.ctx.Done():
		<-p.ready
		return o.ctx.Err()
	}
}

// close waits for the queued results and returns out's error, if any.
func (o *orderedOutput) close() error {
	close(o.queue)
	<-o.done
	return o.err
}

// resolveCase finds the server's case named by s: an ID, or a case number looked up in the
// cases the token's user may see.
func resolveCase(ctx context.Context, c *serverClient, s string) (id int64, number string, err error) {
	type caseRef struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
		Owner  string `json:"owner"`
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		var cs caseRef
		if err := c.do(ctx, http.MethodGet, "/api/v1/cases/"+strconv.FormatInt(n, 10), "", nil, &cs); err != nil {
			return 0, "", err
		}
		return cs.ID, cs.Number, nil
	}
	var found []caseRef
	after := int64(0)
	for {
		var page struct {
			Items []caseRef `json:"items"`
			Next  *int64    `json:"next"`
		}
		if err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/cases?after=%d&limit=1000", after), "", nil, &page); err != nil {
			return 0, "", err
		}
		for _, cs := range page.Items {
			if cs.Number == s {
				found = append(found, cs)
			}
		}
		if page.Next == nil || *page.Next <= after {
			break
		}
		after = *page.Next
	}
	switch len(found) {
	case 0:
		return 0, "", errors.New("no case with this number that you may see")
	case 1:
		return found[0].ID, found[0].Number, nil
	}
	var ids []string
	for _, cs := range found {
		ids = append(ids, fmt.Sprintf("%d (%s)", cs.ID, cs.Owner))
	}
	return 0, "", fmt.Errorf("several cases have this number; give the ID of one: %s", strings.Join(ids, ", "))
}
