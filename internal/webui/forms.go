package webui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
)

// accessFrom reads the "visibility" and "shared_with" (comma-separated country codes) fields
// of a form into an Access owned by owner. An empty visibility is def.
func accessFrom(f url.Values, owner catalog.CountryCode, def catalog.Visibility) (catalog.Access, error) {
	vs := strings.TrimSpace(f.Get("visibility"))
	if vs == "" {
		vs = string(def)
	}
	v, err := catalog.ParseVisibility(vs)
	if err != nil {
		return catalog.Access{}, err
	}
	a := catalog.Access{Owner: owner, Visibility: v}
	for _, s := range strings.FieldsFunc(f.Get("shared_with"), func(r rune) bool { return r == ',' || r == ' ' }) {
		c, err := catalog.ParseCountryCode(s)
		if err != nil {
			return catalog.Access{}, err
		}
		a.SharedWith = append(a.SharedWith, c)
	}
	if len(a.SharedWith) > 0 && v != catalog.VisibilityListed {
		return catalog.Access{}, badRequest("countries to share with need the visibility \"listed\"")
	}
	return a.Normalize(), nil
}

// formID reads a form field holding a record ID; empty is 0.
func formID(f url.Values, name string) (int64, error) {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest(name + " must be a record number")
	}
	return n, nil
}

// tagsFrom splits a comma-separated tag list, each tag 1 to 64 characters on one line.
func tagsFrom(s string) ([]string, error) {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if len(t) > 64 || strings.ContainsAny(t, "\x00\r\n") {
			return nil, badRequest("tags must be 1 to 64 characters on one line")
		}
		out = append(out, t)
	}
	return out, nil
}

// regionFrom reads the x, y, w and h fields of a clue; all empty means no region.
func regionFrom(f url.Values) (*catalog.Region, error) {
	names := []string{"x", "y", "w", "h"}
	var v [4]int
	empty := 0
	for i, n := range names {
		s := strings.TrimSpace(f.Get(n))
		if s == "" {
			empty++
			continue
		}
		x, err := strconv.Atoi(s)
		if err != nil || x < 0 || x > 1<<20 {
			return nil, badRequest(fmt.Sprintf("region %s must be a whole number of pixels", n))
		}
		v[i] = x
	}
	switch empty {
	case 4:
		return nil, nil
	case 0:
	default:
		return nil, badRequest("a region needs x, y, w and h")
	}
	if v[2] == 0 || v[3] == 0 {
		return nil, badRequest("a region must be at least one pixel wide and high")
	}
	return &catalog.Region{X: v[0], Y: v[1], W: v[2], H: v[3]}, nil
}

// clueKinds are the kinds offered in clue forms.
var clueKinds = []catalog.ClueKind{
	catalog.ClueObject, catalog.ClueText, catalog.ClueLanguage, catalog.ClueLocation, catalog.ClueMetadata, catalog.ClueOther,
}

// clueFrom reads a clue form (kind, text, tags, visibility, shared_with).
func clueFrom(f url.Values, u catalog.User) (catalog.Clue, error) {
	a, err := accessFrom(f, u.Country, catalog.VisibilityOwner)
	if err != nil {
		return catalog.Clue{}, err
	}
	tags, err := tagsFrom(f.Get("tags"))
	if err != nil {
		return catalog.Clue{}, err
	}
	kind := catalog.ClueKind(strings.TrimSpace(f.Get("kind")))
	if kind == "" {
		kind = catalog.ClueOther
	}
	return catalog.Clue{Access: a, Kind: kind, Text: strings.TrimSpace(f.Get("text")), Tags: tags, Author: u.ID}, nil
}
