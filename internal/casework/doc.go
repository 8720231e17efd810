// Package casework is the actions analysts, reviewers, admins, coordinators and auditors take on
// the catalog's records: creating cases, series, victims, offenders and clues, categorising and
// linking media, changing who may see a record, identifying a person, reading alerts, figures
// and the audit log.
//
// Every action checks the catalog's rules (catalog.ScopeOf, catalog.Can, catalog.CanManageUser),
// and every change runs in one Store.Update together with the audit event that records it, so
// that a change is durable exactly when its audit record is. Errors are the catalog's sentinels:
// catalog.ErrNotFound for anything the user may not see (indistinguishable from a record that
// does not exist), catalog.ErrForbidden when the user sees the record but may not act on it, or
// when their role reads no records at all (country admins, auditors, partners, disabled
// accounts), catalog.ErrInvalid with a message safe to show, catalog.ErrConflict for a change
// that collides with the record's state. A refused action changes nothing.
//
// It is the one place the HTTP API and the web UI both call, so that no rule is written twice.
// Audit details never carry victim or offender details (for persons: the kind and the
// pseudonymous code only, never notes), clue text, or secrets.
//
// This package must not import net/http, database/sql, os/exec or any storage adapter.
package casework
