package http

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// reviewStatus reads a review's status as a moderator: "" for a review
// that is gone.
func (e *env) reviewStatus(t testing.TB, id string) string {
	t.Helper()
	r := e.do(t, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: e.tokens[registry.RoleModerator]})
	if r.Status == 404 {
		return ""
	}
	var out moderatedReviewJSON
	r.json(t, &out)
	return out.Status
}

func TestMyDataPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("Page", func(t *testing.T) {
		b := e.pageMember(t, "data-dunlin")
		p := b.mustGet(t, 200, "/me/data")
		checkPageHeaders(t, p)
		wantText(t, p, "Your data", "What the registry holds about you", "Your rights", "Download your data (JSON)",
			"Delete your account", "Withdraw them", "Keep them public", "Your password, to confirm")
		for _, want := range []string{`href="/me/export.json"`, `<fieldset`, `<legend>`, `type="radio" id="reviews" name="reviews" value="withdraw" aria-describedby="reviews-withdraw-hint"`,
			`id="reviews-keep" name="reviews" value="keep"`, `action="/me/delete"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})
	t.Run("Export", func(t *testing.T) {
		b := e.pageMember(t, "export-eider")
		id := e.myReview(t, b, e.createProduct(t, "Export Emu"))
		p := b.mustGet(t, 200, "/me/export.json")
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := p.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		checkPageHeaders(t, p)
		var x accountExportJSON
		if err := json.Unmarshal([]byte(p.Body), &x); err != nil {
			t.Fatalf("not the export: %v", err)
		}
		if x.Account.Handle != "export-eider" || len(x.Reviews) != 1 || x.Reviews[0].ID != id {
			t.Errorf("export %+v", x)
		}
		// The same document as the API's.
		api := e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/export", Token: b.session()})
		var y accountExportJSON
		api.json(t, &y)
		x.ExportedAt, y.ExportedAt = y.ExportedAt, x.ExportedAt
		a, _ := json.Marshal(x)
		c, _ := json.Marshal(y)
		if string(a) != string(c) {
			t.Errorf("the page's export differs from the API's:\n%s\n%s", a, c)
		}
	})
	deleted := func(t *testing.T, b *browser, handle, mode string) {
		t.Helper()
		secret := b.session()
		b.mustGet(t, 200, "/me/data")
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/me/delete", url.Values{"reviews": {mode}, "password": {strongPassword}})
		wantRedirect(t, r, "/")
		e.wantAudit(t, seq, registry.AuditAccountDelete)
		if b.session() != "" {
			t.Error("the session cookie was not cleared")
		}
		wantText(t, b.follow(t, r), "Your account was deleted.")
		if s := e.authStatus(t, secret); s != 401 {
			t.Errorf("the deleted account's session: %d", s)
		}
		if r := e.do(t, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": handle, "password": strongPassword}}); r.Status != 401 {
			t.Errorf("signing in to the deleted account: %d", r.Status)
		}
	}
	t.Run("DeleteWithdraw", func(t *testing.T) {
		b := e.pageMember(t, "delete-withdraw")
		published := e.myReview(t, b, e.createProduct(t, "Withdraw Wren"))
		e.publish(t, published)
		pending := e.myReview(t, b, e.createProduct(t, "Withdraw Weka"))
		deleted(t, b, "delete-withdraw", registry.DeleteWithdraw)
		// Withdrawn with the account, and so erased with it.
		for _, id := range []string{published, pending} {
			if s := e.reviewStatus(t, id); s != "" {
				t.Errorf("review %s is %s, want it gone", id, s)
			}
		}
	})
	t.Run("DeleteKeep", func(t *testing.T) {
		b := e.pageMember(t, "delete-keep")
		published := e.myReview(t, b, e.createProduct(t, "Keep Kea"))
		e.publish(t, published)
		pending := e.myReview(t, b, e.createProduct(t, "Keep Kite"))
		deleted(t, b, "delete-keep", registry.DeleteKeep)
		if s := e.reviewStatus(t, published); s != registry.StatusPublished {
			t.Errorf("the published review is %s, want published", s)
		}
		if s := e.reviewStatus(t, pending); s != "" {
			t.Errorf("the pending review is %s, want it withdrawn and gone", s)
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		b := e.pageMember(t, "delete-refused")
		b.mustGet(t, 200, "/me/data")
		cases := []struct {
			name    string
			form    url.Values
			id, msg string
		}{
			{"WrongPassword", url.Values{"reviews": {"keep"}, "password": {"not my password at all"}}, "password", "The password is not right"},
			{"NoChoice", url.Values{"password": {strongPassword}}, "reviews", "Choose what should happen to your published reviews"},
			{"OtherChoice", url.Values{"reviews": {"shred"}, "password": {strongPassword}}, "reviews", "Choose what should happen to your published reviews"},
			{"NoPassword", url.Values{"reviews": {"withdraw"}}, "password", "Enter your password"},
		}
		for _, tc := range cases {
			p := b.post(t, "/me/delete", tc.form)
			if p.Status != 422 {
				t.Fatalf("%s: %d, want 422", tc.name, p.Status)
			}
			wantText(t, p, "There is a problem", tc.msg)
			if links := errorLinks(p); len(links) != 1 || links[0] != tc.id {
				t.Errorf("%s: the error summary links to %v", tc.name, links)
			}
			noText(t, p, strongPassword, "not my password at all")
		}
		// The choice made is kept.
		p := b.post(t, "/me/delete", url.Values{"reviews": {"keep"}})
		if !strings.Contains(p.Body, `value="keep" aria-describedby="reviews-keep-hint" checked`) {
			t.Error("the choice is not kept")
		}
		if s := e.authStatus(t, b.session()); s != 200 {
			t.Errorf("the account after refusals: %d", s)
		}
	})
	t.Run("NeedsItsToken", func(t *testing.T) {
		b := e.pageMember(t, "delete-csrf")
		b.mustGet(t, 200, "/me/data")
		refusedWithoutToken(t, b, "/me/delete", url.Values{"reviews": {"withdraw"}, "password": {strongPassword}})
		if s := e.authStatus(t, b.session()); s != 200 {
			t.Errorf("deleted without the form's token: %d", s)
		}
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.pageMember(t, "data-welsh")
		b.lang = "cy"
		p := b.mustGet(t, 200, "/me/data")
		wantText(t, p, "Eich data", "Eich hawliau", "Dileu eich cyfrif", "Eu tynnu'n ôl", "Eu cadw'n gyhoeddus")
		p = b.post(t, "/me/delete", url.Values{"password": {strongPassword}})
		wantText(t, p, "Mae problem wedi codi", "Dewiswch beth ddylai ddigwydd i'ch adolygiadau cyhoeddedig")
	})
}
