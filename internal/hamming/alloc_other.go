//go:build !linux

package hamming

import "unsafe"

// adviseHuge does nothing where transparent huge pages cannot be requested.
func adviseHuge(p unsafe.Pointer, size int) {}

// collapseHuge does nothing where transparent huge pages cannot be requested.
func collapseHuge(p unsafe.Pointer, size int) {}
