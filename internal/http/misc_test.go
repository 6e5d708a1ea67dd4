package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestEveryRouteIsInTheContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var routes [][2]string
	for _, r := range e.srv.App().GetRoutes(true) {
		routes = append(routes, [2]string{r.Method, r.Path})
	}
	if len(routes) < 18 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	checkRoutesDocumented(t, routes)
}

func TestRubricRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("List", func(t *testing.T) {
		var out struct {
			Items []rubricRefJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics"}).json(t, &out)
		if len(out.Items) != 1 || out.Items[0].ID != "default" || out.Items[0].Version != 1 {
			t.Fatalf("items = %+v", out.Items)
		}
	})
	t.Run("Latest", func(t *testing.T) {
		var out rubricJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/default"}).json(t, &out)
		if out.Hash != e.rubric.Hash || len(out.Dimensions) != 4 || out.Settings.MinReviews != 3 {
			t.Fatalf("rubric = %+v", out.Settings)
		}
		for _, d := range out.Dimensions {
			if len(d.Criteria) < 6 {
				t.Errorf("dimension %s has %d criteria", d.ID, len(d.Criteria))
			}
			for _, c := range d.Criteria {
				if len(c.Levels) != 5 || c.Ask == "" || len(c.References) == 0 {
					t.Errorf("criterion %s incomplete", c.ID)
				}
			}
		}
	})
	t.Run("Version", func(t *testing.T) {
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/default/versions/1"})
	})
	for _, p := range []string{"/api/v1/rubrics/other", "/api/v1/rubrics/default/versions/9", "/api/v1/rubrics/default/versions/x"} {
		t.Run("NotFound"+p, func(t *testing.T) {
			e.must(t, 404, request{Method: "GET", Path: p}).problem(t)
		})
	}
}

func TestHealthAndRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(t, 200, request{Method: "GET", Path: "/healthz"})
	e.must(t, 200, request{Method: "GET", Path: "/readyz"})
	r := e.must(t, 200, request{Method: "GET", Path: "/api/openapi.yaml"})
	if !strings.Contains(string(r.Body), "openapi: 3") {
		t.Errorf("openapi.yaml served: %.60s", r.Body)
	}
	if p := e.must(t, 404, request{Method: "GET", Path: "/api/v1/nothing-here", Uncontracted: true}).problem(t); p.Status != 404 {
		t.Errorf("problem = %+v", p)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("Create", func(t *testing.T) {
		r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]string{"role": "officer", "name": "NEU regional officer"}})
		var out struct{ Token, Role, Name string }
		r.json(t, &out)
		if !strings.HasPrefix(out.Token, "edr_") || out.Role != "officer" {
			t.Fatalf("token = %+v", out)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("token response may be cached")
		}
		// The new token works, with its role.
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: out.Token, Body: productBody("By New Officer")})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/tokens", Token: out.Token, Body: map[string]string{"role": "admin", "name": "escalate"}})
	})
	t.Run("StoredOnlyAsHash", func(t *testing.T) {
		var out struct{ Token string }
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]string{"role": "reviewer", "name": "r"}}).json(t, &out)
		for _, docs := range e.snapshot(t) {
			for _, d := range docs {
				if strings.Contains(d, out.Token) || strings.Contains(d, strings.TrimPrefix(out.Token, "edr_")) {
					t.Fatalf("the token secret is stored: %s", d)
				}
			}
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		before := e.snapshot(t)
		e.must(t, 422, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]string{"role": "king", "name": "x"}})
		e.must(t, 422, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]string{"role": "reviewer"}})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/tokens", Token: e.tokens[registry.RoleModerator], Body: map[string]string{"role": "reviewer", "name": "x"}})
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/tokens", Body: map[string]string{"role": "reviewer", "name": "x"}})
		e.unchanged(t, before, "refused token requests")
	})
}

func TestReviewerIdentityNeverStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff)
	pid := e.createProduct(t, "Who Wrote It")
	r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]string{"role": "reviewer", "name": "Jane Example, Example Primary School"}})
	var tok struct{ Token string }
	r.json(t, &tok)
	e.submit(t, pid, tok.Token, e.reviewBody(2))
	for coll, docs := range e.snapshot(t) {
		if coll == "tokens" {
			continue // the token's own name is kept with its hash, for the admin
		}
		for _, d := range docs {
			if strings.Contains(d, "Jane Example") || strings.Contains(d, tok.Token) {
				t.Fatalf("collection %s holds the reviewer's identity: %s", coll, d)
			}
		}
	}
}
