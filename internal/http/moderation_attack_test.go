package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestModeratorPublishesOnlyWhatTheyRead: an author who edits a pending
// review in place (PUT /api/v1/reviews/{id}) between a moderator reading it
// and publishing it must not get the unread text published. The moderator
// publishes naming what they read (If-Match with the review's ETag); the
// edit changed the version, so the publication is 412 and nothing changes:
// a publication of a version the moderator never saw would be moderation
// bypassed, and the identity hints they were shown were of another text.
func TestModeratorPublishesOnlyWhatTheyRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.tokens[registry.RoleModerator]
	author := e.reviewerToken(t)
	pid := e.createProduct(t, "Edit Under Moderation")
	const seen = "Useful for practice, nothing personal here."
	const unseen = "My name is Jane Smith and I teach at Ysgol Enghraifft; the head is a fool."
	id := e.submit(t, pid, author, editedBody(e, 3, seen))

	read := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: mod})
	var got moderatedReviewJSON
	read.json(t, &got)
	if got.Summary != seen {
		t.Fatalf("the moderator reads %q", got.Summary)
	}
	tag := read.Header.Get("ETag")
	if tag == "" {
		t.Fatal("GET /api/v1/reviews/{id} has no ETag")
	}
	e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, unseen)})

	before := e.snapshot(t)
	e.must(t, 412, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod,
		Headers: map[string]string{"If-Match": tag}, Body: map[string]any{"redactions": []map[string]any{{"field": "summary", "text": "Redacted."}}}}).problem(t)
	e.must(t, 412, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod,
		Headers: map[string]string{"If-Match": tag}, Body: map[string]string{"reason": "Names a colleague."}}).problem(t)
	e.unchanged(t, before, "a decision on a version the moderator never read")
	if body := e.publicView(t, pid); strings.Contains(body, "Jane Smith") {
		t.Error("the public listing shows text no moderator read")
	}

	// Read again, the moderator sees the edit and its hints, and decides
	// on that version.
	again := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: mod})
	again.json(t, &got)
	if got.Summary != unseen || again.Header.Get("ETag") == tag {
		t.Fatalf("read again: summary %q, ETag %q (was %q)", got.Summary, again.Header.Get("ETag"), tag)
	}
	var pub moderatedReviewJSON
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod,
		Headers: map[string]string{"If-Match": again.Header.Get("ETag")},
		Body:    map[string]any{"redactions": []map[string]any{{"field": "summary", "text": "A teacher's review."}}}}).json(t, &pub)
	if pub.Summary != "A teacher's review." {
		t.Errorf("published %q", pub.Summary)
	}
}
