package http

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// Helpers and tests of the account pages (pages_account.go); the sign-in,
// join, reviews, tokens and data pages have test files of their own.

// pageMember makes a reviewer's account with handle and returns a browser
// signed in to it.
func (e *env) pageMember(t testing.TB, handle string) *browser {
	t.Helper()
	e.signUp(t, registry.RoleReviewer, handle)
	return e.signedInBrowser(t, handle)
}

// session returns the secret of the browser's session cookie ("" when
// signed out).
func (b *browser) session() string { return b.cookies[SessionCookie] }

// auditActions lists the actions of the audit entries written after seq.
func (e *env) auditActions(t testing.TB, seq int64) []string {
	t.Helper()
	var out []string
	for _, en := range e.auditSince(t, seq) {
		out = append(out, en.Action)
	}
	return out
}

// wantAudit fails the test unless the entries after seq are exactly want.
func (e *env) wantAudit(t testing.TB, seq int64, want ...registry.AuditAction) {
	t.Helper()
	got := e.auditActions(t, seq)
	var ws []string
	for _, w := range want {
		ws = append(ws, string(w))
	}
	slices.Sort(got)
	slices.Sort(ws)
	if !slices.Equal(got, ws) {
		t.Errorf("audit entries %v, want %v", got, ws)
	}
}

// wantText fails the test unless the page's text has every one of want.
func wantText(t testing.TB, p *page, want ...string) {
	t.Helper()
	text := p.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not say %q; it says: %s", w, text)
		}
	}
}

// noText fails the test if the page's text has any of unwanted (compared
// ignoring case).
func noText(t testing.TB, p *page, unwanted ...string) {
	t.Helper()
	if found := hasAny(p.Body, unwanted...); len(found) > 0 {
		t.Errorf("the page shows %v", found)
	}
}

// wantRedirect fails the test unless p is a 303 to location.
func wantRedirect(t testing.TB, p *page, location string) {
	t.Helper()
	if p.Status != 303 || p.Header.Get("Location") != location {
		t.Fatalf("status %d to %q, want 303 to %q; body %s", p.Status, p.Header.Get("Location"), location, p.text())
	}
}

// refusedWithoutToken posts form to path from b with a wrong form token
// and fails the test unless it is refused with 403 as an expired form.
func refusedWithoutToken(t testing.TB, b *browser, path string, form url.Values) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", "not-the-token")
	p := b.post(t, path, form)
	if p.Status != 403 {
		t.Fatalf("POST %s without its token: %d, want 403", path, p.Status)
	}
	wantText(t, p, "This form has expired")
}

// errorLinks returns the inputs the error summary links to.
func errorLinks(p *page) []string {
	i := strings.Index(p.Body, `class="error-summary"`)
	if i < 0 {
		return nil
	}
	end := strings.Index(p.Body[i:], "</div>")
	var out []string
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(p.Body[i:i+end], -1) {
		out = append(out, m[1])
	}
	return out
}

func TestAccountPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pages := []string{"/me", "/me/password", "/me/reviews", "/me/reviews/some-id", "/me/reviews/some-id/withdraw",
		"/me/tokens", "/me/data", "/me/export.json"}

	t.Run("VisitorsAreSentToSignIn", func(t *testing.T) {
		for _, path := range pages {
			p := e.browser().get(t, path)
			wantRedirect(t, p, "/signin?"+url.Values{"next": {path}}.Encode())
		}
		b := e.browser()
		b.mustGet(t, 200, "/signin")
		for _, path := range []string{"/me/password", "/me/reviews/some-id/withdraw", "/me/tokens", "/me/tokens/x/revoke", "/me/delete"} {
			if p := b.post(t, path, nil); p.Status != 401 {
				t.Errorf("a visitor's POST %s: %d, want 401", path, p.Status)
			}
		}
	})
	t.Run("EveryPageIsSafe", func(t *testing.T) {
		b := e.pageMember(t, "safe-pages")
		for _, path := range []string{"/signin", "/join", "/me", "/me/password", "/me/reviews", "/me/tokens", "/me/data", "/me/export.json"} {
			p := b.mustGet(t, 200, path)
			checkPageHeaders(t, p)
			if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store for a signed-in person's page", path, cc)
			}
		}
		for _, path := range []string{"/signin", "/join"} {
			checkPageHeaders(t, e.browser().mustGet(t, 200, path))
		}
	})
	t.Run("Overview", func(t *testing.T) {
		b := e.pageMember(t, "overview-owl")
		p := b.mustGet(t, 200, "/me")
		wantText(t, p, "Your account", "overview-owl", "Reviewer", "Only you see your handle")
		for _, link := range []string{`href="/me/password"`, `href="/me/tokens"`, `href="/me/data"`, `href="/me/reviews"`} {
			if !strings.Contains(p.Body, link) {
				t.Errorf("no link %s", link)
			}
		}
		if !strings.Contains(p.Body, `href="/me" aria-current="page"`) {
			t.Errorf("the account link is not marked as the current section")
		}
	})
	t.Run("OverviewInWelsh", func(t *testing.T) {
		b := e.pageMember(t, "welsh-wren")
		b.lang = "cy"
		p := b.mustGet(t, 200, "/me")
		if !strings.Contains(p.Body, `<html lang="cy">`) {
			t.Fatal("not Welsh")
		}
		wantText(t, p, "Eich cyfrif", "Adolygydd", "Newid eich cyfrinair", "Eich tocynnau", "Eich data")
	})
}

func TestPasswordPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const newPassword = "heron over still water 42"

	t.Run("Change", func(t *testing.T) {
		b := e.pageMember(t, "pw-change")
		other := e.signIn(t, "pw-change", strongPassword)
		p := b.mustGet(t, 200, "/me/password")
		wantText(t, p, "Change your password", "signs you out on every other device and ends all your tokens")
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/me/password", url.Values{"current": {strongPassword}, "new": {newPassword}, "confirm": {newPassword}})
		wantRedirect(t, r, "/me")
		e.wantAudit(t, seq, registry.AuditPasswordChange)
		wantText(t, b.follow(t, r), "Your password was changed")
		if s := e.authStatus(t, other); s != 401 {
			t.Errorf("the account's other session: %d, want 401", s)
		}
		if s := e.authStatus(t, b.session()); s != 200 {
			t.Errorf("the session that changed it: %d, want 200", s)
		}
		e.signIn(t, "pw-change", newPassword)
	})
	t.Run("Refusals", func(t *testing.T) {
		b := e.pageMember(t, "pw-refusals")
		b.mustGet(t, 200, "/me/password")
		cases := []struct {
			name    string
			form    url.Values
			id, msg string
		}{
			{"WrongCurrent", url.Values{"current": {"not my password at all"}, "new": {newPassword}, "confirm": {newPassword}}, "current", "The password is not right"},
			{"Differs", url.Values{"current": {strongPassword}, "new": {newPassword}, "confirm": {newPassword + "!"}}, "confirm", "The two passwords differ"},
			{"Same", url.Values{"current": {strongPassword}, "new": {strongPassword}, "confirm": {strongPassword}}, "new", "must differ from the current one"},
			{"Weak", url.Values{"current": {strongPassword}, "new": {"password1234"}, "confirm": {"password1234"}}, "new", "one of the most common passwords"},
			{"Empty", url.Values{}, "current", "Enter your current password"},
		}
		for _, tc := range cases {
			p := b.post(t, "/me/password", tc.form)
			if p.Status != 422 {
				t.Fatalf("%s: %d, want 422", tc.name, p.Status)
			}
			wantText(t, p, tc.msg)
			if links := errorLinks(p); !slices.Contains(links, tc.id) {
				t.Errorf("%s: the error summary links to %v, want #%s", tc.name, links, tc.id)
			}
			if !strings.Contains(p.Body, `aria-describedby="`+tc.id) || !strings.Contains(p.Body, `id="`+tc.id+`-error"`) {
				t.Errorf("%s: the input is not described by its error", tc.name)
			}
			noText(t, p, newPassword, "password1234")
		}
		e.signIn(t, "pw-refusals", strongPassword)
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.pageMember(t, "pw-welsh")
		b.lang = "cy"
		b.mustGet(t, 200, "/me/password")
		p := b.post(t, "/me/password", url.Values{"current": {strongPassword}, "new": {newPassword}, "confirm": {"other"}})
		wantText(t, p, "Mae problem wedi codi", "Mae'r ddau gyfrinair yn wahanol")
	})
	t.Run("NeedsItsToken", func(t *testing.T) {
		b := e.pageMember(t, "pw-csrf")
		b.mustGet(t, 200, "/me/password")
		refusedWithoutToken(t, b, "/me/password", url.Values{"current": {strongPassword}, "new": {newPassword}, "confirm": {newPassword}})
		e.signIn(t, "pw-csrf", strongPassword)
	})
}
