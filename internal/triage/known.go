package triage

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/hamming"
	"github.com/vidb-project/vidb/internal/vics"
	"github.com/vidb-project/vidb/pdq"
)

// HashSet is a Matcher over VICS hash sets held in memory: each digest is a fixed-size map
// key pointing at a compact record (an index into tables of the distinct categories and series
// names), and PDQ hashes, when the set carries them (an AlternativeHashes entry named "PDQ",
// and the frame hashes of videos' Segments), are in a hamming.Index. A 2-million-record set
// takes about 120 bytes a record, plus an index entry for each frame hash of a video.
type HashSet struct {
	name   string
	radius int
	md5    map[[16]byte]uint32
	sha1   map[[20]byte]uint32
	sha256 map[[32]byte]uint32
	recs   []setRecord
	cats   []Category
	series []string
	pdq    *hamming.Index
	pdqRec []uint32 // index id -> record
	catIdx map[Category]uint16
	serIdx map[string]uint32
}

type setRecord struct {
	cat    uint16 // 0: none; else cats[cat-1]
	video  bool   // its PDQ hashes are a video's frames
	series uint32 // 0: none; else series[series-1]
}

// LoadReport says what loading a hash set read.
type LoadReport struct {
	Records int64 // records read
	Skipped int64 // records without a usable digest
}

// NewHashSet returns an empty hash set named name (reported as the Source "known:NAME" of
// its matches), whose near matches are within radius (0 means DefaultRadius).
func NewHashSet(name string, radius int) *HashSet {
	if radius <= 0 {
		radius = DefaultRadius
	}
	return &HashSet{
		name: name, radius: radius,
		md5: map[[16]byte]uint32{}, sha1: map[[20]byte]uint32{}, sha256: map[[32]byte]uint32{},
		catIdx: map[Category]uint16{}, serIdx: map[string]uint32{},
		pdq: hamming.New(hamming.Options{}),
	}
}

// Len returns the number of records held.
func (s *HashSet) Len() int { return len(s.recs) }

// Load reads a VICS file (hash set or case export) into the set. On error, the records read
// before it stay loaded.
func (s *HashSet) Load(ctx context.Context, r io.Reader) (LoadReport, error) {
	var rep LoadReport
	vr, err := vics.NewReader(r)
	if err != nil {
		return rep, err
	}
	for {
		if rep.Records%4096 == 0 && ctx.Err() != nil {
			return rep, ctx.Err()
		}
		m, err := vr.Next()
		if err == io.EOF {
			return rep, nil
		}
		if err != nil {
			return rep, err
		}
		rep.Records++
		if !s.add(&m) {
			rep.Skipped++
		}
	}
}

// add adds one record; it reports false when the record has no digest.
func (s *HashSet) add(m *vics.Media) bool {
	sha256 := m.SHA256
	if sha256 == "" {
		sha256 = m.AltHash("SHA256")
	}
	var d16 [16]byte
	var d20 [20]byte
	var d32 [32]byte
	ok16 := decodeHex(d16[:], m.MD5)
	ok20 := decodeHex(d20[:], m.SHA1)
	ok32 := decodeHex(d32[:], sha256)
	if !ok16 && !ok20 && !ok32 {
		return false
	}
	rec := setRecord{}
	if scheme, code := m.Category.SchemeCode(); scheme != "" {
		c := Category{Scheme: scheme, Code: code}
		i, ok := s.catIdx[c]
		if !ok && len(s.cats) < 65535 {
			s.cats = append(s.cats, c)
			i = uint16(len(s.cats))
			s.catIdx[c] = i
		}
		rec.cat = i
	}
	if m.Series != "" {
		i, ok := s.serIdx[m.Series]
		if !ok {
			s.series = append(s.series, m.Series)
			i = uint32(len(s.series))
			s.serIdx[m.Series] = i
		}
		rec.series = i
	}
	id := uint32(len(s.recs))
	s.recs = append(s.recs, rec)
	if ok16 {
		if _, dup := s.md5[d16]; !dup {
			s.md5[d16] = id
		}
	}
	if ok20 {
		if _, dup := s.sha1[d20]; !dup {
			s.sha1[d20] = id
		}
	}
	if ok32 {
		if _, dup := s.sha256[d32]; !dup {
			s.sha256[d32] = id
		}
	}
	if h, err := pdq.ParseHash(m.AltHash("PDQ")); err == nil {
		s.addPDQ(h, id)
	}
	// A video's frame hashes, when its Segments carry them in vidb's shape; segments that are
	// not are ignored here as the importer ignores them. Featureless frames are not matched.
	if frames, err := SegmentFrames(m.Segments); err == nil && len(frames) > 0 {
		s.recs[id].video = true
		for _, f := range frames {
			if f.PDQ.Quality >= catalog.MatchableQuality {
				s.addPDQ(f.PDQ.Hash, id)
			}
		}
	}
	return true
}

// addPDQ indexes one PDQ hash of record id.
func (s *HashSet) addPDQ(h pdq.Hash, id uint32) {
	s.pdq.Add(uint32(len(s.pdqRec)), hamming.CodeFromBytes(h))
	s.pdqRec = append(s.pdqRec, id)
}

func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	_, err := hex.Decode(dst, []byte(s))
	return err == nil
}

func (s *HashSet) match(kind string, id uint32, dist int) Match {
	m := Match{Source: "known:" + s.name, Kind: kind, Distance: dist}
	rec := s.recs[id]
	if rec.cat > 0 {
		c := s.cats[rec.cat-1]
		m.Category = &c
	}
	if rec.series > 0 {
		m.Series = s.series[rec.series-1]
	}
	return m
}

// Match implements Matcher.
func (s *HashSet) Match(ctx context.Context, qs []Query) ([][]Match, error) {
	out := make([][]Match, len(qs))
	for i, q := range qs {
		id, ok := s.sha256[q.Digests.SHA256]
		if !ok || !q.Digests.HasSHA256() {
			id, ok = s.sha1[q.Digests.SHA1]
			ok = ok && q.Digests.HasSHA1()
		}
		if !ok {
			id, ok = s.md5[q.Digests.MD5]
			ok = ok && q.Digests.HasMD5()
		}
		if ok {
			out[i] = []Match{s.match(MatchExact, id, 0)}
			continue
		}
		out[i] = nearest(s.pdq, q.PDQ, s.radius, func(row uint32) (uint32, bool) { return s.pdqRec[row], true }, func(rec uint32, d int) Match {
			if s.recs[rec].video {
				return s.match(MatchVideo, rec, d)
			}
			return s.match(MatchNear, rec, d)
		})
	}
	return out, ctx.Err()
}

// nearest searches the index with every hash of a query and returns one match per record,
// at its smallest distance, ordered by distance then record. key maps an index row to the
// record it belongs to.
func nearest(x *hamming.Index, hashes []pdq.Hash, radius int, key func(uint32) (uint32, bool), mk func(rec uint32, dist int) Match) []Match {
	best := map[uint32]int{}
	var order []uint32
	for _, h := range hashes {
		for _, m := range x.Search(hamming.CodeFromBytes(h), radius) {
			rec, ok := key(m.ID)
			if !ok {
				continue
			}
			d, seen := best[rec]
			if !seen {
				order = append(order, rec)
			}
			if !seen || int(m.Distance) < d {
				best[rec] = int(m.Distance)
			}
		}
	}
	if len(order) == 0 {
		return nil
	}
	out := make([]Match, 0, len(order))
	for _, rec := range order {
		out = append(out, mk(rec, best[rec]))
	}
	sortMatches(out)
	return out
}

func sortMatches(ms []Match) {
	// insertion sort: match lists are short
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && less(ms[j], ms[j-1]); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

func less(a, b Match) bool {
	if a.Distance != b.Distance {
		return a.Distance < b.Distance
	}
	return a.Media < b.Media
}

var _ Matcher = (*HashSet)(nil)

// String names the set.
func (s *HashSet) String() string {
	return fmt.Sprintf("hash set %s (%d records)", s.name, len(s.recs))
}
