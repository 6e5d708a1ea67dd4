package mongodb_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// createProducts stores n products named after prefix.
func createProducts(t testing.TB, s *mongodb.Store, prefix string, n int) []*registry.Product {
	t.Helper()
	out := make([]*registry.Product, n)
	for i := range out {
		out[i] = createProduct(t, s, fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

// TestPendingCap checks the cap on a reviewer's pending reviews: at the cap
// a submission is ETOOMANY and stores nothing; a review leaving the queue
// (published, rejected, withdrawn) makes room; retries of a stored
// submission and other reviewers are not affected; concurrent submissions
// cannot pass it.
func TestPendingCap(t *testing.T) {
	t.Parallel()
	const limit = 3
	s, db := openStore(t, mongodb.Options{Moderation: true, MaxPending: limit})
	ctx := testCtx(t)
	r := defaultRubric(t)
	products := createProducts(t, s, "Capped", 12)
	queued := func(t testing.TB) int64 { return countDocs(t, db, mongodb.ColQueue, bson.D{}) }

	var ids []string
	for i := range limit {
		ids = append(ids, submit(t, s, reviewOf(r, products[i].ID, "cap-a", variedContext(0), 2)).ID)
	}
	over := func(t *testing.T, product string) {
		t.Helper()
		before := queued(t)
		_, err := s.SubmitReview(ctx, reviewOf(r, product, "cap-a", variedContext(0), 2), "over-key", "over-body")
		if registry.ErrorCode(err) != registry.ETOOMANY {
			t.Fatalf("submission over the cap: %v, want ETOOMANY", err)
		}
		if !strings.Contains(registry.ErrorMessage(err), "3 reviews waiting") {
			t.Errorf("message %q does not say how many are waiting", registry.ErrorMessage(err))
		}
		if after := queued(t); after != before {
			t.Fatalf("a refused submission stored %d reviews", after-before)
		}
		if n := countDocs(t, db, mongodb.ColIdempotency, bson.D{}); n != 0 {
			t.Errorf("the refused submission's Idempotency-Key stays bound (%d records)", n)
		}
	}
	over(t, products[limit].ID)

	t.Run("OtherReviewer", func(t *testing.T) {
		submit(t, s, reviewOf(r, products[0].ID, "cap-b", variedContext(1), 2))
	})
	t.Run("RetryOfStoredSubmission", func(t *testing.T) {
		s2, _ := openStore(t, mongodb.Options{Moderation: true, MaxPending: 1})
		p := createProduct(t, s2, "Retried At Cap")
		first, err := s2.SubmitReview(ctx, reviewOf(r, p.ID, "cap-c", variedContext(2), 2), "key", "body")
		if err != nil {
			t.Fatal(err)
		}
		again, err := s2.SubmitReview(ctx, reviewOf(r, p.ID, "cap-c", variedContext(2), 2), "key", "body")
		if err != nil || again.Created || again.Review.ID != first.Review.ID {
			t.Fatalf("retry at the cap: %+v, %v; want the first review", again, err)
		}
	})
	t.Run("LeavingMakesRoom", func(t *testing.T) {
		moves := []struct{ to, by string }{
			{registry.StatusPublished, ""}, {registry.StatusRejected, ""}, {registry.StatusWithdrawn, "cap-a"},
		}
		next := limit + 1
		for _, m := range moves {
			// Whatever is pending now, the reviewer is at the cap: one
			// leaves, one more fits, the next is refused.
			pending := ids[len(ids)-limit:]
			if _, err := s.Transition(ctx, pending[0], m.to, m.by, "reason"); err != nil {
				t.Fatalf("%s: %v", m.to, err)
			}
			ids = append(ids, submit(t, s, reviewOf(r, products[next].ID, "cap-a", variedContext(0), 2)).ID)
			next++
			over(t, products[next].ID)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		const n = 8
		errs := concurrently(n, n, func(i int) error {
			_, err := s.SubmitReview(ctx, reviewOf(r, products[i].ID, "cap-d", variedContext(3), 2), "", "")
			return err
		})
		ok := 0
		for i, err := range errs {
			switch registry.ErrorCode(err) {
			case "":
				ok++
			case registry.ETOOMANY:
			default:
				t.Fatalf("submission %d: %v", i, err)
			}
		}
		if ok != limit {
			t.Fatalf("%d of %d concurrent submissions stored, want the cap, %d", ok, n, limit)
		}
		page, err := s.OwnReviews(ctx, "cap-d", 100, "")
		if err != nil || len(page.Items) != limit {
			t.Fatalf("the reviewer's list has %d reviews, %v; want %d", len(page.Items), err, limit)
		}
	})
}

// TestPendingCapDefault checks that a store without a configured cap allows
// 20 pending reviews per reviewer.
func TestPendingCapDefault(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	r := defaultRubric(t)
	products := createProducts(t, s, "Default Cap", mongodb.DefaultMaxPending+1)
	for _, p := range products[:mongodb.DefaultMaxPending] {
		submit(t, s, reviewOf(r, p.ID, "default-cap", variedContext(0), 2))
	}
	_, err := s.SubmitReview(testCtx(t), reviewOf(r, products[mongodb.DefaultMaxPending].ID, "default-cap", variedContext(0), 2), "", "")
	if registry.ErrorCode(err) != registry.ETOOMANY {
		t.Fatalf("submission %d: %v, want ETOOMANY", mongodb.DefaultMaxPending+1, err)
	}
}

// TestActiveReviewNamed checks that the one-active-review conflict names
// the reviewer's active review, pending or published, so that they can
// withdraw it, also when concurrent submissions collide in the queue.
func TestActiveReviewNamed(t *testing.T) {
	t.Parallel()
	r := defaultRubric(t)

	t.Run("Pending", func(t *testing.T) {
		t.Parallel()
		s, _ := openStore(t, mongodb.Options{Moderation: true})
		p := createProduct(t, s, "Named Pending")
		first := submit(t, s, reviewOf(r, p.ID, "named-a", variedContext(0), 2))
		_, err := s.SubmitReview(testCtx(t), reviewOf(r, p.ID, "named-a", variedContext(0), 3), "", "")
		if registry.ErrorCode(err) != registry.ECONFLICT || registry.ErrorExistingReview(err) != first.ID {
			t.Fatalf("second review: %v (existing %q), want ECONFLICT naming %s", err, registry.ErrorExistingReview(err), first.ID)
		}
		if !strings.Contains(registry.ErrorMessage(err), first.ID) {
			t.Errorf("message %q does not name the review", registry.ErrorMessage(err))
		}
	})
	t.Run("Published", func(t *testing.T) {
		t.Parallel()
		s, _ := openStore(t, mongodb.Options{})
		p := createProduct(t, s, "Named Published")
		first := submit(t, s, reviewOf(r, p.ID, "named-b", variedContext(0), 2))
		_, err := s.SubmitReview(testCtx(t), reviewOf(r, p.ID, "named-b", variedContext(0), 3), "", "")
		if registry.ErrorCode(err) != registry.ECONFLICT || registry.ErrorExistingReview(err) != first.ID {
			t.Fatalf("second review: %v (existing %q), want ECONFLICT naming %s", err, registry.ErrorExistingReview(err), first.ID)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		s, _ := openStore(t, mongodb.Options{Moderation: true})
		p := createProduct(t, s, "Named Concurrent")
		const n = 6
		ids := make([]string, n)
		errs := concurrently(n, n, func(i int) error {
			res, err := s.SubmitReview(testCtx(t), reviewOf(r, p.ID, "named-c", variedContext(0), i%5), "", "")
			if err == nil {
				ids[i] = res.Review.ID
			}
			return err
		})
		winner := slices.IndexFunc(ids, func(id string) bool { return id != "" })
		if winner < 0 {
			t.Fatalf("no submission stored: %v", errs)
		}
		for i, err := range errs {
			if i == winner {
				continue
			}
			if registry.ErrorCode(err) != registry.ECONFLICT || registry.ErrorExistingReview(err) != ids[winner] {
				t.Errorf("submission %d: %v (existing %q), want ECONFLICT naming %s", i, err, registry.ErrorExistingReview(err), ids[winner])
			}
		}
	})
}

// TestOwnReviews checks a reviewer's list of their own reviews: every
// review they submitted, in every status, newest first, paged by an opaque
// cursor, and none of anyone else's.
func TestOwnReviews(t *testing.T) {
	t.Parallel()
	clock, _ := tickingClock()
	s, _ := openStore(t, mongodb.Options{Moderation: true, MaxPending: 100, Now: clock})
	ctx := testCtx(t)
	r := defaultRubric(t)
	const n = 45
	products := createProducts(t, s, "Own", n)
	var ids []string
	for i, p := range products {
		ids = append(ids, submit(t, s, reviewOf(r, p.ID, "own-a", variedContext(1), i%5)).ID)
		if i%4 == 0 {
			submit(t, s, reviewOf(r, p.ID, "own-b", variedContext(2), 1))
		}
	}
	for _, id := range []string{ids[0], ids[30], ids[44]} {
		if _, err := s.Transition(ctx, id, registry.StatusWithdrawn, "own-a", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Transition(ctx, ids[10], registry.StatusRejected, "", "spam"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, ids[5], registry.StatusPublished, "", ""); err != nil {
		t.Fatal(err)
	}
	list := func(t *testing.T, ref string, limit int) []*registry.Review {
		t.Helper()
		var out []*registry.Review
		cursor := ""
		for range 100 {
			page, err := s.OwnReviews(ctx, ref, limit, cursor)
			if err != nil {
				t.Fatalf("OwnReviews(%q): %v", cursor, err)
			}
			if len(page.Items) > limit {
				t.Fatalf("OwnReviews returned %d items, limit %d", len(page.Items), limit)
			}
			out = append(out, page.Items...)
			if page.NextCursor == "" {
				return out
			}
			cursor = page.NextCursor
		}
		t.Fatal("OwnReviews: the cursor never ended")
		return nil
	}

	for _, limit := range []int{1, 7, 20, 100} {
		got := list(t, "own-a", limit)
		if len(got) != n {
			t.Fatalf("limit %d: %d reviews listed, want %d", limit, len(got), n)
		}
		for i, rv := range got {
			want := ids[n-1-i] // newest first
			if rv.ID != want {
				t.Fatalf("limit %d: item %d is %s, want %s", limit, i, rv.ID, want)
			}
			status := registry.StatusPending
			switch want {
			case ids[0], ids[30], ids[44]:
				status = registry.StatusWithdrawn
			case ids[10]:
				status = registry.StatusRejected
			case ids[5]:
				status = registry.StatusPublished
			}
			if rv.Status != status || rv.ReviewerRef != "own-a" || rv.Summary == "" || len(rv.Answers) != len(r.Criteria()) {
				t.Errorf("limit %d: item %d: status %s (want %s), by %q, %d answers", limit, i, rv.Status, status, rv.ReviewerRef, len(rv.Answers))
			}
		}
	}
	if got := list(t, "own-b", 5); len(got) != (n+3)/4 {
		t.Errorf("the other reviewer's list has %d reviews, want %d", len(got), (n+3)/4)
	}
	t.Run("Nobody", func(t *testing.T) {
		page, err := s.OwnReviews(ctx, "own-nobody", 10, "")
		if err != nil || len(page.Items) != 0 || page.NextCursor != "" {
			t.Fatalf("a reviewer with no reviews: %+v, %v; want an empty last page", page, err)
		}
	})
	t.Run("ErrInvalidCursor", func(t *testing.T) {
		for _, c := range []string{"bm90LWEtY3Vyc29y", "MA", "%%%"} {
			if _, err := s.OwnReviews(ctx, "own-a", 5, c); registry.ErrorCode(err) != registry.EINVALID {
				t.Errorf("cursor %q: %v, want EINVALID", c, err)
			}
		}
	})
	t.Run("Pending", func(t *testing.T) {
		m, _ := openStore(t, mongodb.Options{Moderation: true})
		p := createProduct(t, m, "Own Pending")
		rv := submit(t, m, reviewOf(r, p.ID, "own-c", variedContext(3), 2))
		page, err := m.OwnReviews(ctx, "own-c", 10, "")
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != rv.ID || page.Items[0].Status != registry.StatusPending {
			t.Fatalf("own reviews: %+v, %v; want the pending review", page, err)
		}
	})
}

// TestSelfModeration checks that nobody publishes or rejects their own
// review (whatever their role), and only its author withdraws it.
func TestSelfModeration(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Self Moderated")
	rv := submit(t, s, reviewOf(r, p.ID, "self-a", variedContext(0), 2))
	for _, to := range []string{registry.StatusPublished, registry.StatusRejected} {
		if _, err := s.Transition(ctx, rv.ID, to, "self-a", "mine"); registry.ErrorCode(err) != registry.EFORBIDDEN {
			t.Fatalf("%s by its author: %v, want EFORBIDDEN", to, err)
		}
	}
	if got, err := s.Review(ctx, rv.ID); err != nil || got.Status != registry.StatusPending {
		t.Fatalf("after refused self-moderation: %+v, %v; want pending", got, err)
	}
	if _, err := s.Transition(ctx, rv.ID, registry.StatusWithdrawn, "self-b", ""); registry.ErrorCode(err) != registry.EFORBIDDEN {
		t.Fatalf("withdrawal by another: %v, want EFORBIDDEN", err)
	}
	if _, err := s.Transition(ctx, rv.ID, registry.StatusPublished, "self-b", ""); err != nil {
		t.Fatalf("publication by another moderator: %v", err)
	}
	if _, err := s.Transition(ctx, rv.ID, registry.StatusRejected, "self-a", "taking it down"); registry.ErrorCode(err) != registry.EFORBIDDEN {
		t.Fatalf("take-down by its author: %v, want EFORBIDDEN", err)
	}
	checkDerived(t, s, r, p.ID, []string{rv.ID})
}

// TestReviewerDocumentsTakenElsewhere has two stores on one database (as
// two processes would be) take submissions from the same reviewer: each
// store's memory of the reviewer's slots and list is stale, the slot and
// list index it picks are found taken when the review is stored, and other
// ones are taken; the cap still holds across both.
func TestReviewerDocumentsTakenElsewhere(t *testing.T) {
	t.Parallel()
	a, db := openStore(t, mongodb.Options{Moderation: true, MaxPending: 3})
	ctx := testCtx(t)
	r := defaultRubric(t)
	b := mongodbtest.OpenStore(t, db, mongodb.Options{Moderation: true, MaxPending: 3})
	products := createProducts(t, a, "Two Stores", 5)
	var ids []string
	// Both stores learn of the reviewer while they have no review.
	ids = append(ids, submit(t, a, reviewOf(r, products[0].ID, "two-a", variedContext(0), 2)).ID)
	ids = append(ids, submit(t, b, reviewOf(r, products[1].ID, "two-a", variedContext(0), 2)).ID)
	ids = append(ids, submit(t, a, reviewOf(r, products[2].ID, "two-a", variedContext(0), 2)).ID)
	for _, s := range []*mongodb.Store{a, b} {
		if _, err := s.SubmitReview(ctx, reviewOf(r, products[3].ID, "two-a", variedContext(0), 2), "", ""); registry.ErrorCode(err) != registry.ETOOMANY {
			t.Fatalf("a fourth pending review: %v, want ETOOMANY", err)
		}
	}
	for _, s := range []*mongodb.Store{a, b} {
		page, err := s.OwnReviews(ctx, "two-a", 10, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rv := range page.Items {
			got = append(got, rv.ID)
		}
		if !sameSet(got, ids) || len(got) != len(ids) {
			t.Fatalf("own reviews list %v, want each of %v once", got, ids)
		}
	}
	// A review leaving the queue through one store frees a slot for the
	// other.
	if _, err := a.Transition(ctx, ids[1], registry.StatusRejected, "", "duplicate"); err != nil {
		t.Fatal(err)
	}
	submit(t, b, reviewOf(r, products[3].ID, "two-a", variedContext(0), 2))
	if n := countDocs(t, db, mongodb.ColQueue, reviewsOnly); n != 3 {
		t.Errorf("%d pending reviews, want 3", n)
	}
}

// TestConcurrentSubmissionsQueued submits many reviews at once, written in
// groups: each is stored once, the queue lists each once, and each author's
// list has theirs.
func TestConcurrentSubmissionsQueued(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	products := createProducts(t, s, "Crowded", 3)
	const n = 64
	ids := make([]string, n)
	errs := concurrently(16, n, func(i int) error {
		res, err := s.SubmitReview(ctx, reviewOf(r, products[i%3].ID, fmt.Sprintf("crowd-%02d", i/3), variedContext(i), 2), "", "")
		if err == nil {
			ids[i] = res.Review.ID
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submission %d: %v", i, err)
		}
	}
	if got := listQueue(t, s, 9); !sameSet(got, ids) {
		t.Fatalf("the queue lists %d reviews, want the %d submitted", len(got), n)
	}
	for k := range (n + 2) / 3 {
		page, err := s.OwnReviews(ctx, fmt.Sprintf("crowd-%02d", k), 10, "")
		if err != nil || len(page.Items) != min(3, n-3*k) {
			t.Fatalf("reviewer %d lists %d reviews, %v", k, len(page.Items), err)
		}
	}
}

// TestReviewerDocumentsAreNotReviews checks that a reviewer's slot and
// list entry, kept beside the reviews in the queue collection, cannot be
// read or moved as reviews.
func TestReviewerDocumentsAreNotReviews(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Not A Review")
	submit(t, s, reviewOf(r, p.ID, "not-a", variedContext(0), 2))
	for _, id := range []string{"s|not-a|0", "l|not-a|0"} {
		if _, err := s.Review(ctx, id); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("Review(%q): %v, want ENOTFOUND", id, err)
		}
		for _, to := range []string{registry.StatusPublished, registry.StatusWithdrawn} {
			if _, err := s.Transition(ctx, id, to, "", ""); registry.ErrorCode(err) != registry.ENOTFOUND {
				t.Errorf("Transition(%q, %s): %v, want ENOTFOUND", id, to, err)
			}
		}
	}
}
