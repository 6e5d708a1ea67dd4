package http

// The contract's edges: media types, empty patches, strong If-Match,
// rubricVersion 0, what a retried submission can answer, and query
// parameters no route takes.

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestUnsupportedMediaType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Media Types")
	pending := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(2))
	routes := []struct {
		name string
		rq   request
	}{
		{"CreateProduct", request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: productBody("Never Stored")}},
		{"PatchProduct", request{Method: "PATCH", Path: "/api/v1/products/" + pid, Token: e.tokens[registry.RoleOfficer],
			Headers: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Never Patched"}}},
		{"SubmitReview", request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: e.reviewerToken(t), Body: e.reviewBody(3)}},
		{"RejectReview", request{Method: "POST", Path: "/api/v1/reviews/" + pending + "/reject", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, pending),
			Body: map[string]string{"reason": "Never rejected."}}},
		{"CreateToken", request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]string{"role": "reviewer", "name": "never"}}},
	}
	headers := []struct {
		name    string
		headers map[string]string
	}{
		{"TextPlain", map[string]string{"Content-Type": "text/plain"}},
		{"Form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		{"None", map[string]string{"Content-Type": ""}},
		{"Latin1", map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}},
		{"Garbled", map[string]string{"Content-Type": "application/json; ;;"}},
		{"Gzip", map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}},
	}
	for _, r := range routes {
		for _, h := range headers {
			t.Run(r.name+"/"+h.name, func(t *testing.T) {
				rq := r.rq
				rq.Headers = map[string]string{}
				for k, v := range r.rq.Headers {
					rq.Headers[k] = v
				}
				for k, v := range h.headers {
					rq.Headers[k] = v
				}
				before := e.snapshot(t)
				if p := e.must(t, 415, rq).problem(t); p.Status != 415 || p.Detail == "" {
					t.Errorf("problem = %+v", p)
				}
				e.unchanged(t, before, "a body in another media type")
			})
		}
	}
	t.Run("JSONWithCharset", func(t *testing.T) {
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: productBody("UTF-8 Declared"),
			Headers: map[string]string{"Content-Type": "application/json; charset=UTF-8"}})

	})
	t.Run("MergePatch", func(t *testing.T) {
		id := e.createProduct(t, "Merge Patched")
		e.must(t, 200, request{Method: "PATCH", Path: "/api/v1/products/" + id, Token: e.tokens[registry.RoleOfficer], Body: map[string]any{"name": "Merged"},
			Headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}})

	})
	t.Run("MergePatchIsNotAProduct", func(t *testing.T) {
		e.must(t, 415, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: productBody("Merge Posted"),
			Headers: map[string]string{"Content-Type": "application/merge-patch+json"}})

	})
	t.Run("NoBodyNoType", func(t *testing.T) {
		// Nothing sent at all is an empty body (400), not a media type.
		e.must(t, 400, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken}).problem(t)
	})
}

func TestEmptyPatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createProduct(t, "Empty Patch")
	before := e.snapshot(t)
	r := e.must(t, 422, request{Method: "PATCH", Path: "/api/v1/products/" + id, Token: e.tokens[registry.RoleOfficer],
		Headers: map[string]string{"If-Match": `"1"`}, Body: map[string]any{}})

	if got := r.fields(t); !slices.Equal(got, []string{"(body)"}) {
		t.Errorf("fields = %v", got)
	}
	e.unchanged(t, before, "an empty patch")
}

func TestIfMatchIsStrong(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name, ifMatch string
		missing       bool // patch a product that does not exist
		want          int
	}{
		{"Current", `"1"`, false, 200},
		{"WeakCurrent", `W/"1"`, false, 412},
		{"Star", `*`, false, 200},
		{"ListWithCurrent", `"7", "1"`, false, 200},
		{"ListWithEmptyElements", `"7", , "1",`, false, 200},
		{"Stale", `"2"`, false, 412},
		{"WeakAndStale", `W/"1", "5"`, false, 412},
		{"NotOurs", `"abc"`, false, 412},
		{"Unquoted", `1`, false, 400},
		{"Unterminated", `"1`, false, 400},
		{"Junk", `"1" x`, false, 400},
		{"StarMissing", `*`, true, 404},
		{"CurrentMissing", `"1"`, true, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "nope-" + strings.ToLower(tc.name)
			if !tc.missing {
				id = e.createProduct(t, "If Match "+tc.name)
			}
			before := e.snapshot(t)
			r := e.must(t, tc.want, request{Method: "PATCH", Path: "/api/v1/products/" + id, Token: e.tokens[registry.RoleOfficer],
				Headers: map[string]string{"If-Match": tc.ifMatch}, Body: map[string]any{"name": "Matched"}})

			if tc.want != 200 {
				r.problem(t)
				e.unchanged(t, before, "a patch whose If-Match does not match")
				return
			}
			var p productJSON
			r.json(t, &p)
			if p.Name != "Matched" || p.Revision != 2 || r.Header.Get("ETag") != `"2"` {
				t.Errorf("patched = %+v, ETag %s", p, r.Header.Get("ETag"))
			}
		})
	}
}

func TestRubricVersionZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Rubric Versions")
	for _, tc := range []struct {
		name    string
		version any // nil: left out
		want    int
	}{
		{"Absent", nil, 201},
		{"One", 1, 201},
		{"Zero", 0, 422},
		{"Negative", -1, 422},
		{"Unknown", 99, 422},
		{"Text", "1", 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := e.reviewBody(2)
			if tc.version != nil {
				body["rubricVersion"] = tc.version
			}
			token := e.reviewerToken(t)
			before := e.snapshot(t)
			r := e.must(t, tc.want, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: token, Body: body})
			if tc.want == 201 {
				var out submittedJSON
				r.json(t, &out)
				if out.RubricVersion != e.rubric.Version {
					t.Errorf("receipt = %+v", out)
				}
				return
			}
			if got := r.fields(t); !slices.Equal(got, []string{"rubricVersion"}) {
				t.Errorf("fields = %v", got)
			}
			e.unchanged(t, before, "a refused rubric version")
		})
	}
}

// TestRetryStatuses walks a submission's retries with one Idempotency-Key
// through every answer the store can give them; each is checked against
// the contract's response list for the operation.
func TestRetryStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Retried")
	path := "/api/v1/products/" + pid + "/reviews"
	submit := func(want int, token, key string, body map[string]any) submittedJSON {
		t.Helper()
		r := e.must(t, want, request{Method: "POST", Path: path, Token: token, Body: body, Headers: map[string]string{"Idempotency-Key": key}})
		var out submittedJSON
		if want < 300 {
			r.json(t, &out)
		} else {
			r.problem(t)
		}
		return out
	}
	author, body := e.reviewerToken(t), e.reviewBody(3)
	first := submit(201, author, "k1", body)
	if got := submit(200, author, "k1", body); got != first {
		t.Errorf("retry = %+v, want %+v", got, first)
	}
	submit(422, author, "k1", e.reviewBody(1)) // the same key, another body

	// A review withdrawn (or rejected) since: the retry shows it as it is.
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + first.ID + "/withdraw", Token: author})
	if got := submit(200, author, "k1", body); got.ID != first.ID || got.Status != registry.StatusWithdrawn {
		t.Errorf("retry after withdrawal = %+v", got)
	}
	other := e.reviewerToken(t)
	second := submit(201, other, "k2", body)
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + second.ID + "/reject", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, second.ID),
		Body: map[string]string{"reason": "Off topic."}})

	if got := submit(200, other, "k2", body); got.ID != second.ID || got.Status != registry.StatusRejected {
		t.Errorf("retry after rejection = %+v", got)
	}

	// Refused for another active review: the key binds nothing, and the
	// retry is refused the same way while that review stays active.
	active := submit(201, author, "k3", body)
	submit(409, author, "k4", e.reviewBody(2))
	submit(409, author, "k4", e.reviewBody(2))
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + active.ID + "/withdraw", Token: author})
	if got := submit(201, author, "k4", e.reviewBody(2)); got.ID == active.ID {
		t.Errorf("the freed key returned the withdrawn review")
	}
}

func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.createProduct(t, "Query A"), e.createProduct(t, "Query B")
	mod, officer := e.tokens[registry.RoleModerator], e.tokens[registry.RoleOfficer]
	for _, tc := range []struct {
		name   string
		rq     request
		want   int
		fields []string
	}{
		{"CompareMisspeltFilter", request{Method: "GET", Path: "/api/v1/compare?products=" + a + "," + b + "&rol=teacher"}, 422, []string{"rol"}},
		{"AssessmentFilterCase", request{Method: "GET", Path: "/api/v1/products/" + a + "/assessment?Role=teacher"}, 422, []string{"Role"}},
		{"Repeated", request{Method: "GET", Path: "/api/v1/products?limit=5&limit=6"}, 422, []string{"limit"}},
		{"Several", request{Method: "GET", Path: "/api/v1/products?sort=name&q=a&page=2"}, 422, []string{"sort", "page"}},
		{"RouteTakesNone", request{Method: "GET", Path: "/api/v1/products/" + a + "?fields=name"}, 422, []string{"fields"}},
		{"Rubrics", request{Method: "GET", Path: "/api/v1/rubrics?version=1"}, 422, []string{"version"}},
		{"Queue", request{Method: "GET", Path: "/api/v1/reviews?status=pending&order=new", Token: mod}, 422, []string{"order"}},
		{"Post", request{Method: "POST", Path: "/api/v1/products?dryRun=true", Token: officer, Body: productBody("Dry Run")}, 422, []string{"dryRun"}},
		{"Compare", request{Method: "GET", Path: "/api/v1/compare?products=" + a + "," + b + "&role=teacher&rubricVersion=1"}, 200, nil},
		{"Products", request{Method: "GET", Path: "/api/v1/products?q=query&category=tutoring&limit=5"}, 200, nil},
		{"Published", request{Method: "GET", Path: "/api/v1/products/" + a + "/reviews?limit=5"}, 200, nil},
		{"NoRoute", request{Method: "GET", Path: "/api/v1/nothing?x=1", Uncontracted: true}, 404, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot(t)
			r := e.must(t, tc.want, tc.rq)
			if tc.want != 422 {
				return
			}
			got := r.fields(t)
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields = %v, want %v", got, tc.fields)
			}
			for _, f := range r.problem(t).Errors {
				if !strings.Contains(f.Message, "query parameter") && !strings.Contains(f.Message, "more than once") {
					t.Errorf("field %s: message %q does not say what is wrong", f.Field, f.Message)
				}
			}
			e.unchanged(t, before, "a request with an unknown query parameter")
		})
	}
}

// TestQueryParametersMatchContract checks the one list of query parameters
// per route against the contract, both ways: a parameter the contract
// describes must be taken, and one the server takes must be described.
func TestQueryParametersMatchContract(t *testing.T) {
	t.Parallel()
	doc := loadContract(t)
	e := newEnv(t)
	routes := map[string]bool{}
	for _, r := range e.srv.App().GetRoutes(true) {
		routes[r.Method+" "+r.Path] = true
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, apiPrefix) {
			continue
		}
		fiberPath := contractParam.ReplaceAllStringFunc(path, func(p string) string { return ":" + strings.Trim(p, "{}") })
		for method, op := range item.Operations() {
			key := method + " " + fiberPath
			if !routes[key] {
				t.Errorf("%s: the contract's operation is not a route (so its query parameters cannot be checked)", key)
				continue
			}
			var documented []string
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value != nil && p.Value.In == "query" {
					documented = append(documented, p.Value.Name)
				}
			}
			taken := append([]string(nil), queryParams[key]...)
			sort.Strings(documented)
			sort.Strings(taken)
			if !slices.Equal(documented, taken) {
				t.Errorf("%s: the contract describes query parameters %v, the server takes %v", key, documented, taken)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Fatalf("only %d operations checked", checked)
	}
}
