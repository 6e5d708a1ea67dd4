package mongodb_test

import (
	"fmt"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// publicCount returns how many reviews a product's public statistics count
// and how many its listing lists.
func publicCount(t testing.TB, s *mongodb.Store, r *registry.Rubric, productID string) (stats, listed int) {
	t.Helper()
	st, err := s.Stats(testCtx(t), productID, r)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st.All.Reviews, len(listPublished(t, s, productID, 50))
}

// TestReleases follows one product through its releases with threshold 3:
// the first three publications are public at once (fewer than 3 public
// before each), the next ones wait until 3 changes do; a withdrawal of a
// public review leaves the listing at once and the statistics with the
// next release; the author sees where each review stands.
func TestReleases(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true, Threshold: 3, Now: fixedNow})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Released")
	var ids []string
	publish := func(i int) string {
		t.Helper()
		id := submit(t, s, reviewOf(r, p.ID, fmt.Sprintf("rel-%d", i), variedContext(i), variedScores(i)...)).ID
		if _, err := s.Transition(ctx, id, registry.StatusPublished, "", ""); err != nil {
			t.Fatalf("publish: %v", err)
		}
		ids = append(ids, id)
		return id
	}
	standing := func(id string) registry.Publication {
		t.Helper()
		pub, err := s.Publication(ctx, id)
		if err != nil {
			t.Fatalf("Publication(%s): %v", id, err)
		}
		return pub
	}
	expect := func(step string, stats, listed int) {
		t.Helper()
		if gs, gl := publicCount(t, s, r, p.ID); gs != stats || gl != listed {
			t.Fatalf("%s: public statistics count %d and the listing %d, want %d and %d", step, gs, gl, stats, listed)
		}
	}
	for i := range 3 {
		publish(i)
		expect(fmt.Sprintf("publication %d", i+1), i+1, i+1)
	}
	w1 := publish(3)
	expect("waiting 1", 3, 3)
	if pub := standing(w1); pub != (registry.Publication{State: registry.PublicationWaiting, Waiting: 1, Needed: 3}) {
		t.Errorf("waiting review: %+v", pub)
	}
	w2 := publish(4)
	expect("waiting 2", 3, 3)
	w3 := publish(5)
	expect("released", 6, 6)
	for _, id := range []string{w1, w2, w3} {
		if pub := standing(id); pub.State != registry.PublicationPublic {
			t.Errorf("after the release %s is %+v", id, pub)
		}
	}
	// The listing: the release's three first, in descending id order, all
	// dated by the release's month.
	page, err := s.PublishedReviews(ctx, p.ID, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{w1, w2, w3}
	slices.Sort(want)
	slices.Reverse(want)
	var got []string
	for _, it := range page.Items {
		got = append(got, it.ID)
		if it.Month != "2026-03" {
			t.Errorf("entry %s dated %q, want 2026-03", it.ID, it.Month)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("listing starts %v, want %v", got, want)
	}

	// Withdrawal of a public review: out of the listing now, out of the
	// statistics with the next release.
	if _, err := s.Transition(ctx, ids[0], registry.StatusWithdrawn, "rel-0", ""); err != nil {
		t.Fatal(err)
	}
	expect("withdrawn", 6, 5)
	if pub := standing(ids[0]); pub != (registry.Publication{State: registry.PublicationLeaving, Waiting: 1, Needed: 3}) {
		t.Errorf("withdrawn public review: %+v", pub)
	}
	// A take-down of a waiting review cancels its change.
	tk := publish(6)
	if _, err := s.Transition(ctx, tk, registry.StatusRejected, "", "names a colleague"); err != nil {
		t.Fatal(err)
	}
	if pub := standing(tk); pub.State != registry.PublicationNone {
		t.Errorf("taken down before its release: %+v", pub)
	}
	expect("cancelled", 6, 5)
	publish(7)
	expect("2 waiting", 6, 5)
	publish(8)
	expect("second release", 7, 7)
	if pub := standing(ids[0]); pub.State != registry.PublicationNone {
		t.Errorf("after the release the withdrawn review is %+v", pub)
	}
	checkDerived(t, s, r, p.ID, ids)
	wrong, err := s.Reindex(ctx, nil)
	if err != nil || wrong != 0 {
		t.Errorf("Reindex: %d wrong, %v", wrong, err)
	}
}

// TestInterruptedRelease stops a release after each of its first steps, as
// a crash would, and checks that the public state does not move until
// repair, which finishes the whole release: never a part of it.
func TestInterruptedRelease(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"recorded", "marked"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			clock, advance := tickingClock()
			s, db := openStore(t, mongodb.Options{Moderation: true, Threshold: 3, Now: clock})
			ctx := testCtx(t)
			r := defaultRubric(t)
			p := createProduct(t, s, "Interrupted release "+step)
			var ids []string
			for i := range 6 {
				id := submit(t, s, reviewOf(r, p.ID, fmt.Sprintf("ir-%d", i), variedContext(i), variedScores(i)...)).ID
				ids = append(ids, id)
				if i == 5 {
					mongodb.SetDuringRelease(s, func(at string) error {
						if at == step {
							return errCrash
						}
						return nil
					})
				}
				_, err := s.Transition(ctx, id, registry.StatusPublished, "", "")
				if i < 5 && err != nil {
					t.Fatal(err)
				}
				if i == 5 && err == nil {
					t.Fatal("the interrupted release reported success")
				}
			}
			mongodb.SetDuringRelease(s, nil)
			if st, listed := publicCount(t, s, r, p.ID); st != 3 || listed != 3 {
				t.Fatalf("after the interruption the public state counts %d and lists %d; want the last release's 3 and 3", st, listed)
			}
			if n := countDocs(t, db, mongodb.ColMarkers, bson.D{}); n == 0 {
				t.Fatal("no marker left for repair")
			}
			pastRepairAge(db, advance)
			if _, err := s.Repair(ctx); err != nil {
				t.Fatal(err)
			}
			if st, listed := publicCount(t, s, r, p.ID); st != 6 || listed != 6 {
				t.Fatalf("after repair the public state counts %d and lists %d; want the whole release: 6 and 6", st, listed)
			}
			checkDerived(t, s, r, p.ID, ids)
		})
	}
}
