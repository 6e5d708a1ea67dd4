package browser

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// pageCase is a page that every check runs on, in English and in Welsh.
type pageCase struct {
	// Name names the page's screenshots:
	// exports/screenshots/<Name>-<lang>-<width>.png.
	Name string
	// Path is the path and query to open. "{lang}" in it is replaced by
	// the language being checked, and the tab then starts in the other
	// language (a page reached by switching language).
	Path string
	// As is who is signed in: Visitor, or a role (registry.RoleReviewer,
	// RoleOfficer, RoleModerator, RoleAdmin), whose test account's session
	// the tab gets.
	As string
	// Status is the status of the page the browser ends on (after any
	// redirect); 0 means 200.
	Status int
}

// pageCases are the pages every check runs on. Adding a page is one line.
// The demo data's products have fixed ids ("quillby-tutor", "mathsmoth",
// "fablefox-reading-coach", …: internal/demo/products.go).
var pageCases = []pageCase{
	{Name: "not-found", Path: "/no/such/page", Status: 404},
	{Name: "language-switch", Path: "/language?to={lang}&back=%2Fno%2Fsuch%2Fpage", Status: 404},
	{Name: "products", Path: "/"},
	{Name: "products-search", Path: "/?q=maths&risk=high"},
	{Name: "product", Path: "/products/quillby-tutor"},
	{Name: "product-filtered", Path: "/products/glasshouse-observer?role=teacher"},
	{Name: "compare-pick", Path: "/compare"},
	{Name: "compare", Path: "/compare?products=mathsmoth&products=gradewhistle&products=glasshouse-observer"},
	{Name: "method", Path: "/method"},
	{Name: "review-form", Path: "/products/quillby-tutor/review", As: registry.RoleReviewer},
	{Name: "review-done", Path: "/products/" + fixtureProduct + "/review/done?review={review}", As: registry.RoleReviewer},
	{Name: "my-review", Path: "/me/reviews/{review}", As: registry.RoleReviewer},
	{Name: "my-review-edit", Path: "/me/reviews/{review}/edit", As: registry.RoleReviewer},
	{Name: "my-review-withdraw", Path: "/me/reviews/{review}/withdraw", As: registry.RoleReviewer},
	{Name: "moderate", Path: "/moderation/{review}", As: registry.RoleModerator},
	{Name: "signin", Path: "/signin"},
	{Name: "join", Path: "/join"},
	{Name: "account", Path: "/me", As: registry.RoleReviewer},
	{Name: "password", Path: "/me/password", As: registry.RoleReviewer},
	{Name: "my-reviews", Path: "/me/reviews", As: registry.RoleReviewer},
	{Name: "my-tokens", Path: "/me/tokens", As: registry.RoleReviewer},
	{Name: "my-data", Path: "/me/data", As: registry.RoleReviewer},
	{Name: "moderation", Path: "/moderation", As: registry.RoleModerator},
	{Name: "admin", Path: "/admin", As: registry.RoleAdmin},
	{Name: "admin-invitations", Path: "/admin/invitations", As: registry.RoleOfficer},
	{Name: "admin-tokens", Path: "/admin/tokens", As: registry.RoleAdmin},
	{Name: "admin-audit", Path: "/admin/audit", As: registry.RoleAdmin},
}

// TestPages runs every check on every page of pageCases in each language:
// the security headers, the page's language, the skip link, axe-core, the
// screenshots, and no sideways scrolling at 320 px and at 200 % zoom; and,
// with JavaScript off, the page, its skip link and its width again.
// Each page and language is a subtest of its own (TestPages/<Name>/<lang>).
func TestPages(t *testing.T) {
	t.Parallel()
	h := start(t)
	axeSource(t) // missing, it fails the test once here, not every page
	for _, pc := range pageCases {
		for _, lang := range web.Langs {
			t.Run(pc.Name+"/"+string(lang), func(t *testing.T) {
				t.Parallel()
				h.checkPage(t, pc, lang)
			})
		}
	}
}

// checkPage runs every check on one page in one language.
func (h *harness) checkPage(t *testing.T, pc pageCase, lang web.Lang) {
	path, from := strings.ReplaceAll(pc.Path, "{review}", h.site.review), lang
	if strings.Contains(path, "{lang}") {
		path, from = strings.ReplaceAll(path, "{lang}", string(lang)), lang.Other()
	}
	want := pc.Status
	if want == 0 {
		want = 200
	}
	tb := h.newTab(t, JSOn)
	tb.SignIn(t, pc.As)
	tb.SetLanguage(t, from)
	resp := tb.Open(t, path)
	if int(resp.Status) != want {
		t.Errorf("%s: status %d, want %d", path, resp.Status, want)
	}
	CheckDocumentHeaders(t, resp)
	tb.CheckFirstAnswerHeaders(t, path)
	if got := tb.Lang(t); got != string(lang) {
		t.Errorf("%s: <html lang=%q>, want %q", path, got, lang)
	}
	tb.CheckSkipLink(t)
	// The focus the skip link left on main would show in the screenshots.
	evaluate[bool](t, tb, `(document.activeElement.blur(), true)`)
	tb.Axe(t)
	name := pc.Name + "-" + string(lang)
	tb.Screenshot(t, name, Desktop)
	tb.Screenshot(t, name, Phone)
	tb.CheckNoSideways(t, Narrow)
	tb.CheckNoSideways(t, Zoom200)

	// With JavaScript off: the same page, its skip link, its width.
	off := h.newTab(t, JSOff)
	off.SignIn(t, pc.As)
	off.SetLanguage(t, from)
	if resp := off.Open(t, path); int(resp.Status) != want {
		t.Errorf("%s with JavaScript off: status %d, want %d", path, resp.Status, want)
	}
	if got := off.Lang(t); got != string(lang) {
		t.Errorf("%s with JavaScript off: <html lang=%q>, want %q", path, got, lang)
	}
	off.CheckSkipLink(t)
	off.CheckNoSideways(t, Narrow)
}
