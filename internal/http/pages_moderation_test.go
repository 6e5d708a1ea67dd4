package http

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// staffBrowser makes an account with role and returns a browser signed in
// to it.
func (e *env) staffBrowser(t testing.TB, role, handle string) *browser {
	t.Helper()
	e.signUp(t, role, handle)
	return e.signedInBrowser(t, handle)
}

// moderated reads a review through the API as the moderator.
func (e *env) moderated(t testing.TB, id string) moderatedReviewJSON {
	t.Helper()
	var out moderatedReviewJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: e.tokens[registry.RoleModerator]}).json(t, &out)
	return out
}

// versionRE finds the version a decision form posts back.
var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// formVersion returns the version the page's forms post, failing the test
// when there is none.
func formVersion(t testing.TB, p *page) string {
	t.Helper()
	m := versionRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no version field on the page: %s", p.text())
	}
	return m[1]
}

func TestModerationPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Queue Tutor")
	named := e.reviewBody(2)
	named["summary"] = "I asked Mrs Patel at Ysgol Gymraeg Aberystwyth <script>alert(1)</script> before we signed up; Mrs Patel agreed."
	namedID := e.submit(t, pid, e.reviewerToken(t), named)
	cleanID := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(3))

	mod := e.staffBrowser(t, registry.RoleModerator, "mod-pages")
	admin := e.staffBrowser(t, registry.RoleAdmin, "admin-mod-pages")
	officer := e.staffBrowser(t, registry.RoleOfficer, "officer-mod-pages")
	reviewer := e.staffBrowser(t, registry.RoleReviewer, "reviewer-mod-pages")

	t.Run("Roles", func(t *testing.T) {
		for _, path := range []string{"/moderation", "/moderation/" + namedID} {
			r := e.browser().get(t, path)
			signin := "/signin?" + url.Values{"next": {path}}.Encode()
			if r.Status != 303 || r.Header.Get("Location") != signin {
				t.Errorf("visitor: GET %s: %d %q, want 303 to sign in", path, r.Status, r.Header.Get("Location"))
			}
			for name, b := range map[string]*browser{"reviewer": reviewer, "officer": officer} {
				if p := b.get(t, path); p.Status != 403 {
					t.Errorf("%s: GET %s: %d, want 403", name, path, p.Status)
				}
			}
			for name, b := range map[string]*browser{"moderator": mod, "admin": admin} {
				p := b.mustGet(t, 200, path)
				checkPageHeaders(t, p)
				if !strings.Contains(p.Body, `href="/moderation" aria-current="page"`) {
					t.Errorf("%s: GET %s: the moderation link is not the current one", name, path)
				}
			}
		}
		for _, action := range []string{"publish", "reject"} {
			reviewer.mustGet(t, 404, "/no/such/page") // a form token of the reviewer's session
			if p := reviewer.post(t, "/moderation/"+namedID+"/"+action, url.Values{"reason": {"x"}, "version": {"1"}}); p.Status != 403 {
				t.Errorf("reviewer: POST %s: %d, want 403", action, p.Status)
			}
		}
		if got := e.moderated(t, namedID).Status; got != registry.StatusPending {
			t.Fatalf("status %s after refused decisions", got)
		}
	})

	t.Run("Queue", func(t *testing.T) {
		p := mod.mustGet(t, 200, "/moderation")
		text := p.text()
		for _, want := range []string{"Moderation queue", "Review of Queue Tutor", "Identity hints 2", "Identity hints 0", "Conflict of interest None declared"} {
			if !strings.Contains(text, want) {
				t.Errorf("queue lacks %q: %s", want, text)
			}
		}
		for _, id := range []string{namedID, cleanID} {
			if !strings.Contains(p.Body, `href="/moderation/`+id+`"`) {
				t.Errorf("queue has no link to %s", id)
			}
		}
		hinted := mod.mustGet(t, 200, "/moderation?hints=true")
		if !strings.Contains(hinted.Body, "/moderation/"+namedID) || strings.Contains(hinted.Body, "/moderation/"+cleanID) {
			t.Errorf("hints=true does not keep only the review with hints")
		}
		if !strings.Contains(hinted.Body, `name="hints" value="true" checked`) {
			t.Errorf("the filter is not shown as chosen")
		}
		if none := mod.mustGet(t, 200, "/moderation?conflict=true"); !strings.Contains(none.text(), "No waiting review matches the filters.") {
			t.Errorf("conflict=true: %s", none.text())
		}
		mod.mustGet(t, 422, "/moderation?hints=maybe")
	})

	t.Run("Paging", func(t *testing.T) {
		pe := newEnv(t)
		pp := pe.createProduct(t, "Paged Tutor")
		for range registry.DefaultPageLimit + 1 {
			pe.submit(t, pp, pe.reviewerToken(t), pe.reviewBody(2))
		}
		b := pe.staffBrowser(t, registry.RoleModerator, "pager")
		first := b.mustGet(t, 200, "/moderation")
		if n := strings.Count(first.Body, `<li class="card">`); n != registry.DefaultPageLimit {
			t.Fatalf("first page: %d reviews", n)
		}
		m := regexp.MustCompile(`href="(/moderation\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(first.Body)
		if m == nil {
			t.Fatal("no link to the next page")
		}
		next := b.mustGet(t, 200, strings.ReplaceAll(m[1], "&amp;", "&"))
		if n := strings.Count(next.Body, `<li class="card">`); n != 1 {
			t.Fatalf("second page: %d reviews", n)
		}
		if !strings.Contains(next.Body, `href="/moderation">First page</a>`) {
			t.Errorf("no link back to the first page")
		}
	})

	t.Run("HintsMarkedAndEscaped", func(t *testing.T) {
		p := mod.mustGet(t, 200, "/moderation/"+namedID)
		if n := strings.Count(p.Body, `<mark class="highlight">Mrs Patel</mark>`); n != 2 {
			t.Errorf("Mrs Patel is marked %d times, want both places", n)
		}
		if !strings.Contains(p.Body, `<mark class="highlight">Ysgol Gymraeg Aberystwyth</mark>`) {
			t.Errorf("the school is not marked")
		}
		if strings.Contains(p.Body, "<script>alert") || !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("the review's text is not escaped")
		}
		text := p.text()
		for _, want := range []string{"Review of Queue Tutor", "Identity hint: Mrs Patel (end of hint)", "A person's name: Mrs Patel",
			"School, college or university: Ysgol Gymraeg Aberystwyth", "Teacher", "Primary", "England", "Recommend with conditions"} {
			if !strings.Contains(text, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		title := e.rubric.Criteria()[0].Title
		if !strings.Contains(text, title) {
			t.Errorf("review page lacks the criterion title %q", title)
		}
		if !strings.Contains(p.Body, `name="redact" value="summary"`) || !strings.Contains(p.Body, `name="redact" value="reviewer.subject"`) {
			t.Errorf("no redaction choice for the summary and the subject")
		}
		if strings.Contains(p.Body, `value="answers[0].comment"`) || strings.Contains(p.Body, `value="conflictOfInterest.details"`) {
			t.Errorf("a redaction choice for an empty field")
		}
		if strings.Contains(p.Body, `name="acknowledgeConflict"`) {
			t.Errorf("an acknowledgement for a review without a conflict")
		}
	})

	t.Run("PublishWithRedaction", func(t *testing.T) {
		body := e.reviewBody(3)
		body["summary"] = "Mrs Patel said it works.\nThe rest is fine."
		answers(body)[1]["comment"] = "Email head@school.example.org for the trial notes."
		id := e.submit(t, pid, e.reviewerToken(t), body)
		p := mod.mustGet(t, 200, "/moderation/"+id)
		if !strings.Contains(p.Body, "[…] said it works.\nThe rest is fine.</textarea>") {
			t.Errorf("the summary's replacement does not mask the hint: %s", p.Body)
		}
		seq := e.lastAuditSeq(t)
		r := mod.post(t, "/moderation/"+id+"/publish", url.Values{
			"version":                    {formVersion(t, p)},
			"redact":                     {"summary", "answers[1].comment"},
			"text:summary":               {"[…] said it works.\r\nThe rest is fine."},
			"text:answers[1].comment":    {"[…]"},
			"text:answers[2].comment":    {"not redacted: not ticked"},
			"text:conflictOfInterest.de": {"ignored"},
		})
		if r.Status != 303 || r.Header.Get("Location") != "/moderation?done=published" {
			t.Fatalf("publish: %d %q: %s", r.Status, r.Header.Get("Location"), r.text())
		}
		if q := mod.follow(t, r); !strings.Contains(q.text(), "The review is published.") {
			t.Errorf("no confirmation: %s", q.text())
		}
		got := e.moderated(t, id)
		if got.Status != registry.StatusPublished || got.Summary != "[…] said it works.\nThe rest is fine." ||
			got.Answers[1].Comment != "[…]" || !slices.Equal(got.Redacted, []string{"summary", "answers[1].comment"}) {
			t.Errorf("published: status %s, summary %q, comment %q, redacted %v", got.Status, got.Summary, got.Answers[1].Comment, got.Redacted)
		}
		entries := e.auditSince(t, seq)
		if len(entries) != 1 || entries[0].Action != "review.publish" || entries[0].Target != "review:"+id ||
			entries[0].Actor.Handle != "mod-pages" || !strings.Contains(strings.Join(anyStrings(entries[0].Detail["redactedFields"]), ","), "answers[1].comment") {
			t.Errorf("audit entries %+v", entries)
		}
		after := mod.mustGet(t, 200, "/moderation/"+id)
		if strings.Contains(after.Body, `action="/moderation/`+id+`/publish"`) || !strings.Contains(after.text(), "Fields redacted summary, answers[1].comment") {
			t.Errorf("a published review's page: %s", after.text())
		}
	})

	t.Run("StaleVersion", func(t *testing.T) {
		author := e.reviewerToken(t)
		id := e.submit(t, pid, author, e.reviewBody(2))
		p := mod.mustGet(t, 200, "/moderation/"+id)
		read := formVersion(t, p)
		edited := e.reviewBody(2)
		edited["summary"] = "Edited after the moderator opened it."
		e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: author, Body: edited})
		for _, action := range []string{"publish", "reject"} {
			r := mod.post(t, "/moderation/"+id+"/"+action, url.Values{"version": {read}, "reason": {"Off topic."}})
			if r.Status != 412 {
				t.Fatalf("%s of a changed review: %d, want 412", action, r.Status)
			}
			now := e.moderated(t, id)
			want := "This review changed after you opened it, so nothing was done. Below is the review as it is now (version " + strconv.Itoa(currentVersion(t, e, id)) + ")"
			if !strings.Contains(r.text(), want) || !strings.Contains(r.text(), "Edited after the moderator opened it.") {
				t.Errorf("%s: the page does not say the review changed, with the new text: %s", action, r.text())
			}
			if formVersion(t, r) == read {
				t.Errorf("%s: the form still posts the old version", action)
			}
			if now.Status != registry.StatusPending {
				t.Errorf("%s: status %s, want pending", action, now.Status)
			}
		}
	})

	t.Run("RejectNeedsAReason", func(t *testing.T) {
		id := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(1))
		p := mod.mustGet(t, 200, "/moderation/"+id)
		r := mod.post(t, "/moderation/"+id+"/reject", url.Values{"version": {formVersion(t, p)}, "reason": {"  \r\n "}})
		if r.Status != 422 {
			t.Fatalf("reject without a reason: %d", r.Status)
		}
		for _, want := range []string{`class="error-summary"`, `href="#reason"`, `id="reason-error"`, `aria-describedby="reason-hint reason-error"`, "Enter a reason for rejecting the review"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the refused rejection lacks %q", want)
			}
		}
		if got := e.moderated(t, id).Status; got != registry.StatusPending {
			t.Fatalf("status %s after a rejection without a reason", got)
		}
		seq := e.lastAuditSeq(t)
		r = mod.post(t, "/moderation/"+id+"/reject", url.Values{"version": {formVersion(t, r)}, "reason": {"Names a pupil."}})
		if r.Status != 303 || r.Header.Get("Location") != "/moderation?done=rejected" {
			t.Fatalf("reject: %d %q", r.Status, r.Header.Get("Location"))
		}
		if got := e.moderated(t, id); got.Status != registry.StatusRejected || got.RejectReason != "Names a pupil." {
			t.Errorf("rejected: %s %q", got.Status, got.RejectReason)
		}
		if entries := e.auditSince(t, seq); len(entries) != 1 || entries[0].Action != "review.reject" || entries[0].Detail["reason"] != "Names a pupil." {
			t.Errorf("audit entries %+v", entries)
		}
	})

	t.Run("ConflictMustBeAcknowledged", func(t *testing.T) {
		body := e.reviewBody(2)
		body["conflictOfInterest"] = map[string]any{"declared": true, "details": "I ran the pilot."}
		id := e.submit(t, pid, e.reviewerToken(t), body)
		p := mod.mustGet(t, 200, "/moderation/"+id)
		if !strings.Contains(p.text(), "I ran the pilot.") {
			t.Errorf("the declared conflict is not shown")
		}
		r := mod.post(t, "/moderation/"+id+"/publish", url.Values{"version": {formVersion(t, p)}, "redact": {"summary"}, "text:summary": {"Kept as ticked."}})
		if r.Status != 422 || !strings.Contains(r.text(), "Confirm that you have read the declared conflict of interest") || !strings.Contains(r.Body, `href="#acknowledge"`) {
			t.Fatalf("publish without acknowledging: %d %s", r.Status, r.text())
		}
		if !strings.Contains(r.Body, `value="summary" checked`) || !strings.Contains(r.Body, "Kept as ticked.</textarea>") {
			t.Errorf("the refused form does not keep what was posted")
		}
		r = mod.post(t, "/moderation/"+id+"/publish", url.Values{"version": {formVersion(t, r)}, "acknowledgeConflict": {"true"}})
		if r.Status != 303 {
			t.Fatalf("publish acknowledging: %d %s", r.Status, r.text())
		}
	})

	t.Run("EmptySummaryRefused", func(t *testing.T) {
		id := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(4))
		p := mod.mustGet(t, 200, "/moderation/"+id)
		r := mod.post(t, "/moderation/"+id+"/publish", url.Values{"version": {formVersion(t, p)}, "redact": {"summary"}, "text:summary": {""}})
		if r.Status != 422 || !strings.Contains(r.Body, `href="#text-summary"`) || !strings.Contains(r.text(), "a summary cannot be empty") {
			t.Fatalf("an empty summary: %d %s", r.Status, r.text())
		}
		if got := e.moderated(t, id).Status; got != registry.StatusPending {
			t.Errorf("status %s", got)
		}
	})

	t.Run("OwnReview", func(t *testing.T) {
		own := e.staffBrowser(t, registry.RoleModerator, "mod-author")
		session := own.cookies[SessionCookie]
		id := e.submit(t, pid, session, e.reviewBody(2))
		p := own.mustGet(t, 200, "/moderation/"+id)
		if !strings.Contains(p.text(), "You wrote this review") || strings.Contains(p.Body, `/publish"`) {
			t.Errorf("a moderator's own review: %s", p.text())
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		id := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(2))
		p := mod.mustGet(t, 200, "/moderation/"+id)
		for _, action := range []string{"publish", "reject"} {
			for name, token := range map[string]string{"none": "", "wrong": "x" + mod.csrf} {
				r := mod.post(t, "/moderation/"+id+"/"+action, url.Values{"_csrf": {token}, "version": {formVersion(t, p)}, "reason": {"No."}})
				if r.Status != 403 || !strings.Contains(r.text(), "This form has expired") {
					t.Errorf("%s with token %s: %d", action, name, r.Status)
				}
			}
		}
		if got := e.moderated(t, id).Status; got != registry.StatusPending {
			t.Errorf("status %s after posts without the form token", got)
		}
	})

	t.Run("Welsh", func(t *testing.T) {
		b := e.signedInBrowser(t, "mod-pages")
		b.lang = "cy"
		q := b.mustGet(t, 200, "/moderation")
		if !strings.Contains(q.Body, `<html lang="cy">`) || !strings.Contains(q.text(), "Ciw cymedroli") || !strings.Contains(q.text(), "Adolygiad o Queue Tutor") {
			t.Errorf("the queue is not Welsh: %s", q.text())
		}
		r := b.mustGet(t, 200, "/moderation/"+namedID)
		for _, want := range []string{"Yr adolygydd", "Athro", "Cynradd", "Lloegr", "Gwrthod yr adolygiad", "Enw person: Mrs Patel"} {
			if !strings.Contains(r.text(), want) {
				t.Errorf("the review page lacks %q", want)
			}
		}
	})
}

// currentVersion reads a review's version as the API's ETag gives it.
func currentVersion(t testing.TB, e *env, id string) int {
	t.Helper()
	tag := strings.Trim(e.readTag(t, id)["If-Match"], `"`)
	n, err := strconv.Atoi(tag)
	if err != nil {
		t.Fatalf("ETag %q", tag)
	}
	return n
}

// anyStrings reads a JSON list of strings.
func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestModText checks how a field's text is cut at its hints: every place a
// hint's text occurs is marked, overlapping hints are one mark, and the
// text offered when the field is redacted replaces each mark.
func TestModText(t *testing.T) {
	t.Parallel()
	pieces := func(path, text string, found []hintJSON) (string, string) {
		mt := modText(path, text, found)
		var b strings.Builder
		for _, p := range mt.Pieces {
			if p.Mark {
				b.WriteString("<" + p.Text + ">")
			} else {
				b.WriteString(p.Text)
			}
		}
		return b.String(), mt.Replacement
	}
	cases := []struct {
		name, text string
		found      []hintJSON
		marked     string
		repl       string
	}{
		{"NoHints", "Fine for Year 7.", nil, "Fine for Year 7.", "[…]"},
		{"OtherFieldsHints", "Mrs Patel", []hintJSON{{Field: "answers[0].comment", Kind: "title-name", Text: "Mrs Patel"}}, "Mrs Patel", "[…]"},
		{"EveryPlace", "Mrs Patel said so; ask Mrs Patel.", []hintJSON{{Field: "summary", Kind: "title-name", Text: "Mrs Patel"}},
			"<Mrs Patel> said so; ask <Mrs Patel>.", "[…] said so; ask […]."},
		{"Overlapping", "Dr Jane Smith of Kingsway School", []hintJSON{
			{Field: "summary", Kind: "title-name", Text: "Dr Jane Smith"}, {Field: "summary", Kind: "my-name", Text: "Jane Smith of Kingsway"},
			{Field: "summary", Kind: "school", Text: "Kingsway School"}},
			"<Dr Jane Smith of Kingsway School>", "[…]"},
		{"Adjacent", "ab", []hintJSON{{Field: "summary", Text: "a"}, {Field: "summary", Text: "b"}}, "<ab>", "[…]"},
		{"Welsh", "Gofynnais i Ysgol Gymraeg Aberystwyth – diolch.", []hintJSON{{Field: "summary", Kind: "school", Text: "Ysgol Gymraeg Aberystwyth"}},
			"Gofynnais i <Ysgol Gymraeg Aberystwyth> – diolch.", "Gofynnais i […] – diolch."},
	}
	for _, tc := range cases {
		marked, repl := pieces("summary", tc.text, tc.found)
		if marked != tc.marked || repl != tc.repl {
			t.Errorf("%s: marked %q, replacement %q; want %q, %q", tc.name, marked, repl, tc.marked, tc.repl)
		}
	}
	for path, want := range map[string]string{"summary": "summary", "answers[12].comment": "answers-12-comment",
		"conflictOfInterest.details": "conflictOfInterest-details", "reviewer.subject": "reviewer-subject"} {
		if got := fieldID(path); got != want {
			t.Errorf("fieldID(%q) = %q, want %q", path, got, want)
		}
	}
}
