package http

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// revokeActionRE finds the revocation forms of a list page.
var revokeActionRE = regexp.MustCompile(`action="(/admin/(?:invitations|tokens)/([^/"]+)/revoke)"`)

// revokeForms returns the revocation paths of a list page, by id.
func revokeForms(p *page) map[string]string {
	out := map[string]string{}
	for _, m := range revokeActionRE.FindAllStringSubmatch(p.Body, -1) {
		out[m[2]] = m[1]
	}
	return out
}

// shownSecret reads the secret a result page shows once, inside <code>.
func shownSecret(t testing.TB, p *page) string {
	t.Helper()
	m := regexp.MustCompile(`<code>([^<]+)</code>`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no secret on the page: %s", p.text())
	}
	return m[1]
}

// tableBody is the body of a page's table, where its rows are.
func tableBody(p *page) string {
	i, j := strings.Index(p.Body, "<tbody>"), strings.Index(p.Body, "</tbody>")
	if i < 0 || j < i {
		return ""
	}
	return p.Body[i:j]
}

func TestAdminPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffBrowser(t, registry.RoleAdmin, "admin-pages")
	officer := e.staffBrowser(t, registry.RoleOfficer, "officer-pages")
	moderator := e.staffBrowser(t, registry.RoleModerator, "moderator-pages")
	reviewer := e.staffBrowser(t, registry.RoleReviewer, "reviewer-pages")

	t.Run("Roles", func(t *testing.T) {
		pages := map[string][]string{
			"/admin":             {"officer", "admin"},
			"/admin/invitations": {"officer", "admin"},
			"/admin/tokens":      {"admin"},
			"/admin/audit":       {"admin"},
		}
		for path, allowed := range pages {
			r := e.browser().get(t, path)
			signin := "/signin?" + url.Values{"next": {path}}.Encode()
			if r.Status != 303 || r.Header.Get("Location") != signin {
				t.Errorf("visitor: GET %s: %d %q, want 303 to sign in", path, r.Status, r.Header.Get("Location"))
			}
			browsers := map[string]*browser{"reviewer": reviewer, "moderator": moderator, "officer": officer, "admin": admin}
			for name, b := range browsers {
				p := b.get(t, path)
				ok := strings.Contains(strings.Join(allowed, " "), name)
				switch {
				case ok && p.Status != 200:
					t.Errorf("%s: GET %s: %d, want 200", name, path, p.Status)
				case !ok && p.Status != 403:
					t.Errorf("%s: GET %s: %d, want 403", name, path, p.Status)
				case ok:
					checkPageHeaders(t, p)
					if !strings.Contains(p.Body, `href="/admin" aria-current="page"`) {
						t.Errorf("%s: GET %s: the admin link is not the current one", name, path)
					}
				}
			}
		}
		links := func(p *page) (inv, tok, aud bool) {
			return strings.Contains(p.Body, `href="/admin/invitations"`), strings.Contains(p.Body, `href="/admin/tokens"`), strings.Contains(p.Body, `href="/admin/audit"`)
		}
		if inv, tok, aud := links(officer.mustGet(t, 200, "/admin")); !inv || tok || aud {
			t.Errorf("an officer's overview links to invitations %v, tokens %v, audit %v", inv, tok, aud)
		}
		if inv, tok, aud := links(admin.mustGet(t, 200, "/admin")); !inv || !tok || !aud {
			t.Errorf("an admin's overview links to invitations %v, tokens %v, audit %v", inv, tok, aud)
		}
		officer.mustGet(t, 200, "/admin/invitations")
		for _, path := range []string{"/admin/tokens", "/admin/tokens/x/revoke"} {
			if p := officer.post(t, path, url.Values{"role": {"admin"}, "name": {"mine"}}); p.Status != 403 {
				t.Errorf("officer: POST %s: %d, want 403", path, p.Status)
			}
		}
		reviewer.mustGet(t, 403, "/admin")
		if p := reviewer.post(t, "/admin/invitations", url.Values{"uses": {"1"}, "expiresInDays": {"1"}}); p.Status != 403 {
			t.Errorf("reviewer: POST /admin/invitations: %d, want 403", p.Status)
		}
	})

	t.Run("Invitations", func(t *testing.T) {
		list := admin.mustGet(t, 200, "/admin/invitations")
		before := revokeForms(list)
		seq := e.lastAuditSeq(t)
		r := admin.post(t, "/admin/invitations", url.Values{"role": {"moderator"}, "uses": {"2"}, "expiresInDays": {"7"}, "note": {"for the <b>new</b> moderator"}})
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d, Cache-Control %q: %s", r.Status, r.Header.Get("Cache-Control"), r.text())
		}
		checkPageHeaders(t, r)
		code := shownSecret(t, r)
		if !strings.Contains(r.Body, `href="/join?code=`+url.QueryEscape(code)+`"`) || !strings.Contains(r.text(), "this is the only time") {
			t.Errorf("the result page has no join link: %s", r.text())
		}
		if !strings.Contains(r.Body, "for the &lt;b&gt;new&lt;/b&gt; moderator") {
			t.Errorf("the note is not escaped")
		}
		list = admin.mustGet(t, 200, "/admin/invitations")
		if strings.Contains(list.Body, code) {
			t.Errorf("the list shows the code")
		}
		var id string
		for k := range revokeForms(list) {
			if _, old := before[k]; !old {
				id = k
			}
		}
		if id == "" || !strings.Contains(list.text(), "Moderator 2 of 2") || !strings.Contains(list.text(), "for the <b>new</b> moderator admin-pages") {
			t.Fatalf("the new invitation is not listed: %s", list.text())
		}
		entries := e.auditSince(t, seq)
		if len(entries) != 1 || entries[0].Action != "invitation.create" || entries[0].Target != "invitation:"+id || entries[0].Actor.Handle != "admin-pages" {
			t.Errorf("audit entries %+v", entries)
		}
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": "joined-mod", "password": strongPassword}})

		seq = e.lastAuditSeq(t)
		rv := admin.post(t, "/admin/invitations/"+id+"/revoke", nil)
		if rv.Status != 303 || rv.Header.Get("Location") != "/admin/invitations?done=revoked" {
			t.Fatalf("revoke: %d %q", rv.Status, rv.Header.Get("Location"))
		}
		after := admin.follow(t, rv)
		if !strings.Contains(after.text(), "The invitation was revoked") || revokeForms(after)[id] != "" {
			t.Errorf("after revoking: %s", after.text())
		}
		if entries := e.auditSince(t, seq); len(entries) != 1 || entries[0].Action != "invitation.revoke" || entries[0].Target != "invitation:"+id {
			t.Errorf("audit entries %+v", entries)
		}
		if r := e.do(t, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": "joined-late", "password": strongPassword}}); r.Status == 201 {
			t.Errorf("a revoked invitation made an account")
		}
	})

	t.Run("OfficerInvitesReviewers", func(t *testing.T) {
		p := officer.mustGet(t, 200, "/admin/invitations")
		if strings.Contains(p.Body, `name="role"`) || !strings.Contains(p.text(), "The invitation is for a reviewer.") {
			t.Errorf("an officer is offered a role")
		}
		r := officer.post(t, "/admin/invitations", url.Values{"uses": {"1"}, "expiresInDays": {"3"}})
		if r.Status != 200 || !strings.Contains(r.text(), "Role Reviewer") {
			t.Fatalf("officer's invitation: %d %s", r.Status, r.text())
		}
		officer.mustGet(t, 200, "/admin/invitations")
		if p := officer.post(t, "/admin/invitations", url.Values{"role": {"admin"}, "uses": {"1"}, "expiresInDays": {"3"}}); p.Status != 403 {
			t.Errorf("an officer's invitation of an admin: %d, want 403", p.Status)
		}
	})

	t.Run("InvitationErrors", func(t *testing.T) {
		admin.mustGet(t, 200, "/admin/invitations")
		seq := e.lastAuditSeq(t)
		r := admin.post(t, "/admin/invitations", url.Values{"role": {"reviewer"}, "uses": {"0"}, "expiresInDays": {"soon"}, "note": {strings.Repeat("n", registry.MaxNote+1)}})
		if r.Status != 422 {
			t.Fatalf("status %d", r.Status)
		}
		for _, want := range []string{`class="error-summary"`, `href="#invite-uses"`, `href="#invite-days"`, `href="#invite-note"`,
			`id="invite-uses-error"`, `aria-describedby="invite-uses-hint invite-uses-error"`, `value="soon"`, "Enter a whole number of accounts from 1 to 500"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if entries := e.auditSince(t, seq); len(entries) != 0 {
			t.Errorf("a refused invitation wrote %+v", entries)
		}
	})

	t.Run("Tokens", func(t *testing.T) {
		list := admin.mustGet(t, 200, "/admin/tokens")
		if !strings.Contains(list.text(), "test officer") {
			t.Errorf("the env's tokens are not listed: %s", list.text())
		}
		before := revokeForms(list)
		seq := e.lastAuditSeq(t)
		r := admin.post(t, "/admin/tokens", url.Values{"role": {"officer"}, "name": {"nightly export"}})
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d %q: %s", r.Status, r.Header.Get("Cache-Control"), r.text())
		}
		checkPageHeaders(t, r)
		secret := shownSecret(t, r)
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/invitations", Token: secret})
		list = admin.mustGet(t, 200, "/admin/tokens")
		if strings.Contains(list.Body, secret) || !strings.Contains(list.text(), "nightly export Officer") {
			t.Errorf("the list shows the secret, or not the token: %s", list.text())
		}
		var id string
		for k := range revokeForms(list) {
			if _, old := before[k]; !old {
				id = k
			}
		}
		if id == "" {
			t.Fatal("the new token has no revocation form")
		}
		if entries := e.auditSince(t, seq); len(entries) != 1 || entries[0].Action != "token.create" || entries[0].Detail["name"] != "nightly export" {
			t.Errorf("audit entries %+v", entries)
		}
		seq = e.lastAuditSeq(t)
		rv := admin.post(t, "/admin/tokens/"+id+"/revoke", nil)
		if rv.Status != 303 || rv.Header.Get("Location") != "/admin/tokens?done=revoked" {
			t.Fatalf("revoke: %d %q", rv.Status, rv.Header.Get("Location"))
		}
		if after := admin.follow(t, rv); !strings.Contains(after.text(), "The token was revoked") || revokeForms(after)[id] != "" {
			t.Errorf("after revoking: %s", after.text())
		}
		if got := e.authStatus(t, secret); got != 401 {
			t.Errorf("a revoked token: %d, want 401", got)
		}
		if entries := e.auditSince(t, seq); len(entries) != 1 || entries[0].Action != "token.revoke" || entries[0].Target != "token:"+id {
			t.Errorf("audit entries %+v", entries)
		}
	})

	t.Run("TokenErrors", func(t *testing.T) {
		admin.mustGet(t, 200, "/admin/tokens")
		seq := e.lastAuditSeq(t)
		r := admin.post(t, "/admin/tokens", url.Values{"name": {"  "}})
		if r.Status != 422 {
			t.Fatalf("status %d", r.Status)
		}
		for _, want := range []string{`href="#token-role"`, `href="#token-name"`, "Choose a role", "Enter a name for the token", `class="form-group form-group--error"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if entries := e.auditSince(t, seq); len(entries) != 0 {
			t.Errorf("a refused token wrote %+v", entries)
		}
	})

	t.Run("Audit", func(t *testing.T) {
		for range registry.DefaultPageLimit { // more entries than a page holds
			e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]any{"role": "reviewer", "name": "filler"}})
		}
		before := revokeForms(admin.mustGet(t, 200, "/admin/invitations"))
		if r := admin.post(t, "/admin/invitations", url.Values{"role": {"officer"}, "uses": {"1"}, "expiresInDays": {"2"}}); r.Status != 200 {
			t.Fatalf("invite: %d", r.Status)
		}
		var inv string
		for k := range revokeForms(admin.mustGet(t, 200, "/admin/invitations")) {
			if _, old := before[k]; !old {
				inv = k
			}
		}
		if r := admin.post(t, "/admin/invitations/"+inv+"/revoke", nil); r.Status != 303 {
			t.Fatalf("revoke the invitation: %d", r.Status)
		}
		admin.mustGet(t, 200, "/admin/tokens")
		r := admin.post(t, "/admin/tokens", url.Values{"role": {"moderator"}, "name": {"audited token"}})
		if r.Status != 200 {
			t.Fatalf("create: %d", r.Status)
		}
		p := admin.mustGet(t, 200, "/admin/audit")
		checkPageHeaders(t, p)
		if !strings.Contains(p.Body, `<caption id="audit-caption">Audit log entries, newest first</caption>`) || !strings.Contains(p.Body, `<th scope="col">Who</th>`) {
			t.Errorf("the log is not a table with a caption")
		}
		rows := tableBody(p)
		seen := (&page{Body: rows}).text()
		for _, want := range []string{"Admin admin-pages Token made token name: audited token role: moderator",
			"Invitation revoked invitation:" + inv, "Invitation made invitation:" + inv + " expiresInDays: 2 role: officer uses: 1"} {
			if !strings.Contains(seen, want) {
				t.Errorf("the log lacks %q: %s", want, p.text())
			}
		}
		tokens := admin.mustGet(t, 200, "/admin/audit?action=token.create")
		if rows := tableBody(tokens); !strings.Contains(rows, "Token made") || strings.Contains(rows, "Signed in") || strings.Contains(rows, "Account made") {
			t.Errorf("action=token.create lists other actions")
		}
		if !strings.Contains(tokens.Body, `value="token.create" selected`) {
			t.Errorf("the chosen action is not selected")
		}
		if target := admin.mustGet(t, 200, "/admin/audit?target=account:admin-pages"); !strings.Contains(tableBody(target), "Account made") {
			t.Errorf("target=account:admin-pages: %s", target.text())
		}
		bad := admin.mustGet(t, 422, "/admin/audit?action=nope")
		if !strings.Contains(bad.Body, `href="#audit-action"`) || !strings.Contains(bad.text(), "Choose an action from the list") {
			t.Errorf("a bad filter: %s", bad.text())
		}
		m := regexp.MustCompile(`href="(/admin/audit\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatal("no next page of the log")
		}
		next := admin.mustGet(t, 200, strings.ReplaceAll(m[1], "&amp;", "&"))
		if tableBody(next) == "" || tableBody(next) == rows {
			t.Errorf("the next page does not list other entries")
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		admin.mustGet(t, 200, "/admin/invitations")
		seq := e.lastAuditSeq(t)
		for _, path := range []string{"/admin/invitations", "/admin/invitations/x/revoke", "/admin/tokens", "/admin/tokens/x/revoke"} {
			tokens := map[string]string{"none": "", "wrong": admin.csrf + "x"}
			for name, token := range tokens {
				r := admin.post(t, path, url.Values{"_csrf": {token}, "role": {"reviewer"}, "name": {"n"}, "uses": {"1"}, "expiresInDays": {"1"}})
				if r.Status != 403 || !strings.Contains(r.text(), "This form has expired") {
					t.Errorf("POST %s with token %s: %d", path, name, r.Status)
				}
			}
		}
		if entries := e.auditSince(t, seq); len(entries) != 0 {
			t.Errorf("posts without the form token wrote %+v", entries)
		}
	})

	t.Run("Welsh", func(t *testing.T) {
		b := e.signedInBrowser(t, "admin-pages")
		b.lang = "cy"
		pages := map[string]string{
			"/admin":             "Gweinyddu",
			"/admin/invitations": "Creu gwahoddiad",
			"/admin/tokens":      "Tocynnau API",
			"/admin/audit":       "Cofnodion y log archwilio, y diweddaraf yn gyntaf",
		}
		for path, want := range pages {
			p := b.mustGet(t, 200, path)
			if !strings.Contains(p.Body, `<html lang="cy">`) || !strings.Contains(p.text(), want) {
				t.Errorf("%s is not Welsh: %s", path, p.text())
			}
		}
	})
}
