// Package browser holds the registry's real-browser tests: its pages driven
// in a headless Chromium (Debian's chromium, through chromedp) on a server
// the tests start, with axe-core injected into each page. The package has no
// code outside its tests; nothing here is built into the binary.
//
// Each test calls start(t): the real HTTP server (internal/http) listening on
// 127.0.0.1 on a port the kernel picks, over the real embedded store
// (mongodbtest: a database of the test's own) seeded with the demo data as
// `registry serve --demo` seeds it, with an account and a session for each
// role (site.Handle(role), the shared password; site.Invitation(t, role) for
// a journey that joins). The tests share one Chromium, headless, with a
// temporary profile, started by the first test and stopped after the last;
// each test opens tabs of its own (newTab), each in a browser context of its
// own (its own cookies), with JavaScript on (JSOn) or off (JSOff:
// Emulation.setScriptExecutionDisabled; the page's scripts do not run, the
// tests' own evaluations through the DevTools protocol still do), and every
// step of a test fails once its deadline (browserTestTimeout, within go
// test's -timeout) has passed; one step may take stepTimeout.
//
// # Checks of every page
//
// TestPages runs, on each page of the table pageCases, in English and in
// Welsh (subtest TestPages/<name>/<lang>): the status; the security headers
// of the document and of the server's first answer (a redirect too); the
// page's lang; the skip link (the first Tab reaches it, Enter moves the focus
// to main); no serious or critical axe-core violation of WCAG 2.0, 2.1 and
// 2.2 A and AA; a screenshot at desktop (1280) and phone (375) width in
// exports/screenshots/<name>-<lang>-<width>.png; no sideways scrolling at
// 320 CSS pixels nor at 200 % zoom (Zoom200: a 640 pixel wide viewport, what
// a 1280 pixel window at 200 % lays a page out in); then, with JavaScript
// off, the status, lang, skip link and width again. Adding a page is one
// line in pageCases:
//
//	{Name: "product", Path: "/products/quillby-tutor"},
//	{Name: "moderation", Path: "/moderation", As: registry.RoleModerator},
//
// # Journeys
//
// A journey is a test of its own (journey_<name>_test.go) done with the
// keyboard alone, never clicking (unless it is a pointer's journey, below),
// usually once per mode (JavaScript on and off: the modes table):
//
//	h := start(t)
//	for _, m := range modes {
//		t.Run(m.Name, func(t *testing.T) {
//			t.Parallel()
//			tb := h.newTab(t, m.JS)
//			tb.SignIn(t, registry.RoleReviewer) // or sign in with the page itself
//			tb.Open(t, "/products/quillby-tutor")
//			tb.TabTo(t, `a[href$="/review"]`)     // Tab until this has the focus
//			resp := tb.Follow(t, Enter)           // press, wait for the page it loads
//			tb.TabTo(t, "#summary")
//			tb.TypeText(t, "Clear and calm.")     // type into the focused field
//			tb.TabTo(t, `button[type="submit"]`)
//			resp = tb.Follow(t, Enter)            // 303 → next page, or 422 with errors
//			CheckDocumentHeaders(t, resp)
//			tb.Axe(t)                             // on any state worth checking
//		})
//	}
//
// Press sends keys without waiting (Space on a radio button or a check box,
// kb.ArrowDown between radio buttons, Shift+Tab with PressShift), each key
// once, as a keyboard sends it (a key down carrying its text, a key up);
// TabToWithin is TabTo with a bound of its own for a long form (the review
// form's questions); Download presses a key on a download link and returns
// the saved file; Text, Has, Lang, Path, Cookie, Focused, Value and
// CheckedValue read what the page shows; evaluate runs any other
// JavaScript expression, to read, never to act for the person.
// TestChecksFail breaks a page on purpose to show that each check can fail.
//
// The review journeys go through the whole life of a review:
// TestJourneyReview (invitation, account, sign-out and sign-in, a review
// written with a validation error corrected, moderation with a redaction,
// the product's release, the public page, a filtered comparison and its
// workbook, the author's edit and withdrawal) with JavaScript on and a
// pointer (Click, ClickFollow, Fill: mouse clicks, as a person's); its
// writing again with JavaScript off (TestJourneyReviewNoScript) and with
// the keyboard alone (TestJourneyReviewKeyboard). State runs axe-core on
// each state of a page met on the way, saves its screenshots as
// journey-<state>-<lang>-<width>.png and checks its width at 320 px. The
// other people a journey needs (reviewers whose reviews complete a
// release) act through the API (site.completeRelease).
//
// # What the tests need
//
// chromium on the PATH, and axe-core's axe.min.js, read from $AXE_CORE_JS or
// else <repo>/.tools/node_modules/axe-core/axe.min.js. scripts/test.sh
// installs both (axe-core with scripts/browser-tools/install.sh: npm ci from
// the committed package-lock.json into .tools/). Either missing fails the
// tests: it is never a reason to skip them.
package browser
