package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axe-core, the accessibility checker, injected into each page.

// AxeEnv names the environment variable that points at axe.min.js; without
// it the tests read <repo>/.tools/node_modules/axe-core/axe.min.js, where
// scripts/browser-tools/install.sh puts it.
const AxeEnv = "AXE_CORE_JS"

// axeTags are the rules axe runs: WCAG 2.0, 2.1 and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// axeFailing are the impacts that fail a page.
var axeFailing = map[string]bool{"serious": true, "critical": true}

var axeScript = sync.OnceValues(func() (string, error) {
	path := os.Getenv(AxeEnv)
	if path == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		path = filepath.Join(root, ".tools", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(b), nil
})

// axeSource returns axe.min.js, or fails the test.
func axeSource(t testing.TB) string {
	t.Helper()
	src, err := axeScript()
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): the browser tests need it; scripts/test.sh installs it into .tools/ "+
			"(or run scripts/browser-tools/install.sh, or set %s to an axe.min.js)", err, AxeEnv)
	}
	return src
}

// repoRoot returns the repository's root: the folder of go.mod above the
// test's working directory (the package's folder).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// axeViolation is one rule a page breaks, as axe reports it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []any  `json:"target"` // selectors; nested lists inside frames or shadow roots
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeRunJS runs axe on the whole document with axeTags and returns the
// violations only.
var axeRunJS = `axe.run(document, {
	runOnly: {type: "tag", values: ` + jsList(axeTags) + `},
	resultTypes: ["violations"]
}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))
})))`

func jsList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = js(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Axe runs axe-core on the tab's page and fails the test on every serious
// or critical violation, naming the rule, its help and the selectors of
// the elements that break it; lesser ones are logged. axe.min.js is
// evaluated through the DevTools protocol, which the page's
// Content-Security-Policy does not govern (TestHarness checks that the
// policy is in force all the same).
func (tb *tab) Axe(t testing.TB) {
	t.Helper()
	src := axeSource(t)
	if !evaluate[bool](t, tb, `typeof axe === "object"`) {
		evaluate[chromedp.Void](t, tb, src)
	}
	vs := evaluate[[]axeViolation](t, tb, axeRunJS, chromedp.EvalAwaitPromise)
	path := tb.Path(t)
	for _, v := range vs {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprint(n.Target...))
		}
		msg := fmt.Sprintf("axe %s (%s) on %s: %s (%s)\n    elements: %s", v.ID, v.Impact, path, v.Help, v.HelpURL, strings.Join(nodes, ", "))
		if axeFailing[v.Impact] {
			if len(v.Nodes) > 0 && v.Nodes[0].Summary != "" {
				msg += "\n    " + strings.ReplaceAll(v.Nodes[0].Summary, "\n", "\n    ")
			}
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}
