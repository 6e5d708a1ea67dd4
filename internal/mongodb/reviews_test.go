package mongodb_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// TestConcurrentTransitions publishes, withdraws and rejects reviews of one
// product from many goroutines at once and checks that the incrementally
// kept statistics, counts and pages say exactly what a full recomputation
// from the reviews says.
func TestConcurrentTransitions(t *testing.T) {
	t.Parallel()
	mongodbtest.NeedsAtomicWrites(t, "16 goroutines publishing, withdrawing and rejecting reviews of one product")
	s, db := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Concurrent Publishers")

	const n = 40
	ids := make([]string, n)
	refs := make([]string, n)
	for i := range n {
		refs[i] = fmt.Sprintf("publisher-ref-%02d", i)
		rv := submit(t, s, reviewOf(r, p.ID, refs[i], variedContext(i), variedScores(i)...))
		if rv.Status != registry.StatusPending {
			t.Fatalf("review %d is %s with moderation on, want pending", i, rv.Status)
		}
		ids[i] = rv.ID
	}
	if got := checkDerived(t, s, r, p.ID, ids); len(got) != 0 {
		t.Fatalf("%d reviews published before any moderation", len(got))
	}
	if q, err := s.Queue(ctx, 100, ""); err != nil || len(q.Items) != n {
		t.Fatalf("queue: %v, %v; want %d pending reviews", q, err, n)
	}

	// Publish the first 30 from 12 goroutines, each review twice at once:
	// exactly one publish of each may win.
	const first = 30
	errs := concurrently(12, 2*first, func(i int) error {
		_, err := s.Transition(ctx, ids[i%first], registry.StatusPublished, "", "")
		return err
	})
	wins := map[string]int{}
	for i, err := range errs {
		switch registry.ErrorCode(err) {
		case "":
			wins[ids[i%first]]++
		case registry.ECONFLICT:
		default:
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	for _, id := range ids[:first] {
		if wins[id] != 1 {
			t.Errorf("review %s was published %d times, want exactly once", id, wins[id])
		}
	}
	if got := checkDerived(t, s, r, p.ID, ids); !sameSet(got, ids[:first]) {
		t.Fatalf("published %v, want %v", sorted(got), sorted(ids[:first]))
	}

	t.Run("ErrConflictRetriedPublish", func(t *testing.T) {
		before, err := s.Stats(ctx, p.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		countsBefore, err := s.PublishedCounts(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Transition(ctx, ids[0], registry.StatusPublished, "", "")
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("publish of a published review: %v, want ECONFLICT", err)
		}
		after, err := s.Stats(ctx, p.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		checkStatsEqual(t, after, before)
		if countsAfter, _ := s.PublishedCounts(ctx, p.ID); !reflect.DeepEqual(countsAfter, countsBefore) {
			t.Errorf("PublishedCounts changed from %v to %v", countsBefore, countsAfter)
		}
		if got := listPublished(t, s, p.ID, 100); len(got) != first {
			t.Errorf("pages list %d reviews after a refused publish, want %d", len(got), first)
		}
	})

	// At once: publish the 10 still pending, withdraw 8 published ones (by
	// their authors), reject 6, and race a withdrawal against a rejection
	// of 2 more.
	type job struct {
		id, to, by string
	}
	var jobs []job
	for i := first; i < n; i++ {
		jobs = append(jobs, job{ids[i], registry.StatusPublished, ""})
	}
	for i := range 8 {
		jobs = append(jobs, job{ids[i], registry.StatusWithdrawn, refs[i]})
	}
	for i := 8; i < 14; i++ {
		jobs = append(jobs, job{ids[i], registry.StatusRejected, ""})
	}
	for i := 14; i < 16; i++ {
		jobs = append(jobs, job{ids[i], registry.StatusWithdrawn, refs[i]}, job{ids[i], registry.StatusRejected, ""})
	}
	errs = concurrently(16, len(jobs), func(i int) error {
		_, err := s.Transition(ctx, jobs[i].id, jobs[i].to, jobs[i].by, "off-topic")
		return err
	})
	raced := map[string]int{}
	for i, err := range errs {
		j := jobs[i]
		if j.id == ids[14] || j.id == ids[15] {
			if err == nil {
				raced[j.id]++
			} else if registry.ErrorCode(err) != registry.ECONFLICT {
				t.Fatalf("%s of %s: %v", j.to, j.id, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s of %s: %v", j.to, j.id, err)
		}
	}
	for _, id := range ids[14:16] {
		if raced[id] != 1 {
			t.Errorf("withdraw and reject of %s: %d succeeded, want exactly 1", id, raced[id])
		}
	}
	if got := checkDerived(t, s, r, p.ID, ids); !sameSet(got, ids[16:]) {
		t.Fatalf("published %v, want %v", sorted(got), sorted(ids[16:]))
	}
	if q, err := s.Queue(ctx, 100, ""); err != nil || len(q.Items) != 0 {
		t.Fatalf("queue after every review was moderated: %d items, %v; want none", len(q.Items), err)
	}
	if m := countDocs(t, db, mongodb.ColMarkers, bson.D{}); m != 0 {
		t.Errorf("%d transition markers left behind, want 0", m)
	}
	if wrong, err := s.Reindex(ctx, nil); err != nil || wrong != 0 {
		t.Errorf("Reindex after concurrent transitions: %d products wrong, %v; want 0", wrong, err)
	}
}

func TestSubmitIdempotency(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Idempotent Product")
	other := createProduct(t, s, "Other Product")
	who := variedContext(0)
	// Pending reviews live in the queue; the others in the reviews collection.
	reviews := func(t testing.TB) int64 {
		return countDocs(t, db, mongodb.ColReviews, bson.D{}) + countDocs(t, db, mongodb.ColQueue, reviewsOnly)
	}

	first, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-a", who, 3), "key-1", "body-1")
	if err != nil || !first.Created {
		t.Fatalf("first submission: %+v, %v", first, err)
	}

	t.Run("SameKeySameBody", func(t *testing.T) {
		before := reviews(t)
		again, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-a", who, 3), "key-1", "body-1")
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if again.Created || again.Review.ID != first.Review.ID || again.Review.Status != registry.StatusPending {
			t.Fatalf("retry: created %v, id %s, status %s; want false, %s, pending",
				again.Created, again.Review.ID, again.Review.Status, first.Review.ID)
		}
		if after := reviews(t); after != before {
			t.Fatalf("a retry stored %d new reviews", after-before)
		}
		if q := countDocs(t, db, mongodb.ColQueue, reviewsOnly); q != 1 {
			t.Errorf("queue holds %d reviews, want 1", q)
		}
	})

	t.Run("ErrInvalidOtherBody", func(t *testing.T) {
		before := reviews(t)
		_, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-a", who, 1), "key-1", "body-2")
		if registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("same key, other body: %v, want EINVALID", err)
		}
		if fs := registry.ErrorFields(err); len(fs) != 1 || fs[0].Field != "Idempotency-Key" {
			t.Errorf("field errors %v, want one naming Idempotency-Key", fs)
		}
		if after := reviews(t); after != before {
			t.Fatalf("a refused request stored %d reviews", after-before)
		}
	})

	t.Run("ErrInvalidOtherProduct", func(t *testing.T) {
		_, err := s.SubmitReview(ctx, reviewOf(r, other.ID, "idem-a", who, 3), "key-1", "body-1")
		if registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("same key and body, other product: %v, want EINVALID", err)
		}
	})

	t.Run("OtherReviewerIndependent", func(t *testing.T) {
		before := reviews(t)
		res, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-b", who, 3), "key-1", "body-1")
		if err != nil {
			t.Fatalf("other reviewer, same key: %v", err)
		}
		if !res.Created || res.Review.ID == first.Review.ID {
			t.Fatalf("other reviewer, same key: created %v id %s; want a new review", res.Created, res.Review.ID)
		}
		if after := reviews(t); after != before+1 {
			t.Fatalf("stored %d reviews, want 1", after-before)
		}
	})

	t.Run("ConcurrentSameKey", func(t *testing.T) {
		before := reviews(t)
		const n = 8
		results := make([]*registry.SubmitResult, n)
		errs := concurrently(n, n, func(i int) error {
			var err error
			results[i], err = s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-c", who, 2), "key-c", "body-c")
			return err
		})
		created := 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("submission %d: %v", i, err)
			}
			if results[i].Created {
				created++
			}
			if results[i].Review.ID != results[0].Review.ID {
				t.Errorf("submission %d got review %s, submission 0 got %s", i, results[i].Review.ID, results[0].Review.ID)
			}
		}
		if created != 1 {
			t.Errorf("%d submissions report Created, want exactly 1", created)
		}
		if after := reviews(t); after != before+1 {
			t.Fatalf("%d concurrent retries stored %d reviews, want 1", n, after-before)
		}
		if c := countDocs(t, db, mongodb.ColQueue, bson.D{{Key: "act", Value: mongodb.ClaimID("idem-c", p.ID)}}); c != 1 {
			t.Errorf("%d pending reviews by the reviewer, want 1", c)
		}
		if _, err := s.Review(ctx, results[0].Review.ID); err != nil {
			t.Errorf("the review is not stored: %v", err)
		}
	})

	t.Run("RetryAfterCrash", func(t *testing.T) {
		// A first request stopped after recording its idempotency key and
		// claim and before storing the review: both point at nothing yet.
		const reserved = "reserved00000000000000aa"
		rec := bson.D{
			{Key: "_id", Value: mongodb.IdempotencyID("idem-d", "key-d")},
			{Key: "r", Value: reserved},
			{Key: "p", Value: p.ID},
			{Key: "h", Value: "body-d"}, // as records made before keyed body hashes
			{Key: "t", Value: time.Now().UTC()},
		}
		if _, err := db.Collection(mongodb.ColIdempotency).InsertOne(ctx, rec); err != nil {
			t.Fatal(err)
		}
		// It had also claimed the reviewer's one active review, just now.
		claim := bson.D{{Key: "_id", Value: mongodb.ClaimID("idem-d", p.ID)}, {Key: "r", Value: reserved}, {Key: "t", Value: time.Now().UTC()}}
		if _, err := db.Collection(mongodb.ColClaims).InsertOne(ctx, claim); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Review(ctx, reserved); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("reserved review before the retry: %v, want ENOTFOUND", err)
		}
		before := reviews(t)
		res, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-d", who, 4), "key-d", "body-d")
		if err != nil {
			t.Fatalf("retry after a crash: %v", err)
		}
		if !res.Created || res.Review.ID != reserved {
			t.Fatalf("retry after a crash: created %v id %s; want true and the reserved id %s", res.Created, res.Review.ID, reserved)
		}
		stored, err := s.Review(ctx, reserved)
		if err != nil || stored.ReviewerRef != "idem-d" || stored.Status != registry.StatusPending {
			t.Fatalf("stored review: %+v, %v", stored, err)
		}
		if after := reviews(t); after != before+1 {
			t.Fatalf("stored %d reviews, want 1", after-before)
		}
		again, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "idem-d", who, 4), "key-d", "body-d")
		if err != nil || again.Created || again.Review.ID != reserved {
			t.Fatalf("second retry: %+v, %v; want the reserved review, not created", again, err)
		}
	})
}

func TestOneActiveReview(t *testing.T) {
	t.Parallel()
	r := defaultRubric(t)

	t.Run("Published", func(t *testing.T) {
		t.Parallel()
		s, db := openStore(t, mongodb.Options{})
		ctx := testCtx(t)
		p := createProduct(t, s, "One Active")
		first := submit(t, s, reviewOf(r, p.ID, "active-a", variedContext(1), 3))
		if first.Status != registry.StatusPublished {
			t.Fatalf("status %s without moderation, want published", first.Status)
		}

		_, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "active-a", variedContext(1), 1), "key-2", "body-2")
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("second active review: %v, want ECONFLICT", err)
		}
		if n := countDocs(t, db, mongodb.ColReviews, bson.D{}); n != 1 {
			t.Fatalf("%d reviews stored, want 1", n)
		}
		// The refused request's key is free again, not bound to nothing.
		if n := countDocs(t, db, mongodb.ColIdempotency, bson.D{}); n != 0 {
			t.Errorf("%d idempotency records after a refused submission, want 0", n)
		}

		if _, err := s.Transition(ctx, first.ID, registry.StatusWithdrawn, "active-b", ""); registry.ErrorCode(err) != registry.EFORBIDDEN {
			t.Fatalf("withdraw by another reviewer: %v, want EFORBIDDEN", err)
		}
		if _, err := s.Transition(ctx, first.ID, registry.StatusWithdrawn, "active-a", ""); err != nil {
			t.Fatalf("withdraw by the author: %v", err)
		}
		second := submit(t, s, reviewOf(r, p.ID, "active-a", variedContext(1), 1))
		if second.ID == first.ID {
			t.Fatal("the new review reused the withdrawn one's id")
		}
		checkDerived(t, s, r, p.ID, []string{first.ID, second.ID})

		// Another product is another claim.
		q := createProduct(t, s, "One Active Elsewhere")
		submit(t, s, reviewOf(r, q.ID, "active-a", variedContext(1), 2))
	})

	t.Run("Pending", func(t *testing.T) {
		t.Parallel()
		s, _ := openStore(t, mongodb.Options{Moderation: true})
		ctx := testCtx(t)
		p := createProduct(t, s, "One Pending")
		first := submit(t, s, reviewOf(r, p.ID, "pending-a", variedContext(2), 2))
		if _, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "pending-a", variedContext(2), 2), "", ""); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("second review while one is pending: %v, want ECONFLICT", err)
		}
		if _, err := s.Transition(ctx, first.ID, registry.StatusRejected, "", "spam"); err != nil {
			t.Fatalf("reject: %v", err)
		}
		submit(t, s, reviewOf(r, p.ID, "pending-a", variedContext(2), 2))
	})

	t.Run("ConcurrentSameReviewer", func(t *testing.T) {
		t.Parallel()
		s, db := openStore(t, mongodb.Options{})
		ctx := testCtx(t)
		p := createProduct(t, s, "Double Submit")
		// Two tabs, a double click: the same reviewer submits at once,
		// without a key and with different keys.
		const n = 8
		results := make([]*registry.SubmitResult, n)
		errs := concurrently(n, n, func(i int) error {
			key := ""
			if i%2 == 1 {
				key = fmt.Sprintf("tab-%d", i)
			}
			var err error
			results[i], err = s.SubmitReview(ctx, reviewOf(r, p.ID, "double-a", variedContext(4), i%5), key, fmt.Sprintf("body-%d", i))
			return err
		})
		created := 0
		for i, err := range errs {
			switch registry.ErrorCode(err) {
			case "":
				created++
			case registry.ECONFLICT:
			default:
				t.Fatalf("submission %d: %v", i, err)
			}
		}
		if created != 1 {
			t.Errorf("%d of %d concurrent submissions by one reviewer were stored, want exactly 1", created, n)
		}
		if c := countDocs(t, db, mongodb.ColReviews, bson.D{}); c != 1 {
			t.Errorf("%d reviews stored, want 1", c)
		}
		if st, _ := s.Stats(ctx, p.ID, r); st.All.Reviews != 1 {
			t.Errorf("stats count %d reviews, want 1", st.All.Reviews)
		}
	})

	t.Run("StaleClaim", func(t *testing.T) {
		t.Parallel()
		s, db := openStore(t, mongodb.Options{Moderation: true, Now: fixedNow})
		ctx := testCtx(t)
		p := createProduct(t, s, "Stale Claim")
		claimHolds := func(ref string) string {
			t.Helper()
			var c struct {
				ReviewID string `bson:"r"`
			}
			if err := db.Collection(mongodb.ColClaims).FindOne(ctx, bson.D{{Key: "_id", Value: mongodb.ClaimID(ref, p.ID)}}).Decode(&c); err != nil {
				t.Fatal(err)
			}
			return c.ReviewID
		}
		// A publication that stopped after taking its claim and before
		// storing the review leaves a claim pointing at no published review.
		// It does not block the reviewer, and the next publication takes it
		// over.
		claim := bson.D{{Key: "_id", Value: mongodb.ClaimID("stale-a", p.ID)}, {Key: "r", Value: "never-stored"}}
		if _, err := db.Collection(mongodb.ColClaims).InsertOne(ctx, claim); err != nil {
			t.Fatal(err)
		}
		rv := submit(t, s, reviewOf(r, p.ID, "stale-a", variedContext(3), 3))
		if _, err := s.Transition(ctx, rv.ID, registry.StatusPublished, "", ""); err != nil {
			t.Fatalf("publish over a stale claim: %v", err)
		}
		if got := claimHolds("stale-a"); got != rv.ID {
			t.Fatalf("claim holds %q, want the published review %q", got, rv.ID)
		}
		// Now the claim holds: a new submission is refused, and nothing of
		// it is left in the queue.
		if _, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "stale-a", variedContext(3), 3), "", ""); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("after publication the claim must hold: %v, want ECONFLICT", err)
		}
		if c := countDocs(t, db, mongodb.ColQueue, bson.D{{Key: "act", Value: mongodb.ClaimID("stale-a", p.ID)}}); c != 0 {
			t.Fatalf("a refused submission left %d queue entries", c)
		}
	})
}

// TestPublishedReviewsPastEmptyPages lists a product whose newest pages were
// emptied by withdrawals: a listing request reads a bounded number of empty
// pages, and then must hand back a cursor rather than end the list early.
func TestPublishedReviewsPastEmptyPages(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := &registry.Product{ID: "many-withdrawn", Name: "Many Withdrawn", Category: "other"}

	// Page documents hold 20 reviews each: 13 pages, the newest 12 of
	// which end up empty.
	const total, kept = 13 * 20, 20
	reviews := make([]*registry.Review, total)
	for i := range reviews {
		at := fixedNow().Add(time.Duration(i) * time.Minute)
		rv := reviewOf(r, p.ID, fmt.Sprintf("many-%03d", i), variedContext(i), variedScores(i)...)
		rv.Status, rv.CreatedAt, rv.UpdatedAt, rv.PublishedAt = registry.StatusPublished, at, at, &at
		reviews[i] = rv
	}
	if _, err := s.Seed(ctx, []*registry.Product{p}, reviews); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if got := listPublished(t, s, p.ID, 50); len(got) != total {
		t.Fatalf("listed %d reviews before the withdrawals, want %d", len(got), total)
	}

	// What withdrawing every review after the first page leaves in the
	// pages (written directly: 240 withdrawals would make a slow test).
	for page := 1; page < total/20; page++ {
		if err := mongodb.EmptyPage(ctx, s, p.ID, page); err != nil {
			t.Fatalf("empty page %d: %v", page, err)
		}
	}
	var want []string
	for _, rv := range reviews[:kept] {
		want = append(want, rv.ID)
	}
	if got := listPublished(t, s, p.ID, 10); !sameSet(got, want) {
		t.Fatalf("listed %d reviews past the empty pages, want the %d on the first page", len(got), kept)
	}
}

// TestRetryFinishesPublication checks that, with moderation off, a retry of
// a submission that stopped between storing the review and publishing it
// publishes it, as the first request would have.
func TestRetryFinishesPublication(t *testing.T) {
	t.Parallel()
	// A store with moderation on stands for the first request stopping
	// after its review was stored as pending.
	held, db := openStore(t, mongodb.Options{Moderation: true, Now: fixedNow})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, held, "Retry Finishes")
	first, err := held.SubmitReview(ctx, reviewOf(r, p.ID, "retry-ref", variedContext(1), 3), "key-r", "body-r")
	if err != nil || first.Review.Status != registry.StatusPending {
		t.Fatalf("first submission: %+v, %v", first, err)
	}
	open := mongodbtest.OpenStore(t, db, mongodb.Options{Moderation: false, Now: fixedNow})
	again, err := open.SubmitReview(ctx, reviewOf(r, p.ID, "retry-ref", variedContext(1), 3), "key-r", "body-r")
	if err != nil || again.Created || again.Review.ID != first.Review.ID || again.Review.Status != registry.StatusPublished {
		t.Fatalf("retry: %+v, %v; want the first review, published, not created", again, err)
	}
	checkDerived(t, open, r, p.ID, []string{first.Review.ID})
}

// TestConcurrentRetriesModerationOff sends the same submission with the
// same key several times at once, with moderation off (so each first
// request also publishes): every request gets the one review, none is
// refused, and it is counted once.
func TestConcurrentRetriesModerationOff(t *testing.T) {
	t.Parallel()
	mongodbtest.NeedsAtomicWrites(t, "retries racing the first request's publication and queue writes")
	s, db := openStore(t, mongodb.Options{Moderation: false, Now: fixedNow})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Concurrent Retries")
	t.Cleanup(func() {
		// Every review was published: no copy may be left pending.
		if n := countDocs(t, db, mongodb.ColQueue, reviewsOnly); n != 0 {
			t.Errorf("%d copies left in the queue", n)
		}
	})
	var ids []string
	for round := range 10 {
		ref, key := fmt.Sprintf("retry-%d", round), fmt.Sprintf("key-%d", round)
		const n = 6
		results := make([]*registry.SubmitResult, n)
		errs := concurrently(n, n, func(i int) error {
			var err error
			results[i], err = s.SubmitReview(ctx, reviewOf(r, p.ID, ref, variedContext(round), 3), key, "same-body")
			return err
		})
		created := 0
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, request %d: %v", round, i, err)
			}
			if results[i].Review.ID != results[0].Review.ID || results[i].Review.Status != registry.StatusPublished {
				t.Fatalf("round %d, request %d: %+v, want review %s published", round, i, results[i].Review, results[0].Review.ID)
			}
			if results[i].Created {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %d requests report Created, want 1", round, created)
		}
		ids = append(ids, results[0].Review.ID)
	}
	checkDerived(t, s, r, p.ID, ids)
}

// TestQueuePaging pages through a queue whose reviews were all submitted in
// the same millisecond: ties are broken by id, and every pending review is
// listed exactly once.
func TestQueuePaging(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true, Now: fixedNow})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Queue Paging")
	want := map[string]bool{}
	for i := range 25 {
		want[submit(t, s, reviewOf(r, p.ID, fmt.Sprintf("queue-%d", i), variedContext(i), 2)).ID] = true
	}
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("no end to the pages")
		}
		page, err := s.Queue(ctx, 7, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, rv := range page.Items {
			seen[rv.ID]++
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != len(want) {
		t.Fatalf("listed %d reviews, want %d", len(seen), len(want))
	}
	for id, n := range seen {
		if !want[id] || n != 1 {
			t.Errorf("review %s listed %d times (pending: %v)", id, n, want[id])
		}
	}
	if _, err := s.Queue(ctx, 7, "bm90LWEtY3Vyc29y"); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("a foreign cursor: %v, want EINVALID", err)
	}
}
