package registry

import "sort"

// Shown decides which groups of a partition (the roles, or the phases of
// one role, …) may be told apart publicly, given how many reviewers each
// holds. Primary suppression hides every group smaller than the threshold.
// Secondary suppression closes the subtraction attack: the partition's
// total is public, so if the hidden groups together hold between 1 and
// threshold−1 reviewers, "total minus the shown groups" would single out
// those few. While that is so, the smallest shown group is hidden too (ties
// in the given order). The result is parallel to counts.
func Shown(counts []int, threshold int) []bool {
	shown := make([]bool, len(counts))
	hidden := 0
	for i, n := range counts {
		if n >= threshold {
			shown[i] = true
		} else {
			hidden += n
		}
	}
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] < counts[order[b]] })
	for _, i := range order {
		if hidden == 0 || hidden >= threshold {
			break
		}
		if shown[i] {
			shown[i] = false
			hidden += counts[i]
		}
	}
	return shown
}

// ContextKeys returns the keys under which a reviewer context is counted for
// generalisation: role|phase|nation, role|phase and role.
func ContextKeys(c ReviewerContext) []string {
	return []string{c.Role + "|" + c.Phase + "|" + c.Nation, c.Role + "|" + c.Phase, c.Role}
}

// Generalise returns the reviewer context to print beside a published
// review (DESIGN §2, "Anonymity"): nation, then phase, then role are dropped
// until what is left is shared by at least threshold of the product's
// published reviews. The decision is taken for whole groups with Shown, not
// review by review: otherwise five reviews shown as "teacher, primary,
// England" beside one shown as "teacher, primary" would single out the one
// teacher outside England. Subject and setting are never shown. counts
// holds the number of published reviews per ContextKeys key.
func Generalise(c ReviewerContext, counts map[string]int, threshold int) ReviewerContext {
	pick := func(values []string, key func(v string) string, want string) bool {
		ns := make([]int, len(values))
		for i, v := range values {
			ns[i] = counts[key(v)]
		}
		shown := Shown(ns, threshold)
		for i, v := range values {
			if v == want {
				return shown[i]
			}
		}
		return false
	}
	if !pick(ReviewerRoles, func(r string) string { return r }, c.Role) {
		return ReviewerContext{}
	}
	if !pick(Phases, func(p string) string { return c.Role + "|" + p }, c.Phase) {
		return ReviewerContext{Role: c.Role}
	}
	if !pick(Nations, func(n string) string { return c.Role + "|" + c.Phase + "|" + n }, c.Nation) {
		return ReviewerContext{Role: c.Role, Phase: c.Phase}
	}
	return ReviewerContext{Role: c.Role, Phase: c.Phase, Nation: c.Nation}
}
