package http

// Authorisation as one table. api/openapi.yaml states who may call each
// operation (x-roles, x-author, x-author-exempt; see the conventions in its
// info.description). TestAuthzContract checks those statements against the
// server's route table and against the prose of the descriptions;
// TestAuthzTable sends every route of the route table a request as each kind
// of caller and checks the status against what the statements imply. A route
// added to routes() without an operation, or an operation without x-roles,
// fails both, with a message that says what to add.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// roleAnonymous is the x-roles name for anyone, signed in or not.
const roleAnonymous = "anonymous"

// authzRoleNames are the names x-roles may use, in the order the failure
// messages suggest them.
var authzRoleNames = []string{roleAnonymous, registry.RoleReviewer, registry.RoleOfficer, registry.RoleModerator, registry.RoleAdmin}

// authzCaller is one kind of caller of the table: each has an account (a
// session, sent as a bearer token) of its role, made afresh in each subtest;
// the anonymous caller sends no credential.
type authzCaller struct {
	name string
	role string // "" for the anonymous caller
}

const (
	callerAnonymous = "anonymous"
	callerReviewer  = "reviewer"
	callerOther     = "another reviewer"
	callerOfficer   = "officer"
	callerModerator = "moderator"
	callerAdmin     = "admin"
)

var authzCallers = []authzCaller{
	{callerAnonymous, ""},
	{callerReviewer, registry.RoleReviewer},
	{callerOther, registry.RoleReviewer},
	{callerOfficer, registry.RoleOfficer},
	{callerModerator, registry.RoleModerator},
	{callerAdmin, registry.RoleAdmin},
}

// authzKind is what a path parameter names, told by the path segment before
// it ("reviews/:id" is a review).
type authzKind struct {
	// owner is the caller whose object it is, for x-author: the "reviewer"
	// caller writes the reviews and holds the personal tokens, the "officer"
	// caller makes the invitations. "" for objects nobody owns.
	owner string
	// variants are the states the object is tried in (a review pending,
	// published but waiting for its product's next release, and public);
	// nil for one.
	variants []string
}

var authzKinds = map[string]authzKind{
	"products":    {},
	"rubrics":     {},
	"versions":    {},
	"reviews":     {owner: callerReviewer, variants: authzReviewStates},
	"tokens":      {owner: callerReviewer},
	"invitations": {owner: callerOfficer},
}

// authzReviewStates are the states a review of the table is in, named as
// its publication state.
var authzReviewStates = []string{"pending", "waiting", "public"}

// authzOverride pins the status of one (route, caller, variant) where the
// status the x-roles imply is not precise enough, with the reason.
type authzOverride struct {
	status int
	reason string
}

// authzOverrides are keyed "METHOD /path as caller[ variant]", with the path
// as the server registers it.
var authzOverrides = map[string]authzOverride{
	"POST /api/v1/reviews/:id/withdraw as another reviewer public": {403,
		"a public review's id is in its product's listing: 403 tells nothing new, and says why"},
	"POST /api/v1/reviews/:id/withdraw as moderator public": {403,
		"only the author withdraws, moderators included (they reject instead); the id is public"},
	"GET /api/v1/reviews/:id as another reviewer public": {404,
		"the public reads reviews through the product's listing only: this route hides every review from all but its author and moderators"},
	"POST /api/v1/reviews/:id/withdraw as reviewer pending": {200, "the author withdraws their pending review"},
	"POST /api/v1/reviews/:id/withdraw as reviewer public":  {200, "the author withdraws their public review"},
	"GET /api/v1/reviews/:id as moderator pending":          {200, "moderators read any review (x-author-exempt)"},
	"POST /api/v1/reviews/:id/publish as moderator pending": {428,
		"the role check passes for another's pending review; the table names no version read (If-Match), which a publication needs"},
	"POST /api/v1/reviews/:id/publish as moderator public": {409,
		"the role check passes; only a pending review can be published"},
	"DELETE /api/v1/me/tokens/:id as reviewer":   {204, "the owner revokes their own token"},
	"DELETE /api/v1/invitations/:id as officer":  {204, "the officer revokes their own invitation"},
	"DELETE /api/v1/invitations/:id as admin":    {204, "an admin revokes anyone's invitation (x-author-exempt)"},
	"DELETE /api/v1/tokens/:id as admin":         {204, "an admin revokes any stored token"},
	"DELETE /api/v1/sessions/current as officer": {204, "every account signs out of its own session"},
}

// authzOp is what the contract says of one operation's callers.
type authzOp struct {
	method, path string // as in api/openapi.yaml
	op           *openapi3.Operation
	roles        []string // x-roles; nil when missing
	author       bool     // x-author
	exempt       []string // x-author-exempt
	problems     []string // what is wrong with the statements
}

func (o *authzOp) public() bool { return slices.Contains(o.roles, roleAnonymous) }

// authzExtension decodes an operation's extension into v; false when the
// operation has none.
func authzExtension(op *openapi3.Operation, name string, v any) (bool, error) {
	raw, ok := op.Extensions[name]
	if !ok {
		return false, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return true, err
	}
	return true, json.Unmarshal(b, v)
}

// authzOperations reads every operation's statements, keyed by method and
// contractPathKey (so that parameter names do not matter).
func authzOperations(doc *openapi3.T) map[string]*authzOp {
	ops := map[string]*authzOp{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := &authzOp{method: strings.ToUpper(method), path: path, op: op}
			ops[o.method+" "+contractPathKey(path)] = o
			has, err := authzExtension(op, "x-roles", &o.roles)
			switch {
			case !has:
				o.problems = append(o.problems, "no x-roles")
				o.roles = nil
			case err != nil:
				o.problems = append(o.problems, "x-roles is not a list of role names: "+err.Error())
				o.roles = nil
			case len(o.roles) == 0:
				o.problems = append(o.problems, "x-roles is empty")
			}
			seen := map[string]bool{}
			for _, r := range o.roles {
				if !slices.Contains(authzRoleNames, r) {
					o.problems = append(o.problems, fmt.Sprintf("x-roles names %q, which is not one of %v", r, authzRoleNames))
				}
				if seen[r] {
					o.problems = append(o.problems, fmt.Sprintf("x-roles names %q twice", r))
				}
				seen[r] = true
			}
			if o.public() && len(o.roles) > 1 {
				o.problems = append(o.problems, "x-roles lists anonymous (anyone) with other roles: list anonymous alone")
			}
			if _, err := authzExtension(op, "x-author", &o.author); err != nil {
				o.problems = append(o.problems, "x-author is not true or false")
			}
			if has, err := authzExtension(op, "x-author-exempt", &o.exempt); err != nil {
				o.problems = append(o.problems, "x-author-exempt is not a list of role names")
			} else if has && !o.author {
				o.problems = append(o.problems, "x-author-exempt without x-author: true")
			}
			for _, r := range o.exempt {
				if o.roles != nil && !slices.Contains(o.roles, r) || r == roleAnonymous {
					o.problems = append(o.problems, fmt.Sprintf("x-author-exempt names %q, which x-roles does not list", r))
				}
			}
			if o.author && o.public() {
				o.problems = append(o.problems, "x-author on an operation anyone may call")
			}
		}
	}
	return ops
}

// authzRoute is one route of the server's route table.
type authzRoute struct {
	method, path string // as registered: "/api/v1/reviews/:id"
}

func (r authzRoute) String() string { return r.method + " " + r.path }

// authzRoutes reads the server's route table (the one checkQuery and
// noRoute use), without the HEAD routes Fiber adds for every GET: they run
// the GET's handlers.
func authzRoutes(s *Server) []authzRoute {
	var out []authzRoute
	seen := map[string]bool{}
	for _, r := range s.table {
		method, path, _ := strings.Cut(r.key, " ")
		// Pages have their own checks (pages_*_test.go): the contract
		// describes the API.
		if method == "HEAD" || seen[r.key] || isPagePath(path) {
			continue
		}
		seen[r.key] = true
		out = append(out, authzRoute{method, path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// openAPIPath is a route's path as api/openapi.yaml writes it.
func openAPIPath(path string) string {
	return contractParam.ReplaceAllStringFunc(path, func(p string) string { return "{" + strings.Trim(p, ":?") + "}" })
}

// authzMissingOp says what to add to api/openapi.yaml for a route it lacks.
func authzMissingOp(r authzRoute, suggested []string) string {
	roles := "the roles auth(...) admits in routes() (any of anonymous, reviewer, officer, moderator, admin)"
	if suggested != nil {
		roles = "[" + strings.Join(suggested, ", ") + "] (what the handler admits now)"
	}
	return fmt.Sprintf("route %s has no operation in api/openapi.yaml: add `%s:` under path `%s` with an operationId, "+
		"`x-roles: %s`, `x-author: true` if only the author's account may act on the object, "+
		"`security: []` if anonymous may call it, and its responses (401 and 403 unless it is public)",
		r, strings.ToLower(r.method), openAPIPath(r.path), roles)
}

// TestAuthzContract checks the contract's statements of who may call what:
// every route of the server has an operation and every operation a route;
// each operation states x-roles correctly; its security agrees (public
// operations need nothing, the others a bearer token or session cookie);
// it documents the refusals its roles imply; and the prose "Roles: …",
// "Any token" or "Public" in its description says the same as x-roles.
func TestAuthzContract(t *testing.T) {
	t.Parallel()
	doc := loadContract(t)
	ops := authzOperations(doc)
	srv := New(Config{Logger: mongodbtest.Logger()}) // the route table only; no request is served

	t.Run("RoutesHaveOperations", func(t *testing.T) {
		routed := map[string]bool{}
		for _, r := range authzRoutes(srv) {
			key := r.method + " " + contractPathKey(r.path)
			routed[key] = true
			if ops[key] == nil {
				t.Error(authzMissingOp(r, nil))
			}
		}
		for key, o := range ops {
			if !routed[key] {
				t.Errorf("api/openapi.yaml describes %s %s (%s), which is not a route of the server: "+
					"remove the operation, or add the route to routes() in internal/http/server.go", o.method, o.path, o.op.OperationID)
			}
		}
	})

	for _, key := range slices.Sorted(maps.Keys(ops)) {
		o := ops[key]
		t.Run(o.method+"_"+authzName(o.path), func(t *testing.T) {
			name := fmt.Sprintf("api/openapi.yaml %s %s (%s)", o.method, o.path, o.op.OperationID)
			for _, p := range o.problems {
				t.Errorf("%s: %s; state who may call it with `x-roles: [...]`, any of %v (`anonymous` alone for anyone): "+
					"TestAuthzTable prints the roles the handler admits now", name, p, authzRoleNames)
			}
			if o.roles == nil {
				return
			}
			security := doc.Security
			if o.op.Security != nil {
				security = *o.op.Security
			}
			open := len(security) == 0 || slices.ContainsFunc(security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
			switch {
			case o.public() && !open:
				t.Errorf("%s: x-roles is [anonymous] but its security asks for credentials: add `security: []`", name)
			case !o.public() && open:
				t.Errorf("%s: x-roles is %v but its security lets anyone in: remove `security: []` (or list bearerAuth and sessionCookie)", name, o.roles)
			case !o.public():
				var schemes []string
				for _, r := range security {
					for s := range r {
						schemes = append(schemes, s)
					}
				}
				slices.Sort(schemes)
				if want := []string{"bearerAuth", "sessionCookie"}; !slices.Equal(schemes, want) {
					t.Errorf("%s: security lists %v; auth() takes a bearer token or the session cookie, so list %v", name, schemes, want)
				}
				if o.op.Responses.Status(401) == nil {
					t.Errorf("%s: needs a credential but documents no 401", name)
				}
				if len(o.roles) < len(registry.Roles) && o.op.Responses.Status(403) == nil {
					t.Errorf("%s: x-roles %v leaves roles out, so it is 403 for them, but it documents no 403", name, o.roles)
				}
				if o.author && strings.Contains(o.path, "{") && o.op.Responses.Status(404) == nil {
					t.Errorf("%s: x-author with an object in the path is 404 for others, but it documents no 404", name)
				}
			}
			if prose, ok := proseRoles(o.op.Description); ok {
				got, want := slices.Sorted(slices.Values(prose)), slices.Sorted(slices.Values(o.roles))
				if !slices.Equal(got, want) {
					t.Errorf("%s: the description says the roles are %v, x-roles says %v: make them agree", name, got, want)
				}
			}
		})
	}

	t.Run("ProseRoles", func(t *testing.T) {
		for _, tc := range []struct {
			text string
			want []string
		}{
			{"Roles: officer, admin. When `id` is omitted…", []string{"admin", "officer"}},
			{"Roles: officer (their own; another's is 403), admin (any). Its remaining uses…", []string{"admin", "officer"}},
			{"Roles: admin.", []string{"admin"}},
			{"Any token, but only the review's author.", []string{"admin", "moderator", "officer", "reviewer"}},
			{"Public. Redeems one use…", []string{"anonymous"}},
			{"An account's session or token.", nil},
		} {
			got, _ := proseRoles(tc.text)
			if slices.Sort(got); !slices.Equal(got, tc.want) {
				t.Errorf("proseRoles(%q) = %v, want %v", tc.text, got, tc.want)
			}
		}
	})
}

// proseRoles reads the roles a description states in prose: "Roles: a, b
// (…)." names them; a description that begins "Any token" means every
// role, and one that begins "Public." or "No token needed." means anyone.
func proseRoles(desc string) ([]string, bool) {
	desc = strings.TrimSpace(desc)
	switch {
	case strings.HasPrefix(desc, "Any token"):
		return slices.Clone(registry.Roles), true
	case strings.HasPrefix(desc, "Public.") || strings.HasPrefix(desc, "No token needed."):
		return []string{roleAnonymous}, true
	}
	_, rest, ok := strings.Cut(desc, "Roles:")
	if !ok {
		return nil, false
	}
	rest = proseAside.ReplaceAllString(rest, "")
	rest, _, _ = strings.Cut(rest, ".")
	var roles []string
	for _, r := range strings.Split(rest, ",") {
		roles = append(roles, strings.TrimSpace(r))
	}
	return roles, true
}

// proseAside matches a parenthesised aside, "(their own; another's is 403)".
var proseAside = regexp.MustCompile(`\([^)]*\)`)

// authzName is a path as a subtest name: no slashes, so that -run takes it
// as one element ("api.v1.reviews.:id").
func authzName(path string) string {
	return strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", ".")
}

// authzSeq numbers the accounts the table makes, for unique handles.
var authzSeq atomic.Int64

// authzAccount makes an account of role (invited by the bootstrap admin)
// and returns a session of it.
func (e *env) authzAccount(t testing.TB, role string) string {
	t.Helper()
	handle := fmt.Sprintf("authz-%s-%d", role, authzSeq.Add(1))
	e.signUp(t, role, handle)
	return e.signIn(t, handle, strongPassword)
}

// authzCase is one request of the table, with what it was built from.
type authzCase struct {
	route   authzRoute
	caller  authzCaller
	variant string // one of authzReviewStates for a review; "" otherwise
	cred    string // the caller's session; "" for the anonymous caller
	path    string // the route's path with its parameters filled
	object  *authzObject
	foreign []string // ids of other people's objects the caller must not see
}

// authzObject is the owned object a path names.
type authzObject struct {
	kind, owner, id string
	public          bool
}

// authzSetup makes what one subtest needs on e's server: the caller's
// account, and the objects the route's path names (made by their owner: the
// caller when it is the owner, someone else otherwise). For an x-author
// route without an object in its path, it makes a review, a personal token
// and an invitation of someone else, which the caller must not see.
func (e *env) authzSetup(t *testing.T, r authzRoute, o *authzOp, c authzCaller, variant string) *authzCase {
	t.Helper()
	ac := &authzCase{route: r, caller: c, variant: variant}
	if c.role != "" {
		ac.cred = e.authzAccount(t, c.role)
	}
	var otherReviewer string // a reviewer's session who is not the caller, made when needed
	nobody := false          // true: every object is someone else's
	ownerCred := func(owner string) string {
		switch {
		case owner == c.name && !nobody:
			return ac.cred
		case owner == callerOfficer:
			return e.tokens[registry.RoleOfficer]
		case otherReviewer == "":
			otherReviewer = e.authzAccount(t, registry.RoleReviewer)
		}
		return otherReviewer
	}
	// makeObject makes an object of kind and returns its id, and whether
	// the public can see it.
	makeObject := func(kind string) (string, bool) {
		owner := authzKinds[kind].owner
		switch kind {
		case "products":
			return e.createProduct(t, fmt.Sprintf("Authz Product %d", authzSeq.Add(1))), true
		case "rubrics":
			return e.rubric.ID, true
		case "versions":
			return strconv.Itoa(e.rubric.Version), true
		case "reviews":
			return e.authzReview(t, ownerCred(owner), or(variant, "pending")), variant == "public"
		case "tokens":
			_, id := e.personalToken(t, ownerCred(owner), "authz table")
			return id, false
		case "invitations":
			_, id := e.invite(t, ownerCred(owner), map[string]any{"uses": 1, "expiresInDays": 7})
			return id, false
		}
		t.Fatalf("the authorisation table does not know what %s names; add it to authzKinds and authzSetup", kind)
		return "", false
	}

	segs := strings.Split(r.path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			continue
		}
		if i == 0 {
			t.Fatalf("%s: a parameter with no segment before it", r)
		}
		kind := segs[i-1]
		if _, ok := authzKinds[kind]; !ok {
			t.Fatalf("the authorisation table does not know what %s in %s names (the segment before it is %q): "+
				"add it to authzKinds and authzSetup in internal/http/authz_test.go", s, r, kind)
		}
		id, public := makeObject(kind)
		segs[i] = id
		if owner := authzKinds[kind].owner; owner != "" {
			ac.object = &authzObject{kind: kind, owner: owner, id: id, public: public}
			if owner != c.name {
				ac.foreign = append(ac.foreign, segs[i])
			}
		}
	}
	ac.path = strings.Join(segs, "/")

	if o != nil && o.author && ac.object == nil {
		// Another reviewer's review and token, another officer's
		// invitation: none may show in what the caller gets.
		nobody = true
		for _, kind := range []string{"reviews", "tokens", "invitations"} {
			id, _ := makeObject(kind)
			ac.foreign = append(ac.foreign, id)
		}
	}
	return ac
}

// authzReview makes a review by author on a product of its own, in state
// (one of authzReviewStates, its publication state as the author sees it),
// and returns its id. A waiting review's product already has as many public
// reviews as the anonymity threshold, each by a reviewer of its own, so
// that the review waits for changes by others before its release.
func (e *env) authzReview(t testing.TB, author, state string) string {
	t.Helper()
	product := e.createProduct(t, fmt.Sprintf("Authz Reviewed %d", authzSeq.Add(1)))
	if state == "waiting" {
		for range e.store.Threshold() {
			e.publish(t, e.submit(t, product, e.reviewerToken(t), e.reviewBody(3)))
		}
	}
	id := e.submit(t, product, author, e.reviewBody(2))
	if state != "pending" {
		e.publish(t, id)
	}
	var got moderatedReviewJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: e.tokens[registry.RoleModerator]}).json(t, &got)
	want := map[string]string{"pending": registry.PublicationNone, "waiting": registry.PublicationWaiting, "public": registry.PublicationPublic}[state]
	if got.Publication == nil || got.Publication.State != want {
		t.Fatalf("the table's %s review %s is %+v, want publication state %q", state, id, got.Publication, want)
	}
	return id
}

// authzBody is a minimal request body for an operation: `{}` for JSON, a
// file that is not a workbook for a multipart upload; nil when the
// operation takes none.
func authzBody(t testing.TB, o *authzOp) (body []byte, contentType string) {
	t.Helper()
	if o == nil || o.op.RequestBody == nil || o.op.RequestBody.Value == nil {
		return nil, ""
	}
	content := o.op.RequestBody.Value.Content
	switch {
	case content.Get("application/json") != nil:
		return []byte("{}"), "application/json"
	case content.Get("multipart/form-data") != nil:
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		f, err := w.CreateFormFile("file", "form.xlsx")
		if err == nil {
			_, err = f.Write([]byte("not a workbook"))
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), w.FormDataContentType()
	}
	t.Fatalf("%s %s: the authorisation table cannot make a body of %v; teach authzBody", o.method, o.path, content)
	return nil, ""
}

// send makes the case's request.
func (e *env) authzSend(t testing.TB, ac *authzCase, o *authzOp) *response {
	t.Helper()
	rq := request{Method: ac.route.method, Path: ac.path, Token: ac.cred, Uncontracted: o == nil}
	if body, ct := authzBody(t, o); body != nil {
		rq.Body, rq.Headers = body, map[string]string{"Content-Type": ct}
	}
	return e.do(t, rq)
}

// authzWant is what the contract's statements imply for one case: an exact
// status, one of several, or "allowed" (any status but 401, 403 and 404, and
// below 500).
type authzWant struct {
	statuses []int  // nil for allowed
	rule     string // what implies it: "override", "roles" or "author"
	why      string
}

func (w authzWant) accepts(status int) bool {
	if w.statuses == nil {
		return status < 500 && status != 401 && status != 403 && status != 404
	}
	return slices.Contains(w.statuses, status)
}

func (w authzWant) String() string {
	if w.statuses == nil {
		return "a status that lets the caller in (not 401, 403 or 404)"
	}
	var s []string
	for _, st := range w.statuses {
		s = append(s, strconv.Itoa(st))
	}
	return strings.Join(s, " or ")
}

// authzExpect derives the status of a case from x-roles, x-author and
// x-author-exempt, or from an override.
func authzExpect(o *authzOp, ac *authzCase) authzWant {
	key := ac.route.String() + " as " + ac.caller.name
	if ac.variant != "" {
		key += " " + ac.variant
	}
	if ov, ok := authzOverrides[key]; ok {
		return authzWant{[]int{ov.status}, "override", "override: " + ov.reason}
	}
	role := ac.caller.role
	switch {
	case o.public():
		return authzWant{nil, "roles", "x-roles is [anonymous]"}
	case role == "":
		return authzWant{[]int{401}, "roles", "no credential, and x-roles does not list anonymous"}
	case !slices.Contains(o.roles, role):
		return authzWant{[]int{403}, "roles", fmt.Sprintf("x-roles %v does not list %s", o.roles, role)}
	case o.author && ac.object != nil && ac.object.owner != ac.caller.name && !slices.Contains(o.exempt, role):
		if ac.object.public {
			return authzWant{[]int{403, 404}, "author", "x-author: the " + strings.TrimSuffix(ac.object.kind, "s") + " is someone else's (and public)"}
		}
		return authzWant{[]int{404}, "author", "x-author: the " + strings.TrimSuffix(ac.object.kind, "s") + " is someone else's, and not public: as if it did not exist"}
	}
	if o.author && ac.object != nil && ac.object.owner != ac.caller.name {
		return authzWant{nil, "roles", fmt.Sprintf("x-roles %v lists %s, and x-author-exempt lets it act on anyone's %s", o.roles, role, strings.TrimSuffix(ac.object.kind, "s"))}
	}
	return authzWant{nil, "roles", fmt.Sprintf("x-roles %v lists %s", o.roles, role)}
}

// TestAuthzTable sends every route of the server's route table a request as
// each kind of caller (anonymous, a reviewer, another reviewer, an officer, a
// moderator, an admin; reviews pending, waiting and public) and checks the
// status against the contract's x-roles, x-author and x-author-exempt (and
// the overrides above): no credential is 401 where anonymous is not listed, a
// role not listed is 403, someone else's object is 404 (403 or 404 when it
// is public), and a listed role gets in. Whoever gets in to an x-author route
// must not see anyone else's objects. One server serves the whole table; each
// subtest makes its own accounts and objects, so it passes run alone:
//
//	go test ./internal/http/ -run 'TestAuthzTable/^POST_api.v1.reviews.:id.withdraw$/^another_reviewer$/pending'
func TestAuthzTable(t *testing.T) {
	t.Parallel()
	doc := loadContract(t)
	ops := authzOperations(doc)
	e := newEnv(t, withHasher(lightHasher()), withThreshold(registry.MinAnonymityThreshold))
	routes := authzRoutes(e.srv)

	known := map[string]bool{}
	for _, r := range routes {
		for _, c := range authzCallers {
			known[r.String()+" as "+c.name] = true
			for _, v := range authzReviewStates {
				known[r.String()+" as "+c.name+" "+v] = true
			}
		}
	}
	for key := range authzOverrides {
		if !known[key] {
			t.Errorf("authzOverrides names %q, which is no route and caller of the table: remove or correct it", key)
		}
	}

	for _, r := range routes {
		t.Run(r.method+"_"+authzName(r.path), func(t *testing.T) {
			o := ops[r.method+" "+contractPathKey(r.path)]
			if o == nil || o.roles == nil || len(o.problems) > 0 {
				e.authzProbe(t, r, o)
				return
			}
			variants := []string{""}
			for _, s := range strings.Split(r.path, "/") {
				if k, ok := authzKinds[s]; ok && k.variants != nil && strings.Contains(r.path, s+"/:") {
					variants = k.variants
				}
			}
			for _, c := range authzCallers {
				t.Run(c.name, func(t *testing.T) {
					for _, v := range variants {
						if v == "" {
							e.authzCheck(t, r, o, c, v)
							continue
						}
						t.Run(v, func(t *testing.T) { e.authzCheck(t, r, o, c, v) })
					}
				})
			}
		})
	}
}

// authzCheck runs one case and checks its status.
func (e *env) authzCheck(t *testing.T, r authzRoute, o *authzOp, c authzCaller, variant string) {
	ac := e.authzSetup(t, r, o, c, variant)
	want := authzExpect(o, ac)
	res := e.authzSend(t, ac, o)
	t.Logf("%s %s as %s: %d (%s)", r.method, r.path, c.name, res.Status, want.why)
	if !want.accepts(res.Status) {
		hint := ""
		switch {
		case want.rule == "author" && res.Status == 403:
			hint = "\na refusal of someone else's object that the public cannot see must be 404, as if it did not exist: " +
				"403 confirms that the id exists"
		case want.rule == "author":
			hint = fmt.Sprintf("\nthe handler let %s act on someone else's %s: add the author check to the handler, "+
				"or, if its role may act on anyone's, add %s to x-author-exempt of %s %s in api/openapi.yaml",
				c.name, strings.TrimSuffix(ac.object.kind, "s"), c.role, o.method, o.path)
		case want.rule == "override":
		case res.Status == 401 || res.Status == 403:
			hint = fmt.Sprintf("\nthe handler refused %s: if that is right, take %s out of x-roles of %s %s in api/openapi.yaml "+
				"(or state the rule with x-author); otherwise fix its auth(...) in routes() or the handler",
				c.name, c.role, o.method, o.path)
		case want.statuses != nil && (slices.Contains(want.statuses, 401) || slices.Contains(want.statuses, 403)):
			hint = fmt.Sprintf("\nthe handler let %s in: if that is right, add %s to x-roles of %s %s in api/openapi.yaml; "+
				"otherwise fix its auth(...) in routes() or the handler", c.name, or(c.role, roleAnonymous), o.method, o.path)
		}
		t.Fatalf("%s %s as %s: status %d, want %s (%s)%s\nbody: %s",
			r.method, ac.path, c.name, res.Status, want, want.why, hint, contractExcerpt(res.Body))
	}
	if o.author && res.Status < 300 && !slices.Contains(o.exempt, c.role) {
		for _, id := range ac.foreign {
			if bytes.Contains(res.Body, []byte(id)) {
				t.Errorf("%s %s as %s: the answer shows %s, an object of someone else's (x-author): %s",
					r.method, ac.path, c.name, id, contractExcerpt(res.Body))
			}
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// authzProbe fails a route whose operation is missing or states its roles
// wrongly, and says which roles the handler admits now, as the x-roles to
// write (to be checked against what was meant).
func (e *env) authzProbe(t *testing.T, r authzRoute, o *authzOp) {
	var admitted []string
	for _, c := range authzCallers {
		if c.name == callerOther {
			continue
		}
		ac := e.authzSetup(t, r, nil, c, "")
		rq := request{Method: r.method, Path: ac.path, Token: ac.cred, Uncontracted: true}
		if o != nil {
			if body, ct := authzBody(t, o); body != nil {
				rq.Body, rq.Headers = body, map[string]string{"Content-Type": ct}
			}
		} else if r.method != "GET" && r.method != "DELETE" {
			rq.Body = "{}"
		}
		if st := e.do(t, rq).Status; st != 401 && st != 403 {
			admitted = append(admitted, or(c.role, roleAnonymous))
			if c.role == "" {
				break
			}
		}
	}
	if o == nil {
		t.Fatal(authzMissingOp(r, admitted))
	}
	t.Fatalf("api/openapi.yaml %s %s (%s): %s; the handler admits %v now: add `x-roles: [%s]` if that is meant "+
		"(and `x-author: true` if only the author's account may act on the object)",
		o.method, o.path, o.op.OperationID, strings.Join(o.problems, "; "), admitted, strings.Join(admitted, ", "))
}
