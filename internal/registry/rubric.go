package registry

import (
	"context"
	"strconv"
)

// Levels is the number of anchored levels of every criterion: scores 0 to 4.
const Levels = 5

// MaxScore is the highest level of a criterion.
const MaxScore = Levels - 1

// Unknown policies: how a "don't know" answer to a criterion is treated.
const (
	UnknownWorst  = "worst"  // counts as level 0
	UnknownIgnore = "ignore" // left out of the criterion's statistics
	UnknownNone   = "none"   // not allowed
)

// Severities of a red flag.
const (
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Risk levels, from best to worst; RiskInsufficient is shown instead of a
// grade below a rubric's minimum number of reviews.
const (
	RiskLow          = "low"
	RiskMedium       = "medium"
	RiskHigh         = "high"
	RiskCritical     = "critical"
	RiskInsufficient = "insufficient"
)

// Rubric is one immutable version of a review rubric.
type Rubric struct {
	ID          string
	Version     int
	Title       string
	Description string
	// Hash is the hex SHA-256 of the rubric's canonical JSON form.
	Hash       string
	Settings   RubricSettings
	Dimensions []Dimension
}

// RubricSettings are the rubric-wide rules of assessment.
type RubricSettings struct {
	// MinReviews is the number of published reviews below which a product
	// gets no grade (risk "insufficient").
	MinReviews int
	// Thresholds map a 0–100 dimension score to a risk level.
	Thresholds RiskThresholds
	// ContestedBelow is the agreement (0–1) below which a criterion or
	// dimension is marked contested.
	ContestedBelow float64
}

// RiskThresholds split the 0–100 scale: a score at or above Low is low risk,
// at or above Medium is medium, at or above High is high, and below High is
// critical.
type RiskThresholds struct {
	Low    float64
	Medium float64
	High   float64
}

// Dimension groups criteria; the default rubric has pedagogy, privacy,
// workload and autonomy.
type Dimension struct {
	ID          string
	Title       string
	Description string
	Weight      float64
	Criteria    []Criterion
}

// Criterion is one question of a rubric, answered on an anchored 0–4 scale.
type Criterion struct {
	ID            string // "<dimension>.<slug>", stable across versions
	Title         string
	Question      string
	Guidance      string
	Weight        float64
	Levels        []Level // exactly Levels entries, scores 0..4 in order
	Unknown       string  // UnknownWorst, UnknownIgnore or UnknownNone
	NotApplicable bool
	RedFlag       *RedFlag
	Ask           string
	References    []string
}

// Level anchors one score of a criterion with a label and a descriptor.
type Level struct {
	Score      int
	Label      string
	Descriptor string
}

// RedFlag marks a criterion as a hard fail at or below a level.
type RedFlag struct {
	AtOrBelow int
	Severity  string
}

// RubricRef names one rubric version.
type RubricRef struct {
	ID      string
	Version int
	Title   string
}

// VersionKey names a rubric version as "id@version", the key of
// StatsService.PublishedCounts.
func VersionKey(rubricID string, version int) string {
	return rubricID + "@" + strconv.Itoa(version)
}

// Criteria returns every criterion of the rubric in rubric order (dimension
// by dimension).
func (r *Rubric) Criteria() []Criterion {
	var out []Criterion
	for _, d := range r.Dimensions {
		out = append(out, d.Criteria...)
	}
	return out
}

// CriterionIndex returns a map from criterion id to its position in
// Criteria().
func (r *Rubric) CriterionIndex() map[string]int {
	idx := make(map[string]int)
	i := 0
	for _, d := range r.Dimensions {
		for _, c := range d.Criteria {
			idx[c.ID] = i
			i++
		}
	}
	return idx
}

// RubricService gives access to the loaded rubrics.
type RubricService interface {
	// List returns the latest version of every rubric, ordered by id.
	List() []RubricRef
	// Latest returns the newest version of a rubric. Returns ENOTFOUND if
	// there is no rubric with that id.
	Latest(id string) (*Rubric, error)
	// Version returns one version of a rubric. Returns ENOTFOUND if that
	// version does not exist.
	Version(id string, version int) (*Rubric, error)
	// Default returns the rubric used when a review names none.
	Default() *Rubric
	// Localize returns r with its texts (titles, questions, guidance,
	// level descriptors, asks) in the language lang ("cy"), where the
	// rubric has a translation into it, else r itself. The copy has r's
	// id, version, hash, weights and rules: only words change.
	Localize(r *Rubric, lang string) *Rubric
}

// RubricRecorder records rubric versions in the store so that a changed file
// for a recorded version is detected.
type RubricRecorder interface {
	// RecordRubrics stores each version's hash the first time it is seen.
	// Returns ECONFLICT naming the rubric if a recorded version's hash
	// differs from the loaded one.
	RecordRubrics(ctx context.Context, rubrics []*Rubric) error
}
