package browser

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/edtech-registry/registry/internal/registry"
)

// formTabs bounds the presses of Tab from one control of the review form
// to another: from a question near the top to the button that sends the
// form is a few hundred stops (each question is a radio group, a comment
// and evidence links), as it is for a person.
const formTabs = 400

// chooseWithKeys gives the focused radio group the answer reached by
// pressing ArrowDown down times (0: Space, which checks the focused
// button), and fails the test unless the group's answer is then want.
func (tb *tab) chooseWithKeys(t testing.TB, name string, down int, want string) {
	t.Helper()
	if down == 0 {
		tb.Press(t, Space)
	} else {
		tb.Press(t, strings.Repeat(kb.ArrowDown, down))
	}
	if got := tb.CheckedValue(t, name); got != want {
		t.Fatalf("the keys chose %q in %s, want %q (the focus is on %s)", got, name, want, tb.Focused(t))
	}
}

// TestJourneyReviewKeyboard writes a review with the keyboard alone,
// JavaScript on: Tab, Enter, Space, the arrow keys and typing, never a
// click. From a product's page the educator signs in (and comes back),
// opens the form, chooses every answer with Space or the arrow keys, sends
// the form with one question unanswered, finds the focus on the error
// summary, follows its link with Enter to the question (which gets the
// focus), answers it, sends the form and reaches the confirmation.
func TestJourneyReviewKeyboard(t *testing.T) {
	t.Parallel()
	h := start(t)
	began := time.Now()
	const product = "letterkite"
	const skip = 4 // the question left unanswered at first
	form := "/products/" + product + "/review"
	tb := h.newTab(t, JSOn)
	wantStatus(t, tb.Open(t, "/products/"+product), 200)

	step(t, began, "sign in")
	tb.TabTo(t, `nav a[href^="/signin"]`)
	wantStatus(t, tb.Follow(t, Enter), 200)
	tb.wantPath(t, "/signin")
	tb.TabTo(t, "#handle")
	tb.TypeText(t, h.site.Handle(registry.RoleReviewer))
	tb.TabTo(t, "#password")
	tb.TypeText(t, password)
	tb.TabTo(t, `form[action="/signin"] button[type="submit"]`)
	wantStatus(t, tb.Follow(t, Enter), 200)
	tb.wantPath(t, "/products/"+product)

	step(t, began, "open the form and answer with the keys")
	tb.TabTo(t, `main a[href="`+form+`"]`)
	wantStatus(t, tb.Follow(t, Enter), 200)
	tb.wantPath(t, form)
	// Tab reaches a group's first button (none is checked yet); Space
	// checks it, each ArrowDown checks the next.
	tb.TabTo(t, "#role")
	tb.chooseWithKeys(t, "role", 0, "teacher")
	tb.TabTo(t, "#phase")
	tb.chooseWithKeys(t, "phase", 1, "primary")
	tb.TabTo(t, "#nation")
	tb.chooseWithKeys(t, "nation", 2, "wales")
	tb.TabTo(t, "#subject")
	tb.TypeText(t, "Family liaison")
	tb.TabTo(t, "#months")
	tb.TypeText(t, "3")
	tb.TabTo(t, "#frequency")
	tb.chooseWithKeys(t, "frequency", 2, "monthly")
	groups := tb.answerGroups(t)
	for i, g := range groups {
		if i == skip {
			continue
		}
		tb.TabToWithin(t, "#"+g, formTabs)
		down := i % 5
		tb.chooseWithKeys(t, g, down, strconv.Itoa(down))
	}
	tb.TabToWithin(t, "#recommendation", formTabs)
	tb.chooseWithKeys(t, "recommendation", 0, "recommend")
	tb.TabTo(t, "#summary")
	tb.TypeText(t, "Letters home are clear and arrive in the family's language; check each one before it goes.")
	tb.TabTo(t, "#conflict")
	tb.chooseWithKeys(t, "conflict", 1, "no")

	step(t, began, "send it with a question unanswered")
	tb.TabTo(t, "#submit")
	wantStatus(t, tb.Follow(t, Enter), 422)
	tb.wantPath(t, form)
	// The page's script puts the focus on the error summary; its link is
	// the next stop.
	tb.WaitFocus(t, ".error-summary")
	tb.Axe(t)
	// On a phone, where the question's guidance above its answers is
	// longest: the link's Enter puts the focus on the first answer, with
	// the question in view above it.
	target := "#" + groups[skip]
	tb.Resize(t, Phone)
	tb.TabTo(t, `.error-summary a[href="`+target+`"]`)
	tb.Press(t, Enter)
	tb.WaitFocus(t, target)
	tb.FieldInView(t)
	tb.Resize(t, Desktop)
	tb.chooseWithKeys(t, groups[skip], 0, "0")

	step(t, began, "correct it and send")
	tb.TabToWithin(t, "#submit", formTabs)
	wantStatus(t, tb.Follow(t, Enter), 200)
	tb.wantPath(t, form+"/done")
	if got := tb.Text(t, "h1"); got != "Your review has been sent" {
		t.Errorf("the confirmation's heading is %q", got)
	}
	tb.Axe(t)
	// The confirmation's links are reachable too.
	tb.TabTo(t, `main a[href^="/me/reviews/"]`)
	wantStatus(t, tb.Follow(t, Enter), 200)
	if got := tb.Text(t, "main"); !strings.Contains(got, "Waiting for moderation") {
		t.Errorf("the review's page does not say it waits for moderation:\n%.1000s", got)
	}
	step(t, began, "done")
}
