package mongodb_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// editing is a store with an account about to be deleted whose published
// reviews are being edited, threshold 3, each beside two other reviewers'
// public reviews:
//
//   - products[0]: orig[0] public, with rev[0] pending;
//   - products[1]: orig[1] superseded by rev[1], published and waiting for
//     the release that replaces orig[1] (still public) with it;
//   - products[2]: orig[2] superseded by rev[2], released: rev[2] public,
//     orig[2] out of the public state;
//   - products[3]: orig[3] public, its revision rev[3] rejected.
type editing struct {
	l         *leaving
	orig, rev []string
	others    int
}

const editingHandle = "Editing-Teacher"

func newEditing(t *testing.T) *editing {
	t.Helper()
	clock, advance := tickingClock()
	s, db := openStore(t, mongodb.Options{Moderation: true, Threshold: 3, Now: clock,
		Passwords: password.New(password.Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)})
	ctx := testCtx(t)
	e := &editing{l: &leaving{s: s, db: db, r: defaultRubric(t), advance: advance, ids: map[string][]string{}}}
	l := e.l
	admin := &registry.Principal{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	_, code, err := s.CreateInvitation(ctx, admin, registry.NewInvitation{Role: registry.RoleReviewer, Uses: 1, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, code, editingHandle, strongPw); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Login(ctx, editingHandle, strongPw)
	if err != nil {
		t.Fatal(err)
	}
	l.session = sess.Secret
	if l.p, err = s.Authenticate(ctx, sess.Secret); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreatePersonalToken(ctx, l.p, "edits from home")
	if err != nil {
		t.Fatal(err)
	}
	l.token = tok.Secret
	for i, name := range []string{"Edit pending", "Edit mid-release", "Edit released", "Edit rejected"} {
		p := createProduct(t, s, name).ID
		l.products = append(l.products, p)
		for range 2 {
			e.publishOther(t, i)
		}
		o := e.add(t, i, l.p.ReviewerRef, 7+i)
		e.publish(t, o)
		e.orig = append(e.orig, o)
		rv := reviewOf(l.r, "", "", variedContext(20+i), 4)
		rv.Summary = fmt.Sprintf("Edited text %d.", i)
		own, err := s.ReviseReview(ctx, o, l.p.ReviewerRef, rv, "", "", nil)
		if err != nil || own.Revision == nil {
			t.Fatalf("ReviseReview: %+v, %v", own, err)
		}
		e.rev = append(e.rev, own.Revision.ID)
		l.ids[p] = append(l.ids[p], own.Revision.ID)
	}
	e.publish(t, e.rev[1])
	e.publish(t, e.rev[2])
	e.publishOther(t, 2)
	e.publishOther(t, 2) // the pair and two others: the release
	if _, err := s.Transition(ctx, e.rev[3], registry.StatusRejected, "moderator-ref", "Names a colleague."); err != nil {
		t.Fatal(err)
	}
	listed := func(i int) map[string]string { return listedSummaries(t, s, l.products[i]) }
	if m := listed(1); m[e.orig[1]] == "" || m[e.rev[1]] != "" {
		t.Fatalf("setup: mid-release listing %v", m)
	}
	if m := listed(2); m[e.orig[2]] != "" || m[e.rev[2]] != "Edited text 2." {
		t.Fatalf("setup: released listing %v", m)
	}
	for i, want := range []string{registry.StatusPublished, registry.StatusSuperseded, registry.StatusSuperseded, registry.StatusPublished} {
		if rv, err := s.Review(ctx, e.orig[i]); err != nil || rv.Status != want {
			t.Fatalf("setup: original %d is %+v, %v; want %s", i, rv, err, want)
		}
	}
	return e
}

func (e *editing) add(t *testing.T, i int, ref string, n int) string {
	t.Helper()
	p := e.l.products[i]
	id := submit(t, e.l.s, reviewOf(e.l.r, p, ref, variedContext(n), variedScores(n)...)).ID
	e.l.ids[p] = append(e.l.ids[p], id)
	return id
}

func (e *editing) publish(t *testing.T, id string) {
	t.Helper()
	if _, err := e.l.s.Transition(testCtx(t), id, registry.StatusPublished, "", ""); err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
}

// publishOther publishes a review of product i by a reviewer of its own:
// one reviewer's change towards the product's next release.
func (e *editing) publishOther(t *testing.T, i int) string {
	t.Helper()
	e.others++
	id := e.add(t, i, fmt.Sprintf("other-%d", e.others), e.others)
	e.publish(t, id)
	return id
}

// existing returns the ids of product i's reviews still stored.
func (e *editing) existing(t *testing.T, i int) []string {
	t.Helper()
	var out []string
	for _, id := range e.l.ids[e.l.products[i]] {
		if _, err := e.l.s.Review(testCtx(t), id); err == nil {
			out = append(out, id)
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatal(err)
		}
	}
	return out
}

// check checks the store after the account's deletion with mode.
func (e *editing) check(t *testing.T, mode string) {
	t.Helper()
	ctx := testCtx(t)
	l, s := e.l, e.l.s
	for _, secret := range []string{l.session, l.token} {
		if _, err := s.Authenticate(ctx, secret); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
			t.Errorf("a credential of the deleted account: %v, want EUNAUTHORIZED", err)
		}
	}
	needles := []string{l.p.AccountID, l.p.ReviewerRef, editingHandle, strings.ToLower(editingHandle), "edits from home"}
	if held := documentsHolding(t, l.db, needles...); len(held) > 0 {
		t.Errorf("documents still hold the account: %v", held)
	}
	if wrong, err := s.Reindex(ctx, nil); err != nil || wrong != 0 {
		t.Errorf("Reindex right after the deletion: %d products wrong, %v; want 0", wrong, err)
	}
	review := func(id string) *registry.Review {
		rv, err := s.Review(ctx, id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return nil
		} else if err != nil {
			t.Fatal(err)
		}
		return rv
	}
	gone := func(what, id string) {
		if rv := review(id); rv != nil {
			t.Errorf("%s %s is %s, want it deleted", what, id, rv.Status)
		}
	}
	// Never public, or out of the public state: deleted either way.
	gone("the pending revision", e.rev[0])
	gone("the released revision's superseded review", e.orig[2])
	gone("the rejected revision", e.rev[3])
	listed := func(i int) map[string]string { return listedSummaries(t, s, l.products[i]) }
	switch mode {
	case registry.DeleteKeep:
		refs := map[string]string{}
		for _, id := range []string{e.orig[0], e.rev[1], e.rev[2], e.orig[3]} {
			rv := review(id)
			if rv == nil || rv.Status != registry.StatusPublished {
				t.Errorf("kept review %s: %+v; want published", id, rv)
				continue
			}
			if strings.HasPrefix(rv.ReviewerRef, "other-") || rv.ReviewerRef == "" {
				t.Errorf("kept review %s under reference %q", id, rv.ReviewerRef)
			}
			if other, ok := refs[rv.ReviewerRef]; ok {
				t.Errorf("kept reviews %s and %s share a reference", id, other)
			}
			refs[rv.ReviewerRef] = id
		}
		// The pair mid-release stays a pair: the superseded review, still
		// public with its text, under its revision's reference.
		o, r := review(e.orig[1]), review(e.rev[1])
		if o == nil || r == nil || o.Status != registry.StatusSuperseded || o.SupersededBy != r.ID || o.ReviewerRef != r.ReviewerRef {
			t.Fatalf("the pair after the deletion is not a pair under one reference: %s and %s", brief(o), brief(r))
		}
		if m := listed(1); m[e.orig[1]] == "" || m[e.rev[1]] != "" {
			t.Errorf("the deletion moved the listing of the pair: %v", m)
		}
		// The pair is one reviewer's change: one more reviewer's is not a
		// release yet; a second is, and it replaces the text whole.
		e.publishOther(t, 1)
		if m := listed(1); m[e.orig[1]] == "" || m[e.rev[1]] != "" {
			t.Errorf("released with two reviewers' changes waiting: %v", m)
		}
		e.publishOther(t, 1)
		if m := listed(1); m[e.orig[1]] != "" || m[e.rev[1]] != "Edited text 1." {
			t.Errorf("after the release the listing is %v", m)
		}
		if o := review(e.orig[1]); o == nil || o.Summary != "" || o.Status != registry.StatusSuperseded {
			t.Errorf("the deleted account's replaced review after its release: %+v; want it without its text", o)
		}
	case registry.DeleteWithdraw:
		for i := range l.products {
			m := listed(i)
			for _, id := range []string{e.orig[i], e.rev[i]} {
				if _, ok := m[id]; ok {
					t.Errorf("review %s still listed after the deletion", id)
				}
			}
		}
		gone("the revision withdrawn before its release", e.rev[1])
		for _, id := range []string{e.orig[0], e.orig[1], e.rev[2], e.orig[3]} {
			rv := review(id)
			if rv == nil || rv.Status != registry.StatusWithdrawn || rv.Summary != "" || strings.HasPrefix(rv.ReviewerRef, "other-") {
				t.Errorf("withdrawn review %s leaving the statistics: %+v", id, rv)
			}
		}
	}
	for i := range l.products {
		checkDerived(t, s, l.r, l.products[i], e.existing(t, i))
	}
	if wrong, err := s.Reindex(ctx, nil); err != nil || wrong != 0 {
		t.Errorf("Reindex: %d products wrong, %v; want 0", wrong, err)
	}
}

// TestDeleteAccountWithRevisions deletes an account whose reviews are being
// edited (a pending revision, a revision waiting for its release, a
// released one, a rejected one), either way.
func TestDeleteAccountWithRevisions(t *testing.T) {
	t.Parallel()
	for _, mode := range registry.DeleteModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEditing(t)
			if err := e.l.s.DeleteAccount(testCtx(t), e.l.p, mode, strongPw); err != nil {
				t.Fatalf("DeleteAccount: %v", err)
			}
			e.l.finish(t)
			e.check(t, mode)
		})
	}
}

// TestDeleteAccountWithRevisionsInterrupted stops such a deletion at each
// step (a re-reference at the first and at the second review re-referenced,
// which in keep is one half of the pair mid-release), and repair finishes
// it.
func TestDeleteAccountWithRevisionsInterrupted(t *testing.T) {
	t.Parallel()
	type stop struct {
		step string
		nth  int
	}
	for _, mode := range registry.DeleteModes {
		for _, at := range []stop{{"marked", 1}, {"withdrawn", 1}, {"withdrawn", 2}, {"rereferenced", 1}, {"rereferenced", 2}, {"reviews", 1}, {"credentials", 1}} {
			if at.step == "withdrawn" && at.nth == 2 && mode == registry.DeleteKeep {
				continue // keep withdraws one review here: the pending revision
			}
			t.Run(fmt.Sprintf("%s/%s-%d", mode, at.step, at.nth), func(t *testing.T) {
				t.Parallel()
				e := newEditing(t)
				crash := errors.New("crash")
				seen := 0
				mongodb.SetDuringDeletion(e.l.s, func(s string) error {
					if s == at.step {
						if seen++; seen == at.nth {
							return crash
						}
					}
					return nil
				})
				err := e.l.s.DeleteAccount(testCtx(t), e.l.p, mode, strongPw)
				mongodb.SetDuringDeletion(e.l.s, nil)
				if !errors.Is(err, crash) {
					t.Fatalf("DeleteAccount: %v, want the crash", err)
				}
				if _, err := e.l.s.Authenticate(testCtx(t), e.l.token); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
					t.Errorf("the token after an interrupted deletion: %v", err)
				}
				e.l.finish(t)
				e.check(t, mode)
			})
		}
	}
}

// brief names a review's id, status, links and reference ("none" for nil).
func brief(r *registry.Review) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprintf("%s (%s, revises %q, superseded by %q, by %s)", r.ID, r.Status, r.Revises, r.SupersededBy, r.ReviewerRef)
}
