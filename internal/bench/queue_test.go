package bench

import (
	"context"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
)

// BenchmarkQueue reads the first page (limit=20) of the moderation queue,
// as the bootstrap admin, in a registry with 100 pending reviews and in one
// with 10,000:
//
//   - pending=100 and pending=10000 time the request on each registry
//     alone, one after the other; the second also reports its time divided
//     by the first's ("x-first-size");
//   - interleaved sends one request to each registry per round, swapping
//     which goes first every round, and reports the median time at each
//     size ("ms@N") and their ratio ("x-large/small"), measured over the
//     same seconds.
//
// The pending reviews are seeded with Store.Seed (not timed), 50 per
// product, oldest first in the queue.
func BenchmarkQueue(b *testing.B) {
	sizes := []int{100, 10_000}
	// Both registries are opened here, so they live until the benchmark
	// ends; each is seeded by the first sub-benchmark needing it.
	regs := map[int]*reg{}
	for _, n := range sizes {
		regs[n] = newReg(b, true)
	}
	open := func(b *testing.B, n int) *reg {
		if regs[n].reviews == 0 {
			seedPending(b, regs[n], n)
			regs[n].reviews = n
		}
		return regs[n]
	}
	url := func(r *reg) string { return r.base + "/api/v1/reviews?status=pending&limit=20" }
	var first float64
	for _, n := range sizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			r := open(b, n)
			c := adminClient(b)
			checkQueuePage(b, c, url(r))
			for b.Loop() {
				mustGet(b, c, url(r))
			}
			if first == 0 {
				first = nsPerOp(b)
			} else {
				b.ReportMetric(nsPerOp(b)/first, "x-first-size")
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		us, ul := url(open(b, sizes[0])), url(open(b, sizes[1]))
		cs, cl := adminClient(b), adminClient(b)
		checkQueuePage(b, cs, us)
		checkQueuePage(b, cl, ul)
		interleave(b, cs, us, sizes[0], cl, ul, sizes[1])
	})
}

// seedPending stores n pending reviews (demo reviews, 50 per product) in
// r with Store.Seed, and logs how long it took.
func seedPending(tb testing.TB, r *reg, n int) {
	tb.Helper()
	products := make([]*registry.Product, (n+perProduct-1)/perProduct)
	for i := range products {
		products[i] = benchProduct(fmt.Sprintf("queued-%04d", i))
	}
	count := func(i int) int { return min(perProduct, n-i*perProduct) }
	reviews := demo.Reviews(r.rubric, products, count, 3, time.Now())
	for _, rv := range reviews {
		rv.Status, rv.PublishedAt = registry.StatusPending, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	start := time.Now()
	if _, err := r.store.Seed(ctx, products, reviews); err != nil {
		tb.Fatalf("seed %d pending reviews: %v", n, err)
	}
	tb.Logf("seeded %d pending reviews in %.1fs", len(reviews), time.Since(start).Seconds())
}

// authGetter sends GETs with a bearer token.
type authGetter struct {
	c     *nethttp.Client
	token string
}

// Get implements httpGetter.
func (a authGetter) Get(url string) (*nethttp.Response, error) {
	req, err := nethttp.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	return a.c.Do(req)
}

// adminClient returns a keep-alive client that authenticates as the
// bootstrap admin.
func adminClient(tb testing.TB) authGetter { return authGetter{c: newClient(tb), token: adminToken} }

// checkQueuePage fails the benchmark unless url answers a full first page
// of pending reviews, oldest first, with a cursor to the next.
func checkQueuePage(b *testing.B, c httpGetter, url string) {
	b.Helper()
	status, body, err := get(c, url)
	if err != nil || status != 200 {
		b.Fatalf("GET %s: %d %.300s (%v)", url, status, body, err)
	}
	var page struct {
		Items []struct {
			Status    string    `json:"status"`
			CreatedAt time.Time `json:"createdAt"`
		} `json:"items"`
		NextCursor *string `json:"nextCursor"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		b.Fatal(err)
	}
	if len(page.Items) != 20 || page.NextCursor == nil {
		b.Fatalf("GET %s: %d items, next cursor %v; want 20 and a cursor", url, len(page.Items), page.NextCursor)
	}
	for i, it := range page.Items {
		if it.Status != registry.StatusPending {
			b.Fatalf("GET %s: item %d is %s", url, i, it.Status)
		}
		if i > 0 && it.CreatedAt.Before(page.Items[i-1].CreatedAt) {
			b.Fatalf("GET %s: item %d is older than item %d", url, i, i-1)
		}
	}
}
