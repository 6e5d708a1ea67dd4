package browser

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/edtech-registry/registry/internal/registry"
)

// The review journeys, with a pointer: the whole life of a review with
// JavaScript on (TestJourneyReview), and its writing with JavaScript off
// (TestJourneyReviewNoScript). journey_keyboard_test.go writes one with
// the keyboard alone.

// journeyPassword is the password of the account a journey makes.
const journeyPassword = "a kettle of hawks over Cardigan Bay"

// reviewWriting is what a journey writes in the review form, and what it
// leaves out of its first submission: a validation error to correct.
type reviewWriting struct {
	// Summary is the review's summary; it names a teacher, which the
	// moderation page marks as a hint of identity.
	Summary string
	// Comment is the comment on the rubric's first question.
	Comment string
	// SummaryLater leaves the summary empty in the first submission.
	SummaryLater bool
	// Skip is the index of the question left unanswered in the first
	// submission; -1 answers them all.
	Skip int
}

// scoreOf is the level a journey gives the i-th question of the rubric.
func scoreOf(i int) string { return fmt.Sprint(1 + i%4) }

// radio is the selector of the radio button of group name with value.
func radio(name, value string) string {
	return fmt.Sprintf(`input[type="radio"][name=%q][value=%q]`, name, value)
}

// writeReviewWithPointer writes a review of product from the product's
// page, clicking and typing as a person with a mouse does: a first
// submission with w's errors, the error summary and its links followed to
// each field (which get the focus), the errors corrected, the review
// sent. It returns the review's id, from the confirmation's link.
func writeReviewWithPointer(t *testing.T, tb *tab, began time.Time, product string, w reviewWriting) string {
	t.Helper()
	step(t, began, "write a review of "+product)
	form := "/products/" + product + "/review"
	wantStatus(t, tb.ClickFollow(t, `main a[href="`+form+`"]`), 200)
	tb.wantPath(t, form)

	// About the reviewer and the use: clicks on the labels' buttons.
	tb.Click(t, radio("role", "teacher"))
	tb.Click(t, radio("phase", "secondary"))
	tb.Click(t, radio("nation", "wales"))
	tb.Click(t, radio("setting", "maintained"))
	tb.Fill(t, "#months", "6")
	tb.Click(t, radio("frequency", "weekly"))

	// The rubric's questions.
	groups := tb.answerGroups(t)
	for i, g := range groups {
		if i != w.Skip {
			tb.Click(t, radio(g, scoreOf(i)))
		}
	}
	tb.Fill(t, "#"+strings.Replace(groups[0], "answer-", "comment-", 1), w.Comment)
	tb.Click(t, radio("recommendation", "conditional"))
	if !w.SummaryLater {
		tb.Fill(t, "#summary", w.Summary)
	}
	tb.Click(t, radio("conflict", "no"))

	step(t, began, "send it with an error")
	resp := tb.ClickFollow(t, "#submit")
	wantStatus(t, resp, 422)
	tb.wantPath(t, form)
	var want []string
	if w.Skip >= 0 {
		want = append(want, "#"+groups[w.Skip])
	}
	if w.SummaryLater {
		want = append(want, "#summary")
	}
	links := evaluate[[]string](t, tb, `Array.from(document.querySelectorAll(".error-summary a"), a => a.getAttribute("href"))`)
	if !slices.Equal(links, want) {
		t.Fatalf("the error summary links to %q, want %q; it says:\n%s", links, want, tb.Text(t, ".error-summary"))
	}
	if tb.JS {
		// The page's script moves the focus to the summary.
		tb.WaitFocus(t, ".error-summary")
	}
	if !strings.HasPrefix(evaluate[string](t, tb, "document.title"), "Error:") {
		t.Errorf("the title of the form with errors does not begin with Error: %q", evaluate[string](t, tb, "document.title"))
	}
	// What was entered is all still there.
	if got := tb.CheckedValue(t, groups[len(groups)-1]); got != scoreOf(len(groups)-1) {
		t.Errorf("after the errors, the last question's answer is %q, want %q", got, scoreOf(len(groups)-1))
	}
	if tb.JS {
		// (axe-core does not run where the page's scripts do not: its
		// timers wait for them. The markup is the same either way.)
		tb.State(t, "review-errors")
	}

	step(t, began, "follow the error summary's links and correct")
	for _, target := range want {
		tb.Click(t, `.error-summary a[href="`+target+`"]`)
		tb.WaitFocus(t, target)
		tb.FieldInView(t)
		if target == "#summary" {
			tb.TypeText(t, w.Summary)
			continue
		}
		name := strings.TrimPrefix(target, "#")
		tb.Click(t, radio(name, scoreOf(w.Skip)))
	}
	resp = tb.ClickFollow(t, "#submit")
	wantStatus(t, resp, 200)
	tb.wantPath(t, form+"/done")
	if got := tb.Text(t, "h1"); got != "Your review has been sent" {
		t.Errorf("the confirmation's heading is %q", got)
	}
	u, err := url.Parse(tb.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	id := u.Query().Get("review")
	if id == "" || !tb.Has(t, `main a[href="/me/reviews/`+id+`"]`) {
		t.Fatalf("the confirmation at %s does not link to the review", tb.Path(t))
	}
	if tb.JS {
		tb.State(t, "review-sent")
	}
	return id
}

// signInWithPage signs in on the sign-in page reached from the header's
// link, with the pointer, and expects to come back to where it started.
func signInWithPage(t *testing.T, tb *tab, handle, password string) {
	t.Helper()
	from := tb.Path(t)
	wantStatus(t, tb.ClickFollow(t, `nav a[href^="/signin"]`), 200)
	tb.wantPath(t, "/signin")
	tb.Fill(t, "#handle", handle)
	tb.Fill(t, "#password", password)
	wantStatus(t, tb.ClickFollow(t, `form[action="/signin"] button[type="submit"]`), 200)
	if got := tb.Path(t); got != from {
		t.Fatalf("signed in, the page is %s, want %s (where the person came from)", got, from)
	}
	if !tb.Has(t, `form[action="/signout"]`) {
		t.Fatalf("after signing in the page does not show the person signed in")
	}
}

// TestJourneyReview is the whole life of a review, with JavaScript on and
// a pointer: an officer invites an educator, who makes an account, signs
// out and in again, writes a review (correcting a validation error); a
// moderator redacts a hint of identity and publishes it; it waits for its
// product's release and is then public, anonymised; the officer compares
// three products with a filter and downloads the pack; the educator edits
// the review and withdraws it. axe-core checks each state of a page met
// on the way, which is saved as screenshots (journey-<state>-en-*.png).
func TestJourneyReview(t *testing.T) {
	t.Parallel()
	h := start(t)
	began := time.Now()
	// A product with as many public reviews as the anonymity threshold
	// and no change waiting (the demo's 10 reviews: 5 released one by
	// one, 5 together), so that a new review waits for its release.
	const product = "invigilark-proctor"
	compared := []string{product, "mathsmoth", "gradewhistle"}
	w := reviewWriting{
		Summary:      "Mrs Patel set it up for our Year 11 mocks; marking took half the time, but pupils disliked the webcam checks.",
		Comment:      "Nobody could show us the evidence behind the claims.",
		SummaryLater: true,
		Skip:         2,
	}

	step(t, began, "an officer makes an invitation")
	officer := h.newTab(t, JSOn)
	officer.SignIn(t, registry.RoleOfficer)
	wantStatus(t, officer.Open(t, "/admin/invitations"), 200)
	officer.Fill(t, "#invite-note", "A geography teacher who asked to review")
	wantStatus(t, officer.ClickFollow(t, `form[action="/admin/invitations"] button[type="submit"]`), 200)
	code := officer.Text(t, "dl.summary code")
	join := officer.Attr(t, `dl.summary a[href^="/join?code="]`, "href")
	want := "/join?" + url.Values{"code": {code}}.Encode()
	if code == "" || join != want {
		t.Fatalf("the invitation shows code %q and link %q", code, join)
	}
	officer.State(t, "invitation")
	// Shown once: the list of invitations does not show it again.
	officer.ClickFollow(t, `main a[href="/admin/invitations"]`)
	if strings.Contains(officer.Text(t, "main"), code) {
		t.Error("the list of invitations shows the code again")
	}

	step(t, began, "the educator joins with the link")
	person := h.newTab(t, JSOn)
	wantStatus(t, person.Open(t, join), 200)
	if got := person.Value(t, "#invitation"); got != code {
		t.Errorf("the join form's invitation is %q, want the code %q", got, code)
	}
	handle := uniqueHandle("journey-educator")
	person.Fill(t, "#handle", handle)
	person.Fill(t, "#password", journeyPassword)
	person.Fill(t, "#confirm", journeyPassword)
	wantStatus(t, person.ClickFollow(t, `form[action="/join"] button[type="submit"]`), 200)
	person.wantPath(t, "/me/reviews")
	if got := person.Text(t, ".notice"); !strings.Contains(got, "Your account is ready") {
		t.Errorf("after joining the page says %q", got)
	}
	person.State(t, "joined")

	step(t, began, "sign out, and in again with the sign-in page")
	wantStatus(t, person.ClickFollow(t, `form[action="/signout"] button`), 200)
	person.wantPath(t, "/")
	if person.Has(t, `form[action="/signout"]`) || !strings.Contains(person.Text(t, ".notice"), "You are signed out") {
		t.Fatalf("after signing out the page says %q", person.Text(t, ".notice"))
	}
	signInWithPage(t, person, handle, journeyPassword)

	wantStatus(t, person.ClickFollow(t, `main a[href="/products/`+product+`"]`), 200)
	id := writeReviewWithPointer(t, person, began, product, w)

	step(t, began, "a moderator redacts the name and publishes")
	mod := h.newTab(t, JSOn)
	mod.SignIn(t, registry.RoleModerator)
	wantStatus(t, mod.Open(t, "/moderation"), 200)
	mod.State(t, "moderation-queue")
	wantStatus(t, mod.ClickFollow(t, `main a[href="/moderation/`+id+`"]`), 200)
	if got := mod.Text(t, "mark.highlight"); !strings.Contains(got, "Mrs Patel") {
		t.Errorf("the moderation page marks %q, want the name Mrs Patel", got)
	}
	if strings.Contains(mod.Text(t, "main"), handle) {
		t.Error("the moderation page shows the author's handle")
	}
	mod.State(t, "moderation-review")
	mod.Click(t, "#redact-summary")
	if !evaluate[bool](t, mod, `document.querySelector("#redact-summary").checked`) {
		t.Fatal("the summary's redaction box is not checked")
	}
	redacted := strings.TrimSpace(mod.Value(t, "#text-summary"))
	if !strings.Contains(redacted, "[…]") || strings.Contains(redacted, "Patel") {
		t.Fatalf("the text offered for the redacted summary is %q", redacted)
	}
	wantStatus(t, mod.ClickFollow(t, `form[action="/moderation/`+id+`/publish"] button[type="submit"]`), 200)
	mod.wantPath(t, "/moderation")
	if got := mod.Text(t, ".notice"); !strings.Contains(got, "The review is published") {
		t.Errorf("after publishing the queue says %q", got)
	}

	step(t, began, "the review waits for its product's release")
	visitor := h.newTab(t, JSOn)
	wantStatus(t, person.Open(t, "/me/reviews/"+id), 200)
	waiting := strings.Contains(person.Text(t, "main"), "public with the product's next release")
	if waiting {
		person.State(t, "my-review-waiting")
		wantStatus(t, visitor.Open(t, "/products/"+product), 200)
		if strings.Contains(visitor.Text(t, "main"), redacted) {
			t.Error("the product page shows the review before its release")
		}
	} else {
		t.Logf("the review did not wait: the demo data left changes waiting for %s", product)
	}
	n := h.site.completeRelease(t, product, id)
	step(t, began, fmt.Sprintf("released, with %d more reviews by others", n))

	step(t, began, "the product page shows it, anonymised")
	wantStatus(t, visitor.Open(t, "/products/"+product), 200)
	card := evaluate[string](t, visitor, fmt.Sprintf(`(() => {
		const c = Array.from(document.querySelectorAll("#reviews ~ ul .card")).find(c => c.innerText.includes(%s));
		return c ? c.innerText : "";
	})()`, js(redacted)))
	if card == "" {
		t.Fatalf("the product page does not list the review; its reviews:\n%.2000s", visitor.Text(t, "#reviews ~ ul"))
	}
	if !strings.Contains(card, w.Comment) {
		t.Errorf("the review's card lacks its comment: %q", card)
	}
	month := time.Now().UTC().Format("January 2006")
	if !strings.Contains(card, "Published: "+month) {
		t.Errorf("the review's card does not say it was published in %s: %q", month, card)
	}
	page := visitor.Text(t, "main")
	for _, leak := range []string{"Patel", handle, h.site.Handle(registry.RoleModerator)} {
		if strings.Contains(page, leak) {
			t.Errorf("the product page shows %q", leak)
		}
	}
	if d := exactDate.FindString(page); d != "" {
		t.Errorf("the product page shows an exact date: %q", d)
	}
	visitor.State(t, "product-reviewed")

	step(t, began, "the officer compares three products, filtered")
	wantStatus(t, officer.Open(t, "/compare"), 200)
	for _, p := range compared {
		officer.Click(t, `input[name="products"][value="`+p+`"]`)
	}
	// A select is chosen from the keyboard once its label gave it the
	// focus (a click would open the browser's own list).
	officer.Click(t, `label[for="filter-role"]`)
	officer.WaitFocus(t, "#filter-role")
	officer.Press(t, kb.ArrowDown)
	if got := officer.Value(t, "#filter-role"); got != "teacher" {
		t.Fatalf("the role filter is %q, want teacher", got)
	}
	wantStatus(t, officer.ClickFollow(t, `button[name="compare"]`), 200)
	officer.wantPath(t, "/compare")
	heads := officer.Text(t, "table.compare thead th")
	for _, p := range []string{"Invigilark Proctor", "MathsMoth", "Gradewhistle"} {
		if !strings.Contains(heads, p) {
			t.Errorf("the comparison's columns are %q, without %s", heads, p)
		}
	}
	if got := officer.Text(t, "main .notice"); !strings.Contains(got, "Showing one group of reviewers: Teacher") {
		t.Errorf("the comparison does not say it is filtered: %q", got)
	}
	officer.State(t, "compare-filtered")

	step(t, began, "download the pack")
	pack := `a[href^="/api/v1/compare.xlsx"]`
	if href := officer.Attr(t, pack, "href"); !strings.Contains(href, "role=teacher") {
		t.Errorf("the pack's link %q does not keep the filter", href)
	}
	officer.TabTo(t, pack)
	name, body := officer.Download(t, Enter)
	if !strings.HasSuffix(name, ".xlsx") {
		t.Errorf("the pack is named %q", name)
	}
	sheets := checkWorkbook(t, body, "Invigilark Proctor", "MathsMoth", "Gradewhistle")
	t.Logf("the pack %s (%d bytes) has sheets %q", name, len(body), sheets)

	step(t, began, "the educator edits the review")
	wantStatus(t, person.Open(t, "/me/reviews"), 200)
	wantStatus(t, person.ClickFollow(t, `main a[href="/me/reviews/`+id+`"]`), 200)
	mine := person.Text(t, "main")
	for _, want := range []string{"Published", "Public:", "Summary"} {
		if !strings.Contains(mine, want) {
			t.Errorf("the author's page of the public review lacks %q", want)
		}
	}
	person.State(t, "my-review-public")
	wantStatus(t, person.ClickFollow(t, `main a[href="/me/reviews/`+id+`/edit"]`), 200)
	person.wantPath(t, "/me/reviews/"+id+"/edit")
	if got := strings.TrimSpace(person.Value(t, "#summary")); got == "" {
		t.Error("the edit form's summary is empty")
	}
	person.State(t, "review-edit")
	edited := "Marking took half the time; the webcam checks worried pupils, so we stopped them."
	person.Click(t, "#summary")
	person.SelectAll(t)
	person.TypeText(t, edited)
	if got := person.Value(t, "#summary"); got != edited {
		t.Fatalf("the summary now says %q, want %q", got, edited)
	}
	wantStatus(t, person.ClickFollow(t, "#submit"), 200)
	person.wantPath(t, "/products/"+product+"/review/done")
	if got := person.Text(t, "h1"); got != "Your changes have been saved" {
		t.Errorf("after the edit the heading is %q", got)
	}
	person.State(t, "review-edited")
	wantStatus(t, person.ClickFollow(t, `main a[href="/me/reviews/`+id+`"]`), 200)
	mine = person.Text(t, "main")
	if !strings.Contains(mine, "Your edit, waiting for moderation") || !strings.Contains(mine, edited) {
		t.Errorf("the author's page does not show the edit pending:\n%.2000s", mine)
	}
	person.State(t, "my-review-revision")

	step(t, began, "and withdraws it")
	wantStatus(t, person.ClickFollow(t, `main a[href="/me/reviews/`+id+`/withdraw"]`), 200)
	person.State(t, "withdraw")
	wantStatus(t, person.ClickFollow(t, `form[action="/me/reviews/`+id+`/withdraw"] button[type="submit"]`), 200)
	person.wantPath(t, "/me/reviews")
	if got := person.Text(t, ".notice"); !strings.Contains(got, "Your review was withdrawn") {
		t.Errorf("after withdrawing the page says %q", got)
	}
	if got := person.Text(t, "main"); !strings.Contains(got, "Withdrawn") {
		t.Errorf("the list of reviews does not show the review withdrawn:\n%.1500s", got)
	}
	person.State(t, "withdrawn")
	wantStatus(t, visitor.Open(t, "/products/"+product), 200)
	if strings.Contains(visitor.Text(t, "main"), redacted) {
		t.Error("the product page still lists the withdrawn review")
	}
	step(t, began, "done")
}

// TestJourneyReviewNoScript writes a review with JavaScript off, with a
// pointer: sign in from a product's page, write, send with the summary
// left empty, follow the error summary's link to it (the browser moves the
// focus there: no script does), write it, send, the confirmation.
func TestJourneyReviewNoScript(t *testing.T) {
	t.Parallel()
	h := start(t)
	began := time.Now()
	const product = "rotaweave"
	tb := h.newTab(t, JSOff)
	wantStatus(t, tb.Open(t, "/products/"+product), 200)
	step(t, began, "sign in")
	signInWithPage(t, tb, h.site.Handle(registry.RoleReviewer), password)
	writeReviewWithPointer(t, tb, began, product, reviewWriting{
		Summary:      "The rota drafts are sensible; check them against staff preferences before sharing.",
		Comment:      "The vendor showed us a published evaluation.",
		SummaryLater: true,
		Skip:         -1,
	})
	step(t, began, "done")
}
