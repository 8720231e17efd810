package webui

import (
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates that render whole pages; each defines "title" and "content".
var pageNames = []string{
	"error", "signin", "password", "home", "upload", "media", "series-list", "series", "persons",
	"person", "clues", "search", "admin", "audit", "settings",
}

// pages are the parsed templates, one set per page, each with the layout.
type pages struct {
	set map[string]*template.Template
}

func parsePages() (*pages, error) {
	p := &pages{set: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		p.set[name] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Title string
	User  *catalog.User
	// Nav says which sections the user's role has, to show only the useful links; the
	// services decide what the user may actually do.
	Nav  nav
	Page string
	Data any
}

type nav struct {
	Records, Admin, Audit bool
}

func navFor(u catalog.User) nav {
	return nav{
		Records: !catalog.ScopeOf(u).None,
		Admin:   u.Role == catalog.RoleCountryAdmin || u.Role == catalog.RoleCoordinator,
		Audit:   u.Role == catalog.RoleAuditor || u.Role == catalog.RoleCoordinator,
	}
}

// render writes page name with data, as a whole page or, for htmx requests of a page that
// defines one, as its "fragment".
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t := s.pages.set[name]
	v := view{Page: name, Data: data}
	if id := infoOf(r).ident; id != nil && !id.MustChange {
		u := id.User
		v.User = &u
		v.Nav = navFor(u)
	}
	var buf bytes.Buffer
	tmpl := "layout"
	if isHTMX(r) && t.Lookup("fragment") != nil {
		tmpl = "fragment"
	}
	if err := t.ExecuteTemplate(&buf, tmpl, v); err != nil {
		s.log.ErrorContext(r.Context(), "rendering a page failed", "request_id", infoOf(r).id, "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("internal error rendering the page; quote request " + infoOf(r).id))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// staticHandler serves the embedded stylesheet, script and htmx.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree always has it
	}
	files := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
}

var funcs = template.FuncMap{
	"hexs": func(b []byte) string { return hex.EncodeToString(b) },
	"md5": func(d catalog.Digests) string {
		if !d.HasMD5() {
			return ""
		}
		return hex.EncodeToString(d.MD5[:])
	},
	"sha1": func(d catalog.Digests) string {
		if !d.HasSHA1() {
			return ""
		}
		return hex.EncodeToString(d.SHA1[:])
	},
	"sha256": func(d catalog.Digests) string {
		if !d.HasSHA256() {
			return ""
		}
		return hex.EncodeToString(d.SHA256[:])
	},
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"day": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"dur": fmtDur,
	"category": func(c catalog.Category) string {
		if c.IsZero() {
			return "uncategorised"
		}
		if c.Scheme == catalog.SchemeVICSUS {
			return "VICS " + c.Code
		}
		return c.Scheme + " " + c.Code
	},
	"coord": func(f float64) string { return fmt.Sprintf("%.6f", f) },
	"exifTime": func(t *exif.Time) string {
		if t == nil {
			return ""
		}
		if t.OffsetKnown {
			return t.Time.Format("2006-01-02 15:04:05 -07:00")
		}
		return t.Time.Format("2006-01-02 15:04:05") + " (camera clock, time zone unknown)"
	},
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f) },
	"join": func(cs []catalog.CountryCode) string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = string(c)
		}
		return strings.Join(out, ", ")
	},
	"tags": func(ts []string) string { return strings.Join(ts, ", ") },
	"pctOf": func(a, b int) string {
		if b <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.4f", float64(a)*100/float64(b))
	},
}

// fmtDur writes a time in a video as minutes:seconds.
func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
