package http

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// The pages hold no account data (docs/anonymity.md §2, §7): every page
// route, read by an anonymous visitor and by each signed-in role, is
// scanned for handles, token names, invitation notes and review dates,
// as TestPublicOutputsHoldNoAccountData scans the JSON. What a page may
// show beyond the public's is declared per route and role in
// pageScanRoutes; a page route missing from it fails the test.

// disclosure is what of the account data a page may show its viewer.
type disclosure uint

const (
	// ownHandle: the viewer's own handle (any page may show it to them:
	// no page shown to a signed-in person is public).
	ownHandle disclosure = 1 << iota
	// staffHandles: the handles of other staff accounts (officers,
	// moderators, admins). A reviewer's handle is shown to nobody but
	// its owner.
	staffHandles
	// ownTokenNames: the names of the viewer's own tokens.
	ownTokenNames
	// tokenNames: every token's name (the admin's token list).
	tokenNames
	// ownNotes: the notes of invitations the viewer made.
	ownNotes
	// notes: every invitation's note.
	notes
	// days: dates to the day (of the viewer's own things, or of what
	// staff moderate and administer); public dates are months.
	days
	// times: exact times (RFC 3339, or a day with a time of day).
	times
)

var disclosureNames = []string{"own handle", "staff handles", "own token names", "token names", "own notes", "notes", "days", "times"}

func (d disclosure) String() string {
	var out []string
	for i, n := range disclosureNames {
		if d&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, ", ")
}

// Roles of the scan's viewers: anonymous is a visitor who is not signed in.
const anonymous = "anonymous"

var scanViewerRoles = []string{anonymous, registry.RoleReviewer, registry.RoleModerator, registry.RoleOfficer, registry.RoleAdmin}

// scanViewer is one of the scan's readers.
type scanViewer struct {
	role    string
	handle  string   // "" for anonymous
	session string   // the session's secret
	tokens  []string // the names of the viewer's own tokens
	notes   []string // the notes of the invitations the viewer made
	reviews []string // the viewer's own reviews
}

// pageScan is the scenario the pages are scanned after.
type pageScan struct {
	e                 *env
	pid, other        string
	category          string // the products' category
	reviewerHandles   []string
	staffHandles      []string
	tokenNames        []string // every named token of an account
	notes             []string
	published         []string // ids of the published, released reviews
	pending, rejected string
	reviewTimes       []time.Time
	viewers           map[string]*scanViewer // by role: the reviewer is the first
	reviewerByIndex   []*scanViewer
}

// pageScanRoute says how to fill a page route's parameters (and which
// queries to read it with) for a viewer, and what each role may see there
// beyond what the public may. A role not named may see nothing more.
type pageScanRoute struct {
	paths func(sc *pageScan, v *scanViewer) []string
	may   map[string]disclosure
	// exact: the route shows each role exactly what may says, no less
	// (a staff page's list is precise, and the scan sees what it lists).
	exact bool
}

// What a signed-in person's own pages may show them, whatever their role.
var (
	ownDays = map[string]disclosure{registry.RoleReviewer: days, registry.RoleModerator: days,
		registry.RoleOfficer: days, registry.RoleAdmin: days}
	ownTokens = map[string]disclosure{registry.RoleReviewer: ownTokenNames | days, registry.RoleModerator: ownTokenNames | days,
		registry.RoleOfficer: ownTokenNames | days, registry.RoleAdmin: ownTokenNames | days}
	ownExport = map[string]disclosure{registry.RoleReviewer: ownTokenNames | days | times, registry.RoleModerator: ownTokenNames | days | times,
		registry.RoleOfficer: ownTokenNames | days | times, registry.RoleAdmin: ownTokenNames | days | times}
)

// pageScanRoutes is every GET page route (Fiber's path) the scan reads.
// What staff pages may show follows docs/anonymity.md §2: moderators see
// every review in full, so its days; an officer sees the invitations they
// made, with their notes and their own handle as creator; an admin sees
// every invitation's note and creator, every token's name and the handles
// of staff owners, and the audit log's staff handles and exact times. No
// page shows a reviewer's handle to anyone but its owner.
var pageScanRoutes = map[string]pageScanRoute{
	"/": {paths: func(sc *pageScan, _ *scanViewer) []string {
		out := []string{"/", "/?q=" + url.QueryEscape("Account Scan"), "/?category=" + sc.category}
		for _, r := range riskLevels {
			out = append(out, "/?risk="+r)
		}
		return out
	}},
	"/products/:id": {paths: func(sc *pageScan, _ *scanViewer) []string {
		return []string{"/products/" + sc.pid, "/products/" + sc.other, "/products/" + sc.pid + "?role=teacher",
			"/products/" + sc.pid + "?nation=wales", "/products/" + sc.pid + "?rubricVersion=1", "/products/no-such-product"}
	}},
	"/compare": {paths: func(sc *pageScan, _ *scanViewer) []string {
		two := "/compare?products=" + sc.pid + "&products=" + sc.other
		return []string{"/compare", two, two + "&nation=wales", two + "&phase=primary", "/compare?q=Account&find=1"}
	}},
	"/method":       {paths: fixed("/method")},
	"/signin":       {paths: fixed("/signin", "/signin?next=%2Fme")},
	"/join":         {paths: fixed("/join")},
	"/language":     {paths: fixed("/language?to=cy&back=%2F")},
	"/assets/:name": {paths: fixed("/assets/site.css", "/assets/site.js")},
	"/products/:id/review": {paths: func(sc *pageScan, _ *scanViewer) []string {
		return []string{"/products/" + sc.pid + "/review", "/products/" + sc.other + "/review"}
	}},
	"/products/:id/review/done": {paths: func(sc *pageScan, v *scanViewer) []string {
		return reviewPaths(sc, v, "/products/"+sc.pid+"/review/done?review=%s")
	}},
	"/me":                      {paths: fixed("/me")},
	"/me/password":             {paths: fixed("/me/password")},
	"/me/tokens":               {paths: fixed("/me/tokens"), may: ownTokens},
	"/me/data":                 {paths: fixed("/me/data")},
	"/me/export.json":          {paths: fixed("/me/export.json"), may: ownExport},
	"/me/reviews":              {paths: fixed("/me/reviews"), may: ownDays},
	"/me/reviews/:id":          {paths: func(sc *pageScan, v *scanViewer) []string { return reviewPaths(sc, v, "/me/reviews/%s") }, may: ownDays},
	"/me/reviews/:id/edit":     {paths: func(sc *pageScan, v *scanViewer) []string { return reviewPaths(sc, v, "/me/reviews/%s/edit") }},
	"/me/reviews/:id/withdraw": {paths: func(sc *pageScan, v *scanViewer) []string { return reviewPaths(sc, v, "/me/reviews/%s/withdraw") }},
	// Moderators (and admins) read each review in full, with the days it
	// was written and changed; never who wrote it.
	"/moderation": {paths: fixed("/moderation", "/moderation?hints=true", "/moderation?conflict=true"),
		may: map[string]disclosure{registry.RoleModerator: days, registry.RoleAdmin: days}, exact: true},
	"/moderation/:id": {paths: func(sc *pageScan, _ *scanViewer) []string {
		return []string{"/moderation/" + sc.pending, "/moderation/" + sc.rejected, "/moderation/" + sc.published[0]}
	}, may: map[string]disclosure{registry.RoleModerator: days, registry.RoleAdmin: days}, exact: true},
	"/admin": {paths: fixed("/admin"), exact: true},
	// An officer sees the invitations they made, with their notes and
	// themselves as creator; an admin every invitation, its note and its
	// creator (staff, by handle).
	"/admin/invitations": {paths: fixed("/admin/invitations"), exact: true,
		may: map[string]disclosure{registry.RoleOfficer: ownHandle | ownNotes, registry.RoleAdmin: ownHandle | staffHandles | ownNotes | notes}},
	// Every token's name (a reviewer's personal tokens without their
	// owner), the owner's handle of staff tokens, the days made and used.
	"/admin/tokens": {paths: fixed("/admin/tokens"), exact: true,
		may: map[string]disclosure{registry.RoleAdmin: ownHandle | staffHandles | ownTokenNames | tokenNames | days}},
	// Staff by handle, entries' exact times; a reviewer by role, or as a
	// review's author by a pseudonym of that review.
	"/admin/audit": {paths: fixed("/admin/audit", "/admin/audit?action=review.publish"), exact: true,
		may: map[string]disclosure{registry.RoleAdmin: ownHandle | staffHandles | days | times}},
}

// fixed is a route read at the given paths.
func fixed(paths ...string) func(*pageScan, *scanViewer) []string {
	return func(*pageScan, *scanViewer) []string { return paths }
}

// reviewPaths fills a review's route with each of the viewer's own reviews
// and with a review by someone else.
func reviewPaths(sc *pageScan, v *scanViewer, pattern string) []string {
	ids := append(slices.Clone(v.reviews), sc.published[len(sc.published)-1])
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf(pattern, id))
	}
	return out
}

// newPageScan builds the scenario: staff accounts with handles (an admin,
// an officer and a moderator, the latter two with named personal tokens);
// the officer's invitation with a note, and an admin's with another;
// reviewers' accounts with handles from the officer's invitation, two
// with named personal tokens; a review of one product by each, written
// through the token or the session, published by the moderator's account
// and released (the first k at once, the rest as one release); one more
// review pending and one rejected by the moderator.
func newPageScan(t *testing.T) *pageScan {
	e := newEnv(t, withThreshold(3))
	sc := &pageScan{e: e, viewers: map[string]*scanViewer{}}
	sc.pid = e.createProduct(t, "Account Scan")
	sc.other = e.createProduct(t, "Account Scan Partner")
	sc.category = fmt.Sprint(productBody("")["category"])

	staff := map[string]string{registry.RoleAdmin: "Plover-Admin3", registry.RoleOfficer: "Kestrel-Officer4", registry.RoleModerator: "Curlew-Mod5"}
	staffTokens := map[string]string{registry.RoleAdmin: "Plover office desktop", registry.RoleOfficer: "Union desk kiosk", registry.RoleModerator: "Curlew moderation tablet"}
	for _, role := range []string{registry.RoleAdmin, registry.RoleOfficer, registry.RoleModerator} {
		h := e.signUp(t, role, staff[role])
		v := &scanViewer{role: role, handle: h, session: e.signIn(t, h, strongPassword)}
		if name, ok := staffTokens[role]; ok {
			e.personalToken(t, v.session, name)
			v.tokens = []string{name}
			sc.tokenNames = append(sc.tokenNames, name)
		}
		sc.staffHandles = append(sc.staffHandles, h)
		sc.viewers[role] = v
	}
	admin, officer, moderator := sc.viewers[registry.RoleAdmin], sc.viewers[registry.RoleOfficer], sc.viewers[registry.RoleModerator]

	const officerNote, adminNote = "staff room of Ysgol Gyfun Enghraifft", "for Mrs Bevan, new moderator at Ysgol Enghraifft"
	code, _ := e.invite(t, officer.session, map[string]any{"uses": 10, "expiresInDays": 30, "note": officerNote})
	officer.notes, admin.notes = []string{officerNote}, []string{adminNote}
	sc.notes = []string{officerNote, adminNote}

	sc.reviewerHandles = []string{"Owl-Reviewer7", "Badger.Reviewer8", "Heron_Rev9", "Vole-Rev10", "Stoat-Rev11", "Otter-Rev12"}
	reviewerTokens := []string{"Jane Smith laptop", "Head of Maths phone"}
	var secrets []string
	for i, h := range sc.reviewerHandles {
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": h, "password": strongPassword}})
		v := &scanViewer{role: registry.RoleReviewer, handle: h, session: e.signIn(t, h, strongPassword)}
		secret := v.session
		if i < len(reviewerTokens) {
			secret, _ = e.personalToken(t, v.session, reviewerTokens[i])
			v.tokens = []string{reviewerTokens[i]}
			sc.tokenNames = append(sc.tokenNames, reviewerTokens[i])
		}
		secrets = append(secrets, secret)
		sc.reviewerByIndex = append(sc.reviewerByIndex, v)
	}
	decide := func(id, action string, body map[string]any) {
		t.Helper()
		tag := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: moderator.session}).Header.Get("ETag")
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/" + action, Token: moderator.session,
			Headers: map[string]string{"If-Match": tag}, Body: body})
	}
	for i, s := range secrets {
		id := e.submit(t, sc.pid, s, e.contextBody("teacher", "primary", "wales", i+1))
		decide(id, "publish", nil)
		sc.published = append(sc.published, id)
		sc.reviewerByIndex[i].reviews = append(sc.reviewerByIndex[i].reviews, id)
	}
	sc.pending = e.submit(t, sc.other, secrets[0], e.contextBody("leader", "secondary", "wales", 20))
	sc.reviewerByIndex[0].reviews = append(sc.reviewerByIndex[0].reviews, sc.pending)
	sc.rejected = e.submit(t, sc.other, secrets[1], e.contextBody("leader", "secondary", "wales", 21))
	decide(sc.rejected, "reject", map[string]any{"reason": "It names a school."})
	sc.reviewerByIndex[1].reviews = append(sc.reviewerByIndex[1].reviews, sc.rejected)
	// The admin acts last, so that the audit log's first page shows it.
	e.invite(t, admin.session, map[string]any{"role": registry.RoleModerator, "uses": 1, "expiresInDays": 7, "note": adminNote})

	for i, v := range sc.reviewerByIndex {
		for _, id := range v.reviews {
			var r moderatedReviewJSON
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: secrets[i]}).json(t, &r)
			sc.reviewTimes = append(sc.reviewTimes, r.CreatedAt, r.UpdatedAt)
			if r.PublishedAt != nil {
				sc.reviewTimes = append(sc.reviewTimes, *r.PublishedAt)
			}
			if slices.Contains(sc.published, id) && (r.Publication == nil || r.Publication.State != "public") {
				t.Fatalf("setup: review %s is %+v, want public", id, r.Publication)
			}
		}
	}
	sc.viewers[registry.RoleReviewer] = sc.reviewerByIndex[0]
	sc.viewers[anonymous] = &scanViewer{role: anonymous}
	return sc
}

// exactTimeRE finds an exact time: RFC 3339, or a day with a time of day.
var exactTimeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`)

// dayNeedles are the ways a page in lang may write the day of a review.
func (sc *pageScan) dayNeedles(lang web.Lang) []string {
	v := sc.e.srv.pages.NewView(lang)
	var out []string
	for _, t := range sc.reviewTimes {
		for _, tt := range []time.Time{t.UTC(), t.Local()} {
			d, _ := v.Date(tt)
			for _, s := range []string{tt.Format(time.DateOnly), d} {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// leaks returns what of the account data text holds that viewer v may not
// see on a page that may show may, and everything it showed.
func (sc *pageScan) leaks(v *scanViewer, may disclosure, lang web.Lang, text string) (forbidden []string, shown disclosure) {
	check := func(d disclosure, needles ...string) {
		found := hasAny(text, needles...)
		if len(found) == 0 {
			return
		}
		shown |= d
		if may&d == 0 {
			for _, f := range found {
				forbidden = append(forbidden, fmt.Sprintf("%s (%s)", f, d))
			}
		}
	}
	others := func(all, own []string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(own, s) })
	}
	if v.handle != "" {
		may |= ownHandle
		check(ownHandle, v.handle)
	}
	// Another reviewer's handle: shown to no one.
	for _, h := range others(sc.reviewerHandles, []string{v.handle}) {
		if found := hasAny(text, h); len(found) > 0 {
			forbidden = append(forbidden, h+" (a reviewer's handle)")
		}
	}
	check(staffHandles, others(sc.staffHandles, []string{v.handle})...)
	check(ownTokenNames, v.tokens...)
	check(tokenNames, others(sc.tokenNames, v.tokens)...)
	check(ownNotes, v.notes...)
	check(notes, others(sc.notes, v.notes)...)
	check(days, sc.dayNeedles(lang)...)
	if m := exactTimeRE.FindAllString(text, 3); len(m) > 0 {
		shown |= times
		if may&times == 0 {
			forbidden = append(forbidden, fmt.Sprintf("%v (times)", m))
		}
	}
	return forbidden, shown
}

var htmlLangRE = regexp.MustCompile(`<html lang="([^"]*)">`)

// langOf returns the language a page says it is in.
func langOf(body string) string {
	if m := htmlLangRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// pageRoutesOf returns the server's GET page routes (Fiber's paths).
func pageRoutesOf(e *env) []string {
	var out []string
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == "GET" && isPagePath(r.Path) && !slices.Contains(out, r.Path) {
			out = append(out, r.Path)
		}
	}
	slices.Sort(out)
	return out
}

// TestPagesHoldNoAccountData reads every page route (the server's own
// list of them, each filled from the scenario by pageScanRoutes), in
// English and Welsh, as an anonymous visitor and as a signed-in reviewer,
// moderator, officer and admin. No anonymous page holds a handle, a token
// name, a note, an exact time or the day of a review; no page holds
// another reviewer's handle; everything else a page shows is what
// pageScanRoutes declares for the viewer's role, and each kind of thing
// is shown somewhere it is declared (so the scan would see it).
func TestPagesHoldNoAccountData(t *testing.T) {
	t.Parallel()
	sc := newPageScan(t)
	routes := pageRoutesOf(sc.e)
	for _, r := range routes {
		if _, ok := pageScanRoutes[r]; !ok {
			t.Errorf("the page route GET %s is not in pageScanRoutes: add it, with how to fill its parameters and what each role may see there "+
				"(docs/anonymity.md §8); if it is public, add it to the attacker's view (pageView) too", r)
		}
	}
	for r := range pageScanRoutes {
		if !slices.Contains(routes, r) {
			t.Errorf("pageScanRoutes names %s, which is not a page route", r)
		}
	}
	shown := map[string]disclosure{}   // role → what its pages showed
	byRoute := map[string]disclosure{} // route and role → what it showed
	read, listed := 0, false
	for _, role := range scanViewerRoles {
		v := sc.viewers[role]
		for _, lang := range pageLangs {
			for _, r := range routes {
				spec, ok := pageScanRoutes[r]
				if !ok {
					continue
				}
				for _, path := range spec.paths(sc, v) {
					// A browser of its own for each page: a cookie one
					// page sets (the language switch's) changes no other.
					b := sc.e.browser()
					b.lang = string(lang)
					if v.session != "" {
						b.cookies[SessionCookie] = v.session
					}
					p := b.get(t, path)
					if got := langOf(p.Body); p.Status == 200 && strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") && got != string(lang) {
						t.Errorf("%s (%s): the page is in %q, want %s", path, role, got, lang)
					}
					read++
					if p.Status >= 500 {
						t.Errorf("%s (%s, %s): status %d", path, role, lang, p.Status)
					}
					bad, s := sc.leaks(v, spec.may[role], lang, p.Body+"\n"+p.Header.Get("Location"))
					if len(bad) > 0 {
						t.Errorf("%s (%s, %s, status %d) shows %v; the route may show a %s: %s", path, role, lang, p.Status, bad, role, spec.may[role])
					}
					shown[role] |= s
					if role == anonymous && path == "/products/"+sc.pid && strings.Contains(p.Body, "Review number 1 of this product") {
						listed = true
					}
					byRoute[r+" "+role] |= s
				}
			}
		}
	}
	if read < 2*len(scanViewerRoles)*len(routes) || !listed {
		t.Fatalf("only %d pages read, reviews listed on the product page: %v", read, listed)
	}
	// The scan sees what it looks for: each kind of account data is
	// found where it is allowed.
	for role, want := range map[string]disclosure{
		registry.RoleReviewer:  ownHandle | ownTokenNames | days | times,
		registry.RoleModerator: ownHandle | ownTokenNames | days,
		registry.RoleOfficer:   ownHandle | ownTokenNames | ownNotes,
		registry.RoleAdmin:     ownHandle | staffHandles | tokenNames | ownNotes | notes | days | times,
	} {
		if missing := want &^ shown[role]; missing != 0 {
			t.Errorf("no page shows the %s their %s: the scan would not see it", role, missing)
		}
	}
	if shown[anonymous] != 0 {
		t.Errorf("anonymous pages show %s", shown[anonymous])
	}
	for r, spec := range pageScanRoutes {
		for role, may := range spec.may {
			if missing := may &^ byRoute[r+" "+role]; spec.exact && missing != 0 {
				t.Errorf("%s is declared to show the %s %s, but shows no %s: list precisely what it shows", r, role, may, missing)
			}
		}
	}
}
