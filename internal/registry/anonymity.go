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
