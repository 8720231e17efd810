package audit

import (
	"time"

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

// Checkpoint is a signed statement of the log's size and Merkle root: a signed note (see
// golang.org/x/mod/sumdb/note) whose text is tlog.FormatTree's.
type Checkpoint struct {
	Size int64
	Root tlog.Hash
	// Note is the signed note, text and signature lines, as note.Sign produced it.
	Note []byte
}
