package pdq

// Dispatch to the AVX2 kernels of simd_amd64.s. Each function here computes exactly what its
// pure-Go twin computes: the kernels take the multiple-of-8 bulk, Go the tail.

// rgb24Luma writes the RGB luma of packed 3-byte pixels.
func rgb24Luma(dst []float32, src []byte) {
	src = src[:3*len(dst)]
	n := 0
	if useAVX2 && len(dst) >= 8 {
		n = len(dst) &^ 7
		rgb24LumaAVX2(&dst[0], &src[0], n)
	}
	rgb24LumaGo(dst[n:], src[3*n:])
}

// rgb32Luma writes the RGB luma of packed 4-byte pixels (R, G, B, then a byte that is ignored).
func rgb32Luma(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	n := 0
	if useAVX2 && len(dst) >= 8 {
		n = len(dst) &^ 7
		rgb32LumaAVX2(&dst[0], &src[0], n)
	}
	rgb32LumaGo(dst[n:], src[4*n:])
}

// greyLuma writes the grey-path luma of 1-byte pixels: the byte value itself, exactly.
func greyLuma(dst []float32, src []byte) {
	src = src[:len(dst)]
	n := 0
	if useAVX2 && len(dst) >= 8 {
		n = len(dst) &^ 7
		greyLumaAVX2(&dst[0], &src[0], n)
	}
	greyLumaGo(dst[n:], src[n:])
}

// colAddFast is colAdd.
func colAddFast(sum, add []float32) {
	add = add[:len(sum)]
	n := 0
	if useAVX2 && len(sum) >= 8 {
		n = len(sum) &^ 7
		colAddAVX2(&sum[0], &add[0], n)
	}
	colAdd(sum[n:], add[n:])
}

// colAddOutFast is colAddOut.
func colAddOutFast(sum, add, out []float32, cnt int) {
	add, out = add[:len(sum)], out[:len(sum)]
	n := 0
	if useAVX2 && len(sum) >= 8 {
		n = len(sum) &^ 7
		colAddOutAVX2(&sum[0], &add[0], &out[0], n, float32(cnt))
	}
	colAddOut(sum[n:], add[n:], out[n:], cnt)
}

// colAddSubOutFast is colAddSubOut. The kernel divides by the count where colAddSubOut
// multiplies by its reciprocal; quotient is the correctly rounded quotient, so the two agree.
func colAddSubOutFast(sum, add, sub, out []float32, cnt int) {
	add, sub, out = add[:len(sum)], sub[:len(sum)], out[:len(sum)]
	n := 0
	if useAVX2 && len(sum) >= 8 {
		n = len(sum) &^ 7
		colAddSubOutAVX2(&sum[0], &add[0], &sub[0], &out[0], n, float32(cnt))
	}
	colAddSubOut(sum[n:], add[n:], sub[n:], out[n:], cnt)
}

// colSubOutFast is colSubOut.
func colSubOutFast(sum, sub, out []float32, cnt int) {
	sub, out = sub[:len(sum)], out[:len(sum)]
	n := 0
	if useAVX2 && len(sum) >= 8 {
		n = len(sum) &^ 7
		colSubOutAVX2(&sum[0], &sub[0], &out[0], n, float32(cnt))
	}
	colSubOut(sum[n:], sub[n:], out[n:], cnt)
}
