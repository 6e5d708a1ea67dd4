package mongodb_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// Helpers shared by the store tests (store_test.go, reviews_test.go,
// derived_test.go). They run against the real embedded store: each test has
// a database of its own on the shared server.

// defaultRubrics returns the shipped rubric set.
func defaultRubrics(tb testing.TB) *rubric.Set { return rubrictest.Set(tb) }

// defaultRubric returns the default rubric's latest version.
func defaultRubric(tb testing.TB) *registry.Rubric { return rubrictest.Default(tb) }

// openStore returns a Store over a database of its own, with the default
// rubrics unless opts names others, and the DB under it for tests that read
// or damage documents directly.
func openStore(tb testing.TB, opts mongodb.Options) (*mongodb.Store, *mongodb.DB) {
	tb.Helper()
	return mongodbtest.Store(tb, opts)
}

// testCtx bounds a test's store calls. It is generous because parallel
// tests share one embedded server, which the race detector slows a lot.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// fixedNow is the clock of tests that look at public months.
func fixedNow() time.Time { return time.Date(2026, time.March, 15, 10, 30, 0, 0, time.UTC) }

// createProduct stores a product with a generated id and returns it.
func createProduct(t testing.TB, s *mongodb.Store, name string) *registry.Product {
	t.Helper()
	p := &registry.Product{Name: name, Vendor: "Test Vendor (fictional)", Category: "tutoring"}
	if err := s.CreateProduct(testCtx(t), p); err != nil {
		t.Fatalf("CreateProduct(%q): %v", name, err)
	}
	return p
}

// Special scores for reviewOf: answer "don't know" or "not applicable".
const (
	answerUnknown = -1
	answerNA      = -2
)

// reviewOf builds a review of productID under r that answers every criterion,
// the i-th with scores[i % len(scores)] (answerUnknown and answerNA give
// those answers).
func reviewOf(r *registry.Rubric, productID, ref string, who registry.ReviewerContext, scores ...int) *registry.Review {
	if len(scores) == 0 {
		scores = []int{2}
	}
	criteria := r.Criteria()
	answers := make([]registry.Answer, len(criteria))
	for i, c := range criteria {
		a := registry.Answer{Criterion: c.ID}
		switch s := scores[i%len(scores)]; s {
		case answerUnknown:
			a.Unknown = true
		case answerNA:
			a.NA = true
		default:
			a.Score = &s
		}
		answers[i] = a
	}
	return &registry.Review{
		ProductID: productID, RubricID: r.ID, RubricVersion: r.Version, RubricHash: r.Hash,
		ReviewerRef: ref, Reviewer: who,
		Usage:          registry.Usage{Months: 6, Frequency: "weekly"},
		Answers:        answers,
		Recommendation: "conditional",
		Summary:        "Useful, with reservations.",
	}
}

// variedContext returns the i-th of a spread of reviewer contexts, so that
// every breakdown cell sees some reviews. Subject and setting are always
// set: they must never be shown.
func variedContext(i int) registry.ReviewerContext {
	return registry.ReviewerContext{
		Role:    registry.ReviewerRoles[i%len(registry.ReviewerRoles)],
		Phase:   registry.Phases[(i/2)%len(registry.Phases)],
		Nation:  registry.Nations[(i/3)%len(registry.Nations)],
		Subject: "maths",
		Setting: "academy",
	}
}

// variedScores returns the i-th of a spread of answer patterns, including
// "don't know" and "not applicable".
func variedScores(i int) []int {
	return []int{i % 5, (i + 2) % 5, answerUnknown, (i * 3) % 5, answerNA, 4 - i%5, (i + 1) % 5}
}

// submit stores a review and fails the test on error.
func submit(t testing.TB, s *mongodb.Store, rv *registry.Review) *registry.Review {
	t.Helper()
	res, err := s.SubmitReview(testCtx(t), rv, "", "")
	if err != nil {
		t.Fatalf("SubmitReview(%s): %v", rv.ReviewerRef, err)
	}
	if !res.Created {
		t.Fatalf("SubmitReview(%s): Created = false for a new review", rv.ReviewerRef)
	}
	return res.Review
}

// concurrently runs fn(0) … fn(n-1) on workers goroutines and returns each
// call's error by index.
func concurrently(workers, n int, fn func(i int) error) []error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// recompute returns the statistics a full recomputation gives: every review
// among ids that is stored as published, counted from scratch.
func recompute(t testing.TB, s *mongodb.Store, r *registry.Rubric, productID string, ids []string) (*registry.Stats, []string) {
	t.Helper()
	want := registry.NewStats(productID, r)
	var published []string
	for _, id := range ids {
		rv, err := s.Review(testCtx(t), id)
		if err != nil {
			t.Fatalf("Review(%s): %v", id, err)
		}
		if rv.Status == registry.StatusPublished {
			want.Add(r.CriterionIndex(), rv, +1)
			published = append(published, id)
		}
	}
	return want, published
}

// checkDerived checks the public state of productID against the reviews
// among ids. First the release rule: the listing holds only published
// reviews, and while the public statistics count fewer reviews than the
// threshold nothing waits (everything published is listed), and otherwise
// fewer than threshold published reviews wait. Then, once every waiting
// change is released (ReleaseNow), that the statistics equal a full
// recomputation from the published reviews, every group tally included,
// that PublishedCounts counts them, and that the listing lists each of them
// exactly once. It returns the published ids.
func checkDerived(t testing.TB, s *mongodb.Store, r *registry.Rubric, productID string, ids []string) []string {
	t.Helper()
	want, published := recompute(t, s, r, productID, ids)
	before, err := s.Stats(testCtx(t), productID, r)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	listed := listPublished(t, s, productID, 7)
	unlisted := len(published)
	for _, id := range listed {
		if !slices.Contains(published, id) {
			t.Errorf("review %s is listed but not published", id)
		}
		unlisted--
	}
	switch {
	case before.All.Reviews < s.Threshold() && unlisted != 0:
		t.Errorf("%d published reviews wait although the public statistics count only %d (< %d)", unlisted, before.All.Reviews, s.Threshold())
	case unlisted >= s.Threshold():
		t.Errorf("%d published reviews wait; a release takes them once %d do", unlisted, s.Threshold())
	}
	if err := mongodb.ReleaseNow(testCtx(t), s, productID); err != nil {
		t.Fatalf("ReleaseNow: %v", err)
	}
	got, err := s.Stats(testCtx(t), productID, r)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	checkStatsEqual(t, got, want)

	counts, err := s.PublishedCounts(testCtx(t), productID)
	if err != nil {
		t.Fatalf("PublishedCounts: %v", err)
	}
	wantCounts := map[string]int{}
	if len(published) > 0 {
		wantCounts[fmt.Sprintf("%s@%d", r.ID, r.Version)] = len(published)
	}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("PublishedCounts = %v, want %v", counts, wantCounts)
	}

	listed = listPublished(t, s, productID, 7)
	if !sameSet(listed, published) {
		t.Errorf("review pages list %d reviews, want the %d published ones\nlisted:    %v\npublished: %v",
			len(listed), len(published), sorted(listed), sorted(published))
	}
	return published
}

// checkStatsEqual fails the test, naming what differs, unless got equals want.
func checkStatsEqual(t testing.TB, got, want *registry.Stats) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	if got.All.Reviews != want.All.Reviews {
		t.Errorf("stats count %d reviews, a full recomputation %d", got.All.Reviews, want.All.Reviews)
	}
	if !reflect.DeepEqual(got.All, want.All) {
		t.Errorf("stats tally of all reviews differs from a full recomputation:\n got %+v\nwant %+v", got.All, want.All)
	}
	for _, k := range registry.GroupKeys() {
		if g, w := got.Groups[k], want.Groups[k]; !reflect.DeepEqual(g, w) {
			t.Errorf("stats group %s differs from a full recomputation: %d reviews, want %d; tallies equal: %v",
				k, g.Reviews, w.Reviews, reflect.DeepEqual(g.Criteria, w.Criteria))
		}
	}
	if got.ProductID != want.ProductID || got.RubricID != want.RubricID || got.RubricVersion != want.RubricVersion {
		t.Errorf("stats are of %s %s@%d, want %s %s@%d", got.ProductID, got.RubricID, got.RubricVersion,
			want.ProductID, want.RubricID, want.RubricVersion)
	}
	if len(got.Groups) != len(want.Groups) {
		t.Errorf("stats have %d groups, want %d", len(got.Groups), len(want.Groups))
	}
}

// listPublished pages through a product's published reviews with the given
// page size and returns their ids in the order listed, failing the test if
// one is listed twice.
func listPublished(t testing.TB, s *mongodb.Store, productID string, limit int) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	cursor := ""
	for range 1000 { // far more pages than any test has: a cursor loop fails, not hangs
		page, err := s.PublishedReviews(testCtx(t), productID, limit, cursor)
		if err != nil {
			t.Fatalf("PublishedReviews(cursor %q): %v", cursor, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("PublishedReviews returned %d items, limit %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("PublishedReviews lists review %s twice", it.ID)
			}
			seen[it.ID] = true
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
	t.Fatal("PublishedReviews: the cursor never ended")
	return nil
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// reviewsOnly filters the queue collection's reviews from the reviewers'
// slots and list entries kept beside them.
var reviewsOnly = bson.D{{Key: "st", Value: bson.D{{Key: "$exists", Value: true}}}}

// countDocs counts the documents of a collection.
func countDocs(t testing.TB, db *mongodb.DB, collection string, filter any) int64 {
	t.Helper()
	n, err := db.Collection(collection).CountDocuments(testCtx(t), filter)
	if err != nil {
		t.Fatalf("count %s: %v", collection, err)
	}
	return n
}

func TestCreateProductGeneratedIDs(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{})
	ctx := testCtx(t)

	t.Run("ConcurrentSameName", func(t *testing.T) {
		const n = 8
		ids := make([]string, n)
		errs := concurrently(n, n, func(i int) error {
			p := &registry.Product{Name: "Same Name Tutor", Category: "tutoring"}
			err := s.CreateProduct(ctx, p)
			ids[i] = p.ID
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("create %d: %v", i, err)
			}
		}
		want := []string{"same-name-tutor"}
		for i := 2; i <= n; i++ {
			want = append(want, fmt.Sprintf("same-name-tutor-%d", i))
		}
		if got := sorted(ids); !slices.Equal(got, sorted(want)) {
			t.Fatalf("ids = %v, want %v", got, sorted(want))
		}
		for _, id := range ids {
			p, err := s.Product(ctx, id)
			if err != nil {
				t.Fatalf("Product(%s): %v", id, err)
			}
			if p.Revision != 1 || p.Status != registry.ProductActive {
				t.Errorf("product %s: revision %d, status %q; want 1, active", id, p.Revision, p.Status)
			}
		}
	})

	t.Run("ErrConflictGivenID", func(t *testing.T) {
		if err := s.CreateProduct(ctx, &registry.Product{ID: "taken-id", Name: "Taken", Category: "other"}); err != nil {
			t.Fatal(err)
		}
		err := s.CreateProduct(ctx, &registry.Product{ID: "taken-id", Name: "Other", Category: "other"})
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("create with a taken id: %v, want ECONFLICT", err)
		}
	})
}

func TestUpdateProduct(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{})
	ctx := testCtx(t)

	t.Run("OK", func(t *testing.T) {
		p := createProduct(t, s, "Update OK")
		got, err := s.UpdateProduct(ctx, p.ID, 1, func(p *registry.Product) error { p.Vendor = "New Vendor"; return nil })
		if err != nil {
			t.Fatalf("UpdateProduct: %v", err)
		}
		if got.Revision != 2 || got.Vendor != "New Vendor" {
			t.Fatalf("updated: revision %d vendor %q, want 2 and New Vendor", got.Revision, got.Vendor)
		}
	})

	t.Run("ErrPreconditionStale", func(t *testing.T) {
		p := createProduct(t, s, "Update Stale")
		if _, err := s.UpdateProduct(ctx, p.ID, 1, func(*registry.Product) error { return nil }); err != nil {
			t.Fatalf("first update: %v", err)
		}
		called := false
		_, err := s.UpdateProduct(ctx, p.ID, 1, func(*registry.Product) error { called = true; return nil })
		if registry.ErrorCode(err) != registry.EPRECONDITION {
			t.Fatalf("update at a stale revision: %v, want EPRECONDITION", err)
		}
		if called {
			t.Error("the change was applied to a product at another revision")
		}
		if got, _ := s.Product(ctx, p.ID); got.Revision != 2 {
			t.Errorf("revision after a refused update = %d, want 2", got.Revision)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := s.UpdateProduct(ctx, "no-such-product", 1, func(*registry.Product) error { return nil })
		if registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("update of a missing product: %v, want ENOTFOUND", err)
		}
	})

	t.Run("ConcurrentSameRevision", func(t *testing.T) {
		mongodbtest.NeedsAtomicWrites(t, "8 updates of one product at once")
		p := createProduct(t, s, "Update Race")
		const n = 8
		errs := concurrently(n, n, func(i int) error {
			_, err := s.UpdateProduct(ctx, p.ID, 1, func(p *registry.Product) error {
				p.Vendor = fmt.Sprintf("writer %d", i)
				return nil
			})
			return err
		})
		winner := -1
		for i, err := range errs {
			switch registry.ErrorCode(err) {
			case "":
				if winner >= 0 {
					t.Fatalf("writers %d and %d both updated revision 1", winner, i)
				}
				winner = i
			case registry.EPRECONDITION:
			default:
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no writer won")
		}
		got, err := s.Product(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != 2 || got.Vendor != fmt.Sprintf("writer %d", winner) {
			t.Fatalf("stored revision %d vendor %q, want 2 and the winner's (writer %d)", got.Revision, got.Vendor, winner)
		}
	})
}

func TestRecordRubrics(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	all := defaultRubrics(t).All()

	if err := s.RecordRubrics(ctx, all); err != nil {
		t.Fatalf("first record: %v", err)
	}
	if err := s.RecordRubrics(ctx, all); err != nil {
		t.Fatalf("recording the same hashes again: %v", err)
	}

	changed := *all[0]
	changed.Hash = "0000000000000000000000000000000000000000000000000000000000000000"
	err := s.RecordRubrics(ctx, []*registry.Rubric{&changed})
	if registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("record of a changed hash: %v, want ECONFLICT", err)
	}

	next := *all[0]
	next.Version += 100
	next.Hash = changed.Hash
	if err := s.RecordRubrics(ctx, []*registry.Rubric{&next}); err != nil {
		t.Fatalf("a new version with another hash: %v", err)
	}
	if err := s.RecordRubrics(ctx, all); err != nil {
		t.Fatalf("the original hashes after the refusal: %v", err)
	}
}
