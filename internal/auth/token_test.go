package auth

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
)

func TestSecrets(t *testing.T) {
	t.Parallel()
	for _, kind := range []catalog.TokenKind{catalog.TokenSession, catalog.TokenAPI} {
		s, sum, err := newSecret(kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != secretLen || !strings.HasPrefix(s, prefixOf(kind)) {
			t.Errorf("%s secret %q: want %d characters starting %q", kind, s, secretLen, prefixOf(kind))
		}
		if sum != sha256.Sum256([]byte(s)) {
			t.Errorf("%s secret: stored hash is not its SHA-256", kind)
		}
		gotKind, gotSum, err := parseSecret(s)
		if err != nil || gotKind != kind || gotSum != sum {
			t.Errorf("parseSecret(new %s secret) = %s, %x, %v", kind, gotKind, gotSum, err)
		}
	}
	good, _, _ := newSecret(catalog.TokenSession)
	for _, bad := range []string{
		"",
		"vidbs_",
		good[:len(good)-1],
		good + "A",
		"vidbx_" + good[6:],
		"VIDBS_" + good[6:],
		good[:10] + "+" + good[11:], // standard, not URL, alphabet
		good[:10] + "=" + good[11:],
		good[:len(good)-1] + "B", // non-canonical last character (stray low bits)
		"Bearer " + good,
		strings.Repeat("\xff", len(good)),
	} {
		if _, _, err := parseSecret(bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("parseSecret(%q) = %v; want ErrUnauthenticated", bad, err)
		}
	}
}

func FuzzParseSecret(f *testing.F) {
	s, _, _ := newSecret(catalog.TokenSession)
	a, _, _ := newSecret(catalog.TokenAPI)
	f.Add(s)
	f.Add(a)
	f.Add("")
	f.Add("vidbs_" + strings.Repeat("A", 43))
	f.Add("vidbt_" + strings.Repeat("_", 43))
	f.Fuzz(func(t *testing.T, secret string) {
		kind, sum, err := parseSecret(secret)
		if err != nil {
			if !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("parseSecret error %v does not wrap ErrUnauthenticated", err)
			}
			return
		}
		if len(secret) != secretLen || !strings.HasPrefix(secret, prefixOf(kind)) {
			t.Fatalf("parseSecret accepted %q as %s", secret, kind)
		}
		if sum != sha256.Sum256([]byte(secret)) {
			t.Fatalf("parseSecret(%q): hash is not its SHA-256", secret)
		}
	})
}
