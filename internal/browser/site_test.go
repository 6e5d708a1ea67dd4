package browser

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	apphttp "github.com/edtech-registry/registry/internal/http"
	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

func TestMain(m *testing.M) { mongodbtest.Main(m) }

// The server of the browser tests.
const (
	// adminToken is the bootstrap admin token of the test server.
	adminToken = "browser-test-admin-token"
	// password is every test account's password.
	password = "tide pools at dusk, 1987"
	// demoSeed is the seed of the demo reviews, as `registry serve --demo`
	// uses it.
	demoSeed = 2026
)

// Visitor is the "role" of nobody signed in, in page cases.
const Visitor = ""

// roles are the roles that get an account on every site.
var roles = []string{registry.RoleReviewer, registry.RoleOfficer, registry.RoleModerator, registry.RoleAdmin}

// site is one test's registry: the real HTTP server listening on 127.0.0.1
// over the real embedded store (a database of its own), seeded with the
// demo data, with an account and a session for each role.
type site struct {
	// URL is the server's root, "http://127.0.0.1:port", without a slash.
	URL   string
	store *mongodb.Store
	// handles and sessions are, by role, the account made for it and a
	// session secret of that account (the session cookie's value).
	handles  map[string]string
	sessions map[string]string
	admin    *registry.Principal // the bootstrap admin, to make invitations
	// review is a pending review by the reviewer's account of
	// fixtureProduct, naming a person (an identity hint), for the pages
	// about one review: the author's, the edit and withdrawal forms, the
	// moderator's.
	review string
}

// fixtureProduct is the product of the site's own pending review; no
// journey reviews it.
const fixtureProduct = "fablefox-reading-coach"

// startSite starts a site for t, stopped when t ends.
func startSite(t *testing.T) *site {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	set := rubrictest.Set(t)
	store, _ := mongodbtest.Store(t, mongodb.Options{Moderation: true, AdminToken: adminToken, Rubrics: set})
	if err := store.RecordRubrics(ctx, set.All()); err != nil {
		t.Fatal(err)
	}
	// The demo data, as `registry serve --demo` seeds it.
	products := demo.Products()
	if _, err := store.Seed(ctx, products, demo.Reviews(set.Default(), products, nil, demoSeed, time.Now().UTC())); err != nil {
		t.Fatalf("seed the demo data: %v", err)
	}
	srv := apphttp.New(apphttp.Config{Store: store, Rubrics: set, Logger: mongodbtest.Logger()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.App().Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("stop the server: %v", err)
		}
		if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("server: %v", err)
		}
	})
	s := &site{URL: "http://" + ln.Addr().String(), store: store, handles: map[string]string{}, sessions: map[string]string{}}
	if s.admin, err = store.Authenticate(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	for _, role := range roles {
		handle := "browser-" + role
		if _, err := store.CreateAccount(ctx, s.Invitation(t, role), handle, password); err != nil {
			t.Fatalf("create the %s account: %v", role, err)
		}
		sess, err := store.Login(ctx, handle, password)
		if err != nil {
			t.Fatalf("sign in as %s: %v", handle, err)
		}
		s.handles[role], s.sessions[role] = handle, sess.Secret
	}
	waitReady(t, s.URL)
	body := apiReviewBody(t, 2)
	body["summary"] = "Mrs Patel at Ysgol Enghraifft found the reading levels too easy; ask who trains the model."
	status, _, b := s.api(t, http.MethodPost, "/api/v1/products/"+fixtureProduct+"/reviews", s.sessions[registry.RoleReviewer], body, nil)
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &created); status != http.StatusCreated || err != nil || created.ID == "" {
		t.Fatalf("the site's review: %d %s", status, b)
	}
	s.review = created.ID
	return s
}

// Invitation makes a one-use invitation for role, as the bootstrap admin,
// and returns its code: the start of a journey that joins.
func (s *site) Invitation(t testing.TB, role string) string {
	t.Helper()
	_, code, err := s.store.CreateInvitation(context.Background(), s.admin, registry.NewInvitation{Role: role, Uses: 1, ValidFor: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatalf("invitation for %s: %v", role, err)
	}
	return code
}

// Handle returns the handle of role's account.
func (s *site) Handle(role string) string { return s.handles[role] }

// waitReady waits until the server answers its readiness probe.
func waitReady(t testing.TB, root string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(root + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server at %s is not ready: %v", root, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
