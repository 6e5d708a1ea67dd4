package http

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
)

// editor is an account whose reviews were edited (threshold 3, each product
// beside two other reviewers' public reviews):
//
//   - products[0]: orig[0] edited three times: a revision rejected
//     (rejectedRev), then one published and released (rev[0]: orig[0]
//     superseded and out of the public state), then an edit of that one
//     pending (pendingRev);
//   - products[1]: orig[1] superseded by rev[1], published and waiting for
//     the release that replaces orig[1] (still public) with it;
//   - products[2]: orig[2] public, never edited.
type editor struct {
	member
	products                []string
	orig, rev               []string
	rejectedRev, pendingRev string
	texts                   []string // every text the account wrote, by version
}

const (
	oldTextA = "The first text of Alpha, replaced since."
	oldTextB = "The first text of Beta, replaced with the next release."
	newTextA = "The edited text of Alpha."
	newTextB = "The edited text of Beta."
	badTextA = "An edit of Alpha naming Mrs Patel."
	nextText = "A second edit of Alpha, waiting for moderation."
)

func newEditor(t *testing.T, e *env) *editor {
	t.Helper()
	ed := &editor{member: e.newMember(t, "Editing-Educator", "revision laptop")}
	mod := e.tokens[registry.RoleModerator]
	for i, name := range []string{"History Alpha", "History Beta", "History Gamma"} {
		p := e.createProduct(t, name)
		ed.products = append(ed.products, p)
		for j := range 2 {
			e.publish(t, e.submit(t, p, e.reviewerToken(t), e.reviewBody(j)))
		}
		text := []string{oldTextA, oldTextB, "The only text of Gamma."}[i]
		ed.orig = append(ed.orig, e.submit(t, p, ed.session, editedBody(e, i+1, text)))
		e.publish(t, ed.orig[i])
	}
	// Alpha: rejected, then published and released, then edited again.
	ed.rejectedRev = e.revise(t, ed.token, ed.orig[0], editedBody(e, 0, badTextA)).Revision.ID
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + ed.rejectedRev + "/reject", Token: mod, Headers: e.readTag(t, ed.rejectedRev),
		Body: map[string]string{"reason": "Names a colleague."}})
	ed.rev = append(ed.rev, e.revise(t, ed.session, ed.orig[0], editedBody(e, 4, newTextA)).Revision.ID)
	e.publish(t, ed.rev[0])
	for j := range 2 {
		e.publish(t, e.submit(t, ed.products[0], e.reviewerToken(t), e.reviewBody(j)))
	}
	if l := e.publicView(t, ed.products[0]); strings.Contains(l, oldTextA) || !strings.Contains(l, newTextA) {
		t.Fatalf("setup: Alpha's edit is not released: %s", l)
	}
	ed.pendingRev = e.revise(t, ed.session, ed.rev[0], editedBody(e, 3, nextText)).Revision.ID
	// Beta: published, waiting for its release.
	ed.rev = append(ed.rev, e.revise(t, ed.session, ed.orig[1], editedBody(e, 0, newTextB)).Revision.ID)
	e.publish(t, ed.rev[1])
	if l := e.publicView(t, ed.products[1]); !strings.Contains(l, oldTextB) || strings.Contains(l, newTextB) {
		t.Fatalf("setup: Beta's edit is public before its release: %s", l)
	}
	ed.texts = []string{oldTextA, oldTextB, newTextA, newTextB, badTextA, nextText, "The only text of Gamma."}
	return ed
}

// TestAccountExportHistory: the export holds every version of the account's
// reviews — the pending, rejected (with its reason) and published
// revisions and the versions they superseded — linked, and lists each
// edited review's history.
func TestAccountExportHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withThreshold(3), withHasher(lightHasher()))
	ed := newEditor(t, e)
	x := e.exportOf(t, ed.session)
	byID := map[string]moderatedReviewJSON{}
	for _, r := range x.Reviews {
		byID[r.ID] = r
	}
	want := map[string]struct{ status, summary, revises, supersededBy, publication string }{
		ed.orig[0]:     {"superseded", oldTextA, "", ed.rev[0], "none"},
		ed.rejectedRev: {"rejected", badTextA, ed.orig[0], "", "none"},
		ed.rev[0]:      {"published", newTextA, ed.orig[0], "", "public"},
		ed.pendingRev:  {"pending", nextText, ed.rev[0], "", "none"},
		ed.orig[1]:     {"superseded", oldTextB, "", ed.rev[1], "replacing"},
		ed.rev[1]:      {"published", newTextB, ed.orig[1], "", "waiting"},
		ed.orig[2]:     {"published", "The only text of Gamma.", "", "", "public"},
	}
	for id, w := range want {
		r, ok := byID[id]
		if !ok {
			t.Errorf("the export lacks %s (%s)", id, w.summary)
			continue
		}
		if r.Status != w.status || r.Summary != w.summary || r.Revises != w.revises || r.SupersededBy != w.supersededBy ||
			r.Publication == nil || r.Publication.State != w.publication {
			t.Errorf("exported %s: %s %q revises %q superseded by %q, publication %+v; want %+v",
				id, r.Status, r.Summary, r.Revises, r.SupersededBy, r.Publication, w)
		}
	}
	if len(x.Reviews) != len(want) {
		t.Errorf("the export holds %d reviews, want %d", len(x.Reviews), len(want))
	}
	if r := byID[ed.rejectedRev]; r.RejectReason != "Names a colleague." {
		t.Errorf("the rejected revision's reason in the export: %q", r.RejectReason)
	}
	wantHistories := [][]string{{ed.orig[1], ed.rev[1]}, {ed.orig[0], ed.rejectedRev, ed.rev[0], ed.pendingRev}}
	var got [][]string
	for _, h := range x.Revisions {
		got = append(got, h.Versions)
	}
	if !slices.EqualFunc(got, wantHistories, slices.Equal[[]string]) {
		t.Errorf("revisions = %v, want %v (newest first, versions oldest first)", got, wantHistories)
	}
}

// TestDeleteAccountWithRevisionsHTTP deletes an editor's account either
// way through DELETE /api/v1/me.
func TestDeleteAccountWithRevisionsHTTP(t *testing.T) {
	t.Parallel()
	for _, mode := range registry.DeleteModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withThreshold(3), withHasher(lightHasher()), withCacheTTL)
			ed := newEditor(t, e)
			e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me", Token: ed.token,
				Body: map[string]any{"reviews": mode, "password": strongPassword}})
			for _, cred := range []string{ed.session, ed.token} {
				e.must(t, 401, request{Method: "GET", Path: "/api/v1/me/reviews", Token: cred})
			}
			e.reindexClean(t)
			if held := e.holding(t, ed.p.AccountID, ed.p.ReviewerRef, ed.handle, strings.ToLower(ed.handle), "revision laptop"); len(held) > 0 {
				t.Errorf("the store still holds the account: %v", held)
			}
			mod := e.tokens[registry.RoleModerator]
			for _, id := range []string{ed.orig[0], ed.rejectedRev, ed.pendingRev} {
				e.must(t, 404, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: mod})
			}
			by := func(id string) string {
				var d struct {
					By string `bson:"by"`
				}
				if err := e.db.Collection("reviews").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
					t.Fatalf("review %s: %v", id, err)
				}
				return d.By
			}
			release := func(i int) { // two other reviewers' changes
				for j := range 2 {
					e.publish(t, e.submit(t, ed.products[i], e.reviewerToken(t), e.reviewBody(j)))
				}
			}
			switch mode {
			case registry.DeleteKeep:
				refs := map[string]bool{}
				for _, id := range []string{ed.rev[0], ed.rev[1], ed.orig[2]} {
					if r := by(id); refs[r] {
						t.Errorf("kept review %s shares its reference", id)
					} else {
						refs[r] = true
					}
				}
				if by(ed.orig[1]) != by(ed.rev[1]) {
					t.Error("the pair mid-release was split by the new references")
				}
				if v := e.publicView(t, ed.products[1]); !strings.Contains(v, oldTextB) || strings.Contains(v, newTextB) {
					t.Errorf("the deletion moved Beta's public view: %s", v)
				}
				if v := e.publicView(t, ed.products[0]); !strings.Contains(v, newTextA) {
					t.Errorf("the kept edit of Alpha left the listing: %s", v)
				}
				release(1)
				if v := e.publicView(t, ed.products[1]); strings.Contains(v, oldTextB) || !strings.Contains(v, newTextB) {
					t.Errorf("after the release Beta's public view is %s", v)
				}
			case registry.DeleteWithdraw:
				for i, p := range ed.products {
					before := e.assessmentReviews(t, p)
					v := e.publicView(t, p)
					for _, text := range ed.texts {
						if strings.Contains(v, text) {
							t.Errorf("product %d still lists %q after the deletion", i, text)
						}
					}
					if i < 2 {
						release(i)
						if after := e.assessmentReviews(t, p); after != before+2-1 {
							t.Errorf("product %d counts %d reviews after the release, %d before; want the account's out and two more in", i, after, before)
						}
					}
				}
				e.must(t, 404, request{Method: "GET", Path: "/api/v1/reviews/" + ed.rev[1], Token: mod})
			}
			e.reindexClean(t)
		})
	}
}

// assessmentReviews is the number of reviews a product's public assessment
// counts.
func (e *env) assessmentReviews(t testing.TB, product string) int {
	t.Helper()
	var a assessmentJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + product + "/assessment"}).json(t, &a)
	return a.Reviews
}

// TestPublicOutputsHoldNoEditorData is the anonymity scan of
// TestPublicOutputsHoldNoAccountData after edits and a deletion: an account
// edited its published reviews (a revision published and released, one
// waiting for its release, one rejected, one pending) and was deleted
// keeping its reviews. No public output holds its handle or token name, an
// invitation's note, an exact time of its reviews, the text a released
// revision replaced, a rejected or pending text, a rejection's reason, or
// any reviewer reference.
func TestPublicOutputsHoldNoEditorData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withThreshold(3), withHasher(lightHasher()), withCacheTTL)
	const note = "for the Ysgol Enghraifft staff room"
	e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 5, "expiresInDays": 30, "note": note})
	ed := newEditor(t, e)
	var times []string
	for _, id := range append(append([]string{ed.rejectedRev, ed.pendingRev}, ed.orig...), ed.rev...) {
		var r moderatedReviewJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews/" + id, Token: ed.session}).json(t, &r)
		for _, at := range []*time.Time{&r.CreatedAt, &r.UpdatedAt, r.PublishedAt} {
			if at != nil {
				times = append(times, at.Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
			}
		}
	}
	e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me", Token: ed.session,
		Body: map[string]any{"reviews": "keep", "password": strongPassword}})
	scan := func(stage string) {
		t.Helper()
		refs := []string{ed.p.ReviewerRef}
		for _, id := range append(append([]string{}, ed.orig...), ed.rev...) {
			var d struct {
				By string `bson:"by"`
			}
			if e.db.Collection("reviews").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d) == nil {
				refs = append(refs, d.By)
			}
		}
		needles := append(append(append([]string{ed.handle, "revision laptop", note, oldTextA, badTextA, nextText,
			"Names a colleague.", "superseded", "supersededBy", "revises"}, times...), refs...), ed.orig[0], ed.rejectedRev, ed.pendingRev)
		if stage == "after Beta's release" {
			needles = append(needles, oldTextB, ed.orig[1])
		}
		a := attacker{e: e}
		for i, p := range ed.products {
			other := ed.products[(i+1)%len(ed.products)]
			outputs := a.view(t, p, other)
			for _, path := range []string{"/api/v1/products", "/api/v1/products/" + p, "/api/v1/products/" + p + "/reviews?limit=100"} {
				outputs[path] = string(e.must(t, 200, request{Method: "GET", Path: path}).Body)
			}
			for name, body := range outputs {
				if found := hasAny(body, needles...); len(found) > 0 {
					t.Errorf("%s: public output %q of product %d holds %q", stage, name, i, found)
				}
			}
		}
	}
	scan("after the deletion")
	for j := range 2 {
		e.publish(t, e.submit(t, ed.products[1], e.reviewerToken(t), e.reviewBody(j)))
	}
	if v := e.publicView(t, ed.products[1]); !strings.Contains(v, newTextB) {
		t.Fatalf("Beta's edit is not public after its release: %s", v)
	}
	scan("after Beta's release")
}
