package exif

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// hangLimit is how long one Read may take before a fuzz target calls it a hang. A read takes
// microseconds; the margin is for the race detector and loaded machines.
const hangLimit = 10 * time.Second

// heapAllocated returns the bytes allocated on the heap so far by the whole process.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// allocBudget is what one read of an input of n bytes may allocate: three bytes of text for each
// byte of input (an invalid byte becomes a three-byte U+FFFD; the text budget keeps values from
// sharing bytes) and a fixed overhead for the times, the GPS record and one error. The runtime
// counts small allocations a span at a time, so the overhead here is 16 KiB rather than the 1 KiB
// that TestAllocationsBounded measures exactly; what this catches is an allocation that grows
// with a count or offset the input declares rather than with its size.
func allocBudget(n int) uint64 { return 3*uint64(n) + 16<<10 }

// fuzzSeeds returns small inputs for the fuzz targets: the camera block and the field-test blocks
// in both byte orders, bare and in each container; the hostile 1 KiB blocks; the EXIF blocks of
// the shared images (in a minimal JPEG, not the whole file, to keep the seeds small); garbage.
func fuzzSeeds(tb testing.TB) (blocks, files [][]byte) {
	tb.Helper()
	for _, o := range orders {
		blocks = append(blocks, cameraDoc(tb).block(o.bo),
			doc{ifd0: []ent{asc(0x8298, "a\x00b\x00"), short(0x0112, 6)},
				exif: []ent{und(0x9286, "UNICODE\x00\xfe\xff\x00H\xd8\x3d\xde\x00"), asc(0x9003, "2021-01-01T10:00:00"), asc(0x9011, "-05:00")},
				gps:  []ent{asc(0x0001, "N"), srat(0x0002, 21, 2), asc(0x0003, "W"), rat(0x0004, 1, 0)},
			}.block(o.bo))
	}
	for _, b := range hostileKiB() {
		blocks = append(blocks, b)
	}
	for _, rel := range sharedFiles(tb) {
		if _, ok := sharedWant[rel]; !ok {
			continue
		}
		block, _, err := locate(readSharedImage(tb, rel), DefaultLimits())
		if err != nil {
			tb.Fatalf("%s: %v", rel, err)
		}
		blocks = append(blocks, block)
	}
	for _, b := range blocks {
		files = append(files, b, jpegFile(b), pngFile(b), webpFile(b))
	}
	files = append(files, nil, []byte{0xFF, 0xD8, 0xFF}, pngSignature, []byte("RIFF\x00\x00\x00\x00WEBP"),
		[]byte("II*\x00\x08\x00\x00\x00"), []byte("MM\x00*\x00\x00\x00\x08\x00\x01"), []byte(exifPrefix))
	return blocks, files
}

// FuzzRead feeds arbitrary bytes to Read and checks its contract on whatever comes out (see
// checkContract), that it allocates no more than allocBudget and finishes within hangLimit, and
// that it reads a TIFF as ReadTIFF does. Fuzz targets run after the package's tests, one input at
// a time, so the process-wide allocation count is this call's. Crashers live in
// testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	_, files := fuzzSeeds(f)
	for _, s := range files {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := timedRead(t, data, Read)
		checkContract(t, data, info, err, DefaultLimits())
		if isTIFF(data) {
			info2, err2 := ReadTIFF(data)
			if !cmp.Equal(info, info2, cmpInfo) || fmt.Sprint(err) != fmt.Sprint(err2) {
				t.Fatalf("Read and ReadTIFF differ on a TIFF: %v / %v", err, err2)
			}
		}
	})
}

// FuzzReadTIFF feeds arbitrary bytes to ReadTIFF, under the default limits and under tight ones,
// and checks the same as FuzzRead. Crashers live in testdata/fuzz/FuzzReadTIFF.
func FuzzReadTIFF(f *testing.F) {
	blocks, _ := fuzzSeeds(f)
	for _, s := range blocks {
		f.Add(s)
	}
	tight := Limits{MaxEntries: 4, MaxStringLen: 3, MaxSegments: 2}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := timedRead(t, data, ReadTIFF)
		checkContract(t, data, info, err, DefaultLimits())
		info, err = tight.ReadTIFF(data)
		checkContract(t, data, info, err, tight)
	})
}

// timedRead runs read on data, failing on a hang (by a panic, which the fuzzer records rather
// than stalling) and on an allocation over allocBudget.
func timedRead(t *testing.T, data []byte, read func([]byte) (Info, error)) (Info, error) {
	t.Helper()
	watchdog := time.AfterFunc(hangLimit, func() {
		panic(fmt.Sprintf("read still running after %v on %d bytes", hangLimit, len(data)))
	})
	defer watchdog.Stop()
	before := heapAllocated()
	info, err := read(data)
	n, budget := heapAllocated()-before, allocBudget(len(data))
	// The count is the process's, and a fuzzing worker allocates on other goroutines too. A read
	// that allocates too much does so every time: the least of three tries is its own.
	for try := 0; try < 2 && n > budget; try++ {
		before := heapAllocated()
		_, _ = read(data)
		n = min(n, heapAllocated()-before)
	}
	if n > budget {
		t.Fatalf("read allocated %d bytes for a %d-byte input (%v), budget %d", n, len(data), err, budget)
	}
	// Reading is deterministic.
	info2, err2 := read(data)
	if !cmp.Equal(info, info2, cmpInfo) || fmt.Sprint(err) != fmt.Sprint(err2) {
		t.Fatalf("two reads differ: %v / %v", err, err2)
	}
	return info, err
}

// textFields returns the name and value of each text field of i.
func textFields(i Info) [][2]string {
	return [][2]string{
		{"Make", i.Make}, {"Model", i.Model}, {"Serial", i.Serial}, {"Owner", i.Owner},
		{"LensMake", i.LensMake}, {"LensModel", i.LensModel}, {"LensSerial", i.LensSerial},
		{"Software", i.Software}, {"HostComputer", i.HostComputer}, {"Artist", i.Artist},
		{"Copyright", i.Copyright}, {"ImageDescription", i.ImageDescription},
		{"UserComment", i.UserComment}, {"ImageUniqueID", i.ImageUniqueID},
		{"MapDatum", func() string {
			if i.GPS == nil {
				return ""
			}
			return i.GPS.MapDatum
		}()},
	}
}

// checkContract checks what Read and ReadTIFF promise for any input: an error wraps exactly one
// sentinel, ErrNoExif comes with an empty Info, and every field is within its documented range.
func checkContract(t *testing.T, data []byte, info Info, err error, lim Limits) {
	t.Helper()
	if err != nil {
		noExif, corrupt := errors.Is(err, ErrNoExif), errors.Is(err, ErrCorrupt)
		if noExif == corrupt {
			t.Fatalf("error %v wraps neither or both of ErrNoExif and ErrCorrupt", err)
		}
		if noExif && !cmp.Equal(info, Info{}, cmpInfo) {
			t.Fatalf("ErrNoExif with a non-empty Info: %+v", info)
		}
	}
	for _, f := range textFields(info) {
		name, s := f[0], f[1]
		if !utf8.ValidString(s) || strings.TrimSpace(s) != s || len(s) > 3*lim.MaxStringLen {
			t.Fatalf("%s = %q: invalid UTF-8, untrimmed or over 3*%d bytes", name, s, lim.MaxStringLen)
		}
		for _, r := range s {
			if cleanRune(r) != r {
				t.Fatalf("%s = %q holds %U", name, s, r)
			}
		}
	}
	for _, tm := range []*Time{info.DateTimeOriginal, info.DateTimeDigitized, info.DateTime} {
		if tm == nil {
			continue
		}
		_, off := tm.Time.Zone()
		if y := tm.Time.Year(); y < 1 || y > 9999 || off < -14*3600 || off > 14*3600 ||
			(!tm.OffsetKnown && tm.Time.Location() != time.UTC) {
			t.Fatalf("time %+v out of range", tm)
		}
	}
	if info.Orientation < 0 || info.Orientation > 8 {
		t.Fatalf("Orientation = %d", info.Orientation)
	}
	if info.Width < 0 || info.Height < 0 || (info.Width == 0) != (info.Height == 0) {
		t.Fatalf("size %dx%d", info.Width, info.Height)
	}
	if g := info.GPS; g != nil {
		if !(math.Abs(g.Latitude) <= 90) || !(math.Abs(g.Longitude) <= 180) {
			t.Fatalf("GPS position %v, %v out of range", g.Latitude, g.Longitude)
		}
		if g.Altitude != nil && (math.IsNaN(*g.Altitude) || math.IsInf(*g.Altitude, 0)) {
			t.Fatalf("GPS altitude %v", *g.Altitude)
		}
		if g.Time != nil && (g.Time.Location() != time.UTC || g.Time.Year() < 1 || g.Time.Year() > 10000) {
			t.Fatalf("GPS time %v", g.Time)
		}
	}
	if th := info.Thumbnail; th != nil {
		if len(th) < 2 || th[0] != 0xFF || th[1] != 0xD8 || !bytes.Contains(data, th) {
			t.Fatalf("thumbnail of %d bytes is not a JPEG from the input", len(th))
		}
	}
}
