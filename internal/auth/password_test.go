package auth

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// cheap are argon2 parameters that keep tests fast; the benchmark measures the defaults.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	for _, p := range []Argon2Params{cheap, {Memory: 256, Time: 2, Threads: 2}} {
		h, err := HashPassword("correct horse battery", p)
		if err != nil {
			t.Fatalf("HashPassword(%+v): %v", p, err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Errorf("hash %q: want the $argon2id$v=19$ PHC form", h)
		}
		if strings.Contains(h, "correct horse") {
			t.Errorf("hash %q contains the password", h)
		}
		parsed, err := parsePHC(h)
		if err != nil {
			t.Fatalf("parsePHC(%q): %v", h, err)
		}
		if parsed.params != p || len(parsed.salt) != saltLen || len(parsed.key) != keyLen {
			t.Errorf("parsed %+v, want params %+v, %d-byte salt, %d-byte key", parsed.params, p, saltLen, keyLen)
		}
		for _, c := range []struct {
			pw   string
			want bool
		}{
			{"correct horse battery", true},
			{"correct horse batterY", false},
			{"", false},
			{strings.Repeat("x", MaxPasswordLen+1), false},
		} {
			got, err := VerifyPassword(h, c.pw)
			if err != nil || got != c.want {
				t.Errorf("VerifyPassword(%q) = %v, %v; want %v, nil", c.pw[:min(len(c.pw), 20)], got, err, c.want)
			}
		}
	}
	h1, _ := HashPassword("same password", cheap)
	h2, _ := HashPassword("same password", cheap)
	if h1 == h2 {
		t.Errorf("two hashes of one password are equal: salts are not random")
	}
}

func TestHashPasswordRefusesBadParams(t *testing.T) {
	t.Parallel()
	for _, p := range []Argon2Params{
		{}, {Memory: 64, Time: 0, Threads: 1}, {Memory: 64, Time: 17, Threads: 1},
		{Memory: 7, Time: 1, Threads: 1}, {Memory: 1<<20 + 1, Time: 1, Threads: 1}, {Memory: 64, Time: 1},
	} {
		if _, err := HashPassword("whatever password", p); err == nil {
			t.Errorf("HashPassword with %+v: no error", p)
		}
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	good, err := HashPassword("pw", cheap)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, h := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=2097152,t=1,p=1$" + salt + "$" + key,     // 2 GiB
		"$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key, // overflow
		"$argon2id$v=19$m=64,t=17,p=1$" + salt + "$" + key,         // time above 16
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,          // no passes
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,          // no threads
		"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key,        // threads overflow uint8
		"$argon2id$v=19$m=8,t=1,p=2$" + salt + "$" + key,           // memory below 8 KiB per thread
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,         // padding
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",    // extra field
		"$argon2id$v=19$m=64,t=1,p=1$" + "c2FsdA" + "$" + key,      // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + "a2V5",       // 3-byte hash
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "!",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 300),
	} {
		ok, err := VerifyPassword(h, "pw")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrMalformedHash", h, ok, err)
		}
	}
}

func TestCheckPolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		login, old, pw string
		ok             bool
	}{
		{"alice", "", "a long enough password", true},
		{"alice", "old one here!", "a long enough password", true},
		{"alice", "", "élan vital ünïcode", true},
		{"alice", "", "short", false},
		{"alice", "", "elevenchars", false},
		{"alice", "", "éééééééééééé", false},
		{"alice", "", "aaaaaaaaaaaaaaaa", false},
		{"alice.dupont", "", "alice.dupont", false},
		{"alice.dupont", "", "ALICE.DUPONT", false},
		{"alice", "a long enough password", "a long enough password", false},
		{"alice", "", strings.Repeat("ab", MaxPasswordLen), false},
		{"alice", "", "valid length\x00 but NUL", false},
		{"alice", "", "bad utf8 \xff\xfe padding", false},
	} {
		err := checkPolicy(c.login, c.old, c.pw)
		if c.ok && err != nil || !c.ok && !errors.Is(err, ErrWeakPassword) {
			t.Errorf("checkPolicy(%q, %q, %q) = %v; want ok %v", c.login, c.old, c.pw, err, c.ok)
		}
	}
}

func TestOneTimePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 200 {
		p, err := oneTimePassword()
		if err != nil {
			t.Fatal(err)
		}
		if utf8.RuneCountInString(p) != otpLen {
			t.Fatalf("one-time password %q: %d characters, want %d", p, len(p), otpLen)
		}
		for _, r := range p {
			if !strings.ContainsRune(otpAlphabet, r) {
				t.Fatalf("one-time password %q has %q, outside the alphabet", p, r)
			}
			counts[r]++
		}
		if seen[p] {
			t.Fatalf("one-time password %q drawn twice", p)
		}
		seen[p] = true
		if err := checkPolicy("someone", "", p); err != nil {
			t.Errorf("one-time password fails the policy: %v", err)
		}
	}
	for _, bad := range "01OoIil" {
		if counts[bad] > 0 {
			t.Errorf("ambiguous character %q drawn", bad)
		}
	}
	// 4000 draws over 55 letters: every letter should appear (expected ~73 each).
	if len(counts) != len(otpAlphabet) {
		t.Errorf("%d distinct letters drawn, want all %d", len(counts), len(otpAlphabet))
	}
}

func FuzzVerifyPassword(f *testing.F) {
	good, err := HashPassword("pw", cheap)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "pw")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "pw")
	f.Add("$argon2id$v=19$m=1048576,t=16,p=255$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "")
	f.Add("$argon2id$v=19$m=,t=,p=$$", "x")
	f.Add("$$$$$", "")
	f.Fuzz(func(t *testing.T, hash, password string) {
		h, err := parsePHC(hash)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("parsePHC error %v does not wrap ErrMalformedHash", err)
			}
			return
		}
		if got := h.String(); got != hash {
			t.Fatalf("parsePHC(%q) formats back as %q", hash, got)
		}
		if h.params.Memory > maxArgon2Memory || h.params.Time > maxArgon2Time || h.params.validate() != nil {
			t.Fatalf("parsePHC(%q) accepted parameters %+v", hash, h.params)
		}
		// Verify only what is cheap: the parser is what is fuzzed, not argon2.
		if h.params.Memory <= 1024 && h.params.Time <= 2 {
			if _, err := VerifyPassword(hash, password); err != nil {
				t.Fatalf("VerifyPassword(%q) after a good parse: %v", hash, err)
			}
		}
	})
}
