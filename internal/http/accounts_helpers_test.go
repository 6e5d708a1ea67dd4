package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// Helpers of the account tests (accounts_test.go, sessions_test.go,
// tokens_test.go).

// testClock is a clock a test moves by hand: the store's and the address
// limit's, so that expiry, lockouts and the credential cache's lifetime
// are tested without waiting.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withClock runs the store on clk.
func withClock(clk *testClock) envOption { return func(o *mongodb.Options) { o.Now = clk.Now } }

// withHasher hashes passwords with h.
func withHasher(h *password.Hasher) envOption { return func(o *mongodb.Options) { o.Passwords = h } }

// lightHasher hashes with cheap parameters, for tests that make many
// attempts and are not about the cost.
func lightHasher() *password.Hasher {
	return password.New(password.Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)
}

// reconfigure replaces the env's server with one built from cfg (its store,
// rubrics and logger filled in).
func (e *env) reconfigure(cfg Config) {
	cfg.Store, cfg.Rubrics, cfg.Logger = e.store, e.rubrics, mongodbtest.Logger()
	e.srv = New(cfg)
}

// node is a second server over the env's database: another store (with a
// cache of its own) and another app, as another node of the registry.
func (e *env) node(t testing.TB, opts ...envOption) *env {
	t.Helper()
	o := mongodb.Options{Moderation: true, AdminToken: testAdminToken, Rubrics: e.rubrics, Logger: mongodbtest.Logger()}
	for _, fn := range opts {
		fn(&o)
	}
	store, err := mongodb.NewStore(context.Background(), e.db, o)
	if err != nil {
		t.Fatal(err)
	}
	other := *e
	other.store = store
	other.srv = New(Config{Store: store, Rubrics: e.rubrics, Logger: mongodbtest.Logger()})
	return &other
}

// invite makes an invitation as token and returns its code and id.
func (e *env) invite(t testing.TB, token string, body map[string]any) (code, id string) {
	t.Helper()
	var out invitationCreatedJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/invitations", Token: token, Body: body}).json(t, &out)
	return out.Code, out.ID
}

// strongPassword is a password that passes every rule.
const strongPassword = "tide pools at dusk, 1987"

// signUp redeems an admin's invitation for role and returns the handle.
func (e *env) signUp(t testing.TB, role, handle string) string {
	t.Helper()
	code, _ := e.invite(t, testAdminToken, map[string]any{"role": role, "uses": 1, "expiresInDays": 7})
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": handle, "password": strongPassword}})
	return handle
}

// signIn starts a session and returns its secret.
func (e *env) signIn(t testing.TB, handle, pw string) string {
	t.Helper()
	var out sessionJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": handle, "password": pw}}).json(t, &out)
	return out.Token
}

// personalToken makes a personal token from a session and returns its
// secret and id.
func (e *env) personalToken(t testing.TB, session, name string) (secret, id string) {
	t.Helper()
	var out personalTokenJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/me/tokens", Token: session, Body: map[string]any{"name": name}}).json(t, &out)
	return out.Token, out.ID
}

// cookie is the request header that carries a session as a browser does.
func cookie(session string) map[string]string {
	return map[string]string{"Cookie": SessionCookie + "=" + session}
}

// authStatus reports the status of a cheap authenticated request with token.
func (e *env) authStatus(t testing.TB, token string) int {
	t.Helper()
	return e.do(t, request{Method: "GET", Path: "/api/v1/me/reviews", Token: token}).Status
}

// rawDo sends a request from any goroutine and returns its status and body
// (e.do stops the test, which only the test's goroutine may do); the
// exchange is checked against the contract all the same.
func (e *env) rawDo(t testing.TB, rq request) (int, []byte, error) {
	body, err := json.Marshal(rq.Body)
	if err != nil {
		return 0, nil, err
	}
	req := httptest.NewRequest(rq.Method, rq.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range rq.Headers {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	checkExchange(t, httptest.NewRequest(rq.Method, rq.Path, bytes.NewReader(body)), body, resp, out)
	return resp.StatusCode, out, nil
}

// fieldNamed reports whether a problem names field.
func fieldNamed(fields []string, field string) bool {
	for _, f := range fields {
		if f == field {
			return true
		}
	}
	return false
}

// hasAny reports which of needles (compared ignoring case) occur in text.
func hasAny(text string, needles ...string) []string {
	var found []string
	lower := strings.ToLower(text)
	for _, n := range needles {
		if strings.Contains(lower, strings.ToLower(n)) {
			found = append(found, n)
		}
	}
	return found
}

// member is a reviewer's account signed in with a session and holding a
// personal token, with its principal as the store resolves it (for
// store-level checks).
type member struct {
	handle, session, token string
	p                      *registry.Principal
}

// newMember makes a reviewer's account with handle, signs it in and makes
// a personal token named tokenName.
func (e *env) newMember(t testing.TB, handle, tokenName string) member {
	t.Helper()
	m := member{handle: e.signUp(t, registry.RoleReviewer, handle)}
	m.session = e.signIn(t, m.handle, strongPassword)
	m.token, _ = e.personalToken(t, m.session, tokenName)
	var err error
	if m.p, err = e.store.Authenticate(context.Background(), m.session); err != nil {
		t.Fatal(err)
	}
	return m
}
