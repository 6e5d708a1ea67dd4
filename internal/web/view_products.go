package web

// ProductsData is the products page (/): a search with its filters and a
// page of the products that match, each with its overall risk and score.
type ProductsData struct {
	// Query, Category and Risk are the search and the filters as asked.
	Query    string
	Category string
	Risk     string
	// Categories and Risks are the filters' choices.
	Categories []string
	Risks      []string
	Items      []ProductSummary
	// Cursor is this page's position ("" for the first page);
	// NextCursor the next page's ("" when there is none).
	Cursor     string
	NextCursor string
	// Partial is true when a risk filter stopped looking before it found
	// a full page: the next page goes on looking.
	Partial bool
	// Checked is how many products a risk filter looked at for this page.
	Checked int
	Form    *Form
}

// Filtered reports whether the list is searched or filtered.
func (d *ProductsData) Filtered() bool {
	return d.Query != "" || d.Category != "" || d.Risk != ""
}

// ProductSummary is one product of a list.
type ProductSummary struct {
	ID          string
	Name        string
	Vendor      string
	Category    string
	Description string
	Archived    bool
	// Risk is the overall risk of the product's public assessment
	// ("insufficient" below the rubric's minimum of reviews); Score its
	// ranking score (nil then).
	Risk    string
	Score   *float64
	Reviews int
	// Shown is the overall score and risk, CategoryLabel the category, in
	// the page's language.
	Shown         Shown
	CategoryLabel string
}
