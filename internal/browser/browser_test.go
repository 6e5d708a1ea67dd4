package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	apphttp "github.com/edtech-registry/registry/internal/http"
	"github.com/edtech-registry/registry/internal/web"
)

// Time limits of the browser tests. go test's own -timeout (15 minutes in
// scripts/test.sh) is the last resort; these fail one test, with the step
// that hung, long before it.
const (
	// browserTestTimeout bounds one test: its browser is stopped when it
	// passes, so every step still waiting fails.
	browserTestTimeout = 4 * time.Minute
	// stepTimeout bounds one step of a test: a navigation, a key press and
	// what it loads, an axe-core run.
	stepTimeout = 30 * time.Second
)

// JavaScript, on or off, in a tab.
const (
	JSOn  = true
	JSOff = false
)

// viewport is a size of the browser's window, in CSS pixels.
type viewport struct {
	Name          string
	Width, Height int64
	// Mobile lays the page out as a phone does (its meta viewport counts).
	Mobile bool
}

// The viewports of the checks.
var (
	// Desktop is a school laptop's screen.
	Desktop = viewport{Name: "desktop", Width: 1280, Height: 900}
	// Phone is a common phone's screen.
	Phone = viewport{Name: "phone", Width: 375, Height: 812, Mobile: true}
	// Narrow is the width WCAG 2.2's reflow criterion (1.4.10) asks pages
	// to work at without scrolling sideways.
	Narrow = viewport{Name: "narrow", Width: 320, Height: 640, Mobile: true}
	// Zoom200 is Desktop at 200 % zoom, by equivalence: a 1280 pixel wide
	// window zoomed to 200 % lays the page out in 640 CSS pixels (zoom
	// changes the CSS pixels available, which a device scale factor would
	// not), so a 640×450 viewport is what the page sees.
	Zoom200 = viewport{Name: "zoom200", Width: 640, Height: 450}
)

// harness is one browser test's registry and browser.
type harness struct {
	site     *site
	browser  context.Context // the shared browser's: a tab is a child of it
	deadline time.Time       // the test's: its tabs stop then
}

// start starts a site for t and gets it the browser, both let go when t
// ends. A browser test calls it once, at its top, and opens tabs (newTab)
// in its subtests.
func start(t *testing.T) *harness {
	t.Helper()
	deadline := time.Now().Add(browserTestTimeout)
	if d, ok := t.Deadline(); ok && d.Add(-10*time.Second).Before(deadline) {
		deadline = d.Add(-10 * time.Second)
	}
	s := startSite(t)
	return &harness{site: s, browser: acquireBrowser(t), deadline: deadline}
}

// chromiumPath returns Debian's chromium, or fails the test.
func chromiumPath(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (%v): the browser tests need it; scripts/test.sh installs it (apt-get install chromium)", err)
	}
	return path
}

// shared is the one Chromium the tests running at a time share, each in
// tabs of its own: one browser however many tests run, stopped when the
// last test using it ends (and started again if another comes later).
var shared struct {
	mu    sync.Mutex
	users int
	ctx   context.Context
	stop  func()
}

// acquireBrowser returns the shared browser's context, starting the
// browser when no test uses it; t lets it go when it ends.
func acquireBrowser(t *testing.T) context.Context {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.users == 0 {
		shared.ctx, shared.stop = startBrowser(t)
	}
	shared.users++
	t.Cleanup(func() {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		if shared.users--; shared.users == 0 {
			shared.stop()
			shared.ctx, shared.stop = nil, nil
		}
	})
	return shared.ctx
}

// startBrowser starts a headless Chromium and returns its context and
// the function that stops it.
func startBrowser(t testing.TB) (context.Context, func()) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-GB"),
		// No user-data-dir flag: the allocator makes a temporary profile
		// folder, and removes it (and kills any child process of Chromium
		// still using it) when the browser stops.
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root (in a container, in CI).
		opts = append(opts, chromedp.NoSandbox)
	}
	// The browser lives until stopped, whichever test started it: each
	// test's deadline bounds its own tabs (newTab).
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelBrowser()
		cancelAlloc()
	}
	// The first action starts the browser, bound to bctx (which has no
	// deadline: the browser would stop at it); the wait for it is bounded
	// here.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err := <-started:
		if err != nil {
			stop()
			t.Fatalf("start chromium: %v", err)
		}
	case <-time.After(time.Minute):
		stop()
		t.Fatalf("chromium did not start within a minute")
	}
	return bctx, stop
}

// tab is one tab of the browser, in a browser context of its own: its
// own cookies, as another person's browser would have.
type tab struct {
	h   *harness
	ctx context.Context
	// JS is whether the page's own JavaScript runs in the tab (JSOn, JSOff).
	JS bool
}

// newTab opens a tab with JavaScript on (JSOn) or off (JSOff), at the
// Desktop size, closed when t ends. Every step in it fails once the test's
// deadline has passed.
func (h *harness) newTab(t testing.TB, js bool) *tab {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(h.browser, chromedp.WithNewBrowserContext())
	ctx, cancelDeadline := context.WithDeadline(tabCtx, h.deadline)
	t.Cleanup(func() {
		cancelDeadline()
		cancel()
	})
	tb := &tab{h: h, ctx: ctx, JS: js}
	// The first action opens the tab, bound to ctx (the test's deadline).
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tt *chromedp.Target) error {
		// A tab in the background still behaves as focused: the focus
		// moves, and :focus styles show, as in the window someone uses.
		if _, err := cdp.Call(ctx, tt, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tt, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !js})
		return err
	})); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb.Resize(t, Desktop)
	return tb
}

// do runs actions in the tab within stepTimeout.
func (tb *tab) do(t testing.TB, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// evaluate returns the value of a JavaScript expression in the tab's page.
// It runs through the DevTools protocol, so it runs with the page's
// JavaScript off and under its Content-Security-Policy.
func evaluate[T any](t testing.TB, tb *tab, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		short := expr
		if len(short) > 200 {
			short = short[:200] + "…"
		}
		t.Fatalf("evaluate %s: %v", short, err)
	}
	return v
}

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Resize gives the tab's window the size of v.
func (tb *tab) Resize(t testing.TB, v viewport) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	tb.do(t, "resize to "+v.Name, chromedp.EmulateViewport(v.Width, v.Height, opts...))
}

// SetCookie gives the tab's browser a cookie of the site.
func (tb *tab) SetCookie(t testing.TB, name, value string) {
	t.Helper()
	tb.do(t, "set cookie "+name, chromedp.Func(func(ctx context.Context, tt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tt, network.SetCookie, network.SetCookieParams{
			Name: name, Value: value, URL: tb.h.site.URL + "/", Path: "/", HTTPOnly: new(true), SameSite: network.CookieSameSiteLax})
		return err
	}))
}

// Cookie returns the value of the site's cookie name in the tab's
// browser, and whether it has one.
func (tb *tab) Cookie(t testing.TB, name string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.h.site.URL + "/"}})
	if err != nil {
		t.Fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// SignIn makes the tab's browser signed in to role's account (Visitor:
// signed out), with the session cookie of a session made for the test. A
// journey that is about signing in does it with the sign-in page instead.
func (tb *tab) SignIn(t testing.TB, role string) {
	t.Helper()
	if role == Visitor {
		return
	}
	secret, ok := tb.h.site.sessions[role]
	if !ok {
		t.Fatalf("no account for role %q", role)
	}
	tb.SetCookie(t, apphttp.SessionCookie, secret)
}

// SetLanguage makes the tab's browser remember lang, as the language
// switch does.
func (tb *tab) SetLanguage(t testing.TB, lang web.Lang) {
	t.Helper()
	tb.SetCookie(t, web.LangCookie, string(lang))
}

// Open loads path of the site and returns the response the document came
// with (after any redirects).
func (tb *tab) Open(t testing.TB, path string) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tb.h.site.URL+path))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	if resp == nil {
		t.Fatalf("open %s: no response", path)
	}
	return resp
}

// Path returns the path and query of the tab's page, without the site.
func (tb *tab) Path(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(loc, tb.h.site.URL)
}

// Lang returns the lang attribute of the page's html element.
func (tb *tab) Lang(t testing.TB) string {
	t.Helper()
	return evaluate[string](t, tb, `document.documentElement.lang`)
}

// Text returns the visible text of the elements matching a CSS selector,
// joined by newlines ("" when none matches).
func (tb *tab) Text(t testing.TB, selector string) string {
	t.Helper()
	return evaluate[string](t, tb, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), e => e.innerText.trim()).join("\n")`, js(selector)))
}

// Has reports whether an element of the page matches a CSS selector.
func (tb *tab) Has(t testing.TB, selector string) bool {
	t.Helper()
	return evaluate[bool](t, tb, fmt.Sprintf(`document.querySelector(%s) !== null`, js(selector)))
}

// header returns a response header, whatever the case of its name.
func header(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}
