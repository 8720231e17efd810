// Package catalog is vidb's domain: the records investigators share (countries, users, cases,
// media and where they were found, series, victims, offenders, clues, matches and alerts), the
// rules that say who may see and do what with each record, and the Store interface that the
// storage adapters implement.
//
// The access rules live here and nowhere else. Every record carries an Access header (owner
// country, visibility, the countries it is shared with); CanView and Can answer whether a user
// may see or act on it, and every read path of the Store takes the asking user's Scope so that
// filtering happens in the query, where pagination stays correct. A match on a record the asker
// may not see is reported as a Hit that names only the owner country ("a record owned by XX
// matches; contact XX"), after the hit/no-hit principle of the EU Prüm exchange.
//
// This package must not import net/http, database/sql, os/exec or any storage adapter; the
// adapters (internal/store/sqlite, internal/store/postgres) import it.
package catalog
