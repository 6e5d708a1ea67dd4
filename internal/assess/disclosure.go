package assess

import (
	"sort"

	"github.com/edtech-registry/registry/internal/registry"
)

// groupValues lists the cells of each breakdown kind in their fixed order.
var groupValues = map[string][]string{
	registry.GroupRole:   registry.ReviewerRoles,
	registry.GroupPhase:  registry.Phases,
	registry.GroupNation: registry.Nations,
}

// shownCells decides which cells of one breakdown kind may be shown with
// numbers. Primary suppression hides every cell with fewer reviewers than
// the threshold. Secondary suppression closes the subtraction attack: the
// unfiltered assessment gives the total, so if the hidden cells of a kind
// together hold between 1 and threshold−1 reviewers, "total minus the shown
// cells" would reveal those few reviewers' answers. While that is so, the
// smallest shown cell is hidden too. The same decision governs filtered
// assessments, which show one cell's full detail.
func shownCells(s *registry.Stats, kind string, threshold int) map[string]bool {
	type cell struct {
		value string
		n     int
	}
	var cells []cell
	for _, v := range groupValues[kind] {
		n := 0
		if s != nil {
			n = s.Groups[registry.Group(kind, v)].Reviews
		}
		cells = append(cells, cell{v, n})
	}
	shown := map[string]bool{}
	hidden := 0
	for _, c := range cells {
		if c.n >= threshold {
			shown[c.value] = true
		} else {
			hidden += c.n
		}
	}
	// Smallest shown cells go first; ties in the fixed order, so the result
	// does not depend on map iteration.
	sort.SliceStable(cells, func(i, j int) bool { return cells[i].n < cells[j].n })
	for _, c := range cells {
		if hidden == 0 || hidden >= threshold {
			break
		}
		if shown[c.value] {
			delete(shown, c.value)
			hidden += c.n
		}
	}
	return shown
}
