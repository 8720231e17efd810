package hamming

import "unsafe"

// hugeMin is the size from which an array is worth backing with huge pages.
const hugeMin = 8 << 20

// makeLarge returns a zeroed slice of n elements. Arrays of hugeMin bytes or more are advised
// to be backed by transparent huge pages before they are touched: the tables are read at random,
// and with 4 KiB pages nearly every read would also miss the TLB (spec section 5, item 10). The
// advice is best effort; where it is not available the slice is an ordinary one.
func makeLarge[T any](n int) []T {
	s := make([]T, n)
	var zero T
	if size := n * int(unsafe.Sizeof(zero)); size >= hugeMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
	return s
}

// collapseLarge asks the kernel to back a filled array with huge pages now, where parts of it
// were faulted in with small pages (memory the Go heap reused). Best effort, like makeLarge.
func collapseLarge[T any](s []T) {
	var zero T
	if size := len(s) * int(unsafe.Sizeof(zero)); size >= hugeMin {
		collapseHuge(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
}

// collapseTables applies collapseLarge to every array of st.
func (st *static) collapseTables() {
	collapseLarge(st.codes)
	collapseLarge(st.ids)
	for j := range st.offs {
		collapseLarge(st.offs[j])
		collapseLarge(st.rows[j])
	}
}
