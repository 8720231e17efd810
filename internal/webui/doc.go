// Package webui is the analysts' web interface: server-rendered pages (html/template, htmx for
// partial updates, a small stylesheet and one small script, all embedded) for signing in,
// uploading, reviewing media behind blurred previews, series, victims and offenders, clues,
// search, administration, the audit log and personal exposure settings.
//
// It holds no rules of its own: every page asks casework, ingest, preview and auth, which
// enforce the catalog's access rules, and shows what they return. A record the user may not see
// is "not found"; a match on one is a hit naming only its owner country. Previews are blurred
// (and greyscale unless the user chooses otherwise); the full content is shown only on an
// explicit, audited reveal. Uploads go to the JSON API (internal/httpapi) from the browser,
// with the same session cookie.
//
// This package must not import database/sql, os/exec, any storage adapter (internal/store/...)
// nor internal/httpapi: it is an outer layer beside the API, not on top of it.
package webui
