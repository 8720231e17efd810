//go:build !purego

#include "textflag.h"

// AVX2 kernels for the blur and the luma; see simd_amd64.go for their contracts. Every kernel
// performs, per element, exactly the float32 operations of its pure-Go twin, in the same order:
// conversions and products are exact or rounded once as in Go, sums are VADDPS/VSUBPS (never
// FMA), and divisions are VDIVPS, the correctly rounded IEEE quotient. No kernel reads or writes
// outside the elements its arguments describe, and none uses AVX-512.

// VPSHUFB masks that spread the R, G and B bytes of 8 packed RGB pixels into 8 dwords. Lane 0
// holds pixels 0-3 (bytes 0-11 of the block); lane 1 is loaded from byte 8 of the block, so that
// no byte beyond the 24 of the block is read, and holds pixels 4-7 at bytes 4-15.
DATA rgb24R<>+0(SB)/8, $0x8080800380808000
DATA rgb24R<>+8(SB)/8, $0x8080800980808006
DATA rgb24R<>+16(SB)/8, $0x8080800780808004
DATA rgb24R<>+24(SB)/8, $0x8080800d8080800a
GLOBL rgb24R<>(SB), RODATA|NOPTR, $32
DATA rgb24G<>+0(SB)/8, $0x8080800480808001
DATA rgb24G<>+8(SB)/8, $0x8080800a80808007
DATA rgb24G<>+16(SB)/8, $0x8080800880808005
DATA rgb24G<>+24(SB)/8, $0x8080800e8080800b
GLOBL rgb24G<>(SB), RODATA|NOPTR, $32
DATA rgb24B<>+0(SB)/8, $0x8080800580808002
DATA rgb24B<>+8(SB)/8, $0x8080800b80808008
DATA rgb24B<>+16(SB)/8, $0x8080800980808006
DATA rgb24B<>+24(SB)/8, $0x8080800f8080800c
GLOBL rgb24B<>(SB), RODATA|NOPTR, $32

// The float32 luma coefficients 0.299, 0.587 and 0.114 (lumaFromR, lumaFromG, lumaFromB).
DATA lumaCoef<>+0(SB)/4, $0x3e991687
DATA lumaCoef<>+4(SB)/4, $0x3f1645a2
DATA lumaCoef<>+8(SB)/4, $0x3de978d5
DATA lumaCoef<>+12(SB)/4, $0x000000ff
GLOBL lumaCoef<>(SB), RODATA|NOPTR, $16

// The same coefficients, eight copies each, as memory operands for rgb24LumaT8AVX2.
DATA coefR8<>+0(SB)/8, $0x3e9916873e991687
DATA coefR8<>+8(SB)/8, $0x3e9916873e991687
DATA coefR8<>+16(SB)/8, $0x3e9916873e991687
DATA coefR8<>+24(SB)/8, $0x3e9916873e991687
GLOBL coefR8<>(SB), RODATA|NOPTR, $32
DATA coefG8<>+0(SB)/8, $0x3f1645a23f1645a2
DATA coefG8<>+8(SB)/8, $0x3f1645a23f1645a2
DATA coefG8<>+16(SB)/8, $0x3f1645a23f1645a2
DATA coefG8<>+24(SB)/8, $0x3f1645a23f1645a2
GLOBL coefG8<>(SB), RODATA|NOPTR, $32
DATA coefB8<>+0(SB)/8, $0x3de978d53de978d5
DATA coefB8<>+8(SB)/8, $0x3de978d53de978d5
DATA coefB8<>+16(SB)/8, $0x3de978d53de978d5
DATA coefB8<>+24(SB)/8, $0x3de978d53de978d5
GLOBL coefB8<>(SB), RODATA|NOPTR, $32

// func cpuAVX2() bool
TEXT ·cpuAVX2(SB), NOSPLIT, $0-1
	MOVB $0, ret+0(FP)
	MOVL $0, AX
	MOVL $0, CX
	CPUID
	CMPL AX, $7
	JLT  no
	MOVL $1, AX
	MOVL $0, CX
	CPUID
	// ECX bit 27: OSXSAVE (XGETBV usable); bit 28: AVX.
	ANDL $(1<<27 | 1<<28), CX
	CMPL CX, $(1<<27 | 1<<28)
	JNE  no
	// XCR0 bits 1 and 2: the OS saves XMM and YMM state.
	MOVL $0, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	MOVL $7, AX
	MOVL $0, CX
	CPUID
	// EBX bit 5: AVX2.
	BTL  $5, BX
	JCC  no
	MOVB $1, ret+0(FP)
no:
	RET

// func rgb24LumaAVX2(dst *float32, src *byte, n int)
TEXT ·rgb24LumaAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  done
	VMOVDQU      rgb24R<>(SB), Y13
	VMOVDQU      rgb24G<>(SB), Y14
	VMOVDQU      rgb24B<>(SB), Y15
	VBROADCASTSS lumaCoef<>+0(SB), Y10
	VBROADCASTSS lumaCoef<>+4(SB), Y11
	VBROADCASTSS lumaCoef<>+8(SB), Y12

loop:
	VMOVDQU     (SI), X0
	VINSERTI128 $1, 8(SI), Y0, Y0
	VPSHUFB     Y13, Y0, Y1
	VPSHUFB     Y14, Y0, Y2
	VPSHUFB     Y15, Y0, Y3
	VCVTDQ2PS   Y1, Y1
	VCVTDQ2PS   Y2, Y2
	VCVTDQ2PS   Y3, Y3
	VMULPS      Y10, Y1, Y1
	VMULPS      Y11, Y2, Y2
	VMULPS      Y12, Y3, Y3
	VADDPS      Y2, Y1, Y1
	VADDPS      Y3, Y1, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $24, SI
	ADDQ        $32, DI
	DECQ        CX
	JNE         loop
	VZEROUPPER

done:
	RET

// func rgb32LumaAVX2(dst *float32, src *byte, n int)
TEXT ·rgb32LumaAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  done
	VPBROADCASTD lumaCoef<>+12(SB), Y9
	VBROADCASTSS lumaCoef<>+0(SB), Y10
	VBROADCASTSS lumaCoef<>+4(SB), Y11
	VBROADCASTSS lumaCoef<>+8(SB), Y12

loop:
	VMOVDQU   (SI), Y0
	VPAND     Y9, Y0, Y1
	VPSRLD    $8, Y0, Y2
	VPAND     Y9, Y2, Y2
	VPSRLD    $16, Y0, Y3
	VPAND     Y9, Y3, Y3
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VMULPS    Y10, Y1, Y1
	VMULPS    Y11, Y2, Y2
	VMULPS    Y12, Y3, Y3
	VADDPS    Y2, Y1, Y1
	VADDPS    Y3, Y1, Y1
	VMOVUPS   Y1, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNE       loop
	VZEROUPPER

done:
	RET

// func greyLumaAVX2(dst *float32, src *byte, n int)
TEXT ·greyLumaAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  done

loop:
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DI
	DECQ      CX
	JNE       loop
	VZEROUPPER

done:
	RET

// func colAddAVX2(sum, add *float32, n int)
TEXT ·colAddAVX2(SB), NOSPLIT, $0-24
	MOVQ sum+0(FP), DI
	MOVQ add+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JEQ  done

loop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNE     loop
	VZEROUPPER

done:
	RET

// func colAddOutAVX2(sum, add, out *float32, n int, c float32)
TEXT ·colAddOutAVX2(SB), NOSPLIT, $0-36
	MOVQ sum+0(FP), DI
	MOVQ add+8(FP), SI
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JEQ  done
	VBROADCASTSS c+32(FP), Y15

loop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	VDIVPS  Y15, Y0, Y1
	VMOVUPS Y1, (DX)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNE     loop
	VZEROUPPER

done:
	RET

// func colAddSubOutAVX2(sum, add, sub, out *float32, n int, c float32)
TEXT ·colAddSubOutAVX2(SB), NOSPLIT, $0-44
	MOVQ sum+0(FP), DI
	MOVQ add+8(FP), SI
	MOVQ sub+16(FP), BX
	MOVQ out+24(FP), DX
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JEQ  done
	VBROADCASTSS c+40(FP), Y15

loop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VSUBPS  (BX), Y0, Y0
	VMOVUPS Y0, (DI)
	VDIVPS  Y15, Y0, Y1
	VMOVUPS Y1, (DX)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, BX
	ADDQ    $32, DX
	DECQ    CX
	JNE     loop
	VZEROUPPER

done:
	RET

// func colSubOutAVX2(sum, sub, out *float32, n int, c float32)
TEXT ·colSubOutAVX2(SB), NOSPLIT, $0-36
	MOVQ sum+0(FP), DI
	MOVQ sub+8(FP), BX
	MOVQ out+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JEQ  done
	VBROADCASTSS c+32(FP), Y15

loop:
	VMOVUPS (DI), Y0
	VSUBPS  (BX), Y0, Y0
	VMOVUPS Y0, (DI)
	VDIVPS  Y15, Y0, Y1
	VMOVUPS Y1, (DX)
	ADDQ    $32, DI
	ADDQ    $32, BX
	ADDQ    $32, DX
	DECQ    CX
	JNE     loop
	VZEROUPPER

done:
	RET

// func transpose8AVX2(dst *float32, dstStride, dstStep int, src *float32, srcStride, srcStep, blocks int)
//
// Transposes blocks 8x8 blocks of float32. Block k's row i (8 floats) starts at byte
// src + k*srcStep + i*srcStride and becomes column i of the block at dst + k*dstStep, whose row j
// starts at byte dst + k*dstStep + j*dstStride.
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	MOVQ dstStep+16(FP), R10
	MOVQ src+24(FP), SI
	MOVQ srcStride+32(FP), R9
	MOVQ srcStep+40(FP), R11
	MOVQ blocks+48(FP), CX
	TESTQ CX, CX
	JEQ  done
	LEAQ (R8)(R8*2), R12 // 3*dstStride
	LEAQ (R9)(R9*2), R13 // 3*srcStride

loop:
	LEAQ (SI)(R9*4), AX // row 4
	LEAQ (DI)(R8*4), BX // output row 4

	// Y0-Y3: rows 0-3 in the low lanes, rows 4-7 in the high lanes, columns 0-3.
	// Y4-Y7: the same for columns 4-7.
	VMOVUPS      (SI), X0
	VINSERTF128  $1, (AX), Y0, Y0
	VMOVUPS      (SI)(R9*1), X1
	VINSERTF128  $1, (AX)(R9*1), Y1, Y1
	VMOVUPS      (SI)(R9*2), X2
	VINSERTF128  $1, (AX)(R9*2), Y2, Y2
	VMOVUPS      (SI)(R13*1), X3
	VINSERTF128  $1, (AX)(R13*1), Y3, Y3
	VMOVUPS      16(SI), X4
	VINSERTF128  $1, 16(AX), Y4, Y4
	VMOVUPS      16(SI)(R9*1), X5
	VINSERTF128  $1, 16(AX)(R9*1), Y5, Y5
	VMOVUPS      16(SI)(R9*2), X6
	VINSERTF128  $1, 16(AX)(R9*2), Y6, Y6
	VMOVUPS      16(SI)(R13*1), X7
	VINSERTF128  $1, 16(AX)(R13*1), Y7, Y7

	// Columns 0-3.
	VUNPCKLPS Y1, Y0, Y8  // r0c0 r1c0 r0c1 r1c1
	VUNPCKHPS Y1, Y0, Y9  // r0c2 r1c2 r0c3 r1c3
	VUNPCKLPS Y3, Y2, Y10 // r2c0 r3c0 r2c1 r3c1
	VUNPCKHPS Y3, Y2, Y11 // r2c2 r3c2 r2c3 r3c3
	VSHUFPS   $0x44, Y10, Y8, Y0
	VSHUFPS   $0xee, Y10, Y8, Y1
	VSHUFPS   $0x44, Y11, Y9, Y2
	VSHUFPS   $0xee, Y11, Y9, Y3
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, (DI)(R8*1)
	VMOVUPS   Y2, (DI)(R8*2)
	VMOVUPS   Y3, (DI)(R12*1)

	// Columns 4-7.
	VUNPCKLPS Y5, Y4, Y8
	VUNPCKHPS Y5, Y4, Y9
	VUNPCKLPS Y7, Y6, Y10
	VUNPCKHPS Y7, Y6, Y11
	VSHUFPS   $0x44, Y10, Y8, Y4
	VSHUFPS   $0xee, Y10, Y8, Y5
	VSHUFPS   $0x44, Y11, Y9, Y6
	VSHUFPS   $0xee, Y11, Y9, Y7
	VMOVUPS   Y4, (BX)
	VMOVUPS   Y5, (BX)(R8*1)
	VMOVUPS   Y6, (BX)(R8*2)
	VMOVUPS   Y7, (BX)(R12*1)

	ADDQ R11, SI
	ADDQ R10, DI
	DECQ CX
	JNE  loop
	VZEROUPPER

done:
	RET

// func boxRun16AVX2(s *[16]float32, hi, lo, out *float32, n int)
//
// Phase 3 of the box filter over 16 interleaved rows, raw sums: for each of n steps,
// s += hi; s -= lo; out = s; then 16 floats further on for hi, lo and out.
TEXT ·boxRun16AVX2(SB), NOSPLIT, $0-40
	MOVQ s+0(FP), AX
	MOVQ hi+8(FP), SI
	MOVQ lo+16(FP), BX
	MOVQ out+24(FP), DI
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JEQ  done
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1

loop:
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VSUBPS  (BX), Y0, Y0
	VSUBPS  32(BX), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, BX
	ADDQ    $64, DI
	DECQ    CX
	JNE     loop
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VZEROUPPER

done:
	RET

// func boxDiv16AVX2(s *[16]float32, hi, lo, out *float32, n int, c float32)
//
// boxRun16AVX2 that writes s/c instead of s.
TEXT ·boxDiv16AVX2(SB), NOSPLIT, $0-44
	MOVQ s+0(FP), AX
	MOVQ hi+8(FP), SI
	MOVQ lo+16(FP), BX
	MOVQ out+24(FP), DI
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JEQ  done
	VBROADCASTSS c+40(FP), Y15
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1

loop:
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VSUBPS  (BX), Y0, Y0
	VSUBPS  32(BX), Y1, Y1
	VDIVPS  Y15, Y0, Y2
	VDIVPS  Y15, Y1, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, BX
	ADDQ    $64, DI
	DECQ    CX
	JNE     loop
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 32(AX)
	VZEROUPPER

done:
	RET

// LUMA24 computes the RGB luma of the 8 pixels at addr (addr8 is addr plus 8 bytes) into Y: R,
// G and B spread to dwords, converted, multiplied by their coefficient, then (R + G) + B.
// Clobbers Y8 and Y9.
#define LUMA24(addr, addr8, Y) \
	VMOVDQU     addr, X8 \
	VINSERTI128 $1, addr8, Y8, Y8 \
	VPSHUFB     rgb24R<>(SB), Y8, Y \
	VPSHUFB     rgb24G<>(SB), Y8, Y9 \
	VPSHUFB     rgb24B<>(SB), Y8, Y8 \
	VCVTDQ2PS   Y, Y \
	VCVTDQ2PS   Y9, Y9 \
	VCVTDQ2PS   Y8, Y8 \
	VMULPS      coefR8<>(SB), Y, Y \
	VMULPS      coefG8<>(SB), Y9, Y9 \
	VMULPS      coefB8<>(SB), Y8, Y8 \
	VADDPS      Y9, Y, Y \
	VADDPS      Y8, Y, Y

// func rgb24LumaT8AVX2(dst *float32, src *byte, stride, blocks int)
//
// rgb24LumaAVX2 for 8 rows at once (row i at src + i*stride), written interleaved: the luma of
// pixel x of row i goes to dst[x*16+i]. It reads 24*blocks bytes of each row.
TEXT ·rgb24LumaT8AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), R9
	MOVQ blocks+24(FP), CX
	TESTQ CX, CX
	JEQ  done
	LEAQ (R9)(R9*2), R13 // 3*stride

loop:
	LEAQ (SI)(R9*4), AX // row 4
	LUMA24((SI), 8(SI), Y0)
	LUMA24((SI)(R9*1), 8(SI)(R9*1), Y1)
	LUMA24((SI)(R9*2), 8(SI)(R9*2), Y2)
	LUMA24((SI)(R13*1), 8(SI)(R13*1), Y3)
	LUMA24((AX), 8(AX), Y4)
	LUMA24((AX)(R9*1), 8(AX)(R9*1), Y5)
	LUMA24((AX)(R9*2), 8(AX)(R9*2), Y6)
	LUMA24((AX)(R13*1), 8(AX)(R13*1), Y7)

	// Transpose rows Y0-Y7 into columns.
	VUNPCKLPS  Y1, Y0, Y8
	VUNPCKHPS  Y1, Y0, Y9
	VUNPCKLPS  Y3, Y2, Y10
	VUNPCKHPS  Y3, Y2, Y11
	VUNPCKLPS  Y5, Y4, Y12
	VUNPCKHPS  Y5, Y4, Y13
	VUNPCKLPS  Y7, Y6, Y14
	VUNPCKHPS  Y7, Y6, Y15
	VSHUFPS    $0x44, Y10, Y8, Y0 // rows 0-3, columns 0 | 4
	VSHUFPS    $0xee, Y10, Y8, Y1 // columns 1 | 5
	VSHUFPS    $0x44, Y11, Y9, Y2 // columns 2 | 6
	VSHUFPS    $0xee, Y11, Y9, Y3 // columns 3 | 7
	VSHUFPS    $0x44, Y14, Y12, Y4 // rows 4-7
	VSHUFPS    $0xee, Y14, Y12, Y5
	VSHUFPS    $0x44, Y15, Y13, Y6
	VSHUFPS    $0xee, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS    Y8, (DI)
	VMOVUPS    Y9, 64(DI)
	VMOVUPS    Y10, 128(DI)
	VMOVUPS    Y11, 192(DI)
	VMOVUPS    Y12, 256(DI)
	VMOVUPS    Y13, 320(DI)
	VMOVUPS    Y14, 384(DI)
	VMOVUPS    Y15, 448(DI)

	ADDQ $24, SI
	ADDQ $512, DI
	DECQ CX
	JNE  loop
	VZEROUPPER

done:
	RET
