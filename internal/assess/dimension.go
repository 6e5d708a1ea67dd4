package assess

import "github.com/edtech-registry/registry/internal/registry"

// riskOrder lists the graded risk levels from best to worst.
var riskOrder = []string{registry.RiskLow, registry.RiskMedium, registry.RiskHigh, registry.RiskCritical}

// riskRank returns a graded risk's position in riskOrder, or -1 for
// insufficient (or anything else that is not a grade).
func riskRank(risk string) int {
	for i, r := range riskOrder {
		if r == risk {
			return i
		}
	}
	return -1
}

// dimension computes one dimension's score, risk, agreement and flags from
// its criteria's statistics (cs, in rubric order). graded is false below the
// rubric's minimum number of reviews: then there is no score and the risk is
// insufficient, but hit red flags are still listed as provisional.
func dimension(d registry.Dimension, cs []registry.CriterionAssessment, graded bool, set registry.RubricSettings) registry.DimensionAssessment {
	da := registry.DimensionAssessment{ID: d.ID, Title: d.Title, Risk: registry.RiskInsufficient}

	var sum, weight, agSum, agWeight float64
	for j, c := range cs {
		w := d.Criteria[j].Weight
		if c.Mean != nil && w > 0 { // criteria nobody answered are left out
			sum += w * *c.Mean
			weight += w
		}
		if c.Agreement != nil && w > 0 {
			agSum += w * *c.Agreement
			agWeight += w
		}
		if c.Flagged {
			rf := d.Criteria[j].RedFlag
			da.Flags = append(da.Flags, registry.Flag{
				Criterion:   c.ID,
				Title:       d.Criteria[j].Title,
				Severity:    rf.Severity,
				Share:       float64(c.RedFlagHits) / float64(c.N),
				Ask:         d.Criteria[j].Ask,
				Provisional: !graded,
			})
		}
	}

	if agWeight > 0 {
		ag := round(agSum/agWeight, agreementDecimals)
		da.Agreement = &ag
		da.Contested = ag < set.ContestedBelow
	}

	if !graded {
		return da
	}
	if weight > 0 {
		score := round(sum/weight*100/registry.MaxScore, scoreDecimals)
		da.Score = &score
		da.Risk = thresholdRisk(score, set.Thresholds)
	}
	for _, f := range da.Flags {
		da.Risk = raise(da.Risk, f.Severity)
	}
	return da
}

// thresholdRisk maps a 0–100 score to a risk level with the rubric's
// thresholds: at or above Low is low, at or above Medium is medium, at or
// above High is high, below that critical.
func thresholdRisk(score float64, t registry.RiskThresholds) string {
	switch {
	case score >= t.Low:
		return registry.RiskLow
	case score >= t.Medium:
		return registry.RiskMedium
	case score >= t.High:
		return registry.RiskHigh
	}
	return registry.RiskCritical
}

// raise applies a hit red flag to a risk: a critical flag makes it critical,
// any other flag (the rubric allows only high) makes it at least high.
func raise(risk, severity string) string {
	if severity == registry.SeverityCritical {
		return registry.RiskCritical
	}
	if riskRank(risk) < riskRank(registry.RiskHigh) {
		return registry.RiskHigh
	}
	return risk
}
