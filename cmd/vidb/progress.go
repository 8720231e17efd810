package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/fingerprint"
)

// progressBar draws a one-line progress report on a terminal: files, throughput and, once the
// totals are counted, a bar and the time left. A nil *progressBar draws nothing, so callers
// need not check whether a terminal is attached.
type progressBar struct {
	w       io.Writer
	start   time.Time
	last    time.Time
	drawn   bool
	current fingerprint.Progress
}

func newProgressBar(w io.Writer) *progressBar {
	now := time.Now()
	return &progressBar{w: w, start: now}
}

// update records p and redraws at most ten times a second.
func (b *progressBar) update(p fingerprint.Progress) {
	if b == nil {
		return
	}
	b.current = p
	if now := time.Now(); now.Sub(b.last) >= 100*time.Millisecond {
		b.last = now
		b.draw(now)
	}
}

func (b *progressBar) draw(now time.Time) {
	p := b.current
	elapsed := now.Sub(b.start).Seconds()
	mbps := 0.0
	if elapsed > 0 {
		mbps = float64(p.BytesDone) / 1e6 / elapsed
	}
	var line string
	if p.TotalsKnown && p.FilesTotal > 0 {
		frac := min(1, float64(p.FilesDone)/float64(p.FilesTotal))
		if p.BytesTotal > 0 {
			frac = min(1, float64(p.BytesDone)/float64(p.BytesTotal))
		}
		const width = 24
		filled := int(frac * width)
		eta := "--:--"
		if frac > 0 {
			left := time.Duration(elapsed * (1 - frac) / frac * float64(time.Second))
			eta = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
		}
		line = fmt.Sprintf("[%s%s] %d/%d files  %.1f MB/s  ETA %s",
			strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.FilesDone, p.FilesTotal, mbps, eta)
	} else {
		line = fmt.Sprintf("%d files  %.1f MB/s  (counting %d files)", p.FilesDone, mbps, p.FilesTotal)
	}
	fmt.Fprintf(b.w, "\r\x1b[K%s", line)
	b.drawn = true
}

// clear removes the bar so that a message can be printed on a clean line; the next update
// draws it again.
func (b *progressBar) clear() {
	if b == nil || !b.drawn {
		return
	}
	fmt.Fprint(b.w, "\r\x1b[K")
	b.drawn = false
	b.last = time.Time{}
}

// finish draws the final state and ends the line.
func (b *progressBar) finish() {
	if b == nil || b.current.FilesDone == 0 {
		return
	}
	b.draw(time.Now())
	fmt.Fprintln(b.w)
}
