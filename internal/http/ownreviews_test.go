package http

import (
	"slices"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

func withMaxPending(n int) envOption { return func(o *mongodb.Options) { o.MaxPending = n } }

// ownPage is a page of GET /api/v1/me/reviews.
type ownPage struct {
	Items      []moderatedReviewJSON `json:"items"`
	NextCursor *string               `json:"nextCursor"`
}

// ownReviews lists every review of the token's, following cursors.
func (e *env) ownReviews(t testing.TB, token string, limit string) []moderatedReviewJSON {
	t.Helper()
	var all []moderatedReviewJSON
	cursor := ""
	for range 100 {
		var page ownPage
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews?limit=" + limit + cursor, Token: token}).json(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	t.Fatal("no end to the pages")
	return nil
}

func TestOwnReviewsRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.tokens[registry.RoleModerator]
	author := e.reviewerToken(t)
	var ids []string
	for i, name := range []string{"Own One", "Own Two", "Own Three", "Own Four"} {
		body := e.reviewBody(i)
		body["summary"] = "Review number " + name
		ids = append(ids, e.submit(t, e.createProduct(t, name), author, body))
	}
	e.submit(t, e.createProduct(t, "Someone Else's"), e.reviewerToken(t), e.reviewBody(1))
	e.publish(t, ids[0])
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + ids[1] + "/reject", Token: mod, Headers: e.readTag(t, ids[1]), Body: map[string]string{"reason": "Named a colleague."}})
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + ids[2] + "/withdraw", Token: author})

	t.Run("NewestFirst", func(t *testing.T) {
		for _, limit := range []string{"1", "3", "100"} {
			got := e.ownReviews(t, author, limit)
			var gotIDs, statuses []string
			for _, r := range got {
				gotIDs = append(gotIDs, r.ID)
				statuses = append(statuses, r.Status)
			}
			if want := []string{ids[3], ids[2], ids[1], ids[0]}; !slices.Equal(gotIDs, want) {
				t.Fatalf("limit %s: listed %v, want %v", limit, gotIDs, want)
			}
			if want := []string{"pending", "withdrawn", "rejected", "published"}; !slices.Equal(statuses, want) {
				t.Errorf("limit %s: statuses %v, want %v", limit, statuses, want)
			}
		}
	})
	t.Run("AsWritten", func(t *testing.T) {
		got := e.ownReviews(t, author, "20")
		r := got[3]
		if r.Summary != "Review number Own One" || r.Reviewer.Subject != "maths" || r.Reviewer.Setting != "maintained" ||
			len(r.Answers) != len(e.rubric.Criteria()) || r.CreatedAt.IsZero() || r.UpdatedAt.IsZero() || r.PublishedAt == nil {
			t.Errorf("the published review as its author sees it: %+v", r)
		}
		// The author sees why a review was rejected, in the list as in the
		// review's own views.
		if got[2].ID != ids[1] || got[2].RejectReason != "Named a colleague." {
			t.Errorf("the rejected review in its author's list: %s with reason %q", got[2].ID, got[2].RejectReason)
		}
		for _, path := range []string{"/api/v1/reviews/", "/api/v1/me/reviews/"} {
			var one moderatedReviewJSON
			e.must(t, 200, request{Method: "GET", Path: path + ids[1], Token: author}).json(t, &one)
			if one.RejectReason != "Named a colleague." {
				t.Errorf("GET %s{id} by its author: reason %q", path, one.RejectReason)
			}
		}
		if got[3].RejectReason != "" || got[1].RejectReason != "" {
			t.Errorf("a reason on a review that was not rejected: %+v", got)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		var page ownPage
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews", Token: e.reviewerToken(t)}).json(t, &page)
		if len(page.Items) != 0 || page.NextCursor != nil {
			t.Errorf("a token with no reviews: %+v", page)
		}
	})
	t.Run("AnyRole", func(t *testing.T) {
		id := e.submit(t, e.createProduct(t, "Officer's Own"), e.tokens[registry.RoleOfficer], e.reviewBody(2))
		got := e.ownReviews(t, e.tokens[registry.RoleOfficer], "20")
		if len(got) != 1 || got[0].ID != id {
			t.Errorf("the officer's own reviews: %+v", got)
		}
	})
	t.Run("NoToken", func(t *testing.T) {
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/me/reviews"})
	})
	t.Run("BadParameters", func(t *testing.T) {
		for q, field := range map[string]string{"limit=0": "limit", "limit=x": "limit", "cursor=zz": "cursor", "cursor=MA": "cursor"} {
			r := e.must(t, 422, request{Method: "GET", Path: "/api/v1/me/reviews?" + q, Token: author})
			if got := r.fields(t); !slices.Equal(got, []string{field}) {
				t.Errorf("?%s: fields %v, want [%s]", q, got, field)
			}
		}
	})
}

func TestSelfModerationForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Self Moderated")
	mod := e.tokens[registry.RoleModerator]
	admin := e.tokens[registry.RoleAdmin]
	byMod := e.submit(t, pid, mod, e.reviewBody(4))
	byAdmin := e.submit(t, e.createProduct(t, "Admin's Pick"), admin, e.reviewBody(4))

	t.Run("Publish", func(t *testing.T) {
		before := e.snapshot(t)
		for _, c := range []struct{ id, token string }{{byMod, mod}, {byAdmin, admin}} {
			r := e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + c.id + "/publish", Token: c.token, Headers: e.readTag(t, c.id)})
			if p := r.problem(t); !strings.Contains(p.Detail, "own review") {
				t.Errorf("detail %q does not say why", p.Detail)
			}
		}
		e.unchanged(t, before, "publishing one's own review")
	})
	t.Run("Reject", func(t *testing.T) {
		before := e.snapshot(t)
		for _, c := range []struct{ id, token string }{{byMod, mod}, {byAdmin, admin}} {
			e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + c.id + "/reject", Token: c.token, Headers: e.readTag(t, c.id), Body: map[string]string{"reason": "mine"}}).problem(t)
		}
		e.unchanged(t, before, "rejecting one's own review")
	})
	t.Run("OthersMay", func(t *testing.T) {
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + byMod + "/publish", Token: admin, Headers: e.readTag(t, byMod)})
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + byAdmin + "/reject", Token: mod, Headers: e.readTag(t, byAdmin), Body: map[string]string{"reason": "Off-topic."}})
		// A take-down of one's own published review is refused too.
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + byMod + "/reject", Token: mod, Headers: e.readTag(t, byMod), Body: map[string]string{"reason": "mine"}})
	})
}

func TestPendingCapResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMaxPending(2))
	author := e.reviewerToken(t)
	e.submit(t, e.createProduct(t, "Capped One"), author, e.reviewBody(1))
	e.submit(t, e.createProduct(t, "Capped Two"), author, e.reviewBody(1))
	third := e.createProduct(t, "Capped Three")
	path := "/api/v1/products/" + third + "/reviews"

	t.Run("TooMany", func(t *testing.T) {
		before := e.snapshot(t)
		r := e.must(t, 429, request{Method: "POST", Path: path, Token: author, Body: e.reviewBody(1), Headers: map[string]string{"Idempotency-Key": "k-1"}})
		if p := r.problem(t); !strings.Contains(p.Detail, "2 reviews waiting") {
			t.Errorf("detail %q does not say how many are waiting", p.Detail)
		}
		e.unchanged(t, before, "a submission over the cap")
	})
	t.Run("OtherReviewer", func(t *testing.T) {
		e.submit(t, third, e.reviewerToken(t), e.reviewBody(1))
	})
	t.Run("RoomAfterModeration", func(t *testing.T) {
		tok := e.reviewerToken(t)
		a := e.submit(t, e.createProduct(t, "Room One"), tok, e.reviewBody(1))
		e.submit(t, e.createProduct(t, "Room Two"), tok, e.reviewBody(1))
		next := "/api/v1/products/" + e.createProduct(t, "Room Three") + "/reviews"
		e.must(t, 429, request{Method: "POST", Path: next, Token: tok, Body: e.reviewBody(1)})
		e.publish(t, a)
		e.must(t, 201, request{Method: "POST", Path: next, Token: tok, Body: e.reviewBody(1)})
	})
}

func TestActiveReviewConflictNamesIt(t *testing.T) {
	t.Parallel()
	for _, moderation := range []bool{true, false} {
		name := map[bool]string{true: "Pending", false: "Published"}[moderation]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts []envOption
			if !moderation {
				opts = append(opts, moderationOff)
			}
			e := newEnv(t, opts...)
			pid := e.createProduct(t, "Named "+name)
			author := e.reviewerToken(t)
			first := e.submit(t, pid, author, e.reviewBody(3))
			r := e.must(t, 409, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: author, Body: e.reviewBody(2)})
			var p struct {
				Detail         string `json:"detail"`
				ExistingReview string `json:"existingReview"`
			}
			r.problem(t)
			r.json(t, &p)
			if p.ExistingReview != first || !strings.Contains(p.Detail, first) {
				t.Fatalf("409 = %s; want existingReview and detail naming %s", r.Body, first)
			}
			// What the author does with it: withdraw, then write again.
			e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + p.ExistingReview + "/withdraw", Token: author})
			e.submit(t, pid, author, e.reviewBody(2))
		})
	}
}

// TestStrandedReviewUnlocked plays a submission with moderation off that
// stopped after storing its review and before publishing it (a review left
// pending by a server with moderation on, then served with moderation off):
// its author is told which review blocks them, finds it in their list and
// withdraws it.
func TestStrandedReviewUnlocked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Stranded")
	author := e.reviewerToken(t)
	stuck := e.submit(t, pid, author, e.reviewBody(3))
	open := mongodbtest.OpenStore(t, e.db, mongodb.Options{Moderation: false, AdminToken: testAdminToken, Rubrics: e.rubrics})
	e.srv = New(Config{Store: open, Rubrics: e.rubrics, Logger: mongodbtest.Logger()})
	path := "/api/v1/products/" + pid + "/reviews"
	var p struct {
		ExistingReview string `json:"existingReview"`
	}
	e.must(t, 409, request{Method: "POST", Path: path, Token: author, Body: e.reviewBody(3)}).json(t, &p)
	if p.ExistingReview != stuck {
		t.Fatalf("409 names %q, want %s", p.ExistingReview, stuck)
	}
	own := e.ownReviews(t, author, "20")
	if len(own) != 1 || own[0].ID != stuck || own[0].Status != "pending" {
		t.Fatalf("own reviews: %+v", own)
	}
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + stuck + "/withdraw", Token: author})
	var receipt submittedJSON
	e.must(t, 201, request{Method: "POST", Path: path, Token: author, Body: e.reviewBody(3)}).json(t, &receipt)
	if receipt.Status != "published" {
		t.Fatalf("the new review is %s, want published", receipt.Status)
	}
	if n := len(e.published(t, pid)); n != 1 {
		t.Fatalf("%d reviews public, want 1", n)
	}
}
