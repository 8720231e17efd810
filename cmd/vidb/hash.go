package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/pdq"
)

const hashUsage = `usage: vidb hash [--json] [--flavour fullres|squash512] [--dihedral] [--workers N] PATH...

Hashes files and folders (recursively): MD5, SHA-1, SHA-256, size, and for images the PDQ
perceptual hash with its quality. Media is recognised by content, not by file name. Inside
folders, symbolic links and special files are skipped.

Text output, one line per file, in the spirit of Meta's pdq-photo-hasher:
  pdq,quality,md5,sha1,sha256,size,path
pdq and quality are empty for files that are not decodable images. With --dihedral the 8
dihedral hashes (orig,rot90,rot180,rot270,flipx,flipy,flipplus1,flipminus1) and their quality
follow the quality. --json writes one JSON object per file instead, failed files included.

A file that fails is reported on stderr and the others go on; the exit status is then 3.

Memory: images are decoded at most 24 megapixels at a time across the workers (a larger one
runs alone), and the Go runtime is given a soft memory limit of 256 MiB, so that the peak
stays near 300 MB however many files there are. Set GOMEMLIMIT (e.g. GOMEMLIMIT=1GiB, or off)
to choose another limit.

flags:
`

// hashLine is the JSON form of one file's result. The field names are a stable interface.
type hashLine struct {
	Path     string            `json:"path"`
	Size     *int64            `json:"size,omitempty"`
	MD5      string            `json:"md5,omitempty"`
	SHA1     string            `json:"sha1,omitempty"`
	SHA256   string            `json:"sha256,omitempty"`
	Kind     string            `json:"kind,omitempty"`
	Format   string            `json:"format,omitempty"`
	Width    int               `json:"width,omitempty"`
	Height   int               `json:"height,omitempty"`
	PDQ      string            `json:"pdq,omitempty"`
	Quality  *int              `json:"quality,omitempty"`
	Flavour  string            `json:"flavour,omitempty"`
	Dihedral map[string]string `json:"dihedral,omitempty"`
	// DihedralQuality is the quality the dihedral path computes, which always blurs and so
	// can differ from Quality for 64x64 images.
	DihedralQuality *int   `json:"dihedral_quality,omitempty"`
	Error           string `json:"error,omitempty"`
}

func runHash(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("hash", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, hashUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "write one JSON object per file")
	flavourName := fs.String("flavour", string(pdq.FullRes), "PDQ `flavour`: fullres (HMA, ThreatExchange) or squash512 (pdq-photo-hasher)")
	dihedral := fs.Bool("dihedral", false, "also compute the 8 dihedral (rotated and mirrored) hashes")
	workers := fs.Int("workers", 0, "files hashed at once (default: the number of cores)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"no PATH given"}
	}
	flavour, err := pdq.ParseFlavour(*flavourName)
	if err != nil {
		return usageError{err.Error()}
	}

	limitMemory()
	opts := fingerprint.WalkOptions{
		Options: fingerprint.Options{Flavour: flavour, Dihedral: *dihedral},
		Workers: *workers,
	}
	var bar *progressBar
	if s.stderrIsTerminal {
		bar = newProgressBar(s.stderr)
		opts.Progress = bar.update
	}
	failed := 0
	enc := json.NewEncoder(s.stdout)
	enc.SetEscapeHTML(false)
	err = fingerprint.Walk(ctx, fs.Args(), opts, func(r fingerprint.Result) error {
		if r.Err != nil {
			failed++
			bar.clear()
			fmt.Fprintf(s.stderr, "vidb hash: %s: %v\n", r.Path, r.Err)
		}
		if *asJSON {
			return enc.Encode(toHashLine(r))
		}
		if r.Err != nil {
			return nil // the error line on stderr says it all
		}
		_, err := io.WriteString(s.stdout, textLine(r))
		return err
	})
	bar.finish()
	if err != nil {
		return err
	}
	if failed > 0 {
		fmt.Fprintf(s.stderr, "vidb hash: %d file(s) failed\n", failed)
		return errPartial
	}
	return nil
}

// softMemoryLimit is the soft memory limit of hash and triage. The live heap of a walk is about
// fingerprint.DefaultMaxPixelsInFlight decoded pixels (4 bytes each for RGBA, up to 15 for a
// progressive JPEG) plus the workers' file buffers; the limit makes the garbage collector keep
// the heap near that instead of letting it double (GOGC=100).
const softMemoryLimit = 256 << 20

// limitMemory sets softMemoryLimit unless GOMEMLIMIT, which the runtime has already read, or
// some earlier call chose a limit.
func limitMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(softMemoryLimit)
	}
}

// textLine renders a successful result as pdq,quality[,dihedral...],md5,sha1,sha256,size,path.
func textLine(r fingerprint.Result) string {
	var b strings.Builder
	if r.PDQ != nil {
		b.WriteString(r.PDQ.Hash.String())
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(r.PDQ.Quality))
	} else {
		b.WriteByte(',')
	}
	if r.Dihedral != nil {
		for _, h := range r.Dihedral.Hashes {
			b.WriteByte(',')
			b.WriteString(h.String())
		}
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(r.Dihedral.Quality))
	}
	fmt.Fprintf(&b, ",%s,%s,%s,%d,%s\n", r.Digest.MD5Hex(), r.Digest.SHA1Hex(), r.Digest.SHA256Hex(), r.Digest.Size, r.Path)
	return b.String()
}

func toHashLine(r fingerprint.Result) hashLine {
	l := hashLine{Path: r.Path, Kind: string(r.Kind), Format: r.Format, Width: r.Width, Height: r.Height}
	if r.Digested {
		l.Size = &r.Digest.Size
		l.MD5, l.SHA1, l.SHA256 = r.Digest.MD5Hex(), r.Digest.SHA1Hex(), r.Digest.SHA256Hex()
	}
	if r.PDQ != nil {
		l.PDQ, l.Quality, l.Flavour = r.PDQ.Hash.String(), &r.PDQ.Quality, string(r.PDQ.Flavour)
	}
	if r.Dihedral != nil {
		l.Dihedral = make(map[string]string, len(r.Dihedral.Hashes))
		for t, h := range r.Dihedral.Hashes {
			l.Dihedral[pdq.Transform(t).String()] = h.String()
		}
		l.DihedralQuality = &r.Dihedral.Quality
	}
	if r.Err != nil {
		l.Error = r.Err.Error()
	}
	return l
}
