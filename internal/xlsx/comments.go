package xlsx

import "fmt"

// Kinds of row of a Comments sheet.
const (
	commentSummary = "summary"
	commentOn      = "comment"
	commentNote    = "note"
)

// commentsHeader is the Comments sheet's header.
var commentsHeader = []string{"Product", "Product id", "Entry", "Release month", "Recommendation", "Kind",
	"Criterion id", "Criterion", "Text"}

// writeComments writes the Comments sheet: each product's public entries
// exactly as registry.PublicEntry made them (summary, per-criterion
// comments with their criterion, recommendation, release month), one row a
// text, the most recent first. A note row says when a product has more
// entries than the sheet holds, or none.
func (p *pack) writeComments(products []Comments) error {
	titles := map[string]string{}
	for _, c := range p.r.Criteria() {
		titles[c.ID] = c.Title
	}
	var rows [][]any
	for _, pc := range products {
		if pc.More {
			rows = append(rows, []any{pc.Name, pc.ProductID, nil, nil, nil, commentNote, nil, nil, Wrapped(fmt.Sprintf(
				"These are the %d most recent public entries; the product has more. The full list: GET /api/v1/products/%s/reviews.",
				len(pc.Entries), pc.ProductID))})
		}
		if len(pc.Entries) == 0 {
			rows = append(rows, []any{pc.Name, pc.ProductID, nil, nil, nil, commentNote, nil, nil, "No public entries yet."})
		}
		for _, e := range pc.Entries {
			rows = append(rows, []any{pc.Name, pc.ProductID, e.ID, e.Month, e.Recommendation, commentSummary, nil, nil, Wrapped(e.Summary)})
			for _, c := range e.Comments {
				rows = append(rows, []any{pc.Name, pc.ProductID, e.ID, e.Month, e.Recommendation, commentOn,
					c.Criterion, titles[c.Criterion], Wrapped(c.Comment)})
			}
		}
	}
	widths := fit(commentsHeader, rows, 40)
	widths[len(widths)-1] = 80
	s, err := p.addSheet("Comments", widths, true)
	if err != nil {
		return err
	}
	if err := s.header(commentsHeader...); err != nil {
		return err
	}
	for _, row := range rows {
		if err := s.add(row...); err != nil {
			return err
		}
	}
	if err := s.table("CommentsTable"); err != nil {
		return err
	}
	if err := p.printTitles(s.name, 1); err != nil {
		return err
	}
	return s.flush()
}
