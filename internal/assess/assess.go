// Package assess turns a product's tallied answers into an assessment:
// per-criterion statistics, 0–100 dimension scores, risk levels, red flags,
// agreement between reviewers, a shrunk overall score for ranking and
// breakdowns by role, phase and nation with small groups suppressed.
//
// Everything here is a pure function of a rubric and a registry.Stats (counts
// of answers per level), so an assessment never scans reviews and the same
// counts always give the same assessment. docs/method.md explains the method
// for the people who have to defend the numbers.
package assess

import (
	"math"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// PriorWeight is k in the overall score's Bayesian average
// (k·PriorScore + n·S)/(k + n): the overall score behaves as if every product
// had PriorWeight extra reviews sitting at the midpoint of the scale, so a
// product with few reviews cannot top (or bottom) a ranking on luck alone.
const PriorWeight = 5

// PriorScore is the midpoint of the 0–100 scale that the overall score is
// shrunk towards when reviews are few.
const PriorScore = 50.0

// Assess computes the assessment of one product under rubric r from its
// statistics s (nil means no published reviews).
//
// With an empty filter the assessment rests on all published reviews and
// carries breakdowns by role, phase and nation, in which every cell with
// fewer reviewers than the threshold is suppressed. With a filter it rests on
// that group's tally only and carries no breakdowns; if the group has fewer
// reviewers than the threshold the whole assessment is suppressed and holds
// only ids and titles. threshold is clamped with registry.AnonymityThreshold.
func Assess(r *registry.Rubric, s *registry.Stats, f registry.AssessmentFilter, threshold int) *registry.Assessment {
	threshold = registry.AnonymityThreshold(threshold)
	a := &registry.Assessment{RubricID: r.ID, RubricVersion: r.Version, Filter: f}
	if s != nil {
		a.ProductID = s.ProductID
	}

	key := f.Key()
	var t registry.Tally
	if key == "" {
		if s != nil {
			t = s.All
		}
	} else {
		if s != nil {
			t = s.Groups[key] // an unknown group is an empty tally, so it is suppressed
		}
		kind, value, _ := strings.Cut(string(key), ":")
		if t.Reviews < threshold || !shownCells(s, kind, threshold)[value] {
			suppress(a, r)
			return a
		}
	}

	e := evaluate(r, t)
	a.Reviews = e.reviews
	a.Criteria = e.criteria
	a.Dimensions = e.dimensions
	a.Overall = e.overall
	if key == "" {
		a.Breakdowns = breakdowns(r, s, threshold)
	}
	return a
}

// suppress fills a with the rubric's ids and titles and nothing else: not
// even the number of reviews, since that alone would tell how many people of
// a small group took part.
func suppress(a *registry.Assessment, r *registry.Rubric) {
	a.Suppressed = true
	for _, d := range r.Dimensions {
		a.Dimensions = append(a.Dimensions, registry.DimensionAssessment{ID: d.ID, Title: d.Title})
		for _, c := range d.Criteria {
			a.Criteria = append(a.Criteria, registry.CriterionAssessment{ID: c.ID, Dimension: d.ID})
		}
	}
}

// evaluation is the part of an assessment computed from one tally.
type evaluation struct {
	reviews    int
	criteria   []registry.CriterionAssessment
	dimensions []registry.DimensionAssessment
	overall    registry.Overall
}

// evaluate applies the whole method to one tally.
func evaluate(r *registry.Rubric, t registry.Tally) evaluation {
	e := evaluation{reviews: max(t.Reviews, 0)}
	graded := e.reviews >= r.Settings.MinReviews
	i := 0
	for _, d := range r.Dimensions {
		first := len(e.criteria)
		for _, c := range d.Criteria {
			var ct registry.CriterionTally
			if i < len(t.Criteria) {
				ct = t.Criteria[i]
			}
			e.criteria = append(e.criteria, criterion(c, d.ID, ct, r.Settings.ContestedBelow))
			i++
		}
		e.dimensions = append(e.dimensions, dimension(d, e.criteria[first:], graded, r.Settings))
	}
	e.overall = overall(r, e.dimensions, e.reviews, graded)
	return e
}

// overall is the worst graded dimension's risk and the shrunk ranking score.
// Below the rubric's minimum number of reviews both are withheld: the risk is
// insufficient and the score nil, because the score and the number of
// reviews together would give away the unshrunk mean that is being withheld.
func overall(r *registry.Rubric, dims []registry.DimensionAssessment, reviews int, graded bool) registry.Overall {
	o := registry.Overall{Risk: registry.RiskInsufficient}
	if !graded {
		return o
	}
	worst := -1
	for _, d := range dims {
		worst = max(worst, riskRank(d.Risk))
	}
	if worst < 0 {
		return o // no dimension could be graded
	}
	o.Risk = riskOrder[worst]

	var sum, weight float64
	for j, d := range dims {
		if d.Score == nil || r.Dimensions[j].Weight <= 0 {
			continue
		}
		sum += r.Dimensions[j].Weight * *d.Score
		weight += r.Dimensions[j].Weight
	}
	if weight == 0 {
		return o
	}
	s := sum / weight
	n := float64(reviews)
	score := round((PriorWeight*PriorScore+n*s)/(PriorWeight+n), scoreDecimals)
	o.Score = &score
	return o
}

// breakdowns evaluates each role, phase and nation cell, suppressing every
// cell with fewer reviewers than the threshold and, where needed, more cells
// so that subtraction from the total reveals no small group (shownCells).
func breakdowns(r *registry.Rubric, s *registry.Stats, threshold int) map[string][]registry.Breakdown {
	out := make(map[string][]registry.Breakdown, len(registry.GroupKinds))
	for _, kind := range registry.GroupKinds {
		shown := shownCells(s, kind, threshold)
		cells := make([]registry.Breakdown, 0, len(groupValues[kind]))
		for _, v := range groupValues[kind] {
			var t registry.Tally
			if s != nil {
				t = s.Groups[registry.Group(kind, v)]
			}
			if !shown[v] {
				cells = append(cells, registry.Breakdown{Key: v, Suppressed: true})
				continue
			}
			e := evaluate(r, t)
			cell := registry.Breakdown{Key: v, Reviews: e.reviews}
			for _, d := range e.dimensions {
				cell.Dimensions = append(cell.Dimensions, registry.BreakdownDimension{ID: d.ID, Score: d.Score, Risk: d.Risk})
			}
			cells = append(cells, cell)
		}
		out[kind] = cells
	}
	return out
}

// Scores are published to one decimal place and agreement to two, and risk
// and "contested" are decided on the published value, so that a reader who
// sees 75.0 next to a threshold of 75 sees the grade that 75.0 deserves.
const (
	scoreDecimals     = 1
	agreementDecimals = 2
)

// round rounds x to the given number of decimal places, halves away from
// zero.
func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}
