package hamming

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks the kernel to back the memory at p with transparent huge pages (madvise
// MADV_HUGEPAGE on the whole pages inside it). Go allocates arrays this large from fresh
// mappings, so the advice comes before the first touch.
func adviseHuge(p unsafe.Pointer, size int) {
	madvise(p, size, syscall.MADV_HUGEPAGE)
}

// madvCollapse is MADV_COLLAPSE (Linux 6.1), missing from package syscall.
const madvCollapse = 25

// collapseHuge asks the kernel to collapse the memory at p into huge pages now (madvise
// MADV_COLLAPSE); older kernels refuse, which is harmless.
func collapseHuge(p unsafe.Pointer, size int) {
	madvise(p, size, madvCollapse)
}

// madvise applies advice to the whole pages inside [p, p+size), ignoring errors: the advice is
// an optimisation.
func madvise(p unsafe.Pointer, size int, advice int) {
	const page = 4096
	start := (uintptr(p) + page - 1) &^ (page - 1)
	end := (uintptr(p) + uintptr(size)) &^ (page - 1)
	if end <= start {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start)
	_ = syscall.Madvise(b, advice)
}
