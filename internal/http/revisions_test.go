package http

import (
	"slices"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// ownReviewJSON is a review as GET /api/v1/me/reviews/{id} shows it.
type ownReviewJSON = moderatedReviewJSON

// ownReview reads one of the token's reviews.
func (e *env) ownReview(t testing.TB, token, id string) ownReviewJSON {
	t.Helper()
	var out ownReviewJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews/" + id, Token: token}).json(t, &out)
	return out
}

// revise edits a review and returns the answer.
func (e *env) revise(t testing.TB, token, id string, body map[string]any) ownReviewJSON {
	t.Helper()
	var out ownReviewJSON
	e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: token, Body: body}).json(t, &out)
	return out
}

// publicView is everything the public sees of a product: its listing and its
// assessment, as bytes.
func (e *env) publicView(t testing.TB, product string) string {
	t.Helper()
	listing := e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + product + "/reviews?limit=100"}).Body
	assessment := e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + product + "/assessment"}).Body
	return string(listing) + "\n" + string(assessment)
}

// reindexClean checks that the stored statistics, listing and release state
// of every product equal a full recomputation from the reviews: reindex
// finds nothing to repair.
func (e *env) reindexClean(t testing.TB) {
	t.Helper()
	wrong, err := e.store.Reindex(t.Context(), nil)
	if err != nil || wrong != 0 {
		t.Errorf("reindex: %d products differed from a recomputation, %v", wrong, err)
	}
}

func editedBody(e *env, score int, summary string) map[string]any {
	body := e.reviewBody(score)
	body["summary"] = summary
	return body
}

func TestOwnReviewRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.tokens[registry.RoleModerator]
	author, other := e.reviewerToken(t), e.reviewerToken(t)
	pid := e.createProduct(t, "Own Review Product")
	id := e.submit(t, pid, author, e.reviewBody(3))

	t.Run("Author", func(t *testing.T) {
		got := e.ownReview(t, author, id)
		if got.ID != id || got.Status != "pending" || got.ProductID != pid || len(got.Answers) != len(e.rubric.Criteria()) ||
			got.Reviewer.Subject != "maths" || got.CreatedAt.IsZero() || got.Publication == nil || got.Publication.State != "none" {
			t.Errorf("the author sees %+v", got)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/me/reviews/" + id})
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/me/reviews/" + id, Token: other})
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/me/reviews/" + id, Token: mod}) // a moderator reads it at /reviews/{id}
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/me/reviews/nosuchreview", Token: author})
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/me/reviews/" + id + "?x=1", Token: author})
	})
	t.Run("RejectionReasonAndRedaction", func(t *testing.T) {
		rejected := e.submit(t, e.createProduct(t, "Own Rejected"), author, e.reviewBody(2))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + rejected + "/reject", Token: mod, Headers: e.readTag(t, rejected), Body: map[string]string{"reason": "Names a colleague."}})
		if got := e.ownReview(t, author, rejected); got.Status != "rejected" || got.RejectReason != "Names a colleague." {
			t.Errorf("the author sees the rejected review as %+v", got)
		}
		body := e.reviewBody(2)
		body["summary"] = "Mrs Patel liked it."
		redacted := e.submit(t, e.createProduct(t, "Own Redacted"), author, body)
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + redacted + "/publish", Token: mod, Headers: e.readTag(t, redacted),
			Body: map[string]any{"redactions": []map[string]string{{"field": "summary", "text": "A colleague liked it."}}}})
		got := e.ownReview(t, author, redacted)
		if got.Status != "published" || got.Summary != "A colleague liked it." || !slices.Equal(got.Redacted, []string{"summary"}) ||
			got.PublishedAt == nil || got.Publication.State != "public" {
			t.Errorf("the author sees the redacted review as %+v", got)
		}
	})
}

func TestReviseRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	author, other := e.reviewerToken(t), e.reviewerToken(t)
	mod := e.tokens[registry.RoleModerator]

	t.Run("PendingInPlace", func(t *testing.T) {
		pid := e.createProduct(t, "Edited In Place")
		id := e.submit(t, pid, author, e.reviewBody(2))
		hinted := func() bool {
			return slices.Contains(queueIDs(e.queueAll(t, "hints=true")), id)
		}
		if hinted() {
			t.Fatal("a clean review is listed under hints=true")
		}
		got := e.revise(t, author, id, editedBody(e, 4, "I asked Mrs Patel at Ysgol Gymraeg Aberystwyth."))
		if got.ID != id || got.Status != "pending" || got.Summary != "I asked Mrs Patel at Ysgol Gymraeg Aberystwyth." ||
			*got.Answers[0].Score != 4 || got.Revision != nil || got.ProductID != pid {
			t.Fatalf("after the edit: %+v", got)
		}
		if !hinted() {
			t.Error("hints=true does not find the review after an edit that names someone")
		}
		e.revise(t, author, id, editedBody(e, 4, "Clean again."))
		if hinted() {
			t.Error("hints=true still finds the review after the name was edited out")
		}
		body := editedBody(e, 4, "Clean, with a conflict.")
		body["conflictOfInterest"] = map[string]any{"declared": true, "details": "I advised the vendor."}
		e.revise(t, author, id, body)
		if !slices.Contains(queueIDs(e.queueAll(t, "conflict=true")), id) {
			t.Error("conflict=true does not find the review after an edit declaring a conflict")
		}
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: e.readTag(t, id), Body: map[string]any{"acknowledgeConflict": true}})
		if got := e.ownReview(t, author, id); got.Summary != "Clean, with a conflict." || got.Status != "published" {
			t.Errorf("published as %+v", got)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		id := e.submit(t, e.createProduct(t, "Edit Validation"), author, e.reviewBody(2))
		before := e.snapshot(t)
		cases := []struct {
			name   string
			change func(map[string]any)
			field  string
		}{
			{"MissingSummary", func(b map[string]any) { delete(b, "summary") }, "summary"},
			{"LongSummary", func(b map[string]any) { b["summary"] = strings.Repeat("x", registry.MaxSummaryLength+1) }, "summary"},
			{"Recommendation", func(b map[string]any) { b["recommendation"] = "maybe" }, "recommendation"},
			{"Role", func(b map[string]any) { b["reviewer"].(map[string]any)["role"] = "janitor" }, "reviewer.role"},
			{"UsageMonths", func(b map[string]any) { b["usage"].(map[string]any)["months"] = -1 }, "usage.months"},
			{"UnknownField", func(b map[string]any) { b["productId"] = "other" }, "productId"},
			{"OperatorKey", func(b map[string]any) { b["$set"] = map[string]any{"st": "published"} }, "$set"},
			{"RubricVersionZero", func(b map[string]any) { b["rubricVersion"] = 0 }, "rubricVersion"},
			{"RubricVersionUnknown", func(b map[string]any) { b["rubricVersion"] = 99 }, "rubricVersion"},
			{"ScoreTooHigh", func(b map[string]any) { answers(b)[0]["score"] = 9 }, "answers[0].score"},
			{"MissingAnswer", func(b map[string]any) { b["answers"] = answers(b)[1:] }, "answers"},
			{"EvidenceLink", func(b map[string]any) { answers(b)[0]["evidence"] = []string{"javascript:alert(1)"} }, "answers[0].evidence[0]"},
			{"ConflictMissing", func(b map[string]any) { delete(b, "conflictOfInterest") }, "conflictOfInterest"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				body := e.reviewBody(3)
				c.change(body)
				r := e.must(t, 422, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: body})
				if fields := r.fields(t); !slices.ContainsFunc(fields, func(f string) bool { return strings.HasPrefix(f, c.field) }) {
					t.Errorf("fields %v, want %s", fields, c.field)
				}
			})
		}
		e.must(t, 400, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: "{broken"})
		e.must(t, 415, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: "x", Headers: map[string]string{"Content-Type": "text/plain"}})
		e.must(t, 422, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: e.reviewBody(3),
			Headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}})
		e.unchanged(t, before, "refused edits")
	})

	t.Run("Refused", func(t *testing.T) {
		pid := e.createProduct(t, "Edit Refused")
		id := e.submit(t, pid, author, e.reviewBody(2))
		e.must(t, 401, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Body: e.reviewBody(3)})
		// Another reviewer learns nothing, whatever the body.
		e.must(t, 404, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: other, Body: e.reviewBody(3)})
		e.must(t, 404, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: other, Body: "{broken"})
		e.must(t, 404, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: mod, Body: e.reviewBody(3)})
		e.must(t, 404, request{Method: "PUT", Path: "/api/v1/reviews/nosuchreview", Token: author, Body: e.reviewBody(3)})
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: author})
		e.must(t, 409, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: e.reviewBody(3)})
		rej := e.submit(t, pid, author, e.reviewBody(2))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + rej + "/reject", Token: mod, Headers: e.readTag(t, rej), Body: map[string]string{"reason": "No."}})
		e.must(t, 409, request{Method: "PUT", Path: "/api/v1/reviews/" + rej, Token: author, Body: e.reviewBody(3)})
	})

	t.Run("NobodyModeratesTheirOwnRevision", func(t *testing.T) {
		pid := e.createProduct(t, "Own Revision")
		id := e.submit(t, pid, mod, e.reviewBody(2))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleAdmin], Headers: e.readTag(t, id)})
		rev := e.revise(t, mod, id, editedBody(e, 3, "The moderator's own edit.")).Revision
		if rev == nil {
			t.Fatal("no revision")
		}
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + rev.ID + "/publish", Token: mod, Headers: e.readTag(t, rev.ID)})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + rev.ID + "/reject", Token: mod, Headers: e.readTag(t, rev.ID), Body: map[string]string{"reason": "Mine."}})
	})

	t.Run("Idempotency", func(t *testing.T) {
		pid := e.createProduct(t, "Idempotent Edit")
		id := e.submit(t, pid, author, e.reviewBody(2))
		e.publish(t, id)
		key := map[string]string{"Idempotency-Key": "edit-1"}
		var first, again ownReviewJSON
		e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, "Edit one."), Headers: key}).json(t, &first)
		e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, "Edit one."), Headers: key}).json(t, &again)
		if first.Revision == nil || again.Revision == nil || first.Revision.ID != again.Revision.ID {
			t.Fatalf("a retry made another revision: %+v then %+v", first.Revision, again.Revision)
		}
		e.must(t, 422, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, "Edit two."), Headers: key})
		// Once the revision is decided, a retry changes nothing and the
		// audit log records nothing more.
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + first.Revision.ID + "/reject", Token: mod,
			Headers: e.readTag(t, first.Revision.ID), Body: map[string]string{"reason": "Names a colleague."}})
		before := len(e.auditLog(t, "action=review.revise&target=review:"+id))
		var late ownReviewJSON
		e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, "Edit one."), Headers: key}).json(t, &late)
		if late.Revision == nil || late.Revision.ID != first.Revision.ID || late.Revision.Status != registry.StatusRejected {
			t.Errorf("the late retry answers %+v, want the rejected revision", late.Revision)
		}
		if after := len(e.auditLog(t, "action=review.revise&target=review:"+id)); after != before {
			t.Errorf("a retry that changed nothing wrote an audit entry: %d then %d", before, after)
		}
	})
}

// TestRevisionOfPublishedReview follows an edit of a published, public
// review through moderation and the product's releases: nothing public
// moves until the release that swaps the texts; the statistics then equal a
// recomputation, and after a rejected revision too.
func TestRevisionOfPublishedReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withThreshold(3))
	mod := e.tokens[registry.RoleModerator]
	author := e.reviewerToken(t)
	pid := e.createProduct(t, "Revised Publicly")
	orig := e.submit(t, pid, author, editedBody(e, 1, "The original text."))
	e.publish(t, orig)
	for i := range 2 {
		e.publish(t, e.submit(t, pid, e.reviewerToken(t), e.reviewBody(i)))
	}
	public := e.publicView(t, pid)
	if !strings.Contains(public, "The original text.") {
		t.Fatalf("the original is not public: %s", public)
	}

	got := e.revise(t, author, orig, editedBody(e, 4, "The unmoderated edit."))
	if got.ID != orig || got.Status != "published" || got.Summary != "The original text." || got.Revision == nil ||
		got.Revision.Status != "pending" || got.Revision.Summary != "The unmoderated edit." || got.Revision.Revises != orig {
		t.Fatalf("after the edit: %+v", got)
	}
	rid := got.Revision.ID
	// A second edit replaces the pending revision in place.
	got = e.revise(t, author, orig, editedBody(e, 4, "The moderated edit."))
	if got.Revision == nil || got.Revision.ID != rid || got.Revision.Summary != "The moderated edit." {
		t.Fatalf("the second edit: %+v", got.Revision)
	}
	if e.publicView(t, pid) != public {
		t.Fatal("the public view changed with an unmoderated edit")
	}
	// The moderator sees it in the queue as an edit.
	q := e.queueAll(t, "")
	if len(q) != 1 || q[0].ID != rid {
		t.Fatalf("queue %v, want the revision", queueIDs(q))
	}
	e.publish(t, rid)
	if st := e.ownReview(t, author, orig); st.Status != "superseded" || st.SupersededBy != rid || st.Publication.State != "replacing" {
		t.Errorf("the superseded review as its author sees it: %+v", st)
	}
	if e.publicView(t, pid) != public {
		t.Fatal("the public view changed before the revision's release")
	}
	// Another reviewer's change: still waiting.
	e.publish(t, e.submit(t, pid, e.reviewerToken(t), e.reviewBody(3)))
	if e.publicView(t, pid) != public {
		t.Fatal("the public view changed before the revision's release")
	}
	e.publish(t, e.submit(t, pid, e.reviewerToken(t), e.reviewBody(4)))
	after := e.publicView(t, pid)
	if strings.Contains(after, "The original text.") || !strings.Contains(after, "The moderated edit.") || strings.Contains(after, "The unmoderated edit.") {
		t.Errorf("after the release the public view is %s", after)
	}
	for _, leak := range []string{orig, "superseded", "revises", "supersededBy"} {
		if strings.Contains(after, leak) {
			t.Errorf("the public view holds %q, linking the versions", leak)
		}
	}
	var page struct {
		Items []publicReviewJSON `json:"items"`
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/reviews?limit=100"}).json(t, &page)
	if len(page.Items) != 5 {
		t.Errorf("the listing has %d entries, want 5", len(page.Items))
	}
	e.reindexClean(t)

	// A rejected revision leaves the published review as it was.
	got = e.revise(t, author, rid, editedBody(e, 0, "An edit to reject."))
	rev2 := got.Revision.ID
	before := e.publicView(t, pid)
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + rev2 + "/reject", Token: mod, Headers: e.readTag(t, rev2), Body: map[string]string{"reason": "Identifies the school."}})
	got = e.ownReview(t, author, rid)
	if got.Status != "published" || got.Revision == nil || got.Revision.Status != "rejected" || got.Revision.RejectReason != "Identifies the school." {
		t.Errorf("after the rejection the author sees %+v, revision %+v", got, got.Revision)
	}
	if e.publicView(t, pid) != before {
		t.Error("a rejected revision changed the public view")
	}
	e.reindexClean(t)
}
