package hamming

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// liveIndex returns an index with static codes, a delta and tombstones, and its reference.
func liveIndex(t testing.TB, n int) (*Index, []entry) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 77))
	codes := dataset(rng, n+40, true)
	x, err := Build(codes[:n], nil, Options{MergeAt: -1})
	if err != nil {
		t.Fatal(err)
	}
	var ref []entry
	for i, c := range codes[:n] {
		ref = append(ref, entry{uint32(i), c})
	}
	for i, c := range codes[n:] {
		x.Add(uint32(n+i), c)
		ref = append(ref, entry{uint32(n + i), c})
	}
	for _, id := range []uint32{3, 5, uint32(n + 1), 1 << 30} {
		x.Remove(id)
		ref = deleteID(ref, id)
	}
	return x, ref
}

func deleteID(ref []entry, id uint32) []entry {
	out := ref[:0]
	for _, e := range ref {
		if e.id != id {
			out = append(out, e)
		}
	}
	return out
}

func snapshotBytes(t testing.TB, x *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := x.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	return buf.Bytes()
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 500, 3000} {
		x, ref := liveIndex(t, n)
		path := filepath.Join(t.TempDir(), "index.vhix")
		if err := x.Save(path); err != nil {
			t.Fatal(err)
		}
		y, err := Load(path, Options{})
		if err != nil {
			t.Fatalf("n=%d: Load: %v", n, err)
		}
		if got, want := y.Stats(), x.Stats(); got != want {
			t.Errorf("n=%d: loaded Stats = %+v, want %+v", n, got, want)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		var codes []Code
		for _, e := range ref {
			codes = append(codes, e.code)
		}
		for _, q := range queriesFor(rng, codes, 40, 31) {
			for _, r := range []int{0, 10, 31, 64} {
				if diff := diffMatches(bruteForce(ref, q, r), y.Search(q, r)); diff != "" {
					t.Fatalf("n=%d r=%d: loaded index differs from brute force (-want +got):\n%s", n, r, diff)
				}
			}
		}
		// The loaded index stays live: merging folds the delta and tombstones in.
		y.Merge()
		if st := y.Stats(); st.Static != len(ref) || st.Delta != 0 || st.Tombstones != 0 {
			t.Errorf("n=%d: after Merge, Stats = %+v, want %d static codes", n, st, len(ref))
		}
		// Writing the loaded index again gives the same bytes.
		if n > 0 {
			if !bytes.Equal(snapshotBytes(t, x), mustRead(t, path)) {
				t.Errorf("n=%d: the saved file differs from WriteTo's bytes", n)
			}
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("n=%d: the directory holds %d files after Save, want 1 (no temporary left)", n, len(entries))
		}
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withCRC returns b with its trailing checksum recomputed.
func withCRC(b []byte) []byte {
	b = bytes.Clone(b)
	if len(b) >= 4 {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
	}
	return b
}

func TestSnapshotRefusesDamage(t *testing.T) {
	t.Parallel()
	x, _ := liveIndex(t, 2000)
	good := snapshotBytes(t, x)
	if _, err := ReadIndex(bytes.NewReader(good), int64(len(good)), Options{}); err != nil {
		t.Fatalf("the undamaged snapshot was refused: %v", err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrSnapshot},
		{"truncated header", good[:20], ErrSnapshot},
		{"truncated by one byte", good[:len(good)-1], ErrSnapshot},
		{"truncated by half", good[:len(good)/2], ErrSnapshot},
		{"extended", append(bytes.Clone(good), 0), ErrSnapshot},
		{"flipped byte in the codes", mutate(func(b []byte) []byte { b[100] ^= 0x10; return b }), ErrSnapshot},
		{"flipped byte in the middle", mutate(func(b []byte) []byte { b[len(b)/2] ^= 1; return b }), ErrSnapshot},
		{"flipped byte in the checksum", mutate(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), ErrSnapshot},
		{"wrong magic", mutate(func(b []byte) []byte { copy(b, "HRS1"); return b }), ErrSnapshot},
		{"wrong version", mutate(func(b []byte) []byte { b[4] = 2; return b }), ErrSnapshotVersion},
		{"count changed", mutate(func(b []byte) []byte { b[16]++; return b }), ErrSnapshot},
		// With a recomputed checksum, the structural checks must still refuse it.
		{"row out of range, checksum fixed", mutate(func(b []byte) []byte {
			// The last row list ends 4*(tombstones) + 36*delta + 4 bytes before the end.
			st := x.Stats()
			p := len(b) - 4 - 36*st.Delta - 4*st.Tombstones - 4
			binary.LittleEndian.PutUint32(b[p:], 1<<31)
			return withCRC(b)
		}), ErrSnapshot},
		{"code moved out of its bucket, checksum fixed", mutate(func(b []byte) []byte {
			p := snapHeaderSize + 4*x.Stats().Tables
			b[p+7] ^= 0x80 // the top bit of word 0 (little-endian): in the first code's table-0 key
			return withCRC(b)
		}), ErrSnapshot},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIndex(bytes.NewReader(tc.data), int64(len(tc.data)), Options{})
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadIndex = %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
	// A file on disk that is damaged is refused by Load too, naming the file.
	path := filepath.Join(t.TempDir(), "index.vhix")
	if err := os.WriteFile(path, good[:len(good)-7], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, Options{}); !errors.Is(err, ErrSnapshot) {
		t.Errorf("Load(truncated file) = %v, want an error wrapping ErrSnapshot", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing file) = %v, want an error wrapping os.ErrNotExist", err)
	}
}

// FuzzReadIndex feeds the loader arbitrary bytes, and the same bytes with a correct checksum so
// that the structural checks are reached. It must never panic or over-allocate, and a loaded
// index must answer searches without going out of bounds.
func FuzzReadIndex(f *testing.F) {
	for _, n := range []int{0, 1, 40} {
		x, _ := liveIndex(f, n)
		var buf bytes.Buffer
		x.WriteTo(&buf)
		f.Add(buf.Bytes())
	}
	f.Add([]byte("VHIX"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, withCRC(data)} {
			x, err := ReadIndex(bytes.NewReader(b), int64(len(b)), Options{MergeAt: -1})
			if err != nil {
				continue
			}
			for _, q := range []Code{{}, {^uint64(0), 0, ^uint64(0), 1}} {
				for _, r := range []int{0, 31, 256} {
					x.Search(q, r)
				}
			}
			x.Merge()
		}
	})
}

func TestHRS1RoundTrip(t *testing.T) {
	t.Parallel()
	res, err := NewResults([]int{0, 2, 2, 3}, []Match{{1, 0}, {7, 31}, {4, 255}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteHRS1(&buf, 31, res); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.Len(), 16+8*4+5*3; got != want {
		t.Errorf("HRS1 size = %d, want %d", got, want)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("HRS1\x03\x00\x00\x00\x1f\x00\x00\x00\x00\x00\x00\x00")) {
		t.Errorf("HRS1 header = % x", buf.Bytes()[:16])
	}
	r, got, err := ReadHRS1(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if r != 31 || got.Len() != 3 || diffMatches(res.matches, got.matches) != "" {
		t.Errorf("ReadHRS1 = %d, %+v; want 31, %+v", r, got, res)
	}
	big, _ := NewResults([]int{0, 1}, []Match{{1, 256}})
	if err := WriteHRS1(&buf, 256, big); err == nil {
		t.Error("WriteHRS1 wrote a distance of 256 into a byte")
	}
	for _, bad := range [][]byte{nil, []byte("HRS0" + string(make([]byte, 20))), buf.Bytes()[:buf.Len()-1]} {
		if _, _, err := ReadHRS1(bytes.NewReader(bad), int64(len(bad))); !errors.Is(err, ErrFormat) {
			t.Errorf("ReadHRS1(%d bytes) = %v, want ErrFormat", len(bad), err)
		}
	}
}

func FuzzReadHRS1(f *testing.F) {
	res, _ := NewResults([]int{0, 2, 2, 3}, []Match{{1, 0}, {7, 31}, {4, 255}})
	var buf bytes.Buffer
	WriteHRS1(&buf, 31, res)
	f.Add(buf.Bytes())
	f.Add([]byte("HRS1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, res, err := ReadHRS1(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for i := range res.Len() {
			res.Matches(i)
		}
	})
}

func TestRawCodes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2, 2))
	codes := dataset(rng, 100, false)
	path := filepath.Join(t.TempDir(), "db.bin")
	if err := WriteCodesFile(path, codes); err != nil {
		t.Fatal(err)
	}
	raw := mustRead(t, path)
	if b := codes[0].Bytes(); !bytes.Equal(raw[:32], b[:]) {
		t.Errorf("the first record is % x, want the hash bytes % x", raw[:32], b)
	}
	got, err := ReadCodesFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(codes) || got[99] != codes[99] {
		t.Errorf("ReadCodesFile returned %d codes, want the %d written", len(got), len(codes))
	}
	if _, err := ReadCodes(bytes.NewReader(raw[:33]), 0); !errors.Is(err, ErrFormat) {
		t.Errorf("ReadCodes(33 bytes) = %v, want ErrFormat", err)
	}
}
