package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestProgressPlain: without a terminal, a line at each tenth of the total
// with the rate and the time left, and a last line when done.
func TestProgressPlain(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	clock := &fakeClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	p := newProgress(&out, "statistics", "products")
	p.now = clock.now
	p.begin(10_000)
	for i := int64(1); i <= 10_000; i++ {
		clock.t = clock.t.Add(10 * time.Millisecond) // 100 products a second
		p.update(i)
	}
	p.finish()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 9 tenths and the end:\n%s", len(lines), out.String())
	}
	if want := "statistics: 1,000 of 10,000 products (10%), 100 products/s, about 1:30 left"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if want := "statistics: 10,000 products in 1:40 (100 products/s)"; lines[9] != want {
		t.Errorf("last line %q, want %q", lines[9], want)
	}
	if strings.Contains(out.String(), "\r") {
		t.Error("plain output redraws lines")
	}
}

// TestProgressTerminal: on a terminal one line is redrawn with a bar, at
// most every redrawEvery; bytes are counted in kB/MB; waiting shows the
// time waited.
func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	clock := &fakeClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	p := newProgress(&out, "download", "")
	p.now, p.tty = clock.now, true
	p.begin(200_000_000)
	for i := int64(1); i <= 100; i++ {
		clock.t = clock.t.Add(100 * time.Millisecond)
		p.add(2_000_000) // 20 MB/s
	}
	p.finish()
	s := out.String()
	if n := strings.Count(s, "\r\033[K"); n != 51 { // every other update, and the end
		t.Errorf("%d redraws, want 51:\n%q", n, s)
	}
	if !strings.Contains(s, "download: [============            ] 102.0 MB of 200.0 MB (51%), 20.0 MB/s, about 0:05 left") {
		t.Errorf("no half-way line with a bar in %q", s)
	}
	if !strings.HasSuffix(s, "\r\033[Kdownload: 200.0 MB in 0:10 (20.0 MB/s)\n") {
		t.Errorf("the last line is not the summary: %q", s[max(0, len(s)-80):])
	}

	out.Reset()
	w := newProgress(&out, "statistics", "products")
	w.now, w.tty = clock.now, true
	w.wait("waiting for the server to make the workbook")
	clock.t = clock.t.Add(83 * time.Second)
	w.finish()
	if want := "\r\033[Kstatistics: waiting for the server to make the workbook… 0:00\r\033[Kstatistics: the server answered after 1:23\n"; out.String() != want {
		t.Errorf("waiting shows %q, want %q", out.String(), want)
	}
}

// TestHumanNumbers formats sizes, counts and durations.
func TestHumanNumbers(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 4_200: "4.2 kB", 210_000_000: "210.0 MB", 3_400_000_000: "3.40 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 5_120_000: "5,120,000"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{0: "0:00", 59 * time.Second: "0:59", 61 * time.Minute: "1:01:00"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}
