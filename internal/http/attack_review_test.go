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

// contribution adds a review's answers and context, with sign, to a tally of
// per-criterion level counts and breakdown cell counts.
func contribution(levels map[string][]int, cells map[string]int, body map[string]any, sign int) {
	for _, a := range answers(body) {
		id := a["criterion"].(string)
		if levels[id] == nil {
			levels[id] = make([]int, registry.Levels)
		}
		levels[id][a["score"].(int)] += sign
	}
	rv := body["reviewer"].(map[string]any)
	for _, kind := range registry.GroupKinds {
		cells[kind+"="+rv[kind].(string)] += sign
	}
}

// TestPaddingWithWithdrawalsAndTheWaitingCount: docs/anonymity.md §6 says
// an employer needs k−1 tokens, and k−1 reviews that moderators read, to
// pad a release around one genuine review. It needs half that: each token
// gives two changes, the withdrawal of its public review (no moderator
// sees it) and a fresh review. And the waiting count its authors see
// ("4 of 5 changes waiting") tells it when the waiting changes are all its
// own, so the next release holds exactly one review it did not write.
// Subtracting its own known changes from the difference of two public
// snapshots gives that review's answers and context.
func TestPaddingWithWithdrawalsAndTheWaitingCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.store.Threshold()
	pid := e.createProduct("Padded Target")
	seed := 0
	body := func(role, phase, nation string) map[string]any {
		seed++
		return e.contextBody(role, phase, nation, seed)
	}
	// The employer's tokens: ceil((k−1)/2) of them, each with a public
	// review written long ago.
	type own struct {
		au   author
		body map[string]any
	}
	var mine []own
	for range k / 2 {
		b := body("teacher", "primary", "england")
		mine = append(mine, own{e.publishNew(pid, true, b), b})
	}
	// Others' reviews, so that 3k are public (the first k were released
	// one by one, then two releases of k) and both role cells are shown.
	for i := range 3*k - len(mine) {
		role, phase, nation := "leader", "secondary", "wales"
		if i%2 == 1 {
			role, phase, nation = "teacher", "primary", "england"
		}
		e.publishNew(pid, true, body(role, phase, nation))
	}
	var before assessmentJSON
	e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &before)
	if before.Reviews != 3*k || before.Breakdowns["role"][0].Suppressed || before.Breakdowns["role"][2].Suppressed {
		t.Fatalf("setup: %d public reviews, teacher cell suppressed=%v", before.Reviews, before.Breakdowns["role"][0].Suppressed)
	}

	// Padding: each token withdraws its public review and writes a new
	// one, which a moderator publishes.
	levels, cells := map[string][]int{}, map[string]int{}
	changes := 0
	var last author
	for _, m := range mine {
		e.must(200, request{Method: "POST", Path: "/api/v1/reviews/" + m.au.review + "/withdraw", Token: m.au.token})
		contribution(levels, cells, m.body, -1)
		changes++
		if changes == k-1 {
			break
		}
		b := body("leader", "secondary", "wales")
		id := e.submit(pid, m.au.token, b)
		e.publish(id)
		last = author{token: m.au.token, review: id}
		contribution(levels, cells, b, +1)
		changes++
	}
	if changes != k-1 {
		t.Fatalf("setup: %d padding changes, want %d", changes, k-1)
	}
	// The oracle: the waiting count equals the employer's own changes.
	if p := e.publication(last); p.State != "waiting" || p.Waiting != k-1 {
		t.Fatalf("setup: the employer's review is %+v, want waiting with %d changes", p, k-1)
	}
	e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &before)

	// The genuine review, by someone else: it completes the release.
	genuine := body("teacher", "primary", "england")
	e.publishNew(pid, true, genuine)
	var after assessmentJSON
	e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &after)
	if after.Reviews == before.Reviews {
		t.Fatal("setup: no release")
	}

	recovered := 0
	want := map[string]int{}
	for _, a := range answers(genuine) {
		want[a["criterion"].(string)] = a["score"].(int)
	}
	for i, c := range after.Criteria {
		var single []int
		for level, n := range c.Distribution {
			rest := n - before.Criteria[i].Distribution[level]
			if levels[c.ID] != nil {
				rest -= levels[c.ID][level]
			}
			if rest == 1 {
				single = append(single, level)
			}
		}
		if len(single) == 1 && single[0] == want[c.ID] {
			recovered++
		}
	}
	var context []string
	for _, kind := range registry.GroupKinds {
		for i, cell := range after.Breakdowns[kind] {
			b := before.Breakdowns[kind][i]
			if !cell.Suppressed && !b.Suppressed && cell.Reviews-b.Reviews-cells[kind+"="+cell.Key] == 1 {
				context = append(context, kind+"="+cell.Key)
			}
		}
	}
	if recovered > 0 || len(context) > 0 {
		t.Errorf("with %d tokens (not k−1 = %d) and the waiting count as an oracle, the employer recovers %d of the genuine "+
			"review's %d answers and its context %v", len(mine), k-1, recovered, len(want), context)
	}
}
