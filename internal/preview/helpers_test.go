package preview_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/store/postgres"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

var t0 = time.Date(2026, 5, 4, 23, 59, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// env is a catalog, a vault and users of three roles.
type env struct {
	st      catalog.Store
	vault   *blob.Vault
	blobDir string
	clock   *clock
	frAna   catalog.User
	deAna   catalog.User
	auditor catalog.User
}

func newEnv(t testing.TB) *env { return newEnvOn(t, "sqlite") }

// newEnvOn is newEnv on the named catalog: "sqlite", or "postgres" in a fresh schema at
// $VIDB_TEST_POSTGRES (or the development server; unreachable, it skips unless CI=true).
func newEnvOn(t testing.TB, kind string) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	e := &env{clock: &clock{t: t0}, blobDir: filepath.Join(dir, "blobs")}
	switch kind {
	case "sqlite":
		st, err := sqlite.Open(ctx, filepath.Join(dir, "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer(), Clock: e.clock.now})
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		e.st = st
	case "postgres":
		dsn := os.Getenv("VIDB_TEST_POSTGRES")
		if dsn == "" {
			dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		}
		b := make([]byte, 8)
		rand.Read(b)
		schema := "vidb_preview_" + hex.EncodeToString(b)
		st, err := postgres.Open(ctx, dsn, postgres.Options{AuditSigner: storetest.Signer(), Clock: e.clock.now, Schema: schema})
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("PostgreSQL (CI=true: the tests must run): %v", err)
			}
			t.Skipf("PostgreSQL unreachable (set VIDB_TEST_POSTGRES): %v", err)
		}
		t.Cleanup(func() {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Errorf("dropping schema %s: %v", schema, err)
				return
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
				t.Errorf("dropping schema %s: %v", schema, err)
			}
		})
		e.st = st
	default:
		t.Fatalf("unknown store %q", kind)
	}
	t.Cleanup(func() { e.st.Close() })
	st := e.st
	b, err := local.New(e.blobDir, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	e.vault = blob.NewVault(b, k, t.TempDir())
	seed(t, st, func(ctx context.Context, tx catalog.Tx) error {
		for _, c := range []catalog.CountryCode{"FR", "DE"} {
			if err := tx.AddCountry(ctx, catalog.Country{Code: c, Name: string(c), Created: t0}); err != nil {
				return err
			}
		}
		var err error
		if e.frAna, err = tx.AddUser(ctx, catalog.User{Login: "fr.analyst", Country: "FR", Role: catalog.RoleAnalyst, Created: t0}); err != nil {
			return err
		}
		if e.deAna, err = tx.AddUser(ctx, catalog.User{Login: "de.analyst", Country: "DE", Role: catalog.RoleAnalyst, Created: t0}); err != nil {
			return err
		}
		e.auditor, err = tx.AddUser(ctx, catalog.User{Login: "auditor", Country: "FR", Role: catalog.RoleAuditor, Created: t0})
		return err
	})
	return e
}

// service returns a preview Service on the env with cfg, its clock the env's.
func (e *env) service(t testing.TB, cfg preview.Config) *preview.Service {
	t.Helper()
	cfg.Now = e.clock.now
	s, err := preview.New(e.st, e.vault, cfg, nil)
	if err != nil {
		t.Fatalf("preview.New: %v", err)
	}
	return s
}

// seed writes records in one audited transaction.
func seed(t testing.TB, st catalog.Store, fn func(ctx context.Context, tx catalog.Tx) error) {
	t.Helper()
	ctx := context.Background()
	err := st.Update(ctx, func(tx catalog.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Event{Time: t0, Actor: "test", Action: "test.seed", Object: "test/1"})
		return err
	})
	if err != nil {
		t.Fatalf("seeding: %v", err)
	}
}

// put stores content in the vault and a media record for it owned by FR.
func (e *env) put(t testing.TB, data []byte, kind catalog.MediaKind, mime string, vis catalog.Visibility) catalog.Media {
	t.Helper()
	ref, err := e.vault.Put(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var m catalog.Media
	seed(t, e.st, func(ctx context.Context, tx catalog.Tx) error {
		var err error
		m, _, err = tx.PutMedia(ctx, catalog.Media{Digests: catalog.Digests{SHA256: ref.SHA256}, Size: ref.Size, MIME: mime,
			Kind: kind, Access: catalog.Access{Owner: "FR", Visibility: vis}, Blob: ref.Name, Source: "upload", Created: t0, Updated: t0})
		return err
	})
	return m
}

// hashOnly stores a record without content.
func (e *env) hashOnly(t testing.TB) catalog.Media {
	t.Helper()
	var m catalog.Media
	seed(t, e.st, func(ctx context.Context, tx catalog.Tx) error {
		var err error
		m, _, err = tx.PutMedia(ctx, catalog.Media{Digests: catalog.Digests{MD5: [16]byte{1, 2, 3}}, Kind: catalog.KindImage,
			Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityNetwork}, Source: "vics:test", Created: t0, Updated: t0})
		return err
	})
	return m
}

// events counts the audit log.
func events(t testing.TB, st catalog.Store) []audit.Event {
	t.Helper()
	var out []audit.Event
	for e, err := range st.AuditEvents(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// stripes returns a w x h colour image of vertical stripes period pixels wide.
func stripes(w, h, period int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 20, G: 40, B: 200, A: 255}
			if (x/period)%2 == 0 {
				c = color.NRGBA{R: 240, G: 220, B: 30, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// halves returns a w x h image whose left half is white and right half black.
func halves(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w / 2 {
			img.Pix[y*img.Stride+x] = 255
		}
	}
	return img
}

// jpegWithOrientation encodes img as JPEG with an EXIF block holding only the orientation.
func jpegWithOrientation(t testing.TB, img image.Image, orientation uint16) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	// TIFF header (little-endian), IFD0 with one entry: Orientation, SHORT, count 1.
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(tiff[18:], orientation)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(payload)+2))
	app1 = append(app1, payload...)
	data := b.Bytes()
	out := append([]byte{}, data[:2]...) // SOI
	out = append(out, app1...)
	return append(out, data[2:]...)
}

// decodePNG decodes a preview.
func decodePNG(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("preview is not a PNG: %v", err)
	}
	return img
}

// energy is the mean absolute difference between horizontally neighbouring pixels' luma, in
// 0..255: the image's high-frequency energy per pixel.
func energy(img image.Image) float64 {
	b := img.Bounds()
	var sum float64
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		prev := -1.0
		for x := b.Min.X; x < b.Max.X; x++ {
			l := float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			if prev >= 0 {
				d := l - prev
				if d < 0 {
					d = -d
				}
				sum += d
				n++
			}
			prev = l
		}
	}
	return sum / float64(n)
}

// meanLuma is the mean luma of img within r.
func meanLuma(img image.Image, r image.Rectangle) float64 {
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			sum += float64(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
			n++
		}
	}
	return sum / float64(n)
}
