package mongodb_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// TestDecisionNamesTheVersionRead: a moderator's publication or rejection
// of a pending review names the version they read. Every edit in place
// makes a new version, even two in one millisecond (the clock here stands
// still, so the stored updated-at time cannot tell them apart); a decision
// on an older version is EPRECONDITION and changes nothing, one naming no
// version EPRECONDREQ. A take-down of a published review needs none.
func TestDecisionNamesTheVersionRead(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true, Now: fixedNow})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Versioned")
	rv := reviewOf(r, p.ID, "author", variedContext(1), 2)
	rv.Summary = "Read by the moderator."
	id := submit(t, s, rv).ID
	read, err := s.Review(ctx, id)
	if err != nil || read.Version != 1 {
		t.Fatalf("submitted: version %v, %v; want 1", read, err)
	}
	if _, err := s.PublishReview(ctx, id, "moderator", registry.PublishRequest{}); registry.ErrorCode(err) != registry.EPRECONDREQ {
		t.Errorf("a publication naming no version: %v, want EPRECONDREQ", err)
	}
	if _, err := s.RejectReview(ctx, id, "moderator", "No.", nil); registry.ErrorCode(err) != registry.EPRECONDREQ {
		t.Errorf("a rejection naming no version: %v, want EPRECONDREQ", err)
	}

	edited := reviewOf(r, "", "", variedContext(1), 2)
	edited.Summary = "Edited after the moderator read it: Mrs Patel at Ysgol Enghraifft."
	if _, err := s.ReviseReview(ctx, id, "author", edited, "", "", nil); err != nil {
		t.Fatal(err)
	}
	now, err := s.Review(ctx, id)
	if err != nil || now.Version != 2 || !now.UpdatedAt.Equal(read.UpdatedAt) {
		t.Fatalf("edited: %+v, %v; want version 2 (at the same updated-at time)", now, err)
	}
	stale := &registry.IfMatch{Versions: []int{read.Version}}
	redact := []registry.Redaction{{Field: "summary", Text: "Redacted."}}
	if _, err := s.PublishReview(ctx, id, "moderator", registry.PublishRequest{Redactions: redact, IfMatch: stale}); registry.ErrorCode(err) != registry.EPRECONDITION {
		t.Errorf("publishing the version read before the edit: %v, want EPRECONDITION", err)
	}
	if _, err := s.RejectReview(ctx, id, "moderator", "No.", stale); registry.ErrorCode(err) != registry.EPRECONDITION {
		t.Errorf("rejecting the version read before the edit: %v, want EPRECONDITION", err)
	}
	if _, err := s.PublishReview(ctx, id, "moderator", registry.PublishRequest{IfMatch: &registry.IfMatch{}}); registry.ErrorCode(err) != registry.EPRECONDITION {
		t.Errorf("publishing with no version that matches (a weak tag): %v, want EPRECONDITION", err)
	}
	if got, err := s.Review(ctx, id); err != nil || got.Status != registry.StatusPending || got.Summary != edited.Summary || got.Version != 2 {
		t.Fatalf("refused decisions changed the review: %+v, %v", got, err)
	}
	if q := queueIDs(t, s, registry.QueueFilter{}); len(q) != 1 || q[0] != id {
		t.Errorf("queue %v, want the review still there", q)
	}

	out, err := s.PublishReview(ctx, id, "moderator", registry.PublishRequest{Redactions: redact, IfMatch: &registry.IfMatch{Versions: []int{1, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Summary != "Redacted." || out.Version != 3 {
		t.Errorf("published %q at version %d, want the redaction at version 3", out.Summary, out.Version)
	}
	down, err := s.RejectReview(ctx, id, "moderator", "Taken down.", nil)
	if err != nil || down.Status != registry.StatusRejected || down.Version != 4 {
		t.Errorf("a take-down naming no version: %+v, %v; want rejected at version 4", down, err)
	}
}

// TestEditRacingDecision races an author's edit in place with a moderator's
// publication (or rejection) of the version read, under the store's policy
// (REGISTRY_TEST_STORE_POLICY): whoever wins, a decision applies to the
// text the moderator read and no other. Either the decision went through on
// that text, or it was EPRECONDITION and the edit is what waits in the
// queue.
func TestEditRacingDecision(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p := createProduct(t, s, "Raced")
	const rounds = 16
	const seen = "The text the moderator read."
	outcomes := map[string]int{}
	for i := range rounds {
		author := fmt.Sprintf("author-%d", i)
		rv := reviewOf(r, p.ID, author, variedContext(i), 2)
		rv.Summary = seen
		id := submit(t, s, rv).ID
		edit := reviewOf(r, "", "", variedContext(i), 3)
		edit.Summary = fmt.Sprintf("Unread edit %d naming Mrs Patel.", i)
		reject := i%2 == 1
		var editErr, decideErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, editErr = s.ReviseReview(ctx, id, author, edit, "", "", nil)
		}()
		go func() {
			defer wg.Done()
			read := &registry.IfMatch{Versions: []int{1}}
			if reject {
				_, decideErr = s.RejectReview(ctx, id, "moderator", "Off-topic.", read)
			} else {
				_, decideErr = s.PublishReview(ctx, id, "moderator", registry.PublishRequest{IfMatch: read})
			}
		}()
		wg.Wait()
		got, err := s.Review(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		outcomes[fmt.Sprintf("decision %v, edit %v", registry.ErrorCode(decideErr), registry.ErrorCode(editErr))]++
		switch code := registry.ErrorCode(decideErr); {
		case decideErr == nil:
			if got.Summary != seen || (got.Status != registry.StatusPublished && got.Status != registry.StatusRejected) {
				t.Errorf("round %d: the decision went through and the review is %s with %q, not the text read", i, got.Status, got.Summary)
			}
			if editErr != nil && registry.ErrorCode(editErr) != registry.ECONFLICT {
				t.Errorf("round %d: the edit after the decision: %v, want ECONFLICT", i, editErr)
			}
		case code == registry.EPRECONDITION:
			if editErr != nil || got.Status != registry.StatusPending || got.Summary != edit.Summary || got.Version != 2 {
				t.Errorf("round %d: the decision was refused as stale, but the edit (%v) left %s %q at version %d", i, editErr, got.Status, got.Summary, got.Version)
			}
		default:
			t.Errorf("round %d: the decision: %v", i, decideErr)
		}
	}
	t.Logf("outcomes (error codes, empty for none): %v", outcomes)
}
