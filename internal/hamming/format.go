package hamming

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// The benchmark data formats of spec section 7, shared with the benchmark kept outside the
// project: raw code files and HRS1 result sets. All integers are little-endian.
//
// A raw code file (db.bin, queries.bin) is a sequence of 32-byte codes with no header; byte i
// of a code is byte i of the hash as printed in hex. Row r of a database file is id r.
//
// An HRS1 result set:
//
//	offset  type            field
//	0       4 bytes         magic "HRS1"
//	4       uint32          nq, the number of queries
//	8       int32           radius (inclusive; -1 for k-NN)
//	12      uint32          reserved, 0
//	16      uint64[nq+1]    lims: the matches of query q are entries lims[q] to lims[q+1]-1
//	then    uint32[total]   ids, ascending within each query
//	then    uint8[total]    distances

// ErrFormat reports a malformed raw code file or HRS1 result set.
var ErrFormat = errors.New("hamming: malformed file")

const hrs1Magic = "HRS1"

// ReadCodes reads raw 32-byte codes from r until EOF; size, if positive, is the expected
// number of bytes and sizes the slice up front.
func ReadCodes(r io.Reader, size int64) ([]Code, error) {
	if size > 0 && size%32 != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of 32-byte codes", ErrFormat, size)
	}
	var codes []Code
	if size > 0 {
		codes = make([]Code, 0, size/32)
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var b [32]byte
	for {
		_, err := io.ReadFull(br, b[:])
		if err == io.EOF {
			return codes, nil
		}
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: a partial code at the end (%d codes read)", ErrFormat, len(codes))
		}
		if err != nil {
			return nil, err
		}
		codes = append(codes, CodeFromBytes(b))
	}
}

// ReadCodesFile reads a raw code file.
func ReadCodesFile(path string) ([]Code, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	codes, err := ReadCodes(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return codes, nil
}

// WriteCodes writes codes as raw 32-byte records.
func WriteCodes(w io.Writer, codes []Code) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for _, c := range codes {
		b := c.Bytes()
		if _, err := bw.Write(b[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteCodesFile writes a raw code file durably (temporary file, fsync, rename).
func WriteCodesFile(path string, codes []Code) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteCodes(w, codes) })
}

// NewResults returns results for len(lims)-1 queries, where the matches of query i are
// matches[lims[i]:lims[i+1]]. It checks that lims ascends from 0 to len(matches).
func NewResults(lims []int, matches []Match) (*Results, error) {
	if len(lims) == 0 || lims[0] != 0 || lims[len(lims)-1] != len(matches) {
		return nil, fmt.Errorf("hamming: results: limits do not run from 0 to %d", len(matches))
	}
	for i := 1; i < len(lims); i++ {
		if lims[i] < lims[i-1] {
			return nil, fmt.Errorf("hamming: results: limits descend at query %d", i)
		}
	}
	return &Results{lims: lims, matches: matches}, nil
}

// WriteHRS1 writes res as an HRS1 result set for the given radius. HRS1 stores distances in a
// byte, so a distance of 256 (only possible at radius 256) cannot be written.
func WriteHRS1(w io.Writer, radius int, res *Results) error {
	if radius < -1 || radius > math.MaxInt32 {
		return fmt.Errorf("hamming: HRS1: radius %d out of range", radius)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	hdr := make([]byte, 16)
	copy(hdr, hrs1Magic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(res.Len()))
	binary.LittleEndian.PutUint32(hdr[8:], uint32(int32(radius)))
	bw.Write(hdr)
	var b [8]byte
	for _, l := range res.lims {
		binary.LittleEndian.PutUint64(b[:], uint64(l))
		bw.Write(b[:])
	}
	for _, m := range res.matches {
		binary.LittleEndian.PutUint32(b[:], m.ID)
		bw.Write(b[:4])
	}
	for _, m := range res.matches {
		if m.Distance > math.MaxUint8 {
			return fmt.Errorf("hamming: HRS1: distance %d does not fit in a byte", m.Distance)
		}
		bw.WriteByte(byte(m.Distance))
	}
	return bw.Flush()
}

// WriteHRS1File writes an HRS1 result set durably (temporary file, fsync, rename).
func WriteHRS1File(path string, radius int, res *Results) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteHRS1(w, radius, res) })
}

// ReadHRS1 reads an HRS1 result set of exactly size bytes and returns its radius and results.
// It allocates no more than size justifies.
func ReadHRS1(r io.Reader, size int64) (radius int, res *Results, err error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: HRS1: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	if size < 24 {
		return 0, nil, bad("%d bytes is shorter than a header", size)
	}
	br := bufio.NewReaderSize(r, 1<<20)
	hdr := make([]byte, 16)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return 0, nil, bad("reading the header: %v", err)
	}
	if string(hdr[:4]) != hrs1Magic {
		return 0, nil, bad("bad magic %q", hdr[:4])
	}
	nq := uint64(binary.LittleEndian.Uint32(hdr[4:]))
	radius = int(int32(binary.LittleEndian.Uint32(hdr[8:])))
	if binary.LittleEndian.Uint32(hdr[12:]) != 0 {
		return 0, nil, bad("reserved field is not zero")
	}
	if 16+8*(nq+1) > uint64(size) {
		return 0, nil, bad("%d queries do not fit in %d bytes", nq, size)
	}
	rest := uint64(size) - 16 - 8*(nq+1)
	if rest%5 != 0 {
		return 0, nil, bad("%d bytes of matches is not a multiple of 5", rest)
	}
	total := rest / 5
	lims := make([]int, nq+1)
	var b [8]byte
	for i := range lims {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return 0, nil, bad("reading limits: %v", err)
		}
		l := binary.LittleEndian.Uint64(b[:])
		if l > total || (i > 0 && l < uint64(lims[i-1])) || (i == 0 && l != 0) {
			return 0, nil, bad("limit %d of query %d is out of order", l, i)
		}
		lims[i] = int(l)
	}
	if uint64(lims[nq]) != total {
		return 0, nil, bad("limits end at %d, the file holds %d matches", lims[nq], total)
	}
	matches := make([]Match, total)
	for i := range matches {
		if _, err := io.ReadFull(br, b[:4]); err != nil {
			return 0, nil, bad("reading ids: %v", err)
		}
		matches[i].ID = binary.LittleEndian.Uint32(b[:])
	}
	for i := range matches {
		d, err := br.ReadByte()
		if err != nil {
			return 0, nil, bad("reading distances: %v", err)
		}
		matches[i].Distance = uint16(d)
	}
	return radius, &Results{lims: lims, matches: matches}, nil
}

// ReadHRS1File reads an HRS1 result set from a file.
func ReadHRS1File(path string) (radius int, res *Results, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	radius, res, err = ReadHRS1(f, fi.Size())
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	return radius, res, nil
}
