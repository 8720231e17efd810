package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/metrics"
	"testing"
	"time"
)

// hangLimit is how long one decode under fuzzLimits may take before FuzzDecode calls it a hang.
// A decode of a megapixel takes milliseconds; the margin is for the race detector.
const hangLimit = 20 * time.Second

// heapAllocated returns the bytes allocated on the heap so far by the whole process.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// allocBudget is what one Decode under fuzzLimits may allocate: the worst decoders' 24 bytes per
// pixel with a margin, plus a few copies of the input and some fixed overhead. Anything above is
// a decoder allocating more than the input justifies.
func allocBudget(inputLen int) uint64 {
	return 48*uint64(fuzzLimits.MaxPixels) + 16*uint64(inputLen) + 8<<20
}

// FuzzDecode feeds arbitrary bytes to Decode under tight limits (so that no input can make the
// fuzzer run out of memory) and checks the contract of Decode on whatever comes out (see
// checkContract), that it allocates no more than allocBudget, and that it finishes within
// hangLimit. Fuzz targets run after the package's tests, one input at a time, so the process-wide
// allocation count is this call's. The seed corpus is the small generated files of every format,
// some garbage, and inputs that once broke a budget; crashers found by fuzzing live in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.data)
	}
	for _, garbage := range [][]byte{
		nil,
		[]byte("\xff\xd8\xff"),
		[]byte("\x89PNG\r\n\x1a\n"),
		[]byte("GIF89a"),
		[]byte("RIFF\x00\x00\x00\x00WEBPVP8L"),
		[]byte("II*\x00\x08\x00\x00\x00\x00\x00"),
		[]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"),
		bytes.Repeat([]byte{0xff}, 64),
	} {
		f.Add(garbage)
	}
	f.Add(webpPartitionBomb())
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang must become a crash, which the fuzzer records, rather than a stalled worker.
		watchdog := time.AfterFunc(hangLimit, func() {
			panic(fmt.Sprintf("Decode still running after %v on %d bytes", hangLimit, len(data)))
		})
		defer watchdog.Stop()
		before := heapAllocated()
		img, info, err := Decode(data, fuzzLimits)
		if n, budget := heapAllocated()-before, allocBudget(len(data)); n > budget {
			t.Fatalf("Decode allocated %d bytes for a %d-byte input (%v), budget %d", n, len(data), err, budget)
		}
		if err := checkContract(img, info, err, fuzzLimits); err != nil {
			t.Fatal(err)
		}
		cfg, cfgErr := DecodeConfig(bytes.NewReader(data))
		if err == nil {
			if cfgErr != nil {
				t.Fatalf("Decode succeeded but DecodeConfig failed: %v", cfgErr)
			}
			if cfg.Format != info.Format || cfg.Width < info.Width || cfg.Height < info.Height ||
				(info.Format != GIF && cfg != info) {
				t.Fatalf("DecodeConfig = %v, Decode's Info = %v", cfg, info)
			}
		}
		if errors.Is(cfgErr, ErrUnknownFormat) != errors.Is(err, ErrUnknownFormat) && len(data) <= int(fuzzLimits.MaxBytes) {
			t.Fatalf("DecodeConfig error %v, Decode error %v: they disagree on the format", cfgErr, err)
		}
	})
}

// FuzzSniff checks that Sniff never panics, looks at no more than SniffLen bytes, and only
// recognises formats Decode handles.
func FuzzSniff(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.data[:SniffLen])
	}
	f.Add([]byte{})
	f.Add([]byte("BM"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := Sniff(data)
		head := data[:min(len(data), SniffLen)]
		if got2, ok2 := Sniff(head); got2 != got || ok2 != ok {
			t.Fatalf("Sniff(data) = %q, %v but Sniff(first %d bytes) = %q, %v", got, ok, SniffLen, got2, ok2)
		}
		if ok != (got != "") {
			t.Fatalf("Sniff = %q, %v", got, ok)
		}
		switch got {
		case "", JPEG, PNG, GIF, WebP, BMP, TIFF:
		default:
			t.Fatalf("Sniff returned unknown format %q", got)
		}
		if ok {
			codecFor(got) // must not panic
		}
	})
}
