package xlsx

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// ComparisonPack is what the officer's comparison pack is made from: the
// comparison exactly as the JSON API gives it (assess.Compare over the
// released statistics), its rubric version, the anonymity threshold in
// force and each product's public entries.
type ComparisonPack struct {
	Comparison *registry.Comparison
	// Rubric is the comparison's rubric version.
	Rubric *registry.Rubric
	// Threshold is the anonymity threshold the comparison was made with.
	Threshold int
	// Comments are the products' public entries, in the comparison's
	// order.
	Comments []Comments
	Info     Info
}

// ComparisonSheets are the comparison pack's sheets, in order.
var ComparisonSheets = []string{"Summary", "Chart", "Criteria", "Asks", "Voices", "Comments", "Method"}

// WriteComparison writes the officer's comparison pack to w: Summary (a row
// per product with its reviews, risks and scores, traffic-lit), Chart (a
// radar chart of the dimension scores), Criteria (every criterion's mean
// and answers per product, contested criteria and red-flag hits marked),
// Asks (each hit red flag with its ask, then the asks across products, most
// severe first), Voices (the role, phase and nation breakdowns), Comments
// and Method.
func WriteComparison(w io.Writer, pack ComparisonPack) error {
	cmp := pack.Comparison
	if cmp == nil || pack.Rubric == nil {
		return fmt.Errorf("xlsx: a comparison pack needs a comparison and its rubric")
	}
	l := pack.Info.Lang.orEnglish()
	p, err := newPack(l.t("compare.docTitle"), l.t("compare.docSubject", productCount(l, len(cmp.Products))), pack.Info, pack.Rubric, pack.Threshold)
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error { return p.compareSummary(cmp) },
		func() error { return p.compareChart(cmp) },
		func() error { return p.compareCriteria(cmp) },
		func() error { return p.compareAsks(cmp) },
		func() error { return p.compareVoices(cmp) },
		func() error { return p.writeComments(pack.Comments) },
		func() error {
			ids := make([]string, len(cmp.Products))
			for i, cp := range cmp.Products {
				ids[i] = cp.ProductID
			}
			return p.writeMethod(methodFacts{workbook: p.t("compare.workbook"), products: strings.Join(ids, ", "),
				filter: cmp.Filter, extra: [][2]any{{p.t("compare.leftOut"), cmp.LeftOutOtherVersions}}})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return p.write(w)
}

// productCount says how many products there are, in words.
func productCount(l Lang, n int) string {
	if n == 1 {
		return l.t("count.product")
	}
	return l.t("count.products", n)
}

// dimensionOf returns an assessment's dimension by id (nil if absent).
func dimensionOf(a *registry.Assessment, id string) *registry.DimensionAssessment {
	for i := range a.Dimensions {
		if a.Dimensions[i].ID == id {
			return &a.Dimensions[i]
		}
	}
	return nil
}

// flagsOf lists an assessment's hit red flags with their dimension's
// title.
func (p *pack) flagsOf(a *registry.Assessment) (flags []registry.Flag, dims []string) {
	for _, d := range a.Dimensions {
		for _, f := range d.Flags {
			flags = append(flags, f)
			dims = append(dims, p.dimensionTitle(d.ID, d.Title))
		}
	}
	return flags, dims
}

func (p *pack) compareSummary(cmp *registry.Comparison) error {
	header := []string{p.t("head.product"), p.t("head.vendor"), p.t("head.reviews"), p.t("fact.overallRisk"), p.t("compare.overallScore")}
	for _, d := range p.r.Dimensions {
		header = append(header, p.t("compare.dimScore", d.Title), p.t("compare.dimRisk", d.Title))
	}
	header = append(header, p.t("fact.flagsHit"), p.t("head.productID"))
	var rows [][]any
	for _, cp := range cmp.Products {
		a := cp.Assessment
		row := []any{cp.Name, cp.Vendor}
		if a.Suppressed {
			row = append(row, p.fewer(), nil, nil)
		} else {
			row = append(row, a.Reviews, p.riskWord(a.Overall.Risk), Score(a.Overall.Score))
		}
		for _, d := range p.r.Dimensions {
			da := dimensionOf(a, d.ID)
			if a.Suppressed || da == nil {
				row = append(row, nil, nil)
				continue
			}
			row = append(row, Score(da.Score), p.riskWord(da.Risk))
		}
		if a.Suppressed {
			row = append(row, nil)
		} else {
			flags, _ := p.flagsOf(a)
			row = append(row, len(flags))
		}
		rows = append(rows, append(row, cp.ProductID))
	}
	s, err := p.addRows("Summary", fit(header, rows, 40), header, rows)
	if err != nil {
		return err
	}
	last := len(rows) + 1
	if err := p.riskLights(s.name, 4, 2, 4, last); err != nil {
		return err
	}
	if err := p.f.SetConditionalFormat(s.name, rangeRef(5, 2, 5, last), []excelize.ConditionalFormatOptions{{
		Type: "data_bar", Criteria: "=", MinType: "num", MinValue: "0", MaxType: "num", MaxValue: "100", BarColor: "5B9BD5",
	}}); err != nil {
		return err
	}
	for i := range p.r.Dimensions {
		col := 6 + 2*i
		if err := p.scoreLights(s.name, col, 2, col, last, 1); err != nil {
			return err
		}
		if err := p.riskLights(s.name, col+1, 2, col+1, last); err != nil {
			return err
		}
	}
	if err := p.positiveLights(s.name, 6+2*len(p.r.Dimensions), 2, last); err != nil {
		return err
	}
	if err := s.table("SummaryTable"); err != nil {
		return err
	}
	if err := p.printTitles(s.name, 1); err != nil {
		return err
	}
	return s.flush()
}

// compareChart writes the dimension scores as a table, one row per
// product, and a radar chart of them with one series per product.
func (p *pack) compareChart(cmp *registry.Comparison) error {
	header := []string{p.t("head.product")}
	for _, d := range p.r.Dimensions {
		header = append(header, d.Title)
	}
	var rows [][]any
	for _, cp := range cmp.Products {
		row := []any{cp.Name}
		for _, d := range p.r.Dimensions {
			da := dimensionOf(cp.Assessment, d.ID)
			if cp.Assessment.Suppressed || da == nil {
				row = append(row, nil)
				continue
			}
			row = append(row, Score(da.Score))
		}
		rows = append(rows, row)
	}
	s, err := p.addRows("Chart", fit(header, rows, 40), header, rows)
	if err != nil {
		return err
	}
	last, dims := len(rows)+1, len(p.r.Dimensions)
	if err := p.scoreLights(s.name, 2, 2, 1+dims, last, 1); err != nil {
		return err
	}
	if err := s.table("ChartData"); err != nil {
		return err
	}
	if err := s.blank(); err != nil {
		return err
	}
	if err := s.add(Wrapped(p.t("compare.chartNote"))); err != nil {
		return err
	}
	var series []excelize.ChartSeries
	for i := range rows {
		row := i + 2
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("'Chart'!$A$%d", row),
			Categories: fmt.Sprintf("'Chart'!$B$1:$%s$1", colName(1+dims)),
			Values:     fmt.Sprintf("'Chart'!$B$%d:$%s$%d", row, colName(1+dims), row),
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 5},
		})
	}
	lo, hi := 0.0, 100.0
	err = p.f.AddChart(s.name, ref(dims+3, 2), &excelize.Chart{
		Type:      excelize.Radar,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: p.t("chart.title")}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		YAxis:     excelize.ChartAxis{Minimum: &lo, Maximum: &hi, MajorUnit: 25, MajorGridLines: true},
		Dimension: excelize.ChartDimension{Width: 720, Height: 520},
		Format: excelize.GraphicOptions{
			Name:    p.t("chart.name"),
			AltText: p.t("compare.chartAlt", strings.ToLower(p.dimensionTitles()), productCount(p.lang, len(rows)), ref(1+dims, last)),
		},
	})
	if err != nil {
		return err
	}
	if err := p.printTitles(s.name, 1); err != nil {
		return err
	}
	return s.flush()
}

func colName(col int) string {
	name, _ := excelize.ColumnNumberToName(col)
	return name
}

// dimensionTitles lists the rubric's dimensions in words.
func (p *pack) dimensionTitles() string {
	var titles []string
	for _, d := range p.r.Dimensions {
		titles = append(titles, d.Title)
	}
	if len(titles) < 2 {
		return strings.Join(titles, "")
	}
	last := titles[len(titles)-1]
	and := p.t("word.and")
	if startsWithVowel(last) {
		and = p.t("word.andVowel") // Welsh "ac" before a vowel
	}
	return strings.Join(titles[:len(titles)-1], ", ") + and + last
}

// startsWithVowel reports whether s begins with a vowel (Welsh counts w
// and y, and accented vowels).
func startsWithVowel(s string) bool {
	for _, r := range strings.ToLower(s) {
		return strings.ContainsRune("aeiouwyâêîôûŵŷáéíóúàèìòù", r)
	}
	return false
}

// criterionMarks says whether a criterion is contested or its red flag is
// hit (provisionally) for one product.
func (p *pack) criterionMarks(a *registry.Assessment, ca registry.CriterionAssessment) string {
	var marks []string
	if ca.Flagged {
		mark := p.t("compare.markFlag")
		for _, d := range a.Dimensions {
			for _, f := range d.Flags {
				if f.Criterion == ca.ID && f.Provisional {
					mark += p.t("compare.markProvisional")
				}
			}
		}
		marks = append(marks, mark)
	}
	if ca.Contested {
		marks = append(marks, p.t("compare.markContested"))
	}
	return strings.Join(marks, "; ")
}

func (p *pack) compareCriteria(cmp *registry.Comparison) error {
	header := []string{p.t("head.dimension"), p.t("head.criterionID"), p.t("head.criterion")}
	for _, cp := range cmp.Products {
		header = append(header, p.t("compare.productMean", cp.ProductID), p.t("compare.productAnswers", cp.ProductID),
			p.t("compare.productMarks", cp.ProductID))
	}
	dimTitles := map[string]string{}
	for _, d := range p.r.Dimensions {
		dimTitles[d.ID] = d.Title
	}
	var rows [][]any
	for i, cr := range cmp.Criteria {
		title := cr.Title
		if c := p.criterion(cr.ID); c != nil {
			title = c.Title
		}
		row := []any{dimTitles[cr.Dimension], cr.ID, title}
		for j, v := range cr.Values {
			a := cmp.Products[j].Assessment
			if a.Suppressed || i >= len(a.Criteria) {
				row = append(row, nil, nil, p.fewer())
				continue
			}
			row = append(row, Fixed2(v.Mean), v.N, Wrapped(p.criterionMarks(a, a.Criteria[i])))
		}
		rows = append(rows, row)
	}
	// Every product's columns have one width (the longest product id),
	// so that the widths are set in a few runs.
	widths := fit(header[:3], rows, 40)
	product := 12.0
	for _, cp := range cmp.Products {
		product = max(product, min(float64(len(cp.ProductID))+2, 24))
	}
	for range cmp.Products {
		widths = append(widths, product, product, product)
	}
	s, err := p.addRows("Criteria", widths, header, rows)
	if err != nil {
		return err
	}
	last := len(rows) + 1
	for j := range cmp.Products {
		col := 4 + 3*j
		if err := p.scoreLights(s.name, col, 2, col, last, 100.0/registry.MaxScore); err != nil {
			return err
		}
		if err := p.containsLights(s.name, col+2, 2, col+2, last, p.t("compare.markFlagPhrase"), registry.RiskCritical); err != nil {
			return err
		}
		if err := p.containsLights(s.name, col+2, 2, col+2, last, p.t("compare.markContested"), registry.RiskMedium); err != nil {
			return err
		}
	}
	if err := s.table("CriteriaTable"); err != nil {
		return err
	}
	if err := p.printTitles(s.name, 1); err != nil {
		return err
	}
	return s.flush()
}

// severityRank orders red-flag severities, most severe first.
func severityRank(severity string) int {
	switch severity {
	case registry.SeverityCritical:
		return 0
	case registry.SeverityHigh:
		return 1
	}
	return 2
}

// severityWords colours red-flag severities, as words of the workbook.
func (p *pack) severityWords() map[string]string {
	return map[string]string{p.severityWord(registry.SeverityCritical): registry.RiskCritical,
		p.severityWord(registry.SeverityHigh): registry.RiskHigh}
}

// sharedAsk is one ask across products.
type sharedAsk struct {
	ask, severity string
	criteria      []string
	products      []string
	provisional   []string
	order         int // first criterion's place in the rubric
}

func (p *pack) compareAsks(cmp *registry.Comparison) error {
	g, err := p.addGrid("Asks", []float64{30, 34, 12, 12, 16, 70, 16, 24})
	if err != nil {
		return err
	}
	if err := g.header(p.t("head.product"), p.t("head.criterion"), p.t("head.severity"), p.t("head.share"), p.t("head.provisional"),
		p.t("head.ask"), p.t("head.dimension"), p.t("head.productID")); err != nil {
		return err
	}
	idx := p.index
	byAsk := map[string]*sharedAsk{}
	var asks []*sharedAsk
	for _, cp := range cmp.Products {
		flags, dims := p.flagsOf(cp.Assessment)
		for i, f := range flags {
			title, ask := p.flagTitle(f), p.flagAsk(f)
			if err := g.add(cp.Name, title, p.severityWord(f.Severity), Percent(f.Share), f.Provisional, Wrapped(ask), dims[i], cp.ProductID); err != nil {
				return err
			}
			sa := byAsk[ask]
			if sa == nil {
				sa = &sharedAsk{ask: ask, severity: f.Severity, order: idx[f.Criterion]}
				byAsk[ask] = sa
				asks = append(asks, sa)
			}
			if severityRank(f.Severity) < severityRank(sa.severity) {
				sa.severity = f.Severity
			}
			sa.order = min(sa.order, idx[f.Criterion])
			sa.criteria = appendNew(sa.criteria, title)
			sa.products = appendNew(sa.products, cp.Name)
			if f.Provisional {
				sa.provisional = appendNew(sa.provisional, cp.Name)
			}
		}
	}
	if len(asks) == 0 {
		if err := g.add(p.t("compare.noFlags")); err != nil {
			return err
		}
	}
	last := g.rows
	if err := g.table("FlagsByProduct", 1, 8); err != nil {
		return err
	}
	if err := p.wordLights(g.name, 3, 2, 3, last, p.severityWords()); err != nil {
		return err
	}
	if err := p.printTitles(g.name, 1); err != nil {
		return err
	}

	sort.SliceStable(asks, func(i, j int) bool {
		a, b := asks[i], asks[j]
		if severityRank(a.severity) != severityRank(b.severity) {
			return severityRank(a.severity) < severityRank(b.severity)
		}
		if len(a.products) != len(b.products) {
			return len(a.products) > len(b.products)
		}
		return a.order < b.order
	})
	g.blank()
	if err := g.titled(p.t("compare.asksTitle")); err != nil {
		return err
	}
	first := g.rows + 1
	if err := g.header(p.t("compare.products"), p.t("head.criterion"), p.t("head.severity"), p.t("compare.numberOfProducts"),
		p.t("compare.provisionalFor"), p.t("head.ask")); err != nil {
		return err
	}
	for _, sa := range asks {
		if err := g.add(Wrapped(joinNames(sa.products)), Wrapped(joinNames(sa.criteria)), p.severityWord(sa.severity), len(sa.products),
			Wrapped(joinNames(sa.provisional)), Wrapped(sa.ask)); err != nil {
			return err
		}
	}
	if len(asks) == 0 {
		if err := g.add(p.t("compare.noFlags")); err != nil {
			return err
		}
	}
	if err := g.table("AsksAcrossProducts", first, 6); err != nil {
		return err
	}
	return p.wordLights(g.name, 3, first+1, 3, g.rows, p.severityWords())
}

// appendNew appends s to list unless it is already there.
func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (p *pack) compareVoices(cmp *registry.Comparison) error {
	header := []string{p.t("head.product"), p.t("head.productID"), p.t("compare.breakdown"), p.t("compare.group"), p.t("head.reviews")}
	for _, d := range p.r.Dimensions {
		header = append(header, p.t("compare.dimScore", d.Title), p.t("compare.dimRisk", d.Title))
	}
	var rows [][]any
	filtered := cmp.Filter.Key() != ""
	for _, cp := range cmp.Products {
		a := cp.Assessment
		if filtered {
			rows = append(rows, []any{cp.Name, cp.ProductID, nil, nil, p.t("compare.noBreakdowns", p.filterText(cmp.Filter))})
			continue
		}
		for _, kind := range registry.GroupKinds {
			for _, b := range a.Breakdowns[kind] {
				row := []any{cp.Name, cp.ProductID, p.t("group." + kind), b.Key}
				if b.Suppressed {
					rows = append(rows, append(row, p.fewer()))
					continue
				}
				row = append(row, b.Reviews)
				for _, d := range p.r.Dimensions {
					var bd *registry.BreakdownDimension
					for i := range b.Dimensions {
						if b.Dimensions[i].ID == d.ID {
							bd = &b.Dimensions[i]
						}
					}
					if bd == nil {
						row = append(row, nil, nil)
						continue
					}
					row = append(row, Score(bd.Score), p.riskWord(bd.Risk))
				}
				rows = append(rows, row)
			}
		}
	}
	s, err := p.addRows("Voices", fit(header, rows, 40), header, rows)
	if err != nil {
		return err
	}
	last := len(rows) + 1
	for i := range p.r.Dimensions {
		col := 6 + 2*i
		if err := p.scoreLights(s.name, col, 2, col, last, 1); err != nil {
			return err
		}
		if err := p.riskLights(s.name, col+1, 2, col+1, last); err != nil {
			return err
		}
	}
	if err := s.table("VoicesTable"); err != nil {
		return err
	}
	if err := p.printTitles(s.name, 1); err != nil {
		return err
	}
	return s.flush()
}
