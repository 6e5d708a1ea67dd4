package mongodb_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// draftCount counts the documents of the drafts collection (drafts and
// indexes).
func draftCount(t testing.TB, db *mongodb.DB) int64 {
	t.Helper()
	n, err := db.Collection("drafts").CountDocuments(testCtx(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// cheapPasswords hashes passwords quickly, for tests that make accounts.
var cheapPasswords = password.New(password.Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)

// draftAccount makes a reviewer's account with handle (password strongPw)
// and returns it as its session authenticates it.
func draftAccount(t testing.TB, s *mongodb.Store, handle string) *registry.Principal {
	t.Helper()
	ctx := testCtx(t)
	admin := &registry.Principal{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	_, code, err := s.CreateInvitation(ctx, admin, registry.NewInvitation{Role: registry.RoleReviewer, Uses: 1, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, code, handle, strongPw); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Login(ctx, handle, strongPw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, sess.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDrafts(t *testing.T) {
	t.Parallel()
	clock, advance := tickingClock()
	s, db := openStore(t, mongodb.Options{Moderation: true, Now: clock, Passwords: cheapPasswords})
	ctx := testCtx(t)
	p := createProduct(t, s, "Draft Tutor")
	q := createProduct(t, s, "Other Tutor")
	pa := draftAccount(t, s, "Account-A")
	acct := pa.AccountID

	if _, err := s.Draft(ctx, acct, p.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("no draft yet: %v", err)
	}
	values := map[string]string{"summary": "Half written.", "answer-privacy_data-sale": "2", "odd.name$": "kept as typed"}
	if err := s.SaveDraft(ctx, pa, p.ID, values); err != nil {
		t.Fatal(err)
	}
	d, err := s.Draft(ctx, acct, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.ProductID != p.ID || len(d.Values) != len(values) || d.Values["odd.name$"] != "kept as typed" || d.SavedAt.IsZero() {
		t.Fatalf("draft %+v", d)
	}
	// Keyed by account and product.
	for _, other := range [][2]string{{"account-b", p.ID}, {acct, q.ID}} {
		if _, err := s.Draft(ctx, other[0], other[1]); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("%v: %v", other, err)
		}
	}
	// A save replaces the draft whole.
	if err := s.SaveDraft(ctx, pa, p.ID, map[string]string{"summary": "Rewritten."}); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Draft(ctx, acct, p.ID); err != nil || len(d.Values) != 1 || d.Values["summary"] != "Rewritten." {
		t.Fatalf("after a second save: %+v, %v", d, err)
	}
	// Nothing in the documents reads back as the account or the product's
	// text: the ids are keyed hashes.
	raw, err := db.Collection("drafts").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := raw.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("%d documents, want a draft and an index", len(docs))
	}
	for _, doc := range docs {
		if id := fmt.Sprint(doc["_id"]); strings.Contains(id, acct) || strings.Contains(id, p.ID) {
			t.Errorf("_id %q names the account or the product", id)
		}
	}

	t.Run("Contract", func(t *testing.T) {
		if err := s.SaveDraft(ctx, &registry.Principal{Role: registry.RoleReviewer}, p.ID, values); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("no account: %v", err)
		}
		if err := s.SaveDraft(ctx, &registry.Principal{AccountID: "no-such-account", Handle: "Nobody"}, q.ID, values); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
			t.Errorf("an account that does not exist: %v", err)
		}
		if err := s.SaveDraft(ctx, pa, "no-such-product", values); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("no product: %v", err)
		}
		many := map[string]string{}
		for i := range registry.MaxDraftFields + 1 {
			many[fmt.Sprint("f", i)] = "x"
		}
		if err := s.SaveDraft(ctx, pa, q.ID, many); registry.ErrorCode(err) != registry.ETOOLARGE {
			t.Errorf("too many fields: %v", err)
		}
		big := map[string]string{"summary": strings.Repeat("x", registry.MaxDraftBytes)}
		if err := s.SaveDraft(ctx, pa, q.ID, big); registry.ErrorCode(err) != registry.ETOOLARGE {
			t.Errorf("too large: %v", err)
		}
		if _, err := s.Draft(ctx, acct, q.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("a refused draft was stored: %v", err)
		}
		if err := s.DeleteDraft(ctx, acct, q.ID); err != nil {
			t.Errorf("deleting no draft: %v", err)
		}
	})

	t.Run("DeleteThenExpire", func(t *testing.T) {
		if err := s.DeleteDraft(ctx, acct, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Draft(ctx, acct, p.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("deleted draft: %v", err)
		}
		if n := draftCount(t, db); n != 0 {
			t.Fatalf("%d documents left after the last draft was deleted", n)
		}
		pc := draftAccount(t, s, "Account-C")
		if err := s.SaveDraft(ctx, pc, q.ID, values); err != nil {
			t.Fatal(err)
		}
		advance(registry.DraftRetention + time.Hour)
		if _, err := s.Draft(ctx, pc.AccountID, q.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("expired draft: %v", err)
		}
		n, err := s.PruneDrafts(ctx)
		if err != nil || n != 2 || draftCount(t, db) != 0 {
			t.Fatalf("prune: %d, %v; %d left", n, err, draftCount(t, db))
		}
	})
}

// TestDraftsPerAccount checks the cap on an account's drafts: a draft of
// another product beyond registry.MaxDrafts is ETOOMANY; a product with a
// draft may always be saved again, and a deleted draft makes room.
func TestDraftsPerAccount(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t, mongodb.Options{Moderation: true, Passwords: cheapPasswords})
	ctx := testCtx(t)
	products := createProducts(t, s, "Capped", registry.MaxDrafts+1)
	busy, other := draftAccount(t, s, "Busy"), draftAccount(t, s, "Someone-Else")
	v := map[string]string{"summary": "x"}
	for _, p := range products[:registry.MaxDrafts] {
		if err := s.SaveDraft(ctx, busy, p.ID, v); err != nil {
			t.Fatal(err)
		}
	}
	last := products[registry.MaxDrafts].ID
	if err := s.SaveDraft(ctx, busy, last, v); registry.ErrorCode(err) != registry.ETOOMANY {
		t.Fatalf("beyond the cap: %v", err)
	}
	if err := s.SaveDraft(ctx, busy, products[0].ID, v); err != nil {
		t.Fatalf("saving a draft again at the cap: %v", err)
	}
	if err := s.SaveDraft(ctx, other, last, v); err != nil {
		t.Fatalf("another account: %v", err)
	}
	if err := s.DeleteDraft(ctx, busy.AccountID, products[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(ctx, busy, last, v); err != nil {
		t.Fatalf("after a deletion: %v", err)
	}
}

// TestDraftsOfDeletedAccount checks that an account's export lists its
// drafts and that its deletion deletes them, also when it is cut short
// before its drafts step and finished by repair.
func TestDraftsOfDeletedAccount(t *testing.T) {
	t.Parallel()
	clock, advance := tickingClock()
	s, db := openStore(t, mongodb.Options{Moderation: true, Now: clock, Passwords: cheapPasswords})
	ctx := testCtx(t)
	p := createProduct(t, s, "Leaving Tutor")
	pr := draftAccount(t, s, "Drafting-Teacher")
	if err := s.SaveDraft(ctx, pr, p.ID, map[string]string{"summary": "Unfinished."}); err != nil {
		t.Fatal(err)
	}
	x, err := s.ExportAccount(ctx, pr)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Drafts) != 1 || x.Drafts[0].ProductID != p.ID || x.Drafts[0].Values["summary"] != "Unfinished." {
		t.Fatalf("export drafts: %+v", x.Drafts)
	}
	crash := errors.New("crash")
	mongodb.SetDuringDeletion(s, func(step string) error {
		if step == "reviews" {
			return crash // before step 3, which deletes the drafts
		}
		return nil
	})
	if err := s.DeleteAccount(ctx, pr, registry.DeleteWithdraw, strongPw); !errors.Is(err, crash) {
		t.Fatalf("deletion: %v", err)
	}
	if n := draftCount(t, db); n != 2 {
		t.Fatalf("%d draft documents after a deletion cut short before its drafts, want the draft and its index", n)
	}
	mongodb.SetDuringDeletion(s, nil)
	advance(2 * time.Minute) // under PolicyConditional, repair finishes deletions marked a minute ago
	if _, err := s.Repair(ctx); err != nil {
		t.Fatal(err)
	}
	if n := draftCount(t, db); n != 0 {
		t.Fatalf("%d draft documents after repair", n)
	}
	if _, err := s.Draft(ctx, pr.AccountID, p.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("draft of a deleted account: %v", err)
	}
}

// TestDraftSavedDuringAccountDeletion: an autosave that passed its
// credential check just before its account's deletion writes after the
// deletion deleted the account's drafts. The deletion is landed inside the
// save — before its index entry's write (the account already has an index),
// or between that and the draft's write — and runs as far as it does in a
// request under the store's policy (to the end under PolicyGate; to the
// drafts of step 3 otherwise, the rest left to repair). The save is
// EUNAUTHORIZED and leaves no draft and no index of the account, before
// repair and after.
func TestDraftSavedDuringAccountDeletion(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"index", "draft"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			clock, advance := tickingClock()
			s, db := openStore(t, mongodb.Options{Moderation: true, Now: clock, Passwords: cheapPasswords})
			ctx := testCtx(t)
			first, second := createProduct(t, s, "Drafted first"), createProduct(t, s, "Drafted last")
			pr := draftAccount(t, s, "Leaving-Mid-Save")
			if err := s.SaveDraft(ctx, pr, first.ID, map[string]string{"summary": "An older draft."}); err != nil {
				t.Fatal(err)
			}
			prefix := map[string]string{"index": "i", "draft": "d"}[at]
			var deleted error
			ran := false
			mongodb.SetBeforeConditionalWrite(s, func(coll, id string) {
				if coll != "drafts" || !strings.HasPrefix(id, prefix) || ran {
					return
				}
				ran = true
				deleted = s.DeleteAccount(ctx, pr, registry.DeleteWithdraw, strongPw)
			})
			t.Cleanup(func() { mongodb.SetBeforeConditionalWrite(s, nil) })
			err := s.SaveDraft(ctx, pr, second.ID, map[string]string{"summary": "Saved as the account went."})
			mongodb.SetBeforeConditionalWrite(s, nil)
			if !ran || deleted != nil {
				t.Fatalf("the deletion inside the save: ran %v, %v", ran, deleted)
			}
			if registry.ErrorCode(err) != registry.EUNAUTHORIZED {
				t.Fatalf("a save during its account's deletion: %v, want EUNAUTHORIZED", err)
			}
			if n := draftCount(t, db); n != 0 {
				t.Fatalf("%d draft documents after the save, want none", n)
			}
			for _, p := range []string{first.ID, second.ID} {
				if _, err := s.Draft(ctx, pr.AccountID, p); registry.ErrorCode(err) != registry.ENOTFOUND {
					t.Errorf("draft of %s: %v", p, err)
				}
			}
			advance(2 * time.Minute) // under PolicyConditional, repair finishes deletions marked a minute ago
			if _, err := s.Repair(ctx); err != nil {
				t.Fatal(err)
			}
			if n := draftCount(t, db); n != 0 {
				t.Fatalf("%d draft documents after repair", n)
			}
			if n, err := db.Collection("accounts").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
				t.Fatalf("%d accounts after repair (%v), want the deletion finished", n, err)
			}
		})
	}
}
