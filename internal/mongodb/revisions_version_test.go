package mongodb_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// TestReviseNamesTheVersionRead: an edit that names the version it was
// read at (registry.EditVersion, the edit page's) is refused with
// EPRECONDITION, writing nothing, once what it changes is another version:
// a pending review edited in place meanwhile, a published review that got a
// revision meanwhile, a pending revision edited meanwhile. An edit naming
// the current version goes through; one naming none is the last that wins.
func TestReviseNamesTheVersionRead(t *testing.T) {
	t.Parallel()
	f := newRevisionFixture(t, "Read versions", mongodb.Options{})
	ctx := testCtx(t)
	edit := func(summary string) *registry.Review {
		rv := reviewOf(f.r, "", "", variedContext(7), 2)
		rv.Summary = summary
		return rv
	}
	summaryOf := func(id string) (string, int) {
		t.Helper()
		r, err := f.s.Review(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Summary, r.Version
	}

	t.Run("Pending", func(t *testing.T) {
		other := createProduct(t, f.s, "Read versions, pending")
		id := submit(t, f.s, reviewOf(f.r, other.ID, "author", variedContext(1), 1)).ID
		read := &registry.EditVersion{ReviewID: id, Version: 1}
		if _, err := f.s.ReviseReview(ctx, id, "author", edit("Another tab's edit."), "", "", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ReviseReview(ctx, id, "author", edit("The stale tab's edit."), "key-stale", "h", read); registry.ErrorCode(err) != registry.EPRECONDITION {
			t.Fatalf("an edit of version 1 after version 2: %v, want EPRECONDITION", err)
		}
		if s, v := summaryOf(id); s != "Another tab's edit." || v != 2 {
			t.Fatalf("after the refused edit: %q at version %d, want the other tab's at 2", s, v)
		}
		// The refused request left its key free.
		if _, err := f.s.ReviseReview(ctx, id, "author", edit("Read again."), "key-stale", "h2", &registry.EditVersion{ReviewID: id, Version: 2}); err != nil {
			t.Fatalf("an edit of the current version: %v", err)
		}
		if s, v := summaryOf(id); s != "Read again." || v != 3 {
			t.Fatalf("after the edit of the current version: %q at version %d", s, v)
		}
		if _, err := f.s.Transition(ctx, id, registry.StatusWithdrawn, "author", ""); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("PublishedThenRevision", func(t *testing.T) {
		o, err := f.s.Review(ctx, f.orig)
		if err != nil {
			t.Fatal(err)
		}
		read := &registry.EditVersion{ReviewID: o.ID, Version: o.Version}
		own, err := f.s.ReviseReview(ctx, f.orig, "author", edit("The API's edit."), "", "", nil)
		if err != nil || own.Revision == nil {
			t.Fatalf("first edit: %+v, %v", own, err)
		}
		rid := own.Revision.ID
		if _, err := f.s.ReviseReview(ctx, f.orig, "author", edit("The page's edit, read before the revision."), "", "", read); registry.ErrorCode(err) != registry.EPRECONDITION {
			t.Fatalf("an edit of the published version after a revision was made: %v, want EPRECONDITION", err)
		}
		if s, v := summaryOf(rid); s != "The API's edit." || v != 1 {
			t.Fatalf("the revision after the refused edit: %q at version %d", s, v)
		}

		// The pending revision is now what an edit changes.
		if _, err := f.s.ReviseReview(ctx, f.orig, "author", edit("Second tab."), "", "", &registry.EditVersion{ReviewID: rid, Version: 1}); err != nil {
			t.Fatalf("an edit of the revision's current version: %v", err)
		}
		if _, err := f.s.ReviseReview(ctx, f.orig, "author", edit("First tab."), "", "", &registry.EditVersion{ReviewID: rid, Version: 1}); registry.ErrorCode(err) != registry.EPRECONDITION {
			t.Fatalf("an edit of the revision's version 1 after version 2: %v, want EPRECONDITION", err)
		}
		// The same version number of another document is not the version read.
		if _, err := f.s.ReviseReview(ctx, f.orig, "author", edit("Wrong document."), "", "", &registry.EditVersion{ReviewID: f.orig, Version: 2}); registry.ErrorCode(err) != registry.EPRECONDITION {
			t.Fatalf("an edit naming the published review while its revision is pending: %v, want EPRECONDITION", err)
		}
		if s, v := summaryOf(rid); s != "Second tab." || v != 2 {
			t.Fatalf("the revision after the refused edits: %q at version %d", s, v)
		}
		if s, _ := summaryOf(f.orig); s == "First tab." || s == "Wrong document." {
			t.Fatalf("the published review took a refused edit: %q", s)
		}
		if n := len(queueIDs(t, f.s, registry.QueueFilter{})); n != 1 {
			t.Fatalf("%d reviews in the queue, want the one revision", n)
		}
	})
}

// TestReviseRacingEdits races edits that all name the version they read,
// under the store's policy (REGISTRY_TEST_STORE_POLICY): two tabs of one
// author, or the page and the API. Exactly one goes through and the others
// are EPRECONDITION, whether the edit changes a pending review in place or
// makes a published one's revision; what is stored is the winner's.
func TestReviseRacingEdits(t *testing.T) {
	t.Parallel()
	const editors = 3
	race := func(t *testing.T, s *mongodb.Store, id string, read *registry.EditVersion, rubricOf func() *registry.Review) (string, []error) {
		t.Helper()
		errs := make([]error, editors)
		var wg sync.WaitGroup
		for i := range editors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rv := rubricOf()
				rv.Summary = fmt.Sprintf("Edit %d.", i)
				_, errs[i] = s.ReviseReview(testCtx(t), id, "author", rv, "", "", read)
			}()
		}
		wg.Wait()
		winner := ""
		for i, err := range errs {
			switch registry.ErrorCode(err) {
			case "":
				if winner != "" {
					t.Errorf("two edits of one version went through: %s and edit %d", winner, i)
				}
				winner = fmt.Sprintf("Edit %d.", i)
			case registry.EPRECONDITION:
			default:
				t.Errorf("edit %d: %v, want success or EPRECONDITION", i, err)
			}
		}
		if winner == "" {
			t.Fatalf("no edit went through: %v", errs)
		}
		return winner, errs
	}

	t.Run("Pending", func(t *testing.T) {
		t.Parallel()
		mongodbtest.NeedsAtomicWrites(t, "3 goroutines editing one pending review")
		s, _ := openStore(t, mongodb.Options{Moderation: true})
		r := defaultRubric(t)
		p := createProduct(t, s, "Raced edits")
		for round := range 4 {
			id := submit(t, s, reviewOf(r, p.ID, "author", variedContext(round), 1)).ID
			winner, _ := race(t, s, id, &registry.EditVersion{ReviewID: id, Version: 1}, func() *registry.Review {
				return reviewOf(r, "", "", variedContext(round), 2)
			})
			got, err := s.Review(testCtx(t), id)
			if err != nil || got.Summary != winner || got.Version != 2 {
				t.Fatalf("round %d: %+v, %v; want %q at version 2", round, got, err, winner)
			}
			if _, err := s.Transition(testCtx(t), id, registry.StatusWithdrawn, "author", ""); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("Revision", func(t *testing.T) {
		t.Parallel()
		f := newRevisionFixture(t, "Raced revisions", mongodb.Options{})
		o, err := f.s.Review(testCtx(t), f.orig)
		if err != nil {
			t.Fatal(err)
		}
		winner, _ := race(t, f.s, f.orig, &registry.EditVersion{ReviewID: o.ID, Version: o.Version}, func() *registry.Review {
			return reviewOf(f.r, "", "", variedContext(7), 3)
		})
		own, err := f.s.OwnReview(testCtx(t), f.orig, "author")
		if err != nil || own.Revision == nil || own.Revision.Summary != winner || own.Revision.Version != 1 {
			t.Fatalf("after the race: %+v, %v; want one revision saying %q", own, err, winner)
		}
		if q := queueIDs(t, f.s, registry.QueueFilter{}); len(q) != 1 || q[0] != own.Revision.ID {
			t.Fatalf("queue %v, want only the winner's revision", q)
		}
	})
}

// TestReviseStaleAtTheWrite lands another node's edit of a pending review
// between the edit's read of it and its write (the conditional policy: no
// gate orders them, the version in the write's filter does): the edit that
// named the version read is EPRECONDITION and the other node's stays. Under
// the gate policy the read and the write hold the product's key, which
// TestReviseRacingEdits races.
func TestReviseStaleAtTheWrite(t *testing.T) {
	t.Parallel()
	if p, err := mongodbtest.Policy(); err != nil {
		t.Fatal(err)
	} else if p != mongodb.PolicyConditional {
		t.Skipf("another node's write between a read and a write needs %s=conditional", mongodbtest.EnvPolicy)
	}
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Stale at the write")
	id := submit(t, s, reviewOf(r, p.ID, "author", variedContext(1), 1)).ID
	landed := false
	onWrite(t, s, mongodb.ColQueue, func(got string, _ int) {
		if got != id || landed {
			return
		}
		landed = true
		other := reviewOf(r, "", "", variedContext(1), 3)
		other.Summary = "The other node's edit."
		if _, err := s.ReviseReview(ctx, id, "author", other, "", "", nil); err != nil {
			t.Errorf("the other node's edit: %v", err)
		}
	})
	mine := reviewOf(r, "", "", variedContext(1), 2)
	mine.Summary = "Read at version 1."
	if _, err := s.ReviseReview(ctx, id, "author", mine, "", "", &registry.EditVersion{ReviewID: id, Version: 1}); registry.ErrorCode(err) != registry.EPRECONDITION {
		t.Fatalf("an edit whose version changed before its write: %v, want EPRECONDITION", err)
	}
	if !landed {
		t.Fatal("the other node's edit never landed")
	}
	if got, err := s.Review(ctx, id); err != nil || got.Summary != "The other node's edit." || got.Version != 2 {
		t.Fatalf("after the refused edit: %+v, %v", got, err)
	}
}
