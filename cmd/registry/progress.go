package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress reports how far a long job has got. On a terminal it redraws
// one line: a bar (when the total is known), the count, the rate and an
// estimate of the time left. Elsewhere (a log, a pipe) it writes a plain
// line at each tenth of the total, or every plainEvery without one, and a
// last line when done.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	tty     bool
	label   string
	unit    string                 // "products", or "" for bytes
	total   int64                  // 0 when unknown
	now     func() time.Time       // the clock (tests)
	start   time.Time              // when counting began
	drawn   time.Time              // last redraw on a terminal
	step    int64                  // last tenth (or interval) reported on plain lines
	done    int64                  // the count so far
	waiting bool                   // wait was called and counting has not begun
	spin    func(time.Duration)    // the waiting line on a terminal
	stop    chan struct{}          // ends the waiting ticker
	fmtN    func(n int64) string   // formats a count
	rateN   func(r float64) string // formats a rate
}

// Intervals of progress reports.
const (
	redrawEvery = 200 * time.Millisecond // on a terminal
	plainEvery  = 30 * time.Second       // plain lines when the total is unknown
)

// newProgress reports to w; unit names what is counted ("products"), or ""
// for bytes.
func newProgress(w io.Writer, label, unit string) *progress {
	p := &progress{w: w, tty: isTerminal(w), label: label, unit: unit, now: time.Now}
	if unit == "" {
		p.fmtN = func(n int64) string { return humanBytes(n) }
		p.rateN = func(r float64) string { return humanBytes(int64(r)) + "/s" }
	} else {
		p.fmtN = func(n int64) string { return groupDigits(n) }
		p.rateN = func(r float64) string { return fmt.Sprintf("%.0f %s/s", r, unit) }
	}
	return p
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// wait shows that the job has not started counting: on a terminal a line
// with the time waited, redrawn every second; elsewhere one line. Any
// update or finish ends it.
func (p *progress) wait(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := p.now()
	p.waiting, p.start = true, start
	if !p.tty {
		fmt.Fprintf(p.w, "%s: %s\n", p.label, what)
		return
	}
	p.stop = make(chan struct{})
	p.spin = func(d time.Duration) { p.line(fmt.Sprintf("%s: %s… %s", p.label, what, clock(d))) }
	p.spin(0)
	go func(stop chan struct{}) {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.mu.Lock()
				if p.spin != nil {
					p.spin(p.now().Sub(start))
				}
				p.mu.Unlock()
			}
		}
	}(p.stop)
}

// endWait stops the waiting line; the caller holds the lock.
func (p *progress) endWait() {
	if p.stop != nil {
		close(p.stop)
		p.stop, p.spin = nil, nil
	}
}

// begin starts counting towards total (0 when unknown).
func (p *progress) begin(total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endWait()
	p.waiting = false
	p.total, p.done, p.step, p.start = total, 0, 0, p.now()
}

// update sets the count.
func (p *progress) update(done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	now := p.now()
	if p.tty {
		if now.Sub(p.drawn) >= redrawEvery {
			p.drawn = now
			p.line(p.status(now))
		}
		return
	}
	var step int64
	if p.total > 0 {
		step = done * 10 / p.total
	} else {
		step = int64(now.Sub(p.start) / plainEvery)
	}
	if step > p.step && (p.total == 0 || done < p.total) { // finish says the last
		p.step = step
		fmt.Fprintln(p.w, p.status(now))
	}
}

// add counts n more.
func (p *progress) add(n int64) {
	p.mu.Lock()
	done := p.done + n
	p.mu.Unlock()
	p.update(done)
}

// finish writes the final line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endWait()
	now := p.now()
	d := now.Sub(p.start)
	msg := fmt.Sprintf("%s: %s in %s", p.label, p.fmtN(p.done), clock(d))
	switch {
	case p.waiting:
		msg = fmt.Sprintf("%s: the server answered after %s", p.label, clock(d))
	case p.unit != "":
		msg = fmt.Sprintf("%s: %s %s in %s", p.label, p.fmtN(p.done), p.unit, clock(d))
	}
	if s := d.Seconds(); s > 0 && !p.waiting {
		msg += " (" + p.rateN(float64(p.done)/s) + ")"
	}
	p.waiting = false
	if p.tty {
		p.line(msg)
		fmt.Fprintln(p.w)
		return
	}
	fmt.Fprintln(p.w, msg)
}

// status is the progress line: count, share of the total, rate, time
// left.
func (p *progress) status(now time.Time) string {
	var b strings.Builder
	b.WriteString(p.label + ": ")
	if p.tty && p.total > 0 {
		const width = 24
		filled := int(min(p.done, p.total) * width / p.total)
		b.WriteString("[" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "] ")
	}
	b.WriteString(p.fmtN(p.done))
	if p.total > 0 {
		fmt.Fprintf(&b, " of %s", p.fmtN(p.total))
	}
	if p.unit != "" {
		b.WriteString(" " + p.unit)
	}
	if p.total > 0 {
		fmt.Fprintf(&b, " (%d%%)", min(p.done, p.total)*100/p.total)
	}
	if s := now.Sub(p.start).Seconds(); s > 0 && p.done > 0 {
		rate := float64(p.done) / s
		b.WriteString(", " + p.rateN(rate))
		if p.total > p.done {
			left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			b.WriteString(", about " + clock(left) + " left")
		}
	}
	return b.String()
}

// line redraws the terminal line; the caller holds the lock.
func (p *progress) line(s string) {
	fmt.Fprintf(p.w, "\r\033[K%s", s)
}

// clock formats a duration as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// humanBytes formats a size: 512 B, 4.2 kB, 210.0 MB (powers of 1,000).
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// groupDigits writes a count with thousands separators: 10,000.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
