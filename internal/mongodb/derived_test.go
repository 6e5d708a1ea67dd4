package mongodb_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// errCrash stands for a process dying between a review's status change and
// its derived updates.
var errCrash = errors.New("simulated crash")

// crashOn makes the store stop, as a crash would, right after the status
// change of review id.
func crashOn(s *mongodb.Store, id string) {
	mongodb.SetAfterTransition(s, func(reviewID string) error {
		if reviewID == id {
			return errCrash
		}
		return nil
	})
}

func TestInterruptedTransition(t *testing.T) {
	t.Parallel()
	// crashed is one subtest's store: a product with n pending reviews, the
	// first four published.
	type crashed struct {
		s      *mongodb.Store
		db     *mongodb.DB
		logged *bytes.Buffer
		r      *registry.Rubric
		p      *registry.Product
		ids    []string
		refs   []string
		// advance moves the store's clock on.
		advance func(time.Duration)
	}
	const n = 6
	setup := func(t *testing.T) *crashed {
		t.Helper()
		// Repairs are logged as warnings for the operator: keep them here.
		c := &crashed{logged: &bytes.Buffer{}, r: defaultRubric(t), ids: make([]string, n), refs: make([]string, n)}
		var clock func() time.Time
		clock, c.advance = tickingClock()
		c.s, c.db = openStore(t, mongodb.Options{Moderation: true, Now: clock, Logger: slog.New(slog.NewTextHandler(c.logged, nil))})
		c.p = createProduct(t, c.s, "Interrupted")
		for i := range n {
			c.refs[i] = fmt.Sprintf("crash-ref-%d", i)
			c.ids[i] = submit(t, c.s, reviewOf(c.r, c.p.ID, c.refs[i], variedContext(i), variedScores(i)...)).ID
		}
		for _, id := range c.ids[:4] {
			if _, err := c.s.Transition(testCtx(t), id, registry.StatusPublished, "", ""); err != nil {
				t.Fatalf("publish %s: %v", id, err)
			}
		}
		checkDerived(t, c.s, c.r, c.p.ID, c.ids)
		return c
	}
	markers := func(t testing.TB, c *crashed) int64 { return countDocs(t, c.db, mongodb.ColMarkers, bson.D{}) }

	t.Run("Publish", func(t *testing.T) {
		t.Parallel()
		c := setup(t)
		s, ctx, r, p, ids := c.s, testCtx(t), c.r, c.p, c.ids
		before, err := s.Stats(ctx, p.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		crashOn(s, ids[4])
		_, err = s.Transition(ctx, ids[4], registry.StatusPublished, "", "")
		mongodb.SetAfterTransition(s, nil)
		if !errors.Is(err, errCrash) {
			t.Fatalf("publish with a crash: %v, want the crash", err)
		}

		// The status changed; the statistics did not.
		if rv, err := s.Review(ctx, ids[4]); err != nil || rv.Status != registry.StatusPublished {
			t.Fatalf("review after the crash: %+v, %v; want published", rv, err)
		}
		after, err := s.Stats(ctx, p.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		checkStatsEqual(t, after, before)
		if after.All.Reviews != 4 {
			t.Fatalf("stats count %d reviews after the crash, want the 4 counted before it", after.All.Reviews)
		}
		if m := markers(t, c); m != 1 {
			t.Fatalf("%d markers after the crash, want 1", m)
		}

		// Start-up repair finds the marker and repairs the product (under
		// the gate policy it rebuilds it; under the conditional policy it
		// finishes the transition, once it is a minute old).
		pastRepairAge(c.db, c.advance)
		rebuilt, err := s.Repair(ctx)
		if err != nil || rebuilt != 1 {
			t.Fatalf("Repair: %d products rebuilt, %v; want 1", rebuilt, err)
		}
		if log := c.logged.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "product="+p.ID) {
			t.Errorf("the repair was not logged as a warning naming the product: %q", log)
		}
		if got := checkDerived(t, s, r, p.ID, ids); !sameSet(got, ids[:5]) {
			t.Fatalf("published after repair %v, want %v", sorted(got), sorted(ids[:5]))
		}
		if m := markers(t, c); m != 0 {
			t.Errorf("%d markers after repair, want 0", m)
		}
		q, err := s.Queue(ctx, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Items) != 1 || q.Items[0].ID != ids[5] {
			t.Errorf("queue after repair lists %d reviews, want only the pending %s", len(q.Items), ids[5])
		}
		if rebuilt, err := s.Repair(ctx); err != nil || rebuilt != 0 {
			t.Errorf("second Repair: %d rebuilt, %v; want 0", rebuilt, err)
		}
	})

	t.Run("Withdraw", func(t *testing.T) {
		t.Parallel()
		c := setup(t)
		s, ctx, r, p, ids, refs := c.s, testCtx(t), c.r, c.p, c.ids, c.refs
		crashOn(s, ids[0])
		_, err := s.Transition(ctx, ids[0], registry.StatusWithdrawn, refs[0], "")
		mongodb.SetAfterTransition(s, nil)
		if !errors.Is(err, errCrash) {
			t.Fatalf("withdraw with a crash: %v, want the crash", err)
		}
		if st, _ := s.Stats(ctx, p.ID, r); st.All.Reviews != 4 {
			t.Fatalf("stats count %d reviews after the crash, want the 4 counted before it", st.All.Reviews)
		}
		pastRepairAge(c.db, c.advance)
		rebuilt, err := s.Repair(ctx)
		if err != nil || rebuilt != 1 {
			t.Fatalf("Repair: %d products rebuilt, %v; want 1", rebuilt, err)
		}
		if got := checkDerived(t, s, r, p.ID, ids); !sameSet(got, ids[1:4]) {
			t.Fatalf("published after repair %v, want %v", sorted(got), sorted(ids[1:4]))
		}
		if held := countDocs(t, c.db, mongodb.ColClaims, bson.D{{Key: "_id", Value: mongodb.ClaimID(refs[0], p.ID)}}); held != 0 {
			t.Errorf("the withdrawn review's claim is still held after repair")
		}
		submit(t, s, reviewOf(r, p.ID, refs[0], variedContext(0), 1))
	})

	t.Run("Reindex", func(t *testing.T) {
		t.Parallel()
		c := setup(t)
		s, ctx, r, p, ids := c.s, testCtx(t), c.r, c.p, c.ids
		// Reindex runs the same repair before it checks every product.
		crashOn(s, ids[5])
		_, err := s.Transition(ctx, ids[5], registry.StatusPublished, "", "")
		mongodb.SetAfterTransition(s, nil)
		if !errors.Is(err, errCrash) {
			t.Fatalf("publish with a crash: %v, want the crash", err)
		}
		pastRepairAge(c.db, c.advance)
		wrong, err := s.Reindex(ctx, nil)
		if err != nil || wrong != 1 {
			t.Fatalf("Reindex: %d products wrong, %v; want the 1 it repaired", wrong, err)
		}
		want := append(slices.Clone(ids[:4]), ids[5])
		if got := checkDerived(t, s, r, p.ID, ids); !sameSet(got, want) {
			t.Fatalf("published after reindex %v, want %v", sorted(got), sorted(want))
		}
		if m := markers(t, c); m != 0 {
			t.Errorf("%d markers after reindex, want 0", m)
		}
	})
}

func TestReindexRepairsCorruptStats(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	r := defaultRubric(t)
	products := []*registry.Product{createProduct(t, s, "Reindex Alpha"), createProduct(t, s, "Reindex Beta")}
	ids := map[string][]string{}
	for k, p := range products {
		for i := range 5 {
			rv := reviewOf(r, p.ID, fmt.Sprintf("reindex-%d-%d", k, i), variedContext(i+k), variedScores(i+k)...)
			ids[p.ID] = append(ids[p.ID], submit(t, s, rv).ID)
		}
	}
	a := products[0]

	// Damage one statistics document the way a lost update would.
	if err := mongodb.DamageStats(ctx, s, a.ID, r); err != nil {
		t.Fatalf("damage the statistics: %v", err)
	}
	if st, _ := s.Stats(ctx, a.ID, r); st.All.Reviews != 6 {
		t.Fatalf("damaged stats count %d reviews, want 6", st.All.Reviews)
	}

	var done, total int
	wrong, err := s.Reindex(ctx, func(d, n int) { done, total = d, n })
	if err != nil {
		t.Fatalf("Reindex: %v", err)
	}
	if wrong != 1 {
		t.Fatalf("Reindex found %d products wrong, want 1", wrong)
	}
	if done != 2 || total != 2 {
		t.Errorf("progress ended at %d of %d, want 2 of 2", done, total)
	}
	for _, p := range products {
		checkDerived(t, s, r, p.ID, ids[p.ID])
	}
	if wrong, err := s.Reindex(ctx, nil); err != nil || wrong != 0 {
		t.Fatalf("second Reindex: %d wrong, %v; want 0", wrong, err)
	}
}

// TestConcurrentPublishesCount is the lost-update test of docs/storage.md,
// "The embedded store": the embedded FerretDB applies $inc by read, change,
// write with nothing held, so without the store's write gate concurrent
// publishes of one product's reviews lose counts.
func TestConcurrentPublishesCount(t *testing.T) {
	t.Parallel()
	mongodbtest.NeedsAtomicWrites(t, "16 goroutines publishing reviews of one product")
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Lost Updates")

	const writers, perWriter = 16, 10
	ids := make([]string, writers*perWriter)
	errs := concurrently(writers, len(ids), func(i int) error {
		res, err := s.SubmitReview(ctx, reviewOf(r, p.ID, fmt.Sprintf("gate-ref-%03d", i), variedContext(i), variedScores(i)...), "", "")
		if err == nil {
			ids[i] = res.Review.ID
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}

	errs = concurrently(writers, writers, func(w int) error {
		for k := range perWriter {
			if _, err := s.Transition(ctx, ids[w*perWriter+k], registry.StatusPublished, "", ""); err != nil {
				return err
			}
		}
		return nil
	})
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}

	st, err := s.Stats(ctx, p.ID, r)
	if err != nil {
		t.Fatal(err)
	}
	if st.All.Reviews != len(ids) {
		t.Fatalf("stats count %d reviews after %d×%d concurrent publishes, want %d (lost updates)", st.All.Reviews, writers, perWriter, len(ids))
	}
	if got := checkDerived(t, s, r, p.ID, ids); len(got) != len(ids) {
		t.Fatalf("%d reviews published, want %d", len(got), len(ids))
	}
}

// TestSeedDemo seeds the demo data set and checks that the statistics Seed
// computes in bulk equal a recomputation from the sample reviews, and that
// reindexing finds nothing to fix.
func TestSeedDemo(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Now: fixedNow})
	ctx := testCtx(t)
	r := defaultRubric(t)
	products := demo.Products()
	reviews := demo.Reviews(r, products, nil, 7, fixedNow())

	n, err := s.Seed(ctx, products, reviews)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if n != len(reviews) {
		t.Fatalf("Seed stored %d reviews, want %d", n, len(reviews))
	}

	// The public state is what publishing the reviews one by one, in the
	// order of their publication times, would have released: a release
	// whenever fewer than k reviews are public, or k changes wait.
	byProduct := map[string][]*registry.Review{}
	for _, rv := range reviews {
		if rv.Status == registry.StatusPublished {
			byProduct[rv.ProductID] = append(byProduct[rv.ProductID], rv)
		}
	}
	k := s.Threshold()
	want := map[string]*registry.Stats{}
	published := map[string][]string{}
	waiting := 0
	for _, p := range products {
		want[p.ID] = registry.NewStats(p.ID, r)
		rs := byProduct[p.ID]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].PublishedAt.Before(*rs[j].PublishedAt) })
		public, released := 0, 0
		for i := range rs {
			if pending := i + 1 - released; public < k || pending >= k {
				public += pending
				released = i + 1
			}
		}
		for _, rv := range rs[:released] {
			want[p.ID].Add(r.CriterionIndex(), rv, +1)
			published[p.ID] = append(published[p.ID], rv.ID)
		}
		waiting += len(rs) - released
	}
	if waiting == 0 {
		t.Fatal("the demo data should leave some reviews waiting for a release, as a live registry does")
	}
	for _, p := range products {
		got, err := s.Stats(ctx, p.ID, r)
		if err != nil {
			t.Fatalf("Stats(%s): %v", p.ID, err)
		}
		checkStatsEqual(t, got, want[p.ID])
		counts, err := s.PublishedCounts(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[fmt.Sprintf("%s@%d", r.ID, r.Version)]; c != len(published[p.ID]) {
			t.Errorf("%s: PublishedCounts %v, want %d", p.ID, counts, len(published[p.ID]))
		}
		if listed := listPublished(t, s, p.ID, 25); !sameSet(listed, published[p.ID]) {
			t.Errorf("%s: pages list %d reviews, want %d", p.ID, len(listed), len(published[p.ID]))
		}
	}
	wrong, err := s.Reindex(ctx, nil)
	if err != nil || wrong != 0 {
		t.Fatalf("Reindex after Seed: %d products wrong, %v; want 0", wrong, err)
	}
}

// TestRepairStale checks the running server's periodic repair: a derived
// update that failed (without the process dying) is repaired once its
// marker is a minute old, and not while it might still be in progress.
func TestRepairStale(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := fixedNow()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, _ := openStore(t, mongodb.Options{Moderation: true, Now: clock})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Repair Stale")
	var ids []string
	for i := range 3 {
		ids = append(ids, submit(t, s, reviewOf(r, p.ID, fmt.Sprintf("stale-ref-%d", i), variedContext(i), variedScores(i)...)).ID)
	}
	for _, id := range ids[:2] {
		if _, err := s.Transition(ctx, id, registry.StatusPublished, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	crashOn(s, ids[2])
	_, err := s.Transition(ctx, ids[2], registry.StatusPublished, "", "")
	mongodb.SetAfterTransition(s, nil)
	if !errors.Is(err, errCrash) {
		t.Fatalf("publish with a failure: %v", err)
	}
	if n, err := s.RepairStale(ctx); err != nil || n != 0 {
		t.Fatalf("RepairStale on a fresh marker: %d, %v; want 0 (it may still be running)", n, err)
	}
	if st, _ := s.Stats(ctx, p.ID, r); st.All.Reviews != 2 {
		t.Fatalf("stats count %d reviews before the repair, want 2", st.All.Reviews)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if n, err := s.RepairStale(ctx); err != nil || n != 1 {
		t.Fatalf("RepairStale on an old marker: %d, %v; want 1", n, err)
	}
	checkDerived(t, s, r, p.ID, ids)
}
