package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/httpapi"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/obs"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/internal/webui"
)

const serveUsage = `usage: vidb serve [--data DIR] [--addr HOST:PORT] [--db URL] [--blobs URL] [--tls-cert FILE --tls-key FILE]

Runs the vidb server: the JSON API under /api/v1 (described at /api/openapi.json), /healthz and
/metrics. On the embedded default everything lives in the data folder; --db and --blobs move the
catalog to PostgreSQL and the blobs to S3-compatible storage, so that several replicas can share
them (each with its own copy of the data folder's keys).

If the data folder does not exist yet, serve creates the deployment first, as vidb init does, and
prints the first coordinator's one-time password once.

Every flag can also be set in the environment as VIDB_NAME (--reveal-limit as VIDB_REVEAL_LIMIT);
flags win.

flags:
`

func runServe(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, serveUsage); fs.PrintDefaults() }
	df := deployFlags{getenv: s.getenv}
	df.register(fs)
	var first firstRun
	first.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this `address`")
	certFile := fs.String("tls-cert", "", "serve HTTPS with this certificate `file` (PEM)")
	keyFile := fs.String("tls-key", "", "the TLS certificate's private key `file` (PEM)")
	revealLimit := fs.Int("reveal-limit", 0, "how many media one user may reveal in full per day (`N`; 0: no limit)")
	maxUpload := fs.Int64("max-upload", 4<<30, "the largest upload in `bytes`")
	noVideo := fs.Bool("no-video", false, "store videos without frame hashes (the default when ffmpeg is not installed)")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if (*certFile == "") != (*keyFile == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	log, err := obs.NewLogger(s.stderr, *logLevel)
	if err != nil {
		return usageError{err.Error()}
	}

	if fresh, err := folderIsNew(df.data); err != nil {
		return err
	} else if fresh {
		if err := initDeployment(ctx, df, first, s.stderr); err != nil {
			return err
		}
	}
	d, err := df.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()

	srv, err := newServer(ctx, d, serverOptions{
		revealLimit: *revealLimit, maxUpload: *maxUpload, video: !*noVideo,
		secure: *certFile != "", follow: df.db != "",
	}, log)
	if err != nil {
		return err
	}
	defer srv.close()

	hs := &http.Server{
		Addr:              *addr,
		Handler:           srv.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if *certFile != "" {
		scheme = "https"
	}
	abs, _ := filepath.Abs(df.data)
	fmt.Fprintf(s.stderr, "vidb serving %s on %s://%s (web UI at /, API at /api/v1, documented at /api/openapi.json)\n", abs, scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() {
		if *certFile != "" {
			errc <- hs.ServeTLS(ln, *certFile, *keyFile)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serverOptions are the settings newServer takes from the command line.
type serverOptions struct {
	revealLimit int
	maxUpload   int64
	video       bool
	secure      bool // cookies only over TLS
	follow      bool // keep the index current from a database other processes write to
}

// server is the wired application: the handler and what must be stopped with it.
type server struct {
	handler http.Handler
	index   *ingest.Index
	stop    context.CancelFunc
	done    chan struct{}
}

// newServer wires the services of an open deployment into an HTTP handler: the near-duplicate
// index (built from the catalog), accounts, the ingest pipeline, casework, previews and the API.
func newServer(ctx context.Context, d *datadir.Deployment, o serverOptions, log *slog.Logger) (*server, error) {
	start := time.Now()
	index := ingest.NewIndex(d.Store, catalog.MatchableQuality, log)
	if err := index.Sync(ctx); err != nil {
		index.Close()
		return nil, fmt.Errorf("building the near-duplicate index: %w", err)
	}
	log.Info("near-duplicate index built", "codes", index.Len(), "duration", time.Since(start).Round(time.Millisecond))

	var vcfg *video.Config
	if o.video {
		cfg := video.Config{}
		h, err := video.New(cfg)
		if err == nil {
			_, err = h.Version(ctx)
		}
		if err != nil {
			// A server without ffmpeg still takes videos: stored and matched by digest, each
			// upload's answer saying so. Install Debian's ffmpeg for frame hashes.
			log.Warn("video frame hashing is off: ffmpeg and ffprobe are needed (apt-get install ffmpeg)", "err", err)
		} else {
			vcfg = &cfg
		}
	}
	spool := filepath.Join(d.Dir, datadir.SpoolDir)
	accounts, err := auth.New(d.Store, auth.Config{SealKey: d.SealKey}, log)
	if err != nil {
		index.Close()
		return nil, err
	}
	pipeline, err := ingest.New(d.Store, d.Vault, index, ingest.Config{MaxBytes: o.maxUpload, Video: vcfg, SpoolDir: spool}, log)
	if err != nil {
		index.Close()
		return nil, err
	}
	previews, err := preview.New(d.Store, d.Vault, preview.Config{DailyRevealLimit: o.revealLimit, Video: vcfg, SpoolDir: spool}, log)
	if err != nil {
		index.Close()
		return nil, err
	}
	work := casework.New(d.Store, time.Now, log)
	api, err := httpapi.New(httpapi.Config{MaxUpload: o.maxUpload, SecureCookies: o.secure}, httpapi.Deps{
		Store:   d.Store,
		Auth:    accounts,
		Ingest:  pipeline,
		Index:   index,
		Work:    work,
		Preview: previews,
		Metrics: obs.NewRegistry(),
		Log:     log,
		Ready: func(ctx context.Context) error {
			_, err := d.Store.Countries(ctx)
			return err
		},
	})
	if err != nil {
		index.Close()
		return nil, err
	}
	ui, err := webui.New(webui.Config{SecureCookies: o.secure}, webui.Deps{
		Store: d.Store, Auth: accounts, Ingest: pipeline, Work: work, Preview: previews, Log: log,
	})
	if err != nil {
		index.Close()
		return nil, err
	}
	// The API keeps its paths; the web UI has every other one. Both take the same session cookie.
	h := http.NewServeMux()
	h.Handle("/api/", api)
	h.Handle("/healthz", api)
	h.Handle("/metrics", api)
	h.Handle("/", ui)
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	srv := &server{handler: h, index: index, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(srv.done)
		if !o.follow {
			<-bg.Done()
			return
		}
		// Other replicas write to the same database: follow its change feed.
		if err := index.Follow(bg, time.Second); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("following the catalog's changes stopped", "err", err)
		}
	}()
	return srv, nil
}

// close stops the background work and releases the index.
func (s *server) close() {
	s.stop()
	<-s.done
	s.index.Close()
}
