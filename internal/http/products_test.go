package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestCreateProduct(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.tokens[registry.RoleOfficer]

	t.Run("OK", func(t *testing.T) {
		r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: officer, Body: productBody("Quill Tutor")})
		var p productJSON
		r.json(t, &p)
		if p.ID != "quill-tutor" || p.Revision != 1 || p.Status != "active" || p.AgeRange == nil || p.AgeRange.Max != 11 {
			t.Fatalf("product = %+v", p)
		}
		if got := r.Header.Get("Location"); got != "/api/v1/products/quill-tutor" {
			t.Errorf("Location = %q", got)
		}
		if got := r.Header.Get("ETag"); got != `"1"` {
			t.Errorf("ETag = %q", got)
		}
	})
	t.Run("GeneratedIDGetsSuffix", func(t *testing.T) {
		if id := e.createProduct(t, "Twice Named"); id != "twice-named" {
			t.Fatalf("first id = %q, want twice-named", id)
		}
		var p productJSON
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: officer, Body: productBody("Twice Named")}).json(t, &p)
		if p.ID != "twice-named-2" {
			t.Fatalf("id = %q, want twice-named-2", p.ID)
		}
	})
	t.Run("GivenIDTaken", func(t *testing.T) {
		taken := e.createProduct(t, "Taken Name")
		body := productBody("Other")
		body["id"] = taken
		before := e.snapshot(t)
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/products", Token: officer, Body: body}).problem(t)
		e.unchanged(t, before, "a taken id")
	})
	t.Run("AdminMayCreate", func(t *testing.T) {
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: testAdminToken, Body: productBody("Admin Made")})
	})

	invalid := []struct {
		name   string
		edit   func(map[string]any)
		fields []string
	}{
		{"MissingName", func(b map[string]any) { delete(b, "name") }, []string{"name"}},
		{"BadCategory", func(b map[string]any) { b["category"] = "toaster" }, []string{"category"}},
		{"BadAIFeature", func(b map[string]any) { b["aiFeatures"] = []string{"generative", "telepathy"} }, []string{"aiFeatures[1]"}},
		{"BadUsedBy", func(b map[string]any) { b["usedBy"] = []string{"robots"} }, []string{"usedBy[0]"}},
		{"BadData", func(b map[string]any) { b["dataProcessed"] = []string{"dreams"} }, []string{"dataProcessed[0]"}},
		{"RepeatedData", func(b map[string]any) { b["dataProcessed"] = []string{"contact", "contact"} }, []string{"dataProcessed"}},
		{"WebsiteNotHTTP", func(b map[string]any) { b["website"] = "javascript:alert(1)" }, []string{"website"}},
		{"AgeRangeInverted", func(b map[string]any) { b["ageRange"] = map[string]int{"min": 12, "max": 5} }, []string{"ageRange.max"}},
		{"BadID", func(b map[string]any) { b["id"] = "Not A Slug" }, []string{"id"}},
		{"WrongType", func(b map[string]any) { b["name"] = 42 }, []string{"name"}},
		{"UnknownField", func(b map[string]any) { b["price"] = 3 }, []string{"price"}},
		{"OperatorKey", func(b map[string]any) { b["$set"] = map[string]any{"status": "archived"} }, []string{"$set"}},
		{"OperatorValue", func(b map[string]any) { b["name"] = map[string]any{"$ne": nil} }, []string{"name"}},
		{"NestedOperator", func(b map[string]any) { b["ageRange"] = map[string]any{"$gt": 1} }, []string{"ageRange.$gt"}},
	}
	for _, tc := range invalid {
		t.Run("Invalid/"+tc.name, func(t *testing.T) {
			body := productBody("Invalid " + tc.name)
			tc.edit(body)
			before := e.snapshot(t)
			r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/products", Token: officer, Body: body})
			if got := r.fields(t); !slices.Equal(got, tc.fields) {
				t.Errorf("fields = %v, want %v", got, tc.fields)
			}
			e.unchanged(t, before, tc.name)
		})
	}

	t.Run("BrokenJSON", func(t *testing.T) {
		r := e.must(t, 400, request{Method: "POST", Path: "/api/v1/products", Token: officer, Body: `{"name": "x",`})
		if p := r.problem(t); p.Status != 400 || !strings.Contains(p.Detail, "not valid JSON") {
			t.Errorf("problem = %+v", p)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		body := productBody("Huge")
		body["description"] = strings.Repeat("x", 1<<20)
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		before := e.snapshot(t)
		r := e.doLive(t, e.live(t), request{Method: "POST", Path: "/api/v1/products", Token: officer}, raw)
		if r.Status != 413 {
			t.Fatalf("status %d, want 413; body %s", r.Status, r.Body)
		}
		r.problem(t)
		e.unchanged(t, before, "a body over 1 MiB")
	})
	t.Run("NoToken", func(t *testing.T) {
		r := e.must(t, 401, request{Method: "POST", Path: "/api/v1/products", Body: productBody("Anon")})
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})
	t.Run("BadToken", func(t *testing.T) {
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/products", Token: "nope", Body: productBody("Anon")})
	})
	t.Run("ReviewerForbidden", func(t *testing.T) {
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleReviewer], Body: productBody("Nope")})
	})
	t.Run("ModeratorForbidden", func(t *testing.T) {
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleModerator], Body: productBody("Nope")})
	})
}

func TestListProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 5 {
		e.createProduct(t, fmt.Sprintf("Alpha Tutor %d", i))
	}
	marking := productBody("Beta Marker")
	marking["category"] = "marking"
	marking["vendor"] = "Gamma Systems"
	marking["description"] = "Marks essays with a large language model."
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: testAdminToken, Body: marking})

	list := func(t testing.TB, query string) (ids []string, next *string) {
		var out struct {
			Items      []productJSON `json:"items"`
			NextCursor *string       `json:"nextCursor"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products" + query}).json(t, &out)
		for _, p := range out.Items {
			ids = append(ids, p.ID)
		}
		return ids, out.NextCursor
	}
	t.Run("All", func(t *testing.T) {
		ids, next := list(t, "")
		if len(ids) != 6 || next != nil {
			t.Fatalf("ids = %v next = %v", ids, next)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		var all []string
		cursor := ""
		for range 10 {
			ids, next := list(t, "?limit=2"+cursor)
			all = append(all, ids...)
			if next == nil {
				break
			}
			cursor = "&cursor=" + *next
		}
		want := []string{"alpha-tutor-0", "alpha-tutor-1", "alpha-tutor-2", "alpha-tutor-3", "alpha-tutor-4", "beta-marker"}
		if !slices.Equal(all, want) {
			t.Fatalf("paged ids = %v, want %v", all, want)
		}
	})
	t.Run("QueryNameCaseInsensitive", func(t *testing.T) {
		if ids, _ := list(t, "?q=ALPHA%20tutor%203"); !slices.Equal(ids, []string{"alpha-tutor-3"}) {
			t.Fatalf("ids = %v", ids)
		}
	})
	t.Run("QueryVendor", func(t *testing.T) {
		if ids, _ := list(t, "?q=gamma"); !slices.Equal(ids, []string{"beta-marker"}) {
			t.Fatalf("ids = %v", ids)
		}
	})
	t.Run("QueryDescription", func(t *testing.T) {
		if ids, _ := list(t, "?q=LANGUAGE%20model"); !slices.Equal(ids, []string{"beta-marker"}) {
			t.Fatalf("ids = %v", ids)
		}
	})
	t.Run("QueryCategory", func(t *testing.T) {
		// "marking" is the category of one product, and in no name,
		// vendor or description.
		if ids, _ := list(t, "?q=marking"); !slices.Equal(ids, []string{"beta-marker"}) {
			t.Fatalf("ids = %v", ids)
		}
	})
	t.Run("QueryIsText", func(t *testing.T) {
		// A regular expression must be matched literally, not run.
		if ids, _ := list(t, "?q=.*"); len(ids) != 0 {
			t.Fatalf("q=.* matched %v", ids)
		}
	})
	t.Run("Category", func(t *testing.T) {
		if ids, _ := list(t, "?category=marking"); !slices.Equal(ids, []string{"beta-marker"}) {
			t.Fatalf("ids = %v", ids)
		}
	})
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?category=toaster", "?cursor=!!!", "?q=%00", "?q=%ff", "?q=%c3%28"} {
		t.Run("Invalid"+q, func(t *testing.T) {
			e.must(t, 422, request{Method: "GET", Path: "/api/v1/products" + q}).problem(t)
		})
	}
}

func TestGetAndPatchProduct(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The product of the subtests that leave it as it is; each subtest that
	// changes a product has one of its own, at revision 1.
	id := e.createProduct(t, "Patch Me")
	officer := e.tokens[registry.RoleOfficer]
	path := "/api/v1/products/" + id
	own := func(t *testing.T, name string) (id, path string) {
		t.Helper()
		id = e.createProduct(t, name)
		return id, "/api/v1/products/" + id
	}

	t.Run("Get", func(t *testing.T) {
		r := e.must(t, 200, request{Method: "GET", Path: path})
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag = %q", r.Header.Get("ETag"))
		}
	})
	t.Run("GetNotFound", func(t *testing.T) {
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/products/nope"}).problem(t)
	})
	t.Run("PatchWithoutIfMatch", func(t *testing.T) {
		before := e.snapshot(t)
		e.must(t, 428, request{Method: "PATCH", Path: path, Token: officer, Body: map[string]any{"name": "New"}}).problem(t)
		e.unchanged(t, before, "a patch without If-Match")
	})
	t.Run("PatchOK", func(t *testing.T) {
		id, path := own(t, "Patch OK")
		r := e.must(t, 200, request{Method: "PATCH", Path: path, Token: officer, Headers: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"name": "Patched", "ageRange": nil, "description": "Changed."}})

		var p productJSON
		r.json(t, &p)
		if p.Name != "Patched" || p.AgeRange != nil || p.Revision != 2 || p.Vendor != "Fictional Vendor Ltd" || p.ID != id {
			t.Fatalf("patched = %+v", p)
		}
		if r.Header.Get("ETag") != `"2"` {
			t.Errorf("ETag = %q", r.Header.Get("ETag"))
		}
	})
	t.Run("PatchStale", func(t *testing.T) {
		_, path := own(t, "Patch Stale")
		e.must(t, 200, request{Method: "PATCH", Path: path, Token: officer, Headers: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"name": "First update"}})
		before := e.snapshot(t)
		e.must(t, 412, request{Method: "PATCH", Path: path, Token: officer, Headers: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"name": "Lost update"}}).
			problem(t)
		e.unchanged(t, before, "a stale patch")
	})
	for name, tc := range map[string]struct {
		body   any
		fields []string
	}{
		"BadCategory":   {map[string]any{"category": "toaster"}, []string{"category"}},
		"RemoveName":    {map[string]any{"name": nil}, []string{"name"}},
		"ChangeID":      {map[string]any{"id": "other"}, []string{"id"}},
		"OperatorKey":   {map[string]any{"$set": map[string]any{"rev": 99}}, []string{"$set"}},
		"UnknownField":  {map[string]any{"revision": 99}, []string{"revision"}},
		"WrongType":     {map[string]any{"usedBy": "pupils"}, []string{"usedBy"}},
		"NotAnObject":   {[]int{1}, []string{"(body)"}},
		"Null":          {"null", []string{"(body)"}},
		"BadStatus":     {map[string]any{"status": "deleted"}, []string{"status"}},
		"BadAgeInPatch": {map[string]any{"ageRange": map[string]int{"min": 10, "max": 3}}, []string{"ageRange.max"}},
	} {
		t.Run("PatchInvalid/"+name, func(t *testing.T) {
			before := e.snapshot(t)
			r := e.must(t, 422, request{Method: "PATCH", Path: path, Token: officer, Headers: map[string]string{"If-Match": `"1"`}, Body: tc.body})
			if got := r.fields(t); !slices.Equal(got, tc.fields) {
				t.Errorf("fields = %v, want %v", got, tc.fields)
			}
			e.unchanged(t, before, name)
		})
	}
	t.Run("PatchArchive", func(t *testing.T) {
		_, path := own(t, "Patch Archive")
		var p productJSON
		e.must(t, 200, request{Method: "PATCH", Path: path, Token: officer, Headers: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"status": "archived"}}).
			json(t, &p)
		if p.Status != "archived" || p.Revision != 2 {
			t.Fatalf("product = %+v", p)
		}
	})
	t.Run("PatchNotFound", func(t *testing.T) {
		e.must(t, 404, request{Method: "PATCH", Path: "/api/v1/products/nope", Token: officer, Headers: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "x"}})
	})
	t.Run("PatchBrokenJSON", func(t *testing.T) {
		e.must(t, 400, request{Method: "PATCH", Path: path, Token: officer, Headers: map[string]string{"If-Match": `"1"`}, Body: `{"name":`})
	})
	t.Run("PatchForbidden", func(t *testing.T) {
		e.must(t, 403, request{Method: "PATCH", Path: path, Token: e.tokens[registry.RoleReviewer], Headers: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "x"}})
	})
	t.Run("PatchNoToken", func(t *testing.T) {
		e.must(t, 401, request{Method: "PATCH", Path: path, Headers: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "x"}})
	})
}
