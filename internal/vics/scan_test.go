package vics

import (
	"encoding/binary"
	"testing"
)

// TestSpecial checks the word-at-a-time test against the byte table for every byte value in
// every position, next to plain and special neighbours.
func TestSpecial(t *testing.T) {
	t.Parallel()
	for pos := range 8 {
		for _, fill := range []byte{'a', 0x7f, ' ', 0x1f, 0x80} {
			for c := range 256 {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				want := false
				for _, x := range b {
					want = want || slowByte(x)
				}
				if got := special(binary.LittleEndian.Uint64(b[:])); got != want {
					t.Errorf("special(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
