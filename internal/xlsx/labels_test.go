package xlsx

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// verbRE finds fmt verbs, with an explicit argument index if any.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs lists a text's fmt verbs by argument, for comparing languages: a
// translation may reorder its arguments (%[2]s) but must use each the same
// way.
func verbs(s string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		if strings.HasSuffix(m[0], "%") {
			continue
		}
		arg := next
		if m[1] != "" {
			fmt.Sscanf(m[1], "[%d]", &arg)
		}
		next = arg + 1
		out = append(out, fmt.Sprintf("%d:%s", arg, m[0][len(m[0])-1:]))
	}
	slices.Sort(out)
	return out
}

// TestLabels fails when any workbook label lacks English or Welsh, has a
// language the workbooks do not have, or is translated with other fmt
// arguments than its English.
func TestLabels(t *testing.T) {
	t.Parallel()
	var raw map[string]map[string]string
	if err := json.Unmarshal(labelsJSON, &raw); err != nil {
		t.Fatalf("labels.json: %v", err)
	}
	if len(raw) < 100 {
		t.Fatalf("only %d labels", len(raw))
	}
	for key, texts := range raw {
		for _, l := range Langs {
			if strings.TrimSpace(texts[string(l)]) == "" {
				t.Errorf("%q has no %s text", key, l)
			}
		}
		for l := range texts {
			if _, ok := ParseLang(l); !ok || l == "" {
				t.Errorf("%q has a text in %q, not a language of the workbooks", key, l)
			}
		}
		if en, cy := verbs(texts["en"]), verbs(texts["cy"]); !slices.Equal(en, cy) {
			t.Errorf("%q: the Welsh uses the format arguments %v, the English %v", key, cy, en)
		}
	}
}

// labelCallRE finds the literal keys the package's code looks up (keys
// built at run time, t("risk." + risk), are checked below).
var labelCallRE = regexp.MustCompile(`\bt\("([a-zA-Z0-9.]+)"\s*[,)]`)

// TestLabelsUsedExist fails for a key the code names that the catalogue
// lacks, and for keys built at run time from the registry's values.
func TestLabelsUsedExist(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range labelCallRE.FindAllStringSubmatch(string(b), -1) {
			seen++
			if _, ok := labels[m[1]]; !ok {
				t.Errorf("%s: no label %q", name, m[1])
			}
		}
	}
	if seen < 100 {
		t.Fatalf("only %d label lookups found in the code", seen)
	}

	// Keys built at run time.
	var dynamic []string
	for _, r := range []string{registry.RiskLow, registry.RiskMedium, registry.RiskHigh, registry.RiskCritical, registry.RiskInsufficient} {
		dynamic = append(dynamic, "risk."+r)
	}
	dynamic = append(dynamic, "severity."+registry.SeverityHigh, "severity."+registry.SeverityCritical)
	for _, k := range registry.GroupKinds {
		dynamic = append(dynamic, "group."+k)
	}
	for _, u := range []string{registry.UnknownWorst, registry.UnknownIgnore, registry.UnknownNone} {
		dynamic = append(dynamic, "form.unknown."+u)
	}
	for _, f := range formFields {
		dynamic = append(dynamic, "form.label."+f.path, "form.help."+f.path)
	}
	for _, a := range methodAccount {
		dynamic = append(dynamic, "method."+a+".label", "method."+a+".text")
	}
	p := &pack{book: &book{lang: Welsh}}
	for list, words := range map[string][]string{"likelihood": DPIALikelihood, "severity": DPIASeverity, "risk": DPIARisk,
		"effect": DPIAEffect, "approved": DPIAApproved, "advice": DPIADPOAdvice, "decision": DPIADecision} {
		for _, w := range words {
			dynamic = append(dynamic, "dpia."+list+"."+strings.ReplaceAll(w, " ", "-"))
			if got := p.dpiaWord(list, w); got == w || got == "" {
				t.Errorf("DPIA %s %q has no Welsh word (got %q)", list, w, got)
			}
		}
	}
	for _, k := range decisionItems {
		dynamic = append(dynamic, "decision.item."+k)
		if k != "dpoSummary" {
			dynamic = append(dynamic, "decision.note."+k)
		}
	}
	for _, key := range dynamic {
		if _, ok := labels[key]; !ok {
			t.Errorf("no label %q", key)
		}
	}
}

// TestLabelsWelshDiffer checks that Welsh workbooks use Welsh words where
// English ones use English: the values a reader of a Welsh form picks.
func TestLabelsWelshDiffer(t *testing.T) {
	t.Parallel()
	en, cy := Words(English), Words(Welsh)
	if en != (AnswerWords{DontKnow: DontKnow, NotApplicable: NotApplicable, Yes: Yes, No: No}) {
		t.Errorf("English words %+v", en)
	}
	if cy.DontKnow == en.DontKnow || cy.NotApplicable == en.NotApplicable || cy.Yes == en.Yes || cy.No == en.No {
		t.Errorf("Welsh words %+v are English", cy)
	}
	for i, h := range criteriaHeader(Welsh) {
		if h == criteriaHeader(English)[i] && !strings.HasPrefix(h, "Level") {
			t.Errorf("criteria column %d is %q in both languages", i, h)
		}
	}
	if got := English.t("no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key reads %q", got)
	}
}

// flagsOf lists an assessment's hit red flags with their dimension's
// title, as the assessment gives them (the tests' expectation).
func flagsOf(a *registry.Assessment) (flags []registry.Flag, dims []string) {
	for _, d := range a.Dimensions {
		for _, f := range d.Flags {
			flags = append(flags, f)
			dims = append(dims, d.Title)
		}
	}
	return flags, dims
}
