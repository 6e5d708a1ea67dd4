package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestAuditDoesNotLinkAnAuthorsReviews: the README promises that an admin
// can never learn "which reviews share an author", and that reviews kept
// after their account's deletion link neither to the account nor to each
// other. The audit log names a review's author by the account's reviewer
// reference in every submission, edit and withdrawal, so an employer who
// becomes an admin reads which reviews one person wrote, before and after
// the deletion.
func TestAuditDoesNotLinkAnAuthorsReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	mod := e.tokens[registry.RoleModerator]
	handle := e.signUp(t, registry.RoleReviewer, "linked-heron")
	sess := e.signIn(t, handle, strongPassword)
	first := e.submit(t, e.createProduct(t, "Linked One"), sess, e.reviewBody(3))
	second := e.submit(t, e.createProduct(t, "Linked Two"), sess, e.reviewBody(4))
	for _, id := range []string{first, second} {
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: e.readTag(t, id)})
	}
	e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me", Token: sess, Body: map[string]any{"reviews": "keep", "password": strongPassword}})

	authors := map[string]string{} // review id → the reviewer its submission names
	for _, en := range e.auditLog(t, "action=review.submit") {
		authors[strings.TrimPrefix(en.Target, "review:")] = en.Actor.Reviewer
	}
	if authors[first] == "" || authors[second] == "" {
		t.Fatalf("no submission entries for both reviews: %v", authors)
	}
	if authors[first] == authors[second] {
		t.Errorf("the audit log names one reviewer %q for both kept reviews: an admin learns they share an author", authors[first])
	}
}
