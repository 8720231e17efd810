// Package auth answers "who is asking": accounts and their credentials, argon2id password
// hashes in PHC string form, revocable session and API tokens (only the SHA-256 of a secret is
// ever stored), optional TOTP second factors (RFC 6238, secrets sealed at rest with AES-256-GCM),
// lock-out after repeated failures and per-address rate limiting of sign-ins.
//
// A Service works on a catalog.Store: every change it makes goes through Store.Update together
// with the audit event that records it. Passwords, token secrets, TOTP secrets and codes and
// password hashes are never logged nor written to an audit event.
//
// This is a core package: it must not import net/http, database/sql, os/exec, any storage
// adapter (internal/store/...) or the outer layers (cmd, httpapi, webui, datadir).
package auth
