package triage

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/durable"
	"github.com/vidb-project/vidb/internal/vics"
)

// Summary counts a run's results by class and by category (of known files).
type Summary struct {
	Files      int64
	Bytes      int64
	ByClass    map[Class]int64
	ByCategory map[string]int64 // "scheme:code" -> known files
}

// Add counts one result.
func (s *Summary) Add(r Result) {
	if s.ByClass == nil {
		s.ByClass, s.ByCategory = map[Class]int64{}, map[string]int64{}
	}
	s.Files++
	s.Bytes += r.Size
	s.ByClass[r.Class]++
	if c := r.Category(); c != nil && r.Class == ClassKnown {
		s.ByCategory[c.String()]++
	}
}

// Categories returns the category names counted, sorted.
func (s *Summary) Categories() []string {
	var out []string
	for c := range s.ByCategory {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// HTMLReport writes a self-contained report into a folder: index.html and, in thumbs/, the
// blurred greyscale previews of unknown and near images, named by SHA-256. Every string from
// the device is escaped by html/template. Known files are counted, not listed.
type HTMLReport struct {
	dir     string
	sum     Summary
	unknown []Result
	near    []Result
	failed  []Result
}

// NewHTMLReport creates dir (and dir/thumbs) if needed.
func NewHTMLReport(dir string) (*HTMLReport, error) {
	if err := os.MkdirAll(filepath.Join(dir, "thumbs"), 0o700); err != nil {
		return nil, err
	}
	return &HTMLReport{dir: dir}, nil
}

// thumbName is a thumbnail's file name inside thumbs/.
func thumbName(sha256 string) string { return sha256 + ".png" }

// Add takes one result, writing its thumbnail if it has one.
func (h *HTMLReport) Add(r Result) error {
	h.sum.Add(r)
	if len(r.Thumbnail) > 0 && len(r.SHA256) == 64 {
		if _, err := hex.DecodeString(r.SHA256); err == nil {
			p := filepath.Join(h.dir, "thumbs", thumbName(r.SHA256))
			if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
				if err := durable.WriteFile(p, r.Thumbnail, 0o600); err != nil {
					return err
				}
			}
		}
	}
	r.Thumbnail = nil
	switch r.Class {
	case ClassUnknown:
		h.unknown = append(h.unknown, r)
	case ClassNear:
		h.near = append(h.near, r)
	case ClassFailed:
		h.failed = append(h.failed, r)
	}
	return nil
}

// Summary returns the counts so far.
func (h *HTMLReport) Summary() Summary { return h.sum }

type htmlRow struct {
	Result
	Thumb string // relative path of the thumbnail, "" when none
}

// Close writes index.html atomically.
func (h *HTMLReport) Close() error {
	rows := func(rs []Result) []htmlRow {
		out := make([]htmlRow, len(rs))
		for i, r := range rs {
			out[i].Result = r
			if len(r.SHA256) == 64 {
				name := thumbName(r.SHA256)
				if _, err := os.Stat(filepath.Join(h.dir, "thumbs", name)); err == nil {
					out[i].Thumb = "thumbs/" + name
				}
			}
		}
		return out
	}
	type classCount struct {
		Class Class
		N     int64
	}
	type catCount struct {
		Category string
		Label    string
		N        int64
	}
	var classes []classCount
	for _, c := range Classes {
		classes = append(classes, classCount{c, h.sum.ByClass[c]})
	}
	var cats []catCount
	for _, c := range h.sum.Categories() {
		cats = append(cats, catCount{c, categoryLabel(c), h.sum.ByCategory[c]})
	}
	data := map[string]any{
		"Files": h.sum.Files, "Bytes": h.sum.Bytes, "Classes": classes, "Categories": cats,
		"Unknown": rows(h.unknown), "Near": rows(h.near), "Failed": h.failed,
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, data); err != nil {
		return err
	}
	return durable.WriteFile(filepath.Join(h.dir, "index.html"), buf.Bytes(), 0o600)
}

// categoryLabel returns the published label of a "vics-us:N" category, or "".
func categoryLabel(c string) string {
	scheme, code, _ := strings.Cut(c, ":")
	if !strings.HasPrefix(scheme, "vics-") {
		return ""
	}
	n, err := strconv.Atoi(code)
	if err != nil {
		return ""
	}
	l, _ := vics.Label(vics.Category{Variant: strings.ToUpper(strings.TrimPrefix(scheme, "vics-")), Code: n})
	return l
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vidb triage report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
img{width:160px;filter:grayscale(1)}.path{font-family:monospace;word-break:break-all}</style></head><body>
<h1>vidb triage report</h1>
<p>{{.Files}} files, {{.Bytes}} bytes.</p>
<h2>By class</h2><table><tr><th>class</th><th>files</th></tr>
{{range .Classes}}<tr><td>{{.Class}}</td><td>{{.N}}</td></tr>{{end}}</table>
<h2>Known files by category</h2><table><tr><th>category</th><th>label</th><th>files</th></tr>
{{range .Categories}}<tr><td>{{.Category}}</td><td>{{.Label}}</td><td>{{.N}}</td></tr>{{else}}<tr><td colspan="3">none</td></tr>{{end}}</table>
<h2>Unknown media ({{len .Unknown}})</h2>
<p>Previews are blurred and greyscale. Open the files themselves only with the case's authorisation.</p>
<table><tr><th>preview</th><th>path</th><th>SHA-256</th><th>PDQ (quality)</th></tr>
{{range .Unknown}}<tr><td>{{if .Thumb}}<img src="{{.Thumb}}" alt="blurred preview">{{end}}</td><td class="path">{{.Path}}</td><td class="path">{{.SHA256}}</td><td class="path">{{.PDQ}}{{if .Quality}} ({{.Quality}}){{end}}</td></tr>{{end}}</table>
<h2>Near matches ({{len .Near}})</h2>
<table><tr><th>this device</th><th>path</th><th>matches (source, record, distance, category, series)</th></tr>
{{range .Near}}<tr><td>{{if .Thumb}}<img src="{{.Thumb}}" alt="blurred preview">{{end}}</td><td class="path">{{.Path}}</td><td><ul>{{range .Matches}}<li>{{.Source}} {{if .Media}}media {{.Media}}{{end}} {{.Kind}} at distance {{.Distance}}{{if .Category}}, category {{.Category.Scheme}}:{{.Category.Code}}{{end}}{{if .Series}}, series {{.Series}}{{end}}{{if .HitMessage}}, {{.HitMessage}}{{end}}{{if .PDQ}}<br><span class="path">{{.PDQ}}</span>{{end}}</li>{{end}}</ul></td></tr>{{end}}</table>
<h2>Errors ({{len .Failed}})</h2>
<table><tr><th>path</th><th>error</th></tr>
{{range .Failed}}<tr><td class="path">{{.Path}}</td><td>{{.Error}}</td></tr>{{end}}</table>
</body></html>
`))

// VICSExport writes a VICS 2.0 case export of a device, one Media record per media file
// (known, near or unknown), pre-categorised from exact matches, so that the examiner's forensic
// tool starts with the known material set aside. A category the US-variant file cannot carry
// (another scheme) is left out and named in Comments; so are near matches.
type VICSExport struct {
	w *vics.Writer
}

// NewVICSExport starts a case export on w.
func NewVICSExport(w io.Writer, c vics.Case) (*VICSExport, error) {
	vw, err := vics.NewWriter(w, vics.WriterOptions{Version: "2.0", Shape: vics.Cases, Case: c})
	if err != nil {
		return nil, err
	}
	return &VICSExport{w: vw}, nil
}

// Add writes the record of one result; results that are not media or have no digest are
// skipped.
func (e *VICSExport) Add(r Result) error {
	if r.MD5 == "" || (r.Class != ClassKnown && r.Class != ClassNear && r.Class != ClassUnknown) {
		return nil
	}
	m := vics.Media{
		MD5: strings.ToUpper(r.MD5), SHA1: strings.ToUpper(r.SHA1), SHA256: strings.ToUpper(r.SHA256),
		MediaSize: r.Size,
		MediaFiles: []vics.MediaFile{{
			MD5: strings.ToUpper(r.MD5), FileName: baseName(r.Path), FilePath: r.Path,
		}},
	}
	var notes []string
	if c := r.Category(); c != nil {
		code, err := strconv.Atoi(c.Code)
		if c.Scheme == vics.Scheme(vics.VariantUS) && err == nil {
			m.Category = vics.Category{Variant: vics.VariantUS, Code: code}
			m.IsPrecategorized = vics.True
			m.PrecategorizationSource = "vidb triage"
		} else {
			notes = append(notes, "known, category "+c.String())
		}
	}
	for _, mt := range r.Matches {
		if mt.Series != "" && m.Series == "" && mt.Kind == MatchExact {
			m.Series = mt.Series
		}
		if mt.Kind != MatchExact {
			notes = append(notes, fmt.Sprintf("near %s at distance %d", mt.Source, mt.Distance))
		}
	}
	if r.Class == ClassKnown && len(notes) == 0 && m.Category.IsZero() {
		notes = append(notes, "known, uncategorised")
	}
	m.Comments = strings.Join(notes, "; ")
	return e.w.Write(m)
}

// Count returns the number of records written.
func (e *VICSExport) Count() int64 { return e.w.Count() }

// Close ends the document.
func (e *VICSExport) Close() error { return e.w.Close() }

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "/\\"); i >= 0 {
		return p[i+1:]
	}
	return p
}
