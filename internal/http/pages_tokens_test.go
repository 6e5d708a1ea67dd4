package http

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

var (
	secretRE = regexp.MustCompile(`id="token-secret"[^>]*>([^<]+)</textarea>`)
	revokeRE = regexp.MustCompile(`action="/me/tokens/([^/"]+)/revoke"`)
)

// pageToken makes a token named name on the tokens page of b and returns
// its secret.
func pageToken(t testing.TB, b *browser, name string) string {
	t.Helper()
	b.mustGet(t, 200, "/me/tokens")
	p := b.post(t, "/me/tokens", url.Values{"name": {name}})
	if p.Status != 201 {
		t.Fatalf("making a token: %d; %s", p.Status, p.text())
	}
	m := secretRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no token on the page: %s", p.Body)
	}
	return m[1]
}

func TestMyTokensPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("MakeShowsTheSecretOnce", func(t *testing.T) {
		b := e.pageMember(t, "token-maker")
		p := b.mustGet(t, 200, "/me/tokens")
		checkPageHeaders(t, p)
		wantText(t, p, "Your tokens", "You have no tokens.", "Make a token", "Most tokens an account may hold: 20")
		seq := e.lastAuditSeq(t)
		made := b.post(t, "/me/tokens", url.Values{"name": {"marking spreadsheet"}})
		if made.Status != 201 {
			t.Fatalf("status %d", made.Status)
		}
		checkPageHeaders(t, made)
		if cc := made.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		e.wantAudit(t, seq, registry.AuditTokenCreate)
		wantText(t, made, "Your new token", "It will not be shown again", "Token: marking spreadsheet")
		secret := secretRE.FindStringSubmatch(made.Body)[1]
		list := b.mustGet(t, 200, "/me/tokens")
		wantText(t, list, "marking spreadsheet", "Not used yet")
		if strings.Contains(list.Body, secret) {
			t.Error("the list shows the secret")
		}
		if s := e.authStatus(t, secret); s != 200 {
			t.Errorf("the new token on the API: %d", s)
		}
		if p := b.mustGet(t, 200, "/me/tokens"); strings.Contains(p.Body, secret) || strings.Contains(p.text(), "Not used yet") {
			t.Error("the list shows the secret, or not the token's use")
		}
		if strings.Contains(b.mustGet(t, 200, "/me/data").Body, secret) {
			t.Error("another page shows the secret")
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		b := e.pageMember(t, "token-revoker")
		secret := pageToken(t, b, "old laptop")
		list := b.mustGet(t, 200, "/me/tokens")
		m := revokeRE.FindStringSubmatch(list.Body)
		if m == nil {
			t.Fatal("no revoke button")
		}
		if !strings.Contains(list.Body, `Revoke<span class="visually-hidden">: old laptop</span>`) {
			t.Error("the revoke button does not name its token")
		}
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/me/tokens/"+m[1]+"/revoke", nil)
		wantRedirect(t, r, "/me/tokens")
		e.wantAudit(t, seq, registry.AuditTokenRevoke)
		p := b.follow(t, r)
		wantText(t, p, "The token was revoked", "You have no tokens.")
		if s := e.authStatus(t, secret); s != 401 {
			t.Errorf("the revoked token on the API: %d, want 401", s)
		}
		if p := b.post(t, "/me/tokens/"+m[1]+"/revoke", nil); p.Status != 404 {
			t.Errorf("revoking it again: %d, want 404", p.Status)
		}
	})
	t.Run("SomeoneElsesIsNotFound", func(t *testing.T) {
		owner := e.pageMember(t, "token-owner")
		secret := pageToken(t, owner, "owner's script")
		id := revokeRE.FindStringSubmatch(owner.mustGet(t, 200, "/me/tokens").Body)[1]
		other := e.pageMember(t, "token-other")
		p := other.mustGet(t, 200, "/me/tokens")
		noText(t, p, "owner's script", "token-owner")
		if p := other.post(t, "/me/tokens/"+id+"/revoke", nil); p.Status != 404 {
			t.Errorf("revoking someone else's token: %d, want 404", p.Status)
		}
		if s := e.authStatus(t, secret); s != 200 {
			t.Errorf("the owner's token: %d", s)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		b := e.pageMember(t, "token-refusals")
		b.mustGet(t, 200, "/me/tokens")
		p := b.post(t, "/me/tokens", url.Values{"name": {""}})
		if p.Status != 422 {
			t.Fatalf("no name: %d", p.Status)
		}
		wantText(t, p, "There is a problem", "Enter a name for the token")
		if links := errorLinks(p); len(links) != 1 || links[0] != "name" {
			t.Errorf("the error summary links to %v", links)
		}
		p = b.post(t, "/me/tokens", url.Values{"name": {strings.Repeat("x", registry.MaxTokenNameLength+1)}})
		if p.Status != 422 {
			t.Fatalf("a long name: %d", p.Status)
		}
		wantText(t, p, "Enter a name of at most 200 characters")
	})
	t.Run("Full", func(t *testing.T) {
		b := e.pageMember(t, "token-hoarder")
		for i := range registry.MaxPersonalTokens {
			e.personalToken(t, b.session(), fmt.Sprintf("token %d", i))
		}
		b.mustGet(t, 200, "/me/tokens")
		p := b.post(t, "/me/tokens", url.Values{"name": {"one too many"}})
		if p.Status != 409 {
			t.Fatalf("status %d, want 409", p.Status)
		}
		wantText(t, p, "Your account holds as many tokens as it may (20): revoke one first", "token 19")
	})
	t.Run("NeedsItsToken", func(t *testing.T) {
		b := e.pageMember(t, "token-csrf")
		pageToken(t, b, "kept")
		list := b.mustGet(t, 200, "/me/tokens")
		id := revokeRE.FindStringSubmatch(list.Body)[1]
		refusedWithoutToken(t, b, "/me/tokens", url.Values{"name": {"sneaky"}})
		refusedWithoutToken(t, b, "/me/tokens/"+id+"/revoke", nil)
		p := b.mustGet(t, 200, "/me/tokens")
		wantText(t, p, "kept")
		noText(t, p, "sneaky")
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.pageMember(t, "token-welsh")
		b.lang = "cy"
		wantText(t, b.mustGet(t, 200, "/me/tokens"), "Eich tocynnau", "Nid oes gennych unrhyw docynnau.", "Creu tocyn")
		p := b.post(t, "/me/tokens", url.Values{"name": {"taenlen"}})
		wantText(t, p, "Eich tocyn newydd", "Ni fydd yn cael ei ddangos eto")
	})
}
