package assess

import (
	"math"

	"github.com/edtech-registry/registry/internal/registry"
)

// criterion computes one criterion's statistics from its tally.
//
// The counted answers are the scores, plus the "don't know" answers as level
// 0 where the criterion says unknown: worst; "not applicable" never counts.
// N, mean, standard deviation, red-flag hits and agreement use the counted
// answers; Distribution stays the raw score counts and Unknown the raw
// number of "don't know" answers, so nothing is hidden by the recoding.
func criterion(c registry.Criterion, dim string, t registry.CriterionTally, contestedBelow float64) registry.CriterionAssessment {
	ca := registry.CriterionAssessment{ID: c.ID, Dimension: dim, Unknown: max(t.Unknown, 0), NA: max(t.NA, 0)}
	var counted [registry.Levels]int
	for lvl, k := range t.Levels {
		ca.Distribution[lvl] = max(k, 0) // a tally never goes negative; guard anyway
		counted[lvl] = ca.Distribution[lvl]
	}
	if c.Unknown == registry.UnknownWorst {
		counted[0] += ca.Unknown
	}

	n, sum, sumSq := 0, 0, 0
	for lvl, k := range counted {
		n += k
		sum += lvl * k
		sumSq += lvl * lvl * k
	}
	ca.N = n
	if n == 0 {
		return ca
	}

	mean := float64(sum) / float64(n)
	// Population variance Σk(x−mean)²/n, written as (n·Σkx² − (Σkx)²)/n²
	// so the numerator is an exact integer: identical answers give exactly 0.
	sd := math.Sqrt(float64(n*sumSq-sum*sum)) / float64(n)
	ca.Mean, ca.SD = &mean, &sd

	if c.RedFlag != nil {
		for lvl := 0; lvl <= c.RedFlag.AtOrBelow && lvl < registry.Levels; lvl++ {
			ca.RedFlagHits += counted[lvl]
		}
		ca.Flagged = redFlagHit(ca.RedFlagHits, n)
	}

	if n >= 2 {
		ag := round(consensus(counted[:]), agreementDecimals)
		ca.Agreement = &ag
		ca.Contested = ag < contestedBelow
	}
	return ca
}

// redFlagHit reports whether hits answers at or below a red-flag level out of
// n counted answers hit the flag: at least two reviewers, and at least a
// third of those who answered. Integer arithmetic, so exactly a third hits.
func redFlagHit(hits, n int) bool {
	return hits >= 2 && 3*hits >= n
}

// consensus is Tastle and Wierman's measure of agreement on an ordinal scale,
//
//	Cns = 1 + Σ pᵢ · log₂(1 − |Xᵢ − μ| / d),
//
// with pᵢ the share of answers at level Xᵢ, μ the mean and d the width of
// the scale, max − min: 4 on the 0–4 scale (Tastle & Wierman 2007,
// "Consensus and dissention: A measure of ordinal dispersion", International
// Journal of Approximate Reasoning 45(3)). It is 1 when everyone gives the
// same answer and 0 when answers are split evenly between the two ends of the
// scale. counts[i] is the number of answers at level i; it must hold at least
// one answer and two levels.
func consensus(counts []int) float64 {
	n, sum := 0, 0
	for lvl, k := range counts {
		n += k
		sum += lvl * k
	}
	mu := float64(sum) / float64(n)
	width := float64(len(counts) - 1) // d = max − min of the scale
	c := 1.0
	for lvl, k := range counts {
		if k == 0 {
			continue // p·log p → 0; also, a level with answers is never a full width from the mean
		}
		p := float64(k) / float64(n)
		c += p * math.Log2(1-math.Abs(float64(lvl)-mu)/width)
	}
	return min(max(c, 0), 1) // the measure lies in [0, 1]; keep rounding error inside
}
