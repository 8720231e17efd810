package ingest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/video"
)

// Pipeline turns uploads into stored, indexed, matched records, and answers searches. It is
// safe for concurrent use.
type Pipeline struct {
	store   catalog.Store
	vault   *blob.Vault
	index   *Index
	cfg     Config
	log     *slog.Logger
	video   *video.Hasher // nil: videos by digest only
	sem     chan struct{}
	locks   keyLock
	hashers sync.Pool // *pdq.Hasher
}

// New returns a Pipeline storing into store and vault and matching against index, which the
// Pipeline keeps current after each upload (load it with Index.Sync first). log may be nil.
func New(store catalog.Store, vault *blob.Vault, index *Index, cfg Config, log *slog.Logger) (*Pipeline, error) {
	if store == nil || vault == nil || index == nil {
		return nil, errors.New("ingest: New needs a store, a vault and an index")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{store: store, vault: vault, index: index, cfg: cfg, log: log, sem: make(chan struct{}, cfg.Workers)}
	if cfg.Video != nil {
		if p.video, err = video.New(*cfg.Video); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	return p, nil
}

// Upload is one file to ingest.
type Upload struct {
	Body    io.Reader
	Case    catalog.CaseID // the uploader must be allowed to annotate it (catalog.Can ActAnnotate)
	Exhibit string
	Path    string // the file's path on the exhibit (also its name)
	// Created, Modified and Accessed are the file times the exhibit recorded, when known.
	Created, Modified, Accessed *time.Time
	Access                      *catalog.Access // for a new record; nil = the case's access
}

// Status says what an upload found in the catalog.
type Status string

// The statuses of an upload.
const (
	// StatusNew: the file was not held; a new record was created.
	StatusNew Status = "new"
	// StatusHeld: the file is already held, in a record the uploader sees.
	StatusHeld Status = "held"
	// StatusHit: the file is held by a country whose record the uploader may not see.
	StatusHit Status = "hit"
)

// Result is what Ingest did and found.
type Result struct {
	Status   Status
	Media    *catalog.Media // nil when Status is "hit"
	Hit      *catalog.Hit   // set when Status is "hit"
	Sighting catalog.Sighting
	Frames   int     // video frames hashed
	Matches  []Found // every other record matching, exact first, then near by distance
	Warnings []string
}

// now is the pipeline's clock in UTC to the microsecond, as the stores keep it.
func (p *Pipeline) now() time.Time { return p.cfg.Now().UTC().Truncate(time.Microsecond) }

// acquire takes a hashing slot.
func (p *Pipeline) acquire(ctx context.Context) (release func(), err error) {
	select {
	case p.sem <- struct{}{}:
		return func() { <-p.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// allowed checks that u's role may upload and search.
func allowed(u catalog.User) (catalog.Scope, error) {
	s := catalog.ScopeOf(u)
	if s.None {
		return s, fmt.Errorf("%w: role %s may not upload or search media", catalog.ErrForbidden, u.Role)
	}
	return s, nil
}

// Ingest stores one upload and returns what matched. It returns when the record is durable.
func (p *Pipeline) Ingest(ctx context.Context, u catalog.User, up Upload) (Result, error) {
	scope, err := allowed(u)
	if err != nil {
		return Result{}, err
	}
	if up.Body == nil {
		return Result{}, fmt.Errorf("%w: upload without a body", catalog.ErrInvalid)
	}
	cs, err := p.store.Case(ctx, scope, up.Case)
	if err != nil {
		return Result{}, fmt.Errorf("ingest: case %d: %w", up.Case, err)
	}
	if !catalog.Can(u, catalog.ActAnnotate, cs.Access) {
		return Result{}, fmt.Errorf("%w: may not add to case %d", catalog.ErrForbidden, cs.ID)
	}
	access := cs.Access
	if up.Access != nil {
		access = *up.Access
		if err := access.Validate(); err != nil {
			return Result{}, err
		}
		if access.Owner != u.Country && access.Owner != cs.Access.Owner && u.Role != catalog.RoleCoordinator {
			return Result{}, fmt.Errorf("%w: a new record is owned by the uploader's country or the case's", catalog.ErrForbidden)
		}
	}
	access = access.Normalize()

	release, err := p.acquire(ctx)
	if err != nil {
		return Result{}, p.failed(ctx, u, &readFailure{err: err})
	}
	sp, a, err := p.receive(ctx, up.Body)
	release()
	defer func() {
		if err := sp.remove(); err != nil {
			p.log.Error("removing spool file", "err", err)
		}
	}()
	if err != nil {
		return Result{}, p.failed(ctx, u, err)
	}
	res, err := p.commit(ctx, u, up, access, sp, a)
	if err != nil && ctx.Err() != nil {
		return Result{}, p.failed(ctx, u, &readFailure{err: ctx.Err(), bytes: sp.sum.Size})
	}
	return res, err
}

// receive spools and analyses the body.
func (p *Pipeline) receive(ctx context.Context, body io.Reader) (*spooled, analysis, error) {
	sp, err := spool(ctx, p.cfg.SpoolDir, body, p.cfg.MaxBytes)
	if err != nil {
		return nil, analysis{}, err
	}
	a, err := p.analyse(ctx, sp)
	if rf := (*readFailure)(nil); errors.As(err, &rf) {
		rf.bytes = sp.sum.Size
	}
	return sp, a, err
}

// failed records the upload_failed audit event when the client went away (err is a
// readFailure) and returns err.
func (p *Pipeline) failed(ctx context.Context, u catalog.User, err error) error {
	var rf *readFailure
	if !errors.As(err, &rf) {
		return err
	}
	reason := "read error"
	switch {
	case errors.Is(rf.err, context.Canceled):
		reason = "cancelled"
	case errors.Is(rf.err, context.DeadlineExceeded):
		reason = "deadline exceeded"
	}
	ev := p.event(u, "media.upload_failed", "", map[string]string{"reason": reason, "bytes": strconv.FormatInt(rf.bytes, 10)})
	if aerr := p.store.Update(context.WithoutCancel(ctx), func(tx catalog.Tx) error {
		_, err := tx.Audit(context.WithoutCancel(ctx), ev)
		return err
	}); aerr != nil {
		p.log.Error("recording a failed upload", "err", aerr)
	}
	p.log.Info("upload failed", "user", u.ID, "reason", reason, "bytes", rf.bytes)
	return fmt.Errorf("ingest: %w", err)
}

// event returns an audit event by u.
func (p *Pipeline) event(u catalog.User, action, object string, details map[string]string) audit.Event {
	return audit.Event{Time: p.now(), Actor: u.Login, ActorID: int64(u.ID), Country: string(u.Country),
		Action: action, Object: object, Details: details}
}

// commit stores the blob and the record with its sighting, matches, alerts and audit event.
func (p *Pipeline) commit(ctx context.Context, u catalog.User, up Upload, access catalog.Access, sp *spooled, a analysis) (Result, error) {
	sum := sp.sum
	unlock := p.locks.lock(sum.SHA256)
	defer unlock()

	digests := catalog.Digests{MD5: sum.MD5, SHA1: sum.SHA1, SHA256: sum.SHA256}
	pr := probe{digests: digests, hashes: a.dihedral, self: &sum.SHA256}
	if a.kind == catalog.KindVideo {
		pr.frames = a.frames
	}
	cands, err := p.find(ctx, p.store, pr)
	if err != nil {
		return Result{}, err
	}
	held, err := p.store.LookupDigests(ctx, []catalog.Digests{{SHA256: sum.SHA256}})
	if err != nil {
		return Result{}, fmt.Errorf("ingest: looking up the upload: %w", err)
	}
	needBlob := len(held[0]) == 0 || held[0][0].HashOnly()
	name := p.vault.Name(sum.SHA256)
	wrote := false
	if needBlob {
		if wrote, err = p.putBlob(ctx, sp); err != nil {
			return Result{}, err
		}
	}

	now := p.now()
	var res Result
	err = p.store.Update(ctx, func(tx catalog.Tx) error {
		res = Result{Frames: len(a.frames), Warnings: a.warnings}
		m := catalog.Media{
			Digests: digests, Size: sum.Size, MIME: a.mime, Kind: a.kind, Width: a.width, Height: a.height,
			Duration: a.duration, PDQ: a.pdq, Access: access, Retention: now.Add(p.cfg.Retention),
			Blob: name, EXIF: a.exif, Source: "upload",
		}
		got, created, err := tx.PutMedia(ctx, m)
		if err != nil {
			return fmt.Errorf("ingest: storing media: %w", err)
		}
		fresh := created
		if !created && got.HashOnly() {
			got.Blob, got.PDQ, got.Width, got.Height = name, a.pdq, a.width, a.height
			got.MIME, got.Kind, got.Duration, got.EXIF, got.Size = a.mime, a.kind, a.duration, a.exif, sum.Size
			if err := tx.UpdateMedia(ctx, got); err != nil {
				return fmt.Errorf("ingest: completing hash-only media %d: %w", got.ID, err)
			}
			fresh = true
		}
		if fresh && a.kind == catalog.KindVideo && len(a.frames) > 0 {
			if err := tx.PutFrames(ctx, got.ID, catalogFrames(a.frames)); err != nil {
				return fmt.Errorf("ingest: storing frames: %w", err)
			}
		}
		s, err := tx.AddSighting(ctx, catalog.Sighting{
			Media: got.ID, Case: up.Case, Exhibit: up.Exhibit, Path: up.Path,
			Created: up.Created, Modified: up.Modified, Accessed: up.Accessed,
			Uploader: u.ID, Country: u.Country, At: now,
		})
		if err != nil {
			return fmt.Errorf("ingest: storing sighting: %w", err)
		}
		res.Sighting = s
		matched := cands
		if !created {
			rec, err := p.recorded(ctx, tx, got)
			if err != nil {
				return err
			}
			matched = mergeCandidates(cands, rec)
		}
		for _, c := range cands {
			if err := tx.AddMatch(ctx, catalog.Match{A: got.ID, B: c.media.ID, Kind: c.kind, Distance: c.distance, Found: now}); err != nil {
				return fmt.Errorf("ingest: storing match: %w", err)
			}
		}
		if res.Matches, err = present(ctx, tx, u, matched); err != nil {
			return err
		}
		alertOn := matched
		switch {
		case created:
			res.Status, res.Media = StatusNew, &got
		case catalog.ScopeOf(u).Sees(got.Access):
			res.Status, res.Media = StatusHeld, &got
		default:
			res.Status, res.Hit = StatusHit, &catalog.Hit{Owner: got.Access.Owner}
		}
		if !created {
			// Someone else's record of the very file: its owner hears of it too.
			alertOn = append([]candidate{{media: got, kind: catalog.MatchExact}}, matched...)
		}
		own := got.ID
		if res.Status == StatusHit {
			own = 0 // the uploader's country may not learn the hidden record's ID
		}
		as, err := alerts(ctx, tx, u, true, own, alertOn, map[alertKey]bool{}, now)
		if err != nil {
			return err
		}
		for _, al := range as {
			if _, err := tx.AddAlert(ctx, al); err != nil {
				return fmt.Errorf("ingest: storing alert: %w", err)
			}
		}
		details := countKinds(cands)
		details["status"] = string(res.Status)
		details["sha256"] = hex.EncodeToString(sum.SHA256[:])
		details["kind"] = string(a.kind)
		details["case"] = strconv.FormatInt(int64(up.Case), 10)
		details["alerts"] = strconv.Itoa(len(as))
		_, err = tx.Audit(ctx, p.event(u, "media.upload", "media/"+strconv.FormatInt(int64(got.ID), 10), details))
		return err
	})
	if err != nil {
		if wrote {
			if derr := p.vault.Delete(context.WithoutCancel(ctx), sum.SHA256); derr != nil {
				p.log.Error("removing the blob of a failed upload", "err", derr)
			}
		}
		return Result{}, err
	}
	if err := p.index.Sync(context.WithoutCancel(ctx)); err != nil {
		p.log.Error("index sync after upload", "err", err)
	}
	p.log.Info("media uploaded", "media", resID(res), "status", res.Status, "kind", a.kind, "matches", len(res.Matches))
	return res, nil
}

func resID(r Result) catalog.MediaID {
	if r.Media != nil {
		return r.Media.ID
	}
	return r.Sighting.Media
}

// putBlob stores the spooled content in the vault and says whether this call wrote it. The
// caller holds the content's key lock.
func (p *Pipeline) putBlob(ctx context.Context, sp *spooled) (bool, error) {
	had, err := p.vault.Has(ctx, sp.sum.SHA256)
	if err != nil {
		return false, fmt.Errorf("ingest: blob: %w", err)
	}
	if had {
		return false, nil
	}
	f, err := os.Open(sp.path)
	if err != nil {
		return false, fmt.Errorf("ingest: reading spool: %w", err)
	}
	defer f.Close()
	if _, err := p.vault.PutVerified(ctx, sp.sum.SHA256, f); err != nil {
		return false, fmt.Errorf("ingest: blob: %w", err)
	}
	return true, nil
}

// mergeCandidates adds to found the recorded matches of records it does not have.
func mergeCandidates(found, rec []candidate) []candidate {
	have := map[catalog.MediaID]bool{}
	for _, c := range found {
		have[c.media.ID] = true
	}
	out := append([]candidate(nil), found...)
	for _, c := range rec {
		if !have[c.media.ID] {
			out = append(out, c)
		}
	}
	sortCandidates(out)
	return out
}

// countKinds counts candidates by kind, for audit details.
func countKinds(cs []candidate) map[string]string {
	n := map[catalog.MatchKind]int{}
	for _, c := range cs {
		n[c.kind]++
	}
	return map[string]string{
		"exact": strconv.Itoa(n[catalog.MatchExact]),
		"near":  strconv.Itoa(n[catalog.MatchNear]),
		"video": strconv.Itoa(n[catalog.MatchVideo]),
	}
}
