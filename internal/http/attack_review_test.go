package http

import (
	"fmt"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// Attacks found in a review of the disclosure model (docs/anonymity.md).
// Each test fails while the attack works.

// versionView reads a product's assessment under one rubric version.
func (a attacker) versionView(pid string, version int) assessmentJSON {
	a.e.t.Helper()
	var as assessmentJSON
	a.e.must(200, request{Method: "GET", Path: fmt.Sprintf("/api/v1/products/%s/assessment?rubricVersion=%d", pid, version)}).json(a.e.t, &as)
	return as
}

// difference is what subtracting two snapshots of one rubric version's
// assessment gives the attacker: how many reviews entered, the answer of
// each criterion (when exactly one entered) and the breakdown cells that
// grew.
func difference(before, after assessmentJSON) (entered int, answers map[string]int, cells []string) {
	entered = after.Reviews - before.Reviews
	answers = map[string]int{}
	for i, c := range after.Criteria {
		if i >= len(before.Criteria) || len(before.Criteria[i].Distribution) != len(c.Distribution) {
			continue
		}
		for level, n := range c.Distribution {
			if n-before.Criteria[i].Distribution[level] == 1 {
				answers[c.ID] = level
			}
		}
	}
	for _, kind := range registry.GroupKinds {
		for i, cell := range after.Breakdowns[kind] {
			if i < len(before.Breakdowns[kind]) && !cell.Suppressed && !before.Breakdowns[kind][i].Suppressed &&
				cell.Reviews-before.Breakdowns[kind][i].Reviews == 1 {
				cells = append(cells, kind+"="+cell.Key)
			}
		}
	}
	return entered, answers, cells
}

// TestRubricVersionDifferencing: a release takes k changes of the
// product, whatever rubric version each review was written under, but
// each version's statistics are public on their own
// (GET …/assessment?rubricVersion=N, /compare?rubricVersion=N). A release
// of k−1 reviews under one version and one under another moves the second
// version's statistics by exactly one review: the differencing attack the
// release rule exists to stop. The straggler is any educator still filling
// in the offline form of the previous version after a new one is out.
func TestRubricVersionDifferencing(t *testing.T) {
	for _, tc := range []struct {
		name string
		// public v1 reviews before the straggler: 0 (the straggler is the
		// version's first review) or 2k (its breakdowns are shown).
		prior bool
	}{{"FirstReviewOfOlderVersion", false}, {"OlderVersionWithBreakdowns", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withSecondVersion(t))
			k := e.store.Threshold()
			pid := e.createProduct("Versioned Target")
			a := attacker{e: e}
			v1 := func(body map[string]any) map[string]any {
				body["rubricVersion"] = 1
				return body
			}
			seed := 0
			// 2k public reviews under the latest version (2): the product is
			// well past the point where every change is released at once.
			for i := range 2 * k {
				seed++
				role, phase, nation := "teacher", "primary", "england"
				if i%2 == 1 {
					role, phase, nation = "leader", "secondary", "wales"
				}
				e.publishNew(pid, true, e.contextBody(role, phase, nation, seed))
			}
			if tc.prior {
				for i := range 2 * k {
					seed++
					role, phase, nation := "teacher", "primary", "england"
					if i%2 == 1 {
						role, phase, nation = "leader", "secondary", "wales"
					}
					e.publishNew(pid, true, v1(e.contextBody(role, phase, nation, seed)))
				}
			}
			var as assessmentJSON
			e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &as)
			if as.RubricVersion != 2 || as.Reviews != 2*k || as.Breakdowns["role"][0].Suppressed {
				t.Fatalf("setup: latest assessment version %d with %d reviews, teacher cell suppressed=%v", as.RubricVersion, as.Reviews, as.Breakdowns["role"][0].Suppressed)
			}
			before := a.versionView(pid, 1)

			// The straggler, under version 1, then k−1 ordinary reviews
			// under version 2: k changes, one release.
			seed++
			body := v1(e.contextBody("teacher", "primary", "england", seed))
			straggler := e.publishNew(pid, true, body)
			for range k - 1 {
				seed++
				e.publishNew(pid, true, e.contextBody("leader", "secondary", "wales", seed))
			}
			if p := e.publication(straggler); p.State != "public" {
				t.Fatalf("setup: after k changes the straggler is %+v, want public", p)
			}

			after := a.versionView(pid, 1)
			entered, got, cells := difference(before, after)
			if entered > 0 && entered < k {
				recovered := 0
				for _, ans := range answers(body) {
					if level, ok := got[ans["criterion"].(string)]; ok && level == ans["score"] {
						recovered++
					}
				}
				t.Errorf("a release of %d changes moved rubric version 1's public statistics by %d review(s): "+
					"subtracting two snapshots of ?rubricVersion=1 recovers %d of the straggler's %d answers exactly, "+
					"and its context from the breakdown cells that grew by one: %v",
					k, entered, recovered, len(answers(body)), cells)
			}
		})
	}
}
