package catalog

import (
	"fmt"
	"time"
)

// CountryCode is an ISO 3166-1 alpha-2 code in upper case, such as "FR".
type CountryCode string

// Valid reports whether c has the shape of an alpha-2 code (two letters A–Z). Whether the code
// is assigned is the deployment's business: it registers the countries it connects.
func (c CountryCode) Valid() bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// ParseCountryCode accepts a code in either case and returns it in upper case.
func ParseCountryCode(s string) (CountryCode, error) {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	c := CountryCode(b)
	if !c.Valid() {
		return "", fmt.Errorf("%w: country code %q: want two letters (ISO 3166-1 alpha-2)", ErrInvalid, s)
	}
	return c, nil
}

// Country is a participating country, the owner of records and the home of users.
type Country struct {
	Code    CountryCode
	Name    string
	Created time.Time
}

// Role is what a user does in vidb. Roles do not nest except that a reviewer can do everything
// an analyst can.
type Role string

// The roles, after INTERPOL's ICSE practice.
const (
	// RoleAnalyst uploads, views and annotates the records their country may see.
	RoleAnalyst Role = "analyst"
	// RoleReviewer is an analyst who also categorises media and confirms identifications.
	RoleReviewer Role = "reviewer"
	// RoleCountryAdmin manages the users of their own country; it sees no media, so that
	// administering a unit does not mean exposure to its material.
	RoleCountryAdmin Role = "country-admin"
	// RoleCoordinator is the central coordination unit: sees every record, coordinates series
	// across countries, manages countries and users.
	RoleCoordinator Role = "coordinator"
	// RoleAuditor reads and verifies the audit log; sees no media or record content.
	RoleAuditor Role = "auditor"
	// RolePartner is an industry partner that downloads published hash lists and nothing else.
	RolePartner Role = "partner"
)

// Roles lists every role, in the order the documentation presents them.
func Roles() []Role {
	return []Role{RoleAnalyst, RoleReviewer, RoleCountryAdmin, RoleCoordinator, RoleAuditor, RolePartner}
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w: role %q: want one of analyst, reviewer, country-admin, coordinator, auditor, partner", ErrInvalid, s)
}

// UserID identifies a user.
type UserID int64

// User is an account. Credentials (password hashes, tokens, TOTP secrets) are kept by the auth
// package, not here.
type User struct {
	ID       UserID
	Login    string
	Name     string // display name; may be empty
	Country  CountryCode
	Role     Role
	Disabled bool
	Created  time.Time
}

// Validate checks the fields a new or updated user must have.
func (u User) Validate() error {
	if l := len(u.Login); l == 0 || l > 64 {
		return fmt.Errorf("%w: login must be 1 to 64 characters", ErrInvalid)
	}
	for _, c := range u.Login {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '@') {
			return fmt.Errorf("%w: login %q: use lower-case letters, digits and . - _ @", ErrInvalid, u.Login)
		}
	}
	if !u.Country.Valid() {
		return fmt.Errorf("%w: user country %q", ErrInvalid, u.Country)
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return err
	}
	return nil
}
