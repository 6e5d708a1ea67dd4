package http

import (
	"context"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// autosave posts a form as the page's script does: with the form token of
// the last page read and the script's header.
func (b *browser) autosave(t testing.TB, path string, form url.Values) int {
	t.Helper()
	form.Set("_csrf", b.csrf)
	form.Set("action", "draft")
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set(autosaveHeader, "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range b.cookies {
		req.AddCookie(&nethttp.Cookie{Name: k, Value: v})
	}
	resp, err := b.e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// checkedRE matches a checked radio of the review form.
func checkedRE(name, value string) *regexp.Regexp {
	return regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="` + regexp.QuoteMeta(value) + `" checked`)
}

func TestReviewPageDrafts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	crit := e.rubric.Criteria()

	t.Run("SaveRestoreSubmit", func(t *testing.T) {
		pid := e.createProduct(t, "Draft Tutor")
		path := "/products/" + pid + "/review"
		w := e.writer(t, "drafter")
		p := w.b.mustGet(t, 200, path)
		if strings.Contains(p.Body, `value="discard"`) {
			t.Error("a discard button without a draft")
		}
		form := e.filledForm(t, p)
		form.Del("role")
		form.Set("summary", "Half way through: the marking is quick.")
		form.Set("action", "draft")
		r := w.b.post(t, path, form)
		if r.Status != 303 || r.Header.Get("Location") != path+"?draft=saved" {
			t.Fatalf("save: %d %q %s", r.Status, r.Header.Get("Location"), r.text())
		}
		d, err := e.store.Draft(t.Context(), w.p.AccountID, pid)
		if err != nil {
			t.Fatal(err)
		}
		if d.Values["summary"] != form.Get("summary") || d.Values[web.FieldKey] != form.Get(web.FieldKey) {
			t.Fatalf("draft values %v", d.Values)
		}
		for _, name := range []string{"_csrf", "action", "role"} {
			if _, ok := d.Values[name]; ok {
				t.Errorf("the draft keeps %q", name)
			}
		}
		saved := w.b.follow(t, r)
		if !strings.Contains(saved.text(), "Your draft is saved") {
			t.Error("no word that the draft was saved")
		}
		// A closed tab loses nothing: the form comes back as it was.
		back := w.b.mustGet(t, 200, path)
		checkPageHeaders(t, back)
		if !strings.Contains(back.text(), "We have restored the draft you saved on") {
			t.Error("no word that a draft was restored")
		}
		if !strings.Contains(back.Body, form.Get("summary")) || !checkedRE(web.AnswerField(crit[0].ID), "3").MatchString(back.Body) ||
			!checkedRE("nation", "wales").MatchString(back.Body) {
			t.Error("the draft's values are not restored")
		}
		if hidden(t, back, web.FieldKey) != form.Get(web.FieldKey) {
			t.Error("the restored form has another key")
		}
		if !strings.Contains(back.Body, `value="discard"`) {
			t.Error("no discard button for a draft")
		}
		// The script's autosave.
		form.Set("summary", "Autosaved text.")
		if status := w.b.autosave(t, path, form); status != 204 {
			t.Fatalf("autosave: %d", status)
		}
		if d, err := e.store.Draft(t.Context(), w.p.AccountID, pid); err != nil || d.Values["summary"] != "Autosaved text." {
			t.Fatalf("after the autosave: %v, %v", d, err)
		}
		// A successful submission deletes the draft.
		form.Set("role", "teacher")
		form.Set("action", "submit")
		if r := w.b.post(t, path, form); r.Status != 303 {
			t.Fatalf("submit: %d %s", r.Status, r.text())
		}
		if _, err := e.store.Draft(t.Context(), w.p.AccountID, pid); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("draft after the submission: %v", err)
		}
		if strings.Contains(w.b.mustGet(t, 200, path).text(), "restored") {
			t.Error("a draft is restored after the submission")
		}
	})

	t.Run("FailedSubmissionKept", func(t *testing.T) {
		pid := e.createProduct(t, "Failed Tutor")
		path := "/products/" + pid + "/review"
		w := e.writer(t, "failer")
		form := e.filledForm(t, w.b.mustGet(t, 200, path))
		form.Del("recommendation")
		form.Set(web.CommentField(crit[3].ID), "Kept through the failure.")
		if r := w.b.post(t, path, form); r.Status != 422 {
			t.Fatalf("status %d", r.Status)
		}
		d, err := e.store.Draft(t.Context(), w.p.AccountID, pid)
		if err != nil || d.Values[web.CommentField(crit[3].ID)] != "Kept through the failure." {
			t.Fatalf("draft: %+v, %v", d, err)
		}
	})

	t.Run("Discard", func(t *testing.T) {
		pid := e.createProduct(t, "Discard Tutor")
		path := "/products/" + pid + "/review"
		w := e.writer(t, "discarder")
		form := e.filledForm(t, w.b.mustGet(t, 200, path))
		form.Set("action", "draft")
		if r := w.b.post(t, path, form); r.Status != 303 {
			t.Fatalf("save: %d", r.Status)
		}
		w.b.mustGet(t, 200, path)
		r := w.b.post(t, path, url.Values{"action": {"discard"}})
		if r.Status != 303 || r.Header.Get("Location") != path+"?draft=discarded" {
			t.Fatalf("discard: %d %q", r.Status, r.Header.Get("Location"))
		}
		if _, err := e.store.Draft(t.Context(), w.p.AccountID, pid); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("draft after discarding: %v", err)
		}
		if p := w.b.follow(t, r); !strings.Contains(p.text(), "Your draft was discarded") || strings.Contains(p.Body, "Useful for practice") {
			t.Error("the discarded draft is shown")
		}
	})

	t.Run("OnlyTheAuthorsDraft", func(t *testing.T) {
		pid := e.createProduct(t, "Private Tutor")
		path := "/products/" + pid + "/review"
		a := e.writer(t, "draft-owner")
		form := e.filledForm(t, a.b.mustGet(t, 200, path))
		form.Set("summary", "Nobody else may read this.")
		form.Set("action", "draft")
		if r := a.b.post(t, path, form); r.Status != 303 {
			t.Fatalf("save: %d", r.Status)
		}
		b := e.writer(t, "draft-neighbour")
		if p := b.b.mustGet(t, 200, path); strings.Contains(p.Body, "Nobody else may read this.") {
			t.Fatal("another account's draft is shown")
		}
	})
}

// TestReviewPageDraftsLeaveWithAccount checks that an account's export
// lists its drafts and that its deletion deletes them.
func TestReviewPageDraftsLeaveWithAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Export Tutor")
	path := "/products/" + pid + "/review"
	w := e.writer(t, "leaving-drafter")
	form := e.filledForm(t, w.b.mustGet(t, 200, path))
	form.Set("summary", "A draft to take away.")
	form.Set("action", "draft")
	if r := w.b.post(t, path, form); r.Status != 303 {
		t.Fatalf("save: %d", r.Status)
	}
	var x accountExportJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/export", Token: w.token}).json(t, &x)
	if len(x.Drafts) != 1 || x.Drafts[0].ProductID != pid || x.Drafts[0].Values["summary"] != "A draft to take away." || x.Limits.MaxDrafts != registry.MaxDrafts {
		t.Fatalf("export drafts %+v, limits %+v", x.Drafts, x.Limits)
	}
	count := func() int64 {
		n, err := e.db.Collection("drafts").CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n == 0 {
		t.Fatal("no draft documents")
	}
	e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me", Token: w.token, Body: map[string]any{"reviews": "withdraw", "password": strongPassword}})
	if n := count(); n != 0 {
		t.Fatalf("%d draft documents after the account was deleted", n)
	}
}
