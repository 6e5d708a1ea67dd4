package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/edtech-registry/registry/internal/hints"
	"github.com/edtech-registry/registry/internal/registry"
)

// builtKey is a family of keys the code builds at run time: prefix and a
// value ("risk." + level, printf "status.%s"). Values lists the values it
// can be built with, so that a key of the family that no value builds is
// still found dead; nil lets any key under prefix through (a family the
// catalogue alone lists, as the error pages' statuses).
type builtKey struct {
	prefix string
	values []string
	// where says what builds it, for whoever edits this list.
	where string
}

// builtKeys are every family of keys built at run time. A key the code
// builds some other way is found dead by TestNoDeadKeys: add its family
// here, with the values it is built from.
var builtKeys = []builtKey{
	{"risk.", []string{registry.RiskLow, registry.RiskMedium, registry.RiskHigh, registry.RiskCritical, registry.RiskInsufficient}, "View.Risk"},
	{"month.", []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}, "View.Month"},
	{"error.", nil, `Server.pageError: "error." + status (or csrf) + ".title" and ".message"`},
	{"role.", registry.ReviewerRoles, "a reviewer's role: groupKinds (internal/http), templates"},
	{"phase.", registry.Phases, "a reviewer's phase: groupKinds, templates"},
	{"nation.", registry.Nations, "a reviewer's nation: groupKinds, templates"},
	{"setting.", registry.Settings, "templates"},
	{"frequency.", registry.Frequencies, "templates"},
	{"recommendation.", registry.Recommendations, "templates"},
	{"status.", []string{registry.StatusPending, registry.StatusPublished, registry.StatusRejected, registry.StatusWithdrawn, registry.StatusSuperseded}, "templates"},
	{"userrole.", registry.Roles, "templates: an account's role"},
	{"category.", registry.Categories, "productSummaries (internal/http), templates"},
	{"admin.audit.action.", auditActions(), "audit.html"},
	{"admin.audit.kind.", []string{registry.CredentialBootstrap, registry.CredentialToken}, "audit.html: a token's kind"},
	{"moderation.hint.kind.", hints.Kinds(), "_moderation.html"},
	{"moderation.done.", []string{"published", "rejected"}, "moderation.html: moderationDone (internal/http)"},
	{"account.publication.", []string{registry.PublicationPublic, registry.PublicationWaiting, registry.PublicationReplacing,
		registry.PublicationLeaving, registry.PublicationNone}, "myreview.html"},
	{"product.voices.", registry.GroupKinds, "product.html: a breakdown's kind"},
	{"review.answer.unknown.", []string{registry.UnknownWorst, registry.UnknownIgnore}, "_review_fields.html: a criterion's don't-know policy"},
	{"product.recommendation.", registry.Recommendations, "publicReviewView (internal/http): a published review's heading"},
	{"review.recommendation.", registry.Recommendations, "review_form.html (the radios' Prefix), _review_fields.html"},
	{"review.conflict.", []string{"yes", "no"}, "review_form.html (the radios' Prefix): reviewData's Conflicts (internal/http)"},
}

func auditActions() []string {
	out := make([]string, len(registry.AuditActions))
	for i, a := range registry.AuditActions {
		out[i] = string(a)
	}
	return out
}

// codeFiles are the Go files that look keys up: this package's and the
// pages' handlers (internal/http), tests left out.
func codeFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"*.go", filepath.Join("..", "http", "*.go")} {
		names, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if !strings.HasSuffix(n, "_test.go") {
				out = append(out, n)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d Go files found: %v", len(out), out)
	}
	return out
}

// literals returns every string constant of the templates and of the Go
// code: the keys they name, and the prefixes of those they build.
func literals(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	names, err := fs.Glob(Files, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(Files, n)
		if err != nil {
			t.Fatal(err)
		}
		tree := parse.New(n)
		tree.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		if _, err := tree.Parse(string(b), "", "", trees); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for _, tr := range trees {
			templateStrings(tr.Root, out)
		}
	}
	fset := token.NewFileSet()
	for _, n := range codeFiles(t) {
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			if lit, ok := node.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					out[s] = true
				}
			}
			return true
		})
	}
	return out
}

// templateStrings adds the string constants under node to out.
func templateStrings(node parse.Node, out map[string]bool) {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			templateStrings(c, out)
		}
	case *parse.ActionNode:
		templateStrings(n.Pipe, out)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			templateStrings(c, out)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			templateStrings(a, out)
		}
	case *parse.ChainNode:
		templateStrings(n.Node, out)
	case *parse.IfNode:
		templateStrings(&n.BranchNode, out)
	case *parse.RangeNode:
		templateStrings(&n.BranchNode, out)
	case *parse.WithNode:
		templateStrings(&n.BranchNode, out)
	case *parse.BranchNode:
		templateStrings(n.Pipe, out)
		templateStrings(n.List, out)
		templateStrings(n.ElseList, out)
	case *parse.TemplateNode:
		templateStrings(n.Pipe, out)
	case *parse.StringNode:
		out[n.Text] = true
	}
}

// builds reports whether the sources build keys of prefix: they hold it
// as a constant of its own ("risk." + level) or as the start of a format
// ("status.%s").
func builds(lits map[string]bool, prefix string) bool {
	if lits[prefix] {
		return true
	}
	for l := range lits {
		if rest, ok := strings.CutPrefix(l, prefix); ok && strings.HasPrefix(rest, "%") {
			return true
		}
	}
	return false
}

// TestNoDeadKeys fails for a key of the catalogue that no template and no
// Go code names, and that no family of builtKeys builds: a word nobody
// reads any more, or one whose look-up was renamed.
func TestNoDeadKeys(t *testing.T) {
	t.Parallel()
	c, err := LoadCatalogue(Files)
	if err != nil {
		t.Fatal(err)
	}
	lits := literals(t)
	var dead []string
	for _, k := range c.Keys() {
		if lits[k] || isBuilt(k) {
			continue
		}
		dead = append(dead, k)
	}
	if len(dead) > 0 {
		t.Errorf("keys used by no template and no Go code (delete them, or add the family that builds them to builtKeys):\n  %s",
			strings.Join(dead, "\n  "))
	}
}

// isBuilt reports whether a family of builtKeys builds key.
func isBuilt(key string) bool {
	for _, b := range builtKeys {
		value, ok := strings.CutPrefix(key, b.prefix)
		if !ok {
			continue
		}
		if b.values == nil {
			return true
		}
		for _, v := range b.values {
			if value == v {
				return true
			}
		}
	}
	return false
}

// TestBuiltKeys checks the list of families itself: each is still built
// somewhere (else its keys would pass TestNoDeadKeys unread), and every
// key it can build is in the catalogue (else a page fails when it meets
// that value).
func TestBuiltKeys(t *testing.T) {
	t.Parallel()
	c, err := LoadCatalogue(Files)
	if err != nil {
		t.Fatal(err)
	}
	lits := literals(t)
	for _, b := range builtKeys {
		if !builds(lits, b.prefix) {
			t.Errorf("builtKeys: no template or Go code builds %q (%s): take it out of the list", b.prefix, b.where)
		}
		var missing []string
		for _, v := range b.values {
			if !c.Has(b.prefix + v) {
				missing = append(missing, b.prefix+v)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("%s builds keys the catalogue lacks: %v", b.where, missing)
		}
	}
}

// TestDeadKeysFound checks the checker: a key nobody names is dead, one
// a template names or a family builds is not.
func TestDeadKeysFound(t *testing.T) {
	t.Parallel()
	lits := literals(t)
	if !lits["site.name"] || !lits["answer.level"] {
		t.Error("the templates' keys are not read")
	}
	if !lits["account.notice.withdrawn"] || !lits["error."] {
		t.Error("the Go code's keys are not read")
	}
	if lits["no.such.key"] || isBuilt("no.such.key") {
		t.Error("an unknown key passes")
	}
	if !isBuilt("status.pending") || isBuilt("status.lost") || !isBuilt("error.404.title") {
		t.Error("builtKeys does not say which keys are built")
	}
	if !builds(lits, "status.") || builds(lits, "nothing.builds.this.") {
		t.Error("builds does not find where keys are built")
	}
}
