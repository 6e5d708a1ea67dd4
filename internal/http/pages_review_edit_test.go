package http

import (
	"net/url"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// ownReviewOf reads one of a member's reviews through the API.
func (e *env) ownReviewOf(t testing.TB, m member, id string) moderatedReviewJSON {
	t.Helper()
	var out moderatedReviewJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews/" + id, Token: m.token}).json(t, &out)
	return out
}

// revisionEntries counts the audit log's edit entries about a review.
func (e *env) revisionEntries(t testing.TB, id string) int {
	t.Helper()
	var audit struct {
		Items []auditEntryJSON `json:"items"`
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?action=" + string(registry.AuditReviewRevise) + "&target=review:" + id, Token: testAdminToken}).json(t, &audit)
	return len(audit.Items)
}

// editFormOf reads the edit form of review id and returns it with its
// fields, as they would be posted unchanged.
func (e *env) editFormOf(t testing.TB, w *writer, id string) (*page, url.Values) {
	t.Helper()
	p := w.b.mustGet(t, 200, "/me/reviews/"+id+"/edit")
	form := e.filledForm(t, p)
	form.Set(web.FieldVersion, hidden(t, p, web.FieldVersion))
	return p, form
}

func TestReviewPageEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("Pending", func(t *testing.T) {
		pid := e.createProduct(t, "Edit Tutor")
		w := e.writer(t, "editor")
		id := e.submit(t, pid, w.token, e.reviewBody(2))
		path := "/me/reviews/" + id + "/edit"
		p, form := e.editFormOf(t, w, id)
		checkPageHeaders(t, p)
		if !strings.Contains(p.Body, "Useful for practice, but the data terms are unclear.") ||
			!checkedRE(web.AnswerField(e.rubric.Criteria()[0].ID), "2").MatchString(p.Body) || !strings.Contains(p.Body, `name="subject" value="maths"`) ||
			!checkedRE("nation", "england").MatchString(p.Body) {
			t.Fatal("the form is not prefilled with the review")
		}
		if !strings.Contains(p.Body, `value="`+id+`.1"`) || strings.Contains(p.Body, `value="draft"`) {
			t.Fatal("no version of the review read, or a draft button on an edit")
		}
		form.Set("summary", "Edited: the data terms are now clear.")
		r := w.b.post(t, path, form)
		want := "/products/" + pid + "/review/done?edited=1&review=" + id
		if r.Status != 303 || r.Header.Get("Location") != want {
			t.Fatalf("edit: %d %q %s", r.Status, r.Header.Get("Location"), r.text())
		}
		if got := e.ownReviewOf(t, w.member, id); got.Summary != form.Get("summary") || got.Status != registry.StatusPending {
			t.Fatalf("after the edit: %+v", got)
		}
		if n := e.revisionEntries(t, id); n != 1 {
			t.Fatalf("%d edit entries", n)
		}
		if done := w.b.follow(t, r); !strings.Contains(done.text(), "Your changes have been saved") {
			t.Fatalf("confirmation: %s", done.text())
		}
		// A retried post of the same edit changes nothing more.
		if again := w.b.post(t, path, form); again.Status != 303 || again.Header.Get("Location") != want {
			t.Fatalf("retry: %d %s", again.Status, again.text())
		}
		if n := e.revisionEntries(t, id); n != 1 {
			t.Fatalf("%d edit entries after a retry", n)
		}
		// An edit made from the page read before the first: refused, and
		// the version saved now shown beside what was entered.
		form.Set("summary", "Another tab's text.")
		form.Set(web.FieldKey, "another-key")
		stale := w.b.post(t, path, form)
		if stale.Status != 412 {
			t.Fatalf("stale edit: %d %s", stale.Status, stale.text())
		}
		checkPageHeaders(t, stale)
		text := stale.text()
		for _, want := range []string{"This review changed after you opened it", "The version saved now", "Edited: the data terms are now clear.", "Another tab's text."} {
			if !strings.Contains(text, want) {
				t.Errorf("the refusal lacks %q", want)
			}
		}
		if v := hidden(t, stale, web.FieldVersion); v != id+".2" {
			t.Fatalf("version after the refusal %q", v)
		}
		if got := e.ownReviewOf(t, w.member, id); got.Summary != "Edited: the data terms are now clear." {
			t.Fatalf("a stale edit was stored: %q", got.Summary)
		}
		// Sent again on the version now shown, it is saved.
		form.Set(web.FieldVersion, id+".2")
		if r := w.b.post(t, path, form); r.Status != 303 {
			t.Fatalf("edit on the new version: %d %s", r.Status, r.text())
		}
		if got := e.ownReviewOf(t, w.member, id); got.Summary != "Another tab's text." {
			t.Fatalf("after the second edit: %q", got.Summary)
		}
	})

	t.Run("Published", func(t *testing.T) {
		pid := e.createProduct(t, "Published Tutor")
		w := e.writer(t, "reviser")
		id := e.submit(t, pid, w.token, e.reviewBody(3))
		e.publish(t, id)
		path := "/me/reviews/" + id + "/edit"
		_, form := e.editFormOf(t, w, id)
		form.Set("summary", "A revision after a term's use.")
		if r := w.b.post(t, path, form); r.Status != 303 {
			t.Fatalf("edit: %d %s", r.Status, r.text())
		}
		got := e.ownReviewOf(t, w.member, id)
		if got.Status != registry.StatusPublished || got.Summary != "Useful for practice, but the data terms are unclear." ||
			got.Revision == nil || got.Revision.Status != registry.StatusPending || got.Revision.Summary != "A revision after a term's use." {
			t.Fatalf("after the edit: %+v", got)
		}
		// The edit form now shows the pending revision.
		p, _ := e.editFormOf(t, w, id)
		if !strings.Contains(p.Body, "A revision after a term&#39;s use.") || hidden(t, p, web.FieldVersion) != got.Revision.ID+".1" {
			t.Fatal("the edit form does not show the pending revision")
		}
	})

	t.Run("Errors", func(t *testing.T) {
		pid := e.createProduct(t, "Wrong Edit Tutor")
		w := e.writer(t, "wrong-editor")
		id := e.submit(t, pid, w.token, e.reviewBody(1))
		_, form := e.editFormOf(t, w, id)
		form.Set("summary", "")
		r := w.b.post(t, "/me/reviews/"+id+"/edit", form)
		if r.Status != 422 || !strings.Contains(r.Body, `href="#summary"`) || !strings.Contains(r.text(), "Enter a summary") {
			t.Fatalf("edit with an error: %d %s", r.Status, r.text())
		}
		if got := e.ownReviewOf(t, w.member, id); got.Summary == "" {
			t.Fatal("a refused edit was stored")
		}
	})

	t.Run("WithdrawnMeanwhile", func(t *testing.T) {
		pid := e.createProduct(t, "Withdrawn Tutor")
		w := e.writer(t, "late-editor")
		id := e.submit(t, pid, w.token, e.reviewBody(2))
		_, form := e.editFormOf(t, w, id)
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: w.token})
		form.Set("summary", "Typed before the withdrawal.")
		r := w.b.post(t, "/me/reviews/"+id+"/edit", form)
		if r.Status != 409 || !strings.Contains(r.text(), "This review cannot be edited now") || !strings.Contains(r.Body, "Typed before the withdrawal.") {
			t.Fatalf("edit of a withdrawn review: %d %s", r.Status, r.text())
		}
		checkPageHeaders(t, r)
		if got := e.ownReviewOf(t, w.member, id); got.Status != registry.StatusWithdrawn {
			t.Fatalf("status %s", got.Status)
		}
		if p := w.b.get(t, "/me/reviews/"+id+"/edit"); p.Status != 409 {
			t.Fatalf("edit form of a withdrawn review: %d", p.Status)
		}
	})

	t.Run("OnlyTheAuthor", func(t *testing.T) {
		pid := e.createProduct(t, "Someone's Tutor")
		a := e.writer(t, "edit-owner")
		id := e.submit(t, pid, a.token, e.reviewBody(2))
		_, form := e.editFormOf(t, a, id)
		b := e.writer(t, "edit-stranger")
		checkPageHeaders(t, b.b.mustGet(t, 404, "/me/reviews/"+id+"/edit"))
		b.b.mustGet(t, 200, "/products/"+pid+"/review") // a form token for b
		form.Set("summary", "Not mine to change.")
		if r := b.b.post(t, "/me/reviews/"+id+"/edit", form); r.Status != 404 {
			t.Fatalf("another's edit: %d", r.Status)
		}
		form.Set("_csrf", "forged")
		if r := a.b.post(t, "/me/reviews/"+id+"/edit", form); r.Status != 403 {
			t.Fatalf("edit without its token: %d", r.Status)
		}
		if got := e.ownReviewOf(t, a.member, id); got.Summary == "Not mine to change." {
			t.Fatal("the review was changed")
		}
	})
}
