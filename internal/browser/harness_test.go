package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/edtech-registry/registry/internal/web"
)

// TestHarness checks the harness itself: what the other tests rely on
// without seeing it.
func TestHarness(t *testing.T) {
	t.Parallel()
	h := start(t)

	// A page's own script runs in a JSOn tab and not in a JSOff one.
	t.Run("JavaScriptOffIsOff", func(t *testing.T) {
		t.Parallel()
		page := "data:text/html," + url.PathEscape(`<title>before</title><script>document.title = "after"</script>`)
		for _, c := range []struct {
			js   bool
			want string
		}{{JSOn, "after"}, {JSOff, "before"}} {
			tb := h.newTab(t, c.js)
			tb.do(t, "open a page with a script", chromedp.Navigate(page))
			if got := evaluate[string](t, tb, "document.title"); got != c.want {
				t.Errorf("JavaScript %v: title %q, want %q", c.js, got, c.want)
			}
		}
	})

	// The page's Content-Security-Policy is in force in the browser (an
	// inline script added to the page does not run), and the tests'
	// evaluations through the DevTools protocol run all the same: axe-core
	// is injected that way.
	t.Run("PolicyBlocksInlineNotTheTests", func(t *testing.T) {
		t.Parallel()
		const inline = `(() => {
			const s = document.createElement("script");
			s.textContent = "window.inlineRan = true";
			document.head.append(s);
			return window.inlineRan === true;
		})()`
		tb := h.newTab(t, JSOn)
		// On a page without a policy the inline script runs...
		tb.do(t, "open a page without a policy", chromedp.Navigate("data:text/html,<title>no policy</title>"))
		if !evaluate[bool](t, tb, inline) {
			t.Fatal("an inline script did not run on a page without a policy: the check below proves nothing")
		}
		// ...and on the registry's it does not.
		tb.Open(t, "/no/such/page")
		if evaluate[bool](t, tb, inline) {
			t.Error("an inline script ran: the Content-Security-Policy is not in force")
		}
		tb.Axe(t)
		if !evaluate[bool](t, tb, `typeof axe === "object" && typeof axe.run === "function"`) {
			t.Error("axe-core was not injected")
		}
	})

	// A key pressed is pressed once, as on a keyboard: Enter on a link to
	// a radio button further down the page moves the focus to it and does
	// not press Enter on it as well (which would send its form), and each
	// character typed is typed once.
	t.Run("OneKeyPress", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><title>keys</title><a id="to" href="#answer">to the question</a>
				<div style="height: 3000px"></div>
				<form action="/sent"><input type="radio" id="answer" name="answer" value="1"><label for="answer">One</label>
				<input id="text" name="text" aria-label="Text"><button>Send</button></form>
				<script>document.forms[0].addEventListener("submit", e => { e.preventDefault(); document.title = "sent"; });</script>`)
		}))
		t.Cleanup(srv.Close)
		tb := h.newTab(t, JSOn)
		tb.do(t, "open a form", chromedp.Navigate(srv.URL+"/form"))
		tb.TabTo(t, "a#to")
		tb.Press(t, Enter)
		tb.WaitFocus(t, "#answer")
		if got := evaluate[string](t, tb, "document.title"); got != "keys" {
			t.Errorf("Enter on the link sent the form the focus moved to (title %q)", got)
		}
		tb.TabTo(t, "#text")
		tb.TypeText(t, "Aa, ‘b’ ")
		if got := evaluate[string](t, tb, `document.querySelector("#text").value`); got != "Aa, ‘b’ " {
			t.Errorf("typed %q, the field holds %q", "Aa, ‘b’ ", got)
		}
	})

	// A download with the keyboard: the footer's link to the API's
	// description (a workbook's link works the same way).
	t.Run("Download", func(t *testing.T) {
		t.Parallel()
		for _, m := range modes {
			tb := h.newTab(t, m.JS)
			tb.Open(t, "/no/such/page")
			tb.TabTo(t, `footer a[href="/api/openapi.yaml"]`)
			name, body := tb.Download(t, Enter)
			if name != "openapi.yaml" || !strings.HasPrefix(string(body), "openapi:") {
				t.Errorf("%s: downloaded %q: %.40q", m.Name, name, body)
			}
		}
	})

	// The language cookie set by SetLanguage and the session cookie set
	// by SignIn reach the server.
	t.Run("Cookies", func(t *testing.T) {
		t.Parallel()
		tb := h.newTab(t, JSOff)
		tb.SetLanguage(t, web.Welsh)
		tb.SignIn(t, "reviewer")
		tb.Open(t, "/no/such/page")
		if got := tb.Lang(t); got != "cy" {
			t.Errorf("lang %q, want cy", got)
		}
		if !tb.Has(t, `form[action="/signout"]`) {
			t.Error("the page does not show the reviewer signed in")
		}
	})
}

// TestChecksFail breaks a page on purpose, in the browser, and expects
// each check to say so: checks that could not fail would prove nothing.
func TestChecksFail(t *testing.T) {
	t.Parallel()
	h := start(t)
	// broken opens the shell's 404 page and runs js on it.
	broken := func(t *testing.T, js string) *tab {
		tb := h.newTab(t, JSOn)
		tb.Open(t, "/no/such/page")
		evaluate[bool](t, tb, "("+js+", true)")
		return tb
	}
	t.Run("Axe", func(t *testing.T) {
		t.Parallel()
		tb := broken(t, `document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/assets/none.png">')`)
		expectFailure(t, "image-alt", func(r testing.TB) { tb.Axe(r) })
	})
	t.Run("Sideways", func(t *testing.T) {
		t.Parallel()
		tb := broken(t, `(() => { const d = document.createElement("div"); d.id = "too-wide"; d.style.width = "500px"; d.textContent = "wide"; document.querySelector("main").append(d); })()`)
		expectFailure(t, "div#too-wide", func(r testing.TB) { tb.CheckNoSideways(r, Narrow) })
	})
	t.Run("SkipLink", func(t *testing.T) {
		t.Parallel()
		tb := broken(t, `document.body.insertAdjacentHTML("afterbegin", '<a id="before-skip" href="/">first</a>')`)
		expectFailure(t, "a#before-skip", func(r testing.TB) { tb.CheckSkipLink(r) })
	})
	t.Run("TabTo", func(t *testing.T) {
		t.Parallel()
		tb := broken(t, `0`)
		expectFailure(t, "a.skip-link", func(r testing.TB) { tb.TabTo(r, "a#nowhere") })
	})
	t.Run("Headers", func(t *testing.T) {
		expectFailure(t, "X-Frame-Options", func(r testing.TB) { CheckHeaders(r, "none", func(string) string { return "" }) })
	})
}

// recorder is a testing.TB that records failures instead of failing: the
// test of a check runs the check with it.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

type stopped struct{}

func (r *recorder) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, msg)
}
func (r *recorder) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) Fatal(args ...any)                 { r.fail(fmt.Sprint(args...)); panic(stopped{}) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	panic(stopped{})
}

// expectFailure runs check and fails t unless check reported a failure
// whose message contains want.
func expectFailure(t *testing.T, want string, check func(testing.TB)) {
	t.Helper()
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(stopped); !ok {
					panic(v)
				}
			}
		}()
		check(r)
	}()
	if len(r.failed) == 0 {
		t.Fatalf("the check passed; want a failure about %q", want)
	}
	all := strings.Join(r.failed, "\n")
	if !strings.Contains(all, want) {
		t.Errorf("the check failed without naming %q:\n%s", want, all)
	}
	t.Logf("the check failed as it should:\n%s", all)
}
