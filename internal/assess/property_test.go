package assess

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// randomReview answers every criterion of the test rubric at random: a
// score, don't know, not applicable or nothing. Reviewers are drawn mostly
// from a few contexts so that some breakdown cells pass the threshold.
func randomReview(rng *rand.Rand) *registry.Review {
	pick := func(vs []string) string {
		if rng.IntN(4) > 0 {
			return vs[rng.IntN(min(2, len(vs)))]
		}
		return vs[rng.IntN(len(vs))]
	}
	rv := reviewer{pick(registry.ReviewerRoles), pick(registry.Phases), pick(registry.Nations)}
	answers := make([]string, len(testRubric().Criteria()))
	for i := range answers {
		switch k := rng.IntN(8); k {
		case 5:
			answers[i] = "u"
		case 6:
			answers[i] = "na"
		case 7:
			answers[i] = ""
		default:
			answers[i] = strconv.Itoa(k)
		}
	}
	return review(rv, answers...)
}

// randomReviews returns up to most random reviews.
func randomReviews(rng *rand.Rand, most int) []*registry.Review {
	out := make([]*registry.Review, rng.IntN(most+1))
	for i := range out {
		out[i] = randomReview(rng)
	}
	return out
}

// randomFilter returns no filter half of the time, otherwise one group,
// sometimes one that is not a known value.
func randomFilter(rng *rand.Rand) registry.AssessmentFilter {
	pick := func(vs []string) string {
		if rng.IntN(10) == 0 {
			return "unknown-value"
		}
		return vs[rng.IntN(len(vs))]
	}
	switch rng.IntN(6) {
	case 0:
		return registry.AssessmentFilter{Role: pick(registry.ReviewerRoles)}
	case 1:
		return registry.AssessmentFilter{Phase: pick(registry.Phases)}
	case 2:
		return registry.AssessmentFilter{Nation: pick(registry.Nations)}
	}
	return registry.AssessmentFilter{}
}

const propertyRuns = 500

func TestPropertyRanges(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	r := testRubric()
	inScore := func(what string, s *float64) {
		t.Helper()
		if s != nil && (*s < 0 || *s > 100) {
			t.Errorf("%s = %v, outside 0–100", what, *s)
		}
	}
	inUnit := func(what string, a *float64) {
		t.Helper()
		if a != nil && (*a < 0 || *a > 1) {
			t.Errorf("%s = %v, outside 0–1", what, *a)
		}
	}
	for range propertyRuns {
		s := statsOf(r, randomReviews(rng, 40)...)
		a := Assess(r, s, randomFilter(rng), rng.IntN(10)-1)
		inScore("overall score", a.Overall.Score)
		for _, d := range a.Dimensions {
			inScore(d.ID+" score", d.Score)
			inUnit(d.ID+" agreement", d.Agreement)
			if (d.Score == nil) != (d.Risk == registry.RiskInsufficient || a.Suppressed) {
				t.Errorf("%s: score %v with risk %q", d.ID, d.Score, d.Risk)
			}
			for _, f := range d.Flags {
				if f.Share < 1.0/3 || f.Share > 1 {
					t.Errorf("%s flag share %v outside [1/3, 1]", f.Criterion, f.Share)
				}
			}
		}
		for _, c := range a.Criteria {
			inUnit(c.ID+" agreement", c.Agreement)
			if c.Mean != nil && (*c.Mean < 0 || *c.Mean > registry.MaxScore) {
				t.Errorf("%s mean %v outside 0–4", c.ID, *c.Mean)
			}
			if c.SD != nil && (*c.SD < 0 || *c.SD > registry.MaxScore/2.0) {
				t.Errorf("%s sd %v outside 0–2", c.ID, *c.SD)
			}
			if (c.Agreement != nil) != (c.N >= 2) {
				t.Errorf("%s: agreement %v with n %d", c.ID, c.Agreement, c.N)
			}
		}
		for _, cells := range a.Breakdowns {
			for _, c := range cells {
				for _, d := range c.Dimensions {
					inScore(c.Key+" "+d.ID+" score", d.Score)
				}
			}
		}
	}
}

func TestPropertySuppression(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	r := testRubric()
	suppressed, shown := 0, 0
	for range propertyRuns {
		s := statsOf(r, randomReviews(rng, 30)...)
		f := randomFilter(rng)
		th := rng.IntN(10) - 1
		limit := registry.AnonymityThreshold(th)
		a := Assess(r, s, f, th)
		if f.Key() != "" {
			group := s.Groups[f.Key()].Reviews
			kind, value, _ := strings.Cut(string(f.Key()), ":")
			if a.Suppressed != !shownCells(s, kind, limit)[value] || (group < limit && !a.Suppressed) {
				t.Errorf("filter %+v, group %d, threshold %d: suppressed = %v", f, group, limit, a.Suppressed)
			}
			if a.Suppressed {
				suppressed++
				assertNoNumbers(t, a)
			} else if a.Reviews < limit || a.Breakdowns != nil {
				t.Errorf("filtered assessment shows %d reviews (threshold %d), breakdowns %v", a.Reviews, limit, a.Breakdowns)
			}
			continue
		}
		if a.Suppressed {
			t.Error("an unfiltered assessment is suppressed")
		}
		for kind, cells := range a.Breakdowns {
			// No subtraction reveals a small group: what is hidden in a
			// kind is nobody, at least the threshold, or everyone (then the
			// total, which is public anyway, is all there is to learn).
			hidden, shownCount := 0, 0
			for _, c := range cells {
				if c.Suppressed {
					hidden += s.Groups[registry.Group(kind, c.Key)].Reviews
				} else {
					shownCount++
				}
			}
			if hidden > 0 && hidden < limit && shownCount > 0 {
				t.Errorf("%s: hidden cells hold %d reviewers (threshold %d): the total minus the shown cells reveals them", kind, hidden, limit)
			}
			for _, c := range cells {
				group := s.Groups[registry.Group(kind, c.Key)].Reviews
				switch {
				case group < limit && !c.Suppressed:
					t.Errorf("%s %s: %d reviewers, threshold %d, suppressed = %v", kind, c.Key, group, limit, c.Suppressed)
				case c.Suppressed:
					suppressed++
					if c.Reviews != 0 || c.Dimensions != nil {
						t.Errorf("suppressed cell %s %s has numbers: %+v", kind, c.Key, c)
					}
				default:
					shown++
					if c.Reviews != group || c.Reviews < limit {
						t.Errorf("cell %s %s shows %d reviews (group %d, threshold %d)", kind, c.Key, c.Reviews, group, limit)
					}
				}
			}
		}
	}
	if suppressed == 0 || shown == 0 {
		t.Fatalf("generator too narrow: %d suppressed, %d shown", suppressed, shown)
	}
}

func TestPropertyHigherAnswerNeverLowersMean(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	r := testRubric()
	idx := r.CriterionIndex()
	for range propertyRuns {
		s := statsOf(r, randomReviews(rng, 25)...)
		before := Assess(r, s, registry.AssessmentFilter{}, 5)

		// A new review whose every answer is above the criterion's current
		// mean (no answer where the mean is already 4).
		answers := make([]string, len(before.Criteria))
		for i, c := range before.Criteria {
			lo := 0
			if c.Mean != nil {
				lo = int(*c.Mean) + 1 // the smallest integer strictly above the mean
			}
			if lo <= registry.MaxScore {
				answers[i] = strconv.Itoa(lo + rng.IntN(registry.MaxScore-lo+1))
			}
		}
		s.Add(idx, randomReviewAs(rng, answers), 1)
		after := Assess(r, s, registry.AssessmentFilter{}, 5)

		for i, c := range before.Criteria {
			if c.Mean == nil {
				continue
			}
			if got := after.Criteria[i].Mean; got == nil || *got < *c.Mean {
				t.Errorf("%s: mean %v fell to %v after answers %v", c.ID, *c.Mean, got, answers)
			}
		}
	}
}

// randomReviewAs is a random reviewer giving the given answers.
func randomReviewAs(rng *rand.Rand, answers []string) *registry.Review {
	rev := randomReview(rng)
	return review(reviewer{rev.Reviewer.Role, rev.Reviewer.Phase, rev.Reviewer.Nation}, answers...)
}

func TestPropertyOrderDoesNotMatter(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	r := testRubric()
	idx := r.CriterionIndex()
	for range propertyRuns / 5 {
		reviews := randomReviews(rng, 40)
		shuffled := append([]*registry.Review(nil), reviews...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

		// A third way: extra reviews published and then withdrawn in between.
		churned := registry.NewStats("p", r)
		extra := randomReviews(rng, 10)
		for _, rev := range extra {
			churned.Add(idx, rev, 1)
		}
		for _, rev := range shuffled {
			churned.Add(idx, rev, 1)
		}
		for _, rev := range extra {
			churned.Add(idx, rev, -1)
		}

		a, b := statsOf(r, reviews...), statsOf(r, shuffled...)
		f := randomFilter(rng)
		th := rng.IntN(8)
		want := Assess(r, a, f, th)
		if got := Assess(r, b, f, th); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled reviews give another assessment:\n%+v\n%+v", got, want)
		}
		if got := Assess(r, churned, f, th); !reflect.DeepEqual(got, want) {
			t.Fatalf("published-then-withdrawn reviews change the assessment:\n%+v\n%+v", got, want)
		}
	}
}
