// Package httpapi is vidb's JSON API under /api/v1, described by the OpenAPI 3.1 document it
// serves at /api/openapi.json, with /healthz and /metrics beside it.
//
// Handlers decode a request, call the core (auth, casework, ingest, preview) and write an
// explicit response type: catalog structs are never serialised as they are, so that nothing
// reaches a client by accident. A handler returns an error; one mapper (writeError) turns it
// into a status and a safe JSON message, and the detail goes to the log with the request ID.
// The access rules are not written here: the core applies them and returns catalog sentinels.
//
// Every request gets security headers, a request ID, one log line (method, route pattern,
// status, duration, bytes, request ID, user ID; never bodies, query strings or secrets) and
// its metrics. Unsafe methods pass http.CrossOriginProtection; signed-in requests carry a
// session cookie or an API token; identities that must change their password may only do that,
// read /me and log out.
//
// This package must not import database drivers (database/sql, pgx, sqlite) or a storage
// adapter: it works on the catalog.Store interface and the core services it is given.
package httpapi
