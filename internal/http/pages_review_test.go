package http

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// writer is a reviewer with an account, signed in in a browser.
type writer struct {
	member
	b *browser
}

// writer makes a reviewer's account with handle and signs it in in a
// browser.
func (e *env) writer(t testing.TB, handle string) *writer {
	t.Helper()
	m := e.newMember(t, handle, "pages")
	b := e.browser()
	b.cookies[SessionCookie] = m.session
	return &writer{member: m, b: b}
}

// hidden returns the value of a page's hidden field.
func hidden(t testing.TB, p *page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no hidden field %q on the page", name)
	}
	return m[1]
}

// checkUniqueIDs fails the test if two elements of a page share an id.
func checkUniqueIDs(t testing.TB, p *page) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`\sid="([^"]*)"`).FindAllStringSubmatch(p.Body, -1) {
		if seen[m[1]] {
			t.Errorf("id %q is used twice", m[1])
		}
		seen[m[1]] = true
	}
}

// filledForm is a complete, valid review form for the default rubric, with
// the hidden fields of form page p.
func (e *env) filledForm(t testing.TB, p *page) url.Values {
	t.Helper()
	v := url.Values{}
	for _, n := range []string{web.FieldKey, web.FieldRubric, web.FieldRubricVersion} {
		v.Set(n, hidden(t, p, n))
	}
	v.Set("role", "teacher")
	v.Set("phase", "primary")
	v.Set("nation", "wales")
	v.Set("setting", "maintained")
	v.Set("subject", "maths")
	v.Set("months", "6")
	v.Set("frequency", "weekly")
	for _, c := range e.rubric.Criteria() {
		v.Set(web.AnswerField(c.ID), "3")
	}
	v.Set("recommendation", "conditional")
	v.Set("summary", "Useful for practice, but the data terms are unclear.")
	v.Set("conflict", "no")
	v.Set("action", "submit")
	return v
}

// writtenReviews returns the reviews of a member through the API.
func (e *env) writtenReviews(t testing.TB, m member) []moderatedReviewJSON {
	t.Helper()
	var out struct {
		Items []moderatedReviewJSON `json:"items"`
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews", Token: m.token}).json(t, &out)
	return out.Items
}

func TestReviewPageForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Form Tutor")
	path := "/products/" + pid + "/review"

	t.Run("RendersEveryCriterion", func(t *testing.T) {
		w := e.writer(t, "form-reader")
		p := w.b.mustGet(t, 200, path)
		checkPageHeaders(t, p)
		checkUniqueIDs(t, p)
		text := p.text()
		if n := strings.Count(p.Body, "<h1"); n != 1 {
			t.Errorf("%d h1 elements", n)
		}
		for _, d := range e.rubric.Dimensions {
			if !strings.Contains(p.Body, `<h2 id="dimension-`+d.ID+`">`) {
				t.Errorf("no heading for dimension %s", d.ID)
			}
		}
		for _, c := range e.rubric.Criteria() {
			id := web.AnswerField(c.ID)
			if strings.Contains(id, ".") {
				t.Fatalf("id %q has a dot", id)
			}
			for _, want := range []string{`id="` + id + `"`, `for="` + web.CommentField(c.ID) + `"`, `for="` + web.EvidenceField(c.ID) + `"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("%s: page lacks %s", c.ID, want)
				}
			}
			if !strings.Contains(text, c.Title) || !strings.Contains(text, strings.Join(strings.Fields(c.Question), " ")) {
				t.Errorf("%s: title or question missing", c.ID)
			}
			for _, l := range c.Levels {
				if !strings.Contains(text, strings.Join(strings.Fields(l.Descriptor), " ")) {
					t.Errorf("%s: level %d's descriptor missing", c.ID, l.Score)
				}
			}
			if got, want := strings.Contains(p.Body, `id="`+id+`-unknown"`), c.Unknown != registry.UnknownNone; got != want {
				t.Errorf("%s (unknown %s): don't know offered %v", c.ID, c.Unknown, got)
			}
			if got := strings.Contains(p.Body, `id="`+id+`-na"`); got != c.NotApplicable {
				t.Errorf("%s (notApplicable %v): not applicable offered %v", c.ID, c.NotApplicable, got)
			}
			if c.Guidance != "" && !strings.Contains(p.Body, `aria-describedby="question-`+strings.TrimPrefix(id, "answer-")+` guidance-`+strings.TrimPrefix(id, "answer-")+`"`) {
				t.Errorf("%s: the fieldset is not described by its question and guidance", c.ID)
			}
		}
		for _, want := range []string{"Do not name anyone", `for="summary"`, `for="months"`, `for="subject"`, `id="role"`, `id="conflict"`,
			`name="key" value="`, `name="action" value="draft"`, "data-autosave"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " style=") || strings.Contains(p.Body, " onclick=") {
			t.Error("inline script or style")
		}
	})

	t.Run("VisitorSignsInFirst", func(t *testing.T) {
		b := e.browser()
		r := b.get(t, path)
		if r.Status != 303 || r.Header.Get("Location") != "/signin?next="+url.QueryEscape(path) {
			t.Fatalf("visitor: %d %q", r.Status, r.Header.Get("Location"))
		}
		// A page with a form gives this browser its form token.
		b.mustGet(t, 200, "/signin")
		if r := b.post(t, path, url.Values{"summary": {"x"}}); r.Status != 401 {
			t.Fatalf("visitor's post: %d", r.Status)
		}
		if r := b.get(t, "/me/reviews/0123456789abcdef01234567/edit"); r.Status != 303 {
			t.Fatalf("visitor's edit: %d", r.Status)
		}
	})

	t.Run("NoSuchProduct", func(t *testing.T) {
		b := e.signedInBrowser(t, e.signUp(t, registry.RoleOfficer, "form-lost"))
		checkPageHeaders(t, b.mustGet(t, 404, "/products/no-such-product/review"))
	})

	t.Run("CSRFRefused", func(t *testing.T) {
		w := e.writer(t, "form-forger")
		p := w.b.mustGet(t, 200, path)
		form := e.filledForm(t, p)
		form.Set("_csrf", "forged")
		r := w.b.post(t, path, form)
		if r.Status != 403 {
			t.Fatalf("post without its token: %d", r.Status)
		}
		checkPageHeaders(t, r)
		form.Set("action", "draft")
		if r := w.b.post(t, path, form); r.Status != 403 {
			t.Fatalf("draft without its token: %d", r.Status)
		}
		if n := len(e.writtenReviews(t, w.member)); n != 0 {
			t.Fatalf("%d reviews stored", n)
		}
		if _, err := e.store.Draft(t.Context(), w.p.AccountID, pid); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Fatalf("draft: %v", err)
		}
	})

	t.Run("Welsh", func(t *testing.T) {
		w := e.writer(t, "form-cymraeg")
		w.b.lang = "cy"
		p := w.b.mustGet(t, 200, path)
		checkPageHeaders(t, p)
		text := p.text()
		for _, want := range []string{`<html lang="cy">`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		for _, want := range []string{"Amdanoch chi", "Anfon yr adolygiad", "Peidiwch ag enwi neb", "Cadw drafft", "Ddim yn gwybod"} {
			if !strings.Contains(text, want) {
				t.Errorf("Welsh page lacks %q", want)
			}
		}
		// Rubric text without a Welsh translation is marked as English.
		untranslated := e.rubrics.Localize(e.rubric, "cy") == e.rubric
		if got := strings.Contains(p.Body, `<h3 class="criterion__title" lang="en">`); got != untranslated {
			t.Errorf("rubric text marked English: %v, untranslated: %v", got, untranslated)
		}
		form := e.filledForm(t, p)
		form.Del("role")
		r := w.b.post(t, path, form)
		if r.Status != 422 || !strings.Contains(r.text(), "Dewiswch eich rôl") || !strings.Contains(r.text(), "Mae problem wedi codi") {
			t.Fatalf("Welsh errors: %d %s", r.Status, r.text())
		}
	})
}

func TestReviewPageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Error Tutor")
	path := "/products/" + pid + "/review"
	crit := e.rubric.Criteria()
	w := e.writer(t, "error-maker")
	p := w.b.mustGet(t, 200, path)
	form := e.filledForm(t, p)
	form.Del("role")
	form.Set("months", "six")
	form.Del(web.AnswerField(crit[0].ID))
	form.Del(web.AnswerField(crit[5].ID))
	form.Set(web.CommentField(crit[1].ID), "A kept comment.")
	form.Set(web.EvidenceField(crit[2].ID), "https://vendor.example/privacy\nnot a link")
	form.Set("summary", strings.Repeat("long ", registry.MaxSummaryLength/4))
	var none string
	for _, c := range crit {
		if c.Unknown == registry.UnknownNone {
			none = c.ID
		}
	}
	if none != "" {
		form.Set(web.AnswerField(none), "unknown") // not offered: refused by the rubric check
	}
	r := w.b.post(t, path, form)
	if r.Status != 422 {
		t.Fatalf("status %d; %s", r.Status, r.text())
	}
	checkPageHeaders(t, r)
	checkUniqueIDs(t, r)
	if !strings.Contains(r.Body, `<title>Error:`) {
		t.Error("the title does not say there is an error")
	}
	summary := r.Body[strings.Index(r.Body, "error-summary"):]
	summary = summary[:strings.Index(summary, "</ul>")]
	wantLinks := []string{"#role", "#months", "#" + web.AnswerField(crit[0].ID), "#" + web.AnswerField(crit[5].ID),
		"#" + web.EvidenceField(crit[2].ID), "#summary"}
	if none != "" {
		wantLinks = append(wantLinks, "#"+web.AnswerField(none))
	}
	// In the order of the page.
	if i, j := strings.Index(summary, `href="#`+web.AnswerField(crit[5].ID)+`"`), strings.Index(summary, `href="#summary"`); i < 0 || j < i ||
		strings.Index(summary, `href="#months"`) > i {
		t.Errorf("the error summary is not in the order of the form:\n%s", summary)
	}
	for _, want := range wantLinks {
		if !strings.Contains(summary, `href="`+want+`"`) {
			t.Errorf("the error summary does not link to %s:\n%s", want, summary)
		}
		id := strings.TrimPrefix(want, "#")
		if !strings.Contains(r.Body, `id="`+id+`-error"`) {
			t.Errorf("no message beside %s", id)
		}
		if !strings.Contains(r.Body, `id="`+id+`"`) {
			t.Errorf("the summary links to %s, which is not on the page", id)
		}
	}
	text := r.text()
	for _, want := range []string{"Choose your role", "Enter how many months", "Choose an answer to “" + crit[0].Title + "”",
		"The summary must be 5000 characters or fewer", "Evidence for “" + crit[2].Title + "”"} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks the message %q", want)
		}
	}
	// Everything entered is kept.
	for _, want := range []string{`value="six"`, "A kept comment.", "not a link", `value="maths"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the form lost %q", want)
		}
	}
	if !regexp.MustCompile(`id="` + web.AnswerField(crit[1].ID) + `-3" name="[^"]+" value="3" checked`).MatchString(r.Body) {
		t.Error("a chosen answer is not kept")
	}
	if !regexp.MustCompile(`id="phase-primary" name="phase" value="primary" checked`).MatchString(r.Body) {
		t.Error("the chosen phase is not kept")
	}
	if hidden(t, r, web.FieldKey) != form.Get(web.FieldKey) {
		t.Error("the form's key changed")
	}
	if !strings.Contains(text, "saved as a draft") {
		t.Error("the page does not say the draft was kept")
	}
	if n := len(e.writtenReviews(t, w.member)); n != 0 {
		t.Fatalf("%d reviews stored", n)
	}
}

func TestReviewPageSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("OnePendingReview", func(t *testing.T) {
		pid := e.createProduct(t, "Submit Tutor")
		path := "/products/" + pid + "/review"
		w := e.writer(t, "submitter")
		form := e.filledForm(t, w.b.mustGet(t, 200, path))
		r := w.b.post(t, path, form)
		if r.Status != 303 {
			t.Fatalf("status %d: %s", r.Status, r.text())
		}
		loc := r.Header.Get("Location")
		mine := e.writtenReviews(t, w.member)
		if len(mine) != 1 || mine[0].Status != registry.StatusPending || mine[0].ProductID != pid {
			t.Fatalf("own reviews: %+v", mine)
		}
		rv := mine[0]
		if loc != "/products/"+pid+"/review/done?review="+rv.ID {
			t.Fatalf("Location %q", loc)
		}
		if rv.Reviewer.Nation != "wales" || rv.Usage.Months != 6 || rv.Summary != form.Get("summary") || len(rv.Answers) != len(e.rubric.Criteria()) {
			t.Fatalf("stored review: %+v", rv)
		}
		// In the moderation queue, as a JSON submission is.
		var q struct {
			Items []moderatedReviewJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews", Token: e.tokens[registry.RoleModerator]}).json(t, &q)
		found := false
		for _, it := range q.Items {
			found = found || it.ID == rv.ID
		}
		if !found {
			t.Fatal("the review is not in the moderation queue")
		}
		// One audit entry, as for a JSON submission.
		var audit struct {
			Items []auditEntryJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?target=review:" + rv.ID, Token: testAdminToken}).json(t, &audit)
		if len(audit.Items) != 1 || audit.Items[0].Action != string(registry.AuditReviewSubmit) {
			t.Fatalf("audit: %+v", audit.Items)
		}
		// A double click or a retried post stores nothing more.
		again := w.b.post(t, path, form)
		if again.Status != 303 || again.Header.Get("Location") != loc {
			t.Fatalf("retry: %d %q", again.Status, again.Header.Get("Location"))
		}
		if n := len(e.writtenReviews(t, w.member)); n != 1 {
			t.Fatalf("%d reviews after a retry", n)
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?target=review:" + rv.ID, Token: testAdminToken}).json(t, &audit)
		if len(audit.Items) != 1 {
			t.Fatalf("audit after a retry: %+v", audit.Items)
		}
		// The confirmation says what happens next.
		done := w.b.follow(t, r)
		if done.Status != 200 {
			t.Fatalf("done: %d", done.Status)
		}
		checkPageHeaders(t, done)
		for _, want := range []string{"A moderator reads it", "next release", "without your name"} {
			if !strings.Contains(done.text(), want) {
				t.Errorf("the confirmation lacks %q", want)
			}
		}
		if !strings.Contains(done.Body, `href="/me/reviews/`+rv.ID+`"`) {
			t.Error("the confirmation does not link to the review")
		}
	})

	t.Run("SecondReviewExplained", func(t *testing.T) {
		pid := e.createProduct(t, "Second Tutor")
		path := "/products/" + pid + "/review"
		w := e.writer(t, "second-try")
		if r := w.b.post(t, path, e.filledForm(t, w.b.mustGet(t, 200, path))); r.Status != 303 {
			t.Fatalf("first: %d", r.Status)
		}
		first := e.writtenReviews(t, w.member)[0].ID
		form := e.filledForm(t, w.b.mustGet(t, 200, path))
		form.Set("summary", "Another view entirely.")
		r := w.b.post(t, path, form)
		if r.Status != 409 {
			t.Fatalf("second: %d %s", r.Status, r.text())
		}
		if !strings.Contains(r.Body, `href="/me/reviews/`+first+`"`) || !strings.Contains(r.text(), "You already have a review of this product") {
			t.Fatalf("the conflict is not explained: %s", r.text())
		}
		if !strings.Contains(r.Body, "Another view entirely.") {
			t.Error("what was entered is lost")
		}
		if n := len(e.writtenReviews(t, w.member)); n != 1 {
			t.Fatalf("%d reviews", n)
		}
	})

	t.Run("ReusedKeyWithAnotherBody", func(t *testing.T) {
		pid := e.createProduct(t, "Key Tutor")
		path := "/products/" + pid + "/review"
		w := e.writer(t, "key-reuser")
		form := e.filledForm(t, w.b.mustGet(t, 200, path))
		if r := w.b.post(t, path, form); r.Status != 303 {
			t.Fatalf("first: %d", r.Status)
		}
		form.Set("summary", "Changed after sending.")
		r := w.b.post(t, path, form)
		if r.Status != 422 || !strings.Contains(r.Body, `href="#submit"`) {
			t.Fatalf("reused key: %d %s", r.Status, r.text())
		}
		if hidden(t, r, web.FieldKey) == form.Get(web.FieldKey) {
			t.Error("the form keeps a key that was used")
		}
		if n := len(e.writtenReviews(t, w.member)); n != 1 {
			t.Fatalf("%d reviews", n)
		}
	})
}
