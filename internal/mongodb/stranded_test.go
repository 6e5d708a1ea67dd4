package mongodb_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// crashSubmissionAt makes the store's submissions stop, as a crash would,
// at the given step.
func crashSubmissionAt(s *mongodb.Store, step string) {
	mongodb.SetSubmitCrash(s, func(at, _ string) error {
		if at == step {
			return errCrash
		}
		return nil
	})
}

// strand submits a review with moderation off that stops (as a killed
// process would) after it is stored and before it is published, and
// returns it, pending.
func strand(t testing.TB, s *mongodb.Store, rv *registry.Review) *registry.Review {
	t.Helper()
	crashSubmissionAt(s, "stored")
	_, err := s.SubmitReview(testCtx(t), rv, "", "")
	mongodb.SetSubmitCrash(s, nil)
	if !errors.Is(err, errCrash) {
		t.Fatalf("submission with a crash: %v, want the crash", err)
	}
	got, err := s.Review(testCtx(t), rv.ID)
	if err != nil || got.Status != registry.StatusPending {
		t.Fatalf("review after the crash: %+v, %v; want it stored, pending", got, err)
	}
	return got
}

// pastRepairAge moves a test's clock on past the age at which repair under
// the conditional policy touches an unfinished submission or transition (a
// minute: until then another node may still be running it). Under the gate
// policy repair at start-up does not wait, and the clock is left alone.
func pastRepairAge(db *mongodb.DB, advance func(time.Duration)) {
	if db.Policy() == mongodb.PolicyConditional {
		advance(2 * time.Minute)
	}
}

// TestStrandedModerationOff checks a submission with moderation off killed
// between storing its review and publishing it: its author is told which
// review blocks them and sees it in their list (so can withdraw it), and
// start-up repair, the periodic repair (once it is a minute old) and
// reindex publish it, with derived statistics to match.
func TestStrandedModerationOff(t *testing.T) {
	t.Parallel()
	r := defaultRubric(t)

	t.Run("AuthorSeesIt", func(t *testing.T) {
		t.Parallel()
		s, _ := openStore(t, mongodb.Options{})
		ctx := testCtx(t)
		p := createProduct(t, s, "Stranded Seen")
		stuck := strand(t, s, reviewOf(r, p.ID, "stranded-a", variedContext(0), 3))
		_, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "stranded-a", variedContext(0), 3), "", "")
		if registry.ErrorCode(err) != registry.ECONFLICT || registry.ErrorExistingReview(err) != stuck.ID {
			t.Fatalf("another try: %v (existing %q), want ECONFLICT naming %s", err, registry.ErrorExistingReview(err), stuck.ID)
		}
		page, err := s.OwnReviews(ctx, "stranded-a", 10, "")
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != stuck.ID || page.Items[0].Status != registry.StatusPending {
			t.Fatalf("own reviews: %+v, %v; want the stuck review, pending", page, err)
		}
		// Withdrawing it frees the author to submit again.
		if _, err := s.Transition(ctx, stuck.ID, registry.StatusWithdrawn, "stranded-a", ""); err != nil {
			t.Fatalf("withdraw: %v", err)
		}
		again := submit(t, s, reviewOf(r, p.ID, "stranded-a", variedContext(0), 2))
		if again.Status != registry.StatusPublished {
			t.Fatalf("the new review is %s, want published", again.Status)
		}
		checkDerived(t, s, r, p.ID, []string{stuck.ID, again.ID})
	})

	t.Run("RepairStale", func(t *testing.T) {
		t.Parallel()
		var logged bytes.Buffer
		clock, advance := tickingClock()
		s, db := openStore(t, mongodb.Options{Now: clock, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		ctx := testCtx(t)
		p := createProduct(t, s, "Stranded Stale")
		published := submit(t, s, reviewOf(r, p.ID, "stale-0", variedContext(1), 1))
		stuck := strand(t, s, reviewOf(r, p.ID, "stale-a", variedContext(2), 4))
		if n, err := s.RepairStale(ctx); err != nil || n != 0 {
			t.Fatalf("RepairStale: %d, %v", n, err)
		}
		if rv, _ := s.Review(ctx, stuck.ID); rv.Status != registry.StatusPending {
			t.Fatalf("a review pending for less than a minute was %s by the periodic repair (its submission may still be running)", rv.Status)
		}
		advance(2 * time.Minute)
		if _, err := s.RepairStale(ctx); err != nil {
			t.Fatalf("RepairStale: %v", err)
		}
		if rv, _ := s.Review(ctx, stuck.ID); rv.Status != registry.StatusPublished {
			t.Fatalf("after the periodic repair the review is %s, want published", rv.Status)
		}
		checkDerived(t, s, r, p.ID, []string{published.ID, stuck.ID})
		if got := listQueue(t, s, 10); len(got) != 0 {
			t.Errorf("the queue still lists %v", got)
		}
		if m := countDocs(t, db, mongodb.ColMarkers, bson.D{}); m != 0 {
			t.Errorf("%d markers left", m)
		}
		if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), "reviews=1") {
			t.Errorf("the publication was not logged as a warning: %q", logged.String())
		}
		// Now published, it is the author's one active review.
		_, err := s.SubmitReview(ctx, reviewOf(r, p.ID, "stale-a", variedContext(2), 4), "", "")
		if registry.ErrorCode(err) != registry.ECONFLICT || registry.ErrorExistingReview(err) != stuck.ID {
			t.Fatalf("another try: %v, want ECONFLICT naming %s", err, stuck.ID)
		}
	})

	t.Run("RepairAtStart", func(t *testing.T) {
		t.Parallel()
		clock, advance := tickingClock()
		s, db := openStore(t, mongodb.Options{Now: clock})
		ctx := testCtx(t)
		p := createProduct(t, s, "Stranded Start")
		stuck := strand(t, s, reviewOf(r, p.ID, "start-a", variedContext(3), 0))
		if db.Policy() == mongodb.PolicyConditional {
			// Other nodes may be in the middle of a submission: repair at
			// start-up, like the periodic one, leaves a review pending for
			// less than a minute alone.
			if _, err := s.Repair(ctx); err != nil {
				t.Fatalf("Repair: %v", err)
			}
			if rv, _ := s.Review(ctx, stuck.ID); rv.Status != registry.StatusPending {
				t.Fatalf("start-up repair under the conditional policy made a review pending for less than a minute %s", rv.Status)
			}
			advance(2 * time.Minute)
		}
		// Under the gate policy nothing else runs at start-up: no need to
		// wait a minute.
		if _, err := s.Repair(ctx); err != nil {
			t.Fatalf("Repair: %v", err)
		}
		if got := checkDerived(t, s, r, p.ID, []string{stuck.ID}); len(got) != 1 {
			t.Fatalf("after Repair %d reviews published, want 1", len(got))
		}
		if page, _ := s.OwnReviews(ctx, "start-a", 10, ""); len(page.Items) != 1 || page.Items[0].Status != registry.StatusPublished {
			t.Errorf("own reviews after repair: %+v", page.Items)
		}
	})

	t.Run("Reindex", func(t *testing.T) {
		t.Parallel()
		clock, advance := tickingClock()
		s, db := openStore(t, mongodb.Options{Now: clock})
		ctx := testCtx(t)
		p := createProduct(t, s, "Stranded Reindex")
		stuck := strand(t, s, reviewOf(r, p.ID, "reindex-a", variedContext(4), 2))
		pastRepairAge(db, advance)
		if _, err := s.Reindex(ctx, nil); err != nil {
			t.Fatalf("Reindex: %v", err)
		}
		if got := checkDerived(t, s, r, p.ID, []string{stuck.ID}); len(got) != 1 {
			t.Fatalf("after reindex %d reviews published, want 1", len(got))
		}
	})

	t.Run("AuthorHasPublishedOne", func(t *testing.T) {
		t.Parallel()
		// The submission stopped before it checked for its author's
		// published review of the product: repair refuses it as the
		// submission would have, and removes it.
		held, db := openStore(t, mongodb.Options{Moderation: true})
		ctx := testCtx(t)
		p := createProduct(t, held, "Stranded Twice")
		first := submit(t, held, reviewOf(r, p.ID, "twice-a", variedContext(0), 1))
		if _, err := held.Transition(ctx, first.ID, registry.StatusPublished, "", ""); err != nil {
			t.Fatal(err)
		}
		clock, advance := tickingClock()
		s := mongodbtest.OpenStore(t, db, mongodb.Options{Now: clock})
		stuck := strand(t, s, reviewOf(r, p.ID, "twice-a", variedContext(0), 3))
		pastRepairAge(db, advance)
		if _, err := s.Repair(ctx); err != nil {
			t.Fatalf("Repair: %v", err)
		}
		if _, err := s.Review(ctx, stuck.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("the refused review after repair: %v, want it gone", err)
		}
		checkDerived(t, s, r, p.ID, []string{first.ID})
		if q := countDocs(t, db, mongodb.ColQueue, reviewsOnly); q != 0 {
			t.Errorf("%d reviews left in the queue", q)
		}
		page, err := s.OwnReviews(ctx, "twice-a", 10, "")
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != first.ID {
			t.Errorf("own reviews: %+v, %v; want only the published one", page, err)
		}
	})

	t.Run("ModerationOnLeavesItPending", func(t *testing.T) {
		t.Parallel()
		// Reviews submitted for moderation are not published by the
		// repair of a server later run with moderation off, nor is a
		// stranded one while moderation is on.
		held, db := openStore(t, mongodb.Options{Moderation: true})
		ctx := testCtx(t)
		p := createProduct(t, held, "Stranded Moderated")
		moderated := submit(t, held, reviewOf(r, p.ID, "moderated-a", variedContext(0), 1))
		clock, advance := tickingClock()
		open := mongodbtest.OpenStore(t, db, mongodb.Options{Now: clock})
		stuck := strand(t, open, reviewOf(r, p.ID, "moderated-b", variedContext(1), 1))
		pastRepairAge(db, advance)
		if _, err := held.Repair(ctx); err != nil {
			t.Fatal(err)
		}
		if rv, _ := held.Review(ctx, stuck.ID); rv.Status != registry.StatusPending {
			t.Fatalf("repair with moderation on made the stranded review %s, want pending (for a moderator)", rv.Status)
		}
		if _, err := open.Repair(ctx); err != nil {
			t.Fatal(err)
		}
		if rv, _ := open.Review(ctx, moderated.ID); rv.Status != registry.StatusPending {
			t.Fatalf("repair with moderation off made a review submitted for moderation %s, want pending", rv.Status)
		}
		if rv, _ := open.Review(ctx, stuck.ID); rv.Status != registry.StatusPublished {
			t.Fatalf("the stranded review is %s, want published", rv.Status)
		}
	})
}

// TestSubmissionStopsBeforeStoring stops a submission after its queue entry
// is written and before the review is stored: nothing is stored, the queue
// lists nothing of it, and the author may submit the review again, with
// their whole allowance of pending reviews.
func TestSubmissionStopsBeforeStoring(t *testing.T) {
	t.Parallel()
	clock, advance := tickingClock()
	s, db := openStore(t, mongodb.Options{Moderation: true, MaxPending: 2, Now: clock})
	ctx := testCtx(t)
	r := defaultRubric(t)
	products := createProducts(t, s, "Stopped", 4)
	crashSubmissionAt(s, "queued")
	lost := reviewOf(r, products[0].ID, "stopped-a", variedContext(0), 2)
	_, err := s.SubmitReview(ctx, lost, "", "")
	mongodb.SetSubmitCrash(s, nil)
	if !errors.Is(err, errCrash) {
		t.Fatalf("submission with a crash: %v, want the crash", err)
	}
	if _, err := s.Review(ctx, lost.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("the stopped review: %v, want ENOTFOUND", err)
	}
	if entries, _ := mongodb.QueueEntries(ctx, s, 0); len(entries) != 1 || entries[0] != lost.ID {
		t.Fatalf("queue entries %v, want the stopped submission's", entries)
	}
	if got := listQueue(t, s, 10); len(got) != 0 {
		t.Fatalf("the queue lists %v for a review never stored", got)
	}
	if page, _ := s.OwnReviews(ctx, "stopped-a", 10, ""); len(page.Items) != 0 {
		t.Fatalf("own reviews list %d reviews never stored", len(page.Items))
	}

	// The same review again: not blocked by what the first attempt left.
	again := submit(t, s, reviewOf(r, products[0].ID, "stopped-a", variedContext(0), 2))
	if got := listQueue(t, s, 10); len(got) != 1 || got[0] != again.ID {
		t.Fatalf("the queue lists %v, want %s", got, again.ID)
	}
	// The cap is 2: the stopped attempt does not count.
	submit(t, s, reviewOf(r, products[1].ID, "stopped-a", variedContext(0), 2))
	if _, err := s.SubmitReview(ctx, reviewOf(r, products[2].ID, "stopped-a", variedContext(0), 2), "", ""); registry.ErrorCode(err) != registry.ETOOMANY {
		t.Fatalf("third pending review: %v, want ETOOMANY", err)
	}
	if q := countDocs(t, db, mongodb.ColQueue, reviewsOnly); q != 2 {
		t.Errorf("%d reviews in the queue, want 2", q)
	}

	t.Run("PeriodicRepairWithModerationOff", func(t *testing.T) {
		// An entry that leads nowhere is marked gone by the repair that
		// looks for stranded reviews.
		open, odb := openStore(t, mongodb.Options{Now: clock})
		p := createProduct(t, open, "Stopped Open")
		crashSubmissionAt(open, "queued")
		_, err := open.SubmitReview(ctx, reviewOf(r, p.ID, "stopped-b", variedContext(1), 2), "", "")
		mongodb.SetSubmitCrash(open, nil)
		if !errors.Is(err, errCrash) {
			t.Fatalf("submission with a crash: %v", err)
		}
		advance(2 * time.Minute)
		if _, err := open.RepairStale(context.Background()); err != nil {
			t.Fatal(err)
		}
		if entries, _ := mongodb.QueueEntries(ctx, open, 0); len(entries) != 1 || entries[0] != "" {
			t.Errorf("queue entries after repair %v, want the one marked gone", entries)
		}
		if n := countDocs(t, odb, mongodb.ColReviews, bson.D{}); n != 0 {
			t.Errorf("%d reviews published from nothing", n)
		}
	})
}
