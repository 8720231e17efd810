package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
)

// querier is what the pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// query builds a statement and its positional arguments.
type query struct {
	b    strings.Builder
	args []any
}

// arg adds an argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// add appends SQL text.
func (q *query) add(s ...string) *query {
	for _, x := range s {
		q.b.WriteString(x)
	}
	return q
}

func (q *query) String() string { return q.b.String() }

// scope returns the condition that keeps exactly the rows whose access header (the columns
// owner, visibility, shared_with of the table aliased t) s Sees: the SQL form of
// catalog.Scope.Sees.
func (q *query) scope(s catalog.Scope, t string) string {
	switch {
	case s.None:
		return "FALSE"
	case s.All:
		return "TRUE"
	case s.Country == "":
		return "FALSE" // the zero Scope sees nothing
	}
	c := q.arg(string(s.Country))
	return fmt.Sprintf("(%[1]s.owner = %[2]s OR %[1]s.visibility = 'network' OR (%[1]s.visibility = 'listed' AND %[2]s = ANY(%[1]s.shared_with)))", t, c)
}

// page appends the keyset condition and order of a listing on column id of alias t. The
// statement must already have a WHERE clause.
func (q *query) page(p catalog.Page, t string) {
	q.add(" AND ", t, ".id > ", q.arg(p.After), " ORDER BY ", t, ".id LIMIT ", strconv.Itoa(p.Size()))
}

// accessArgs returns the access header's column values, normalised.
func accessArgs(a catalog.Access) (owner, visibility string, shared []string) {
	a = a.Normalize()
	return string(a.Owner), string(a.Visibility), codes(a.SharedWith)
}

// codes converts country codes for the database; nil becomes an empty array.
func codes(cs []catalog.CountryCode) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// set converts country codes for the database as a set: sorted, without duplicates.
func set(cs []catalog.CountryCode) []string {
	out := codes(cs)
	slices.Sort(out)
	return slices.Compact(out)
}

// countryCodes converts an array read from the database; empty becomes nil.
func countryCodes(ss []string) []catalog.CountryCode {
	if len(ss) == 0 {
		return nil
	}
	out := make([]catalog.CountryCode, len(ss))
	for i, s := range ss {
		out[i] = catalog.CountryCode(s)
	}
	return out
}

// access assembles an access header read from the database.
func access(owner, visibility string, shared []string) catalog.Access {
	return catalog.Access{Owner: catalog.CountryCode(owner), Visibility: catalog.Visibility(visibility), SharedWith: countryCodes(shared)}
}

// digest returns a digest for the database: nil (NULL) when unknown.
func digest(b []byte) []byte {
	for _, c := range b {
		if c != 0 {
			return b
		}
	}
	return nil
}

// utc returns t in UTC, or nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// micro returns t as the database keeps it: UTC, to the microsecond.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// microp is micro for an optional time.
func microp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := micro(*t)
	return &u
}

// nullTime returns t for the database: NULL when zero.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := micro(t)
	return &u
}

// nullID returns an ID for the database: NULL when 0.
func nullID[T ~int64](id T) *int64 {
	if id == 0 {
		return nil
	}
	v := int64(id)
	return &v
}

// orNow returns t as stored, or now when t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return micro(t)
}

// collect reads every row of rows with scan.
func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// encodeEXIF returns the media's EXIF for the database: exif.Info as JSON text, without its
// thumbnail (which catalog.Media.Validate refuses anyway); nil (NULL) when there is none.
func encodeEXIF(x *exif.Info) (*string, error) {
	if x == nil {
		return nil, nil
	}
	b, err := x.StoredJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: media EXIF: %w", catalog.ErrInvalid, err)
	}
	s := string(b)
	return &s, nil
}

// decodeEXIF reads the media's EXIF back; NULL is nil.
func decodeEXIF(s *string) (*exif.Info, error) {
	if s == nil {
		return nil, nil
	}
	x, err := exif.ParseStoredJSON([]byte(*s))
	if err != nil {
		return nil, fmt.Errorf("postgres: decoding stored EXIF: %w", err)
	}
	return x, nil
}
