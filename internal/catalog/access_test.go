package catalog

import (
	"testing"
)

func TestParseCountryCode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want CountryCode
		ok   bool
	}{
		{"fr", "FR", true}, {"DE", "DE", true}, {"f", "", false}, {"FRA", "", false}, {"F1", "", false}, {"", "", false}, {"é", "", false},
	} {
		got, err := ParseCountryCode(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseCountryCode(%q) = %q, %v; want %q, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	a := Access{Owner: "FR", Visibility: VisibilityListed, SharedWith: []CountryCode{"DE", "FR", "BE", "DE"}}.Normalize()
	if got := a.SharedWith; len(got) != 2 || got[0] != "BE" || got[1] != "DE" {
		t.Errorf("Normalize listed: SharedWith = %v, want [BE DE]", got)
	}
	b := Access{Owner: "FR", Visibility: VisibilityOwner, SharedWith: []CountryCode{"DE"}}.Normalize()
	if b.SharedWith != nil {
		t.Errorf("Normalize owner-only kept SharedWith %v", b.SharedWith)
	}
}

// TestSees spells the visibility rule out case by case; stores are held to the same table by
// the conformance suite.
func TestSees(t *testing.T) {
	t.Parallel()
	network := Access{Owner: "FR", Visibility: VisibilityNetwork}
	listedDE := Access{Owner: "FR", Visibility: VisibilityListed, SharedWith: []CountryCode{"DE"}}
	owner := Access{Owner: "FR", Visibility: VisibilityOwner}
	cases := []struct {
		name string
		user User
		sees [3]bool // network, listed with DE, owner-only
	}{
		{"owner analyst", User{Country: "FR", Role: RoleAnalyst}, [3]bool{true, true, true}},
		{"owner reviewer", User{Country: "FR", Role: RoleReviewer}, [3]bool{true, true, true}},
		{"listed country analyst", User{Country: "DE", Role: RoleAnalyst}, [3]bool{true, true, false}},
		{"other country analyst", User{Country: "IT", Role: RoleAnalyst}, [3]bool{true, false, false}},
		{"coordinator of another country", User{Country: "NL", Role: RoleCoordinator}, [3]bool{true, true, true}},
		{"owner country admin", User{Country: "FR", Role: RoleCountryAdmin}, [3]bool{false, false, false}},
		{"auditor", User{Country: "FR", Role: RoleAuditor}, [3]bool{false, false, false}},
		{"partner", User{Country: "FR", Role: RolePartner}, [3]bool{false, false, false}},
		{"disabled owner analyst", User{Country: "FR", Role: RoleAnalyst, Disabled: true}, [3]bool{false, false, false}},
		{"disabled coordinator", User{Country: "NL", Role: RoleCoordinator, Disabled: true}, [3]bool{false, false, false}},
	}
	for _, c := range cases {
		s := ScopeOf(c.user)
		got := [3]bool{s.Sees(network), s.Sees(listedDE), s.Sees(owner)}
		if got != c.sees {
			t.Errorf("%s: sees (network, listed DE, owner) = %v, want %v", c.name, got, c.sees)
		}
		for i, a := range []Access{network, listedDE, owner} {
			if Can(c.user, ActView, a) != c.sees[i] {
				t.Errorf("%s: Can(view, %v) = %v, want %v", c.name, a, !c.sees[i], c.sees[i])
			}
		}
	}
	if (Scope{}).Sees(network) {
		t.Errorf("the zero scope sees a network record; it must see nothing")
	}
	if !SystemScope().Sees(owner) {
		t.Errorf("system scope does not see an owner-only record")
	}
}

func TestCan(t *testing.T) {
	t.Parallel()
	frRecord := Access{Owner: "FR", Visibility: VisibilityNetwork}
	cases := []struct {
		user User
		act  Action
		want bool
	}{
		{User{Country: "FR", Role: RoleAnalyst}, ActAnnotate, true},
		{User{Country: "FR", Role: RoleAnalyst}, ActReveal, true},
		{User{Country: "FR", Role: RoleAnalyst}, ActCategorise, false},
		{User{Country: "FR", Role: RoleReviewer}, ActCategorise, true},
		{User{Country: "DE", Role: RoleReviewer}, ActCategorise, false}, // not the owner
		{User{Country: "DE", Role: RoleReviewer}, ActAnnotate, true},
		{User{Country: "NL", Role: RoleCoordinator}, ActIdentify, true},
		{User{Country: "NL", Role: RoleCoordinator}, ActManage, false}, // only the owner manages
		{User{Country: "FR", Role: RoleReviewer}, ActManage, true},
		{User{Country: "FR", Role: RoleAnalyst}, ActManage, false},
		{User{Country: "FR", Role: RoleAuditor}, ActView, false},
		{User{Country: "FR", Role: RoleCountryAdmin}, ActView, false},
		{User{Country: "FR", Role: RoleReviewer}, Action("fly"), false},
	}
	for _, c := range cases {
		if got := Can(c.user, c.act, frRecord); got != c.want {
			t.Errorf("Can(%s of %s, %s, FR record) = %v, want %v", c.user.Role, c.user.Country, c.act, got, c.want)
		}
	}
}

func TestCanManageUser(t *testing.T) {
	t.Parallel()
	frAdmin := User{ID: 1, Country: "FR", Role: RoleCountryAdmin}
	cases := []struct {
		admin, target User
		want          bool
	}{
		{frAdmin, User{ID: 2, Country: "FR", Role: RoleAnalyst}, true},
		{frAdmin, User{ID: 2, Country: "DE", Role: RoleAnalyst}, false},
		{frAdmin, User{ID: 2, Country: "FR", Role: RoleCoordinator}, false},
		{frAdmin, User{ID: 2, Country: "FR", Role: RoleAuditor}, false},
		{frAdmin, frAdmin, false},
		{User{ID: 3, Country: "NL", Role: RoleCoordinator}, User{ID: 2, Country: "FR", Role: RolePartner}, true},
		{User{ID: 4, Country: "FR", Role: RoleReviewer}, User{ID: 2, Country: "FR", Role: RoleAnalyst}, false},
	}
	for _, c := range cases {
		if got := CanManageUser(c.admin, c.target); got != c.want {
			t.Errorf("CanManageUser(%s %s, %s %s) = %v, want %v", c.admin.Country, c.admin.Role, c.target.Country, c.target.Role, got, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := Access{Owner: "FR", Visibility: VisibilityOwner}
	sha := Digests{SHA256: [32]byte{1}}
	cases := []struct {
		name string
		err  error
	}{
		{"user ok", User{Login: "ana.fr", Country: "FR", Role: RoleAnalyst}.Validate()},
		{"media ok", Media{Digests: sha, Kind: KindImage, Access: good, Blob: "ab"}.Validate()},
		{"person ok", Person{Kind: PersonVictim, Code: "V-1", Status: PersonUnidentified, Access: good}.Validate()},
		{"clue ok", Clue{Media: 1, Kind: ClueText, Text: "shop sign", Access: good}.Validate()},
		{"case ok", Case{Number: "2026/17", Access: good}.Validate()},
		{"series ok", Series{Name: "BLUE-LAKE", Status: SeriesUnidentified, Access: good}.Validate()},
	}
	for _, c := range cases {
		if c.err != nil {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	bad := []struct {
		name string
		err  error
	}{
		{"login with space", User{Login: "a b", Country: "FR", Role: RoleAnalyst}.Validate()},
		{"unknown role", User{Login: "a", Country: "FR", Role: "boss"}.Validate()},
		{"media without digest", Media{Kind: KindImage, Access: good}.Validate()},
		{"content without sha256", Media{Digests: Digests{MD5: [16]byte{1}}, Kind: KindImage, Access: good, Blob: "ab"}.Validate()},
		{"bad owner", Media{Digests: sha, Kind: KindImage, Access: Access{Owner: "fr", Visibility: VisibilityOwner}}.Validate()},
		{"identified without country", Person{Kind: PersonVictim, Code: "V", Status: PersonIdentified, Access: good}.Validate()},
		{"clue about nothing", Clue{Kind: ClueText, Text: "x", Access: good}.Validate()},
		{"clue with empty region", Clue{Media: 1, Kind: ClueText, Text: "x", Region: &Region{W: 0, H: 5}, Access: good}.Validate()},
		{"series bad status", Series{Name: "S", Status: "lost", Access: good}.Validate()},
	}
	for _, c := range bad {
		if c.err == nil {
			t.Errorf("%s: Validate accepted it", c.name)
		}
	}
}

func TestPageSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ limit, want int }{{0, DefaultPageSize}, {-5, DefaultPageSize}, {10, 10}, {MaxPageSize + 1, MaxPageSize}} {
		if got := (Page{Limit: c.limit}).Size(); got != c.want {
			t.Errorf("Page{Limit: %d}.Size() = %d, want %d", c.limit, got, c.want)
		}
	}
}

func TestHitMessage(t *testing.T) {
	t.Parallel()
	if got, want := (Hit{Owner: "DE"}).Message(), "a record owned by DE matches; contact DE"; got != want {
		t.Errorf("Hit.Message() = %q, want %q", got, want)
	}
}
