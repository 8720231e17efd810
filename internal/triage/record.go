package triage

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/vics"
	"github.com/vidb-project/vidb/pdq"
)

// ErrNoDigest reports a VICS record that carries no usable MD5, SHA-1 or SHA-256.
var ErrNoDigest = errors.New("triage: record has no MD5, SHA-1 or SHA-256")

// KnownRecord maps a VICS record onto the catalog's bulk import record (a hash-only known
// file): its digests (SHA-256 from the field or an AlternativeHashes entry), size, kind (from
// the MIME type, or video when it has frame hashes), category as its (scheme, code) pair,
// series, a PDQ hash when an AlternativeHashes entry named "PDQ" carries one, and a video's
// frame hashes when its Segments carry them (SegmentFrames). A digest of the wrong length or
// not hex, bad segments, or a record without any digest, is an error: the record is refused,
// not half-imported.
// `vidb import vics` uses it, locally and on the server, so that both import the same.
func KnownRecord(m vics.Media) (catalog.HashOnlyRecord, error) {
	var rec catalog.HashOnlyRecord
	sha256 := m.SHA256
	if sha256 == "" {
		sha256 = m.AltHash("SHA256")
	}
	for _, d := range []struct {
		hex string
		dst []byte
	}{{m.MD5, rec.Digests.MD5[:]}, {m.SHA1, rec.Digests.SHA1[:]}, {sha256, rec.Digests.SHA256[:]}} {
		if d.hex == "" {
			continue
		}
		if len(d.hex) != 2*len(d.dst) {
			return rec, fmt.Errorf("digest %q has the wrong length", d.hex)
		}
		if _, err := hex.Decode(d.dst, []byte(d.hex)); err != nil {
			return rec, fmt.Errorf("digest %q: %w", d.hex, err)
		}
	}
	if rec.Digests.Empty() {
		return rec, ErrNoDigest
	}
	rec.Size = m.MediaSize
	switch mt := strings.ToLower(m.MimeType); {
	case strings.HasPrefix(mt, "image/"):
		rec.Kind = catalog.KindImage
	case strings.HasPrefix(mt, "video/"):
		rec.Kind = catalog.KindVideo
	default:
		rec.Kind = catalog.KindUnknown
	}
	scheme, code := m.Category.SchemeCode()
	rec.Category = catalog.Category{Scheme: scheme, Code: code}
	rec.Series = m.Series
	if h, err := pdq.ParseHash(m.AltHash("PDQ")); err == nil {
		rec.PDQ = &catalog.PDQ{Hash: h, Quality: catalog.MatchableQuality}
	}
	frames, err := SegmentFrames(m.Segments)
	if err != nil {
		return rec, err
	}
	rec.Frames = frames
	if len(frames) > 0 && rec.Kind == catalog.KindUnknown {
		rec.Kind = catalog.KindVideo
	}
	return rec, nil
}

// SegmentFrames returns the frame hashes that a record's Segments carry in vidb's shape (see
// vics.Segment): a segment's first frame, and its last when it spans more than one (both have
// the segment's hash), so that exporting the frames again gives the same segments. Segments in
// another tool's shape carry no hashes vidb can use, and give none; segments in vidb's shape
// with a bad value or PDQ hash are an error (the record is refused). Without frame numbers,
// frames are numbered in order from 0.
func SegmentFrames(raw json.RawMessage) ([]catalog.Frame, error) {
	segs, err := vics.ParseSegments(raw)
	if errors.Is(err, vics.ErrNotVidbSegments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	frames := make([]catalog.Frame, 0, len(segs))
	add := func(n int, t time.Duration, p catalog.PDQ) {
		if n < 0 {
			n = len(frames)
		}
		frames = append(frames, catalog.Frame{Number: n, Timestamp: t, PDQ: p})
	}
	for i, s := range segs {
		h, err := pdq.ParseHash(s.PDQ)
		if err != nil {
			return nil, fmt.Errorf("segment %d: %w", i, err)
		}
		p := catalog.PDQ{Hash: h, Quality: s.Quality, Flavour: pdq.FullRes}
		add(s.StartFrame, s.Start, p)
		switch {
		case s.EndFrame > s.StartFrame:
			add(s.EndFrame, s.End, p)
		case s.StartFrame < 0 && s.End > s.Start:
			add(-1, s.End, p)
		}
	}
	if err := catalog.ValidateFrames(frames); err != nil {
		return nil, err
	}
	return frames, nil
}

// KnownRecords returns the records of vr as hash-only known records, in file order. A record
// KnownRecord refuses is passed to refuse with its 0-based index in the file and skipped (refuse
// may be nil). An error reading the file is yielded as the sequence's error, which ends it; a
// catalog.Store's ImportHashOnly then rolls its open batch back.
func KnownRecords(vr *vics.Reader, refuse func(index int64, err error)) iter.Seq2[catalog.HashOnlyRecord, error] {
	return func(yield func(catalog.HashOnlyRecord, error) bool) {
		for m, err := range vr.Media() {
			if err != nil {
				yield(catalog.HashOnlyRecord{}, err)
				return
			}
			rec, err := KnownRecord(m)
			if err != nil {
				if refuse != nil {
					refuse(vr.Count()-1, err)
				}
				continue
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}
