package mongodb_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// leaving is a store with an account about to be deleted: a published
// review beside others' (P1), a published review alone (P2), a pending one
// (P3), a rejected one (P4), and one that was public and is withdrawn, its
// answers leaving with the next release (P5, beside enough others' that a
// release waits).
type leaving struct {
	s       *mongodb.Store
	db      *mongodb.DB
	r       *registry.Rubric
	advance func(time.Duration)
	p       *registry.Principal
	session string
	token   string
	// products and ids: every product and the ids of every review of
	// each; mine: the account's review of each product, by product index.
	products []string
	ids      map[string][]string
	mine     []string
}

const leavingHandle = "Leaving-Teacher"

func newLeaving(t *testing.T) *leaving {
	t.Helper()
	clock, advance := tickingClock()
	s, db := openStore(t, mongodb.Options{Moderation: true, Threshold: 3, Now: clock,
		Passwords: password.New(password.Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)})
	ctx := testCtx(t)
	l := &leaving{s: s, db: db, r: defaultRubric(t), advance: advance, ids: map[string][]string{}}
	admin := &registry.Principal{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	_, code, err := s.CreateInvitation(ctx, admin, registry.NewInvitation{Role: registry.RoleOfficer, Uses: 1, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, code, leavingHandle, strongPw); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Login(ctx, leavingHandle, strongPw)
	if err != nil {
		t.Fatal(err)
	}
	l.session = sess.Secret
	if l.p, err = s.Authenticate(ctx, sess.Secret); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreatePersonalToken(ctx, l.p, "marking laptop")
	if err != nil {
		t.Fatal(err)
	}
	l.token = tok.Secret
	// An invitation the officer made (deleted with the account).
	if _, _, err := s.CreateInvitation(ctx, l.p, registry.NewInvitation{Role: registry.RoleReviewer, Uses: 3, ValidFor: time.Hour, Note: "for the maths department"}); err != nil {
		t.Fatal(err)
	}
	publish := func(id string) {
		if _, err := s.Transition(ctx, id, registry.StatusPublished, "", ""); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
	}
	add := func(product, ref string, i int) string {
		id := submit(t, s, reviewOf(l.r, product, ref, variedContext(i), variedScores(i)...)).ID
		l.ids[product] = append(l.ids[product], id)
		return id
	}
	for i, name := range []string{"Kept beside others", "Kept alone", "Pending", "Rejected", "Leaving stats"} {
		p := createProduct(t, s, name).ID
		l.products = append(l.products, p)
		others := 0
		if i == 0 || i == 4 {
			others = 4
		}
		for j := range others {
			publish(add(p, "other-"+string(rune('a'+j)), j))
		}
		l.mine = append(l.mine, add(p, l.p.ReviewerRef, 7+i))
	}
	publish(l.mine[0])
	publish(l.mine[1])
	if _, err := s.Transition(ctx, l.mine[3], registry.StatusRejected, "moderator-ref", "Off topic."); err != nil {
		t.Fatal(err)
	}
	publish(l.mine[4])
	if err := mongodb.ReleaseNow(ctx, s, l.products[4]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, l.mine[4], registry.StatusWithdrawn, l.p.ReviewerRef, ""); err != nil {
		t.Fatal(err)
	}
	// Another reviewer's publication on P5 waits with the withdrawal.
	publish(add(l.products[4], "other-late", 11))
	return l
}

const strongPw = "tide pools at dusk, 1987"

// finish lets a deletion left for repair finish: under the conditional
// policy the account stays marked until no node can still trust one of
// its credentials, and repair deletes it once the mark is a minute old.
func (l *leaving) finish(t *testing.T) {
	t.Helper()
	pastRepairAge(l.db, l.advance)
	if _, err := l.s.Repair(testCtx(t)); err != nil {
		t.Fatalf("Repair: %v", err)
	}
}

// check checks the store after the account's deletion with mode: the
// credentials fail, no document holds the account's id, handle or
// reference, the kept reviews (keep) are published under references of
// their own, and every product's public state equals a recomputation.
func (l *leaving) check(t *testing.T, mode string) {
	t.Helper()
	ctx := testCtx(t)
	for _, secret := range []string{l.session, l.token} {
		if _, err := l.s.Authenticate(ctx, secret); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
			t.Errorf("a credential of the deleted account: %v, want EUNAUTHORIZED", err)
		}
	}
	needles := []string{l.p.AccountID, l.p.ReviewerRef, leavingHandle, strings.ToLower(leavingHandle), "marking laptop", "maths department"}
	if held := documentsHolding(t, l.db, needles...); len(held) > 0 {
		t.Errorf("documents still hold the account: %v", held)
	}
	// (After the scan: a failed sign-in is recorded for any handle.)
	if _, err := l.s.Login(ctx, leavingHandle, strongPw); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Errorf("signing in to the deleted account: %v", err)
	}
	refs := map[string]string{}
	for i, id := range l.mine {
		rv, err := l.s.Review(ctx, id)
		kept := mode == registry.DeleteKeep && (i == 0 || i == 1)
		switch {
		case kept:
			if err != nil || rv.Status != registry.StatusPublished {
				t.Errorf("kept review %d: %+v, %v; want published", i, rv, err)
				continue
			}
			if other, ok := refs[rv.ReviewerRef]; ok {
				t.Errorf("kept reviews %s and %s share a reference", id, other)
			}
			refs[rv.ReviewerRef] = id
		case i == 4: // still leaving the statistics: kept, withdrawn, without its text
			if err != nil || rv.Status != registry.StatusWithdrawn || rv.Summary != "" || rv.ReviewerRef == l.p.ReviewerRef {
				t.Errorf("the withdrawn review still counted: %+v, %v", rv, err)
			}
		default:
			if registry.ErrorCode(err) != registry.ENOTFOUND {
				t.Errorf("review %d (%s): %+v, %v; want it deleted", i, id, rv, err)
			}
		}
	}
	for _, p := range l.products {
		var existing []string
		for _, id := range l.ids[p] {
			if _, err := l.s.Review(ctx, id); err == nil {
				existing = append(existing, id)
			}
		}
		checkDerived(t, l.s, l.r, p, existing)
	}
	if wrong, err := l.s.Reindex(ctx, nil); err != nil || wrong != 0 {
		t.Errorf("Reindex: %d products wrong, %v; want 0", wrong, err)
	}
}

// documentsHolding returns collection/_id of every document of the
// database whose text holds one of needles.
func documentsHolding(t *testing.T, db *mongodb.DB, needles ...string) []string {
	t.Helper()
	ctx := testCtx(t)
	names, err := db.Database().ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			for _, n := range needles {
				if n != "" && strings.Contains(d.String(), n) {
					out = append(out, name+"/"+d.Lookup("_id").String()+" holds "+n)
				}
			}
		}
	}
	return out
}

// TestDeleteAccount deletes an account either way, and checks what is
// left (leaving.check).
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	for _, mode := range registry.DeleteModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			l := newLeaving(t)
			if err := l.s.DeleteAccount(testCtx(t), l.p, mode, strongPw); err != nil {
				t.Fatalf("DeleteAccount: %v", err)
			}
			// The credentials fail at once, even before a deletion left
			// for repair is finished.
			if _, err := l.s.Authenticate(testCtx(t), l.session); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
				t.Errorf("the session right after the deletion: %v", err)
			}
			l.finish(t)
			l.check(t, mode)
		})
	}
	t.Run("WrongPassword", func(t *testing.T) {
		t.Parallel()
		l := newLeaving(t)
		err := l.s.DeleteAccount(testCtx(t), l.p, registry.DeleteKeep, "not the password at all")
		if registry.ErrorCode(err) != registry.EINVALID || len(registry.ErrorFields(err)) != 1 || registry.ErrorFields(err)[0].Field != "password" {
			t.Fatalf("wrong password: %v", err)
		}
		if _, err := l.s.Authenticate(testCtx(t), l.session); err != nil {
			t.Errorf("the session after a refused deletion: %v", err)
		}
	})
	t.Run("NoAccount", func(t *testing.T) {
		t.Parallel()
		l := newLeaving(t)
		tok, err := l.s.CreateToken(testCtx(t), registry.RoleReviewer, "no account")
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.s.Authenticate(testCtx(t), tok)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.s.DeleteAccount(testCtx(t), p, registry.DeleteKeep, strongPw); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("DeleteAccount without an account: %v", err)
		}
		if _, err := l.s.ExportAccount(testCtx(t), p); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("ExportAccount without an account: %v", err)
		}
	})
}

// TestDeleteAccountInterrupted stops a deletion at each of its steps, as a
// crash would: the credentials fail from the mark on, and repair finishes
// the deletion with everything checked as for an uninterrupted one.
func TestDeleteAccountInterrupted(t *testing.T) {
	t.Parallel()
	for _, mode := range registry.DeleteModes {
		for _, step := range []string{"marked", "withdrawn", "rereferenced", "reviews", "credentials"} {
			if step == "rereferenced" && mode == registry.DeleteWithdraw {
				continue // only the withdrawn review still counted is re-referenced: covered by keep
			}
			t.Run(mode+"/"+step, func(t *testing.T) {
				t.Parallel()
				l := newLeaving(t)
				crash := errors.New("crash")
				stopped := false
				mongodb.SetDuringDeletion(l.s, func(s string) error {
					if s == step && !stopped {
						stopped = true
						return crash
					}
					return nil
				})
				if err := l.s.DeleteAccount(testCtx(t), l.p, mode, strongPw); !errors.Is(err, crash) {
					t.Fatalf("DeleteAccount: %v, want the crash", err)
				}
				mongodb.SetDuringDeletion(l.s, nil)
				if _, err := l.s.Authenticate(testCtx(t), l.token); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
					t.Errorf("the token after an interrupted deletion: %v", err)
				}
				// A restart: another store over the same data repairs.
				l.finish(t)
				l.check(t, mode)
			})
		}
	}
}
