package web

import "time"

// ProductData is a product's page: its details, its public assessment
// (all reviewers, or one group's), its published reviews and its
// downloads.
type ProductData struct {
	Product ProductDetails
	// Filter is the group the assessment is restricted to, and the
	// choices of the filter's form.
	Filter GroupFilter
	// Group is the group whose numbers are shown (none: every reviewer's).
	Group Group
	Form  *Form
	// Assessment is the product's public assessment.
	Assessment AssessmentView
	// Reviews is a page of the published reviews, anonymised as the API
	// lists them; ReviewsCursor is its position ("" for the first page)
	// and NextReviewsCursor the next page's.
	Reviews           []PublicReviewView
	ReviewsCursor     string
	NextReviewsCursor string
	// AssessmentURL and ReviewFormURL are the workbooks to download;
	// WriteURL the page to write a review.
	AssessmentURL string
	ReviewFormURL string
	WriteURL      string
}

// ProductDetails are what the registry knows of a product.
type ProductDetails struct {
	ID          string
	Name        string
	Vendor      string
	Category    string
	Description string
	Website     string
	Archived    bool
}

// GroupFilter is the form that restricts numbers to one group of
// reviewers: a select of roles, one of phases and one of nations (at
// most one may be chosen), as asked.
type GroupFilter struct {
	Role, Phase, Nation string
	Selects             []GroupSelect
}

// GroupSelect is one select of a GroupFilter: Kind is its parameter
// ("role"), Label its label, All its first option (no group of this
// kind).
type GroupSelect struct {
	Kind, Label, All string
	Options          []Option
}

// Option is one choice of a select, with its words in the page's
// language.
type Option struct {
	Value, Label string
	Selected     bool
}

// Group names one group of reviewers ("role", "teacher"), with its Label
// in the page's language; the zero Group is every reviewer.
type Group struct {
	Kind, Value, Label string
}

// Shown is a score and a risk as a page writes them, in its language:
// the score with one decimal ("–" for none), the risk's word and the
// class that colours it. Handlers make each once (View.Show), so a chart
// and a table beside it write the very same text, and a page's loops
// print fields rather than call methods (a method call from a template
// costs a reflective look-up each time).
type Shown struct {
	Score string
	Risk  string
	Class string
}

// Show makes the Shown of a score and a risk.
func (v *View) Show(score *float64, risk string) (Shown, error) {
	word, err := v.Risk(risk)
	return Shown{Score: v.Score(score), Risk: word, Class: v.RiskClass(risk)}, err
}

// AssessmentView is a product's public assessment as a page shows it.
type AssessmentView struct {
	RubricTitle   string
	RubricVersion int
	// Reviews is the number of published reviews it rests on.
	Reviews int
	// Suppressed: the chosen group has fewer reviewers than Threshold, so
	// nothing is shown of it.
	Suppressed bool
	// Insufficient: fewer reviews than MinReviews, so there is no grade.
	Insufficient bool
	MinReviews   int
	Threshold    int
	Risk         string
	Score        *float64
	Overall      Shown
	Dimensions   []DimensionView
	Chart        Chart
	// Contested lists the criteria reviewers disagree on.
	Contested []CriterionView
	Flags     []FlagView
	// Breakdowns are the voices by role, phase and nation (none when the
	// assessment is filtered).
	Breakdowns []BreakdownView
}

// DimensionView is one dimension's score, risk and agreement.
type DimensionView struct {
	ID        string
	Title     string
	Score     *float64
	Risk      string
	Agreement *float64
	Contested bool
	Shown     Shown
}

// CriterionView is one criterion's agreement.
type CriterionView struct {
	ID        string
	Title     string
	Dimension string
	Agreement *float64
}

// FlagView is a red flag enough reviewers raised, with the ask to put to
// the vendor or the employer.
type FlagView struct {
	Criterion string
	Title     string
	Dimension string
	Severity  string
	// Share is the fraction (0–1) of the criterion's answers at or below
	// the red-flag level.
	Share       float64
	Ask         string
	Provisional bool
}

// BreakdownView is one kind of breakdown ("role", "phase", "nation"),
// with its Label in the page's language.
type BreakdownView struct {
	Kind  string
	Label string
	Cells []BreakdownCell
}

// BreakdownCell is one group's numbers; a suppressed group has none.
type BreakdownCell struct {
	Key string
	// Label names the group in the page's language.
	Label      string
	Reviews    int
	Suppressed bool
	Dimensions []DimensionView
}

// PublicReviewView is a published review as the public sees it: its
// text, its recommendation, the month it was released and its random id.
type PublicReviewView struct {
	ID             string
	Summary        string
	Recommendation string
	Month          time.Time
	Comments       []CommentView
	// Heading (the recommendation), Published (the month) and Ref (the
	// random id) are written in the page's language.
	Heading, Published, Ref string
}

// CommentView is a reviewer's comment on one criterion.
type CommentView struct {
	Criterion string
	Comment   string
}
