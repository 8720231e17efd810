package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Token secret prefixes: they say what a secret is, so that a leaked one is recognised by
// secret scanners and a session secret is never accepted as an API token or the other way round.
const (
	SessionPrefix = "vidbs_"
	APIPrefix     = "vidbt_"
)

const (
	secretBytes = 32
	// secretLen is the length of a secret: a prefix and 32 bytes in unpadded base64url.
	secretLen = len(SessionPrefix) + (secretBytes*8+5)/6
)

func prefixOf(kind catalog.TokenKind) string {
	if kind == catalog.TokenAPI {
		return APIPrefix
	}
	return SessionPrefix
}

// newSecret returns a fresh secret of a kind and the SHA-256 that is stored in its place.
func newSecret(kind catalog.TokenKind) (string, [32]byte, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", [32]byte{}, fmt.Errorf("making a token: %w", err)
	}
	s := prefixOf(kind) + base64.RawURLEncoding.EncodeToString(b)
	return s, sha256.Sum256([]byte(s)), nil
}

// parseSecret checks the shape of a secret a client sent and returns its kind and the SHA-256
// under which its token is stored. It touches nothing but its argument.
func parseSecret(s string) (catalog.TokenKind, [32]byte, error) {
	if len(s) != secretLen {
		return "", [32]byte{}, fmt.Errorf("%w: malformed token", ErrUnauthenticated)
	}
	var kind catalog.TokenKind
	switch {
	case strings.HasPrefix(s, SessionPrefix):
		kind = catalog.TokenSession
	case strings.HasPrefix(s, APIPrefix):
		kind = catalog.TokenAPI
	default:
		return "", [32]byte{}, fmt.Errorf("%w: malformed token", ErrUnauthenticated)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(SessionPrefix):])
	if err != nil || len(b) != secretBytes {
		return "", [32]byte{}, fmt.Errorf("%w: malformed token", ErrUnauthenticated)
	}
	return kind, sha256.Sum256([]byte(s)), nil
}

// randRead fills b from crypto/rand.
func randRead(b []byte) (int, error) {
	n, err := rand.Read(b)
	if err != nil {
		return n, fmt.Errorf("reading random bytes: %w", err)
	}
	return n, nil
}
