package ingest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// hashN is a hash far from the other hashN, with bit flips to set a distance.
func hashN(n int, flips int) pdq.Hash {
	var h pdq.Hash
	for i := range h {
		h[i] = byte((n*131 + i*(n+7)*17) ^ (n * 29))
	}
	for k := range flips {
		h[k/8] ^= 1 << (k % 8)
	}
	return h
}

func change(t *testing.T, st catalog.Store, fn func(ctx context.Context, tx catalog.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx catalog.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "test.change"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestIndexSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	st := e.catalog
	ctx := context.Background()
	put := func(n, quality int, kind catalog.MediaKind) catalog.Media {
		var m catalog.Media
		change(t, st, func(ctx context.Context, tx catalog.Tx) error {
			var err error
			in := catalog.Media{Digests: catalog.Digests{SHA256: [32]byte{byte(n), 1}}, Kind: kind, Source: "upload",
				Access: catalog.Access{Owner: fr, Visibility: catalog.VisibilityOwner}, Blob: fmt.Sprint(n)}
			if kind == catalog.KindImage {
				in.PDQ = &catalog.PDQ{Hash: hashN(n, 0), Quality: quality, Flavour: pdq.FullRes}
			}
			m, _, err = tx.PutMedia(ctx, in)
			return err
		})
		return m
	}
	a := put(1, 100, catalog.KindImage)
	low := put(2, 10, catalog.KindImage)
	v := put(3, 0, catalog.KindVideo)
	change(t, st, func(ctx context.Context, tx catalog.Tx) error {
		return tx.PutFrames(ctx, v.ID, []catalog.Frame{
			{Number: 0, PDQ: catalog.PDQ{Hash: hashN(30, 0), Quality: 90}},
			{Number: 5, Timestamp: time.Second, PDQ: catalog.PDQ{Hash: hashN(31, 0), Quality: 90}},
		})
	})
	// A replica following the same database.
	replica := NewIndex(st, 0, nil)
	defer replica.Close()
	fctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- replica.Follow(fctx, 5*time.Millisecond) }()

	x := NewIndex(st, 0, nil)
	defer x.Close()
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if x.Len() != 3 {
		t.Errorf("Len = %d, want 3 (the low-quality hash is left out)", x.Len())
	}
	check := func(what string, x *Index, q pdq.Hash, want []IndexHit) {
		t.Helper()
		if diff := cmp.Diff(want, x.Search(q, pdq.MatchDistance)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	check("image", x, hashN(1, 5), []IndexHit{{Media: a.ID, Frame: -1, Distance: 5}})
	check("frame", x, hashN(31, 3), []IndexHit{{Media: v.ID, Frame: 5, Distance: 3}})
	check("low quality", x, hashN(2, 0), []IndexHit{})

	// Changes: the image's hash, fewer frames, a deleted record.
	change(t, st, func(ctx context.Context, tx catalog.Tx) error {
		a.PDQ = &catalog.PDQ{Hash: hashN(9, 0), Quality: 80, Flavour: pdq.FullRes}
		if err := tx.UpdateMedia(ctx, a); err != nil {
			return err
		}
		if err := tx.PutFrames(ctx, v.ID, []catalog.Frame{{Number: 0, PDQ: catalog.PDQ{Hash: hashN(30, 0), Quality: 90}}}); err != nil {
			return err
		}
		return tx.DeleteMedia(ctx, low.ID)
	})
	if err := x.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	check("old image hash", x, hashN(1, 0), []IndexHit{})
	check("new image hash", x, hashN(9, 2), []IndexHit{{Media: a.ID, Frame: -1, Distance: 2}})
	check("removed frame", x, hashN(31, 0), []IndexHit{})
	if x.Len() != 2 {
		t.Errorf("Len = %d, want 2", x.Len())
	}
	deadline := time.Now().Add(10 * time.Second)
	for replica.Len() != 2 || len(replica.Search(hashN(9, 0), 0)) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the following replica did not catch up: Len %d", replica.Len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != context.Canceled {
		t.Errorf("Follow returned %v, want context.Canceled", err)
	}
}
