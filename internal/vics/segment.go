package vics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Segment is one stretch of a video in a Media record's Segments, in the shape vidb writes:
// a run of consecutive hashed frames that share one PDQ hash, with the times and frame numbers
// of its first and last frame.
//
// The official data model names the Segments member but its fields are not public, so this
// shape is vidb's own, written in VICS's style:
//
//	{"SegmentIndex": 0, "Start": "00:00:00.000", "End": "00:00:04.000",
//	 "StartFrame": 0, "EndFrame": 120,
//	 "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "<64 hex digits>"}], "PDQQuality": 100}
//
// Times are presentation times from the video's start, written HH:MM:SS.mmm. [ParseSegments]
// reads this shape (and times given as seconds); any other shape is left to the caller as the
// raw JSON that Media.Segments holds.
type Segment struct {
	// Index is the segment's 0-based position in the list.
	Index int
	// Start and End are the presentation times of the first and last frame.
	Start, End time.Duration
	// StartFrame and EndFrame are their 0-based frame numbers in decode order.
	StartFrame, EndFrame int
	// PDQ is the frames' PDQ hash, 64 hex digits.
	PDQ string
	// Quality is the PDQ quality, 0 to 100.
	Quality int
}

// AppendFrame adds one hashed frame, given in frame order, to segs: it extends the last
// segment when the frame has the same hash and quality, and starts a new one otherwise. Runs of
// identical frames (a still scene, a frozen stream) so become one segment each.
func AppendFrame(segs []Segment, number int, t time.Duration, pdq string, quality int) []Segment {
	if n := len(segs); n > 0 && segs[n-1].PDQ == pdq && segs[n-1].Quality == quality {
		segs[n-1].End, segs[n-1].EndFrame = t, number
		return segs
	}
	return append(segs, Segment{Index: len(segs), Start: t, End: t, StartFrame: number, EndFrame: number, PDQ: pdq, Quality: quality})
}

// segmentJSON is Segment as it is written.
type segmentJSON struct {
	SegmentIndex      int             `json:"SegmentIndex"`
	Start             json.RawMessage `json:"Start"`
	End               json.RawMessage `json:"End"`
	StartFrame        *int            `json:"StartFrame,omitempty"`
	EndFrame          *int            `json:"EndFrame,omitempty"`
	AlternativeHashes []segmentHash   `json:"AlternativeHashes"`
	PDQQuality        *int            `json:"PDQQuality,omitempty"`
}

type segmentHash struct {
	HashName  string `json:"HashName"`
	HashValue string `json:"HashValue"`
}

// ErrNotVidbSegments reports Segments that are not in the shape [Segment] describes (another
// tool's), which ParseSegments leaves alone.
var ErrNotVidbSegments = errors.New("vics: segments are not in vidb's shape")

// maxSegmentTime bounds segment times: a year, beyond any video or watched stream, and far
// from overflowing a time.Duration.
const maxSegmentTime = 365 * 24 * time.Hour

// SegmentsJSON returns segs as the JSON array a Media record's Segments holds, or nil when
// segs is empty. Each segment's Index is written as its position in segs; frame numbers are
// left out when unknown (negative).
func SegmentsJSON(segs []Segment) json.RawMessage {
	if len(segs) == 0 {
		return nil
	}
	out := make([]segmentJSON, len(segs))
	for i, s := range segs {
		q := s.Quality
		out[i] = segmentJSON{
			SegmentIndex:      i,
			Start:             json.RawMessage(strconv.Quote(formatSegmentTime(s.Start))),
			End:               json.RawMessage(strconv.Quote(formatSegmentTime(s.End))),
			AlternativeHashes: []segmentHash{{HashName: "PDQ", HashValue: s.PDQ}},
			PDQQuality:        &q,
		}
		if s.StartFrame >= 0 && s.EndFrame >= s.StartFrame { // unknown numbers are left out
			sf, ef := s.StartFrame, s.EndFrame
			out[i].StartFrame, out[i].EndFrame = &sf, &ef
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic("vics: marshalling segments: " + err.Error()) // plain strings and ints cannot fail
	}
	return b
}

// ParseSegments reads Segments written in vidb's shape: a JSON array of objects each with a
// Start time (HH:MM:SS, optional fraction, or a number of seconds) and a PDQ hash among its
// AlternativeHashes. End defaults to Start, EndFrame to StartFrame, and both frame numbers to
// -1 (unknown) without a StartFrame; the quality defaults to 100. Empty or null raw gives no segments. Segments in any other shape give
// ErrNotVidbSegments; a segment in vidb's shape with a bad value (a time that does not parse,
// a negative frame number, a quality outside 0 to 100, End before Start) gives an error
// wrapping ErrInvalid. The PDQ value is returned as written; the caller parses it.
func ParseSegments(raw json.RawMessage) ([]Segment, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var in []segmentJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotVidbSegments, err)
	}
	out := make([]Segment, 0, len(in))
	for i, s := range in {
		pdq := ""
		for _, h := range s.AlternativeHashes {
			if strings.EqualFold(h.HashName, "PDQ") {
				pdq = h.HashValue
				break
			}
		}
		if len(s.Start) == 0 || pdq == "" {
			return nil, fmt.Errorf("%w: segment %d has no Start or no PDQ hash", ErrNotVidbSegments, i)
		}
		seg := Segment{Index: s.SegmentIndex, PDQ: pdq, StartFrame: -1, EndFrame: -1, Quality: 100}
		var err error
		if seg.Start, err = parseSegmentTime(s.Start); err != nil {
			return nil, fmt.Errorf("%w: segment %d: Start: %v", ErrInvalid, i, err)
		}
		seg.End = seg.Start
		if len(s.End) > 0 && string(s.End) != "null" {
			if seg.End, err = parseSegmentTime(s.End); err != nil {
				return nil, fmt.Errorf("%w: segment %d: End: %v", ErrInvalid, i, err)
			}
		}
		if seg.End < seg.Start {
			return nil, fmt.Errorf("%w: segment %d ends before it starts", ErrInvalid, i)
		}
		if s.StartFrame != nil {
			seg.StartFrame, seg.EndFrame = *s.StartFrame, *s.StartFrame
			if s.EndFrame != nil {
				seg.EndFrame = *s.EndFrame
			}
			if seg.StartFrame < 0 || seg.EndFrame < seg.StartFrame {
				return nil, fmt.Errorf("%w: segment %d: frame numbers %d to %d", ErrInvalid, i, seg.StartFrame, seg.EndFrame)
			}
		}
		if s.PDQQuality != nil {
			seg.Quality = *s.PDQQuality
		}
		if seg.Quality < 0 || seg.Quality > 100 {
			return nil, fmt.Errorf("%w: segment %d: PDQ quality %d", ErrInvalid, i, seg.Quality)
		}
		out = append(out, seg)
	}
	return out, nil
}

// formatSegmentTime writes d as HH:MM:SS.mmm (hours may exceed 99), rounded down to the
// millisecond.
func formatSegmentTime(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}

// parseSegmentTime reads a JSON string "HH:MM:SS" with an optional fraction, or a JSON number
// of seconds.
func parseSegmentTime(raw json.RawMessage) (time.Duration, error) {
	var secs float64
	if err := json.Unmarshal(raw, &secs); err == nil {
		if math.IsNaN(secs) || secs < 0 || secs > maxSegmentTime.Seconds() {
			return 0, fmt.Errorf("%v seconds is out of range", secs)
		}
		return time.Duration(math.Round(secs * 1e9)), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want a string or a number, got %s", raw)
	}
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("%q is not HH:MM:SS", s)
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil || h < 0 || m < 0 || m > 59 || !(sec >= 0 && sec < 60) ||
		strings.ContainsAny(parts[2], "eE+-") {
		return 0, fmt.Errorf("%q is not HH:MM:SS", s)
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(math.Round(sec*1e9))
	if h > int(maxSegmentTime/time.Hour) || d > maxSegmentTime {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return d, nil
}
