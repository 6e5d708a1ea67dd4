package xlsx

import (
	"github.com/xuri/excelize/v2"
)

// commentsHeader is the Comments sheet's header in l.
func commentsHeader(l Lang) []string {
	return []string{l.t("head.product"), l.t("head.productID"), l.t("comments.entry"), l.t("comments.month"),
		l.t("comments.recommendation"), l.t("comments.kind"), l.t("head.criterionID"), l.t("head.criterion"), l.t("comments.text")}
}

// writeComments writes the Comments sheet: each product's public entries
// exactly as registry.PublicEntry made them (summary, per-criterion
// comments with their criterion, recommendation, release month), one row a
// text, the most recent first. A note row says when a product has more
// entries than the sheet holds, or none.
//
// The sheet is the largest of a workbook (up to 20 × 200 entries and their
// comments), so its rows are written as they are made, after a first pass
// that measures the columns.
func (p *pack) writeComments(products []Comments) error {
	titles := map[string]string{}
	for _, c := range p.criteria {
		titles[c.ID] = c.Title
	}
	header := commentsHeader(p.lang)
	widths := fit(header, nil, 40)
	grow := func(col int, s string) { widths[col] = min(max(widths[col], longestLine(s)+2), 40) }
	for _, pc := range products {
		grow(0, pc.Name)
		grow(1, pc.ProductID)
		for _, e := range pc.Entries {
			grow(2, e.ID)
			grow(4, e.Recommendation)
			for _, c := range e.Comments {
				grow(6, c.Criterion)
				grow(7, titles[c.Criterion])
			}
		}
	}
	widths[len(widths)-1] = 80
	s, err := p.addStreamed("Comments", widths, true)
	if err != nil {
		return err
	}
	if err := s.header(header...); err != nil {
		return err
	}
	// One row's cells, reused: the values are boxed once per product or
	// entry, not once per cell.
	text, wrap := p.st.text, p.st.wrap
	var cells [9]excelize.Cell
	row := make([]any, len(cells))
	put := func(values ...any) error {
		for i, v := range values {
			row[i] = nil
			if v != nil {
				cells[i] = excelize.Cell{StyleID: text, Value: v}
				if i == len(cells)-1 {
					cells[i].StyleID = wrap
				}
				row[i] = &cells[i]
			}
		}
		return s.addRow(row)
	}
	// The kinds of row.
	var summary, comment, note any = p.t("comments.summary"), p.t("comments.comment"), p.t("comments.note")
	for _, pc := range products {
		name, id := any(pc.Name), any(pc.ProductID)
		if pc.More {
			if err := put(name, id, nil, nil, nil, note, nil, nil, p.t("comments.more", len(pc.Entries), pc.ProductID)); err != nil {
				return err
			}
		}
		if len(pc.Entries) == 0 {
			if err := put(name, id, nil, nil, nil, note, nil, nil, p.t("comments.none")); err != nil {
				return err
			}
		}
		for _, e := range pc.Entries {
			entry, month, rec := any(e.ID), any(e.Month), any(e.Recommendation)
			if err := put(name, id, entry, month, rec, summary, nil, nil, e.Summary); err != nil {
				return err
			}
			for _, c := range e.Comments {
				var title any
				if t := titles[c.Criterion]; t != "" {
					title = t
				}
				if err := put(name, id, entry, month, rec, comment, c.Criterion, title, c.Comment); err != nil {
					return err
				}
			}
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
