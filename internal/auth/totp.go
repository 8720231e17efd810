package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
)

// TOTP parameters (RFC 6238 defaults, what every authenticator app supports).
const (
	totpDigits     = 6
	totpPeriod     = 30 // seconds
	totpSecretSize = 20 // bytes, the HMAC-SHA-1 block of RFC 4226's recommendation
	// totpSkew is how many steps either side of the current one a code may come from.
	totpSkew = 1
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226's HOTP value of counter under key, with digits digits.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(bin%mod), 10)
	for len(s) < digits {
		s = "0" + s
	}
	return s
}

// totpStep is the RFC 6238 time step of t.
func totpStep(t time.Time) int64 {
	return t.Unix() / totpPeriod
}

// checkTOTP returns the step whose code is code, among the steps around now later than
// lastStep, or ok false. Codes of steps at or before lastStep are refused: a code works once.
func checkTOTP(key []byte, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	cur := totpStep(now)
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		s := cur + d
		if s <= lastStep || s < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(hotp(key, uint64(s), totpDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// totpURI is the otpauth:// URI authenticator apps read (usually from a QR code).
func totpURI(issuer, login string, key []byte) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(login)
	q := url.Values{}
	q.Set("secret", totpEncoding.EncodeToString(key))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", strconv.Itoa(totpDigits))
	q.Set("period", strconv.Itoa(totpPeriod))
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// errSeal: a sealed TOTP secret does not open under the key (wrong key, another user's
// secret, or damage).
var errSeal = errors.New("the sealed TOTP secret does not open")

// sealer seals TOTP secrets at rest with AES-256-GCM, binding each to its user.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (sealer, error) {
	if len(key) != 32 {
		return sealer{}, fmt.Errorf("auth: SealKey must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("auth: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("auth: %w", err)
	}
	return sealer{aead: aead}, nil
}

func sealAD(u catalog.UserID) []byte {
	return []byte("vidb totp secret for user " + strconv.FormatInt(int64(u), 10))
}

// seal returns nonce || ciphertext of secret for user u.
func (s sealer) seal(u catalog.UserID, secret []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing a TOTP secret: %w", err)
	}
	return s.aead.Seal(nonce, nonce, secret, sealAD(u)), nil
}

func (s sealer) open(u catalog.UserID, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errSeal
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], sealAD(u))
	if err != nil {
		return nil, errSeal
	}
	return out, nil
}
