//go:build !purego

package pdq

// useAVX2 reports whether the CPU and the OS support AVX2, which the assembly kernels in
// simd_amd64.s need. Set once at start-up, only read afterwards.
var useAVX2 = cpuAVX2()

// cpuAVX2 reports AVX2 support from CPUID and XGETBV (the OS must save the YMM registers).
func cpuAVX2() bool

// The kernels below process n &^ 7 elements (the callers in simd.go finish the tail in Go) and
// compute exactly what their pure-Go twins compute; pointers must be valid for that many
// elements.

// rgb24LumaAVX2 is rgb24LumaGo for 8-pixel blocks: it reads 3*(n&^7) bytes.
//
//go:noescape
func rgb24LumaAVX2(dst *float32, src *byte, n int)

// rgb24LumaT8AVX2 is rgb24LumaAVX2 for 8 rows at once, row i at src + i*stride, written
// interleaved for the block pipeline: pixel x of row i goes to dst[x*16+i]. It converts
// 8*blocks pixels of each row.
//
//go:noescape
func rgb24LumaT8AVX2(dst *float32, src *byte, stride, blocks int)

// rgb32LumaAVX2 is rgb32LumaGo for 8-pixel blocks: it reads 4*(n&^7) bytes.
//
//go:noescape
func rgb32LumaAVX2(dst *float32, src *byte, n int)

// greyLumaAVX2 is greyLumaGo for 8-pixel blocks.
//
//go:noescape
func greyLumaAVX2(dst *float32, src *byte, n int)

// colAddAVX2 is colAdd.
//
//go:noescape
func colAddAVX2(sum, add *float32, n int)

// colAddOutAVX2 is colAddOut with the count as a float32.
//
//go:noescape
func colAddOutAVX2(sum, add, out *float32, n int, c float32)

// colAddSubOutAVX2 is colAddSubOut with the count as a float32.
//
//go:noescape
func colAddSubOutAVX2(sum, add, sub, out *float32, n int, c float32)

// colSubOutAVX2 is colSubOut with the count as a float32.
//
//go:noescape
func colSubOutAVX2(sum, sub, out *float32, n int, c float32)

// transpose8AVX2 transposes blocks 8x8 blocks of float32: row i of block k starts at byte offset
// k*srcStep + i*srcStride from src and becomes column i of the block at byte offset k*dstStep
// from dst, whose rows are dstStride bytes apart.
//
//go:noescape
func transpose8AVX2(dst *float32, dstStride, dstStep int, src *float32, srcStride, srcStep, blocks int)

// boxRun16AVX2 is n steps of the box filter's phase 3 on 16 interleaved rows, raw sums: the
// running sums s, then s += hi[16i:][:16], s -= lo[16i:][:16], out[16i:][:16] = s for each i.
//
//go:noescape
func boxRun16AVX2(s *[16]float32, hi, lo, out *float32, n int)

// boxDiv16AVX2 is boxRun16AVX2 writing s/c instead of s.
//
//go:noescape
func boxDiv16AVX2(s *[16]float32, hi, lo, out *float32, n int, c float32)
