package browser

import (
	"testing"

	"github.com/edtech-registry/registry/internal/web"
)

// modes are the ways a journey runs: with JavaScript on and off.
var modes = []struct {
	Name string
	JS   bool
}{{"JavaScriptOn", JSOn}, {"JavaScriptOff", JSOff}}

// TestJourneyLanguageSwitch: with the keyboard alone, a visitor switches
// the pages to Welsh, finds the next page Welsh too (the choice is
// remembered in a cookie), and switches back to English.
func TestJourneyLanguageSwitch(t *testing.T) {
	t.Parallel()
	h := start(t)
	// The page shell's pages: "/" and "/method" once they land (until then
	// both answer with the shell's 404 page, which has the same header).
	const first, next = "/", "/method"
	for _, m := range modes {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			tb := h.newTab(t, m.JS)
			tb.Open(t, first)
			if got := tb.Lang(t); got != "en" {
				t.Fatalf("a new visitor's page is in %q, want en", got)
			}

			// Tab to the switch, Enter: the same page, in Welsh.
			tb.TabTo(t, "a.header__lang")
			resp := tb.Follow(t, Enter)
			CheckDocumentHeaders(t, resp)
			if got := tb.Path(t); got != first {
				t.Errorf("after the switch the page is %s, want %s", got, first)
			}
			if got := tb.Lang(t); got != "cy" {
				t.Fatalf("after the switch the page is in %q, want cy", got)
			}
			if got := tb.Text(t, "a.header__lang"); got != "English" {
				t.Errorf("the switch on a Welsh page says %q, want English", got)
			}
			if v, _ := tb.Cookie(t, web.LangCookie); v != "cy" {
				t.Errorf("cookie %s = %q, want cy", web.LangCookie, v)
			}

			// The next page, by its link in the header: still Welsh.
			tb.TabTo(t, `nav a[href="`+next+`"]`)
			tb.Follow(t, Enter)
			if got := tb.Path(t); got != next {
				t.Errorf("the link went to %s, want %s", got, next)
			}
			if got := tb.Lang(t); got != "cy" {
				t.Fatalf("the next page is in %q: the choice of Welsh was not remembered", got)
			}

			// And back to English.
			tb.TabTo(t, "a.header__lang")
			tb.Follow(t, Enter)
			if got := tb.Path(t); got != next {
				t.Errorf("after switching back the page is %s, want %s", got, next)
			}
			if got := tb.Lang(t); got != "en" {
				t.Errorf("after switching back the page is in %q, want en", got)
			}
			if v, _ := tb.Cookie(t, web.LangCookie); v != "en" {
				t.Errorf("cookie %s = %q, want en", web.LangCookie, v)
			}
		})
	}
}
