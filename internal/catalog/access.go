package catalog

import (
	"fmt"
	"slices"
)

// Visibility says which countries besides the owner may see a record.
type Visibility string

// The visibilities a record can have. The owner country chooses.
const (
	// VisibilityNetwork: every participating country.
	VisibilityNetwork Visibility = "network"
	// VisibilityListed: the owner and the countries listed in Access.SharedWith.
	VisibilityListed Visibility = "listed"
	// VisibilityOwner: the owner country only.
	VisibilityOwner Visibility = "owner"
)

// ParseVisibility returns the visibility named s.
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(s); v {
	case VisibilityNetwork, VisibilityListed, VisibilityOwner:
		return v, nil
	}
	return "", fmt.Errorf("%w: visibility %q: want network, listed or owner", ErrInvalid, s)
}

// Access is the header every protected record carries: who owns it and who else may see it.
type Access struct {
	Owner      CountryCode
	Visibility Visibility
	// SharedWith lists the countries that may see a VisibilityListed record; it is ignored
	// for the other visibilities. Kept sorted and without duplicates by Normalize.
	SharedWith []CountryCode
}

// Normalize sorts and de-duplicates SharedWith, drops the owner from it, and empties it unless
// the visibility is VisibilityListed, so that stores keep one canonical form.
func (a Access) Normalize() Access {
	if a.Visibility != VisibilityListed {
		a.SharedWith = nil
		return a
	}
	s := slices.Clone(a.SharedWith)
	slices.Sort(s)
	s = slices.Compact(s)
	s = slices.DeleteFunc(s, func(c CountryCode) bool { return c == a.Owner })
	if len(s) == 0 {
		s = nil
	}
	a.SharedWith = s
	return a
}

// Validate checks that the owner and shared countries are well-formed codes and the visibility
// is known.
func (a Access) Validate() error {
	if !a.Owner.Valid() {
		return fmt.Errorf("%w: owner country %q", ErrInvalid, a.Owner)
	}
	if _, err := ParseVisibility(string(a.Visibility)); err != nil {
		return err
	}
	for _, c := range a.SharedWith {
		if !c.Valid() {
			return fmt.Errorf("%w: shared-with country %q", ErrInvalid, c)
		}
	}
	return nil
}

// Scope is what a reader may see, derived from the asking user: the stores apply it inside
// their queries. The zero Scope sees nothing.
type Scope struct {
	// Country is the asker's country; records it owns, network records, and listed records
	// shared with it are visible.
	Country CountryCode
	// All is set for coordinators, who see every record.
	All bool
	// None is set for roles that see no records at all (auditors, partners, country admins).
	None bool
}

// ScopeOf returns the records u may see. Disabled users see nothing.
func ScopeOf(u User) Scope {
	switch {
	case u.Disabled:
		return Scope{None: true}
	case u.Role == RoleCoordinator:
		return Scope{Country: u.Country, All: true}
	case u.Role == RoleAnalyst || u.Role == RoleReviewer:
		return Scope{Country: u.Country}
	default:
		return Scope{None: true}
	}
}

// SystemScope sees every record. It is for vidb's own work (matching, index building,
// retention), never for answering a user.
func SystemScope() Scope { return Scope{All: true} }

// Sees reports whether a reader with scope s may see a record with access a. Every Store
// implementation must filter exactly as this function does; the conformance suite checks it.
func (s Scope) Sees(a Access) bool {
	switch {
	case s.None:
		return false
	case s.All:
		return true
	case s.Country == "":
		return false // the zero Scope: a caller forgot to say who asks
	case a.Owner == s.Country:
		return true
	case a.Visibility == VisibilityNetwork:
		return true
	case a.Visibility == VisibilityListed:
		return slices.Contains(a.SharedWith, s.Country)
	}
	return false
}

// Action is something a user may want to do to a record.
type Action string

// The actions the rules distinguish.
const (
	// ActView: read the record's content and metadata, and its blurred preview.
	ActView Action = "view"
	// ActReveal: see a media item in full, unblurred. Audited and counted per user per day.
	ActReveal Action = "reveal"
	// ActAnnotate: add clues and sightings, link the record to series, victims and offenders.
	ActAnnotate Action = "annotate"
	// ActCategorise: set a media item's category.
	ActCategorise Action = "categorise"
	// ActIdentify: record a victim or offender as identified, and a series' identification.
	ActIdentify Action = "identify"
	// ActManage: change the record's access (visibility, shares), retention, or delete it.
	ActManage Action = "manage"
)

// Can reports whether u may do act to a record with access a. The rules, after INTERPOL's rules
// on the processing of data: the owner country controls each record; others act only on what
// they may see; reviewers categorise and identify their own country's records, coordinators
// anyone's; only the owner country changes a record's access or retention, or deletes it.
func Can(u User, act Action, a Access) bool {
	scope := ScopeOf(u)
	if !scope.Sees(a) {
		return false
	}
	owner := a.Owner == u.Country
	switch act {
	case ActView, ActReveal, ActAnnotate:
		return true // every role with a scope that sees the record: analysts, reviewers, coordinators
	case ActCategorise, ActIdentify:
		return (u.Role == RoleReviewer && owner) || u.Role == RoleCoordinator
	case ActManage:
		return owner && (u.Role == RoleReviewer || u.Role == RoleCoordinator)
	}
	return false
}

// CanManageUser reports whether admin may create, change or disable the account target:
// country admins manage their own country's analysts, reviewers and admins; coordinators manage
// everyone. Nobody manages their own role.
func CanManageUser(admin, target User) bool {
	if admin.Disabled || (admin.ID != 0 && admin.ID == target.ID) {
		return false
	}
	switch admin.Role {
	case RoleCoordinator:
		return true
	case RoleCountryAdmin:
		return admin.Country == target.Country &&
			(target.Role == RoleAnalyst || target.Role == RoleReviewer || target.Role == RoleCountryAdmin)
	}
	return false
}
