package pdq

import (
	"errors"
	"fmt"
)

// ErrBadFlavour reports an unknown [Flavour].
var ErrBadFlavour = errors.New("pdq: unknown flavour")

// Flavour names what happens to the pixels before hashing. The two flavours agree on images of
// at most 512x512 pixels and typically differ by 2 to 10 bits on larger ones, so store the flavour
// with every hash.
type Flavour string

const (
	// FullRes hashes the image at its own resolution. It matches HMA, python-threatexchange, the
	// Java tool and vPDQ, and is the default: a Hasher given the empty Flavour uses it.
	FullRes Flavour = "fullres"
	// Squash512 first resizes an image wider or taller than 512 px to exactly 512x512 by nearest
	// neighbour, ignoring the aspect ratio, as the C++ pdq-photo-hasher does.
	Squash512 Flavour = "squash512"
)

// ParseFlavour parses "fullres" or "squash512". Errors wrap [ErrBadFlavour].
func ParseFlavour(s string) (Flavour, error) {
	switch f := Flavour(s); f {
	case FullRes, Squash512:
		return f, nil
	}
	return "", fmt.Errorf("%w: %q (want %q or %q)", ErrBadFlavour, s, FullRes, Squash512)
}
