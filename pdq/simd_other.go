//go:build !amd64 || purego

package pdq

// useAVX2 is false: there are no assembly kernels on this platform or under the purego tag.
const useAVX2 = false

// The kernels are never called when useAVX2 is false; these stubs only keep the callers
// portable.

func rgb24LumaAVX2(dst *float32, src *byte, n int)                        { panic("pdq: no AVX2") }
func rgb24LumaT8AVX2(dst *float32, src *byte, stride, blocks int)         { panic("pdq: no AVX2") }
func rgb32LumaAVX2(dst *float32, src *byte, n int)                        { panic("pdq: no AVX2") }
func greyLumaAVX2(dst *float32, src *byte, n int)                         { panic("pdq: no AVX2") }
func colAddAVX2(sum, add *float32, n int)                                 { panic("pdq: no AVX2") }
func colAddOutAVX2(sum, add, out *float32, n int, c float32)              { panic("pdq: no AVX2") }
func colAddSubOutAVX2(sum, add, sub, out *float32, n int, c float32)      { panic("pdq: no AVX2") }
func colSubOutAVX2(sum, sub, out *float32, n int, c float32)              { panic("pdq: no AVX2") }
func boxRun16AVX2(s *[16]float32, hi, lo, out *float32, n int)            { panic("pdq: no AVX2") }
func boxDiv16AVX2(s *[16]float32, hi, lo, out *float32, n int, c float32) { panic("pdq: no AVX2") }
func transpose8AVX2(dst *float32, dstStride, dstStep int, src *float32, srcStride, srcStep, blocks int) {
	panic("pdq: no AVX2")
}
