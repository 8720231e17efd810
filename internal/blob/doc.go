// Package blob stores evidence content encrypted at rest, under names that do not reveal it.
//
// It has three parts:
//
//   - [Backend] is raw named-object storage with a written contract: atomic puts, loud
//     not-found errors, listing. Its implementations live in subpackages (local for a folder,
//     s3 for S3-compatible object storage), and every one of them passes the conformance suite
//     in blobtest.
//   - [Keys] is the deployment's key material: an age identity that encrypts and decrypts the
//     content, and a 32-byte key that names it. Both live in files with mode 0600 in the data
//     folder ([Keys.WriteKeyFiles], [LoadKeyFiles]) and are never printed or logged.
//   - [Vault] puts content into a Backend and gets it back: it encrypts on the way in and, on
//     the way out, decrypts and verifies that the content is exactly what was asked for.
//
// # Blob format
//
// Written down here so that the evidence stays readable for as long as it is kept, with or
// without vidb:
//
//   - A blob's content is one file in the age v1 format (https://age-encryption.org/v1),
//     encrypted to the deployment's recipient. Keys made by [GenerateKeys] are post-quantum
//     hybrid (ML-KEM-768 + X25519) age keys; X25519 identities are accepted when loaded. A blob
//     can be decrypted with the age command-line tool: age -d -i blob-identity.txt FILE.
//   - A blob's name is hex(HMAC-SHA256(nameKey, sha256(plaintext))): 64 lowercase hex digits.
//     Without the naming key, the names do not tell which known files the store holds; with it,
//     the name of a file is a function of its content, so the store holds each file once.
//   - The content is authenticated twice: age's AEAD detects any change to the ciphertext made
//     without the key, and the SHA-256 of the plaintext, checked on every read, detects
//     anything else, including a whole valid blob copied over another name. (age is public-key
//     encryption: whoever knows the recipient can produce a valid ciphertext, so the digest
//     check, not the encryption, is what ties a name to its content.)
//   - Backends store blob NAME at the key NAME[:2]/NAME (a two-level fan-out by the first hex
//     byte), in a folder or under a bucket prefix, so a folder can be copied to a bucket and
//     back with ordinary tools.
//
// Error messages of this package name blobs by their keyed name and never pair a name with a
// plaintext SHA-256, so that logs do not undo what the keyed names hide.
//
// This package must not import net/http, database/sql or os/exec.
package blob
