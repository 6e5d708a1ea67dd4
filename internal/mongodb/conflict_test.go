package mongodb_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// Conflicts provoked deterministically. Under the conditional-write policy
// (MongoDB's) every read-modify-write of a statistics record, listing page,
// product index or queue page is conditional on the revision it read and
// is retried when another node wrote first, up to MaxWriteAttempts times.
// These tests land that other write themselves, from the store's hook
// between the read and the write, so the retry loops really loop and give
// up, whatever the server: each opens its store under the conditional
// policy on a database of its own, and runs one writer at a time.

// openConditional returns a store under the conditional-write policy on a
// database of its own, with the default rubrics, and the DB under it.
func openConditional(t *testing.T, opts mongodb.Options) (*mongodb.Store, *mongodb.DB) {
	t.Helper()
	if opts.Rubrics == nil {
		opts.Rubrics = defaultRubrics(t)
	}
	if opts.Logger == nil {
		opts.Logger = mongodbtest.Logger()
	}
	db := mongodb.WithPolicy(mongodbtest.Open(t), mongodb.PolicyConditional)
	if db.Policy() != mongodb.PolicyConditional {
		t.Fatalf("WithPolicy gave policy %v", db.Policy())
	}
	s, err := mongodb.NewStore(testCtx(t), db, opts)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s, db
}

// otherNode returns a second store on the same database: another server
// process, with hooks of its own.
func otherNode(t *testing.T, db *mongodb.DB, opts mongodb.Options) *mongodb.Store {
	t.Helper()
	opts.Rubrics = defaultRubrics(t)
	if opts.Logger == nil {
		opts.Logger = mongodbtest.Logger()
	}
	s, err := mongodb.NewStore(testCtx(t), db, opts)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s
}

// writeLog counts a store's conditional writes, by collection and _id.
type writeLog struct {
	mu    sync.Mutex
	calls map[string]int
}

func (w *writeLog) count(coll, id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls[coll+"/"+id]
}

// total returns how many conditional writes of coll were tried.
func (w *writeLog) total(coll string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for k, v := range w.calls {
		if strings.HasPrefix(k, coll+"/") {
			n += v
		}
	}
	return n
}

// onWrite installs a hook on s that logs its conditional writes and, before
// each one of collection coll, calls land with the _id and the number of
// the attempt on that document (1 for the first). The hook is removed when
// the test ends.
func onWrite(t *testing.T, s *mongodb.Store, coll string, land func(id string, n int)) *writeLog {
	t.Helper()
	w := &writeLog{calls: map[string]int{}}
	mongodb.SetBeforeConditionalWrite(s, func(c, id string) {
		w.mu.Lock()
		w.calls[c+"/"+id]++
		n := w.calls[c+"/"+id]
		w.mu.Unlock()
		if c == coll && land != nil {
			land(id, n)
		}
	})
	t.Cleanup(func() { mongodb.SetBeforeConditionalWrite(s, nil) })
	return w
}

// bump lands another node's write on a document: its revision moves on, so
// a write conditional on the revision read before matches nothing.
func bump(t *testing.T, db *mongodb.DB, coll, id string) {
	t.Helper()
	res, err := db.Collection(coll).UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
	if err != nil || res.MatchedCount != 1 {
		t.Errorf("bump %s/%s: %v, matched %d", coll, id, err, res.MatchedCount)
	}
}

// rawDocs returns every document of a product's statistics, pages and
// index as stored, for comparing before and after a repair. The index's
// revision is left out: under the conditional policy every settling of a
// review's change moves it on (settleChange).
func rawDocs(t *testing.T, db *mongodb.DB, productID string) map[string]bson.M {
	t.Helper()
	out := map[string]bson.M{}
	for _, q := range []struct {
		coll   string
		filter bson.D
	}{
		{mongodb.ColStats, bson.D{{Key: "p", Value: productID}}},
		{mongodb.ColPages, bson.D{{Key: "p", Value: productID}}},
		{mongodb.ColIndex, bson.D{{Key: "_id", Value: productID}}},
	} {
		cur, err := db.Collection(q.coll).Find(testCtx(t), q.filter)
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(testCtx(t), &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if q.coll == mongodb.ColIndex {
				delete(d, "v")
			}
			out[fmt.Sprintf("%s/%v", q.coll, d["_id"])] = d
		}
	}
	return out
}

// conflictFixture is a product with two public reviews (threshold 3, so
// each publication is released at once) and pending reviews by four other
// reviewers, on a store under the conditional policy and a second node.
type conflictFixture struct {
	s, b    *mongodb.Store
	db      *mongodb.DB
	r       *registry.Rubric
	p       *registry.Product
	ids     []string // every review of the product: two public, then pending
	advance func(time.Duration)
	logged  *bytes.Buffer
}

func newConflictFixture(t *testing.T) *conflictFixture {
	t.Helper()
	clock, advance := tickingClock()
	logged := &bytes.Buffer{}
	// Both nodes log into one buffer (the tests drive them one call at a
	// time).
	opts := mongodb.Options{Moderation: true, Threshold: 3, Now: clock, Logger: slog.New(slog.NewTextHandler(logged, nil))}
	s, db := openConditional(t, opts)
	f := &conflictFixture{s: s, db: db, r: defaultRubric(t), advance: advance, logged: logged}
	f.b = otherNode(t, db, opts)
	f.p = createProduct(t, s, "Contested "+t.Name())
	for i := range 6 {
		rv := reviewOf(f.r, f.p.ID, fmt.Sprintf("contest-%d", i), variedContext(i), variedScores(i)...)
		f.ids = append(f.ids, submit(t, s, rv).ID)
	}
	for _, id := range f.ids[:2] {
		f.publish(t, f.s, id)
	}
	return f
}

func (f *conflictFixture) publish(t *testing.T, s *mongodb.Store, id string) {
	t.Helper()
	if _, err := s.Transition(testCtx(t), id, registry.StatusPublished, "", ""); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
}

func (f *conflictFixture) statsID() string { return mongodb.StatsID(f.p.ID, f.r.ID, f.r.Version) }

// docID names the document of coll that a publication of the fixture's
// product writes.
func (f *conflictFixture) docID(coll string) string {
	switch coll {
	case mongodb.ColStats:
		return f.statsID()
	case mongodb.ColPages:
		return f.p.ID + "|0"
	case mongodb.ColIndex:
		return f.p.ID
	}
	return "0" // the first queue page
}

// public returns the number of reviews the public statistics count and
// the listing lists.
func (f *conflictFixture) public(t *testing.T) (int, int) {
	t.Helper()
	return publicCount(t, f.s, f.r, f.p.ID)
}

// checkRebuilt checks that the product's stored derived documents are what
// a rebuild from its reviews gives (reindex finds nothing wrong) and then,
// once everything waiting is released, that they equal a recomputation.
func (f *conflictFixture) checkRebuilt(t *testing.T, published ...string) {
	t.Helper()
	if wrong, err := f.s.Reindex(testCtx(t), nil); err != nil || wrong != 0 {
		t.Errorf("Reindex: %d products wrong, %v; want 0 (the stored state is what a rebuild gives)", wrong, err)
	}
	if got := checkDerived(t, f.s, f.r, f.p.ID, f.ids); !sameSet(got, published) {
		t.Errorf("published %v, want %v", sorted(got), sorted(published))
	}
}

// TestConflictRetried lands another node's write once, before the first
// conditional write of each kind, on documents that exist and on documents
// that do not exist yet: the write is tried again, and every review is
// counted, listed and queued exactly once.
func TestConflictRetried(t *testing.T) {
	t.Parallel()

	// A raw write moves the revision on: the loop reads again and wins.
	for _, coll := range []string{mongodb.ColStats, mongodb.ColPages, mongodb.ColIndex, mongodb.ColQueuePages} {
		t.Run("Revision/"+coll, func(t *testing.T) {
			t.Parallel()
			f := newConflictFixture(t)
			ctx := testCtx(t)
			id := f.docID(coll)
			w := onWrite(t, f.s, coll, func(got string, n int) {
				if got == id && n == 1 {
					bump(t, f.db, coll, id)
				}
			})
			f.publish(t, f.s, f.ids[2])
			if n := w.count(coll, id); n < 2 {
				t.Fatalf("%s/%s was tried %d times after another write moved it on, want again after losing", coll, id, n)
			}
			if st, listed := f.public(t); st != 3 || listed != 3 {
				t.Fatalf("public state counts %d and lists %d, want 3 and 3", st, listed)
			}
			if got := listQueue(t, f.s, 10); !sameSet(got, f.ids[3:]) {
				t.Errorf("queue lists %v, want %v", sorted(got), sorted(f.ids[3:]))
			}
			if _, err := f.s.Review(ctx, f.ids[2]); err != nil {
				t.Fatal(err)
			}
			f.checkRebuilt(t, f.ids[:3]...)
		})
	}

	// Another node publishes a review of the same product between this
	// node's read and its write. The other node finds this node's release
	// recorded and finishes it, then releases its own; this node's write
	// loses, reads again, and finds that the record took the release
	// already. Nothing is counted twice.
	for _, coll := range []string{mongodb.ColStats, mongodb.ColPages, mongodb.ColIndex} {
		for _, fresh := range []bool{false, true} {
			name := "OtherNodePublishes/" + coll
			if fresh {
				name += "/Created"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newConflictFixture(t)
				if fresh {
					// A product with nothing derived yet: the documents
					// are created, and the other node creates them first.
					f.p = createProduct(t, f.s, "Fresh "+t.Name())
					f.ids = nil
					for i := range 2 {
						rv := reviewOf(f.r, f.p.ID, fmt.Sprintf("fresh-%d", i), variedContext(i), variedScores(i)...)
						f.ids = append(f.ids, submit(t, f.s, rv).ID)
					}
				}
				mine, theirs := f.ids[len(f.ids)-2], f.ids[len(f.ids)-1]
				id := f.docID(coll)
				w := onWrite(t, f.s, coll, func(got string, n int) {
					if got == id && n == 1 {
						f.publish(t, f.b, theirs)
					}
				})
				f.publish(t, f.s, mine)
				// The index is written again after losing; a statistics
				// record or page is read again and found to have taken the
				// release already, so it is not written twice.
				if n := w.count(coll, id); (coll == mongodb.ColIndex) != (n > 1) {
					t.Fatalf("%s/%s was tried %d times after the other node wrote it", coll, id, n)
				}
				if n, err := mongodb.Applying(testCtx(t), f.s, f.p.ID); err != nil || n != 0 {
					t.Fatalf("release %d still being applied (%v)", n, err)
				}
				// Fresh, both are released (fewer than 3 public before
				// each); otherwise the third public review is released
				// and the fourth waits for two more.
				public, want := 3, append(slices.Clone(f.ids[:2]), mine, theirs)
				if fresh {
					public, want = 2, []string{mine, theirs}
				}
				if st, listed := f.public(t); st != public || listed != public {
					t.Fatalf("public state counts %d and lists %d, want %d and %d", st, listed, public, public)
				}
				f.checkRebuilt(t, want...)
			})
		}
	}

	// The queue: another node submits (appending to the same page) while
	// this node appends a submission, or marks a published review's entry
	// gone.
	t.Run("OtherNodeQueues", func(t *testing.T) {
		t.Parallel()
		for _, step := range []string{"Submit", "Dequeue", "Created"} {
			t.Run(step, func(t *testing.T) {
				t.Parallel()
				var f *conflictFixture
				var pending []string
				if step == "Created" {
					// A store whose queue has no page yet: both nodes
					// create page 0, the other node first.
					s, db := openConditional(t, mongodb.Options{Moderation: true})
					f = &conflictFixture{s: s, db: db, b: otherNode(t, db, mongodb.Options{Moderation: true}), r: defaultRubric(t)}
					f.p = createProduct(t, s, "Queued First")
				} else {
					f = newConflictFixture(t)
					pending = f.ids[2:]
				}
				var theirs string
				w := onWrite(t, f.s, mongodb.ColQueuePages, func(got string, n int) {
					if got == "0" && n == 1 {
						theirs = submit(t, f.b, reviewOf(f.r, f.p.ID, "queue-other", variedContext(7), 3)).ID
					}
				})
				if step == "Dequeue" {
					f.publish(t, f.s, f.ids[2])
					pending = f.ids[3:]
				} else {
					pending = append(pending, submit(t, f.s, reviewOf(f.r, f.p.ID, "queue-mine", variedContext(8), 1)).ID)
				}
				if theirs == "" {
					t.Fatal("the other node's submission never ran")
				}
				if n := w.count(mongodb.ColQueuePages, "0"); n < 2 {
					t.Fatalf("queue page 0 was tried %d times, want again after losing", n)
				}
				// Listed in the order appended: the other node's submission,
				// dated while this one waited to write, may come first.
				if got, want := queueSet(t, f.s), append(pending, theirs); !sameSet(got, want) {
					t.Errorf("queue lists %v, want %v", sorted(got), sorted(want))
				}
			})
		}
	})

	// This node's hint of the queue's tail page is stale: another node
	// filled the page and moved the tail on. The append finds the page
	// full and goes on to the next.
	t.Run("TailMovedByOtherNode", func(t *testing.T) {
		t.Parallel()
		clock, _ := tickingClock()
		s, db := openConditional(t, mongodb.Options{Moderation: true, Now: clock})
		b := otherNode(t, db, mongodb.Options{Moderation: true, Now: clock})
		r := defaultRubric(t)
		p := createProduct(t, s, "Long Queue")
		var ids []string
		add := func(on *mongodb.Store, i int) {
			ids = append(ids, submit(t, on, reviewOf(r, p.ID, fmt.Sprintf("tail-%02d", i), variedContext(i), 2)).ID)
		}
		add(s, 0)
		for i := 1; i < mongodb.QueuePageSize; i++ {
			add(b, i)
		}
		add(s, mongodb.QueuePageSize)
		if got := listQueue(t, s, 7); !slices.Equal(got, ids) {
			t.Fatalf("queue lists %v, want %v", got, ids)
		}
		if entries, err := mongodb.QueueEntries(testCtx(t), s, 1); err != nil || len(entries) != 1 || entries[0] != ids[len(ids)-1] {
			t.Errorf("queue page 1: %v, %v; want the last submission alone", entries, err)
		}
	})
}

// queueSet returns the ids the moderation queue lists, in any order.
func queueSet(t *testing.T, s *mongodb.Store) []string {
	t.Helper()
	page, err := s.Queue(testCtx(t), 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestConflictGivesUp lands another write before every attempt: after
// MaxWriteAttempts the write gives up with EUNAVAILABLE. What the request
// had already changed stays consistent, and repair (once the transition is
// a minute old) finishes it.
func TestConflictGivesUp(t *testing.T) {
	t.Parallel()
	for _, coll := range []string{mongodb.ColStats, mongodb.ColPages, mongodb.ColIndex, mongodb.ColQueuePages} {
		t.Run(coll, func(t *testing.T) {
			t.Parallel()
			f := newConflictFixture(t)
			ctx := testCtx(t)
			id := f.docID(coll)
			w := onWrite(t, f.s, coll, func(got string, _ int) {
				if got == id {
					bump(t, f.db, coll, id)
				}
			})
			if coll == mongodb.ColQueuePages {
				// A submission whose queue entry cannot be appended is
				// refused and stores nothing.
				rv := reviewOf(f.r, f.p.ID, "given-up", variedContext(9), 2)
				_, err := f.s.SubmitReview(ctx, rv, "", "")
				if registry.ErrorCode(err) != registry.EUNAVAILABLE {
					t.Fatalf("submission: %v, want EUNAVAILABLE", err)
				}
				if n := w.count(coll, id); n != mongodb.MaxWriteAttempts {
					t.Errorf("queue page tried %d times, want %d", n, mongodb.MaxWriteAttempts)
				}
				if _, err := f.s.Review(ctx, rv.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
					t.Errorf("the refused submission: %v, want nothing stored", err)
				}
			}
			_, err := f.s.Transition(ctx, f.ids[2], registry.StatusPublished, "", "")
			if registry.ErrorCode(err) != registry.EUNAVAILABLE {
				t.Fatalf("publish: %v, want EUNAVAILABLE", err)
			}
			if n := w.count(coll, id); n != mongodb.MaxWriteAttempts*(1+btoi(coll == mongodb.ColQueuePages)) {
				t.Errorf("%s/%s tried %d times, want %d per write", coll, id, n, mongodb.MaxWriteAttempts)
			}
			mongodb.SetBeforeConditionalWrite(f.s, nil)
			if rv, err := f.s.Review(ctx, f.ids[2]); err != nil || rv.Status != registry.StatusPublished {
				t.Fatalf("the review: %+v, %v; want published", rv, err)
			}
			// Given up before the statistics took the release, the public
			// state did not move; given up at the page, the statistics took
			// it; given up at the queue, only the queue entry is left.
			want := map[string][2]int{
				mongodb.ColStats: {2, 2}, mongodb.ColIndex: {2, 2}, mongodb.ColPages: {3, 2}, mongodb.ColQueuePages: {3, 3},
			}[coll]
			if st, listed := f.public(t); st != want[0] || listed != want[1] {
				t.Fatalf("public state counts %d and lists %d, want %d and %d", st, listed, want[0], want[1])
			}
			f.advance(2 * time.Minute)
			if n, err := f.s.RepairStale(ctx); err != nil || n != btoi(coll != mongodb.ColQueuePages) {
				t.Fatalf("RepairStale: %d, %v; want %d", n, err, btoi(coll != mongodb.ColQueuePages))
			}
			if st, listed := f.public(t); st != 3 || listed != 3 {
				t.Fatalf("after repair the public state counts %d and lists %d, want 3 and 3", st, listed)
			}
			if got := listQueue(t, f.s, 10); !sameSet(got, f.ids[3:]) {
				t.Errorf("queue lists %v, want %v", sorted(got), sorted(f.ids[3:]))
			}
			if m := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); m != 0 {
				t.Errorf("%d markers after repair", m)
			}
			f.checkRebuilt(t, f.ids[:3]...)
		})
	}
}

// TestConditionalWriteRefused lands another node's write before conditional
// writes that are refused, not retried, when they lose: the request gets
// the conflict and leaves the other write in place.
func TestConditionalWriteRefused(t *testing.T) {
	t.Parallel()

	t.Run("ProductUpdate", func(t *testing.T) {
		t.Parallel()
		s, db := openConditional(t, mongodb.Options{})
		ctx := testCtx(t)
		p := createProduct(t, s, "Edited Twice")
		onWrite(t, s, mongodb.ColProducts, func(id string, n int) {
			if n == 1 {
				_, err := db.Collection(mongodb.ColProducts).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "vendor", Value: "Other Node Ltd"}}}, {Key: "$inc", Value: bson.D{{Key: "rev", Value: 1}}}})
				if err != nil {
					t.Error(err)
				}
			}
		})
		_, err := s.UpdateProduct(ctx, p.ID, 1, func(p *registry.Product) error { p.Vendor = "This Node Ltd"; return nil })
		if registry.ErrorCode(err) != registry.EPRECONDITION {
			t.Fatalf("update that lost: %v, want EPRECONDITION", err)
		}
		if got, err := s.Product(ctx, p.ID); err != nil || got.Vendor != "Other Node Ltd" || got.Revision != 2 {
			t.Fatalf("product %+v, %v; want the other node's update at revision 2", got, err)
		}
	})

	t.Run("StatusChange", func(t *testing.T) {
		t.Parallel()
		f := newConflictFixture(t)
		ctx := testCtx(t)
		onWrite(t, f.s, mongodb.ColReviews, func(id string, n int) {
			if n == 1 {
				if _, err := f.b.Transition(ctx, id, registry.StatusRejected, "", "names a colleague"); err != nil {
					t.Errorf("the other node's take-down: %v", err)
				}
			}
		})
		_, err := f.s.Transition(ctx, f.ids[0], registry.StatusWithdrawn, "contest-0", "")
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("withdrawal that lost to a take-down: %v, want ECONFLICT", err)
		}
		if rv, err := f.s.Review(ctx, f.ids[0]); err != nil || rv.Status != registry.StatusRejected {
			t.Fatalf("the review: %+v, %v; want rejected", rv, err)
		}
		if m := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); m != 0 {
			t.Errorf("%d markers left by the refused withdrawal", m)
		}
		f.checkRebuilt(t, f.ids[1])
	})

	t.Run("ClaimTakeover", func(t *testing.T) {
		t.Parallel()
		f := newConflictFixture(t)
		ctx := testCtx(t)
		// The author's first review is withdrawn on the other node, which
		// dies before it releases the claim: a stale claim.
		mongodb.SetAfterTransition(f.b, func(string) error { return errCrash })
		if _, err := f.b.Transition(ctx, f.ids[0], registry.StatusWithdrawn, "contest-0", ""); err != errCrash {
			t.Fatalf("withdrawal: %v, want it stopped after the status change", err)
		}
		again := submit(t, f.s, reviewOf(f.r, f.p.ID, "contest-0", variedContext(0), 1)).ID
		claim := mongodb.ClaimID("contest-0", f.p.ID)
		onWrite(t, f.s, mongodb.ColClaims, func(id string, n int) {
			if id == claim && n == 1 {
				// Another node takes the stale claim over first.
				_, err := f.db.Collection(mongodb.ColClaims).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "r", Value: "taken-elsewhere"}}}})
				if err != nil {
					t.Error(err)
				}
			}
		})
		_, err := f.s.Transition(ctx, again, registry.StatusPublished, "", "")
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("publication whose claim was taken over: %v, want ECONFLICT", err)
		}
		if rv, err := f.s.Review(ctx, again); err != nil || rv.Status != registry.StatusPending {
			t.Fatalf("the review: %+v, %v; want still pending", rv, err)
		}
		if m := countDocs(t, f.db, mongodb.ColMarkers, bson.D{}); m != 1 {
			t.Errorf("%d markers, want only the other node's", m)
		}
	})
}
