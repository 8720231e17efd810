package pdq_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/pdq"
)

func randomHash(r *rand.Rand) pdq.Hash {
	var h pdq.Hash
	for i := range h {
		h[i] = byte(r.Uint32())
	}
	return h
}

func TestHexRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		h := randomHash(r)
		s := h.String()
		if len(s) != 64 || strings.ToLower(s) != s {
			t.Fatalf("got %q, want 64 lowercase hex digits", s)
		}
		for _, in := range []string{s, strings.ToUpper(s)} {
			got, err := pdq.ParseHash(in)
			if err != nil {
				t.Fatalf("ParseHash(%q): %v", in, err)
			}
			if got != h {
				t.Errorf("ParseHash(%q): got %s, want %s", in, got, h)
			}
		}
	}
}

// TestHashBitOrder pins the big-endian layout: bit k of N is DCT coefficient (k/16, k%16), the
// first 4 hex digits are DCT row 15 and the last 4 are row 0.
func TestHashBitOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  func(*pdq.Hash)
		want string
	}{
		{"bit 0 (row 0, col 0)", func(h *pdq.Hash) { h[31] = 1 }, strings.Repeat("0", 63) + "1"},
		{"bit 255 (row 15, col 15)", func(h *pdq.Hash) { h[0] = 0x80 }, "8" + strings.Repeat("0", 63)},
		{"bit 16 (row 1, col 0)", func(h *pdq.Hash) { h[29] = 1 }, strings.Repeat("0", 59) + "10000"},
	}
	for _, tt := range tests {
		var h pdq.Hash
		tt.set(&h)
		if got := h.String(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseHashErrors(t *testing.T) {
	t.Parallel()
	valid := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"short", valid[:63]},
		{"long", valid + "0"},
		{"non-hex", "g" + valid[1:]},
		{"space", " " + valid[1:]},
		{"prefix", "0x" + valid[2:]},
		{"non-ASCII", "é" + valid[2:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := pdq.ParseHash(tt.in)
			if !errors.Is(err, pdq.ErrBadHash) {
				t.Errorf("ParseHash(%q): got error %v, want ErrBadHash", tt.in, err)
			}
			if h != (pdq.Hash{}) {
				t.Errorf("ParseHash(%q): got %s, want the zero hash on error", tt.in, h)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var zero, ones pdq.Hash
	for i := range ones {
		ones[i] = 0xff
	}
	if got := pdq.Distance(zero, ones); got != 256 {
		t.Errorf("Distance(zero, ones): got %d, want 256", got)
	}
	for range 200 {
		a, b, c := randomHash(r), randomHash(r), randomHash(r)
		if got := pdq.Distance(a, a); got != 0 {
			t.Errorf("Distance(a, a): got %d, want 0", got)
		}
		ab, ba := pdq.Distance(a, b), pdq.Distance(b, a)
		if ab != ba {
			t.Errorf("got Distance(a, b) = %d, Distance(b, a) = %d, want equal", ab, ba)
		}
		if ac, cb := pdq.Distance(a, c), pdq.Distance(c, b); ab > ac+cb {
			t.Errorf("triangle inequality: got d(a,b) = %d > d(a,c) + d(c,b) = %d", ab, ac+cb)
		}
		// Flipping k distinct bits moves the hash by exactly k.
		d := a
		k := r.IntN(257)
		for _, bit := range r.Perm(256)[:k] {
			d[bit/8] ^= 1 << (bit % 8)
		}
		if got := pdq.Distance(a, d); got != k {
			t.Errorf("after flipping %d bits: got distance %d, want %d", k, got, k)
		}
		if got := pdq.Distance(a, b); got != naiveDistance(a, b) {
			t.Errorf("Distance: got %d, want %d", got, naiveDistance(a, b))
		}
	}
}

func naiveDistance(a, b pdq.Hash) int {
	n := 0
	for i := range a {
		for x := a[i] ^ b[i]; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}

func TestHashJSON(t *testing.T) {
	t.Parallel()
	h := randomHash(rand.New(rand.NewPCG(5, 6)))
	type doc struct {
		Hash pdq.Hash `json:"hash"`
	}
	b, err := json.Marshal(doc{h})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"hash":"` + h.String() + `"}`; string(b) != want {
		t.Errorf("json.Marshal: got %s, want %s", b, want)
	}
	var got doc
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Hash != h {
		t.Errorf("round trip: got %s, want %s", got.Hash, h)
	}
	if err := json.Unmarshal([]byte(`{"hash":"abc"}`), &got); !errors.Is(err, pdq.ErrBadHash) {
		t.Errorf("json.Unmarshal of a short hash: got %v, want ErrBadHash", err)
	}
}

func TestTransformNames(t *testing.T) {
	t.Parallel()
	var got []string
	for tr := pdq.Orig; tr <= pdq.FlipMinus1; tr++ {
		got = append(got, tr.String())
	}
	want := []string{"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if pdq.NumTransforms != len(want) {
		t.Errorf("NumTransforms: got %d, want %d", pdq.NumTransforms, len(want))
	}
	for _, tr := range []pdq.Transform{-1, 8} {
		if got, want := tr.String(), fmt.Sprintf("Transform(%d)", int(tr)); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestParseFlavour(t *testing.T) {
	t.Parallel()
	for _, f := range []pdq.Flavour{pdq.FullRes, pdq.Squash512} {
		got, err := pdq.ParseFlavour(string(f))
		if err != nil || got != f {
			t.Errorf("ParseFlavour(%q): got %q, %v, want %q", f, got, err, f)
		}
	}
	for _, s := range []string{"", "FullRes", "squash", "512"} {
		if _, err := pdq.ParseFlavour(s); !errors.Is(err, pdq.ErrBadFlavour) {
			t.Errorf("ParseFlavour(%q): got %v, want ErrBadFlavour", s, err)
		}
	}
	if got := pdq.NewHasher("").Flavour(); got != pdq.FullRes {
		t.Errorf("NewHasher(\"\").Flavour(): got %q, want %q", got, pdq.FullRes)
	}
	var zero pdq.Hasher
	pix := greyOf(scene(40, 30, 1))
	got, err := zero.Gray(pix, 40, 30, 40)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pdq.NewHasher(pdq.FullRes).Gray(pix, 40, 30, 40)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("zero Hasher: got %+v, want %+v", got, want)
	}
}
