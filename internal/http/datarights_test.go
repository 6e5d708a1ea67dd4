package http

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// leaver is an account with reviews, about to be deleted: published
// reviews of products A (beside three others') and B, a pending one of C,
// written from a session and a personal token.
type leaver struct {
	member
	products []string
	mine     []string // the account's review of each product
}

func newLeaver(t *testing.T, e *env) *leaver {
	t.Helper()
	l := &leaver{member: e.newMember(t, "Departing-Educator", "staffroom tablet")}
	for i, name := range []string{"Alpha Tutor", "Beta Marker", "Gamma Chat"} {
		p := e.createProduct(t, name)
		l.products = append(l.products, p)
		if i == 0 {
			for range 3 {
				e.publish(t, e.submit(t, p, e.reviewerToken(t), e.reviewBody(3)))
			}
		}
		cred := l.session
		if i == 1 {
			cred = l.token
		}
		l.mine = append(l.mine, e.submit(t, p, cred, e.reviewBody(i+1)))
	}
	e.publish(t, l.mine[0])
	e.publish(t, l.mine[1])
	return l
}

// exportOf downloads the account's export with a credential.
func (e *env) exportOf(t testing.TB, cred string) accountExportJSON {
	t.Helper()
	r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/export", Token: cred})
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition = %q, want an attachment", cd)
	}
	var x accountExportJSON
	r.json(t, &x)
	return x
}

// holding returns collection/_id of every stored document holding one of
// needles.
func (e *env) holding(t testing.TB, needles ...string) []string {
	t.Helper()
	var out []string
	for coll, docs := range e.snapshot(t) {
		for _, d := range docs {
			for _, n := range needles {
				if strings.Contains(d, n) {
					out = append(out, coll+" holds "+n+": "+d)
				}
			}
		}
	}
	return out
}

func TestAccountExport(t *testing.T) {
	t.Parallel()
	t.Run("HoldsEverything", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withThreshold(3), withHasher(lightHasher()))
		l := newLeaver(t, e)
		x := e.exportOf(t, l.token)
		if x.Account.Handle != l.handle || x.Account.Role != registry.RoleReviewer {
			t.Errorf("account = %+v", x.Account)
		}
		if len(x.Tokens) != 1 || x.Tokens[0].Name != "staffroom tablet" {
			t.Errorf("tokens = %+v", x.Tokens)
		}
		if len(x.Sessions) != 1 || x.Sessions[0].Current {
			t.Errorf("sessions = %+v (the request came with a token)", x.Sessions)
		}
		var ids []string
		for _, r := range x.Reviews {
			ids = append(ids, r.ID)
			if r.Summary == "" || len(r.Answers) == 0 || r.Publication == nil {
				t.Errorf("review %s without its content or standing: %+v", r.ID, r)
			}
		}
		for _, id := range l.mine {
			if !slices.Contains(ids, id) {
				t.Errorf("the export lacks review %s: %v", id, ids)
			}
		}
		if len(ids) != len(l.mine) || x.Limits.MaxReviews != registry.MaxExportReviews || x.Limits.ReviewsTruncated {
			t.Errorf("reviews %v, limits %+v", ids, x.Limits)
		}
		if s := e.exportOf(t, l.session); len(s.Sessions) != 1 || !s.Sessions[0].Current {
			t.Errorf("sessions from the session = %+v", s.Sessions)
		}
	})
	t.Run("NoAccount", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/me/export", Token: testAdminToken})
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/me", Token: e.tokens[registry.RoleReviewer],
			Body: map[string]any{"reviews": "keep", "password": strongPassword}})
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/me/export"})
	})
}

func TestDeleteAccountHTTP(t *testing.T) {
	t.Parallel()
	for _, mode := range registry.DeleteModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withThreshold(3), withHasher(lightHasher()), withCacheTTL)
			l := newLeaver(t, e)
			listing := func(product string) string {
				return string(e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + product + "/reviews"}).Body)
			}
			assessments := func() []string {
				var out []string
				for _, p := range l.products {
					out = append(out, string(e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + p + "/assessment"}).Body))
				}
				return out
			}
			before := assessments()
			wasListed := []bool{strings.Contains(listing(l.products[0]), l.mine[0]), strings.Contains(listing(l.products[1]), l.mine[1])}
			if !wasListed[1] {
				t.Fatalf("the review of B (alone) is not public before the deletion")
			}
			e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me", Headers: cookie(l.session),
				Body: map[string]any{"reviews": mode, "password": strongPassword}})
			for _, cred := range []string{l.session, l.token} {
				if got := e.authStatus(t, cred); got != 401 {
					t.Errorf("a credential of the deleted account: %d, want 401", got)
				}
				e.must(t, 401, request{Method: "GET", Path: "/api/v1/me/export", Token: cred})
			}
			// Statistics: what a rebuild from the reviews gives.
			if wrong, err := e.store.Reindex(context.Background(), nil); err != nil || wrong != 0 {
				t.Errorf("Reindex: %d products wrong, %v; want 0", wrong, err)
			}
			if held := e.holding(t, l.p.AccountID, l.p.ReviewerRef, l.handle, strings.ToLower(l.handle), "staffroom tablet"); len(held) > 0 {
				t.Errorf("the store still holds the account: %v", held)
			}
			kept := map[string]bool{}
			for i, id := range l.mine[:2] {
				in := strings.Contains(listing(l.products[i]), id)
				if in != (mode == registry.DeleteKeep && wasListed[i]) {
					t.Errorf("review %s listed = %v after %q", id, in, mode)
				}
				var d struct {
					By string `bson:"by"`
				}
				err := e.db.Collection("reviews").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d)
				if mode == registry.DeleteKeep {
					if err != nil || d.By == "" || kept[d.By] {
						t.Errorf("kept review %s: reference %q (%v); want one of its own", id, d.By, err)
					}
					kept[d.By] = true
				}
			}
			e.must(t, 404, request{Method: "GET", Path: "/api/v1/reviews/" + l.mine[2], Token: e.tokens[registry.RoleModerator]})
			if mode == registry.DeleteKeep {
				if after := assessments(); !slices.Equal(before, after) {
					t.Errorf("keeping the reviews changed the public assessments")
				}
			}
			// The handle is free again; a new account with it is another.
			e.signUp(t, registry.RoleReviewer, l.handle)
			if got := e.authStatus(t, l.session); got != 401 {
				t.Errorf("the old session with a new account of the handle: %d", got)
			}
		})
	}
	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withHasher(lightHasher()))
		l := newLeaver(t, e)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"reviews": "keep", "password": "not the password"}, "password"},
			{map[string]any{"reviews": "keep"}, "password"},
			{map[string]any{"reviews": "shred", "password": strongPassword}, "reviews"},
			{map[string]any{"password": strongPassword}, "reviews"},
		} {
			fields := e.must(t, 422, request{Method: "DELETE", Path: "/api/v1/me", Token: l.session, Body: c.body}).fields(t)
			if !fieldNamed(fields, c.field) {
				t.Errorf("%v: fields %v, want %s", c.body, fields, c.field)
			}
		}
		if got := e.authStatus(t, l.session); got != 200 {
			t.Errorf("the session after refused deletions: %d", got)
		}
		if x := e.exportOf(t, l.session); len(x.Reviews) != 3 {
			t.Errorf("refused deletions lost reviews: %d left", len(x.Reviews))
		}
	})
}

// withCacheTTL makes the credential cache's lifetime tiny, so that under
// the conditional policy a deletion finishes within its request (otherwise
// repair finishes it once no node can still trust one of its credentials:
// the store's TestDeleteAccount checks that).
func withCacheTTL(o *mongodb.Options) { o.CredentialCacheTTL = time.Nanosecond }
