package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The keyboard: what a journey done "with the keyboard alone" uses. None of
// these clicks or focuses an element through the DOM: the keys go to the
// page as a person's would, through Input.dispatchKeyEvent.

// Keys a journey presses.
const (
	Tab   = kb.Tab
	Enter = kb.Enter
	Space = " "
)

// maxTabs bounds TabTo: a page whose control is further than this many
// presses of Tab is a page to fix.
const maxTabs = 80

// focusedJS describes the focused element: its tag, id, classes, and the
// link or name it has.
const focusedJS = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body) return "(nothing: the page itself)";
	let s = e.tagName.toLowerCase();
	if (e.id) s += "#" + e.id;
	if (typeof e.className === "string" && e.className.trim()) s += "." + e.className.trim().split(/\s+/).join(".");
	for (const a of ["href", "name", "type", "value"]) {
		const v = e.getAttribute(a);
		if (v !== null && !(a === "value" && e.type === "hidden")) s += "[" + a + "=" + JSON.stringify(v.length > 60 ? v.slice(0, 60) + "…" : v) + "]";
	}
	return s;
})()`

// Focused describes the element that has the focus.
func (tb *tab) Focused(t testing.TB) string {
	t.Helper()
	return evaluate[string](t, tb, focusedJS)
}

// FocusIs reports whether the focused element matches a CSS selector.
func (tb *tab) FocusIs(t testing.TB, selector string) bool {
	t.Helper()
	return evaluate[bool](t, tb, fmt.Sprintf(`(() => { const e = document.activeElement; return !!e && e !== document.body && e.matches(%s); })()`, js(selector)))
}

// keyEvent presses keys as a keyboard does, with modifiers held: for each
// key, the browser gets a key down (with the text it types, if any) and a
// key up, through Input.dispatchKeyEvent. chromedp.KeyEvent sends a
// printable key's text as a "char" event of its own after the key down:
// the browser then gets a second key press, which a real keyboard never
// sends and which goes wherever the first one moved the focus (Enter on a
// link to a radio button further down the page would also press Enter on
// the radio button, and so send its form).
func keyEvent(keys string, modifiers ...chromedp.Modifier) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tt *chromedp.Target) error {
		var mod chromedp.Modifier
		for _, m := range modifiers {
			mod |= m
		}
		for _, r := range keys {
			events := kb.Encode(r)
			down, up := *events[0], *events[len(events)-1]
			down.Modifiers |= int64(mod)
			up.Modifiers |= int64(mod)
			// The key down carries the text the key types, as a keyboard's
			// does: the browser makes the key press from it. A key that
			// types nothing (Tab, an arrow, a shortcut with Ctrl) is a raw
			// key down.
			down.Type = input.DispatchKeyEventTypeRawKeyDown
			if len(events) == 3 && mod&^chromedp.ModifierShift == 0 {
				down.Type, down.Text, down.UnmodifiedText = input.DispatchKeyEventTypeKeyDown, events[1].Text, events[1].UnmodifiedText
			}
			for _, e := range []input.DispatchKeyEventParams{down, up} {
				if _, err := cdp.Call(ctx, tt, input.DispatchKeyEvent, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Press presses keys (Tab, Enter, Space, or characters) without waiting
// for any page to load.
func (tb *tab) Press(t testing.TB, keys string) {
	t.Helper()
	tb.do(t, fmt.Sprintf("press %q", keys), keyEvent(keys))
}

// PressShift presses keys with Shift held (Shift+Tab goes back).
func (tb *tab) PressShift(t testing.TB, keys string) {
	t.Helper()
	tb.do(t, fmt.Sprintf("press Shift+%q", keys), keyEvent(keys, chromedp.ModifierShift))
}

// TabTo presses Tab until the focused element matches a CSS selector, and
// fails the test, naming every element the focus went through, when
// maxTabs presses have not reached one. It starts from wherever the focus
// is (the top of the page after a load).
func (tb *tab) TabTo(t testing.TB, selector string) {
	t.Helper()
	tb.TabToWithin(t, selector, maxTabs)
}

// TabToWithin is TabTo with a bound of its own, for a long form whose
// every control is a stop on the way: the review form's questions (a
// radio group, a comment and evidence links each) take a few hundred
// presses from top to bottom, as they would for a person.
func (tb *tab) TabToWithin(t testing.TB, selector string, presses int) {
	t.Helper()
	var trail []string
	for range presses {
		tb.Press(t, Tab)
		if tb.FocusIs(t, selector) {
			return
		}
		f := tb.Focused(t)
		trail = append(trail, f)
		// The focus went round the page and came back to where it began.
		if len(trail) > 2 && f == trail[0] {
			break
		}
	}
	if n := len(trail); n > maxTabs {
		trail = append([]string{fmt.Sprintf("(%d more before)", n-maxTabs)}, trail[n-maxTabs:]...)
	}
	t.Fatalf("Tab did not reach %s; the focus went through:\n  %s", selector, strings.Join(trail, "\n  "))
}

// Follow presses keys (Enter on a link or a button, Space on a button)
// and waits for the page they load; it returns the response the new
// document came with (after any redirects). It fails the test when no page
// loads within stepTimeout.
func (tb *tab) Follow(t testing.TB, keys string) *network.Response {
	t.Helper()
	before := tb.Focused(t)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, keyEvent(keys))
	if err != nil {
		t.Fatalf("press %q on %s: no page loaded: %v", keys, before, err)
	}
	if resp == nil {
		t.Fatalf("press %q on %s: the page did not change (a link within the page?)", keys, before)
	}
	return resp
}

// TypeText types text into the focused element, key by key.
func (tb *tab) TypeText(t testing.TB, text string) {
	t.Helper()
	if !tb.FocusIs(t, "input, textarea, select, [contenteditable]") {
		t.Fatalf("type %q: the focus is on %s, not on a field", text, tb.Focused(t))
	}
	tb.do(t, fmt.Sprintf("type %q", text), keyEvent(text))
}

// WaitFocus waits (briefly) until the focused element matches a CSS
// selector: the focus moves after a key press, a script or a scroll.
func (tb *tab) WaitFocus(t testing.TB, selector string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !tb.FocusIs(t, selector) {
		if time.Now().After(deadline) {
			t.Fatalf("the focus is on %s, not on %s", tb.Focused(t), selector)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Download presses keys (Enter on a download link, Space on a button) and
// returns the file the browser saved: the name the server suggested and
// its bytes. It fails the test unless a download starts in this tab and
// completes within stepTimeout.
func (tb *tab) Download(t testing.TB, keys string) (name string, body []byte) {
	t.Helper()
	before := tb.Focused(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	frame := tree.FrameTree.Frame.ID
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID,
		DownloadPath: dir, EventsEnabled: new(true)}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	// The browser's events are every tab's: this tab's download is the one
	// its frame begins.
	begins := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	tb.Press(t, keys)
	var guid string
	for ev, err := range begins {
		if err != nil {
			t.Fatalf("press %q on %s: no download began: %v", keys, before, err)
		}
		if ev.FrameID == frame {
			guid, name = ev.GUID, ev.SuggestedFilename
			break
		}
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download %s from %s: not completed: %v", name, before, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download %s from %s: canceled", name, before)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	body, err = os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatalf("download %s: %v", name, err)
	}
	return name, body
}
