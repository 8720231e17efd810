package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// snapshot is what a transaction that rolled back must leave untouched.
type snapshot struct {
	Stats       catalog.Stats
	Events      int64
	Checkpoints int
	Cases       int
	PDQ         int
}

func takeSnapshot(t *testing.T, st catalog.Store) snapshot {
	t.Helper()
	return snapshot{
		Stats:       must(st.Stats(ctx(t)))(t),
		Events:      auditCount(t, st),
		Checkpoints: len(must(st.AuditCheckpoints(ctx(t)))(t)),
		Cases:       len(must(st.Cases(ctx(t), catalog.SystemScope(), catalog.Page{Limit: catalog.MaxPageSize}))(t)),
		PDQ:         len(collect(t, st.PDQEntries(ctx(t), 0))),
	}
}

// changeEverything is a transaction body that writes to every part of the catalog and the
// audit log; the rollback tests run it and then fail.
func changeEverything(t *testing.T, tx catalog.Tx, label string) error {
	m, _, err := tx.PutMedia(ctx(t), image(label, acc(fr, catalog.VisibilityNetwork)))
	if err != nil {
		return err
	}
	c, err := tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: label})
	if err != nil {
		return err
	}
	if _, err := tx.AddSighting(ctx(t), catalog.Sighting{Media: m.ID, Case: c.ID, Path: "/" + label, Country: fr}); err != nil {
		return err
	}
	if _, err := tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: label, Status: catalog.SeriesUnidentified}); err != nil {
		return err
	}
	if err := tx.AddCountry(ctx(t), catalog.Country{Code: "ZZ", Name: "rolled back"}); err != nil {
		return err
	}
	if _, err := tx.Audit(ctx(t), event("media.upload")); err != nil {
		return err
	}
	// The transaction sees its own writes.
	if _, err := tx.Media(ctx(t), catalog.SystemScope(), m.ID); err != nil {
		return fmt.Errorf("the transaction does not see its own media: %w", err)
	}
	return nil
}

func testRollbackError(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	putMedia(t, st, image("before", acc(fr, catalog.VisibilityNetwork)))
	before := takeSnapshot(t, st)
	boom := errors.New("boom")
	err := st.Update(ctx(t), func(tx catalog.Tx) error {
		if err := changeEverything(t, tx, "rolled-back"); err != nil {
			t.Errorf("changeEverything: %v", err)
		}
		return fmt.Errorf("failing on purpose: %w", boom)
	})
	if !errors.Is(err, boom) {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	diff(t, "the store after a failed Update", takeSnapshot(t, st), before)
	if _, err := st.Country(ctx(t), "ZZ"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("country added in a failed Update: %v", err)
	}
	verifyAudit(t, st)
	// The store still works.
	putMedia(t, st, image("after", acc(fr, catalog.VisibilityNetwork)))
	verifyAudit(t, st)
}

func testRollbackPanic(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	putMedia(t, st, image("before", acc(fr, catalog.VisibilityNetwork)))
	before := takeSnapshot(t, st)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want Update to let fn's panic go on", r)
			}
		}()
		_ = st.Update(ctx(t), func(tx catalog.Tx) error {
			if err := changeEverything(t, tx, "panicked"); err != nil {
				t.Errorf("changeEverything: %v", err)
			}
			panic("boom")
		})
		t.Error("Update returned after fn panicked")
	}()
	diff(t, "the store after a panic in Update", takeSnapshot(t, st), before)
	verifyAudit(t, st)
	putMedia(t, st, image("after", acc(fr, catalog.VisibilityNetwork)))
	verifyAudit(t, st)
}

func testUnaudited(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	before := takeSnapshot(t, st)
	for _, c := range []struct {
		name string
		fn   func(tx catalog.Tx) error
	}{
		{"CreateCase", func(tx catalog.Tx) error {
			_, err := tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "unaudited"})
			return err
		}},
		{"PutMedia", func(tx catalog.Tx) error {
			_, _, err := tx.PutMedia(ctx(t), image("unaudited", acc(fr, catalog.VisibilityNetwork)))
			return err
		}},
		{"AddCountry", func(tx catalog.Tx) error { return tx.AddCountry(ctx(t), catalog.Country{Code: "ZZ"}) }},
	} {
		err := st.Update(ctx(t), c.fn)
		wantErr(t, c.name+" without an audit event", err, catalog.ErrUnaudited)
	}
	diff(t, "the store after unaudited Updates", takeSnapshot(t, st), before)

	// Reading needs no audit event; an audit event alone is a change.
	if err := st.Update(ctx(t), func(tx catalog.Tx) error {
		_, err := tx.Stats(ctx(t))
		return err
	}); err != nil {
		t.Errorf("read-only Update: %v", err)
	}
	var e audit.Event
	if err := st.Update(ctx(t), func(tx catalog.Tx) (err error) {
		e, err = tx.Audit(ctx(t), event("media.reveal"))
		return err
	}); err != nil {
		t.Fatalf("Update with only an audit event: %v", err)
	}
	if got := auditCount(t, st); got != before.Events+1 || e.Seq != before.Events {
		t.Errorf("after one audit event: %d events, Seq %d; want %d and %d", got, e.Seq, before.Events+1, before.Events)
	}
	verifyAudit(t, st)
}

func testTxSeesOwnWrites(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	write(t, st, func(tx catalog.Tx) error {
		m, _, err := tx.PutMedia(ctx(t), image("own", acc(fr, catalog.VisibilityOwner)))
		if err != nil {
			return err
		}
		got, err := tx.Media(ctx(t), catalog.Scope{Country: fr}, m.ID)
		if err != nil {
			return fmt.Errorf("reading media in the writing transaction: %w", err)
		}
		diff(t, "Media in the writing transaction", got, m)
		found, err := tx.LookupDigests(ctx(t), []catalog.Digests{m.Digests})
		if err != nil {
			return err
		}
		if len(found) != 1 || len(found[0]) != 1 || found[0][0].ID != m.ID {
			t.Errorf("LookupDigests in the writing transaction = %v", found)
		}
		// PutMedia of the same file in the same transaction finds it.
		again, created, err := tx.PutMedia(ctx(t), image("own", acc(de, catalog.VisibilityNetwork)))
		if err != nil {
			return err
		}
		if created || again.ID != m.ID {
			t.Errorf("second PutMedia in one transaction: ID %d created %v, want %d false", again.ID, created, m.ID)
		}
		entries := 0
		for _, err := range tx.PDQEntries(ctx(t), 0) {
			if err != nil {
				return err
			}
			entries++
		}
		if entries != 1 {
			t.Errorf("PDQEntries in the writing transaction: %d entries, want 1", entries)
		}
		return nil
	})
}

func testConcurrentWriters(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	var cs catalog.Case
	write(t, st, func(tx catalog.Tx) (err error) {
		cs, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "1"})
		return err
	})
	before := auditCount(t, st)
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := st.Update(ctx(t), func(tx catalog.Tx) error {
					m, _, err := tx.PutMedia(ctx(t), image(fmt.Sprintf("w%d-%d", w, i), acc(fr, catalog.VisibilityNetwork)))
					if err != nil {
						return err
					}
					if _, err := tx.AddSighting(ctx(t), catalog.Sighting{Media: m.ID, Case: cs.ID, Path: fmt.Sprintf("/w%d/%d", w, i), Country: fr}); err != nil {
						return err
					}
					_, err = tx.Audit(ctx(t), audit.Event{Time: eventTime, Actor: fmt.Sprintf("writer-%d", w), Action: "media.upload", Object: fmt.Sprintf("media/%d", m.ID)})
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	// Readers run meanwhile.
	stop := make(chan struct{})
	var rg sync.WaitGroup
	rg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := st.MediaList(ctx(t), catalog.SystemScope(), catalog.MediaFilter{}, catalog.Page{Limit: 10}); err != nil {
				errs <- fmt.Errorf("MediaList while writing: %w", err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Update: %v", err)
	}
	if got := must(st.Stats(ctx(t)))(t).Media; got != writers*each {
		t.Errorf("Stats.Media = %d, want %d: writes were lost", got, writers*each)
	}
	events := collect(t, st.AuditEvents(ctx(t), 0))
	if int64(len(events)) != before+writers*each {
		t.Errorf("%d audit events, want %d", len(events), before+writers*each)
	}
	for i, e := range events {
		if e.Seq != int64(i) {
			t.Fatalf("audit event %d has Seq %d", i, e.Seq)
		}
	}
	sightings := 0
	for p := (catalog.Page{Limit: catalog.MaxPageSize}); ; {
		ms := must(st.MediaList(ctx(t), catalog.SystemScope(), catalog.MediaFilter{Case: cs.ID}, p))(t)
		for _, m := range ms {
			sightings += len(must(st.Sightings(ctx(t), catalog.SystemScope(), m.ID, catalog.Page{}))(t))
		}
		if len(ms) < p.Size() {
			break
		}
		p.After = int64(ms[len(ms)-1].ID)
	}
	if sightings != writers*each {
		t.Errorf("%d sightings, want %d", sightings, writers*each)
	}
	verifyAudit(t, st)
}

func testAuditLog(t *testing.T, st catalog.Store) {
	if got := auditCount(t, st); got != 0 {
		t.Fatalf("a fresh store has %d audit events", got)
	}
	if got := must(st.AuditCheckpoints(ctx(t)))(t); len(got) != 0 {
		t.Fatalf("a fresh store has %d checkpoints", len(got))
	}
	in := []audit.Event{
		{Time: eventTime, Actor: "alice", ActorID: 7, Country: "FR", Action: "media.upload", Object: "media/1",
			Details: map[string]string{"case": "FR-1", "path": `C:\a "b".jpg`, "note": "ünïcødé\n"}},
		{Time: eventTime.Add(1500 * time.Millisecond), Actor: "system", Action: "retention.delete", Object: "media/2"},
	}
	var got []audit.Event
	if err := st.Update(ctx(t), func(tx catalog.Tx) error {
		for _, e := range in {
			e.Seq = 99 // the store numbers events
			out, err := tx.Audit(ctx(t), e)
			if err != nil {
				return err
			}
			got = append(got, out)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i].Seq = int64(i)
	}
	diff(t, "Audit's returned events", got, in)
	diff(t, "AuditEvents(0)", collect(t, st.AuditEvents(ctx(t), 0)), in)
	diff(t, "AuditEvents(1)", collect(t, st.AuditEvents(ctx(t), 1)), in[1:])
	diff(t, "AuditEvents(2)", collect(t, st.AuditEvents(ctx(t), 2)), []audit.Event(nil))

	// A rolled-back Update leaves no event.
	_ = st.Update(ctx(t), func(tx catalog.Tx) error {
		if _, err := tx.Audit(ctx(t), event("rolled.back")); err != nil {
			return err
		}
		return errors.New("no")
	})
	if n := auditCount(t, st); n != 2 {
		t.Errorf("%d events after a rolled-back Update, want 2", n)
	}

	// A second committed transaction, and more than a page of events in one.
	addCountries(t, st)
	write(t, st, func(tx catalog.Tx) error {
		for i := range 1100 {
			if _, err := tx.Audit(ctx(t), audit.Event{Time: eventTime, Actor: "bulk", Action: "media.reveal", Object: fmt.Sprintf("media/%d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	events := collect(t, st.AuditEvents(ctx(t), 0))
	n := int64(len(events))
	if n != 2+1+1100+1 {
		t.Errorf("%d events, want %d", n, 2+1+1100+1)
	}
	for i, e := range events {
		if e.Seq != int64(i) {
			t.Fatalf("event %d has Seq %d", i, e.Seq)
		}
	}
	tail := collect(t, st.AuditEvents(ctx(t), 1000))
	diff(t, "AuditEvents(1000)", tail, events[1000:])

	// A signed checkpoint in every committed transaction that appended events (see
	// audit.KindUnsigned), the last one over the whole log.
	cps := must(st.AuditCheckpoints(ctx(t)))(t)
	if len(cps) < 3 {
		t.Errorf("%d checkpoints, want at least 3 (one per committed transaction with events)", len(cps))
	}
	for i, cp := range cps {
		opened, err := audit.OpenCheckpoint(cp.Note, Verifier())
		if err != nil {
			t.Errorf("checkpoint %d: %v", i, err)
			continue
		}
		if opened.Size != cp.Size || opened.Root != cp.Root {
			t.Errorf("checkpoint %d: row says size %d, note says %d", i, cp.Size, opened.Size)
		}
		if i > 0 && cp.Size <= cps[i-1].Size {
			t.Errorf("checkpoints not oldest first: size %d after %d", cp.Size, cps[i-1].Size)
		}
	}
	if len(cps) > 0 && cps[len(cps)-1].Size != n {
		t.Errorf("last checkpoint covers %d events, want %d", cps[len(cps)-1].Size, n)
	}
	var fromSource []audit.Checkpoint
	for cp, err := range source(t, st).Checkpoints(ctx(t)) {
		if err != nil {
			t.Fatal(err)
		}
		fromSource = append(fromSource, cp)
	}
	diff(t, "audit.Source Checkpoints vs AuditCheckpoints", fromSource, cps)

	rep := verifyAudit(t, st)
	if rep.Events != n {
		t.Errorf("audit.Verify read %d events, want %d", rep.Events, n)
	}
	if rep.Head == nil || rep.Head.Size != n {
		t.Errorf("audit.Verify head %+v, want size %d", rep.Head, n)
	}
	// Verifying against a checkpoint kept outside the store.
	trusted := cps[0]
	if r2, err := audit.Verify(ctx(t), source(t, st), Verifier(), &trusted); err != nil || !r2.OK() {
		t.Errorf("audit.Verify with a trusted checkpoint: %v, %+v", err, r2)
	}

	// An invalid event is refused and the transaction can still fail cleanly.
	err := st.Update(ctx(t), func(tx catalog.Tx) error {
		_, err := tx.Audit(ctx(t), audit.Event{Time: eventTime, Action: "no.actor"})
		return err
	})
	if err == nil {
		t.Error("Audit of an event without an actor: no error")
	}
	if got := auditCount(t, st); got != n {
		t.Errorf("%d events after a refused event, want %d", got, n)
	}
}
