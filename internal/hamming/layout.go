package hamming

import (
	"math"
	"math/bits"
)

const (
	// maxTableBits bounds a substring's width, so that one table's offsets stay within
	// 2^26+1 uint32s (256 MiB) (spec section 5, item 2).
	maxTableBits = 26
	// maxTables bounds the number of substrings.
	maxTables = 64
	// minTables and maxAutoTables bound the number of substrings chosen from N.
	minTables     = 9
	maxAutoTables = 32
)

// table describes one substring of the code: bits [start, start+width) in the code's bit
// order (bit 0 is the most significant bit of byte 0), and how to extract them.
type table struct {
	start, width int
	// The key is ((c[w1] << shift) | (c[w2] >> (64-shift))) >> (64-width).
	w1, w2 int
	shift  uint
	// m1 and m2 select the substring's bits in words w1 and w2 (m2 is 0 when the substring
	// lies in one word), so that the substring distance of an XOR is two POPCNTs.
	m1, m2 uint64
}

func newTable(start, width int) table {
	t := table{start: start, width: width, w1: start / 64, shift: uint(start % 64)}
	t.w2 = min(t.w1+1, 3)
	for g := start; g < start+width; g++ {
		bit := uint64(1) << (63 - g%64)
		if g/64 == t.w1 {
			t.m1 |= bit
		} else {
			t.m2 |= bit
		}
	}
	return t
}

// key returns the substring of c that this table indexes.
func (t *table) key(c *Code) uint32 {
	hi := c[t.w1]<<t.shift | c[t.w2]>>(64-t.shift)
	return uint32(hi >> (64 - uint(t.width)))
}

// subDistance returns the Hamming distance on this table's bits, given the XOR of two codes.
func (t *table) subDistance(x *Code) int {
	return bits.OnesCount64(x[t.w1]&t.m1) + bits.OnesCount64(x[t.w2]&t.m2)
}

// Memory budget for the choice of m: 128 bytes per code (the code itself included) plus a
// fixed allowance for the offset arrays of small indexes.
const (
	budgetPerCode = 128
	budgetFixed   = 64 << 20
)

// defaultTables chooses the number of substrings m for n codes: the m with the lowest
// estimated cost of a radius-31 query (PDQ's threshold) whose memory fits the budget. Wider
// substrings mean more bucket probes but fewer candidates; measured here, a candidate (a row
// number and a code read at random) costs more than a probe, so the widest substrings that fit
// win: m = 13 at 1M codes, 11 at 10M, 10 at 50M-100M, close to the MIH authors' 256/log2 N
// (spec section 5, item 3); small indexes use many narrow tables.
func defaultTables(n int) int {
	best, bestCost := maxAutoTables, math.Inf(1)
	for m := minTables; m <= maxAutoTables; m++ {
		tabs := newLayout(m)
		if layoutBytes(tabs, n) > budgetPerCode*float64(n)+budgetFixed {
			continue
		}
		if c := mihCost(tabs, n, 31); c < bestCost {
			best, bestCost = m, c
		}
	}
	return best
}

// layoutBytes returns the memory of an index over n codes with tables tabs.
func layoutBytes(tabs []table, n int) float64 {
	b := float64(n) * float64(32+4+4*(len(tabs)-1))
	for _, t := range tabs {
		b += 4 * (math.Exp2(float64(t.width)) + 1)
	}
	return b
}

// newLayout cuts the code into m consecutive substrings, the wider ones first. Widths are
// capped at maxTableBits; bits left over are not indexed, which keeps the search exact (the
// pigeonhole rule holds for any set of disjoint substrings).
func newLayout(m int) []table { return cappedLayout(m, maxTableBits) }

// cappedLayout is newLayout with widths capped at maxBits.
func cappedLayout(m, maxBits int) []table {
	m = min(max(m, 1), maxTables)
	base, extra := Bits/m, Bits%m
	tabs := make([]table, m)
	start := 0
	for j := range m {
		w := base
		if j < extra {
			w++
		}
		w = min(w, maxBits)
		tabs[j] = newTable(start, w)
		start += w
	}
	return tabs
}

// probeCount returns the number of keys within radius rho of a width-bit key.
func probeCount(width, rho int) float64 {
	if rho < 0 {
		return 0
	}
	total, c := 0.0, 1.0
	for d := 0; d <= min(rho, width); d++ {
		total += c
		c = c * float64(width-d) / float64(d+1)
	}
	return total
}

// radii fills rad with each table's search radius for query radius r, by the tightened
// pigeonhole rule (Norouzi et al., TPAMI 2014): write r = m*r' + a with 0 <= a < m; if two codes
// are within r, then one of the first a+1 substrings is within r' or one of the others within
// r'-1. A radius of -1 means the table is not searched.
func radii(tabs []table, r int, rad *[maxTables]int) {
	m := len(tabs)
	rp, a := r/m, r%m
	for j := range m {
		rho := rp - 1
		if j <= a {
			rho = rp
		}
		rad[j] = min(rho, tabs[j].width)
	}
}
