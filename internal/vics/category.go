package vics

import (
	"strconv"
	"strings"
)

// Category is a VICS category as the file carries it: the code, and the national variant whose
// scale the code is on. Codes of different variants are different things (US 1 is not UK 1) and
// are never mapped onto each other. The zero Category means uncategorised (Category absent or
// null); a present category always has a Variant.
//
// A 2.0 file states its variant in its root URI, and every category in it is on that variant's
// scale. A 1.x file names none: its categories are on the variant given in
// [ReaderOptions.Variant] if the caller knows it; otherwise codes on the published US scale
// (0–4) are attributed to "US", and any other code to "UK". That second rule is for NIST's NSRL
// "CAID" hash sets, 1.2 files whose every record carries the UK/CAID-style code 8 (known-benign
// media, label unpublished): such a code must never be read as a point on the US 0–4 scale.
// The writer applies the same rule in reverse ([ErrVariant]).
type Category struct {
	Variant string
	Code    int
}

// IsZero reports whether the category is absent (uncategorised).
func (c Category) IsZero() bool { return c == Category{} }

// Published reports whether the code is in its variant's published table ([Label]).
func (c Category) Published() bool {
	_, ok := Label(c)
	return ok
}

// SchemeCode returns the category as the (scheme, code) pair of vidb's catalog, such as
// ("vics-us", "1") or ("vics-uk", "8"), or ("", "") for the zero Category.
func (c Category) SchemeCode() (scheme, code string) {
	if c.IsZero() {
		return "", ""
	}
	return Scheme(c.Variant), strconv.Itoa(c.Code)
}

// String returns "US:1", or "" for the zero Category.
func (c Category) String() string {
	if c.IsZero() {
		return ""
	}
	return c.Variant + ":" + strconv.Itoa(c.Code)
}

// Scheme returns the name of a variant's categorisation scheme in vidb's catalog: "vics-" and
// the variant in lower case ("vics-us", "vics-uk", "vics-default"), with any character other
// than a letter, a digit or '-' replaced by '-'. It returns "" for "".
func Scheme(variant string) string {
	if variant == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("vics-")
	for _, r := range strings.ToLower(variant) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// Label returns the published meaning of a category code in its variant, and whether there is
// one. Only the US scale is public (as VICS-compatible tools display it; the data model itself
// is shared only under agreement); other variants' codes are kept without a label.
func Label(c Category) (string, bool) {
	if c.Variant != VariantUS {
		return "", false
	}
	switch c.Code {
	case 0:
		return "non-pertinent", true
	case 1:
		return "child sexual abuse material", true
	case 2:
		return "child exploitive (not CSAM) or age difficult", true
	case 3:
		return "CGI or animation", true
	case 4:
		return "comparison", true
	}
	return "", false
}

// The variants vidb knows by name. Others ("DEFAULT", "CUSTOM", ...) are kept as found.
const (
	VariantUS = "US"
	VariantUK = "UK"
)

// maxCategory is the largest category code accepted; real codes are single digits.
const maxCategory = 999

// attribute returns the variant of a category code in a file whose variant is fixed (stated in
// the file, or told by the caller), or, when fixed is "", by the rule in [Category]'s comment.
func attribute(fixed string, code int) string {
	if fixed != "" {
		return fixed
	}
	if _, ok := Label(Category{Variant: VariantUS, Code: code}); ok {
		return VariantUS
	}
	return VariantUK
}

// canonVariant returns a variant as used in [Category] and [Header]: upper case.
func canonVariant(v string) string { return strings.ToUpper(strings.TrimSpace(v)) }
