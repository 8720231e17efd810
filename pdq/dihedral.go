package pdq

import "strconv"

// Transform is one of the 8 symmetries of the square (the dihedral group D4). The names and the
// order are the reference's; [DihedralResult.Hashes] is indexed by Transform.
type Transform int

const (
	// Orig is the image as it is.
	Orig Transform = iota
	// Rot90 is a 90° counter-clockwise rotation.
	Rot90
	// Rot180 is a 180° rotation.
	Rot180
	// Rot270 is a 90° clockwise rotation.
	Rot270
	// FlipX swaps top and bottom.
	FlipX
	// FlipY mirrors left and right.
	FlipY
	// FlipPlus1 transposes about the main diagonal (upper-left and lower-right corners stay).
	FlipPlus1
	// FlipMinus1 transposes about the anti-diagonal (upper-right and lower-left corners stay).
	FlipMinus1
)

// NumTransforms is the number of dihedral transforms.
const NumTransforms = 8

var transformNames = [NumTransforms]string{
	"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1",
}

// String returns the reference's name: "orig", "rot90", "rot180", "rot270", "flipx", "flipy",
// "flipplus1" or "flipminus1".
func (t Transform) String() string {
	if t >= 0 && int(t) < len(transformNames) {
		return transformNames[t]
	}
	return "Transform(" + strconv.Itoa(int(t)) + ")"
}

// DihedralResult holds the hashes of the 8 dihedral transforms of one image, computed from a
// single DCT as the reference does. They approximate, but do not always equal, the hashes of the
// actually transformed pixels (the box filter leans right for even windows).
type DihedralResult struct {
	// Hashes is indexed by Transform; Hashes[Orig] is the image's own hash.
	Hashes [NumTransforms]Hash
	// Quality is shared by all 8 hashes.
	Quality int
	// Flavour is the flavour that produced the hashes.
	Flavour Flavour
}

// dihedralHashes derives the 8 hashes from the DCT c. A mirror negates the odd frequencies, which
// sit at even indices (index n holds frequency n+1), and a rotation or transpose swaps u and v.
// The median is recomputed for each variant because sign flips change it: a dihedral hash is not a
// permutation of the original's bits. Negation is exact, so no rounding is involved.
func dihedralHashes(c *[16][16]float32) [NumTransforms]Hash {
	var out [NumTransforms]Hash
	var t [16][16]float32
	for tr := range Transform(NumTransforms) {
		for u := range 16 {
			for v := range 16 {
				x := c[u][v]
				switch tr {
				case Orig:
					t[u][v] = x
				case Rot90:
					t[v][u] = x * float32(oddSign(v))
				case Rot180:
					t[u][v] = x * float32(oddSign(u)*oddSign(v))
				case Rot270:
					t[v][u] = x * float32(oddSign(u))
				case FlipX:
					t[u][v] = x * float32(oddSign(u))
				case FlipY:
					t[u][v] = x * float32(oddSign(v))
				case FlipPlus1:
					t[v][u] = x
				case FlipMinus1:
					t[v][u] = x * float32(oddSign(u)*oddSign(v))
				}
			}
		}
		out[tr] = hashFromDCT(&t)
	}
	return out
}

// oddSign is +1 for odd n and -1 for even n. (-1)^(u+v) equals oddSign(u)*oddSign(v).
func oddSign(n int) int {
	if n%2 == 1 {
		return 1
	}
	return -1
}
