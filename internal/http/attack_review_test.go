package http

import (
	"fmt"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// Attacks found in a review of the disclosure model (docs/anonymity.md),
// and the defences against them. Each test fails if the attack works.

// versionView reads a product's assessment under one rubric version.
func (a attacker) versionView(t testing.TB, pid string, version int) assessmentJSON {
	t.Helper()
	var as assessmentJSON
	a.e.must(t, 200, request{Method: "GET", Path: fmt.Sprintf("/api/v1/products/%s/assessment?rubricVersion=%d", pid, version)}).json(t, &as)
	return as
}

// versionPage reads the product page under one rubric version, without
// its reviews (the listing, which is not by version).
func (a attacker) versionPage(t testing.TB, pid string, version int) string {
	t.Helper()
	path := fmt.Sprintf("/products/%s?rubricVersion=%d", pid, version)
	rest, _ := splitProductPage(t, path, a.publicPage(t, path, web.English))
	return rest
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

// TestRubricVersionDifferencing: each rubric version's statistics are
// public on their own (GET …/assessment?rubricVersion=N,
// /compare?rubricVersion=N). If a release took k changes of the product
// whatever their versions, k−1 reviews under one version and one under
// another would move the second version's statistics by exactly one
// review. The straggler is any educator still filling in the offline form
// of the previous version after a new one is out. Releases are therefore
// decided version by version: the straggler waits for k under its version.
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
			pid := e.createProduct(t, "Versioned Target")
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
				e.publishNew(t, pid, true, e.contextBody(role, phase, nation, seed))
			}
			if tc.prior {
				for i := range 2 * k {
					seed++
					role, phase, nation := "teacher", "primary", "england"
					if i%2 == 1 {
						role, phase, nation = "leader", "secondary", "wales"
					}
					e.publishNew(t, pid, true, v1(e.contextBody(role, phase, nation, seed)))
				}
			}
			var as assessmentJSON
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &as)
			if as.RubricVersion != 2 || as.Reviews != 2*k || as.Breakdowns["role"][0].Suppressed {
				t.Fatalf("setup: latest assessment version %d with %d reviews, teacher cell suppressed=%v", as.RubricVersion, as.Reviews, as.Breakdowns["role"][0].Suppressed)
			}
			before := a.versionView(t, pid, 1)
			pageBefore := a.versionPage(t, pid, 1)

			// The straggler, under version 1, then k−1 ordinary reviews
			// under version 2: k changes, one release.
			seed++
			body := v1(e.contextBody("teacher", "primary", "england", seed))
			straggler := e.publishNew(t, pid, true, body)
			for range k - 1 {
				seed++
				e.publishNew(t, pid, true, e.contextBody("leader", "secondary", "wales", seed))
			}
			// The defence: version 1's changes wait for changes by k
			// reviewers under version 1; nothing about version 1 moves.
			if p := e.publication(t, straggler); p.State != "waiting" || p.Waiting != 1 {
				t.Errorf("after k−1 changes under another version the straggler is %+v, want waiting with 1 of %d", p, k)
			}
			if mid := a.versionView(t, pid, 1); mid.Reviews != before.Reviews {
				t.Errorf("version 1's public statistics moved from %d to %d reviews with one change under it", before.Reviews, mid.Reviews)
			}
			if a.versionPage(t, pid, 1) != pageBefore {
				t.Error("the product page under ?rubricVersion=1 moved with one change under version 1")
			}
			// k−1 more under version 1 make its release: k changes at once.
			for range k - 1 {
				seed++
				e.publishNew(t, pid, true, v1(e.contextBody("leader", "secondary", "wales", seed)))
			}
			if p := e.publication(t, straggler); p.State != "public" {
				t.Fatalf("after k changes under version 1 the straggler is %+v, want public", p)
			}

			after := a.versionView(t, pid, 1)
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

// TestPaddingWithWithdrawalsAndTheWaitingCount: an employer pads a release
// around one genuine review with its own changes, two per token (the
// withdrawal of its public review, which no moderator sees, and a fresh
// review), using the waiting count its authors see as an oracle. A
// release needs changes by k different reviewers, so ⌈(k−1)/2⌉ tokens
// are not enough: the genuine review does not complete a release, and
// nothing can be subtracted. (With k−1 tokens the attack remains, as
// docs/anonymity.md says.)
func TestPaddingWithWithdrawalsAndTheWaitingCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.store.Threshold()
	pid := e.createProduct(t, "Padded Target")
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
		mine = append(mine, own{e.publishNew(t, pid, true, b), b})
	}
	// Others' reviews, so that 3k are public (the first k were released
	// one by one, then two releases of k) and both role cells are shown.
	for i := range 3*k - len(mine) {
		role, phase, nation := "leader", "secondary", "wales"
		if i%2 == 1 {
			role, phase, nation = "teacher", "primary", "england"
		}
		e.publishNew(t, pid, true, body(role, phase, nation))
	}
	var before assessmentJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &before)
	if before.Reviews != 3*k || before.Breakdowns["role"][0].Suppressed || before.Breakdowns["role"][2].Suppressed {
		t.Fatalf("setup: %d public reviews, teacher cell suppressed=%v", before.Reviews, before.Breakdowns["role"][0].Suppressed)
	}

	// Padding: each token withdraws its public review and writes a new
	// one, which a moderator publishes.
	levels, cells := map[string][]int{}, map[string]int{}
	changes := 0
	var last author
	for _, m := range mine {
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + m.au.review + "/withdraw", Token: m.au.token})
		contribution(levels, cells, m.body, -1)
		changes++
		if changes == k-1 {
			break
		}
		b := body("leader", "secondary", "wales")
		id := e.submit(t, pid, m.au.token, b)
		e.publish(t, id)
		last = author{token: m.au.token, review: id}
		contribution(levels, cells, b, +1)
		changes++
	}
	if changes != k-1 {
		t.Fatalf("setup: %d padding changes, want %d", changes, k-1)
	}
	// The defence: a release needs changes by k different reviewers, so
	// the waiting count is the employer's reviewers, not its changes, and
	// the genuine review does not complete a release.
	if p := e.publication(t, last); p.State != "waiting" || p.Waiting != len(mine) {
		t.Errorf("the employer's review is %+v, want waiting with changes by %d reviewers", p, len(mine))
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &before)

	// The genuine review, by someone else.
	genuine := body("teacher", "primary", "england")
	e.publishNew(t, pid, true, genuine)
	var after assessmentJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &after)
	if after.Reviews == before.Reviews {
		return // no release: nothing to subtract
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
