package auth

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
	"time"
)

// TestHOTPRFC6238 checks the SHA-1 test vectors of RFC 6238, appendix B.
func TestHOTPRFC6238(t *testing.T) {
	t.Parallel()
	key := []byte("12345678901234567890")
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		step := totpStep(time.Unix(c.unix, 0))
		if got := hotp(key, uint64(step), 8); got != c.want {
			t.Errorf("TOTP at %d = %s, want %s", c.unix, got, c.want)
		}
		// The 6-digit code is the last 6 digits of the 8-digit one.
		if got := hotp(key, uint64(step), 6); got != c.want[2:] {
			t.Errorf("6-digit TOTP at %d = %s, want %s", c.unix, got, c.want[2:])
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	t.Parallel()
	key := []byte("12345678901234567890")
	now := time.Unix(1234567890, 0)
	cur := totpStep(now)
	code := func(step int64) string { return hotp(key, uint64(step), 6) }
	for _, c := range []struct {
		name     string
		code     string
		last     int64
		wantStep int64
		ok       bool
	}{
		{"current", code(cur), 0, cur, true},
		{"previous step", code(cur - 1), 0, cur - 1, true},
		{"next step", code(cur + 1), 0, cur + 1, true},
		{"two steps old", code(cur - 2), 0, 0, false},
		{"two steps ahead", code(cur + 2), 0, 0, false},
		{"replayed", code(cur), cur, 0, false},
		{"older than the last used", code(cur - 1), cur, 0, false},
		{"next after the last used", code(cur + 1), cur, cur + 1, true},
		{"five digits", code(cur)[:5], 0, 0, false},
		{"letters", "12a456", 0, 0, false},
		{"empty", "", 0, 0, false},
	} {
		step, ok := checkTOTP(key, c.code, now, c.last)
		if ok != c.ok || step != c.wantStep {
			t.Errorf("%s: checkTOTP = %d, %v; want %d, %v", c.name, step, ok, c.wantStep, c.ok)
		}
	}
}

func TestTOTPURI(t *testing.T) {
	t.Parallel()
	key := []byte("12345678901234567890")
	u, err := url.Parse(totpURI("vidb test", "alice@fr", key))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/vidb test:alice@fr" {
		t.Errorf("URI %s: want otpauth://totp/vidb test:alice@fr", u)
	}
	if q.Get("secret") != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" || q.Get("issuer") != "vidb test" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("URI query %v", q)
	}
}

func TestSeal(t *testing.T) {
	t.Parallel()
	if _, err := newSealer(make([]byte, 31)); err == nil {
		t.Errorf("newSealer accepted a 31-byte key")
	}
	s, err := newSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("12345678901234567890")
	sealed, err := s.seal(42, secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Errorf("sealed secret contains the plain secret")
	}
	got, err := s.open(42, sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open = %q, %v; want the secret", got, err)
	}
	if _, err := s.open(43, sealed); !errors.Is(err, errSeal) {
		t.Errorf("another user's sealed secret opened: %v", err)
	}
	other, _ := newSealer(bytes.Repeat([]byte{8}, 32))
	if _, err := other.open(42, sealed); !errors.Is(err, errSeal) {
		t.Errorf("opened under another key: %v", err)
	}
	for _, bad := range [][]byte{nil, sealed[:10], append(append([]byte{}, sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1)} {
		if _, err := s.open(42, bad); !errors.Is(err, errSeal) {
			t.Errorf("open(%x) = %v; want errSeal", bad, err)
		}
	}
}
