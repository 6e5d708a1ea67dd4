package registry

import "context"

// Group kinds a breakdown or a filter can use.
const (
	GroupRole   = "role"
	GroupPhase  = "phase"
	GroupNation = "nation"
)

// GroupKinds lists the breakdown kinds in a fixed order.
var GroupKinds = []string{GroupRole, GroupPhase, GroupNation}

// GroupKey names one breakdown cell, for example "role:teacher".
type GroupKey string

// Group returns the key of one cell.
func Group(kind, value string) GroupKey { return GroupKey(kind + ":" + value) }

// GroupKeys returns every breakdown cell in a fixed order: roles, phases,
// nations. The order is part of the stored statistics' layout: each stored
// record names the layout it was written in, and one written in another
// is rebuilt, never read (docs/storage.md, "Packed statistics: format
// header").
func GroupKeys() []GroupKey {
	var keys []GroupKey
	for _, v := range ReviewerRoles {
		keys = append(keys, Group(GroupRole, v))
	}
	for _, v := range Phases {
		keys = append(keys, Group(GroupPhase, v))
	}
	for _, v := range Nations {
		keys = append(keys, Group(GroupNation, v))
	}
	return keys
}

// ReviewGroups returns the cells a review counts in.
func ReviewGroups(c ReviewerContext) []GroupKey {
	return []GroupKey{Group(GroupRole, c.Role), Group(GroupPhase, c.Phase), Group(GroupNation, c.Nation)}
}

// CriterionTally counts the answers given to one criterion.
type CriterionTally struct {
	Levels  [Levels]int // answers at each score 0..4
	Unknown int         // "don't know" answers
	NA      int         // "not applicable" answers
}

// Tally counts the answers of a set of published reviews under one rubric
// version. Criteria follow the rubric's order (Rubric.Criteria()).
type Tally struct {
	Reviews  int
	Criteria []CriterionTally
}

// NewTally returns an empty tally for n criteria.
func NewTally(n int) Tally { return Tally{Criteria: make([]CriterionTally, n)} }

// Add counts (sign +1) or uncounts (sign -1) one review's answers. idx maps
// criterion ids to positions (Rubric.CriterionIndex()); unknown criteria
// are skipped.
func (t *Tally) Add(idx map[string]int, answers []Answer, sign int) {
	t.Reviews += sign
	for _, a := range answers {
		i, ok := idx[a.Criterion]
		if !ok || i >= len(t.Criteria) {
			continue
		}
		switch {
		case a.NA:
			t.Criteria[i].NA += sign
		case a.Unknown:
			t.Criteria[i].Unknown += sign
		case a.Score != nil && *a.Score >= 0 && *a.Score <= MaxScore:
			t.Criteria[i].Levels[*a.Score] += sign
		}
	}
}

// Stats are the derived statistics of one product under one rubric version:
// the tally of all its published reviews and one tally per breakdown cell.
// They are kept up to date as reviews are published, rejected or withdrawn,
// and can be rebuilt from the reviews.
type Stats struct {
	ProductID     string
	RubricID      string
	RubricVersion int
	All           Tally
	Groups        map[GroupKey]Tally
}

// NewStats returns empty statistics for a product under a rubric version.
func NewStats(productID string, r *Rubric) *Stats {
	n := len(r.Criteria())
	s := &Stats{ProductID: productID, RubricID: r.ID, RubricVersion: r.Version, All: NewTally(n), Groups: map[GroupKey]Tally{}}
	for _, k := range GroupKeys() {
		s.Groups[k] = NewTally(n)
	}
	return s
}

// Add counts (sign +1) or uncounts (sign -1) one review.
func (s *Stats) Add(idx map[string]int, r *Review, sign int) {
	s.All.Add(idx, r.Answers, sign)
	for _, k := range ReviewGroups(r.Reviewer) {
		t, ok := s.Groups[k]
		if !ok {
			continue
		}
		t.Add(idx, r.Answers, sign)
		s.Groups[k] = t
	}
}

// StatsService reads and repairs derived statistics.
type StatsService interface {
	// Stats returns a product's statistics under one rubric version; empty
	// statistics if nothing is published yet.
	Stats(ctx context.Context, productID string, r *Rubric) (*Stats, error)
	// PublishedCounts returns how many of a product's published reviews were
	// written under each rubric version, keyed by VersionKey.
	PublishedCounts(ctx context.Context, productID string) (map[string]int, error)
	// Reindex rebuilds every derived document from the reviews and returns
	// the number of products whose stored derivations were wrong.
	Reindex(ctx context.Context, progress func(done, total int)) (int, error)
}
