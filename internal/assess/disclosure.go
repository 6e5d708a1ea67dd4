package assess

import "github.com/edtech-registry/registry/internal/registry"

// groupValues lists the cells of each breakdown kind in their fixed order.
var groupValues = map[string][]string{
	registry.GroupRole:   registry.ReviewerRoles,
	registry.GroupPhase:  registry.Phases,
	registry.GroupNation: registry.Nations,
}

// shownCells decides which cells of one breakdown kind may be shown with
// numbers, by registry.Shown: cells below the threshold are hidden, and so
// are more cells when "total minus the shown cells" would reveal a small
// group. The same decision governs filtered assessments, which show one
// cell's full detail.
func shownCells(s *registry.Stats, kind string, threshold int) map[string]bool {
	values := groupValues[kind]
	counts := make([]int, len(values))
	for i, v := range values {
		if s != nil {
			counts[i] = s.Groups[registry.Group(kind, v)].Reviews
		}
	}
	shown := map[string]bool{}
	for i, ok := range registry.Shown(counts, threshold) {
		if ok {
			shown[values[i]] = true
		}
	}
	return shown
}
