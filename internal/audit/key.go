package audit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vidb-project/vidb/internal/durable"

	"golang.org/x/mod/sumdb/note"
)

// KeyName is the name of the keys WriteKeyFiles generates: it appears in every signature line
// of a checkpoint ("— vidb-audit ...").
const KeyName = "vidb-audit"

// The key files WriteKeyFiles creates in a deployment's data folder.
const (
	// SignerKeyFile holds the private signer key (note's "PRIVATE+KEY+name+hash+key" form).
	SignerKeyFile = "audit.key"
	// VerifierKeyFile holds the public verifier key ("name+hash+key"), which is all that
	// checking a checkpoint needs: it can be copied to whoever keeps external checkpoints.
	VerifierKeyFile = "audit.pub"
)

// maxKeyFile bounds what LoadSigner and LoadVerifier read: a key is about 100 bytes.
const maxKeyFile = 4096

// GenerateKey returns a new Ed25519 key pair for signing checkpoints, encoded as
// golang.org/x/mod/sumdb/note keys, from crypto/rand. name is the key's name, which appears in
// every signature line; it must be non-empty, without spaces or '+'. The signer key is secret:
// never log or print it.
func GenerateKey(name string) (signerKey, verifierKey string, err error) {
	if name == "" || strings.ContainsAny(name, "+ \t\r\n") {
		return "", "", fmt.Errorf("audit: invalid key name %q: it must be non-empty, without spaces or '+'", name)
	}
	signerKey, verifierKey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("audit: generating key: %w", err)
	}
	// note.GenerateKey does not check the name; refuse what note.NewSigner would refuse.
	if _, err := note.NewVerifier(verifierKey); err != nil {
		return "", "", fmt.Errorf("audit: invalid key name %q: %w", name, err)
	}
	return signerKey, verifierKey, nil
}

// WriteKeyFiles generates a key pair named KeyName (see GenerateKey) and writes it to dir as
// SignerKeyFile and VerifierKeyFile, both mode 0600. Each file is written durably and
// atomically (a temporary file, fsync, a hard link to the final name, fsync of dir), and never
// replaces an existing file: if either exists, WriteKeyFiles writes nothing and returns an
// error wrapping fs.ErrExist.
func WriteKeyFiles(dir string) error {
	skey, vkey, err := GenerateKey(KeyName)
	if err != nil {
		return err
	}
	for _, f := range []string{VerifierKeyFile, SignerKeyFile} {
		path := filepath.Join(dir, f)
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("audit: %s already exists; refusing to overwrite a key: %w", path, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("audit: %w", err)
		}
	}
	pub := filepath.Join(dir, VerifierKeyFile)
	if err := durable.CreateFile(pub, []byte(vkey+"\n"), 0o600); err != nil {
		return err
	}
	if err := durable.CreateFile(filepath.Join(dir, SignerKeyFile), []byte(skey+"\n"), 0o600); err != nil {
		// Leave no half-made key pair behind: the verifier key is ours, we just wrote it.
		_ = os.Remove(pub)
		return err
	}
	return nil
}

// LoadSigner reads the signer key from dir/SignerKeyFile. It refuses a file that group or
// others may read (the error wraps ErrKeyPermissions) and never puts key material in an error.
func LoadSigner(dir string) (note.Signer, error) {
	path := filepath.Join(dir, SignerKeyFile)
	data, err := readKeyFile(path, true)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	s, err := note.NewSigner(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("audit: %s does not hold a signer key: %w", path, err)
	}
	return s, nil
}

// LoadVerifier reads the verifier key from dir/VerifierKeyFile.
func LoadVerifier(dir string) (note.Verifier, error) {
	path := filepath.Join(dir, VerifierKeyFile)
	data, err := readKeyFile(path, false)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("audit: %s does not hold a verifier key: %w", path, err)
	}
	return v, nil
}

// readKeyFile reads a key file of at most maxKeyFile bytes; private keys must be a regular
// file that only its owner may access.
func readKeyFile(path string, private bool) ([]byte, error) {
	if private {
		data, err := durable.ReadPrivate(path, maxKeyFile)
		if errors.Is(err, durable.ErrPermissions) {
			return nil, fmt.Errorf("%w: %w", ErrKeyPermissions, err)
		} else if err != nil {
			return nil, fmt.Errorf("audit: reading key: %w", err)
		}
		return data, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit: reading key: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("audit: reading key %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("audit: %s is too large to be a key (more than %d bytes)", path, maxKeyFile)
	}
	return data, nil
}
