package http

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestSignInPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("Form", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/signin?next=%2Fme%2Ftokens")
		checkPageHeaders(t, p)
		wantText(t, p, "Sign in", "Handle", "Password", "Join with an invitation")
		for _, want := range []string{`name="next" value="/me/tokens"`, `autocomplete="username"`, `autocomplete="current-password"`,
			`<label for="handle">`, `<label for="password">`, `aria-current="page"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
		if n := strings.Count(p.Body, "<h1"); n != 1 {
			t.Errorf("%d h1 headings", n)
		}
	})
	t.Run("SignsInAndGoesOn", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "kestrel")
		b := e.browser()
		b.mustGet(t, 200, "/signin?next=%2Fme%2Ftokens")
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/signin", url.Values{"handle": {"kestrel"}, "password": {strongPassword}, "next": {"/me/tokens"}})
		wantRedirect(t, r, "/me/tokens")
		if b.session() == "" {
			t.Fatal("no session cookie")
		}
		e.wantAudit(t, seq, registry.AuditSessionCreate)
		p := b.follow(t, r)
		if p.Status != 200 {
			t.Fatalf("the page signed in: %d", p.Status)
		}
		wantText(t, p, "Your tokens", "Sign out")
		if s := e.authStatus(t, b.session()); s != 200 {
			t.Errorf("the cookie's session on the API: %d", s)
		}
	})
	t.Run("DefaultIsMyReviews", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "merlin")
		b := e.browser()
		b.mustGet(t, 200, "/signin")
		wantRedirect(t, b.post(t, "/signin", url.Values{"handle": {"merlin"}, "password": {strongPassword}}), "/me/reviews")
	})
	t.Run("NextStaysOnSite", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "hobby")
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "me/reviews",
			"/\t/evil.example", "/\r\n/evil.example", "/\x0b//evil.example"} {
			b := e.browser()
			p := b.mustGet(t, 200, "/signin?"+url.Values{"next": {next}}.Encode())
			if !strings.Contains(p.Body, `name="next" value="/me/reviews"`) {
				t.Errorf("next=%q kept in the form", next)
			}
			r := b.post(t, "/signin", url.Values{"handle": {"hobby"}, "password": {strongPassword}, "next": {next}})
			wantRedirect(t, r, "/me/reviews")
		}
	})
	t.Run("NoHandleOracle", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "osprey")
		b := e.browser()
		b.mustGet(t, 200, "/signin")
		wrong := b.post(t, "/signin", url.Values{"handle": {"osprey"}, "password": {"not the password at all"}})
		unknown := b.post(t, "/signin", url.Values{"handle": {"ospreyx"}, "password": {"not the password at all"}})
		for _, p := range []*page{wrong, unknown} {
			if p.Status != 422 {
				t.Fatalf("status %d, want 422", p.Status)
			}
			wantText(t, p, "There is a problem", "The handle or the password is not right")
			if links := errorLinks(p); len(links) != 1 || links[0] != "handle" {
				t.Errorf("the error summary links to %v", links)
			}
			if b.session() != "" {
				t.Error("signed in with a wrong password")
			}
		}
		// The same page but for the handle typed, shown back in its field.
		if a, b := strings.ReplaceAll(wrong.Body, `value="osprey"`, "HANDLE"), strings.ReplaceAll(unknown.Body, `value="ospreyx"`, "HANDLE"); a != b {
			t.Errorf("the pages differ:\n%s\n%s", wrong.text(), unknown.text())
		}
		noText(t, wrong, "not the password at all")
	})
	t.Run("Empty", func(t *testing.T) {
		b := e.browser()
		b.mustGet(t, 200, "/signin")
		p := b.post(t, "/signin", url.Values{})
		if p.Status != 422 {
			t.Fatalf("status %d", p.Status)
		}
		wantText(t, p, "Enter your handle", "Enter your password")
		if links := errorLinks(p); strings.Join(links, ",") != "handle,password" {
			t.Errorf("the error summary links to %v", links)
		}
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy"
		p := b.mustGet(t, 200, "/signin")
		if !strings.Contains(p.Body, `<html lang="cy">`) {
			t.Fatal("not Welsh")
		}
		wantText(t, p, "Mewngofnodi", "Enw defnyddiwr", "Cyfrinair", "Ymuno â gwahoddiad")
		p = b.post(t, "/signin", url.Values{"handle": {"nobody-here"}, "password": {"not the password at all"}})
		wantText(t, p, "Mae problem wedi codi", "Nid yw'r enw defnyddiwr neu'r cyfrinair yn gywir")
	})
	t.Run("NeedsItsToken", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "csrf-crow")
		b := e.browser()
		b.mustGet(t, 200, "/signin")
		refusedWithoutToken(t, b, "/signin", url.Values{"handle": {"csrf-crow"}, "password": {strongPassword}})
		if b.session() != "" {
			t.Fatal("signed in without the form's token")
		}
	})
}

// TestSignInLockout is on a server of its own: its failures count against
// the one address every test request comes from.
func TestSignInLockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	e.signUp(t, registry.RoleReviewer, "Lockbird")
	b := e.browser()
	b.mustGet(t, 200, "/signin")
	try := func(handle, pw string) *page {
		return b.post(t, "/signin", url.Values{"handle": {handle}, "password": {pw}})
	}
	for i := range registry.LoginFailures {
		if p := try("lockbird", fmt.Sprintf("wrong guess number %d", i)); p.Status != 422 {
			t.Fatalf("failure %d: %d", i+1, p.Status)
		}
		if p := try("nobody-at-all", fmt.Sprintf("wrong guess number %d", i)); p.Status != 422 {
			t.Fatalf("unknown handle, failure %d: %d", i+1, p.Status)
		}
	}
	known, unknown := try("Lockbird", strongPassword), try("nobody-at-all", "any password at all")
	for _, p := range []*page{known, unknown} {
		if p.Status != 429 {
			t.Fatalf("after %d failures: %d, want 429", registry.LoginFailures, p.Status)
		}
		checkPageHeaders(t, p)
		if p.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		wantText(t, p, "Too many attempts", "Minutes to wait: 15")
		if !strings.Contains(p.Body, `<form method="post" action="/signin"`) {
			t.Error("the form is not shown again")
		}
	}
	if b.session() != "" {
		t.Fatal("signed in while locked out")
	}
	// No oracle here either: the wait reads the same for either handle.
	strip := regexp.MustCompile(`value="[^"]*"`)
	if strip.ReplaceAllString(known.Body, "") != strip.ReplaceAllString(unknown.Body, "") {
		t.Errorf("the lockouts differ:\n%s\n%s", known.text(), unknown.text())
	}
	b.lang = "cy"
	wantText(t, try("Lockbird", strongPassword), "Gormod o ymdrechion", "Munudau i aros: 15")
}

func TestSignOutPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("SignsOut", func(t *testing.T) {
		b := e.pageMember(t, "leaving-lark")
		secret := b.session()
		b.mustGet(t, 200, "/me")
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/signout", nil)
		wantRedirect(t, r, "/")
		e.wantAudit(t, seq, registry.AuditSessionDelete)
		if b.session() != "" {
			t.Error("the session cookie was not cleared")
		}
		if s := e.authStatus(t, secret); s != 401 {
			t.Errorf("the ended session on the API: %d, want 401", s)
		}
		p := b.follow(t, r)
		wantText(t, p, "You are signed out.", "Sign in")
		noText(t, p, "leaving-lark")
		// The notice is shown once.
		if strings.Contains(b.get(t, "/signin").text(), "You are signed out.") {
			t.Error("the notice was shown twice")
		}
		// Signing out again is harmless.
		b.mustGet(t, 200, "/signin")
		wantRedirect(t, b.post(t, "/signout", nil), "/")
	})
	t.Run("NeedsItsToken", func(t *testing.T) {
		b := e.pageMember(t, "staying-swift")
		b.mustGet(t, 200, "/me")
		refusedWithoutToken(t, b, "/signout", nil)
		if s := e.authStatus(t, b.session()); s != 200 {
			t.Errorf("signed out without the form's token: %d", s)
		}
	})
	t.Run("AfterTheSessionEnded", func(t *testing.T) {
		b := e.pageMember(t, "stale-starling")
		b.mustGet(t, 200, "/me")
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/sessions/current", Token: b.session()})
		// The page's form token was the ended session's.
		wantRedirect(t, b.post(t, "/signout", nil), "/")
		if b.session() != "" {
			t.Error("the ended session's cookie was not cleared")
		}
	})
	t.Run("NotByGet", func(t *testing.T) {
		b := e.pageMember(t, "getting-gull")
		if p := b.get(t, "/signout"); p.Status != 405 && p.Status != 404 {
			t.Errorf("GET /signout: %d", p.Status)
		}
		if s := e.authStatus(t, b.session()); s != 200 {
			t.Errorf("signed out by a GET: %d", s)
		}
	})
}

func TestJoinPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	invite := func(t *testing.T) string {
		code, _ := e.invite(t, testAdminToken, map[string]any{"role": "reviewer", "uses": 1, "expiresInDays": 7})
		return code
	}

	t.Run("Form", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/join?code=ABC-123")
		checkPageHeaders(t, p)
		wantText(t, p, "Join with an invitation", "It is never shown publicly", "do not use your name")
		for _, want := range []string{`id="invitation" name="invitation" value="ABC-123"`, `aria-describedby="handle-hint"`,
			`autocomplete="new-password"`, `<label for="confirm">`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
	})
	t.Run("Joins", func(t *testing.T) {
		code := invite(t)
		b := e.browser()
		b.mustGet(t, 200, "/join?code="+url.QueryEscape(code))
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/join", url.Values{"invitation": {code}, "handle": {"new-nightjar"}, "password": {strongPassword}, "confirm": {strongPassword}})
		wantRedirect(t, r, "/me/reviews")
		e.wantAudit(t, seq, registry.AuditAccountCreate, registry.AuditSessionCreate)
		p := b.follow(t, r)
		if p.Status != 200 {
			t.Fatalf("my reviews after joining: %d", p.Status)
		}
		wantText(t, p, "Your account is ready and you are signed in.", "My reviews")
		e.signIn(t, "new-nightjar", strongPassword)
	})
	t.Run("BadInvitation", func(t *testing.T) {
		b := e.browser()
		b.mustGet(t, 200, "/join")
		p := b.post(t, "/join", url.Values{"invitation": {"not-a-code"}, "handle": {"bad-bittern"}, "password": {strongPassword}, "confirm": {strongPassword}})
		if p.Status != 422 {
			t.Fatalf("status %d, want 422", p.Status)
		}
		wantText(t, p, "There is a problem", "That invitation code is not valid")
		if links := errorLinks(p); len(links) != 1 || links[0] != "invitation" {
			t.Errorf("the error summary links to %v", links)
		}
		if b.session() != "" {
			t.Error("signed in")
		}
		noText(t, p, strongPassword)
	})
	t.Run("UsedUp", func(t *testing.T) {
		code := invite(t)
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": "first-finch", "password": strongPassword}})
		b := e.browser()
		b.mustGet(t, 200, "/join")
		p := b.post(t, "/join", url.Values{"invitation": {code}, "handle": {"second-siskin"}, "password": {strongPassword}, "confirm": {strongPassword}})
		if p.Status != 422 {
			t.Fatalf("status %d, want 422", p.Status)
		}
		wantText(t, p, "That invitation has been used as often as it may be")
	})
	t.Run("EverythingWrongAtOnce", func(t *testing.T) {
		code := invite(t)
		b := e.browser()
		b.mustGet(t, 200, "/join")
		p := b.post(t, "/join", url.Values{"invitation": {code}, "handle": {"me@school.example"}, "password": {"password1234"}, "confirm": {"password12345"}})
		if p.Status != 422 {
			t.Fatalf("status %d, want 422", p.Status)
		}
		wantText(t, p, "Do not use an email address", "one of the most common passwords", "The two passwords differ")
		if links := strings.Join(errorLinks(p), ","); links != "handle,password,confirm" {
			t.Errorf("the error summary links to %s", links)
		}
		// Nothing was made: the code still works.
		b.mustGet(t, 200, "/join")
		wantRedirect(t, b.post(t, "/join", url.Values{"invitation": {code}, "handle": {"careful-crane"}, "password": {strongPassword}, "confirm": {strongPassword}}), "/me/reviews")
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy"
		p := b.mustGet(t, 200, "/join")
		wantText(t, p, "Ymuno â gwahoddiad", "Cod gwahoddiad", "Nid yw byth yn cael ei ddangos yn gyhoeddus")
		p = b.post(t, "/join", url.Values{"invitation": {invite(t)}, "handle": {"ab"}, "password": {strongPassword}, "confirm": {strongPassword}})
		wantText(t, p, "Mae problem wedi codi", "Rhowch enw defnyddiwr o 3 i 32 nod")
	})
	t.Run("NeedsItsToken", func(t *testing.T) {
		code := invite(t)
		b := e.browser()
		b.mustGet(t, 200, "/join")
		refusedWithoutToken(t, b, "/join", url.Values{"invitation": {code}, "handle": {"token-tern"}, "password": {strongPassword}, "confirm": {strongPassword}})
		wantRedirect(t, b.post(t, "/join", url.Values{"invitation": {code}, "handle": {"token-tern"}, "password": {strongPassword}, "confirm": {strongPassword}}), "/me/reviews")
	})
}
