package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a progress bar of dialogs loaded: redrawn in place on a
// terminal, one line every few seconds otherwise (logs, CI).
type progress struct {
	out   io.Writer
	total int
	stats *Stats
	start time.Time
	tty   bool
	last  time.Time
}

func newProgress(out io.Writer, total int, s *Stats, start time.Time) *progress {
	tty := false
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{out: out, total: total, stats: s, start: start, tty: tty}
}

func (p *progress) loop(done <-chan struct{}) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			p.draw(false)
		}
	}
}

// draw renders the bar; final forces a line even off a terminal.
func (p *progress) draw(final bool) {
	now := time.Now()
	if !p.tty && !final && now.Sub(p.last) < 5*time.Second {
		return
	}
	p.last = now
	done := int(p.stats.DialogsDone.Load())
	frac := 1.0
	if p.total > 0 {
		frac = float64(done) / float64(p.total)
	}
	const width = 30
	filled := int(frac * width)
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(p.stats.Requests.Load()) / max(elapsed, 1e-9)
	eta := "--"
	if done > 0 && done < p.total {
		eta = time.Duration(elapsed / float64(done) * float64(p.total-done) * float64(time.Second)).Round(time.Second).String()
	}
	failed := ""
	if n := p.stats.Failed.Load(); n > 0 {
		failed = fmt.Sprintf(" (%d failed)", n)
	}
	line := fmt.Sprintf("[%s%s] %3.0f%% %d/%d dialogs%s  %.0f req/s  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, done, p.total, failed, rate, eta)
	switch {
	case p.tty && final:
		fmt.Fprintf(p.out, "\r%s\x1b[K\n", line)
	case p.tty:
		fmt.Fprintf(p.out, "\r%s\x1b[K", line)
	default:
		fmt.Fprintln(p.out, line)
	}
}
