// Package browser holds the registry's real-browser tests: its pages driven
// in a headless Chromium (Debian's chromium, through chromedp) on a server
// the tests start, with axe-core injected into each page. The package has no
// code of its own outside the tests; nothing here is built into the binary.
//
// Each test starts the real HTTP server (internal/http) on 127.0.0.1, on a
// port the kernel picks, over the real embedded store (internal/mongodb
// through mongodbtest) seeded with the demo data (internal/demo, as `registry
// serve --demo` seeds it), with a signed-up account for each role; and its own
// Chromium, headless, with a temporary profile, bounded by the test's own
// deadline (browserTestTimeout).
//
// The checks every page gets, in English and in Welsh (pages_test.go, the
// table pageCases): no serious or critical axe-core violation of WCAG 2.0,
// 2.1 and 2.2 A and AA; security headers on the document the browser got and
// on the first answer to its address; the skip link is the first thing the
// Tab key reaches and Enter on it moves the focus to main; no horizontal
// scrolling 320 CSS pixels wide, nor at 200 % zoom (a 640 pixel wide
// viewport: 1280 pixels of screen at 200 % lay a page out in 640 CSS pixels,
// as WCAG 1.4.10 counts it); and a screenshot at desktop (1280) and phone
// (375) width in exports/screenshots/<page>-<lang>-<width>.png. Adding a page
// to the checks is one line in pageCases.
//
// Journeys (journey_*_test.go) are done with the keyboard alone: tabTo
// presses Tab until the element wanted has the focus, press sends Enter or
// Space, typeText types into the focused field; they run in a tab with
// JavaScript on and in one with JavaScript off (Emulation.
// setScriptExecutionDisabled: the page's own scripts do not run; the tests'
// evaluations through the DevTools protocol still do).
//
// What the tests need: chromium on the PATH and axe-core's axe.min.js, read
// from $AXE_CORE_JS or else <repo>/.tools/node_modules/axe-core/axe.min.js.
// scripts/test.sh installs both (axe-core with scripts/browser-tools/
// install.sh, pinned by scripts/browser-tools/package-lock.json). Either one
// missing fails the tests: it is not a reason to skip them.
package browser
