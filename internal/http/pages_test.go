package http

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
		for _, back := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
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
		b := e.browser()
		req := httptest.NewRequest("POST", "/no/such/page", strings.NewReader("_csrf=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.e.srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("status %d", resp.StatusCode)
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
