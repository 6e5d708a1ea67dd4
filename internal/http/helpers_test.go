package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

func TestMain(m *testing.M) { mongodbtest.Main(m) }

// testAdminToken is the bootstrap admin token of test servers.
const testAdminToken = "test-admin-token"

// env is one test's server: a real store on its own database, the real Fiber
// app, and a token per role. Its methods take the t of the test or subtest
// calling them, never the t that made the env, so that a subtest's failure
// is its own and fails only it.
type env struct {
	db      *mongodb.DB
	store   *mongodb.Store
	srv     *Server
	rubric  *registry.Rubric
	tokens  map[string]string // role → token
	rubrics registry.RubricService
}

type envOption func(*mongodb.Options)

func moderationOff(o *mongodb.Options) { o.Moderation = false }

func withThreshold(n int) envOption { return func(o *mongodb.Options) { o.Threshold = n } }

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	o := mongodb.Options{Moderation: true, AdminToken: testAdminToken, Rubrics: rubrictest.Set(t)}
	for _, fn := range opts {
		fn(&o)
	}
	store, db := mongodbtest.Store(t, o)
	e := &env{db: db, store: store, rubric: o.Rubrics.Default(), rubrics: o.Rubrics, tokens: map[string]string{registry.RoleAdmin: testAdminToken}}
	e.srv = New(Config{Store: store, Rubrics: o.Rubrics, Logger: mongodbtest.Logger()})
	for _, role := range []string{registry.RoleReviewer, registry.RoleOfficer, registry.RoleModerator} {
		tok, err := store.CreateToken(context.Background(), role, "test "+role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = tok
	}
	return e
}

// reviewerToken creates another reviewer token: another educator.
func (e *env) reviewerToken(t testing.TB) string {
	t.Helper()
	tok, err := e.store.CreateToken(context.Background(), registry.RoleReviewer, "another reviewer")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// response is what a test sees of one exchange.
type response struct {
	Status int
	Header nethttp.Header
	Body   []byte
}

func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r *response) problem(t testing.TB) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p problem
	r.json(t, &p)
	return p
}

// fields returns the field paths of a problem document.
func (r *response) fields(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, f := range r.problem(t).Errors {
		out = append(out, f.Field)
	}
	return out
}

// request is one call to the API.
type request struct {
	Method  string
	Path    string
	Token   string
	Body    any // marshalled to JSON unless []byte or string
	Headers map[string]string
	// Uncontracted skips the contract check, for requests outside the
	// contract by design (an unknown route).
	Uncontracted bool
}

// do runs a request through the whole Fiber app and checks the response
// against the OpenAPI contract.
func (e *env) do(t testing.TB, rq request) *response {
	t.Helper()
	var body []byte
	switch b := rq.Body.(type) {
	case nil:
	case []byte:
		body = b
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(rq.Method, rq.Path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.Token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.Token)
	}
	for k, v := range rq.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.Method, rq.Path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !rq.Uncontracted {
		checkReq := httptest.NewRequest(rq.Method, rq.Path, bytes.NewReader(body))
		checkReq.Header = req.Header.Clone()
		checkExchange(t, checkReq, body, resp, out)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// must runs a request and fails the test unless the status is want.
func (e *env) must(t testing.TB, want int, rq request) *response {
	t.Helper()
	r := e.do(t, rq)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", rq.Method, rq.Path, r.Status, want, r.Body)
	}
	return r
}

// snapshot reads every document of every collection of the test's
// database, for "nothing changed" checks.
func (e *env) snapshot(t testing.TB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	names, err := e.db.Database().ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, n := range names {
		cur, err := e.db.Collection(n).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.D
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		var enc []string
		for _, d := range docs {
			b, err := bson.MarshalExtJSON(d, true, false)
			if err != nil {
				t.Fatal(err)
			}
			enc = append(enc, string(b))
		}
		sort.Strings(enc)
		if len(enc) > 0 {
			out[n] = enc
		}
	}
	return out
}

// unchanged fails the test if the store differs from before.
func (e *env) unchanged(t testing.TB, before map[string][]string, what string) {
	t.Helper()
	after := e.snapshot(t)
	if !reflect.DeepEqual(before, after) {
		for n := range after {
			if !slices.Equal(before[n], after[n]) {
				t.Errorf("%s changed collection %q:\nbefore %v\nafter  %v", what, n, before[n], after[n])
			}
		}
		for n := range before {
			if _, ok := after[n]; !ok {
				t.Errorf("%s emptied collection %q", what, n)
			}
		}
	}
}

// product is a valid product body.
func productBody(name string) map[string]any {
	return map[string]any{
		"name": name, "vendor": "Fictional Vendor Ltd", "website": "https://" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example",
		"category": "tutoring", "description": "A fictional AI tutor.", "aiFeatures": []string{"generative", "adaptive"},
		"usedBy": []string{"pupils", "staff"}, "ageRange": map[string]int{"min": 7, "max": 11},
		"dataProcessed": []string{"contact", "academic", "usage"}, "hosting": "UK",
	}
}

// createProduct creates a product and returns its id.
func (e *env) createProduct(t testing.TB, name string) string {
	t.Helper()
	var p productJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: productBody(name)}).json(t, &p)
	return p.ID
}

// reviewBody is a valid review answering every criterion of the default
// rubric with the given score.
func (e *env) reviewBody(score int) map[string]any {
	var answers []map[string]any
	for _, c := range e.rubric.Criteria() {
		answers = append(answers, map[string]any{"criterion": c.ID, "score": score})
	}
	return map[string]any{
		"reviewer":           map[string]any{"role": "teacher", "phase": "primary", "nation": "england", "subject": "maths", "setting": "maintained"},
		"usage":              map[string]any{"months": 6, "frequency": "weekly"},
		"answers":            answers,
		"recommendation":     "conditional",
		"summary":            "Useful for practice, but the data terms are unclear.",
		"conflictOfInterest": map[string]any{"declared": false},
	}
}

// answers returns the answers list of a review body for editing.
func answers(body map[string]any) []map[string]any { return body["answers"].([]map[string]any) }

// submit posts a review and returns its id.
func (e *env) submit(t testing.TB, product, token string, body map[string]any) string {
	t.Helper()
	var out submittedJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/products/" + product + "/reviews", Token: token, Body: body}).json(t, &out)
	return out.ID
}

// readTag reads review id as the moderator and returns the If-Match of a
// decision on what was read: its ETag.
func (e *env) readTag(t testing.TB, id string) map[string]string {
	t.Helper()
	tag := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: e.tokens[registry.RoleModerator]}).Header.Get("ETag")
	if tag == "" {
		t.Fatalf("GET /api/v1/reviews/%s has no ETag", id)
	}
	return map[string]string{"If-Match": tag}
}

// publish publishes a review as the moderator, as read.
func (e *env) publish(t testing.TB, id string) {
	t.Helper()
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id)})
}

// live serves the app on a real socket on 127.0.0.1 for the cases app.Test
// cannot show (a body over the limit is refused while it is read, before
// any handler runs), and returns its base URL.
func (e *env) live(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// doLive sends a request's head over a real socket to base, declaring a
// body of len(body) bytes, and reads the response before sending the body.
// A body over the limit is refused from its Content-Length, before it is
// read: holding the body back keeps the server's close from resetting the
// connection under a response not yet read, which made the test flaky.
func (e *env) doLive(t testing.TB, base string, rq request, body []byte) *response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", rq.Method, rq.Path, len(body))
	if rq.Token != "" {
		head += "Authorization: Bearer " + rq.Token + "\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(rq.Method, rq.Path, nil)
	resp, err := nethttp.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkExchange(t, req, body, resp, out)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}
