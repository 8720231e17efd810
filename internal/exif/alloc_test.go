package exif

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// allocsOf returns the allocations and the bytes allocated by one call of f, averaged over runs.
// The caller must not run in parallel with other tests: the byte count is the process's.
func allocsOf(f func()) (allocs float64, bytes uint64) {
	const runs = 200
	allocs = testing.AllocsPerRun(runs, f)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return allocs, (after.TotalAlloc - before.TotalAlloc) / runs
}

// textTags are the tags of every text field of Info, in IFD0/Exif numbering.
var textTags = []uint16{0x010E, 0x010F, 0x0110, 0x0131, 0x013B, 0x013C, 0x8298, 0x9286,
	0xA420, 0xA430, 0xA431, 0xA433, 0xA434, 0xA435, 0xC62F}

// hostileKiB returns 1 KiB blocks built to make a reader allocate: text entries that all point
// at the same invalid UTF-8 (each byte of which becomes three), the largest counts, tag
// repetition, IFD loops, pseudo-random bytes.
func hostileKiB() map[string][]byte {
	const size = 1024
	pad := func(w *tw) []byte {
		b := w.bytes()
		if len(b) > size {
			panic("hostile block over 1 KiB")
		}
		return append(b, make([]byte, size-len(b))...)
	}
	out := map[string][]byte{}
	for _, o := range orders {
		// Every text tag points at the same 800 bytes of 0xC0 (each invalid, so each would
		// become a three-byte U+FFFD).
		w := newTW(o.bo)
		var es []ent
		for _, tag := range textTags {
			es = append(es, ent{tag: tag, typ: typeUndefined, count: 800}.at(size-800))
		}
		w.ifd(es, 0)
		b := pad(w)
		for i := size - 800; i < size; i++ {
			b[i] = 0xC0
		}
		out[o.name+"/shared invalid text"] = b

		// The largest counts, in every slot and more.
		w = newTW(o.bo)
		es = nil
		for i := range (size - 8 - 6) / 12 {
			tag := textTags[i%len(textTags)]
			if i >= len(textTags) {
				tag = 0x0112 + uint16(i)
			}
			es = append(es, ent{tag: tag, typ: uint16(1 + i%12), count: 0xFFFFFFFF}.at(8))
		}
		w.ifd(es, 8)
		out[o.name+"/huge counts"] = pad(w)

		// One tag repeated to fill the IFD, each pointing at its own valid text.
		w = newTW(o.bo)
		es = nil
		for range 50 {
			es = append(es, asc(0x010F, "Canon"))
		}
		w.ifd(es, 0)
		out[o.name+"/repeated tag"] = pad(w)

		// Every IFD pointer at every other IFD, and at itself.
		w = newTW(o.bo)
		w.ifd([]ent{long(0x8769, 8), long(0x8825, 8), asc(0x010F, "x")}, 8)
		out[o.name+"/loops"] = pad(w)

		// Pseudo-random bytes after a header.
		rng := rand.New(rand.NewPCG(1, uint64(len(o.name))))
		b = newTW(o.bo).bytes()
		for len(b) < size {
			b = append(b, byte(rng.Uint32()))
		}
		out[o.name+"/random"] = b
	}
	return out
}

// TestAllocationsBounded checks that a 1 KiB hostile block cannot make Read allocate more than a
// small bound: at most three times its size in text (each invalid byte becomes a three-byte
// U+FFFD, and the text budget stops values that share bytes) plus a fixed overhead for the
// times, the GPS record and one error. Not parallel: it counts the process's allocations.
func TestAllocationsBounded(t *testing.T) {
	const (
		maxAllocs = 30
		maxBytes  = 3*1024 + 1024
	)
	for name, block := range hostileKiB() {
		for _, c := range []struct {
			name string
			data []byte
		}{{"TIFF", block}, {"JPEG", jpegFile(block)}} {
			allocs, bytes := allocsOf(func() { _, _ = Read(c.data) })
			t.Logf("%s in %s: %.0f allocations, %d bytes", name, c.name, allocs, bytes)
			if allocs > maxAllocs || bytes > maxBytes {
				t.Errorf("%s in %s: %.0f allocations of %d bytes, want at most %d and %d",
					name, c.name, allocs, bytes, maxAllocs, maxBytes)
			}
		}
	}
	// A sound camera block allocates its values only: the strings, three times, the GPS record.
	block := jpegFile(cameraDoc(t).block(orders[0].bo))
	allocs, bytes := allocsOf(func() { _, _ = Read(block) })
	t.Logf("camera JPEG: %.0f allocations, %d bytes", allocs, bytes)
	if allocs > maxAllocs || bytes > maxBytes {
		t.Errorf("camera JPEG: %.0f allocations of %d bytes, want at most %d and %d", allocs, bytes, maxAllocs, maxBytes)
	}
}
