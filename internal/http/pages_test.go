package http

import (
	"context"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// checkPageHeaders fails the test unless a page carries the security
// headers every page must.
func checkPageHeaders(t testing.TB, p *page) {
	t.Helper()
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := p.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func TestPageShell(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("NotFoundIsAPage", func(t *testing.T) {
		p := e.browser().mustGet(t, 404, "/no/such/page")
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("Content-Type = %q", ct)
		}
		checkPageHeaders(t, p)
		for _, want := range []string{`<html lang="en">`, `href="#main"`, `<main id="main"`, "Page not found"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("APIErrorsStayJSON", func(t *testing.T) {
		p := e.browser().mustGet(t, 404, "/api/v1/products/nope")
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("Content-Type = %q", ct)
		}
	})
	t.Run("WelshFromAcceptLanguage", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy-GB,cy;q=0.9,en;q=0.5"
		p := b.mustGet(t, 404, "/no/such/page")
		if !strings.Contains(p.Body, `<html lang="cy">`) || !strings.Contains(p.text(), "Heb ddod o hyd i'r dudalen") {
			t.Fatalf("not Welsh: %s", p.text())
		}
	})
	t.Run("SwitchRemembersLanguage", func(t *testing.T) {
		b := e.browser()
		r := b.get(t, "/language?to=cy&back=%2Fno%2Fsuch")
		if r.Status != 303 || r.Header.Get("Location") != "/no/such" {
			t.Fatalf("switch: %d %q", r.Status, r.Header.Get("Location"))
		}
		if p := b.follow(t, r); !strings.Contains(p.Body, `<html lang="cy">`) {
			t.Fatalf("after the switch the page is not Welsh")
		}
	})
	t.Run("SwitchStaysOnSite", func(t *testing.T) {
		for _, back := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example",
			"/\t/evil.example/x", "/\n/evil.example", "/\x0b//evil.example", "/\x7f//evil.example", "/a\\..\\\\evil.example"} {
			r := e.browser().get(t, "/language?"+url.Values{"to": {"cy"}, "back": {back}}.Encode())
			if r.Status != 303 || r.Header.Get("Location") != "/" {
				t.Errorf("back=%q: %d %q", back, r.Status, r.Header.Get("Location"))
			}
		}
	})
	t.Run("AssetsCachedByVersion", func(t *testing.T) {
		b := e.browser()
		p := b.mustGet(t, 404, "/no/such/page")
		i := strings.Index(p.Body, "/assets/site.css?v=")
		if i < 0 {
			t.Fatal("no stylesheet link")
		}
		link := p.Body[i : i+strings.Index(p.Body[i:], `"`)]
		a := b.mustGet(t, 200, link)
		if cc := a.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control = %q", cc)
		}
		if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("Content-Type = %q", ct)
		}
		if old := b.mustGet(t, 200, "/assets/site.css?v=old"); strings.Contains(old.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("an old version's link is cached for ever")
		}
	})
	t.Run("NoFormNoCookie", func(t *testing.T) {
		p := e.browser().mustGet(t, 404, "/no/such/page")
		if sc := p.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Fatalf("a page without a form set cookies: %q", sc)
		}
		if cc := p.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("Cache-Control = %q, want no-cache", cc)
		}
	})
	t.Run("FormPagesNotStored", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/join?code=edi_secret")
		if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("a page with a form (and an invitation code): Cache-Control = %q, want no-store", cc)
		}
	})
	t.Run("PostWithoutTokenRefused", func(t *testing.T) {
		b := e.browser()
		p := b.post(t, "/no/such/page", url.Values{"_csrf": {""}})
		if p.Status != 403 || !strings.Contains(p.text(), "This form has expired") {
			t.Fatalf("status %d: %s", p.Status, p.text())
		}
		checkPageHeaders(t, p)
	})
	t.Run("PostFromAnotherSiteRefused", func(t *testing.T) {
		// The right token, sent by a page of another site (or of a sibling
		// subdomain, which can plant cookies): refused all the same, on a
		// page and on the sign-out of a browser with no session.
		for _, site := range []string{"cross-site", "same-site"} {
			for _, path := range []string{"/signin", "/signout"} {
				b := e.browser()
				b.mustGet(t, 200, "/signin")
				req := httptest.NewRequest("POST", path, strings.NewReader(url.Values{"_csrf": {b.csrf}, "handle": {"x"}, "password": {"y"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", site)
				for k, v := range b.cookies {
					req.AddCookie(&nethttp.Cookie{Name: k, Value: v})
				}
				resp, err := b.e.srv.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 403 || len(resp.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("%s POST %s: status %d, cookies %q; want 403 and none", site, path, resp.StatusCode, resp.Header.Values("Set-Cookie"))
				}
			}
		}
		// The same request from the site itself passes the check (the
		// sign-in then fails on its credentials: 422, not 403).
		b := e.browser()
		b.mustGet(t, 200, "/signin")
		if p := b.post(t, "/signin", url.Values{"handle": {"x"}, "password": {"y"}}); p.Status != 422 {
			t.Errorf("same-origin sign-in: status %d, want 422", p.Status)
		}
	})
	t.Run("UnknownAPIPathStaysAPI", func(t *testing.T) {
		b := e.browser()
		b.cookies[SessionCookie] = "not-a-session"
		p := b.post(t, "/api/v1/nope", nil)
		if p.Status != 404 || !strings.HasPrefix(p.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("status %d, %s", p.Status, p.Header.Get("Content-Type"))
		}
	})
}

// unavailableAuth is the real store whose credential check fails as a
// store that does not answer does.
type unavailableAuth struct{ Store }

func (unavailableAuth) Authenticate(context.Context, string) (*registry.Principal, error) {
	return nil, registry.Errorf(registry.EUNAVAILABLE, "The store is busy; try again.")
}

// TestPagesWhenTheStoreFails: a signed-in person whose session cannot be
// checked is told the registry is unavailable (503), never treated as a
// visitor: their form is not refused as expired and their cookie is not
// cleared.
func TestPagesWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, registry.RoleReviewer, "kestrel")
	b := e.signedInBrowser(t, "kestrel")
	b.mustGet(t, 200, "/me")
	e.srv = New(Config{Store: unavailableAuth{e.store}, Rubrics: e.rubrics, Logger: mongodbtest.Logger()})
	for _, p := range []*page{b.get(t, "/me"), b.post(t, "/signout", nil)} {
		if p.Status != 503 {
			t.Errorf("status %d, want 503: %s", p.Status, p.text())
		}
		if sc := p.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("cookies changed: %q", sc)
		}
	}
}

// TestStrictTransportSecurity: behind TLS (--secure-cookies) every answer
// tells the browser to use HTTPS only; over plain HTTP (local use) none
// does, since the header would be ignored there anyway and misleading.
func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if got := e.browser().mustGet(t, 404, "/no/such/page").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("over plain HTTP: Strict-Transport-Security %q", got)
	}
	e.srv = New(Config{Store: e.store, Rubrics: e.rubrics, Logger: mongodbtest.Logger(), SecureCookies: true})
	for _, path := range []string{"/no/such/page", "/api/v1/products"} {
		if got := e.browser().get(t, path).Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("%s behind TLS: Strict-Transport-Security %q", path, got)
		}
	}
}
