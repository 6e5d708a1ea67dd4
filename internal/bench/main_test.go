package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	apphttp "github.com/edtech-registry/registry/internal/http"
	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// TestMain stops the shared embedded store and removes its directory after
// the benchmarks. Without benchmarks to run nothing starts it.
func TestMain(m *testing.M) { mongodbtest.Main(m) }

// EnvLarge names the environment variable that turns on the large registry
// sizes (20,000 reviews for the page, 100,000 for the comparison and for
// submissions into a seeded registry).
const EnvLarge = "REGISTRY_BENCH_LARGE"

// largeSizes reports whether the large sizes were asked for.
func largeSizes() bool { return os.Getenv(EnvLarge) == "1" }

// adminToken is the bootstrap admin token of benchmark servers.
const adminToken = "bench-admin-token"

// setupTimeout bounds one setup step (opening a store, seeding a chunk).
const setupTimeout = 10 * time.Minute

// reg is one benchmark's registry: a real store on a database of its own on
// the shared embedded server, and the real HTTP API served on 127.0.0.1.
type reg struct {
	db     *mongodb.DB
	store  *mongodb.Store
	rubric *registry.Rubric
	base   string // http://127.0.0.1:port

	// What grow has seeded so far.
	products int
	reviews  int
}

// newReg opens a fresh database, a store on it and an HTTP server for it.
// Everything is dropped or shut down when tb ends.
func newReg(tb testing.TB, moderation bool) *reg {
	tb.Helper()
	set := rubrictest.Set(tb)
	store, db := mongodbtest.Store(tb, mongodb.Options{Moderation: moderation, AdminToken: adminToken, Rubrics: set})
	// The server logs a line per request at info level, as `registry serve`
	// does by default: the formatting is part of a request's cost, the
	// output is not wanted here.
	srv := apphttp.New(apphttp.Config{Store: store, Rubrics: set,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	tb.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return &reg{db: db, store: store, rubric: set.Default(), base: "http://" + ln.Addr().String()}
}

// newClient returns an HTTP client with one keep-alive connection of its
// own; it is closed when tb ends.
func newClient(tb testing.TB) *nethttp.Client {
	tr := &nethttp.Transport{
		MaxIdleConns:        1,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &nethttp.Client{Transport: tr, Timeout: time.Minute}
}

// httpGetter is what get needs of a client.
type httpGetter interface {
	Get(url string) (*nethttp.Response, error)
}

// get sends a GET and returns the status and body, reading the body to the
// end so the connection is reused.
func get(c httpGetter, url string) (int, []byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// benchProduct returns a fictional product with the given id, shaped like
// the demo products.
func benchProduct(id string) *registry.Product {
	p := demo.Products()[0]
	p.ID = id
	p.Name = "Bench Product " + id
	p.Vendor = "Bench Vendor (fictional)"
	p.Website = "https://" + id + ".example"
	return p
}

// benchProductID names the i-th product seeded by grow.
func benchProductID(i int) string { return fmt.Sprintf("bench-%06d", i) }

// Seeding shape: every product gets perProduct published reviews, seeded
// chunkProducts products at a time so the generated reviews of a large
// registry never sit in memory all at once.
const (
	perProduct    = 50
	chunkProducts = 40
)

// grow seeds products with perProduct published reviews each (demo review
// generator, default rubric) until the registry holds total reviews. It
// logs how long the store took (generation excluded) and the seeding rate
// in up to ten consecutive blocks of the step, to show whether seeding
// slows down as the registry grows.
func (r *reg) grow(tb testing.TB, total int) {
	tb.Helper()
	if r.reviews >= total {
		return
	}
	from := r.reviews
	now := time.Now()
	type chunk struct {
		reviews int
		took    time.Duration
	}
	var chunks []chunk
	var stored time.Duration
	for r.reviews < total {
		n := min(chunkProducts, (total-r.reviews+perProduct-1)/perProduct)
		products := make([]*registry.Product, n)
		for i := range products {
			products[i] = benchProduct(benchProductID(r.products + i))
		}
		reviews := demo.Reviews(r.rubric, products, func(int) int { return perProduct }, 1, now)
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		start := time.Now()
		got, err := r.store.Seed(ctx, products, reviews)
		d := time.Since(start)
		cancel()
		if err != nil {
			tb.Fatalf("seed %d products at %d reviews: %v", n, r.reviews, err)
		}
		chunks = append(chunks, chunk{got, d})
		stored += d
		r.products += n
		r.reviews += got
	}
	blocks := min(10, len(chunks))
	var rates []string
	for i := range blocks {
		var n int
		var d time.Duration
		for _, c := range chunks[i*len(chunks)/blocks : (i+1)*len(chunks)/blocks] {
			n, d = n+c.reviews, d+c.took
		}
		rates = append(rates, fmt.Sprintf("%.0f", float64(n)/d.Seconds()))
	}
	tb.Logf("seeded %d reviews (%d → %d, %d products) in %.1fs: %.0f reviews/s; by block: %s reviews/s",
		r.reviews-from, from, r.reviews, r.products, stored.Seconds(), float64(r.reviews-from)/stored.Seconds(), strings.Join(rates, " "))
}

// nsPerOp is the time per iteration of a finished benchmark loop.
func nsPerOp(b *testing.B) float64 {
	if b.N == 0 {
		return 0
	}
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}
