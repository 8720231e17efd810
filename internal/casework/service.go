package casework

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// Service carries out the analysts' actions on a catalog. It is safe for concurrent use.
type Service struct {
	store catalog.Store
	now   func() time.Time
	log   *slog.Logger
}

// New returns a Service acting on store. now is the clock for the times it records (nil means
// time.Now); log receives a line for each change (nil discards them).
func New(store catalog.Store, now func() time.Time, log *slog.Logger) *Service {
	if store == nil {
		panic("casework: New with a nil Store")
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, now: now, log: log}
}

// Limits on the free text the service accepts.
const (
	maxCountryName = 128
	maxSchemeLen   = 32
	maxCodeLen     = 32
	maxAgeBand     = 16
	maxNotes       = 10000
	maxTags        = 32
	maxTagLen      = 64
	// MaxAuditEvents is the most audit events one AuditEvents call returns.
	MaxAuditEvents = 1000
	// DefaultAuditEvents is what AuditEvents returns when asked for limit 0.
	DefaultAuditEvents = 100
)

// clock returns the service's time in UTC to the microsecond: what the stores and the audit
// log keep.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// update runs fn in one transaction that survives the caller hanging up: a change and its audit
// event are written together or not at all, whatever happens to the request.
func (s *Service) update(ctx context.Context, fn func(ctx context.Context, tx catalog.Tx) error) error {
	wctx := context.WithoutCancel(ctx)
	return s.store.Update(wctx, func(tx catalog.Tx) error { return fn(wctx, tx) })
}

// record appends the audit event of u's action to tx.
func (s *Service) record(ctx context.Context, tx catalog.Tx, u catalog.User, action, object string, details map[string]string) error {
	e := audit.Event{
		Time:    s.clock(),
		Actor:   u.Login,
		ActorID: int64(u.ID),
		Country: string(u.Country),
		Action:  action,
		Object:  object,
		Details: details,
	}
	if e.Actor == "" {
		e.Actor = "user/" + strconv.FormatInt(int64(u.ID), 10)
	}
	if _, err := tx.Audit(ctx, e); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	s.log.Info("casework", "action", action, "object", object, "user", int64(u.ID), "country", string(u.Country))
	return nil
}

// object names a record for the audit log, as "kind/id".
func object[ID ~int64](kind string, id ID) string {
	return kind + "/" + strconv.FormatInt(int64(id), 10)
}

// active refuses disabled accounts.
func active(u catalog.User) error {
	if u.Disabled {
		return fmt.Errorf("account disabled: %w", catalog.ErrForbidden)
	}
	return nil
}

// reader returns the scope u reads records with, or ErrForbidden for the roles that read no
// records (country admins, auditors, partners) and for disabled accounts.
func reader(u catalog.User) (catalog.Scope, error) {
	if err := active(u); err != nil {
		return catalog.Scope{}, err
	}
	sc := catalog.ScopeOf(u)
	if sc.None {
		return sc, fmt.Errorf("role %s reads no records: %w", u.Role, catalog.ErrForbidden)
	}
	return sc, nil
}

// invalid returns an ErrInvalid error with a message safe to show.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", catalog.ErrInvalid, fmt.Sprintf(format, args...))
}

// checkText refuses text that is too long, not UTF-8, or holds control characters other than
// tab and line breaks (multiline allows those).
func checkText(what, s string, maxLen int, multiline bool) error {
	if len(s) > maxLen {
		return invalid("%s longer than %d bytes", what, maxLen)
	}
	if !utf8.ValidString(s) {
		return invalid("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\r' || r == '\t')) || r == 0x7f {
			return invalid("%s holds a control character", what)
		}
	}
	return nil
}

// owner returns the owner of a new record u creates: u's country, or, for a coordinator,
// the country named.
func owner(u catalog.User, named catalog.CountryCode) (catalog.CountryCode, error) {
	switch {
	case named == "" || named == u.Country:
		return u.Country, nil
	case u.Role == catalog.RoleCoordinator:
		if !named.Valid() {
			return "", invalid("owner country %q", named)
		}
		return named, nil
	}
	return "", fmt.Errorf("only coordinators create records for another country: %w", catalog.ErrForbidden)
}

// newAccess completes the access of a new record: owner as owner decides, visibility owner
// when none is chosen.
func newAccess(u catalog.User, a catalog.Access) (catalog.Access, error) {
	o, err := owner(u, a.Owner)
	if err != nil {
		return a, err
	}
	a.Owner = o
	if a.Visibility == "" {
		a.Visibility = catalog.VisibilityOwner
	}
	a = a.Normalize()
	return a, a.Validate()
}

// changedAccess completes a changed access header: the owner cannot change, and an access
// without a visibility keeps the old one whole.
func changedAccess(old, a catalog.Access) (catalog.Access, error) {
	if a.Visibility == "" && len(a.SharedWith) == 0 && (a.Owner == "" || a.Owner == old.Owner) {
		return old.Normalize(), nil
	}
	if a.Owner == "" {
		a.Owner = old.Owner
	}
	if a.Owner != old.Owner {
		return a, invalid("the owner country of a record cannot change")
	}
	if a.Visibility == "" {
		a.Visibility = old.Visibility
	}
	a = a.Normalize()
	return a, a.Validate()
}

// sameAccess reports whether two normalised access headers are equal.
func sameAccess(a, b catalog.Access) bool {
	a, b = a.Normalize(), b.Normalize()
	if a.Owner != b.Owner || a.Visibility != b.Visibility || len(a.SharedWith) != len(b.SharedWith) {
		return false
	}
	for i := range a.SharedWith {
		if a.SharedWith[i] != b.SharedWith[i] {
			return false
		}
	}
	return true
}

// accessDetails describes an access header for the audit log.
func accessDetails(d map[string]string, a catalog.Access) map[string]string {
	d["owner"] = string(a.Owner)
	d["visibility"] = string(a.Visibility)
	if len(a.SharedWith) > 0 {
		parts := make([]string, len(a.SharedWith))
		for i, c := range a.SharedWith {
			parts[i] = string(c)
		}
		d["shared_with"] = strings.Join(parts, ",")
	}
	return d
}

// AddCountry registers a participating country. Only coordinators add countries.
func (s *Service) AddCountry(ctx context.Context, u catalog.User, c catalog.Country) (catalog.Country, error) {
	if err := active(u); err != nil {
		return catalog.Country{}, err
	}
	if u.Role != catalog.RoleCoordinator {
		return catalog.Country{}, fmt.Errorf("add country: only coordinators add countries: %w", catalog.ErrForbidden)
	}
	code, err := catalog.ParseCountryCode(string(c.Code))
	if err != nil {
		return catalog.Country{}, err
	}
	c.Code = code
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return catalog.Country{}, invalid("country name is empty")
	}
	if err := checkText("country name", c.Name, maxCountryName, false); err != nil {
		return catalog.Country{}, err
	}
	c.Created = s.clock()
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		if err := tx.AddCountry(ctx, c); err != nil {
			return err
		}
		if c, err = tx.Country(ctx, c.Code); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "country.add", "country/"+string(c.Code), map[string]string{"name": c.Name})
	})
	if err != nil {
		return catalog.Country{}, fmt.Errorf("add country %s: %w", code, err)
	}
	return c, nil
}

// Countries lists the participating countries, ordered by code. Every signed-in user may.
func (s *Service) Countries(ctx context.Context) ([]catalog.Country, error) {
	cs, err := s.store.Countries(ctx)
	if err != nil {
		return nil, fmt.Errorf("countries: %w", err)
	}
	return cs, nil
}

// Users lists user accounts for those who administer them: a country admin sees their own
// country's users (country "" or their own), a coordinator any country's (country "" for all).
// Everyone else gets ErrForbidden.
func (s *Service) Users(ctx context.Context, u catalog.User, country catalog.CountryCode, p catalog.Page) ([]catalog.User, error) {
	if err := active(u); err != nil {
		return nil, err
	}
	if country != "" && !country.Valid() {
		return nil, invalid("country code %q", country)
	}
	switch u.Role {
	case catalog.RoleCoordinator:
	case catalog.RoleCountryAdmin:
		if country == "" {
			country = u.Country
		}
		if country != u.Country {
			return nil, fmt.Errorf("users: a country admin lists their own country's users: %w", catalog.ErrForbidden)
		}
	default:
		return nil, fmt.Errorf("users: role %s does not administer users: %w", u.Role, catalog.ErrForbidden)
	}
	us, err := s.store.Users(ctx, country, p)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return us, nil
}

// Stats returns the deployment's figures. Every signed-in user may read them.
func (s *Service) Stats(ctx context.Context) (catalog.Stats, error) {
	st, err := s.store.Stats(ctx)
	if err != nil {
		return catalog.Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

// AuditEvents returns up to limit audit events from sequence number from (0-based), in order.
// Only auditors and coordinators read the audit log. limit 0 means DefaultAuditEvents; it may
// not exceed MaxAuditEvents.
func (s *Service) AuditEvents(ctx context.Context, u catalog.User, from int64, limit int) ([]audit.Event, error) {
	if err := active(u); err != nil {
		return nil, err
	}
	if u.Role != catalog.RoleAuditor && u.Role != catalog.RoleCoordinator {
		return nil, fmt.Errorf("audit events: only auditors and coordinators read the audit log: %w", catalog.ErrForbidden)
	}
	switch {
	case from < 0:
		return nil, invalid("audit events: negative start %d", from)
	case limit < 0 || limit > MaxAuditEvents:
		return nil, invalid("audit events: limit %d: want 0 to %d", limit, MaxAuditEvents)
	case limit == 0:
		limit = DefaultAuditEvents
	}
	var out []audit.Event
	for e, err := range s.store.AuditEvents(ctx, from) {
		if err != nil {
			return nil, fmt.Errorf("audit events: %w", err)
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Alerts lists the alerts of u's country, oldest first; unreadOnly leaves out read ones. Only
// roles that read records (analysts, reviewers, coordinators) have alerts.
func (s *Service) Alerts(ctx context.Context, u catalog.User, unreadOnly bool, p catalog.Page) ([]catalog.Alert, error) {
	if _, err := reader(u); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	as, err := s.store.Alerts(ctx, u.Country, unreadOnly, p)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return as, nil
}

// MarkAlertRead marks one of u's country's alerts read; another country's alert is ErrNotFound.
func (s *Service) MarkAlertRead(ctx context.Context, u catalog.User, id catalog.AlertID) error {
	if _, err := reader(u); err != nil {
		return fmt.Errorf("mark alert read: %w", err)
	}
	err := s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		if err := tx.MarkAlertRead(ctx, u.Country, id, s.clock()); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "alert.read", object("alert", id), nil)
	})
	if err != nil {
		return fmt.Errorf("mark alert %d read: %w", id, err)
	}
	return nil
}
