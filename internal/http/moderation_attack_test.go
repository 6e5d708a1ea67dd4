package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestModeratorPublishesOnlyWhatTheyRead: an author who edits a pending
// review in place (PUT /api/v1/reviews/{id}) between a moderator reading it
// and publishing it must not get the unread text published. The moderator
// publishes naming what they read (If-Match with the review's ETag, when
// there is one); a publication of a version the moderator never saw is
// moderation bypassed, and the identity hints they were shown were of
// another text.
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
	e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, unseen)})

	headers := map[string]string{}
	if tag := read.Header.Get("ETag"); tag != "" {
		headers["If-Match"] = tag
	}
	res := e.do(t, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: headers})
	if res.Status == 200 {
		var pub moderatedReviewJSON
		res.json(t, &pub)
		if pub.Summary != seen {
			t.Errorf("the moderator read %q and published %q, which they never saw (no version to publish against: ETag %q)",
				seen, pub.Summary, read.Header.Get("ETag"))
		}
	}
	if body := e.publicView(t, pid); strings.Contains(body, "Jane Smith") {
		t.Error("the public listing shows text no moderator read")
	}
}
