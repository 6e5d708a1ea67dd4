package web

// CompareData is the compare page: a form to choose 2–20 products and a
// group, and the products side by side.
type CompareData struct {
	Form *Form
	// Query narrows the products offered; Choices are the products
	// offered (those chosen first), MoreCursor the position of the
	// next products to offer ("" when there are no more).
	Query      string
	Choices    []CompareChoice
	MoreCursor string
	// OthersHidden: beside a comparison only the chosen products are
	// offered, until the form asks for others.
	OthersHidden bool
	Min, Max     int
	Filter       GroupFilter
	// Group is the group whose numbers the comparison shows (none:
	// every reviewer's).
	Group Group
	// Result is the comparison, when one was made.
	Result *ComparisonView
	// PackURL is the comparison pack to download.
	PackURL string
}

// CompareChoice is one product offered in the form.
type CompareChoice struct {
	ID      string
	Name    string
	Vendor  string
	Checked bool
}

// ComparisonView is products side by side under one rubric version.
type ComparisonView struct {
	RubricTitle   string
	RubricVersion int
	Threshold     int
	// Dimensions are the rows' titles, in rubric order; each product's
	// Dimensions are in the same order.
	Dimensions []string
	Products   []ComparedView
	// LeftOut counts the published reviews written under other rubric
	// versions, which the comparison leaves out.
	LeftOut int
}

// ComparedView is one product's column.
type ComparedView struct {
	ID           string
	Name         string
	Vendor       string
	Reviews      int
	Suppressed   bool
	Insufficient bool
	Risk         string
	Score        *float64
	Overall      Shown
	Dimensions   []DimensionView
	Flags        []FlagView
}
