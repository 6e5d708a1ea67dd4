package assess

import (
	"math"
	"strconv"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// testRubric is a small rubric used throughout the tests (and in the worked
// example of docs/method.md):
//
//	settings: min reviews 3; thresholds low ≥ 75, medium ≥ 50, high ≥ 25;
//	          contested below 0.5
//	privacy  (weight 2)
//	  privacy.sale       weight 2, unknown worst,  red flag ≤ 1 critical
//	  privacy.retention  weight 1, unknown ignore, n/a allowed, red flag ≤ 0 high
//	workload (weight 1)
//	  workload.time      weight 1, unknown ignore, red flag ≤ 1 high
//	  workload.setup     weight 3, unknown ignore, no red flag
func testRubric() *registry.Rubric {
	levels := func() []registry.Level {
		var ls []registry.Level
		for s := range registry.Levels {
			ls = append(ls, registry.Level{Score: s, Label: strconv.Itoa(s)})
		}
		return ls
	}
	return &registry.Rubric{
		ID:      "test",
		Version: 1,
		Title:   "Test rubric",
		Settings: registry.RubricSettings{
			MinReviews:     3,
			Thresholds:     registry.RiskThresholds{Low: 75, Medium: 50, High: 25},
			ContestedBelow: 0.5,
		},
		Dimensions: []registry.Dimension{
			{ID: "privacy", Title: "Privacy", Weight: 2, Criteria: []registry.Criterion{
				{ID: "privacy.sale", Title: "Sale of data", Weight: 2, Levels: levels(), Unknown: registry.UnknownWorst,
					RedFlag: &registry.RedFlag{AtOrBelow: 1, Severity: registry.SeverityCritical}, Ask: "No sale of pupil data, in the contract"},
				{ID: "privacy.retention", Title: "Retention", Weight: 1, Levels: levels(), Unknown: registry.UnknownIgnore, NotApplicable: true,
					RedFlag: &registry.RedFlag{AtOrBelow: 0, Severity: registry.SeverityHigh}, Ask: "A deletion schedule"},
			}},
			{ID: "workload", Title: "Workload", Weight: 1, Criteria: []registry.Criterion{
				{ID: "workload.time", Title: "Time saved", Weight: 1, Levels: levels(), Unknown: registry.UnknownIgnore,
					RedFlag: &registry.RedFlag{AtOrBelow: 1, Severity: registry.SeverityHigh}, Ask: "Protected time to learn it"},
				{ID: "workload.setup", Title: "Setup", Weight: 3, Levels: levels(), Unknown: registry.UnknownIgnore},
			}},
		},
	}
}

// Criterion positions in testRubric().Criteria().
const (
	cSale = iota
	cRetention
	cTime
	cSetup
)

// reviewer is a reviewer context for the tests.
type reviewer struct{ role, phase, nation string }

var teacher = reviewer{"teacher", "secondary", "england"}

// review builds a published review by rv answering the test rubric's
// criteria in rubric order: "0".."4" a score, "u" don't know, "na" not
// applicable, "" no answer.
func review(rv reviewer, answers ...string) *registry.Review {
	r := testRubric()
	rev := &registry.Review{
		ProductID: "p", RubricID: r.ID, RubricVersion: r.Version, Status: registry.StatusPublished,
		Reviewer: registry.ReviewerContext{Role: rv.role, Phase: rv.phase, Nation: rv.nation},
	}
	for i, c := range r.Criteria() {
		if i >= len(answers) || answers[i] == "" {
			continue
		}
		a := registry.Answer{Criterion: c.ID}
		switch answers[i] {
		case "u":
			a.Unknown = true
		case "na":
			a.NA = true
		default:
			s, err := strconv.Atoi(answers[i])
			if err != nil {
				panic(err)
			}
			a.Score = &s
		}
		rev.Answers = append(rev.Answers, a)
	}
	return rev
}

// times repeats a review n times.
func times(n int, rev *registry.Review) []*registry.Review {
	out := make([]*registry.Review, n)
	for i := range out {
		out[i] = rev
	}
	return out
}

// statsOf tallies reviews for product "p" under r, through Stats.Add as the
// store does.
func statsOf(r *registry.Rubric, reviews ...*registry.Review) *registry.Stats {
	s := registry.NewStats("p", r)
	idx := r.CriterionIndex()
	for _, rev := range reviews {
		s.Add(idx, rev, 1)
	}
	return s
}

// concat joins review lists.
func concat(lists ...[]*registry.Review) []*registry.Review {
	var out []*registry.Review
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// assessAll assesses reviews under the test rubric, unfiltered, threshold 5.
func assessAll(reviews ...*registry.Review) *registry.Assessment {
	r := testRubric()
	return Assess(r, statsOf(r, reviews...), registry.AssessmentFilter{}, 5)
}

const eps = 1e-9

// wantFloat checks an optional number.
func wantFloat(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %v", name, want)
		return
	}
	if math.Abs(*got-want) > 1e-6 {
		t.Errorf("%s = %v, want %v", name, *got, want)
	}
}

// wantNil checks that an optional number is absent.
func wantNil(t *testing.T, name string, got *float64) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want nil", name, *got)
	}
}

// dim returns the dimension with the given id.
func dim(t testing.TB, a *registry.Assessment, id string) registry.DimensionAssessment {
	t.Helper()
	for _, d := range a.Dimensions {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no dimension %q", id)
	return registry.DimensionAssessment{}
}
