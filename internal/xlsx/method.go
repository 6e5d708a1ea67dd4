package xlsx

import (
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

// methodAccount names the method's paragraphs, one a row, in order; their
// labels and texts are "method.<name>.label" and "method.<name>.text" in
// the catalogue. The full account is docs/method.md.
var methodAccount = []string{"answers", "scores", "redFlags", "tooFew", "overall", "agreement", "anonymity", "releases"}

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
	if err := g.header(p.t("head.item"), p.t("head.value")); err != nil {
		return err
	}
	rows := [][2]any{
		{p.t("method.workbook"), m.workbook},
		{p.t("compare.products"), m.products},
		{p.t("fact.rubric"), r.ID},
		{p.t("method.rubricTitle"), r.Title},
		{p.t("method.rubricVersion"), r.Version},
		{p.t("method.rubricHash"), r.Hash},
		{p.t("fact.filter"), p.filterText(m.filter)},
	}
	rows = append(rows, m.extra...)
	rows = append(rows, [][2]any{
		{p.t("method.low"), Score(&th.Low)},
		{p.t("method.medium"), Score(&th.Medium)},
		{p.t("method.high"), Score(&th.High)},
		{p.t("method.critical"), Score(&th.High)},
		{p.t("method.minReviews"), r.Settings.MinReviews},
		{p.t("method.contested"), Fixed2(&r.Settings.ContestedBelow)},
		{p.t("method.threshold"), p.threshold},
		{p.t("method.generated"), p.generated()},
		{p.t("method.registryVersion"), p.info.Version},
	}...)
	for _, a := range methodAccount {
		text := p.t("method." + a + ".text")
		if a == "overall" {
			text = p.t("method.overall.text", assess.PriorScore, assess.PriorWeight, assess.PriorScore)
		}
		rows = append(rows, [2]any{p.t("method.prefix", strings.ToLower(p.t("method."+a+".label"))), Wrapped(text)})
	}
	rows = append(rows,
		[2]any{p.t("method.inFull"), p.t("method.inFullWhere")},
		[2]any{p.t("method.disclosure"), p.t("method.disclosureWhere")})
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
	if err := g.titled(p.t("method.references")); err != nil {
		return err
	}
	first := g.rows + 1
	if err := g.header(p.t("head.criterionID"), p.t("method.reference"), p.t("head.criterion"), p.t("head.dimension")); err != nil {
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
