package mongodb_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// Finishing unfinished transitions under the conditional policy
// (finish.go): what a write that gave up, or a node that died, leaves is
// finished by the periodic repair of a live node or by the product's next
// transition, counting every review once; what cannot be finished yet is
// reported. The helpers are in conflict_test.go.

// rawMarkers returns the markers as stored.
func rawMarkers(t *testing.T, db *mongodb.DB) []bson.Raw {
	t.Helper()
	cur, err := db.Collection(mongodb.ColMarkers).Find(testCtx(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	if err := cur.All(testCtx(t), &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

// restoreMarkers stores markers again.
func restoreMarkers(t *testing.T, db *mongodb.DB, markers []bson.Raw) {
	t.Helper()
	for _, m := range markers {
		if _, err := db.Collection(mongodb.ColMarkers).InsertOne(testCtx(t), m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGiveUpFinished is the packed write that gives up during a
// publication's release (issue: a conflict that gives up must not leave a
// review's status changed and its statistics unchanged, unrepaired). The
// release stays recorded in the product's index, with the transition's
// marker; the periodic repair of a live node, or the product's next
// transition, finishes it, counting each review exactly once, and running
// the repair again changes nothing.
func TestGiveUpFinished(t *testing.T) {
	t.Parallel()
	for _, at := range []string{mongodb.ColStats, mongodb.ColPages} {
		for _, by := range []string{"RepairStale", "NextTransition"} {
			t.Run(at+"/"+by, func(t *testing.T) {
				t.Parallel()
				f := newConflictFixture(t)
				ctx := testCtx(t)
				before, err := f.s.Stats(ctx, f.p.ID, f.r)
				if err != nil {
					t.Fatal(err)
				}
				id := f.docID(at)
				onWrite(t, f.s, at, func(got string, _ int) {
					if got == id {
						bump(t, f.db, at, id)
					}
				})
				_, err = f.s.Transition(ctx, f.ids[2], registry.StatusPublished, "", "")
				if registry.ErrorCode(err) != registry.EUNAVAILABLE {
					t.Fatalf("publish: %v, want EUNAVAILABLE", err)
				}
				mongodb.SetBeforeConditionalWrite(f.s, nil)
				if rv, err := f.s.Review(ctx, f.ids[2]); err != nil || rv.Status != registry.StatusPublished {
					t.Fatalf("the review: %+v, %v; want published", rv, err)
				}
				rel, err := mongodb.Applying(ctx, f.s, f.p.ID)
				if err != nil || rel == 0 {
					t.Fatalf("no release recorded as being applied (%v)", err)
				}
				counts, _ := f.s.PublishedCounts(ctx, f.p.ID)
				if c := counts[fmt.Sprintf("%s@%d", f.r.ID, f.r.Version)]; c != 2 {
					t.Errorf("PublishedCounts %v, want 2 until the release is finished", counts)
				}
				st, err := f.s.Stats(ctx, f.p.ID, f.r)
				if err != nil {
					t.Fatal(err)
				}
				if at == mongodb.ColStats {
					checkStatsEqual(t, st, before)
				} else if st.All.Reviews != 3 {
					// The statistics took the release before the page gave
					// up: finishing it must not add it again.
					t.Fatalf("statistics count %d reviews, want the release's 3", st.All.Reviews)
				}
				if n := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); n != 1 {
					t.Fatalf("%d markers, want the transition's 1", n)
				}
				markers := rawMarkers(t, f.db)
				published := f.ids[:3]
				if by == "RepairStale" {
					if n, err := f.s.RepairStale(ctx); err != nil || n != 0 {
						t.Fatalf("RepairStale on a fresh marker: %d, %v; want 0 (it may still be running)", n, err)
					}
					f.advance(2 * time.Minute)
					if n, err := f.s.RepairStale(ctx); err != nil || n != 1 {
						t.Fatalf("RepairStale: %d, %v; want 1", n, err)
					}
					if !strings.Contains(f.logged.String(), "product="+f.p.ID) {
						t.Errorf("the repair was not logged naming the product: %q", f.logged.String())
					}
				} else {
					// The next publication of the product finishes the
					// release before it records its own change.
					// (A fourth public review waits for two more.)
					f.publish(t, f.s, f.ids[3])
					published = f.ids[:4]
					f.advance(2 * time.Minute)
					if n, err := f.s.RepairStale(ctx); err != nil || n != 0 {
						t.Fatalf("RepairStale after the next transition: %d, %v; want 0 (finished already)", n, err)
					}
				}
				if n, err := mongodb.Applying(ctx, f.s, f.p.ID); err != nil || n != 0 {
					t.Fatalf("release %d still being applied (%v)", n, err)
				}
				if r, _, err := mongodb.PackedRelease(ctx, f.s, mongodb.ColStats, f.statsID()); err != nil || r < rel {
					t.Errorf("statistics record took release %d, want at least %d (%v)", r, rel, err)
				}
				if st, listed := f.public(t); st != 3 || listed != 3 {
					t.Fatalf("public state counts %d and lists %d, want 3 and 3", st, listed)
				}
				want, _ := recompute(t, f.s, f.r, f.p.ID, f.ids[:3])
				got, err := f.s.Stats(ctx, f.p.ID, f.r)
				if err != nil {
					t.Fatal(err)
				}
				checkStatsEqual(t, got, want)
				if m := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); m != 0 {
					t.Errorf("%d markers left", m)
				}
				// Running the repair again — as after a repair that stopped
				// before it deleted the marker — changes nothing.
				snap := rawDocs(t, f.db, f.p.ID)
				restoreMarkers(t, f.db, markers)
				if n, err := f.s.RepairStale(ctx); err != nil || n != 0 {
					t.Fatalf("second RepairStale: %d, %v; want 0", n, err)
				}
				if again := rawDocs(t, f.db, f.p.ID); !reflect.DeepEqual(again, snap) {
					t.Errorf("a second repair changed the derived documents")
				}
				f.checkRebuilt(t, published...)
			})
		}
	}

	// A withdrawal's release gives up: the review has left the listing,
	// its statistics leave with the release, which repair finishes (the
	// review is in the release as -1, and nothing more waits for it).
	t.Run("Withdrawal", func(t *testing.T) {
		t.Parallel()
		f := newConflictFixture(t)
		ctx := testCtx(t)
		id := f.statsID()
		onWrite(t, f.s, mongodb.ColStats, func(got string, _ int) {
			if got == id {
				bump(t, f.db, mongodb.ColStats, id)
			}
		})
		_, err := f.s.Transition(ctx, f.ids[0], registry.StatusWithdrawn, "contest-0", "")
		if registry.ErrorCode(err) != registry.EUNAVAILABLE {
			t.Fatalf("withdraw: %v, want EUNAVAILABLE", err)
		}
		mongodb.SetBeforeConditionalWrite(f.s, nil)
		if st, listed := f.public(t); st != 2 || listed != 1 {
			t.Fatalf("public state counts %d and lists %d, want 2 (until the release) and 1", st, listed)
		}
		markers := rawMarkers(t, f.db)
		f.advance(2 * time.Minute)
		if n, err := f.s.RepairStale(ctx); err != nil || n != 1 {
			t.Fatalf("RepairStale: %d, %v; want 1", n, err)
		}
		if st, listed := f.public(t); st != 1 || listed != 1 {
			t.Fatalf("after repair the public state counts %d and lists %d, want 1 and 1", st, listed)
		}
		if pub, err := f.s.Publication(ctx, f.ids[0]); err != nil || pub.State != registry.PublicationNone {
			t.Errorf("the withdrawn review stands %+v (%v), want gone", pub, err)
		}
		snap := rawDocs(t, f.db, f.p.ID)
		restoreMarkers(t, f.db, markers)
		if n, err := f.s.RepairStale(ctx); err != nil || n != 0 {
			t.Fatalf("second RepairStale: %d, %v; want 0", n, err)
		}
		if again := rawDocs(t, f.db, f.p.ID); !reflect.DeepEqual(again, snap) {
			t.Errorf("a second repair changed the derived documents")
		}
		f.checkRebuilt(t, f.ids[1])
	})
}

// TestFinishMarkerOfMissingReview finishes a marker whose review is not
// stored (a refused submission's review was removed after its transition
// stopped before deleting its marker): nothing of it is derived, and the
// marker goes.
func TestFinishMarkerOfMissingReview(t *testing.T) {
	t.Parallel()
	f := newConflictFixture(t)
	ctx := testCtx(t)
	marker := bson.D{{Key: "_id", Value: "gone|published|x"}, {Key: "r", Value: "gone"}, {Key: "p", Value: f.p.ID},
		{Key: "t", Value: fixedNow().Add(-2 * time.Minute)}}
	if _, err := f.db.Collection(mongodb.ColMarkers).InsertOne(ctx, marker); err != nil {
		t.Fatal(err)
	}
	before := rawDocs(t, f.db, f.p.ID)
	if n, err := f.s.RepairStale(ctx); err != nil || n != 0 {
		t.Fatalf("RepairStale: %d, %v; want 0", n, err)
	}
	if m := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); m != 0 {
		t.Errorf("%d markers left", m)
	}
	if after := rawDocs(t, f.db, f.p.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("finishing a missing review's marker changed the derived documents")
	}
}

// TestReleaseRechecksWithdrawal lands a withdrawal on another node while a
// release lists the review it withdraws: the withdrawal's status change
// comes after the release read the review and before the release wrote its
// page, so the page lists it; the release reads its reviews again and takes
// it off. (Under the gate policy the product's gate orders the two.)
func TestReleaseRechecksWithdrawal(t *testing.T) {
	t.Parallel()
	f := newConflictFixture(t)
	ctx := testCtx(t)
	withdrawn := f.ids[2]
	// The other node's withdrawal stops after its status change (its
	// process dies), so it does not finish the release itself.
	mongodb.SetAfterTransition(f.b, func(string) error { return errCrash })
	landed := false
	onWrite(t, f.s, mongodb.ColPages, func(_ string, n int) {
		if n == 1 && !landed {
			landed = true
			if _, err := f.b.Transition(ctx, withdrawn, registry.StatusWithdrawn, "contest-2", ""); err != errCrash {
				t.Errorf("the other node's withdrawal: %v, want it stopped after the status change", err)
			}
		}
	})
	f.publish(t, f.s, withdrawn)
	if !landed {
		t.Fatal("the withdrawal never landed")
	}
	mongodb.SetBeforeConditionalWrite(f.s, nil)
	if rv, err := f.s.Review(ctx, withdrawn); err != nil || rv.Status != registry.StatusWithdrawn {
		t.Fatalf("the review: %+v, %v; want withdrawn", rv, err)
	}
	if listed := listPublished(t, f.s, f.p.ID, 50); slices.Contains(listed, withdrawn) {
		t.Fatalf("the withdrawn review is listed: %v", listed)
	}
	// Its statistics leave with the next release, once the withdrawal is
	// finished by repair.
	mongodb.SetAfterTransition(f.b, nil)
	f.advance(2 * time.Minute)
	if _, err := f.b.RepairStale(ctx); err != nil {
		t.Fatal(err)
	}
	f.checkRebuilt(t, f.ids[:2]...)
}

// TestSettleFollowsLatestStatus withdraws a review on another node while
// its publication is about to record its change: the publication read the
// review as published, but the other node's withdrawal moved the index on
// (even with nothing to change), so the publication's write matches nothing
// and is tried again with the review read again. The withdrawn review never
// waits to enter the public state.
func TestSettleFollowsLatestStatus(t *testing.T) {
	t.Parallel()
	f := newConflictFixture(t)
	ctx := testCtx(t)
	id := f.ids[2]
	landed := false
	w := onWrite(t, f.s, mongodb.ColIndex, func(_ string, n int) {
		if n == 1 {
			landed = true
			if _, err := f.b.Transition(ctx, id, registry.StatusWithdrawn, "contest-2", ""); err != nil {
				t.Errorf("the other node's withdrawal: %v", err)
			}
		}
	})
	f.publish(t, f.s, id)
	if !landed {
		t.Fatal("the withdrawal never landed")
	}
	if n := w.total(mongodb.ColIndex); n < 2 {
		t.Fatalf("the index was tried %d times, want again after the withdrawal", n)
	}
	if pub, err := f.s.Publication(ctx, id); err != nil || pub.State != registry.PublicationNone {
		t.Fatalf("the withdrawn review stands %+v (%v); want nowhere near the public state", pub, err)
	}
	if st, listed := f.public(t); st != 2 || listed != 2 {
		t.Fatalf("public state counts %d and lists %d, want 2 and 2", st, listed)
	}
	f.checkRebuilt(t, f.ids[:2]...)
}

// TestUnrepaired checks what a live node reports: a transition left
// unfinished for more than a minute that repair could not finish (the
// conflicts go on), and no longer once it could.
func TestUnrepaired(t *testing.T) {
	t.Parallel()
	f := newConflictFixture(t)
	ctx := testCtx(t)
	id := f.statsID()
	onWrite(t, f.s, mongodb.ColStats, func(got string, _ int) {
		if got == id {
			bump(t, f.db, mongodb.ColStats, id)
		}
	})
	if _, err := f.s.Transition(ctx, f.ids[2], registry.StatusPublished, "", ""); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Fatalf("publish: %v, want EUNAVAILABLE", err)
	}
	if got, err := f.s.Unrepaired(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Unrepaired on a fresh marker: %v, %v; want none (it may still be running)", got, err)
	}
	f.advance(2 * time.Minute)
	if n, err := f.s.RepairStale(ctx); err != nil || n != 0 {
		t.Fatalf("RepairStale while the conflicts go on: %d, %v; want 0 and no error (it tries again later)", n, err)
	}
	if !strings.Contains(f.logged.String(), "could not finish") {
		t.Errorf("the failed repair was not logged: %q", f.logged.String())
	}
	if got, err := f.s.Unrepaired(ctx); err != nil || !slices.Equal(got, []string{f.p.ID}) {
		t.Fatalf("Unrepaired: %v, %v; want [%s]", got, err, f.p.ID)
	}
	mongodb.SetBeforeConditionalWrite(f.s, nil)
	if n, err := f.s.RepairStale(ctx); err != nil || n != 1 {
		t.Fatalf("RepairStale once the conflicts stop: %d, %v; want 1", n, err)
	}
	if got, err := f.s.Unrepaired(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Unrepaired after repair: %v, %v; want none", got, err)
	}
	f.checkRebuilt(t, f.ids[:3]...)
}
