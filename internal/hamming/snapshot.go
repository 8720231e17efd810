package hamming

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// The snapshot file format, version 1. Every integer is little-endian; there is no padding.
//
//	offset  type                    field
//	0       4 bytes                 magic "VHIX"
//	4       uint32                  version, 1
//	8       uint32                  m, the number of tables (0 when n is 0)
//	12      uint32                  reserved, 0
//	16      uint64                  n, the number of codes in the static tables
//	24      uint64                  t, the number of tombstones
//	32      uint64                  d, the number of delta codes
//	40      uint64                  reserved, 0
//	48      m x (uint16, uint16)    each table's first bit and width (1 to 26 bits, disjoint)
//	then    n x 4 x uint64          static codes in table-0 order, words as in Code
//	then    n x uint32              their ids
//	then    m x (2^width+1) uint32  each table's bucket offsets
//	then    (m-1) x n x uint32      the row lists of tables 1 to m-1
//	then    t x uint32              tombstoned ids, ascending
//	then    d x 4 x uint64          delta codes, in order of addition
//	then    d x uint32              their ids
//	then    uint32                  CRC-32C (Castagnoli) of every byte before it
//
// A loader checks the magic, the version, that the size matches the header, the checksum, and
// the structure (offsets ascending and ending at n, row numbers below n, codes in the buckets
// their table-0 offsets say), so that a damaged file is refused and no file can make a search
// index out of range.
const (
	snapMagic      = "VHIX"
	snapVersion    = 1
	snapHeaderSize = 48
)

var (
	// ErrSnapshot reports a file that is not an index snapshot, or a damaged one.
	ErrSnapshot = errors.New("hamming: not a valid index snapshot")
	// ErrSnapshotVersion reports a snapshot written in a format version this code cannot read.
	ErrSnapshotVersion = errors.New("hamming: unsupported index snapshot version")
)

// Save writes a snapshot of the index to path durably: to a temporary file in the same
// directory, synced, renamed over path, and the directory synced. A crash leaves either the old
// file or the new one. Searches, additions and removals may go on while it runs; the snapshot
// holds the state at its start.
func (x *Index) Save(path string) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := x.WriteTo(w)
		return err
	})
}

// WriteTo writes a snapshot of the index to w in the format described above and returns the
// number of bytes written.
func (x *Index) WriteTo(w io.Writer) (int64, error) {
	v := x.cur.Load()
	st := v.st
	sw := &snapWriter{w: w, crc: crc32.MakeTable(crc32.Castagnoli)}
	hdr := make([]byte, snapHeaderSize, snapHeaderSize+4*len(st.tabs))
	copy(hdr, snapMagic)
	binary.LittleEndian.PutUint32(hdr[4:], snapVersion)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(len(st.tabs)))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(st.len()))
	binary.LittleEndian.PutUint64(hdr[24:], uint64(len(v.dead)))
	binary.LittleEndian.PutUint64(hdr[32:], uint64(len(v.dcodes)))
	for _, t := range st.tabs {
		hdr = binary.LittleEndian.AppendUint16(hdr, uint16(t.start))
		hdr = binary.LittleEndian.AppendUint16(hdr, uint16(t.width))
	}
	sw.write(hdr)
	sw.codes(st.codes)
	sw.uint32s(st.ids)
	for _, off := range st.offs {
		sw.uint32s(off)
	}
	for _, rows := range st.rows[min(1, len(st.rows)):] {
		sw.uint32s(rows)
	}
	dead := make([]uint32, 0, len(v.dead))
	for id := range v.dead {
		dead = append(dead, id)
	}
	slices.Sort(dead)
	sw.uint32s(dead)
	sw.codes(v.dcodes)
	sw.uint32s(v.dids)
	sw.write(binary.LittleEndian.AppendUint32(nil, sw.sum))
	return sw.n, sw.err
}

// snapWriter encodes arrays into a buffer and writes them while it sums them.
type snapWriter struct {
	w   io.Writer
	crc *crc32.Table
	sum uint32
	n   int64
	buf []byte
	err error
}

func (s *snapWriter) write(b []byte) {
	if s.err != nil {
		return
	}
	s.sum = crc32.Update(s.sum, s.crc, b)
	var n int
	n, s.err = s.w.Write(b)
	s.n += int64(n)
}

const snapChunk = 1 << 16 // bytes encoded or decoded at a time

func (s *snapWriter) uint32s(a []uint32) {
	for len(a) > 0 {
		k := min(len(a), snapChunk/4)
		s.buf = s.buf[:0]
		for _, v := range a[:k] {
			s.buf = binary.LittleEndian.AppendUint32(s.buf, v)
		}
		s.write(s.buf)
		a = a[k:]
	}
}

func (s *snapWriter) codes(a []Code) {
	for len(a) > 0 {
		k := min(len(a), snapChunk/32)
		s.buf = s.buf[:0]
		for _, c := range a[:k] {
			s.buf = binary.LittleEndian.AppendUint64(s.buf, c[0])
			s.buf = binary.LittleEndian.AppendUint64(s.buf, c[1])
			s.buf = binary.LittleEndian.AppendUint64(s.buf, c[2])
			s.buf = binary.LittleEndian.AppendUint64(s.buf, c[3])
		}
		s.write(s.buf)
		a = a[k:]
	}
}

// Load reads a snapshot written by Save. opts apply to the loaded index's later merges.
func Load(path string, opts Options) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hamming: load snapshot: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("hamming: load snapshot: %w", err)
	}
	x, err := ReadIndex(bufio.NewReaderSize(f, 1<<20), fi.Size(), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

// ReadIndex reads a snapshot of exactly size bytes from r in one pass. It allocates no more
// than size justifies, and refuses, with an error wrapping ErrSnapshot or ErrSnapshotVersion,
// a damaged or foreign file.
func ReadIndex(r io.Reader, size int64, opts Options) (*Index, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, args...))
	}
	if size < snapHeaderSize+4 {
		return nil, corrupt("%d bytes is shorter than a header", size)
	}
	sr := &snapReader{r: r, crc: crc32.MakeTable(crc32.Castagnoli)}
	hdr := make([]byte, snapHeaderSize)
	sr.read(hdr)
	if sr.err != nil {
		return nil, corrupt("reading the header: %v", sr.err)
	}
	if string(hdr[:4]) != snapMagic {
		return nil, corrupt("bad magic %q", hdr[:4])
	}
	if v := binary.LittleEndian.Uint32(hdr[4:]); v != snapVersion {
		return nil, fmt.Errorf("%w: version %d (this vidb reads version %d)", ErrSnapshotVersion, v, snapVersion)
	}
	m := uint64(binary.LittleEndian.Uint32(hdr[8:]))
	n := binary.LittleEndian.Uint64(hdr[16:])
	nDead := binary.LittleEndian.Uint64(hdr[24:])
	nDelta := binary.LittleEndian.Uint64(hdr[32:])
	switch {
	case binary.LittleEndian.Uint32(hdr[12:]) != 0 || binary.LittleEndian.Uint64(hdr[40:]) != 0:
		return nil, corrupt("reserved header fields are not zero")
	case n > math.MaxUint32 || nDead > math.MaxUint32 || nDelta > math.MaxUint32:
		return nil, corrupt("counts out of range (n=%d, tombstones=%d, delta=%d)", n, nDead, nDelta)
	case m > maxTables || (m == 0) != (n == 0):
		return nil, corrupt("%d tables for %d codes", m, n)
	}
	tdesc := make([]byte, 4*m)
	sr.read(tdesc)
	if sr.err != nil {
		return nil, corrupt("reading the table layout: %v", sr.err)
	}
	tabs := make([]table, m)
	var used Code
	want := uint64(snapHeaderSize) + 4*m + n*36 + nDead*4 + nDelta*36 + 4
	if m > 0 {
		want += (m - 1) * n * 4
	}
	for j := range tabs {
		start := int(binary.LittleEndian.Uint16(tdesc[4*j:]))
		width := int(binary.LittleEndian.Uint16(tdesc[4*j+2:]))
		if width < 1 || width > maxTableBits || start+width > Bits {
			return nil, corrupt("table %d covers bits %d to %d", j, start, start+width-1)
		}
		tabs[j] = newTable(start, width)
		t := &tabs[j]
		if used[t.w1]&t.m1 != 0 || used[t.w2]&t.m2 != 0 {
			return nil, corrupt("table %d overlaps another", j)
		}
		used[t.w1] |= t.m1
		used[t.w2] |= t.m2
		want += 4 * (1<<width + 1)
	}
	if uint64(size) != want {
		return nil, corrupt("size %d bytes, the header implies %d (truncated or extended)", size, want)
	}

	st := emptyStatic
	if n > 0 {
		st = &static{tabs: tabs, codes: makeLarge[Code](int(n)), ids: makeLarge[uint32](int(n)),
			offs: make([][]uint32, m), rows: make([][]uint32, m)}
		sr.codes(st.codes)
		sr.uint32s(st.ids)
		for j := range tabs {
			st.offs[j] = makeLarge[uint32](1<<tabs[j].width + 1)
			sr.uint32s(st.offs[j])
		}
		for j := 1; j < len(tabs); j++ {
			st.rows[j] = makeLarge[uint32](int(n) + rowsPad)[:n]
			sr.uint32s(st.rows[j])
		}
	}
	deadIDs := make([]uint32, nDead)
	sr.uint32s(deadIDs)
	v := &view{st: st, dcodes: make([]Code, nDelta), dids: make([]uint32, nDelta), dseq: make([]uint64, nDelta)}
	sr.codes(v.dcodes)
	sr.uint32s(v.dids)
	sum := sr.sum
	trailer := make([]byte, 4)
	sr.read(trailer)
	if sr.err != nil {
		return nil, corrupt("reading: %v", sr.err)
	}
	if got := binary.LittleEndian.Uint32(trailer); got != sum {
		return nil, corrupt("checksum %08x, the contents sum to %08x (the file is damaged)", got, sum)
	}

	if n > 0 {
		if err := st.validate(); err != nil {
			return nil, corrupt("%v", err)
		}
		st.scanFrom = crossover(st.tabs, len(st.codes))
		st.collapseTables()
	}
	if nDead > 0 {
		v.dead = make(map[uint32]uint64, nDead)
		for _, id := range deadIDs {
			v.dead[id] = 0
		}
	}
	x := New(opts)
	x.cur.Store(v)
	return x, nil
}

// validate checks what a search relies on to stay in bounds, and table 0's order.
func (st *static) validate() error {
	n := uint32(len(st.codes))
	for j := range st.tabs {
		off := st.offs[j]
		if off[0] != 0 || off[len(off)-1] != n {
			return fmt.Errorf("table %d: offsets run from %d to %d, want 0 to %d", j, off[0], off[len(off)-1], n)
		}
		for k := 1; k < len(off); k++ {
			if off[k] < off[k-1] {
				return fmt.Errorf("table %d: offsets descend at bucket %d", j, k)
			}
		}
		for _, row := range st.rows[j] {
			if row >= n {
				return fmt.Errorf("table %d: row %d out of range", j, row)
			}
		}
	}
	t0, off0 := &st.tabs[0], st.offs[0]
	for k := range len(off0) - 1 {
		for i := off0[k]; i < off0[k+1]; i++ {
			if t0.key(&st.codes[i]) != uint32(k) {
				return fmt.Errorf("code %d is not in its table-0 bucket", i)
			}
		}
	}
	return nil
}

// snapReader decodes arrays while it sums them; the first error sticks.
type snapReader struct {
	r   io.Reader
	crc *crc32.Table
	sum uint32
	buf []byte
	err error
}

func (s *snapReader) read(b []byte) {
	if s.err != nil {
		return
	}
	if _, s.err = io.ReadFull(s.r, b); s.err == nil {
		s.sum = crc32.Update(s.sum, s.crc, b)
	}
}

func (s *snapReader) chunk(n int) []byte {
	if cap(s.buf) < n {
		s.buf = make([]byte, snapChunk)
	}
	b := s.buf[:n]
	s.read(b)
	return b
}

func (s *snapReader) uint32s(a []uint32) {
	for len(a) > 0 && s.err == nil {
		k := min(len(a), snapChunk/4)
		b := s.chunk(4 * k)
		for i := range a[:k] {
			a[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		a = a[k:]
	}
}

func (s *snapReader) codes(a []Code) {
	for len(a) > 0 && s.err == nil {
		k := min(len(a), snapChunk/32)
		b := s.chunk(32 * k)
		for i := range a[:k] {
			p := b[32*i:]
			a[i] = Code{binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:]),
				binary.LittleEndian.Uint64(p[16:]), binary.LittleEndian.Uint64(p[24:])}
		}
		a = a[k:]
	}
}

// writeFileAtomic writes path durably through write: a temporary file in the same directory,
// fsync, rename over path, fsync of the directory.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("hamming: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("hamming: write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
