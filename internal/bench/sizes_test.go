package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// sized runs a read benchmark on two registries, one of each size, grown
// only when a sub-benchmark first needs them:
//
//   - reviews=<small> and reviews=<large> time the request on each
//     registry alone, one after the other, as usual (ns/op);
//   - interleaved sends one request to each registry per round, swapping
//     which goes first every round, and reports the median time at each size and their ratio
//     ("x-large/small"). On a machine shared with other work the load
//     changes over minutes, so this ratio, measured over the same seconds,
//     is the one to trust; the two plain sub-benchmarks give the absolute
//     times and their own ratio ("x-first-size") for comparison.
//
// check is called once on each registry before it is timed, to fail on a
// wrong answer rather than time it.
func sized(b *testing.B, small, large int, url func(*reg) string, check func(*testing.B, httpGetter, string)) {
	// Both registries are opened here, empty, so they live until the
	// benchmark ends; each is seeded by the first sub-benchmark needing it.
	regs := map[int]*reg{small: newReg(b, true), large: newReg(b, true)}
	open := func(b *testing.B, n int) *reg {
		regs[n].grow(b, n)
		return regs[n]
	}
	var first float64
	for _, n := range []int{small, large} {
		b.Run(fmt.Sprintf("reviews=%d", n), func(b *testing.B) {
			u := url(open(b, n))
			c := newClient(b)
			check(b, c, u)
			for b.Loop() {
				mustGet(b, c, u)
			}
			if first == 0 {
				first = nsPerOp(b)
			} else {
				b.ReportMetric(nsPerOp(b)/first, "x-first-size")
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		us, ul := url(open(b, small)), url(open(b, large))
		cs, cl := newClient(b), newClient(b)
		check(b, cs, us)
		check(b, cl, ul)
		interleave(b, cs, us, small, cl, ul, large)
	})
}

// interleave times GETs of us (a registry of small reviews) and ul (one of
// large) alternately, each client on its own URL, and reports each one's
// median and their ratio: alternating cancels out drift in the machine's
// load.
func interleave(b *testing.B, cs httpGetter, us string, small int, cl httpGetter, ul string, large int) {
	var ts, tl []time.Duration
	timed := func(c httpGetter, u string) time.Duration {
		start := time.Now()
		mustGet(b, c, u)
		return time.Since(start)
	}
	turn := 0
	for b.Loop() {
		if turn%2 == 0 {
			ts = append(ts, timed(cs, us))
			tl = append(tl, timed(cl, ul))
		} else {
			tl = append(tl, timed(cl, ul))
			ts = append(ts, timed(cs, us))
		}
		turn++
	}
	ms, ml := median(ts), median(tl)
	b.ReportMetric(float64(ms.Microseconds())/1000, fmt.Sprintf("ms@%d", small))
	b.ReportMetric(float64(ml.Microseconds())/1000, fmt.Sprintf("ms@%d", large))
	b.ReportMetric(float64(ml)/float64(ms), "x-large/small")
}

// mustGet sends a GET and fails the benchmark unless it answers 200.
func mustGet(b *testing.B, c httpGetter, url string) {
	status, body, err := get(c, url)
	if err != nil || status != 200 {
		b.Fatalf("GET %s: %d %.300s (%v)", url, status, body, err)
	}
}

// median returns the median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}
