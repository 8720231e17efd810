package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
	"github.com/vidb-project/vidb/pdq"
)

// querier is what both the read pool (*sql.DB) and a transaction (*sql.Tx) offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// Times are stored as microseconds since the epoch, UTC; NULL for the zero time.

func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func fromMicrosPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMicro(v.Int64).UTC()
	return &t
}

// stamp is t in the store's form (UTC, to the microsecond), or now when t is zero.
func stamp(t time.Time, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Digests are BLOBs of their exact length, NULL when unknown.

func digestArgs(d catalog.Digests) (sha256, sha1, md5 any) {
	if d.HasSHA256() {
		sha256 = d.SHA256[:]
	}
	if d.HasSHA1() {
		sha1 = d.SHA1[:]
	}
	if d.HasMD5() {
		md5 = d.MD5[:]
	}
	return
}

func scanDigests(sha256, sha1, md5 []byte) (catalog.Digests, error) {
	var d catalog.Digests
	for _, x := range []struct {
		dst []byte
		src []byte
	}{{d.SHA256[:], sha256}, {d.SHA1[:], sha1}, {d.MD5[:], md5}} {
		if x.src == nil {
			continue
		}
		if len(x.src) != len(x.dst) {
			return d, fmt.Errorf("sqlite: stored digest of %d bytes, want %d", len(x.src), len(x.dst))
		}
		copy(x.dst, x.src)
	}
	return d, nil
}

func scanHash(b []byte) (pdq.Hash, error) {
	var h pdq.Hash
	if len(b) != len(h) {
		return h, fmt.Errorf("sqlite: stored PDQ hash of %d bytes, want %d", len(b), len(h))
	}
	copy(h[:], b)
	return h, nil
}

// nullID stores 0 as NULL, for optional references.
func nullID[T ~int64](id T) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

func nullString[T ~string](s T) any {
	if s == "" {
		return nil
	}
	return string(s)
}

// jsonList decodes the json_group_array columns the queries return (NULL for none).
func jsonList[T any](s sql.NullString) ([]T, error) {
	if !s.Valid || s.String == "" || s.String == "[]" {
		return nil, nil
	}
	var v []T
	if err := json.Unmarshal([]byte(s.String), &v); err != nil {
		return nil, fmt.Errorf("sqlite: decoding list: %w", err)
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

// normalizeCountries sorts and de-duplicates a list of countries, nil when empty.
func normalizeCountries(cs []catalog.CountryCode) []catalog.CountryCode {
	cs = slices.Clone(cs)
	slices.Sort(cs)
	cs = slices.Compact(cs)
	if len(cs) == 0 {
		return nil
	}
	return cs
}

// placeholders returns "?, ?, ..." for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// table describes a protected record type: its table, and the table listing the countries a
// listed record is shared with.
type table struct {
	name   string
	shares string
	key    string // the shares table's column naming the record
}

var (
	casesTable   = table{"cases", "case_shares", "case_id"}
	mediaTable   = table{"media", "media_shares", "media_id"}
	seriesTable  = table{"series", "series_shares", "series_id"}
	personsTable = table{"persons", "person_shares", "person_id"}
	cluesTable   = table{"clues", "clue_shares", "clue_id"}
)

// visible returns an SQL condition true exactly for the rows of t (under alias) that s Sees,
// with its arguments; callers handle s.None before querying. It is catalog.Scope.Sees in SQL:
// everything for All; else the asker's own, network, and listed records shared with them.
func visible(s catalog.Scope, t table, alias string) (string, []any) {
	if s.All {
		return "1", nil
	}
	cond := fmt.Sprintf("(%[1]s.owner = ? OR %[1]s.visibility = 'network' OR (%[1]s.visibility = 'listed' AND EXISTS (SELECT 1 FROM %[2]s sh WHERE sh.%[3]s = %[1]s.id AND sh.country = ?)))",
		alias, t.shares, t.key)
	return cond, []any{string(s.Country), string(s.Country)}
}

// sharesColumn is a select expression giving the sorted JSON list of countries a listed
// record is shared with (NULL otherwise).
func sharesColumn(t table, alias string) string {
	return fmt.Sprintf("CASE WHEN %[1]s.visibility = 'listed' THEN (SELECT json_group_array(country ORDER BY country) FROM %[2]s WHERE %[3]s = %[1]s.id) END",
		alias, t.shares, t.key)
}

// access rebuilds an Access from its columns.
func access(owner, visibility string, shared sql.NullString) (catalog.Access, error) {
	sw, err := jsonList[catalog.CountryCode](shared)
	if err != nil {
		return catalog.Access{}, err
	}
	return catalog.Access{Owner: catalog.CountryCode(owner), Visibility: catalog.Visibility(visibility), SharedWith: sw}, nil
}

// putShares stores the countries a record is shared with, replacing any it had.
func putShares(ctx context.Context, q querier, t table, id int64, a catalog.Access, replace bool) error {
	if replace {
		if _, err := q.ExecContext(ctx, "DELETE FROM "+t.shares+" WHERE "+t.key+" = ?", id); err != nil {
			return mapErr(err)
		}
	}
	for _, c := range a.SharedWith {
		if _, err := q.ExecContext(ctx, "INSERT INTO "+t.shares+" ("+t.key+", country) VALUES (?, ?)", id, string(c)); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// pageArgs returns the keyset bound and the limit of p.
func pageArgs(p catalog.Page) (int64, int) { return max(p.After, 0), p.Size() }

// Durations are stored in nanoseconds.
func durationOf(ns int64) time.Duration { return time.Duration(ns) }

// blind reports whether s sees no record at all, so that a read returns nothing without
// querying: catalog.Scope.Sees is false for every record when s.None is set, or when s is
// neither All nor a country's (the zero Scope: a caller forgot to say who asks).
func blind(s catalog.Scope) bool { return s.None || (!s.All && s.Country == "") }

// EXIF is stored as the JSON of exif.Info, NULL when a record has none. The thumbnail is never
// stored: catalog.Media.Validate refuses it, and encodeEXIF drops it besides.

func encodeEXIF(x *exif.Info) (any, error) {
	if x == nil {
		return nil, nil
	}
	b, err := x.StoredJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: media EXIF: %w", catalog.ErrInvalid, err)
	}
	return string(b), nil
}

func decodeEXIF(s sql.NullString) (*exif.Info, error) {
	if !s.Valid {
		return nil, nil
	}
	x, err := exif.ParseStoredJSON([]byte(s.String))
	if err != nil {
		return nil, fmt.Errorf("sqlite: decoding stored EXIF: %w", err)
	}
	return x, nil
}
