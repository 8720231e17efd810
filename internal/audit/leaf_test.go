package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// at returns a fixed time plus d, for test events.
func at(d time.Duration) time.Time {
	return time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC).Add(d)
}

// goldenEvents are the events whose leaves testdata/leaf.golden records.
var goldenEvents = []struct {
	name string
	e    Event
}{
	{"minimal", Event{Seq: 0, Time: at(0), Actor: "system", Action: "vidb.init"}},
	{"typical", Event{Seq: 41, Time: at(250 * time.Microsecond), Actor: "alice", ActorID: 7, Country: "NL",
		Action: "media.reveal", Object: "media/42", Details: map[string]string{"reason": "review", "case": "NL-2026-17"}}},
	{"local time", Event{Seq: 1 << 40, Time: time.Date(2026, 3, 1, 10, 30, 0, 123456000, time.FixedZone("CET", 3600)),
		Actor: "bob", ActorID: 1 << 50, Country: "DE", Action: "user.login", Object: "user/9"}},
	{"escapes", Event{Seq: 3, Time: at(time.Second), Actor: "o'\"\\brien", ActorID: -1, Action: "clue.add",
		Object: "clue/1", Details: map[string]string{"text": "line 1\nline 2\ttab\r\x01\x1f<&>\u2028", "é": "ü€😀"}}},
	{"invalid utf-8 (tampered row)", Event{Seq: 4, Time: at(0), Actor: "a\xffb\xc3", Action: "x",
		Details: map[string]string{"\xfe": "\xed\xa0\x80"}}},
}

// TestLeafGolden guards the leaf encoding: it is a stable on-disk format.
func TestLeafGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	for _, g := range goldenEvents {
		fmt.Fprintf(&b, "# %s\n%s\n%v\n", g.name, Leaf(g.e), LeafHash(g.e))
	}
	path := filepath.Join("testdata", "leaf.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("leaf encoding changed (-golden +got): it is an on-disk format; a change breaks every existing log\n%s", diff)
	}
}

// leafJSON is Leaf's JSON, decoded.
type leafJSON struct {
	V       int               `json:"v"`
	Seq     int64             `json:"seq"`
	Time    string            `json:"time"`
	Actor   string            `json:"actor"`
	ActorID int64             `json:"actor_id"`
	Country string            `json:"country"`
	Action  string            `json:"action"`
	Object  string            `json:"object"`
	Details map[string]string `json:"details"`
}

// checkLeafRoundTrip checks that Leaf(e) is JSON that decodes to e's fields.
func checkLeafRoundTrip(t *testing.T, e Event) {
	t.Helper()
	leaf := Leaf(e)
	if !json.Valid(leaf) {
		t.Fatalf("Leaf(%+v) = %s, not valid JSON", e, leaf)
	}
	var got leafJSON
	dec := json.NewDecoder(bytes.NewReader(leaf))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decoding Leaf(%+v) = %s: %v", e, leaf, err)
	}
	want := leafJSON{V: 1, Seq: e.Seq, Time: e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"), Actor: e.Actor,
		ActorID: e.ActorID, Country: e.Country, Action: e.Action, Object: e.Object, Details: e.Details}
	if want.Details == nil {
		want.Details = map[string]string{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Leaf(%+v) = %s decodes differently (-want +got):\n%s", e, leaf, diff)
	}
	if parsed, err := time.Parse(time.RFC3339Nano, got.Time); err != nil || !parsed.Equal(e.Time.Truncate(time.Microsecond)) {
		t.Errorf("Leaf time %q parses to %v, %v; want %v", got.Time, parsed, err, e.Time)
	}
}

func TestLeafIsJSON(t *testing.T) {
	t.Parallel()
	for _, g := range goldenEvents[:4] {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			checkLeafRoundTrip(t, g.e)
		})
	}
}

func TestLeafDistinguishes(t *testing.T) {
	t.Parallel()
	base := goldenEvents[1].e
	variants := map[string]func(e *Event){
		"seq":               func(e *Event) { e.Seq++ },
		"time +1µs":         func(e *Event) { e.Time = e.Time.Add(time.Microsecond) },
		"actor":             func(e *Event) { e.Actor = "alicf" },
		"actor id":          func(e *Event) { e.ActorID = 8 },
		"country":           func(e *Event) { e.Country = "BE" },
		"action":            func(e *Event) { e.Action = "media.view" },
		"object":            func(e *Event) { e.Object = "media/43" },
		"detail value":      func(e *Event) { e.Details = map[string]string{"reason": "reviex", "case": "NL-2026-17"} },
		"detail key":        func(e *Event) { e.Details = map[string]string{"reasom": "review", "case": "NL-2026-17"} },
		"detail removed":    func(e *Event) { e.Details = map[string]string{"case": "NL-2026-17"} },
		"detail added":      func(e *Event) { e.Details = map[string]string{"reason": "review", "case": "NL-2026-17", "x": ""} },
		"fields shifted":    func(e *Event) { e.Actor, e.Country = "aliceNL", "" },
		"invalid vs U+FFFD": func(e *Event) { e.Object = "media/\ufffd" },
		"invalid byte":      func(e *Event) { e.Object = "media/\xff" },
		"invalid byte 2":    func(e *Event) { e.Object = "media/\xfe" },
		"escaped-looking":   func(e *Event) { e.Object = `media/\udcff` },
	}
	seen := map[string]string{string(Leaf(base)): "base"}
	for name, change := range variants {
		e := base
		change(&e)
		leaf := string(Leaf(e))
		if other, ok := seen[leaf]; ok {
			t.Errorf("%s and %s have the same leaf %s", name, other, leaf)
		}
		seen[leaf] = name
	}
	// The same instant in another location, and the same map built otherwise, are the same leaf.
	same := base
	same.Time = base.Time.In(time.FixedZone("X", -7*3600))
	same.Details = map[string]string{}
	for k, v := range base.Details {
		same.Details[k] = v
	}
	if got, want := string(Leaf(same)), string(Leaf(base)); got != want {
		t.Errorf("Leaf of the same event in another zone = %s, want %s", got, want)
	}
	nilDetails, emptyDetails := base, base
	nilDetails.Details, emptyDetails.Details = nil, map[string]string{}
	if got, want := LeafHash(nilDetails), LeafHash(emptyDetails); got != want {
		t.Errorf("LeafHash with nil details = %v, with empty = %v; want them equal", got, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := goldenEvents[1].e
	tests := []struct {
		name   string
		change func(e *Event)
		want   string // in the error; "" for no error
	}{
		{"good", func(e *Event) {}, ""},
		{"negative seq", func(e *Event) { e.Seq = -1 }, "negative"},
		{"zero time", func(e *Event) { e.Time = time.Time{} }, "no time"},
		{"nanoseconds", func(e *Event) { e.Time = e.Time.Add(1) }, "finer than a microsecond"},
		{"year 10000", func(e *Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "outside the years"},
		{"no actor", func(e *Event) { e.Actor = "" }, "no actor"},
		{"no action", func(e *Event) { e.Action = "" }, "no action"},
		{"invalid utf-8", func(e *Event) { e.Object = "media/\xff" }, "object is not valid UTF-8"},
		{"NUL", func(e *Event) { e.Country = "N\x00" }, "country contains a NUL"},
		{"empty detail key", func(e *Event) { e.Details = map[string]string{"": "x"} }, "empty key"},
		{"bad detail value", func(e *Event) { e.Details = map[string]string{"k": "\xff"} }, `detail "k" is not valid UTF-8`},
		{"bad detail key", func(e *Event) { e.Details = map[string]string{"\x00": "v"} }, "contains a NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := good
			tt.change(&e)
			err := e.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want ErrInvalidEvent mentioning %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("event %d", e.Seq)) {
				t.Errorf("Validate() = %v, want it to name event %d", err, e.Seq)
			}
		})
	}
}

// FuzzLeaf checks that Leaf is deterministic, always valid JSON, and decodes back to the event
// when its strings are valid UTF-8; and that different events have different leaves.
func FuzzLeaf(f *testing.F) {
	f.Add(int64(0), int64(0), "system", int64(0), "", "vidb.init", "", "", "", "k", "v")
	f.Add(int64(41), int64(1772357400000250), "alice", int64(7), "NL", "media.reveal", "media/42", "reason", "review", "case", "x")
	f.Add(int64(3), int64(-62135596800000000), "o\"'\\", int64(-1), "\n", "\x01", "\u2028", "\xff", "\ufffd", "é", "\x00")
	f.Fuzz(func(t *testing.T, seq, micros int64, actor string, actorID int64, country, action, object, k1, v1, k2, v2 string) {
		e := Event{Seq: seq, Time: time.UnixMicro(micros), Actor: actor, ActorID: actorID, Country: country,
			Action: action, Object: object, Details: map[string]string{k1: v1, k2: v2}}
		a, b := Leaf(e), Leaf(e)
		if !bytes.Equal(a, b) {
			t.Fatalf("Leaf is not deterministic: %s then %s", a, b)
		}
		if !json.Valid(a) {
			t.Fatalf("Leaf(%+v) = %s, not valid JSON", e, a)
		}
		y := e.Time.UTC().Year()
		valid := y >= 0 && y <= 9999
		for _, s := range []string{actor, country, action, object, k1, v1, k2, v2} {
			valid = valid && checkText(s) == ""
		}
		if valid {
			checkLeafRoundTrip(t, e)
		}
		// Changing any one field changes the leaf.
		other := e
		other.Details = map[string]string{k1: v1 + "x", k2: v2}
		if k1 == k2 {
			other.Details = map[string]string{k1: v2 + "x"}
		}
		if bytes.Equal(Leaf(other), a) {
			t.Errorf("events with details %q and %q have the same leaf %s", e.Details, other.Details, a)
		}
		other = e
		other.Actor += "\xff"
		if bytes.Equal(Leaf(other), a) {
			t.Errorf("actors %q and %q have the same leaf %s", e.Actor, other.Actor, a)
		}
	})
}
