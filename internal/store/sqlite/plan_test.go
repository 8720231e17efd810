package sqlite

import (
	"strings"
	"testing"
)

// TestQueryPlans checks that the queries on paths that must stay fast at millions of rows
// use an index: a digest lookup, an import's probe, the PDQ feed, a media item's sightings.
func TestQueryPlans(t *testing.T) {
	s := openTest(t, Options{})
	blob := []byte("0123456789abcdef0123456789abcdef")
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"LookupDigests", lookupQuery, []any{blob, blob[:20], blob[:16]}},
		{"import probe", `SELECT id FROM media WHERE sha256 = ?1 UNION SELECT id FROM media WHERE sha1 = ?2
			UNION SELECT id FROM media WHERE md5 = ?3`, []any{blob, blob[:20], blob[:16]}},
		{"import SHA-256 shortcut", "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 IS NULL)", nil},
		{"PutMedia probe", "SELECT " + mediaCols + " FROM media m WHERE m.sha256 = ?", []any{blob}},
		{"PDQEntries", "SELECT seq, media_id, frame, hash, quality, flavour, deleted FROM pdq_feed WHERE seq > ? ORDER BY seq LIMIT ?", []any{0, 10}},
		{"feed removal", "DELETE FROM pdq_feed WHERE media_id = ? AND deleted = 0 AND frame = -1", []any{1}},
		{"Sightings", "SELECT " + sightingCols + " FROM sightings s JOIN cases c ON c.id = s.case_id WHERE s.media_id = ? AND s.id > ? ORDER BY s.id LIMIT ?", []any{1, 0, 10}},
		{"MediaList by case", "SELECT m.id FROM media m WHERE m.id > ? AND m.id IN (SELECT x.media_id FROM sightings x WHERE x.case_id = ?) ORDER BY m.id LIMIT ?", []any{0, 1, 10}},
		{"AuditEvents", "SELECT " + eventCols + " FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT ?", []any{0, 10}},
	} {
		rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, line := range plan {
			// A SCAN of a table without an index is a full table scan; the outer loop of a
			// correlated EXISTS over the primary key range is fine.
			if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "USING") && !strings.Contains(line, "CONSTANT ROW") {
				t.Errorf("%s: full scan in the plan:\n\t%s", q.name, strings.Join(plan, "\n\t"))
			}
		}
	}
}
