package registry

// DefaultAnonymityThreshold is the smallest group of reviewers whose numbers
// are shown; MinAnonymityThreshold is the lowest the server setting may go.
const (
	DefaultAnonymityThreshold = 5
	MinAnonymityThreshold     = 3
)

// AnonymityThreshold returns the threshold to apply for a setting: the
// default when the setting is zero or negative, and never less than
// MinAnonymityThreshold. The store, assessments and workbooks all clamp the
// setting here.
func AnonymityThreshold(setting int) int {
	if setting <= 0 {
		return DefaultAnonymityThreshold
	}
	return max(setting, MinAnonymityThreshold)
}

// AssessmentFilter restricts an assessment to one group of reviewers. At most
// one field is set.
type AssessmentFilter struct {
	Role   string
	Phase  string
	Nation string
}

// Key returns the group the filter selects, or "" for no filter.
func (f AssessmentFilter) Key() GroupKey {
	switch {
	case f.Role != "":
		return Group(GroupRole, f.Role)
	case f.Phase != "":
		return Group(GroupPhase, f.Phase)
	case f.Nation != "":
		return Group(GroupNation, f.Nation)
	}
	return ""
}

// Assessment is what the registry concludes about one product under one
// rubric version from its published reviews.
type Assessment struct {
	ProductID     string
	RubricID      string
	RubricVersion int
	Filter        AssessmentFilter
	// Reviews is the number of published reviews the assessment rests on.
	Reviews int
	// Suppressed is true when a filtered assessment's group is smaller than
	// the anonymity threshold: no numbers are given. Reviews is then 0,
	// Overall is empty, Dimensions and Criteria carry ids and titles only
	// (no scores, risks, agreement or flags) and there are no breakdowns.
	Suppressed bool
	Overall    Overall
	Dimensions []DimensionAssessment
	Criteria   []CriterionAssessment
	Breakdowns map[string][]Breakdown // by GroupRole, GroupPhase, GroupNation
}

// Overall is a product's overall risk (its worst dimension's) and a ranking
// score shrunk towards the scale's midpoint when reviews are few. Below the
// rubric's minimum number of reviews Risk is RiskInsufficient and Score is
// nil (docs/method.md).
type Overall struct {
	Risk  string
	Score *float64
}

// DimensionAssessment is one dimension's score, risk, agreement and flags.
// Score (0–100, one decimal place) is nil when there are too few reviews for
// a grade; Flags are then still listed, as provisional.
type DimensionAssessment struct {
	ID        string
	Title     string
	Score     *float64
	Risk      string
	Agreement *float64
	Contested bool
	Flags     []Flag
}

// Flag is a red flag that enough reviewers hit, with the ask to put to the
// employer or vendor.
type Flag struct {
	Criterion string
	Title     string
	Severity  string
	// Share is the fraction of the criterion's answers at or below the
	// red-flag level.
	Share float64
	Ask   string
	// Provisional is true when the product has fewer reviews than the
	// rubric's minimum for a grade.
	Provisional bool
}

// CriterionAssessment is one criterion's statistics.
type CriterionAssessment struct {
	ID           string
	Dimension    string
	N            int // answers that count: scores, plus unknowns where unknown is "worst"
	Mean         *float64
	SD           *float64
	Unknown      int
	NA           int
	Distribution [Levels]int // raw score counts; unknowns are in Unknown only
	RedFlagHits  int         // counted answers at or below the red-flag level
	Flagged      bool        // the red flag is hit: at least 2 hits and at least a third of N
	Agreement    *float64    // Tastle–Wierman consensus 0–1 (two decimals); nil when N < 2
	Contested    bool
}

// Breakdown is one breakdown cell. A suppressed cell has no numbers.
type Breakdown struct {
	Key        string
	Reviews    int
	Suppressed bool
	Dimensions []BreakdownDimension
}

// BreakdownDimension is one dimension's score and risk in a breakdown cell.
type BreakdownDimension struct {
	ID    string
	Score *float64
	Risk  string
}

// Comparison puts 2–20 products side by side under one rubric version.
type Comparison struct {
	RubricID      string
	RubricVersion int
	Filter        AssessmentFilter
	Products      []ComparedProduct
	Criteria      []ComparedCriterion
	// LeftOutOtherVersions counts the compared products' published reviews
	// written under other rubric versions.
	LeftOutOtherVersions int
}

// ComparedProduct is one product's column of a comparison.
type ComparedProduct struct {
	ProductID  string
	Name       string
	Vendor     string
	Assessment *Assessment
}

// ComparedCriterion is one criterion's row of a comparison.
type ComparedCriterion struct {
	ID        string
	Title     string
	Dimension string
	Values    []ComparedValue
}

// ComparedValue is one product's mean on one criterion.
type ComparedValue struct {
	ProductID string
	Mean      *float64
	N         int
}
