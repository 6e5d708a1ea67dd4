package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestDecisionIfMatch: a publication or rejection of a pending review names
// the version read with If-Match: 428 without it or with "*", 412 for a
// stale or weak tag, 400 for a value that is not a list of ETags; each
// refusal changes nothing. The review's ETag is on GET /api/v1/reviews/{id},
// GET /api/v1/me/reviews/{id} and the queue item's etag, and changes with
// every edit in place. A take-down of a published review needs none.
func TestDecisionIfMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.tokens[registry.RoleModerator]
	author := e.reviewerToken(t)
	pid := e.createProduct(t, "Named Versions")
	id := e.submit(t, pid, author, editedBody(e, 3, "First text."))

	tag := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: mod}).Header.Get("ETag")
	if tag != `"1"` {
		t.Fatalf("a new review's ETag is %q, want \"1\"", tag)
	}
	if own := e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews/" + id, Token: author}).Header.Get("ETag"); own != tag {
		t.Errorf("GET /me/reviews/{id} ETag %q, want %q", own, tag)
	}
	queueTag := func() string {
		var page struct {
			Items []struct {
				ID   string `json:"id"`
				ETag string `json:"etag"`
			} `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?limit=100", Token: mod}).json(t, &page)
		for _, it := range page.Items {
			if it.ID == id {
				return it.ETag
			}
		}
		t.Fatalf("%s is not in the queue", id)
		return ""
	}
	if got := queueTag(); got != tag {
		t.Errorf("the queue item's etag is %q, want %q", got, tag)
	}
	edited := e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 3, "Second text.")})
	newTag := edited.Header.Get("ETag")
	if newTag == tag || newTag == "" {
		t.Fatalf("after an edit in place the ETag is %q (was %q)", newTag, tag)
	}
	if got := queueTag(); got != newTag {
		t.Errorf("after the edit the queue item's etag is %q, want %q", got, newTag)
	}

	reason := map[string]string{"reason": "Off-topic."}
	before := e.snapshot(t)
	for _, tc := range []struct {
		name, ifMatch string
		status        int
	}{
		{"None", "", 428},
		{"Star", "*", 428},
		{"Stale", tag, 412},
		{"Weak", "W/" + newTag, 412},
		{"Unknown", `"x"`, 412},
		{"Malformed", "1", 400},
	} {
		h := map[string]string{}
		if tc.ifMatch != "" {
			h["If-Match"] = tc.ifMatch
		}
		e.must(t, tc.status, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: h}).problem(t)
		e.must(t, tc.status, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod, Headers: h, Body: reason}).problem(t)
	}
	e.unchanged(t, before, "decisions that name no version, or not the current one")

	// A list naming the current version matches.
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod,
		Headers: map[string]string{"If-Match": tag + ", " + newTag}})
	// A published review changes only by its status: a take-down needs no
	// If-Match (and checks one when given).
	e.must(t, 412, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod,
		Headers: map[string]string{"If-Match": newTag}, Body: reason}).problem(t)
	down := e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod, Body: map[string]string{"reason": "Taken down."}})
	if down.Header.Get("ETag") == "" {
		t.Error("the take-down's answer has no ETag")
	}
}

// TestRevisionPublishedOnlyAsRead: the same for a pending revision of a
// published review, edited again after a moderator read it: the published
// text stays public, and the unread edit is not published.
func TestRevisionPublishedOnlyAsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mod := e.tokens[registry.RoleModerator]
	author := e.reviewerToken(t)
	pid := e.createProduct(t, "Revised Under Moderation")
	id := e.submit(t, pid, author, editedBody(e, 3, "Published text."))
	e.publish(t, id)
	var own moderatedReviewJSON
	e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 2, "A revision, harmless.")}).json(t, &own)
	if own.Revision == nil {
		t.Fatal("no pending revision")
	}
	rid := own.Revision.ID
	read := e.readTag(t, rid)
	e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: editedBody(e, 2, "Now naming Mr. O'Neill at Coleg Enghraifft.")})
	e.must(t, 412, request{Method: "POST", Path: "/api/v1/reviews/" + rid + "/publish", Token: mod, Headers: read}).problem(t)
	got, err := e.store.Review(t.Context(), rid)
	if err != nil || got.Status != registry.StatusPending || !strings.Contains(got.Summary, "O'Neill") {
		t.Fatalf("the revision after a stale publication: %+v, %v", got, err)
	}
	if pub, err := e.store.Review(t.Context(), id); err != nil || pub.Status != registry.StatusPublished || pub.Summary != "Published text." {
		t.Errorf("the published review: %+v, %v", pub, err)
	}
	if body := e.publicView(t, pid); strings.Contains(body, "O'Neill") {
		t.Error("the public sees text no moderator read")
	}
}
