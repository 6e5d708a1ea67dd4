package browser

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestJourneyStaffKeyboard does the staff's journeys with the keyboard
// alone (Tab, Enter, Space, the arrow keys; never a click), JavaScript on:
// a moderator opens a review naming a person from the queue, redacts its
// summary and publishes it; an officer ticks three products, filters to
// one role, compares them and downloads the pack.
func TestJourneyStaffKeyboard(t *testing.T) {
	t.Parallel()
	h := start(t)
	began := time.Now()

	step(t, began, "a review naming a person waits in the queue")
	const product = "inkpuddle-feedback"
	body := apiReviewBody(t, 3)
	body["summary"] = "Mrs Patel at Ysgol Enghraifft liked the feedback banks; ask where pupils' essays are kept."
	status, _, b := h.site.api(t, http.MethodPost, "/api/v1/products/"+product+"/reviews",
		h.site.apiToken(t, registry.RoleReviewer, "keyboard journey"), body, nil)
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &created); status != http.StatusCreated || err != nil {
		t.Fatalf("submit: %d %s", status, b)
	}

	step(t, began, "the moderator redacts and publishes with the keys")
	mod := h.newTab(t, JSOn)
	mod.SignIn(t, registry.RoleModerator)
	wantStatus(t, mod.Open(t, "/moderation"), 200)
	mod.TabTo(t, `main a[href="/moderation/`+created.ID+`"]`)
	wantStatus(t, mod.Follow(t, Enter), 200)
	mod.TabTo(t, "#redact-summary")
	mod.Press(t, Space)
	if !evaluate[bool](t, mod, `document.querySelector("#redact-summary").checked`) {
		t.Fatal("Space did not tick the summary's redaction box")
	}
	mod.TabTo(t, `form[action="/moderation/`+created.ID+`/publish"] button[type="submit"]`)
	wantStatus(t, mod.Follow(t, Enter), 200)
	mod.wantPath(t, "/moderation")
	if got := mod.Text(t, ".notice"); !strings.Contains(got, "The review is published") {
		t.Errorf("after publishing the queue says %q", got)
	}
	if state, _ := h.site.publication(t, h.site.apiToken(t, registry.RoleModerator, "check"), created.ID); state == "none" {
		t.Errorf("the review is not published (%s)", state)
	}

	step(t, began, "the officer compares three products with the keys")
	off := h.newTab(t, JSOn)
	off.SignIn(t, registry.RoleOfficer)
	wantStatus(t, off.Open(t, "/compare"), 200)
	compared := []string{"redpenny-marker", "lessonbrook-planner", "staffroom-owlet"}
	for _, p := range compared {
		box := `input[name="products"][value="` + p + `"]`
		off.TabTo(t, box)
		off.Press(t, Space)
		if !evaluate[bool](t, off, `document.querySelector('`+box+`').checked`) {
			t.Fatalf("Space did not tick %s", p)
		}
	}
	off.TabTo(t, "#filter-role")
	off.Press(t, kb.ArrowDown)
	if got := off.Value(t, "#filter-role"); got != "teacher" {
		t.Fatalf("the role filter is %q, want teacher", got)
	}
	off.TabTo(t, `button[name="compare"]`)
	wantStatus(t, off.Follow(t, Enter), 200)
	heads := off.Text(t, "table.compare thead th")
	for _, name := range []string{"Redpenny Marker", "Lessonbrook Planner", "Staffroom Owlet"} {
		if !strings.Contains(heads, name) {
			t.Errorf("the comparison's columns are %q, without %s", heads, name)
		}
	}
	off.TabTo(t, `a[href^="/api/v1/compare.xlsx"]`)
	name, pack := off.Download(t, Enter)
	if !strings.HasSuffix(name, ".xlsx") {
		t.Errorf("the pack is named %q", name)
	}
	checkWorkbook(t, pack, "Redpenny Marker", "Lessonbrook Planner", "Staffroom Owlet")
}
