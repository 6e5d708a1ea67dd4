package bench

import (
	"fmt"
	nethttp "net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// burstPerClient is how many reviews each of the clients submits in one
// burst of the interleaved sub-benchmark: a burst is clients×burstPerClient
// submissions to one registry. It divides perToken.
const burstPerClient = 4

// BenchmarkSubmitSeeded submits reviews through the API (moderation on, 16
// concurrent keep-alive clients, as BenchmarkSubmit/api) to an empty
// registry and to one already holding 1,000 published reviews (100,000 with
// REGISTRY_BENCH_LARGE=1, seeded as for the read benchmarks):
//
//   - reviews=0 and reviews=<N> time submissions to each registry alone,
//     one after the other, and report reviews/s; the second also reports
//     its rate divided by the empty registry's ("x-empty-rate");
//   - interleaved sends one burst of clients×burstPerClient submissions to
//     each registry per round, swapping which goes first every round, and
//     reports the median burst rate at each size ("reviews/s@N") and their
//     ratio ("x-empty-rate"), measured over the same seconds. A burst's rate
//     leaves out its last clients completions, the tail in which clients
//     run out of work and fewer than clients requests are in flight (see
//     burst).
//
// Both registries get the same 100 products to review, created before
// anything is timed. Every submission stays pending, in the moderation
// queue, which is the collection a submission inserts into; the seeded
// reviews are published and are not in it. Before the interleaved rounds
// the registry with fewer pending reviews (from the first two
// sub-benchmarks) gets untimed bursts until the two queues are within one
// burst of each other.
func BenchmarkSubmitSeeded(b *testing.B) {
	seeded := 1_000
	if largeSizes() {
		seeded = 100_000
	}
	sizes := []int{0, seeded}
	// Both registries are opened here, empty, so they live until the
	// benchmark ends; each is seeded by the first sub-benchmark needing it.
	regs := map[int]*reg{0: newReg(b, true), seeded: newReg(b, true)}
	ids := map[int][]string{}
	open := func(b *testing.B, n int) *reg {
		r := regs[n]
		r.grow(b, n)
		if ids[n] == nil {
			ids[n] = submitSetup(b, r)
		}
		return r
	}
	queued := map[int]int{} // pending reviews submitted to each registry
	var empty float64
	for _, n := range sizes {
		b.Run(fmt.Sprintf("reviews=%d", n), func(b *testing.B) {
			r := open(b, n)
			rate := submitParallel(b, r, ids[n])
			queued[n] += b.N
			if n == 0 {
				empty = rate
			} else if empty > 0 {
				b.ReportMetric(rate/empty, "x-empty-rate")
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		var subs []*submitters
		for _, n := range sizes {
			r := open(b, n)
			subs = append(subs, newSubmitters(b, r, ids[n]))
		}
		per := clients * burstPerClient
		for i, n := range sizes {
			for _, m := range sizes {
				for queued[n]+per <= queued[m] {
					subs[i].burst(b)
					queued[n] += per
				}
			}
		}
		rates := make([][]float64, len(subs))
		turn := 0
		for b.Loop() {
			for k := range subs {
				i := (k + turn) % len(subs)
				rates[i] = append(rates[i], subs[i].burst(b))
				queued[sizes[i]] += per
			}
			turn++
		}
		// The same round's two bursts, as a ratio: a second view of the
		// comparison, logged.
		paired := make([]float64, len(rates[0]))
		for k := range paired {
			paired[k] = rates[1][k] / rates[0][k]
		}
		slices.Sort(paired)
		med := make([]float64, len(subs))
		spread := make([]string, len(subs))
		for i, n := range sizes {
			rs := rates[i]
			slices.Sort(rs)
			med[i] = rs[len(rs)/2]
			b.ReportMetric(med[i], fmt.Sprintf("reviews/s@%d", n))
			spread[i] = fmt.Sprintf("@%d %.0f %.0f %.0f", n, rs[len(rs)/4], med[i], rs[3*len(rs)/4])
		}
		b.Logf("%d bursts of %d submissions per registry, ending with %d and %d pending reviews; burst rate quartiles (reviews/s): %s; median of the rounds' own ratios: %.3f",
			len(rates[0]), per, queued[sizes[0]], queued[sizes[1]], strings.Join(spread, ", "), paired[len(paired)/2])
		b.ReportMetric(med[1]/med[0], "x-empty-rate")
	})
}

// submitters are the clients submitting to one registry in bursts, each
// with its own keep-alive connection and reviewer token.
type submitters struct {
	reg  *reg
	ids  []string
	body []byte
	cs   []*submitter
}

type submitter struct {
	c     *nethttp.Client
	token string
	used  int // reviews submitted with token
	next  int // the next product to review is ids[next % len(ids)]
}

func newSubmitters(b *testing.B, r *reg, ids []string) *submitters {
	s := &submitters{reg: r, ids: ids, body: reviewBody(b, r.rubric)}
	for range clients {
		s.cs = append(s.cs, &submitter{c: newClient(b), used: perToken})
	}
	return s
}

// burst has every client submit burstPerClient reviews, all clients at
// once, and returns the rate (reviews/s) from the burst's start to its
// (clients×(burstPerClient−1))th completion. The last clients completions
// are left out: once clients start to run out of work fewer requests are
// in flight, and that drain would count against the rate of every burst.
// A client whose token would go over the pending reviews a reviewer may
// have takes a fresh reviewer token first, with the benchmark timer stopped.
func (s *submitters) burst(b *testing.B) float64 {
	b.StopTimer()
	for _, c := range s.cs {
		if c.used+burstPerClient > perToken {
			c.token, c.used = newReviewerToken(b, s.reg), 0
		}
	}
	b.StartTimer()
	counted := int64(len(s.cs) * (burstPerClient - 1))
	var (
		done  atomic.Int64
		took  time.Duration
		wg    sync.WaitGroup
		start = time.Now()
	)
	errs := make(chan error, len(s.cs))
	for _, c := range s.cs {
		wg.Go(func() {
			for range burstPerClient {
				if err := submitOne(c.c, s.reg, s.ids[c.next%len(s.ids)], c.token, s.body); err != nil {
					errs <- err
					return
				}
				c.used++
				c.next++
				if done.Add(1) == counted {
					took = time.Since(start)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return float64(counted) / took.Seconds()
}
