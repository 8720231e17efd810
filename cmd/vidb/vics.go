package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/vics"
)

const importUsage = `usage: vidb import vics FILE --owner CC --visibility network|listed|owner [--share CC,...] [--data DIR]
       vidb import vics FILE --visibility network|listed|owner [--owner CC] --server URL [--token T]

Imports a VICS (Project VIC) 1.x or 2.0 file, hash set or case export, into a data folder as
hash-only known records, streamed through the bulk path. Each record is owned by --owner
with the given visibility. Prints how many records were new, already known, updated (held
uncategorised, now categorised) and conflicting (the same digest held with another category:
both kept, never overwritten), and every record refused. Exit status 3 when records were
refused or the file ended in error after some records were imported.

With --server, the file is streamed to the server's POST /api/v1/import/vics with an API
token (--token or VIDB_TOKEN) of a reviewer or coordinator; --owner defaults to the token's
country, and only a coordinator may name another. A conflict with a record you may not see
names only its owner country. A malformed file is refused by the server with its reason.

flags:
`

const exportUsage = `usage: vidb export vics [--data DIR] [--case NUMBER --owner CC | --series NAME] [--version 1.3|2.0] [--as LOGIN] > out.json

Writes the media records a user may see as a VICS hash set, streamed: all of them, those
sighted in a case, or those of a series. --as LOGIN exports what that user may see; without
it the CLI, run by the operator on the data folder itself, exports with the system scope
(every record). The export is an audit event. Categories the chosen version and variant
cannot carry (another scheme than vics-us in 2.0/US) are left out and counted.

flags:
`

func runImport(ctx context.Context, args []string, s streams) error {
	if len(args) == 0 || args[0] != "vics" {
		fmt.Fprint(s.stderr, importUsage)
		return usageError{"want: vidb import vics FILE"}
	}
	fs := flag.NewFlagSet("import vics", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, importUsage); fs.PrintDefaults() }
	var dep deployFlags
	dep.register(fs)
	owner := fs.String("owner", "", "the owner `country` of the imported records (ISO 3166 alpha-2)")
	visibility := fs.String("visibility", "", "who may see them: network, listed or owner")
	share := fs.String("share", "", "with --visibility listed: the `countries` (CC,CC,...) that may see them")
	years := fs.Int("retention-years", 10, "review the records after this many `years`")
	variant := fs.String("variant", "", "the national variant of a 1.x file's categories (US, UK, ...), when known")
	server := fs.String("server", "", "import into the vidb server at this `URL` instead of a data folder")
	token := fs.String("token", "", "with --server: the API `token` (default: $VIDB_TOKEN)")
	fileArgs, flagArgs := splitArgs(args[1:])
	if err := parseFlags(fs, flagArgs); err != nil {
		return err
	}
	fileArgs = append(fileArgs, fs.Args()...)
	if len(fileArgs) != 1 {
		fs.Usage()
		return usageError{"want exactly one FILE"}
	}
	if *server != "" {
		if *token == "" && s.getenv != nil {
			*token = s.getenv("VIDB_TOKEN")
		}
		if *token == "" {
			return usageError{"--server needs an API token: --token or VIDB_TOKEN"}
		}
		if *visibility == "" {
			return usageError{"--visibility is required"}
		}
		q := url.Values{"visibility": {*visibility}, "source": {filepath.Base(fileArgs[0])}, "retention_years": {strconv.Itoa(*years)}}
		if *owner != "" {
			q.Set("owner", strings.ToUpper(*owner))
		}
		if *share != "" {
			q.Set("shared_with", strings.ToUpper(*share))
		}
		if *variant != "" {
			q.Set("variant", *variant)
		}
		return importRemote(ctx, s, &serverClient{base: *server, token: *token}, fileArgs[0], q)
	}
	access, err := parseAccess(*owner, *visibility, *share)
	if err != nil {
		return usageError{err.Error()}
	}
	if *years < 1 {
		return usageError{"--retention-years must be at least 1"}
	}
	path := fileArgs[0]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	vr, err := vics.NewReaderOptions(f, vics.ReaderOptions{Variant: *variant})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	d, err := dep.open(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()

	var refused []string
	var readErr error
	known := triage.KnownRecords(vr, func(i int64, err error) { refused = append(refused, fmt.Sprintf("record %d: %v", i, err)) })
	records := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for rec, err := range known {
			if err != nil {
				readErr = err
				return // the file ends here; what was read is imported
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
	rep, err := d.Store.ImportHashOnly(ctx, iter.Seq2[catalog.HashOnlyRecord, error](records), catalog.ImportOptions{
		Access: access, Retention: time.Now().UTC().AddDate(*years, 0, 0), Source: "vics:" + filepath.Base(path),
	})
	fmt.Fprintf(s.stdout, "read %d, new %d, known %d, updated %d, conflicts %d, refused %d\n",
		rep.Read, rep.New, rep.Known, rep.Updated, len(rep.Conflicts), len(refused))
	for _, c := range rep.Conflicts {
		fmt.Fprintf(s.stdout, "conflict: %s held as media %d with category %s:%s, the file says %s:%s; both kept\n",
			c.Digests, c.Existing, c.Held.Scheme, c.Held.Code, c.Incoming.Scheme, c.Incoming.Code)
	}
	for _, r := range refused {
		fmt.Fprintf(s.stderr, "vidb import: %s: refused %s\n", path, r)
	}
	if err != nil {
		if errors.Is(err, catalog.ErrInvalid) {
			return usageError{err.Error()}
		}
		return err
	}
	if readErr != nil {
		fmt.Fprintf(s.stderr, "vidb import: %s: %v (the %d records before it were imported)\n", path, readErr, rep.Read)
		if rep.Read == 0 {
			return fmt.Errorf("%s: %w", path, readErr)
		}
		return errPartial
	}
	if len(refused) > 0 {
		return errPartial
	}
	return nil
}

// remoteImportReport is the server's answer to POST /api/v1/import/vics.
type remoteImportReport struct {
	Read      int64 `json:"read"`
	New       int64 `json:"new"`
	Known     int64 `json:"known"`
	Updated   int64 `json:"updated"`
	Conflicts []struct {
		Existing *int64                    `json:"existing"`
		MD5      string                    `json:"md5"`
		SHA1     string                    `json:"sha1"`
		SHA256   string                    `json:"sha256"`
		Held     *triage.Category          `json:"held"`
		Incoming triage.Category           `json:"incoming"`
		Hit      *struct{ Message string } `json:"hit"`
	} `json:"conflicts"`
	RefusedCount int64 `json:"refused_count"`
	Refused      []struct {
		Record int64  `json:"record"`
		Error  string `json:"error"`
	} `json:"refused"`
}

// importRemote streams the file at path to a server's POST /api/v1/import/vics and prints its
// report as the local import prints its own.
func importRemote(ctx context.Context, s streams, c *serverClient, path string, q url.Values) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var rep remoteImportReport
	if err := c.do(ctx, http.MethodPost, "/api/v1/import/vics?"+q.Encode(), "application/json", f, &rep); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(s.stdout, "read %d, new %d, known %d, updated %d, conflicts %d, refused %d\n",
		rep.Read, rep.New, rep.Known, rep.Updated, len(rep.Conflicts), rep.RefusedCount)
	for _, c := range rep.Conflicts {
		d := c.SHA256
		if d == "" {
			d = c.SHA1
		}
		if d == "" {
			d = c.MD5
		}
		switch {
		case c.Hit != nil:
			fmt.Fprintf(s.stdout, "conflict: %s is held by a record you may not see (%s), the file says %s; both kept\n", d, c.Hit.Message, c.Incoming)
		case c.Existing != nil && c.Held != nil:
			fmt.Fprintf(s.stdout, "conflict: %s held as media %d with category %s, the file says %s; both kept\n", d, *c.Existing, c.Held, c.Incoming)
		}
	}
	for _, r := range rep.Refused {
		fmt.Fprintf(s.stderr, "vidb import: %s: refused record %d: %s\n", path, r.Record, r.Error)
	}
	if more := rep.RefusedCount - int64(len(rep.Refused)); more > 0 {
		fmt.Fprintf(s.stderr, "vidb import: %s: and %d more records refused\n", path, more)
	}
	if rep.RefusedCount > 0 {
		return errPartial
	}
	return nil
}

// splitArgs separates leading positional arguments from the flags after them, so that
// "vidb import vics FILE --owner FR" works as well as the flags-first form.
func splitArgs(args []string) (pos, flags []string) {
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			return pos, args[i:]
		}
		pos = append(pos, a)
	}
	return pos, nil
}

func parseAccess(owner, visibility, share string) (catalog.Access, error) {
	if owner == "" || visibility == "" {
		return catalog.Access{}, errors.New("--owner and --visibility are required")
	}
	v, err := catalog.ParseVisibility(visibility)
	if err != nil {
		return catalog.Access{}, err
	}
	a := catalog.Access{Owner: catalog.CountryCode(strings.ToUpper(owner)), Visibility: v}
	if share != "" {
		if v != catalog.VisibilityListed {
			return a, errors.New("--share needs --visibility listed")
		}
		for _, c := range strings.Split(share, ",") {
			a.SharedWith = append(a.SharedWith, catalog.CountryCode(strings.ToUpper(strings.TrimSpace(c))))
		}
	}
	a = a.Normalize()
	return a, a.Validate()
}

func runExport(ctx context.Context, args []string, s streams) error {
	if len(args) == 0 || args[0] != "vics" {
		fmt.Fprint(s.stderr, exportUsage)
		return usageError{"want: vidb export vics"}
	}
	fs := flag.NewFlagSet("export vics", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, exportUsage); fs.PrintDefaults() }
	var dep deployFlags
	dep.register(fs)
	caseNumber := fs.String("case", "", "export the media sighted in the case with this `number`")
	caseOwner := fs.String("owner", "", "with --case: the case's owner `country`")
	seriesName := fs.String("series", "", "export the media of the series with this `name`")
	version := fs.String("version", "2.0", "the VICS `version`: 1.3 or 2.0")
	as := fs.String("as", "", "export what the user with this `login` may see (default: everything)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"unexpected argument " + fs.Arg(0)}
	}
	if *version != "1.3" && *version != "2.0" {
		return usageError{fmt.Sprintf("--version %q: want 1.3 or 2.0", *version)}
	}
	if *caseNumber != "" && *seriesName != "" {
		return usageError{"give --case or --series, not both"}
	}
	if *caseNumber != "" && *caseOwner == "" {
		return usageError{"--case needs --owner (case numbers are per country)"}
	}
	d, err := dep.open(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	n, dropped, err := exportVICS(ctx, d, s.stdout, exportOptions{
		caseNumber: *caseNumber, caseOwner: catalog.CountryCode(strings.ToUpper(*caseOwner)),
		series: *seriesName, version: *version, as: *as,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "vidb export: %d records", n)
	if dropped > 0 {
		fmt.Fprintf(s.stderr, "; %d categories the file cannot carry were left out", dropped)
	}
	fmt.Fprintln(s.stderr)
	return nil
}

type exportOptions struct {
	caseNumber string
	caseOwner  catalog.CountryCode
	series     string
	version    string
	as         string
}

// exportVICS streams the records the scope sees, page by page, through a vics.Writer, and
// records the export in the audit log.
func exportVICS(ctx context.Context, d *datadir.Deployment, w io.Writer, o exportOptions) (n, dropped int64, err error) {
	scope, actor := catalog.SystemScope(), catalog.User{Login: "system"}
	if o.as != "" {
		u, err := d.Store.UserByLogin(ctx, o.as)
		if err != nil {
			return 0, 0, fmt.Errorf("--as %s: %w", o.as, err)
		}
		scope, actor = catalog.ScopeOf(u), u
	}
	var filter catalog.MediaFilter
	object := "media"
	switch {
	case o.caseNumber != "":
		c, err := d.Store.CaseByNumber(ctx, scope, o.caseOwner, o.caseNumber)
		if err != nil {
			return 0, 0, fmt.Errorf("case %s/%s: %w", o.caseOwner, o.caseNumber, err)
		}
		filter.Case, object = c.ID, fmt.Sprintf("case/%d", c.ID)
	case o.series != "":
		sr, err := d.Store.SeriesByName(ctx, scope, o.series)
		if err != nil {
			return 0, 0, fmt.Errorf("series %q: %w", o.series, err)
		}
		filter.Series, object = sr.ID, fmt.Sprintf("series/%d", sr.ID)
	}
	vw, err := vics.NewWriter(w, vics.WriterOptions{Version: o.version})
	if err != nil {
		return 0, 0, err
	}
	seriesNames := map[catalog.SeriesID]string{}
	page := catalog.Page{Limit: catalog.MaxPageSize}
	for {
		ms, err := d.Store.MediaList(ctx, scope, filter, page)
		if err != nil {
			return n, dropped, err
		}
		for _, m := range ms {
			vm, ok := vicsMedia(m, o.version)
			if !ok {
				dropped++
			}
			if m.Kind == catalog.KindVideo {
				frames, err := d.Store.Frames(ctx, m.ID)
				if err != nil {
					return n, dropped, err
				}
				vm.Segments = vicsSegments(frames)
			}
			if m.Series != 0 {
				name, seen := seriesNames[m.Series]
				if !seen {
					if sr, err := d.Store.Series(ctx, scope, m.Series); err == nil {
						name = sr.Name
					}
					seriesNames[m.Series] = name
				}
				vm.Series = name
			}
			if err := vw.Write(vm); err != nil {
				return n, dropped, err
			}
			n++
		}
		if len(ms) < page.Size() {
			break
		}
		page.After = int64(ms[len(ms)-1].ID)
	}
	if err := vw.Close(); err != nil {
		return n, dropped, err
	}
	err = d.Store.Update(context.WithoutCancel(ctx), func(tx catalog.Tx) error {
		_, err := tx.Audit(ctx, audit.Event{
			Time: time.Now().UTC().Truncate(time.Microsecond), Actor: actor.Login, ActorID: int64(actor.ID),
			Country: string(actor.Country), Action: "vics.export", Object: object,
			Details: map[string]string{"records": strconv.FormatInt(n, 10), "version": o.version},
		})
		return err
	})
	return n, dropped, err
}

// vicsSegments returns a video's frame hashes as VICS Segments in vidb's shape (see
// vics.Segment): runs of identical frames collapse into one segment. Nil for no frames.
func vicsSegments(frames []catalog.Frame) json.RawMessage {
	var segs []vics.Segment
	for _, f := range frames {
		segs = vics.AppendFrame(segs, f.Number, f.Timestamp, f.PDQ.Hash.String(), f.PDQ.Quality)
	}
	return vics.SegmentsJSON(segs)
}

// vicsMedia maps a media record onto a VICS record; ok is false when its category had to be
// left out because the file's version and variant cannot carry it.
func vicsMedia(m catalog.Media, version string) (vics.Media, bool) {
	up := func(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
	var vm vics.Media
	if m.Digests.HasMD5() {
		vm.MD5 = up(m.Digests.MD5[:])
	}
	if m.Digests.HasSHA1() {
		vm.SHA1 = up(m.Digests.SHA1[:])
	}
	if m.Digests.HasSHA256() {
		if version == "2.0" {
			vm.SHA256 = up(m.Digests.SHA256[:])
		} else {
			vm.AlternativeHashes = append(vm.AlternativeHashes, vics.AltHash{HashName: "SHA256", HashValue: up(m.Digests.SHA256[:])})
		}
	}
	if m.PDQ != nil {
		vm.AlternativeHashes = append(vm.AlternativeHashes, vics.AltHash{HashName: "PDQ", HashValue: m.PDQ.Hash.String()})
	}
	vm.MediaSize = m.Size
	vm.MimeType = m.MIME
	if m.Category.IsZero() {
		return vm, true
	}
	code, err := strconv.Atoi(m.Category.Code)
	if err != nil || !strings.HasPrefix(m.Category.Scheme, "vics-") {
		return vm, false
	}
	variant := strings.ToUpper(strings.TrimPrefix(m.Category.Scheme, "vics-"))
	c := vics.Category{Variant: variant, Code: code}
	switch {
	case version == "2.0" && variant != vics.VariantUS:
		return vm, false
	case version != "2.0" && c.Published() != (variant == vics.VariantUS):
		return vm, false // a 1.x reader attributes published codes to US, others to UK
	case version != "2.0" && variant != vics.VariantUS && variant != vics.VariantUK:
		return vm, false
	}
	vm.Category = c
	return vm, true
}
