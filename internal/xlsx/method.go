package xlsx

import (
	"fmt"
	"strings"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/registry"
)

// methodFacts are the rows of a Method sheet that differ between
// workbooks.
type methodFacts struct {
	workbook string // what the workbook is
	products string // the products' ids
	filter   registry.AssessmentFilter
	extra    [][2]any // further facts (label, value), after the filter
}

// methodAccount is the method in plain words, one paragraph a row; the
// full account is docs/method.md.
var methodAccount = [][2]string{
	{"Answers", "Educators review a product against the rubric: each criterion is a question answered on an anchored " +
		"scale from 0 (worst) to 4 (best), or \"don't know\", or \"not applicable\". Where the rubric says so, " +
		"\"don't know\" counts as 0, because the vendor should have made the answer plain; otherwise it is left out. " +
		"\"Not applicable\" is always left out. A criterion's mean is the average of the answers that count."},
	{"Scores", "A dimension's score (0 to 100) is the weighted average of its criteria's means, times 25. " +
		"Its risk follows the thresholds above; a score exactly on a threshold gets the better grade."},
	{"Red flags", "Some criteria are hard fails. A red flag is hit when at least 2 reviewers, and at least a third " +
		"of those whose answers count, answered at or below its level. A hit critical flag makes its dimension " +
		"critical; a hit high flag makes it at least high. Each hit flag comes with an ask to put to the employer " +
		"or vendor."},
	{"Too few reviews", "Below the minimum number of reviews nothing is graded (risk \"insufficient\", no score); " +
		"red flags already hit are still listed, marked provisional."},
	{"Overall", fmt.Sprintf("The overall risk is the worst dimension's risk. The overall score is for ranking only: "+
		"the weighted average of the dimension scores, pulled towards %g as if the product had %d more reviews at %g, "+
		"so that a product with few reviews cannot top a ranking on luck.", assess.PriorScore, assess.PriorWeight, assess.PriorScore)},
	{"Agreement", "Agreement (0 to 1) says how far reviewers agree on a criterion (Tastle and Wierman, 2007): 1 when " +
		"all give the same answer, 0 when they split between 0 and 4. Below the contested threshold, read the " +
		"comments before quoting the mean."},
	{"Anonymity", "Groups of reviewers (by role, phase or nation) smaller than the anonymity threshold are withheld " +
		"and read \"fewer than N reviewers\", with no numbers. A group is also withheld, and reads the same, when " +
		"showing it would let a smaller group be worked out by subtraction. Public comments carry their text, " +
		"recommendation and release month only."},
	{"Releases", "A product's figures and its list of public reviews change only with a release of several " +
		"reviews at once, so that comparing two downloads does not reveal one person's review."},
}

// writeMethod writes the Method sheet: the rubric, the filter, the
// thresholds, when and by what the workbook was made, the method in plain
// words and every criterion's references (the crosswalk to public
// frameworks).
func (p *pack) writeMethod(m methodFacts) error {
	g, err := p.addGrid("Method", []float64{34, 90, 40, 14})
	if err != nil {
		return err
	}
	r, th := p.r, p.r.Settings.Thresholds
	if err := g.header("Item", "Value"); err != nil {
		return err
	}
	rows := [][2]any{
		{"Workbook", m.workbook},
		{"Products", m.products},
		{"Rubric", r.ID},
		{"Rubric title", r.Title},
		{"Rubric version", r.Version},
		{"Rubric hash (SHA-256 of its canonical form)", r.Hash},
		{"Filter", filterText(m.filter)},
	}
	rows = append(rows, m.extra...)
	rows = append(rows, [][2]any{
		{"Low risk: score at or above", Score(&th.Low)},
		{"Medium risk: score at or above", Score(&th.Medium)},
		{"High risk: score at or above", Score(&th.High)},
		{"Critical risk: score below", Score(&th.High)},
		{"Minimum reviews for a grade", r.Settings.MinReviews},
		{"Contested: agreement below", Fixed2(&r.Settings.ContestedBelow)},
		{"Anonymity threshold (reviewers)", p.threshold},
		{"Generated", p.generated()},
		{"Registry version", p.info.Version},
	}...)
	for _, a := range methodAccount {
		rows = append(rows, [2]any{"Method: " + strings.ToLower(a[0]), Wrapped(a[1])})
	}
	rows = append(rows,
		[2]any{"Method in full", "docs/method.md in the registry's repository"},
		[2]any{"Disclosure model", "docs/anonymity.md in the registry's repository"})
	for _, row := range rows {
		if err := g.add(row[0], row[1]); err != nil {
			return err
		}
	}
	if err := g.table("MethodFacts", 1, 2); err != nil {
		return err
	}
	if err := p.printTitles(g.name, 1); err != nil {
		return err
	}

	// The crosswalk: one row per reference, so that a framework can be
	// filtered.
	g.blank()
	if err := g.titled("References: each criterion's public frameworks"); err != nil {
		return err
	}
	first := g.rows + 1
	if err := g.header("Criterion id", "Reference", "Criterion", "Dimension"); err != nil {
		return err
	}
	for _, d := range r.Dimensions {
		for _, c := range d.Criteria {
			refs := c.References
			if len(refs) == 0 {
				refs = []string{""}
			}
			for _, rf := range refs {
				if err := g.add(c.ID, rf, c.Title, d.Title); err != nil {
					return err
				}
			}
		}
	}
	return g.table("References", first, 4)
}
