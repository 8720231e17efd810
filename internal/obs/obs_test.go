package obs

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleRegistry builds a registry with every kind of metric, awkward label values included.
func sampleRegistry() *Registry {
	r := NewRegistry()
	req := r.NewCounterVec("http_requests_total", "HTTP requests served.", "route", "method", "code")
	req.Inc("GET /api/v1/media/{id}", "GET", "200")
	req.Add(2, "GET /api/v1/media/{id}", "GET", "404")
	req.Inc("POST /api/v1/cases", "POST", "201")
	req.Inc(`odd "route"\with`+"\nnewline", "GET", "500")
	dur := r.NewHistogramVec("http_request_duration_seconds", "Request latency.\nSecond line with a \\.", []float64{0.1, 1, 5}, "route")
	dur.Observe(0.05, "b")
	dur.Observe(0.1, "b") // on a bound: counted in that bucket
	dur.Observe(3, "b")
	dur.Observe(7, "b")
	dur.Observe(0.5, "a")
	g := r.NewGauge("vidb_workers", "Busy workers.")
	g.Set(3)
	g.Add(-1.5)
	r.NewGaugeFunc("vidb_index_codes", "PDQ codes in the index.", func() float64 { return 123456 })
	r.NewCounterVec("vidb_reveals_total", "Reveals.").Inc()
	return r
}

func TestExpositionGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n, err := sampleRegistry().WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d bytes, wrote %d", n, buf.Len())
	}
	golden := filepath.Join("testdata", "exposition.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("exposition differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := sampleRegistry().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	samples, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string, labels map[string]string) float64 {
		t.Helper()
		for _, s := range samples {
			if s.Name == name && cmp.Equal(s.Labels, labels) {
				return s.Value
			}
		}
		t.Fatalf("no sample %s%v", name, labels)
		return 0
	}
	odd := `odd "route"\with` + "\nnewline"
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"http_requests_total", map[string]string{"route": odd, "method": "GET", "code": "500"}, 1},
		{"http_requests_total", map[string]string{"route": "GET /api/v1/media/{id}", "method": "GET", "code": "404"}, 2},
		{"http_request_duration_seconds_bucket", map[string]string{"route": "b", "le": "0.1"}, 2},
		{"http_request_duration_seconds_bucket", map[string]string{"route": "b", "le": "5"}, 3},
		{"http_request_duration_seconds_bucket", map[string]string{"route": "b", "le": "+Inf"}, 4},
		{"http_request_duration_seconds_count", map[string]string{"route": "b"}, 4},
		{"http_request_duration_seconds_sum", map[string]string{"route": "b"}, 10.15},
		{"vidb_workers", nil, 1.5},
		{"vidb_index_codes", nil, 123456},
		{"vidb_reveals_total", nil, 1},
	} {
		if got := find(c.name, c.labels); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"metric",
		"1metric 3",
		`m{a="x} 1`,
		`m{a="x\q"} 1`,
		`m{a=x} 1`,
		`m{a="1",a="2"} 1`,
		"m one",
		`m{a="1"}1`,
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) accepted it", in)
		}
	}
}

func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	c := r.NewCounterVec("c_total", "c", "k")
	h := r.NewHistogramVec("h_seconds", "h", nil, "k")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 1000 {
				c.Inc(fmt.Sprint(j % 3))
				h.Observe(float64(i)/10, "x")
				if j%100 == 0 {
					if _, err := r.WriteTo(&bytes.Buffer{}); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if got := c.Value("0") + c.Value("1") + c.Value("2"); got != 8000 {
		t.Errorf("counter total = %v, want 8000", got)
	}
	if got := h.Count("x"); got != 8000 {
		t.Errorf("histogram count = %d, want 8000", got)
	}
}

func TestRegistrationPanics(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(r *Registry){
		"bad name":        func(r *Registry) { r.NewCounterVec("bad-name", "") },
		"bad label":       func(r *Registry) { r.NewCounterVec("ok", "", "bad label") },
		"reserved label":  func(r *Registry) { r.NewHistogramVec("ok", "", nil, "le") },
		"duplicate":       func(r *Registry) { r.NewGauge("g", ""); r.NewGauge("g", "") },
		"bad buckets":     func(r *Registry) { r.NewHistogramVec("h", "", []float64{1, 1}) },
		"label count":     func(r *Registry) { r.NewCounterVec("c", "", "a").Inc() },
		"counter decease": func(r *Registry) { r.NewCounterVec("c", "").Add(-1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(NewRegistry())
		}()
	}
}

func TestNewLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "WARN")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "route", "GET /x")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log line %q is not one JSON object: %v", buf.String(), err)
	}
	if rec["msg"] != "shown" || rec["route"] != "GET /x" {
		t.Errorf("log record = %v", rec)
	}
	for _, lvl := range []string{"", "debug", "info", "error", "info+2"} {
		if _, err := ParseLevel(lvl); err != nil {
			t.Errorf("ParseLevel(%q): %v", lvl, err)
		}
	}
	if _, err := NewLogger(&buf, "loud"); err == nil {
		t.Errorf("NewLogger accepted level \"loud\"")
	}
}

func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	if _, err := sampleRegistry().WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`m{a="\\\"\n"} +Inf`))
	f.Fuzz(func(t *testing.T, in []byte) {
		samples, err := Parse(bytes.NewReader(in))
		if err != nil {
			return
		}
		// Whatever parses has valid names, label names included.
		for _, s := range samples {
			if !validName(s.Name, true) {
				t.Fatalf("parsed invalid name %q", s.Name)
			}
			for l := range s.Labels {
				if !validName(l, false) {
					t.Fatalf("parsed invalid label name %q", l)
				}
			}
		}
	})
}

func BenchmarkObserve(b *testing.B) {
	h := NewRegistry().NewHistogramVec("h", "", nil, "route")
	for b.Loop() {
		h.Observe(0.042, "GET /api/v1/media/{id}")
	}
}
