package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// Event is one entry of the audit log: who did what to which object, when.
type Event struct {
	// Seq is the event's position in the log, 0-based, assigned when it is appended.
	Seq int64
	// Time is when it happened, in UTC, to the microsecond (what every store keeps).
	Time time.Time
	// Actor is the login of the user who acted, or "system" for vidb's own work.
	Actor   string
	ActorID int64
	// Country is the actor's country (ISO 3166-1 alpha-2), empty for the system.
	Country string
	// Action names what happened, as "object.verb": "media.upload", "media.reveal",
	// "user.login", "user.login_failed", "vics.import", ...
	Action string
	// Object names what it happened to, as "kind/id": "media/42", "user/7".
	Object string
	// Details are further facts, never secrets, image bytes or victim details.
	Details map[string]string
}

// Validate reports whether e can be appended to the log, so that every store keeps it exactly
// and Verify recomputes the same leaf from what the store returns. It requires a non-negative
// Seq; a non-zero Time in the years 0 to 9999 with no precision finer than a microsecond (use
// t.UTC().Truncate(time.Microsecond)); a non-empty Actor and Action; non-empty detail keys; and
// every string valid UTF-8 without NUL bytes (PostgreSQL text refuses NUL). The error wraps
// ErrInvalidEvent and names the event by its sequence number.
func (e Event) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: event %d: %s", ErrInvalidEvent, e.Seq, fmt.Sprintf(format, args...))
	}
	switch {
	case e.Seq < 0:
		return bad("negative sequence number")
	case e.Time.IsZero():
		return bad("no time")
	case e.Time.Nanosecond()%1000 != 0:
		return bad("time %s is finer than a microsecond (truncate it: stores keep microseconds)",
			e.Time.UTC().Format(time.RFC3339Nano))
	case e.Time.UTC().Year() < 0 || e.Time.UTC().Year() > 9999:
		return bad("time %s is outside the years 0 to 9999", e.Time.UTC().Format(time.RFC3339))
	case e.Actor == "":
		return bad("no actor")
	case e.Action == "":
		return bad("no action")
	}
	for _, f := range []struct{ name, s string }{
		{"actor", e.Actor}, {"country", e.Country}, {"action", e.Action}, {"object", e.Object},
	} {
		if err := checkText(f.s); err != "" {
			return bad("%s %s", f.name, err)
		}
	}
	for k, v := range e.Details {
		if k == "" {
			return bad("detail with an empty key")
		}
		if err := checkText(k); err != "" {
			return bad("detail key %q %s", k, err)
		}
		if err := checkText(v); err != "" {
			return bad("detail %q %s", k, err)
		}
	}
	return nil
}

// checkText returns why s cannot be stored as text by every store, or "".
func checkText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	}
	return ""
}

// Checkpoint is a signed statement of the log's size and Merkle root: a signed note (see
// golang.org/x/mod/sumdb/note) whose text is tlog.FormatTree's.
type Checkpoint struct {
	Size int64
	Root tlog.Hash
	// Note is the signed note, text and signature lines, as note.Sign produced it.
	Note []byte
}
