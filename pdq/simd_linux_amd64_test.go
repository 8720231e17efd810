//go:build !purego

package pdq

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestAVX2Detected checks the CPUID/XGETBV detection against the kernel's view of the CPU, so
// that a machine with AVX2 (every CI machine) really runs the assembly in the other tests.
func TestAVX2Detected(t *testing.T) {
	t.Parallel()
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	want := false
	for line := range strings.Lines(string(info)) {
		if name, flags, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			want = strings.Contains(flags+" ", " avx2 ")
			break
		}
	}
	if useAVX2 != want {
		t.Errorf("useAVX2 = %v, want %v (the avx2 flag of /proc/cpuinfo)", useAVX2, want)
	}
}

// guarded returns a page-aligned region of pages usable pages between two inaccessible ones,
// so that a kernel reading or writing one byte outside the slices it is given faults.
func guarded(t *testing.T, pages int) []byte {
	t.Helper()
	ps := os.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, (pages+2)*ps, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	body := mem[ps : (pages+1)*ps]
	if err := syscall.Mprotect(body, syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatal(err)
	}
	return body
}

// atStart and atEnd place n bytes at the start or the end of a guarded region.
func atStart(body []byte, n int) []byte { return body[:n:n] }
func atEnd(body []byte, n int) []byte   { return body[len(body)-n:] }

func floats(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// TestKernelsStayInBounds runs the AVX2 kernels with every argument slice flush against an
// inaccessible page on either side: an access outside a slice crashes the test. (Without AVX2
// it checks the Go fallbacks, which Go's bounds checks guard anyway.)
func TestKernelsStayInBounds(t *testing.T) {
	t.Parallel()
	// Room for blockRows rows of 1000 floats, and boxScratch(1000).
	pages := 4*max(blockRows*1000, boxScratch(1000))/os.Getpagesize() + 1
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 63, 999, 1000} {
		for _, place := range []func([]byte, int) []byte{atStart, atEnd} {
			region := func(size int) []byte { return place(guarded(t, pages), size) }
			dst := floats(region(4 * n))
			rgb24Luma(dst, region(3*n))
			rgb32Luma(dst, region(4*n))
			greyLuma(dst, region(n))

			sum, add, sub, out := floats(region(4*n)), floats(region(4*n)), floats(region(4*n)), floats(region(4*n))
			colAddFast(sum, add)
			colAddOutFast(sum, add, out, 3)
			colAddSubOutFast(sum, add, sub, out, 3)
			colSubOutFast(sum, sub, out, 3)

			if n == 0 {
				continue
			}
			size := blockRows * n
			rows, dst := floats(region(4*size)), floats(region(4*size))
			transposeIn(floats(region(4*size)), rows, n, 0, n)
			transposeOut(dst, floats(region(4*size)), n, 0, n)
			rgb := region(blockRows * 3 * n)
			(&byteSource{pix: rgb, stride: 3 * n, bpp: 3, r: 0, g: 1, b: 2}).rgb24Block(floats(region(4*size)), 0, 0, n)
			var xs [64]int
			for j := range xs {
				xs[j] = samplePoint(j, n)
			}
			var samp [64][blockRows]float32
			for _, w := range []int{1, min(n, 2), min(n, 9), n} {
				tIn, tOut := floats(region(4*boxScratch(w))), floats(region(4*boxScratch(w)))
				h1Block(dst, func(t []float32, x0, x1 int) { transposeIn(t, rows, n, x0, x1) }, tIn, tOut, n, w)
				h2Samples(&samp, rows, tIn, tOut, n, w, &xs)
			}
		}
	}
}
