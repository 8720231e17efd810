package obs

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ContentType is the media type of the exposition WriteTo produces.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// DefaultBuckets returns histogram buckets for request durations in seconds, from 5 ms to 10 s.
func DefaultBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

// Registry holds a set of metrics and writes them in the Prometheus text format. It is safe
// for concurrent use. Constructors panic on an invalid or duplicate metric or label name:
// those are programming errors, and metric names are constants.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]metric
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{metrics: map[string]metric{}} }

type metric interface {
	write(w *bufio.Writer, name string)
	help() string
	kind() string
}

func (r *Registry) register(name string, labels []string, m metric) {
	if !validName(name, true) {
		panic(fmt.Sprintf("obs: invalid metric name %q", name))
	}
	for _, l := range labels {
		if !validName(l, false) || strings.HasPrefix(l, "__") || l == "le" {
			panic(fmt.Sprintf("obs: metric %s: invalid label name %q", name, l))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.metrics[name]; dup {
		panic(fmt.Sprintf("obs: metric %s registered twice", name))
	}
	r.metrics[name] = m
}

// validName reports whether s matches [a-zA-Z_:][a-zA-Z0-9_:]* (colons only in metric names).
func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (colon && c == ':') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// vec is the label handling shared by the metric kinds: one series per distinct tuple of label
// values.
type vec[S any] struct {
	helpText string
	labels   []string
	mu       sync.Mutex
	series   map[string]*entry[S]
	make     func() S
}

type entry[S any] struct {
	values []string
	s      S
}

func newVec[S any](help string, labels []string, mk func() S) *vec[S] {
	return &vec[S]{helpText: help, labels: slices.Clone(labels), series: map[string]*entry[S]{}, make: mk}
}

// get returns the series for values, creating it. It panics when the number of values differs
// from the number of labels.
func (v *vec[S]) get(values []string) S {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("obs: %d label values for %d labels %v", len(values), len(v.labels), v.labels))
	}
	key := strings.Join(values, "\xff")
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.series[key]
	if !ok {
		e = &entry[S]{values: slices.Clone(values), s: v.make()}
		v.series[key] = e
	}
	return e.s
}

// sorted returns the series ordered by their label values.
func (v *vec[S]) sorted() []*entry[S] {
	v.mu.Lock()
	out := make([]*entry[S], 0, len(v.series))
	for _, e := range v.series {
		out = append(out, e)
	}
	v.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return slices.Compare(out[i].values, out[j].values) < 0 })
	return out
}

func (v *vec[S]) help() string { return v.helpText }

// value is a float64 updated atomically under a mutex (adds of floats are not atomic).
type value struct {
	mu sync.Mutex
	v  float64
}

func (x *value) add(d float64) { x.mu.Lock(); x.v += d; x.mu.Unlock() }
func (x *value) set(d float64) { x.mu.Lock(); x.v = d; x.mu.Unlock() }
func (x *value) get() float64  { x.mu.Lock(); defer x.mu.Unlock(); return x.v }

// CounterVec is a family of counters, one per tuple of label values.
type CounterVec struct{ v *vec[*value] }

// NewCounterVec registers a counter family with the given label names (none for a plain
// counter).
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{v: newVec(help, labels, func() *value { return &value{} })}
	r.register(name, labels, c)
	return c
}

// Inc adds one to the counter with these label values.
func (c *CounterVec) Inc(values ...string) { c.Add(1, values...) }

// Add adds d, which must not be negative, to the counter with these label values.
func (c *CounterVec) Add(d float64, values ...string) {
	if d < 0 {
		panic("obs: counter decreased")
	}
	c.v.get(values).add(d)
}

// Value returns the counter's current value for these label values.
func (c *CounterVec) Value(values ...string) float64 { return c.v.get(values).get() }

func (c *CounterVec) help() string { return c.v.help() }
func (c *CounterVec) kind() string { return "counter" }
func (c *CounterVec) write(w *bufio.Writer, name string) {
	for _, e := range c.v.sorted() {
		writeSample(w, name, c.v.labels, e.values, "", "", e.s.get())
	}
}

// Gauge is a value that goes up and down.
type Gauge struct{ v value }

// NewGauge registers a gauge without labels.
func (r *Registry) NewGauge(name, help string) *Gauge {
	g := &Gauge{}
	r.register(name, nil, gaugeMetric{helpText: help, fn: g.v.get})
	return g
}

// Set sets the gauge.
func (g *Gauge) Set(v float64) { g.v.set(v) }

// Add adds d (possibly negative) to the gauge.
func (g *Gauge) Add(d float64) { g.v.add(d) }

// Value returns the gauge's current value.
func (g *Gauge) Value() float64 { return g.v.get() }

// NewGaugeFunc registers a gauge whose value is fn's result at exposition time. fn must be
// safe for concurrent use and quick.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	r.register(name, nil, gaugeMetric{helpText: help, fn: fn})
}

type gaugeMetric struct {
	helpText string
	fn       func() float64
}

func (g gaugeMetric) help() string { return g.helpText }
func (g gaugeMetric) kind() string { return "gauge" }
func (g gaugeMetric) write(w *bufio.Writer, name string) {
	writeSample(w, name, nil, nil, "", "", g.fn())
}

// HistogramVec is a family of histograms with fixed buckets, one per tuple of label values.
type HistogramVec struct {
	v       *vec[*histogram]
	buckets []float64
}

type histogram struct {
	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

// NewHistogramVec registers a histogram family. buckets are the upper bounds, strictly
// increasing (nil means DefaultBuckets); +Inf is implied.
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if buckets == nil {
		buckets = DefaultBuckets()
	}
	for i, b := range buckets {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= buckets[i-1]) {
			panic(fmt.Sprintf("obs: histogram %s: buckets %v are not strictly increasing finite numbers", name, buckets))
		}
	}
	bs := slices.Clone(buckets)
	h := &HistogramVec{buckets: bs, v: newVec(help, labels, func() *histogram {
		return &histogram{counts: make([]uint64, len(bs)+1)}
	})}
	r.register(name, labels, h)
	return h
}

// Observe records v in the histogram with these label values.
func (h *HistogramVec) Observe(v float64, values ...string) {
	s := h.v.get(values)
	i, _ := slices.BinarySearch(h.buckets, v) // the first bucket with bound >= v
	s.mu.Lock()
	s.counts[i]++
	s.sum += v
	s.count++
	s.mu.Unlock()
}

// Count returns how many observations the histogram with these label values holds.
func (h *HistogramVec) Count(values ...string) uint64 {
	s := h.v.get(values)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

func (h *HistogramVec) help() string { return h.v.help() }
func (h *HistogramVec) kind() string { return "histogram" }
func (h *HistogramVec) write(w *bufio.Writer, name string) {
	for _, e := range h.v.sorted() {
		e.s.mu.Lock()
		counts, sum, count := slices.Clone(e.s.counts), e.s.sum, e.s.count
		e.s.mu.Unlock()
		var cum uint64
		for i, c := range counts {
			cum += c
			le := "+Inf"
			if i < len(h.buckets) {
				le = formatFloat(h.buckets[i])
			}
			writeSample(w, name+"_bucket", h.v.labels, e.values, "le", le, float64(cum))
		}
		writeSample(w, name+"_sum", h.v.labels, e.values, "", "", sum)
		writeSample(w, name+"_count", h.v.labels, e.values, "", "", float64(count))
	}
}

// WriteTo writes every metric in the Prometheus text format 0.0.4, metrics ordered by name and
// series by label values, so that the output is stable.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	names := make([]string, 0, len(r.metrics))
	for n := range r.metrics {
		names = append(names, n)
	}
	ms := make(map[string]metric, len(r.metrics))
	for n, m := range r.metrics {
		ms[n] = m
	}
	r.mu.Unlock()
	slices.Sort(names)
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	for _, n := range names {
		m := ms[n]
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", n, escapeHelp(m.help()), n, m.kind())
		m.write(bw, n)
	}
	err := bw.Flush()
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeSample(w *bufio.Writer, name string, labels, values []string, extraName, extraValue string, v float64) {
	w.WriteString(name)
	if len(labels) > 0 || extraName != "" {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l)
			w.WriteString(`="`)
			w.WriteString(escapeLabel(values[i]))
			w.WriteByte('"')
		}
		if extraName != "" {
			if len(labels) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(extraName)
			w.WriteString(`="`)
			w.WriteString(extraValue)
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
