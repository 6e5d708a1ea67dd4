package mongodb_test

import (
	"fmt"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// queueIDs lists the ids in the moderation queue under a filter.
func queueIDs(t testing.TB, s *mongodb.Store, f registry.QueueFilter) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 100 {
		page, err := s.ModerationQueue(testCtx(t), f, 100, cursor)
		if err != nil {
			t.Fatalf("ModerationQueue: %v", err)
		}
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
	t.Fatal("the queue's cursor never ended")
	return nil
}

// listedSummaries returns the summaries in a product's public listing by id.
func listedSummaries(t testing.TB, s *mongodb.Store, productID string) map[string]string {
	t.Helper()
	page, err := s.PublishedReviews(testCtx(t), productID, 100, "")
	if err != nil {
		t.Fatalf("PublishedReviews: %v", err)
	}
	out := map[string]string{}
	for _, it := range page.Items {
		out[it.ID] = it.Summary
	}
	return out
}

// withHint is a summary the identity-hint detector flags.
const withHint = "Mrs Patel at Ysgol Gymraeg Aberystwyth found it useful."

// revisionFixture is a product with threshold 3 and three released reviews,
// the first by "author".
type revisionFixture struct {
	s    *mongodb.Store
	db   *mongodb.DB
	r    *registry.Rubric
	p    *registry.Product
	ids  []string // every review submitted, for recomputations
	orig string   // the author's published, released review
	next int      // the next other reviewer's number
}

func newRevisionFixture(t *testing.T, name string, opts mongodb.Options) *revisionFixture {
	t.Helper()
	opts.Moderation, opts.Threshold = true, 3
	s, db := openStore(t, opts)
	f := &revisionFixture{s: s, db: db, r: defaultRubric(t), p: createProduct(t, s, name)}
	f.orig = f.publishNew(t, "author", 0)
	for range 2 {
		f.publishOther(t)
	}
	if st, listed := publicCount(t, s, f.r, f.p.ID); st != 3 || listed != 3 {
		t.Fatalf("fixture: %d counted and %d listed, want 3 and 3", st, listed)
	}
	return f
}

// publishNew submits and publishes a review by ref and returns its id.
func (f *revisionFixture) publishNew(t testing.TB, ref string, i int) string {
	t.Helper()
	id := submit(t, f.s, reviewOf(f.r, f.p.ID, ref, variedContext(i), variedScores(i)...)).ID
	if _, err := f.s.Transition(testCtx(t), id, registry.StatusPublished, "", ""); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	f.ids = append(f.ids, id)
	return id
}

// publishOther publishes a review by a reviewer of its own: one change
// towards the product's next release.
func (f *revisionFixture) publishOther(t testing.TB) string {
	t.Helper()
	f.next++
	return f.publishNew(t, fmt.Sprintf("other-%d", f.next), f.next)
}

// revise edits review id as "author" with the given summary and scores.
func (f *revisionFixture) revise(t testing.TB, id, summary string, scores ...int) *registry.OwnReview {
	t.Helper()
	rv := reviewOf(f.r, "", "", variedContext(7), scores...)
	rv.Summary = summary
	own, err := f.s.ReviseReview(testCtx(t), id, "author", rv, "", "", nil)
	if err != nil {
		t.Fatalf("ReviseReview(%s): %v", id, err)
	}
	return own
}

// publishRevision edits the author's review and has the revision published;
// it returns the revision's id.
func (f *revisionFixture) publishRevision(t testing.TB, summary string) string {
	t.Helper()
	own := f.revise(t, f.orig, summary, 4)
	if own.Revision == nil || own.Revision.Status != registry.StatusPending {
		t.Fatalf("no pending revision after the edit: %+v", own)
	}
	rid := own.Revision.ID
	f.ids = append(f.ids, rid)
	if _, err := f.s.Transition(testCtx(t), rid, registry.StatusPublished, "", ""); err != nil {
		t.Fatalf("publish the revision: %v", err)
	}
	return rid
}

func (f *revisionFixture) status(t testing.TB, id string) string {
	t.Helper()
	r, err := f.s.Review(testCtx(t), id)
	if err != nil {
		t.Fatalf("Review(%s): %v", id, err)
	}
	return r.Status
}

func TestRevisePending(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Edited pending")
	first := reviewOf(r, p.ID, "author", variedContext(1), 1)
	id := submit(t, s, first).ID
	other := submit(t, s, reviewOf(r, p.ID, "someone", variedContext(2), 2)).ID
	hinted := registry.QueueFilter{Hints: true}
	if got := queueIDs(t, s, hinted); len(got) != 0 {
		t.Fatalf("hints filter lists %v before any edit", got)
	}

	rv := reviewOf(r, "", "", variedContext(3), 3)
	rv.Summary = withHint
	own, err := s.ReviseReview(ctx, id, "author", rv, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if own.Review.ID != id || own.Review.Status != registry.StatusPending || own.Review.Summary != withHint ||
		own.Review.ProductID != p.ID || *own.Review.Answers[0].Score != 3 || own.Revision != nil {
		t.Fatalf("after the edit: %+v", own.Review)
	}
	if got := queueIDs(t, s, hinted); !slices.Equal(got, []string{id}) {
		t.Errorf("hints filter lists %v after an edit adding a hint, want [%s]", got, id)
	}
	if got := queueIDs(t, s, registry.QueueFilter{}); !slices.Equal(got, []string{id, other}) {
		t.Errorf("queue %v, want the edited review in its place: [%s %s]", got, id, other)
	}
	rv = reviewOf(r, "", "", variedContext(3), 3)
	rv.Conflict = registry.Conflict{Declared: true, Details: "I trialled it for the vendor."}
	if _, err := s.ReviseReview(ctx, id, "author", rv, "", "", nil); err != nil {
		t.Fatal(err)
	}
	if got := queueIDs(t, s, hinted); len(got) != 0 {
		t.Errorf("hints filter lists %v after the hint was edited out", got)
	}
	if got := queueIDs(t, s, registry.QueueFilter{Conflict: true}); !slices.Equal(got, []string{id}) {
		t.Errorf("conflict filter lists %v, want [%s]", got, id)
	}
	if _, err := s.ReviseReview(ctx, id, "someone", rv, "", "", nil); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("another reviewer's edit: %v, want ENOTFOUND", err)
	}
	if _, err := s.OwnReview(ctx, id, "someone"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("another reviewer's read: %v, want ENOTFOUND", err)
	}
	// Moderated as edited.
	if _, err := s.Transition(ctx, id, registry.StatusPublished, "", ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.Review(ctx, id)
	if err != nil || !got.Conflict.Declared || got.Summary != rv.Summary {
		t.Errorf("published: %+v, %v", got, err)
	}
	checkDerived(t, s, r, p.ID, []string{id, other})
}

// TestRevisePublished edits a published, public review: the revision waits
// for moderation while the published text stays public; once published it
// waits for the product's next release with the old text still public; the
// release swaps them, and the statistics equal a recomputation.
func TestRevisePublished(t *testing.T) {
	t.Parallel()
	f := newRevisionFixture(t, "Edited published", mongodb.Options{Now: fixedNow})
	ctx := testCtx(t)
	s := f.s
	statsBefore, err := s.Stats(ctx, f.p.ID, f.r)
	if err != nil {
		t.Fatal(err)
	}
	own := f.revise(t, f.orig, "First edit, not moderated.", 4)
	if own.Review.Status != registry.StatusPublished || own.Revision == nil || own.Revision.Status != registry.StatusPending ||
		own.Revision.Revises != f.orig || own.Revision.Summary != "First edit, not moderated." {
		t.Fatalf("after the edit: %+v, revision %+v", own.Review, own.Revision)
	}
	rid := own.Revision.ID
	// A second edit replaces the pending revision in place.
	own = f.revise(t, f.orig, "Second edit, not moderated.", 4)
	if own.Revision == nil || own.Revision.ID != rid || own.Revision.Summary != "Second edit, not moderated." {
		t.Fatalf("the second edit made %+v, want revision %s changed in place", own.Revision, rid)
	}
	// Editing the pending revision by its own id does the same.
	f.revise(t, rid, "Third edit.", 4)
	if q := queueIDs(t, s, registry.QueueFilter{}); !slices.Equal(q, []string{rid}) {
		t.Errorf("queue %v, want the one revision", q)
	}
	// Nothing public moved.
	if l := listedSummaries(t, s, f.p.ID); len(l) != 3 || l[f.orig] != "Useful, with reservations." {
		t.Errorf("listing after the edit: %v", l)
	}
	// Nobody moderates their own revision.
	if _, err := s.Transition(ctx, rid, registry.StatusPublished, "author", ""); registry.ErrorCode(err) != registry.EFORBIDDEN {
		t.Errorf("the author publishing their revision: %v, want EFORBIDDEN", err)
	}
	f.ids = append(f.ids, rid)
	read, err := s.Review(ctx, rid)
	if err != nil {
		t.Fatal(err)
	}
	if read.Version != 3 {
		t.Errorf("the revision is at version %d after two edits in place, want 3", read.Version)
	}
	if _, err := s.PublishReview(ctx, rid, "moderator", registry.PublishRequest{IfMatch: &registry.IfMatch{Versions: []int{read.Version}}}); err != nil {
		t.Fatal(err)
	}
	if st := f.status(t, f.orig); st != registry.StatusSuperseded {
		t.Fatalf("the revised review is %s, want superseded", st)
	}
	pub, err := s.Publication(ctx, f.orig)
	if err != nil || pub.State != registry.PublicationReplacing || pub.Waiting != 1 {
		t.Errorf("the superseded review stands %+v, %v", pub, err)
	}
	if pub, _ := s.Publication(ctx, rid); pub.State != registry.PublicationWaiting {
		t.Errorf("the published revision stands %+v", pub)
	}
	// Still the old text and answers in public, until the release.
	if l := listedSummaries(t, s, f.p.ID); len(l) != 3 || l[f.orig] == "" || l[rid] != "" {
		t.Errorf("listing before the release: %v", l)
	}
	if st, _ := s.Stats(ctx, f.p.ID, f.r); !statsEqual(st, statsBefore) {
		t.Error("the statistics moved before the release")
	}
	// A new review of the product by the author is still refused.
	if _, err := s.SubmitReview(ctx, reviewOf(f.r, f.p.ID, "author", variedContext(1)), "", ""); registry.ErrorCode(err) != registry.ECONFLICT ||
		registry.ErrorExistingReview(err) != rid {
		t.Errorf("another review by the author: %v, want ECONFLICT naming %s", err, rid)
	}
	// Editing the revision before it is public is refused.
	rv := reviewOf(f.r, "", "", variedContext(7), 1)
	if _, err := s.ReviseReview(ctx, rid, "author", rv, "", "", nil); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("an edit before the previous one is public: %v, want ECONFLICT", err)
	}
	if _, err := s.ReviseReview(ctx, f.orig, "author", rv, "", "", nil); registry.ErrorCode(err) != registry.ECONFLICT || registry.ErrorExistingReview(err) != rid {
		t.Errorf("an edit of the superseded review: %v, want ECONFLICT naming %s", err, rid)
	}
	f.publishOther(t)
	if l := listedSummaries(t, s, f.p.ID); l[rid] != "" {
		t.Fatalf("the revision is listed before its release: %v", l)
	}
	f.publishOther(t) // the third reviewer's change: the release
	l := listedSummaries(t, s, f.p.ID)
	if l[f.orig] != "" || l[rid] != "Third edit." || len(l) != 5 {
		t.Errorf("listing after the release: %v", l)
	}
	if pub, _ := s.Publication(ctx, f.orig); pub.State != registry.PublicationNone {
		t.Errorf("after the release the superseded review stands %+v", pub)
	}
	checkDerived(t, s, f.r, f.p.ID, f.ids)
	// Once public, the revision may be edited again.
	f.revise(t, rid, "Fourth edit.", 0)
	wrong, err := s.Reindex(ctx, nil)
	if err != nil || wrong != 0 {
		t.Errorf("Reindex: %d wrong, %v", wrong, err)
	}
}

func statsEqual(a, b *registry.Stats) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestRevisionRejected: a rejected revision leaves the published review as
// it was, and its author sees the reason on the revision.
func TestRevisionRejected(t *testing.T) {
	t.Parallel()
	f := newRevisionFixture(t, "Rejected revision", mongodb.Options{})
	ctx := testCtx(t)
	own := f.revise(t, f.orig, "An edit naming Mrs Patel.", 4)
	rid := own.Revision.ID
	f.ids = append(f.ids, rid)
	if _, err := f.s.Transition(ctx, rid, registry.StatusRejected, "moderator", "Names a colleague."); err != nil {
		t.Fatal(err)
	}
	if st := f.status(t, f.orig); st != registry.StatusPublished {
		t.Errorf("after the rejection the review is %s", st)
	}
	own, err := f.s.OwnReview(ctx, f.orig, "author")
	if err != nil {
		t.Fatal(err)
	}
	if own.Revision == nil || own.Revision.ID != rid || own.Revision.Status != registry.StatusRejected || own.Revision.RejectReason != "Names a colleague." {
		t.Errorf("the author sees the revision as %+v", own.Revision)
	}
	f.publishOther(t)
	f.publishOther(t)
	checkDerived(t, f.s, f.r, f.p.ID, f.ids)
	// A new edit makes a new revision.
	own = f.revise(t, f.orig, "A clean edit.", 3)
	if own.Revision == nil || own.Revision.ID == rid || own.Revision.Status != registry.StatusPending {
		t.Errorf("after a rejected revision a new edit gives %+v", own.Revision)
	}
}

// TestRevisionWithdrawals: withdrawing the published review drops its
// pending revision; withdrawing a published revision takes the review it
// superseded out of the listing at once. A withdrawn or rejected review
// cannot be edited.
func TestRevisionWithdrawals(t *testing.T) {
	t.Parallel()
	t.Run("OriginalDropsPendingRevision", func(t *testing.T) {
		t.Parallel()
		f := newRevisionFixture(t, "Withdrawn with revision", mongodb.Options{})
		ctx := testCtx(t)
		rid := f.revise(t, f.orig, "Pending edit.", 4).Revision.ID
		f.ids = append(f.ids, rid)
		if _, err := f.s.Transition(ctx, f.orig, registry.StatusWithdrawn, "author", ""); err != nil {
			t.Fatal(err)
		}
		if st := f.status(t, rid); st != registry.StatusWithdrawn {
			t.Errorf("the pending revision is %s, want withdrawn", st)
		}
		if q := queueIDs(t, f.s, registry.QueueFilter{}); len(q) != 0 {
			t.Errorf("queue %v after the withdrawal", q)
		}
		if _, err := f.s.ReviseReview(ctx, f.orig, "author", reviewOf(f.r, "", "", variedContext(1)), "", "", nil); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Errorf("edit of a withdrawn review: %v, want ECONFLICT", err)
		}
		// The author may write a new review of the product.
		f.ids = append(f.ids, submit(t, f.s, reviewOf(f.r, f.p.ID, "author", variedContext(1))).ID)
		f.publishOther(t)
		f.publishOther(t)
		checkDerived(t, f.s, f.r, f.p.ID, f.ids)
	})
	t.Run("TakeDownDropsPendingRevision", func(t *testing.T) {
		t.Parallel()
		f := newRevisionFixture(t, "Taken down with revision", mongodb.Options{})
		rid := f.revise(t, f.orig, "Pending edit.", 4).Revision.ID
		if _, err := f.s.Transition(testCtx(t), f.orig, registry.StatusRejected, "moderator", "Taken down."); err != nil {
			t.Fatal(err)
		}
		if st := f.status(t, rid); st != registry.StatusRejected {
			t.Errorf("the pending revision is %s, want rejected", st)
		}
		if _, err := f.s.ReviseReview(testCtx(t), f.orig, "author", reviewOf(f.r, "", "", variedContext(1)), "", "", nil); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Errorf("edit of a rejected review: %v, want ECONFLICT", err)
		}
	})
	t.Run("PublishedRevisionTakesOriginal", func(t *testing.T) {
		t.Parallel()
		f := newRevisionFixture(t, "Withdrawn revision", mongodb.Options{})
		rid := f.publishRevision(t, "Published edit.")
		if l := listedSummaries(t, f.s, f.p.ID); l[f.orig] == "" {
			t.Fatalf("the superseded review left the listing before the release: %v", l)
		}
		if _, err := f.s.Transition(testCtx(t), f.orig, registry.StatusWithdrawn, "author", ""); registry.ErrorCode(err) != registry.ECONFLICT {
			t.Errorf("withdrawing the superseded review: %v, want ECONFLICT", err)
		}
		if _, err := f.s.Transition(testCtx(t), rid, registry.StatusWithdrawn, "author", ""); err != nil {
			t.Fatal(err)
		}
		if st := f.status(t, f.orig); st != registry.StatusWithdrawn {
			t.Errorf("the superseded review is %s, want withdrawn", st)
		}
		if l := listedSummaries(t, f.s, f.p.ID); l[f.orig] != "" || l[rid] != "" || len(l) != 2 {
			t.Errorf("listing after the withdrawal: %v", l)
		}
		if pub, _ := f.s.Publication(testCtx(t), f.orig); pub.State != registry.PublicationLeaving {
			t.Errorf("the withdrawn review stands %+v", pub)
		}
		f.publishOther(t)
		f.publishOther(t)
		checkDerived(t, f.s, f.r, f.p.ID, f.ids)
	})
	t.Run("TakeDownOfRevisionTakesOriginal", func(t *testing.T) {
		t.Parallel()
		f := newRevisionFixture(t, "Taken down revision", mongodb.Options{})
		rid := f.publishRevision(t, "Published edit.")
		if _, err := f.s.Transition(testCtx(t), rid, registry.StatusRejected, "moderator", "Taken down."); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Review(testCtx(t), f.orig)
		if err != nil || got.Status != registry.StatusRejected || got.RejectReason != "Taken down." {
			t.Errorf("the superseded review: %+v, %v", got, err)
		}
		f.publishOther(t)
		f.publishOther(t)
		checkDerived(t, f.s, f.r, f.p.ID, f.ids)
	})
}

// TestReviseIdempotency: a retry with the same key and body changes nothing
// more; another body with the key is EINVALID; a key of an edit is not a
// submission's.
func TestReviseIdempotency(t *testing.T) {
	t.Parallel()
	f := newRevisionFixture(t, "Idempotent edit", mongodb.Options{})
	ctx := testCtx(t)
	rv := func(summary string) *registry.Review {
		r := reviewOf(f.r, "", "", variedContext(7), 4)
		r.Summary = summary
		return r
	}
	first, err := f.s.ReviseReview(ctx, f.orig, "author", rv("Edit A."), "key-1", "hash-a", nil)
	if err != nil {
		t.Fatal(err)
	}
	rid := first.Revision.ID
	again, err := f.s.ReviseReview(ctx, f.orig, "author", rv("Edit A."), "key-1", "hash-a", nil)
	if err != nil || again.Revision == nil || again.Revision.ID != rid {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	if _, err := f.s.ReviseReview(ctx, f.orig, "author", rv("Edit B."), "key-1", "hash-b", nil); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("the key with another body: %v, want EINVALID", err)
	}
	if _, err := f.s.SubmitReview(ctx, reviewOf(f.r, f.p.ID, "author", variedContext(1)), "key-1", "hash-a"); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("the key of an edit used for a submission: %v, want EINVALID", err)
	}
	// Moderated meanwhile: the retry changes nothing.
	if _, err := f.s.Transition(ctx, rid, registry.StatusPublished, "moderator", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ReviseReview(ctx, f.orig, "author", rv("Edit A."), "key-1", "hash-a", nil); err != nil {
		t.Errorf("a retry after the publication: %v", err)
	}
	if st := f.status(t, rid); st != registry.StatusPublished {
		t.Errorf("the revision is %s after the retry", st)
	}
	if q := queueIDs(t, f.s, registry.QueueFilter{}); len(q) != 0 {
		t.Errorf("the retry queued %v", q)
	}
}

// TestRevisionCrash stops a revision's publication between its status
// change and the rest (the old review not yet superseded, nothing derived
// updated), as a crash would, and an edit in place between the review and
// its queue entry's flags; repair finishes both.
func TestRevisionCrash(t *testing.T) {
	t.Parallel()
	t.Run("Publication", func(t *testing.T) {
		t.Parallel()
		clock, advance := tickingClock()
		f := newRevisionFixture(t, "Interrupted revision", mongodb.Options{Now: clock})
		ctx := testCtx(t)
		rid := f.revise(t, f.orig, "Edit.", 4).Revision.ID
		f.ids = append(f.ids, rid)
		crashOn(f.s, rid)
		if _, err := f.s.Transition(ctx, rid, registry.StatusPublished, "moderator", ""); err == nil {
			t.Fatal("the interrupted publication reported success")
		}
		mongodb.SetAfterTransition(f.s, nil)
		if st := f.status(t, f.orig); st != registry.StatusPublished {
			t.Fatalf("after the crash the revised review is %s; the test wants it caught before it was superseded", st)
		}
		if n := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); n == 0 {
			t.Fatal("no marker left for repair")
		}
		pastRepairAge(f.db, advance)
		if _, err := f.s.Repair(ctx); err != nil {
			t.Fatal(err)
		}
		if st := f.status(t, f.orig); st != registry.StatusSuperseded {
			t.Errorf("after repair the revised review is %s, want superseded", st)
		}
		if l := listedSummaries(t, f.s, f.p.ID); l[f.orig] == "" || l[rid] != "" {
			t.Errorf("listing after repair, before the release: %v", l)
		}
		f.publishOther(t)
		f.publishOther(t)
		if l := listedSummaries(t, f.s, f.p.ID); l[f.orig] != "" || l[rid] != "Edit." {
			t.Errorf("listing after the release: %v", l)
		}
		checkDerived(t, f.s, f.r, f.p.ID, f.ids)
	})
	t.Run("EditInPlace", func(t *testing.T) {
		t.Parallel()
		clock, advance := tickingClock()
		s, db := openStore(t, mongodb.Options{Moderation: true, Now: clock})
		ctx := testCtx(t)
		r := defaultRubric(t)
		p := createProduct(t, s, "Interrupted edit")
		id := submit(t, s, reviewOf(r, p.ID, "author", variedContext(1))).ID
		mongodb.SetSubmitCrash(s, func(step, reviewID string) error {
			if step == "edited" && reviewID == id {
				return errCrash
			}
			return nil
		})
		rv := reviewOf(r, "", "", variedContext(1))
		rv.Summary = withHint
		if _, err := s.ReviseReview(ctx, id, "author", rv, "", "", nil); err == nil {
			t.Fatal("the interrupted edit reported success")
		}
		mongodb.SetSubmitCrash(s, nil)
		if got, _ := s.Review(ctx, id); got.Summary != withHint {
			t.Fatalf("the review was not changed before the crash point: %q", got.Summary)
		}
		if q := queueIDs(t, s, registry.QueueFilter{Hints: true}); len(q) != 0 {
			t.Fatalf("the hints filter lists %v before repair: the crash point is not between the review and its flags", q)
		}
		pastRepairAge(db, advance)
		if _, err := s.Repair(ctx); err != nil {
			t.Fatal(err)
		}
		if q := queueIDs(t, s, registry.QueueFilter{Hints: true}); !slices.Equal(q, []string{id}) {
			t.Errorf("after repair the hints filter lists %v, want [%s]", q, id)
		}
		if n := countDocs(t, db, mongodb.ColMarkers, bson.D{}); n != 0 {
			t.Errorf("%d markers left after repair", n)
		}
	})
}

// TestRevisionPairReleasedTogether: a revision under another rubric
// version than the review it revises is released with it: each version's
// statistics are public on their own, and a release of one version alone
// would take the old answers out without the new in (or the reverse). The
// pair waits until both versions are due.
func TestRevisionPairReleasedTogether(t *testing.T) {
	t.Parallel()
	v1 := rubrictest.Version(t, "default", 1)
	v2 := *v1
	v2.Version = 2
	v2.Dimensions = append([]registry.Dimension(nil), v1.Dimensions...)
	v2.Dimensions[0].Criteria = append([]registry.Criterion(nil), v1.Dimensions[0].Criteria...)
	v2.Dimensions[0].Criteria[0].Question += " (Version 2 wording.)"
	var err error
	if v2.Hash, err = rubric.Hash(&v2); err != nil {
		t.Fatal(err)
	}
	set, err := rubric.NewSet([]*registry.Rubric{v1, &v2})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t, mongodb.Options{Moderation: true, Threshold: 3, Rubrics: set})
	ctx := testCtx(t)
	p := createProduct(t, s, "Paired release")
	var ids []string
	n := 0
	publish := func(r *registry.Rubric, ref string) string {
		t.Helper()
		n++
		id := submit(t, s, reviewOf(r, p.ID, ref, variedContext(n), variedScores(n)...)).ID
		if _, err := s.Transition(ctx, id, registry.StatusPublished, "", ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		return id
	}
	orig := publish(v1, "author")
	publish(v1, "a")
	publish(v1, "b")
	rv := reviewOf(&v2, "", "", variedContext(9), 4)
	rv.Summary = "Edited under version 2."
	own, err := s.ReviseReview(ctx, orig, "author", rv, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rid := own.Revision.ID
	ids = append(ids, rid)
	if _, err := s.Transition(ctx, rid, registry.StatusPublished, "moderator", ""); err != nil {
		t.Fatal(err)
	}
	// Version 2 has changes by three reviewers (the author's revision and
	// two others), version 1 only the author's: the pair waits, and
	// without it version 2 has two, so nothing is released.
	c := publish(&v2, "c")
	d := publish(&v2, "d")
	l := listedSummaries(t, s, p.ID)
	if len(l) != 3 || l[orig] == "" || l[rid] != "" || l[c] != "" || l[d] != "" {
		t.Fatalf("listing with the pair split across versions: %v", l)
	}
	if st, _ := s.Stats(ctx, p.ID, &v2); st.All.Reviews != 0 {
		t.Fatalf("version 2 statistics count %d before its release", st.All.Reviews)
	}
	// Two more changes under version 1: both versions are due, and one
	// release takes the pair whole.
	publish(v1, "e")
	publish(v1, "f")
	l = listedSummaries(t, s, p.ID)
	if l[orig] != "" || l[rid] != "Edited under version 2." || len(l) != 7 {
		t.Errorf("listing after the release: %v", l)
	}
	for _, r := range []*registry.Rubric{v1, &v2} {
		got, err := s.Stats(ctx, p.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		var mine []string
		for _, id := range ids {
			if rv, _ := s.Review(ctx, id); rv.RubricVersion == r.Version {
				mine = append(mine, id)
			}
		}
		want, _ := recompute(t, s, r, p.ID, mine)
		checkStatsEqual(t, got, want)
	}
	wrong, err := s.Reindex(ctx, nil)
	if err != nil || wrong != 0 {
		t.Errorf("Reindex: %d wrong, %v", wrong, err)
	}
}
