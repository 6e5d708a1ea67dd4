package http

import (
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestCrossSiteSession: a page of another site, or of a sibling subdomain,
// that makes the reviewer's browser post to the registry (a withdrawal
// needs no body, so a plain form does it) is refused when the session
// cookie is all that authenticates it, and changes nothing; the registry's
// own pages (same-origin), clients that are not browsers and bearer tokens
// are not affected.
func TestCrossSiteSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	pid := e.createProduct(t, "Forged Withdrawal")
	withSite := func(session, site string) map[string]string {
		h := cookie(session)
		if site != "" {
			h["Sec-Fetch-Site"] = site
		}
		return h
	}
	for _, tc := range []struct {
		name, site string
		want       int
	}{
		{"CrossSite", "cross-site", 403},
		{"SameSite", "same-site", 403},
		{"SameOrigin", "same-origin", 200},
		{"UserTyped", "none", 200},
		{"NotABrowser", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			session := e.signIn(t, e.signUp(t, registry.RoleReviewer, "forged-"+tc.name), strongPassword)
			id := e.submit(t, pid, session, e.reviewBody(3))
			e.must(t, tc.want, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Headers: withSite(session, tc.site)})
			var r moderatedReviewJSON
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: session}).json(t, &r)
			if want := map[bool]string{true: registry.StatusWithdrawn, false: registry.StatusPending}[tc.want == 200]; r.Status != want {
				t.Errorf("after the request the review is %s, want %s", r.Status, want)
			}
		})
	}
	t.Run("BearerCrossSite", func(t *testing.T) {
		t.Parallel()
		session := e.signIn(t, e.signUp(t, registry.RoleReviewer, "forged-bearer"), strongPassword)
		id := e.submit(t, pid, session, e.reviewBody(3))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: session,
			Headers: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	})
	t.Run("ReadsAllowed", func(t *testing.T) {
		t.Parallel()
		session := e.signIn(t, e.signUp(t, registry.RoleReviewer, "forged-reader"), strongPassword)
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews", Headers: withSite(session, "cross-site")})
	})
}
