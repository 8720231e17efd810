package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost parameters of argon2id.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2 are OWASP's recommended minimum parameters for argon2id: 19 MiB, 2 passes,
// 1 thread.
var defaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// DefaultArgon2Params returns the parameters Config uses when it names none.
func DefaultArgon2Params() Argon2Params { return defaultArgon2 }

// Limits of what HashPassword makes and VerifyPassword accepts.
const (
	maxArgon2Memory = 1 << 20 // KiB: 1 GiB
	maxArgon2Time   = 16
	saltLen         = 16
	keyLen          = 32
	minSaltLen      = 8
	maxSaltLen      = 64
	minKeyLen       = 16
	maxKeyLen       = 64
	maxPHCLen       = 256
	// MaxPasswordLen bounds a password in bytes, so that hashing cost does not depend on what
	// a client sends.
	MaxPasswordLen = 1024
	// MinPasswordLen is the policy's minimum length of a new password, in characters.
	MinPasswordLen = 12
)

// ErrMalformedHash: a stored password hash is not an argon2id PHC string vidb accepts.
var ErrMalformedHash = errors.New("malformed password hash")

// validate reports whether p can be used to hash or verify.
func (p Argon2Params) validate() error {
	switch {
	case p.Threads == 0:
		return errors.New("argon2: threads must be at least 1")
	case p.Time == 0 || p.Time > maxArgon2Time:
		return fmt.Errorf("argon2: time %d: want 1 to %d", p.Time, maxArgon2Time)
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("argon2: memory %d KiB: want at least 8 KiB per thread", p.Memory)
	case p.Memory > maxArgon2Memory:
		return fmt.Errorf("argon2: memory %d KiB: want at most %d (1 GiB)", p.Memory, maxArgon2Memory)
	}
	return nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	params Argon2Params
	salt   []byte
	key    []byte
}

func (h phc) String() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Time, h.params.Threads, b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// HashPassword hashes password with argon2id and a fresh random salt, and returns the PHC
// string ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash").
func HashPassword(password string, p Argon2Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("hashing a password: %w", err)
	}
	if len(password) > MaxPasswordLen {
		return "", fmt.Errorf("hashing a password: %w: longer than %d bytes", ErrWeakPassword, MaxPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hashing a password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return phc{params: p, salt: salt, key: key}.String(), nil
}

// VerifyPassword reports whether password matches hash, comparing in constant time. A hash that
// is not a well-formed argon2id PHC string, or whose parameters are absurd (memory above 1 GiB,
// time above 16), is an error wrapping ErrMalformedHash, never a panic.
func VerifyPassword(hash, password string) (bool, error) {
	h, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLen {
		return false, nil
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// parsePHC parses the canonical PHC form HashPassword writes; anything else is refused, so that
// a parsed hash formats back to exactly its input.
func parsePHC(s string) (phc, error) {
	bad := func(why string) (phc, error) {
		return phc{}, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(s) > maxPHCLen {
		return bad("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=19$m=M,t=T,p=P$salt$hash")
	}
	if parts[1] != "argon2id" {
		return bad("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported argon2 version")
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return bad("want parameters m=M,t=T,p=P")
	}
	var nums [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return bad("want parameters m=M,t=T,p=P")
		}
		n, err := parseDecimal(v)
		if err != nil {
			return bad("parameter " + name + err.Error())
		}
		nums[i] = n
	}
	if nums[0] > maxArgon2Memory || nums[1] > maxArgon2Time || nums[2] > 255 {
		return bad("parameters out of range")
	}
	h := phc{params: Argon2Params{Memory: uint32(nums[0]), Time: uint32(nums[1]), Threads: uint8(nums[2])}}
	if err := h.params.validate(); err != nil {
		return bad(err.Error())
	}
	b64 := base64.RawStdEncoding.Strict()
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return bad("salt must be 8 to 64 bytes of unpadded base64")
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return bad("hash must be 16 to 64 bytes of unpadded base64")
	}
	return h, nil
}

// parseDecimal parses a canonical unsigned decimal of at most 10 digits (no sign, no leading zero).
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical number")
	}
	var n uint64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a canonical number")
		}
		n = n*10 + uint64(c-'0')
	}
	return n, nil
}

// checkPolicy reports why password may not become login's new password (old is the one it
// replaces, "" if none): at least MinPasswordLen characters, at most MaxPasswordLen bytes, valid
// UTF-8, not the login, not the old password, not one character repeated.
func checkPolicy(login, old, password string) error {
	switch {
	case !utf8.ValidString(password) || strings.ContainsRune(password, 0):
		return fmt.Errorf("%w: not valid text", ErrWeakPassword)
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Errorf("%w: shorter than %d characters", ErrWeakPassword, MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return fmt.Errorf("%w: longer than %d bytes", ErrWeakPassword, MaxPasswordLen)
	case strings.EqualFold(password, login):
		return fmt.Errorf("%w: the same as the login", ErrWeakPassword)
	case old != "" && password == old:
		return fmt.Errorf("%w: the same as the old password", ErrWeakPassword)
	}
	first, _ := utf8.DecodeRuneInString(password)
	if strings.Trim(password, string(first)) == "" {
		return fmt.Errorf("%w: one character repeated", ErrWeakPassword)
	}
	return nil
}

// otpAlphabet leaves out characters easily confused when read aloud or copied by hand
// (0 O o, 1 l I i).
const otpAlphabet = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

// otpLen is the length of a one-time password: 20 characters of a 55-letter alphabet, about
// 115 bits.
const otpLen = 20

// oneTimePassword returns a random password of otpLen characters from otpAlphabet, drawn
// without bias (rejection sampling) from crypto/rand.
func oneTimePassword() (string, error) {
	const limit = 256 - 256%len(otpAlphabet)
	out := make([]byte, 0, otpLen)
	buf := make([]byte, 32)
	for len(out) < otpLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("making a one-time password: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < otpLen {
				out = append(out, otpAlphabet[int(b)%len(otpAlphabet)])
			}
		}
	}
	return string(out), nil
}
