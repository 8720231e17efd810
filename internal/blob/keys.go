package blob

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/vidb-project/vidb/internal/durable"

	"filippo.io/age"
)

// File names of the key material inside a deployment's data folder.
const (
	// IdentityFile holds the age identity, in the format of age-keygen (so that the age tool
	// can decrypt a blob with it).
	IdentityFile = "blob-identity.txt"
	// NameKeyFile holds the 32-byte naming key as 64 hex digits.
	NameKeyFile = "blob-name-key.txt"
)

// nameKeySize is the size of the HMAC-SHA256 naming key.
const nameKeySize = 32

// maxKeyFileSize bounds what LoadKeyFiles reads: a post-quantum identity with its comments
// is a few kilobytes.
const maxKeyFileSize = 64 << 10

// Keys is a deployment's key material: the age identity that encrypts and decrypts blob
// content, and the key that names blobs. The zero value holds no keys and is refused by the
// [Vault].
//
// Keys never reveals its secrets through fmt, log/slog or encoding/json: it formats as
// "blob.Keys{REDACTED}". Losing the keys loses every blob; keep a copy of the two files
// somewhere safe and as well guarded as the evidence itself.
type Keys struct {
	identity  age.Identity
	recipient age.Recipient
	nameKey   [nameKeySize]byte
}

// GenerateKeys returns fresh keys: a post-quantum hybrid (ML-KEM-768 + X25519) age identity,
// since evidence is kept for decades and must stay confidential against an attacker who
// copies it today and has a quantum computer later, and a random naming key.
func GenerateKeys() (Keys, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return Keys{}, fmt.Errorf("generating age identity: %w", err)
	}
	k := Keys{identity: id, recipient: id.Recipient()}
	if _, err := rand.Read(k.nameKey[:]); err != nil {
		return Keys{}, fmt.Errorf("generating naming key: %w", err)
	}
	return k, nil
}

// ParseKeys parses key material in the format of the key files: identity holds exactly one age
// identity (hybrid "AGE-SECRET-KEY-PQ-1..." or X25519 "AGE-SECRET-KEY-1..."), nameKey holds
// 64 hex digits; in both, empty lines and lines starting with "#" are ignored. Errors never
// quote the input.
func ParseKeys(identity, nameKey []byte) (Keys, error) {
	var k Keys
	line, err := oneLine(identity, "identity")
	if err != nil {
		return Keys{}, err
	}
	switch {
	case strings.HasPrefix(line, "AGE-SECRET-KEY-PQ-1"):
		id, err := age.ParseHybridIdentity(line)
		if err != nil {
			return Keys{}, errors.New("malformed age hybrid identity")
		}
		k.identity, k.recipient = id, id.Recipient()
	case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
		id, err := age.ParseX25519Identity(line)
		if err != nil {
			return Keys{}, errors.New("malformed age X25519 identity")
		}
		k.identity, k.recipient = id, id.Recipient()
	default:
		return Keys{}, errors.New("malformed age identity: want a line starting AGE-SECRET-KEY-PQ-1 or AGE-SECRET-KEY-1")
	}
	line, err = oneLine(nameKey, "naming key")
	if err != nil {
		return Keys{}, err
	}
	if len(line) != 2*nameKeySize {
		return Keys{}, fmt.Errorf("malformed naming key: want %d hex digits, got %d characters", 2*nameKeySize, len(line))
	}
	if _, err := hex.Decode(k.nameKey[:], []byte(line)); err != nil {
		return Keys{}, errors.New("malformed naming key: not hex")
	}
	return k, nil
}

// oneLine returns the only line of b that is neither empty nor a comment.
func oneLine(b []byte, what string) (string, error) {
	var found string
	n := 0
	for l := range strings.Lines(string(b)) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		found = l
		n++
	}
	switch n {
	case 0:
		return "", fmt.Errorf("no %s found", what)
	case 1:
		return found, nil
	default:
		return "", fmt.Errorf("%d %ss found, want exactly one", n, what)
	}
}

// ok reports whether k holds keys.
func (k Keys) ok() bool { return k.identity != nil && k.recipient != nil }

// name returns the blob name of content with the given SHA-256.
func (k Keys) name(sum [sha256.Size]byte) string {
	m := hmac.New(sha256.New, k.nameKey[:])
	m.Write(sum[:])
	return hex.EncodeToString(m.Sum(nil))
}

// files returns the contents of the two key files.
func (k Keys) files() (identity, nameKey []byte, err error) {
	s, ok := k.identity.(fmt.Stringer)
	if !k.ok() || !ok {
		return nil, nil, errors.New("no keys to write")
	}
	var pub string
	if r, ok := k.recipient.(fmt.Stringer); ok {
		pub = r.String()
	}
	var id bytes.Buffer
	id.WriteString("# vidb blob encryption identity (age). Secret: whoever holds it can read every blob.\n")
	id.WriteString("# Without it no blob can be read: keep a copy as well guarded as the evidence.\n")
	if pub != "" {
		id.WriteString("# public key: " + pub + "\n")
	}
	id.WriteString(s.String() + "\n")
	var nk bytes.Buffer
	nk.WriteString("# vidb blob naming key (HMAC-SHA256, hex). Secret: it links blob names to file digests.\n")
	nk.WriteString("# Without it no blob can be found by its digest: keep a copy with the identity.\n")
	nk.WriteString(hex.EncodeToString(k.nameKey[:]) + "\n")
	return id.Bytes(), nk.Bytes(), nil
}

// WriteKeyFiles writes the keys to [IdentityFile] and [NameKeyFile] in dir (created with mode
// 0700 if missing), each with mode 0600 and synced to disk. It refuses, with an error wrapping
// fs.ErrExist, to overwrite either file: keys are written once, when a deployment is created,
// and overwriting them would lose every blob. If it fails, it leaves neither file behind
// unless that file existed before.
func (k Keys) WriteKeyFiles(dir string) error {
	idText, nkText, err := k.files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing key files: %w", err)
	}
	for _, f := range []string{IdentityFile, NameKeyFile} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("writing key files: %s: %w; refusing to overwrite existing keys", filepath.Join(dir, f), fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("writing key files: %w", err)
		}
	}
	idPath := filepath.Join(dir, IdentityFile)
	if err := durable.CreateFile(idPath, idText, 0o600); err != nil {
		return err
	}
	if err := durable.CreateFile(filepath.Join(dir, NameKeyFile), nkText, 0o600); err != nil {
		os.Remove(idPath) // we created it just now
		return err
	}
	return nil
}

// LoadKeyFiles reads the keys written by [Keys.WriteKeyFiles] from dir. It refuses key files
// that are not regular files or that group or others may read or write (on systems with Unix
// permissions), so that a key copied with careless permissions is noticed rather than used.
func LoadKeyFiles(dir string) (Keys, error) {
	id, err := readKeyFile(filepath.Join(dir, IdentityFile))
	if err != nil {
		return Keys{}, err
	}
	nk, err := readKeyFile(filepath.Join(dir, NameKeyFile))
	if err != nil {
		return Keys{}, err
	}
	k, err := ParseKeys(id, nk)
	if err != nil {
		return Keys{}, fmt.Errorf("loading keys from %s: %w", dir, err)
	}
	return k, nil
}

// readKeyFile reads a key file after checking its type and permissions.
func readKeyFile(path string) ([]byte, error) {
	b, err := durable.ReadPrivate(path, maxKeyFileSize)
	if err != nil {
		return nil, fmt.Errorf("loading key file: %w", err)
	}
	return b, nil
}

// redacted is what Keys prints as, whatever the verb.
const redacted = "blob.Keys{REDACTED}"

// String returns a redacted placeholder, never key material.
func (k Keys) String() string { return redacted }

// GoString returns a redacted placeholder, never key material.
func (k Keys) GoString() string { return redacted }

// Format writes a redacted placeholder for every verb, so that no fmt verb prints key material.
func (k Keys) Format(f fmt.State, verb rune) { io.WriteString(f, redacted) }

// LogValue returns a redacted placeholder for log/slog.
func (k Keys) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns a redacted placeholder, so that Keys cannot leak through a struct that
// is encoded as JSON.
func (k Keys) MarshalJSON() ([]byte, error) { return []byte(`"REDACTED"`), nil }
