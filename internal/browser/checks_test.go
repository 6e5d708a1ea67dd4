package browser

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The checks every page gets (pages_test.go runs them on each page of
// pageCases in each language); a journey may call them on the pages it
// reaches too.

// ScreenshotDir is where the screenshots go, from the repository's root
// (exports/ is git-ignored).
const ScreenshotDir = "exports/screenshots"

// CheckHeaders fails the test unless a response carries the security
// headers every page must: a Content-Security-Policy without inline script
// or style that no page may frame, nosniff, no referrer, no framing.
func CheckHeaders(t testing.TB, what string, get func(string) string) {
	t.Helper()
	csp := get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: Content-Security-Policy %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: Content-Security-Policy %q allows inline code", what, csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", what, h, got, want)
		}
	}
}

// CheckDocumentHeaders checks the security headers of the document the
// browser got (resp, from Open or Follow).
func CheckDocumentHeaders(t testing.TB, resp *network.Response) {
	t.Helper()
	CheckHeaders(t, "the document at "+resp.URL, func(name string) string { return header(resp, name) })
}

// CheckFirstAnswerHeaders checks the security headers of the server's
// first answer to path, before any redirect, asked as the tab's browser
// would (its cookies for the site): a redirect (the language switch, a
// form's 303) is an answer too.
func (tb *tab) CheckFirstAnswerHeaders(t testing.TB, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.h.site.URL + "/"}})
	if err != nil {
		t.Fatalf("read cookies: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tb.h.site.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	CheckHeaders(t, fmt.Sprintf("GET %s (%d)", path, resp.StatusCode), resp.Header.Get)
}

// CheckSkipLink fails the test unless, on a page just loaded, the first
// press of Tab reaches the skip link, the link shows when focused, and
// Enter on it moves the focus to main. It leaves the focus on main.
func (tb *tab) CheckSkipLink(t testing.TB) {
	t.Helper()
	tb.Press(t, Tab)
	if !tb.FocusIs(t, `a.skip-link[href="#main"]`) {
		t.Errorf("the first focusable element is %s, not the skip link", tb.Focused(t))
		return
	}
	if !evaluate[bool](t, tb, `(() => {
		const r = document.activeElement.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
	})()`) {
		t.Errorf("the skip link has the focus but is not in view")
	}
	tb.Press(t, Enter)
	tb.WaitFocus(t, "main#main")
}

// overflowJS lists the elements wider than the page's viewport: what makes
// it scroll sideways. An element inside a box that scrolls or clips within
// the viewport (a wide table in its .table-wrap) is not listed: it does
// not widen the page.
const overflowJS = `(() => {
	const w = document.documentElement.clientWidth, out = [];
	// An absolutely positioned element is clipped only by a box that is
	// itself positioned (its containing block or one outside it).
	const clipped = (e) => {
		const absolute = ["absolute", "fixed"].includes(getComputedStyle(e).position);
		for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
			const st = getComputedStyle(a);
			const o = st.overflowX;
			if (o !== "visible" && (!absolute || st.position !== "static")) {
				const r = a.getBoundingClientRect();
				if (r.right <= w + 0.5 && r.left >= -0.5) return true;
			}
		}
		return false;
	};
	for (const e of document.body.querySelectorAll("*")) {
		const r = e.getBoundingClientRect();
		if (r.right > w + 0.5 || r.left < -0.5) {
			if (e.closest(".skip-link") || clipped(e)) continue;
			let s = e.tagName.toLowerCase();
			if (e.id) s += "#" + e.id;
			if (typeof e.className === "string" && e.className.trim()) s += "." + e.className.trim().split(/\s+/).join(".");
			out.push(s + " (" + Math.round(r.left) + " to " + Math.round(r.right) + ")");
			if (out.length === 8) break;
		}
	}
	// Text that does not wrap sticks out of its box without widening
	// the box: name the innermost boxes whose content is wider than they
	// are.
	for (const e of document.body.querySelectorAll("*")) {
		if (out.length >= 16) break;
		if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible" &&
			!clipped(e) && ![...e.children].some(c => c.scrollWidth > c.clientWidth + 1)) {
			out.push("text wider than " + e.tagName.toLowerCase() + " (" + e.scrollWidth + " > " + e.clientWidth + "): " + (e.textContent || "").trim().slice(0, 60));
		}
	}
	return {scrollWidth: document.documentElement.scrollWidth, clientWidth: w, wide: out};
})()`

// CheckNoSideways fails the test when the page scrolls sideways at the
// viewport v (document.documentElement.scrollWidth > clientWidth), naming
// the elements that stick out. It leaves the tab at v.
func (tb *tab) CheckNoSideways(t testing.TB, v viewport) {
	t.Helper()
	tb.Resize(t, v)
	r := evaluate[struct {
		ScrollWidth int      `json:"scrollWidth"`
		ClientWidth int      `json:"clientWidth"`
		Wide        []string `json:"wide"`
	}](t, tb, overflowJS)
	if r.ScrollWidth > r.ClientWidth {
		t.Errorf("%s (%d px wide): the page scrolls sideways (scrollWidth %d > clientWidth %d); too wide:\n  %s",
			v.Name, v.Width, r.ScrollWidth, r.ClientWidth, strings.Join(r.Wide, "\n  "))
	}
}

// Screenshot resizes the tab to v and saves a PNG of the whole page in
// ScreenshotDir as <name>-<width>.png (name is <page>-<lang> for the
// pages' checks). It leaves the tab at v.
func (tb *tab) Screenshot(t testing.TB, name string, v viewport) {
	t.Helper()
	tb.Resize(t, v)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(buf)); err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ScreenshotDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, v.Width)), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
