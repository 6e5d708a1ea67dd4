package browser

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// What the review journeys share: the mouse (the journeys with a pointer
// click as a person does; the keyboard journey never does), the checks of
// a page state met on the way, and the API calls that stand for the other
// people of the registry (other reviewers whose reviews complete a
// release).

// The mouse.

// Click presses and releases the mouse's main button on the middle of the
// element matching a CSS selector, scrolled into view first, as a person
// clicking it does: the browser gives it the focus, checks a check box or
// a radio button, follows a link. It does not wait for any page to load.
func (tb *tab) Click(t testing.TB, selector string) {
	t.Helper()
	tb.mustHave(t, selector)
	tb.do(t, "click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// ClickFollow clicks the element matching a CSS selector (a link, a
// submit button) and waits for the page it loads; it returns the response
// the new document came with (after any redirects).
func (tb *tab) ClickFollow(t testing.TB, selector string) *network.Response {
	t.Helper()
	tb.mustHave(t, selector)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("click %s: no page loaded: %v", selector, err)
	}
	if resp == nil {
		t.Fatalf("click %s: the page did not change", selector)
	}
	return resp
}

// Fill clicks a text field and types text into it, after what it holds.
func (tb *tab) Fill(t testing.TB, selector, text string) {
	t.Helper()
	tb.Click(t, selector)
	tb.WaitFocus(t, selector)
	tb.TypeText(t, text)
}

// SelectAll presses Ctrl+A: in a text field, its whole text is selected,
// and what is typed next replaces it.
func (tb *tab) SelectAll(t testing.TB) {
	t.Helper()
	tb.do(t, "press Ctrl+A", keyEvent("a", chromedp.ModifierCtrl))
}

// mustHave fails the test at once, naming the page, when nothing matches
// a CSS selector (a query would wait for it until stepTimeout).
func (tb *tab) mustHave(t testing.TB, selector string) {
	t.Helper()
	if !tb.Has(t, selector) {
		t.Fatalf("%s has nothing matching %s; its main text:\n%.1500s", tb.Path(t), selector, tb.Text(t, "main"))
	}
}

// What a journey reads.

// FieldInView fails the test unless the focused field and what names it
// (the legend of its group for a radio button or a check box, else its
// label) are within the viewport: focus that lands on a field scrolled to
// the window's top edge, its question out of sight above it, leaves a
// person to guess what it asks.
func (tb *tab) FieldInView(t testing.TB) {
	t.Helper()
	r := evaluate[struct {
		Field, Name string
		Shown       bool
	}](t, tb, `(() => {
		const e = document.activeElement;
		if (!e || e === document.body) return {Field: "(nothing)", Name: "", Shown: false};
		const group = (e.type === "radio" || e.type === "checkbox") && e.closest("fieldset");
		const name = group ? group.querySelector("legend") : (e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]'));
		const inView = (x) => { const r = x.getBoundingClientRect(); return r.height > 0 && r.top >= -1 && r.bottom <= innerHeight + 1; };
		return {Field: e.id, Name: name ? name.innerText.trim().slice(0, 60) : "(no label)", Shown: inView(e) && !!name && inView(name)};
	})()`)
	if !r.Shown {
		t.Errorf("the focus is on #%s, but it or what names it (%q) is out of view", r.Field, r.Name)
	}
}

// Value returns the value of the form field matching a CSS selector.
func (tb *tab) Value(t testing.TB, selector string) string {
	t.Helper()
	tb.mustHave(t, selector)
	return evaluate[string](t, tb, fmt.Sprintf(`document.querySelector(%s).value`, js(selector)))
}

// CheckedValue returns the value of the checked radio button of a group
// (name), "" when none is checked.
func (tb *tab) CheckedValue(t testing.TB, name string) string {
	t.Helper()
	return evaluate[string](t, tb, fmt.Sprintf(`(() => { const e = document.querySelector('input[type=radio][name=' + CSS.escape(%s) + ']:checked'); return e ? e.value : ""; })()`, js(name)))
}

// Attr returns an attribute of the first element matching a CSS selector.
func (tb *tab) Attr(t testing.TB, selector, name string) string {
	t.Helper()
	tb.mustHave(t, selector)
	return evaluate[string](t, tb, fmt.Sprintf(`document.querySelector(%s).getAttribute(%s) || ""`, js(selector), js(name)))
}

// answerGroups returns the names of the review form's answer groups (one
// radio group per question of the rubric), in the order of the page.
func (tb *tab) answerGroups(t testing.TB) []string {
	t.Helper()
	names := evaluate[[]string](t, tb, `Array.from(new Set(Array.from(document.querySelectorAll("fieldset input[type=radio][name^='answer-']"), e => e.name)))`)
	if len(names) == 0 {
		t.Fatalf("%s shows no question of the rubric", tb.Path(t))
	}
	return names
}

// wantPath fails the test unless the tab's page is at path (its query and
// fragment left out), naming what the page says.
func (tb *tab) wantPath(t testing.TB, path string) {
	t.Helper()
	got := tb.Path(t)
	if p, _, _ := strings.Cut(got, "#"); strings.Split(p, "?")[0] != path {
		t.Fatalf("the page is %s, want %s; it says:\n%.1500s", got, path, tb.Text(t, "main"))
	}
}

// wantStatus fails the test unless a document came with the status want,
// and checks its security headers.
func wantStatus(t testing.TB, resp *network.Response, want int) {
	t.Helper()
	CheckDocumentHeaders(t, resp)
	if int(resp.Status) != want {
		t.Fatalf("%s: status %d, want %d", resp.URL, resp.Status, want)
	}
}

// State checks a state of a page met on the way (a form with its errors,
// a confirmation, a code shown once): no serious or critical axe-core
// violation, its screenshots at desktop and phone widths in ScreenshotDir
// as journey-<name>-<lang>-<width>.png, and no sideways scrolling at 320
// CSS pixels. It leaves the tab at the desktop size.
func (tb *tab) State(t testing.TB, name string) {
	t.Helper()
	tb.Axe(t)
	shot := "journey-" + name + "-" + tb.Lang(t)
	tb.Screenshot(t, shot, Desktop)
	tb.Screenshot(t, shot, Phone)
	tb.CheckNoSideways(t, Narrow)
	tb.Resize(t, Desktop)
}

// exactDate matches a day written out as the pages write one ("2 May
// 2026") or as a machine does ("2026-05-02"): what a public page never
// shows of a review.
var exactDate = regexp.MustCompile(`\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b|\b\d{4}-\d{2}-\d{2}\b`)

// uniqueHandle returns a handle no other account of the test's site has.
func uniqueHandle(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%x", prefix, b)
}

// The other people of the registry, through the API.

// apiToken makes an API token of role on the site.
func (s *site) apiToken(t testing.TB, role, name string) string {
	t.Helper()
	tok, err := s.store.CreateToken(context.Background(), role, name)
	if err != nil {
		t.Fatalf("token for %s: %v", role, err)
	}
	return tok
}

// api calls the site's API with a bearer token and returns the status,
// headers and body of its answer.
func (s *site) api(t testing.TB, method, path, token string, body any, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// apiReviewBody is a valid submission answering every question of the
// default rubric with score.
func apiReviewBody(t testing.TB, score int) map[string]any {
	t.Helper()
	var answers []map[string]any
	for _, c := range rubrictest.Default(t).Criteria() {
		answers = append(answers, map[string]any{"criterion": c.ID, "score": score})
	}
	return map[string]any{
		"reviewer":           map[string]any{"role": "teacher", "phase": "secondary", "nation": "wales", "setting": "maintained"},
		"usage":              map[string]any{"months": 4, "frequency": "weekly"},
		"answers":            answers,
		"recommendation":     "conditional",
		"summary":            "Fine for revision quizzes; ask the vendor where the answers are stored.",
		"conflictOfInterest": map[string]any{"declared": false},
	}
}

// publication reads, as a moderator, where review id stands with the
// public: "public", "waiting", "leaving" or "none".
func (s *site) publication(t testing.TB, moderator, id string) (state string, etag string) {
	t.Helper()
	status, h, b := s.api(t, http.MethodGet, "/api/v1/reviews/"+id, moderator, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/reviews/%s: %d %s", id, status, b)
	}
	var r struct {
		Publication *struct {
			State string `json:"state"`
		} `json:"publication"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("GET /api/v1/reviews/%s: %v", id, err)
	}
	if r.Publication == nil {
		t.Fatalf("GET /api/v1/reviews/%s has no publication state: %s", id, b)
	}
	return r.Publication.State, h.Get("ETag")
}

// completeRelease makes review id (published, waiting for its product's
// next release) public the only way a review becomes public: other
// reviewers' reviews of the product are published, one at a time, until
// the anonymity threshold's number of them (with id) are waiting and the
// product's release takes them all. It returns how many it published.
func (s *site) completeRelease(t testing.TB, product, id string) int {
	t.Helper()
	mod := s.apiToken(t, registry.RoleModerator, "journey moderator")
	for n := 0; ; n++ {
		state, _ := s.publication(t, mod, id)
		switch {
		case state == registry.PublicationPublic:
			return n
		case state != registry.PublicationWaiting:
			t.Fatalf("review %s is %q, not waiting for a release", id, state)
		case n > s.store.Threshold():
			t.Fatalf("review %s still waits after %d more reviews were published (threshold %d)", id, n, s.store.Threshold())
		}
		author := s.apiToken(t, registry.RoleReviewer, fmt.Sprintf("journey reviewer %d", n))
		status, _, b := s.api(t, http.MethodPost, "/api/v1/products/"+product+"/reviews", author, apiReviewBody(t, 3),
			map[string]string{"Idempotency-Key": uniqueHandle("journey")})
		if status != http.StatusCreated {
			t.Fatalf("submit another review of %s: %d %s", product, status, b)
		}
		var created struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
			t.Fatalf("submit another review of %s: %v %s", product, err, b)
		}
		_, etag := s.publication(t, mod, created.ID)
		if status, _, b := s.api(t, http.MethodPost, "/api/v1/reviews/"+created.ID+"/publish", mod, nil,
			map[string]string{"If-Match": etag}); status != http.StatusOK {
			t.Fatalf("publish review %s: %d %s", created.ID, status, b)
		}
	}
}

// checkWorkbook fails the test unless body is an Excel workbook (a zip
// holding xl/workbook.xml, which excelize opens) whose cells name each of
// want; it returns the workbook's sheets.
func checkWorkbook(t testing.TB, body []byte, want ...string) []string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the download is not a zip file: %v", err)
	}
	found := false
	for _, f := range z.File {
		found = found || f.Name == "xl/workbook.xml"
	}
	if !found {
		t.Fatalf("the download has no xl/workbook.xml: not a workbook")
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("excelize cannot open the download: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		t.Fatal("the workbook has no sheet")
	}
	var all strings.Builder
	for _, sh := range sheets {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatalf("read sheet %q: %v", sh, err)
		}
		for _, row := range rows {
			all.WriteString(strings.Join(row, "\t"))
			all.WriteByte('\n')
		}
	}
	for _, w := range want {
		if !strings.Contains(all.String(), w) {
			t.Errorf("no cell of the workbook (sheets %q) names %q", sheets, w)
		}
	}
	return sheets
}

// step logs the start of a step of a journey, with the time since the
// journey began: a failure's log says how far it got and where the time
// went.
func step(t testing.TB, began time.Time, what string) {
	t.Helper()
	t.Logf("%5.1fs  %s", time.Since(began).Seconds(), what)
}
