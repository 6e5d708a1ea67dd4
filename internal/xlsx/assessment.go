package xlsx

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// AssessmentPack is what a school's assessment workbook is made from: the
// product, its assessment exactly as the JSON API gives it (assess.Assess
// over the released statistics), the rubric version, the anonymity
// threshold in force and the product's public entries.
type AssessmentPack struct {
	Product    *registry.Product
	Assessment *registry.Assessment
	// Rubric is the assessment's rubric version.
	Rubric *registry.Rubric
	// Threshold is the anonymity threshold the assessment was made with.
	Threshold int
	Comments  Comments
	Info      Info
}

// AssessmentSheets are the assessment workbook's sheets, in order.
var AssessmentSheets = []string{"Overview", "Criteria", "DPIA", "Decision", "Comments", "Method"}

// The DPIA's answer lists, in the ICO template's words, in English; a
// Welsh workbook offers the same lists in Welsh (dpiaList).
var (
	// DPIALikelihood is the likelihood of harm.
	DPIALikelihood = []string{"remote", "possible", "probable"}
	// DPIASeverity is the severity of harm.
	DPIASeverity = []string{"minimal", "significant", "severe"}
	// DPIARisk is an overall or residual risk.
	DPIARisk = []string{"low", "medium", "high"}
	// DPIAEffect is a measure's effect on a risk.
	DPIAEffect = []string{"eliminated", "reduced", "accepted"}
	// DPIAApproved says whether a measure is approved.
	DPIAApproved = []string{"yes", "no"}
	// DPIADPOAdvice says whether the DPO's advice was followed.
	DPIADPOAdvice = []string{"accepted", "overruled"}
	// DPIADecision is the school's decision.
	DPIADecision = []string{"approve", "approve with conditions", "do not approve"}
)

// WriteAssessment writes a school's DPIA-ready assessment of one product
// to w: Overview (the product, its reviews, risks and scores, a chart),
// Criteria (every criterion with its question, level descriptors and
// figures), DPIA (the ICO's steps 1 to 6, pre-filled where the registry
// knows, with a risk row per hit red flag and per high-risk dimension),
// Decision (step 7: sign-off), Comments and Method.
func WriteAssessment(w io.Writer, pack AssessmentPack) error {
	a, prod := pack.Assessment, pack.Product
	if a == nil || prod == nil || pack.Rubric == nil {
		return fmt.Errorf("xlsx: an assessment workbook needs a product, its assessment and the rubric")
	}
	l := pack.Info.Lang.orEnglish()
	p, err := newPack(l.t("assess.docTitle", prod.Name), l.t("assess.docSubject", prod.Name), pack.Info, pack.Rubric, pack.Threshold)
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error { return p.assessOverview(prod, a) },
		func() error { return p.assessCriteria(a) },
		func() error { return p.assessDPIA(prod, a) },
		func() error { return p.assessDecision() },
		func() error { return p.writeComments([]Comments{pack.Comments}) },
		func() error {
			return p.writeMethod(methodFacts{workbook: p.t("assess.workbook"), products: prod.ID, filter: a.Filter})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return p.write(w)
}

// listOr lists values, or says none were recorded.
func (p *pack) listOr(values []string) string {
	if len(values) == 0 {
		return p.t("assess.notRecorded")
	}
	return strings.Join(values, ", ")
}

// ages describes a product's pupils' age range.
func (p *pack) ages(r *registry.AgeRange) string {
	if r == nil {
		return p.t("assess.notRecorded")
	}
	return p.t("assess.ages", r.Min, r.Max)
}

func (p *pack) textOr(s string) string {
	if s == "" {
		return p.t("assess.notRecorded")
	}
	return s
}

func (p *pack) assessOverview(prod *registry.Product, a *registry.Assessment) error {
	g, err := p.addGrid("Overview", []float64{26, 50, 12, 12, 12, 12})
	if err != nil {
		return err
	}
	if err := g.titled(p.t("assess.title", prod.Name)); err != nil {
		return err
	}
	if err := g.add(Wrapped(p.t("assess.intro", p.generated()))); err != nil {
		return err
	}
	g.blank()
	first := g.rows + 1
	if err := g.header(p.t("head.item"), p.t("head.value")); err != nil {
		return err
	}
	var reviews, overallRisk, flagsHit any = a.Reviews, p.riskWord(a.Overall.Risk), nil
	if a.Suppressed {
		reviews, overallRisk = p.fewer(), nil
	} else {
		flags, _ := p.flagsOf(a)
		flagsHit = len(flags)
	}
	facts := [][2]any{
		{p.t("fact.product"), prod.Name},
		{p.t("fact.productID"), prod.ID},
		{p.t("fact.vendor"), prod.Vendor},
		{p.t("fact.website"), prod.Website},
		{p.t("fact.category"), prod.Category},
		{p.t("fact.description"), Wrapped(prod.Description)},
		{p.t("fact.aiFeatures"), p.listOr(prod.AIFeatures)},
		{p.t("fact.usedBy"), p.listOr(prod.UsedBy)},
		{p.t("fact.ages"), p.ages(prod.AgeRange)},
		{p.t("fact.dataProcessed"), p.listOr(prod.DataProcessed)},
		{p.t("fact.hosting"), p.textOr(prod.Hosting)},
		{p.t("fact.rubric"), p.t("fact.rubricVersion", p.r.ID, p.r.Version)},
		{p.t("fact.filter"), p.filterText(a.Filter)},
		{p.t("fact.reviews"), reviews},
		{p.t("fact.overallRisk"), overallRisk},
		{p.t("fact.overallScore"), Score(a.Overall.Score)},
		{p.t("fact.flagsHit"), flagsHit},
	}
	riskRow := 0
	for _, f := range facts {
		if err := g.add(f[0], f[1]); err != nil {
			return err
		}
		if f[0] == p.t("fact.overallRisk") {
			riskRow = g.rows
		}
	}
	if err := g.table("ProductFacts", first, 2); err != nil {
		return err
	}
	if err := p.riskLights(g.name, 2, riskRow, 2, riskRow); err != nil {
		return err
	}
	if err := p.printTitles(g.name, first); err != nil {
		return err
	}

	g.blank()
	if err := g.titled(p.t("assess.dimensions")); err != nil {
		return err
	}
	dimHeader := g.rows + 1
	if err := g.header(p.t("head.dimension"), p.t("head.score"), p.t("head.risk"), p.t("head.agreement"),
		p.t("head.contested"), p.t("fact.flagsHit")); err != nil {
		return err
	}
	var alt []string
	for _, d := range p.r.Dimensions {
		da := dimensionOf(a, d.ID)
		if a.Suppressed || da == nil {
			if err := g.add(d.Title); err != nil {
				return err
			}
			alt = append(alt, p.t("chart.noScore", d.Title))
			continue
		}
		var contested any
		if da.Agreement != nil {
			contested = da.Contested
		}
		if err := g.add(d.Title, Score(da.Score), p.riskWord(da.Risk), Fixed2(da.Agreement), contested, len(da.Flags)); err != nil {
			return err
		}
		if da.Score != nil {
			alt = append(alt, fmt.Sprintf("%s %.1f", d.Title, *da.Score))
		} else {
			alt = append(alt, p.t("chart.noScore", d.Title))
		}
	}
	last := g.rows
	if err := g.table("Dimensions", dimHeader, 6); err != nil {
		return err
	}
	if err := p.scoreLights(g.name, 2, dimHeader+1, 2, last, 1); err != nil {
		return err
	}
	if err := p.riskLights(g.name, 3, dimHeader+1, 3, last); err != nil {
		return err
	}
	if err := p.positiveLights(g.name, 6, dimHeader+1, last); err != nil {
		return err
	}
	lo, hi := 0.0, 100.0
	return p.f.AddChart(g.name, "H4", &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{{
			Name:       "'Overview'!$B$" + fmt.Sprint(dimHeader),
			Categories: fmt.Sprintf("'Overview'!$A$%d:$A$%d", dimHeader+1, last),
			Values:     fmt.Sprintf("'Overview'!$B$%d:$B$%d", dimHeader+1, last),
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: p.t("chart.title")}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		XAxis:     excelize.ChartAxis{ReverseOrder: true},
		YAxis:     excelize.ChartAxis{Minimum: &lo, Maximum: &hi, MajorUnit: 25, MajorGridLines: true},
		Dimension: excelize.ChartDimension{Width: 600, Height: 360},
		Format: excelize.GraphicOptions{
			Name:    p.t("chart.name"),
			AltText: p.t("assess.chartAlt", strings.Join(alt, "; "), rangeRef(1, dimHeader, 6, last)),
		},
	})
}

// redFlagRule describes a criterion's red flag in words.
func (p *pack) redFlagRule(c registry.Criterion) string {
	if c.RedFlag == nil {
		return ""
	}
	return p.t("assess.redFlagRule", c.RedFlag.AtOrBelow, p.severityWord(c.RedFlag.Severity))
}

// provisionalFlag reports whether an assessment lists criterion id's red
// flag as provisional.
func provisionalFlag(a *registry.Assessment, id string) bool {
	for _, d := range a.Dimensions {
		for _, f := range d.Flags {
			if f.Criterion == id && f.Provisional {
				return true
			}
		}
	}
	return false
}

func (p *pack) assessCriteria(a *registry.Assessment) error {
	header := []string{p.t("head.dimension"), p.t("head.criterionID"), p.t("head.criterion"), p.t("head.question")}
	for l := range registry.Levels {
		header = append(header, p.t("head.level", l))
	}
	header = append(header, p.t("head.answersCount"), p.t("head.mean"), p.t("head.sd"))
	for l := range registry.Levels {
		header = append(header, p.t("head.answersAt", l))
	}
	header = append(header, p.t("head.dontKnow"), p.t("head.notApplicable"), p.t("head.agreement"), p.t("head.contested"),
		p.t("head.redFlag"), p.t("head.redFlagAnswers"), p.t("head.redFlagHit"), p.t("head.ask"))
	var rows [][]any
	i := 0
	for _, d := range p.r.Dimensions {
		for _, c := range d.Criteria {
			row := []any{d.Title, c.ID, c.Title, Wrapped(c.Question)}
			for lvl := range registry.Levels {
				text := ""
				if lvl < len(c.Levels) {
					text = c.Levels[lvl].Label + ": " + c.Levels[lvl].Descriptor
				}
				row = append(row, Wrapped(text))
			}
			if a.Suppressed || i >= len(a.Criteria) {
				row = append(row, p.fewer(), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, p.redFlagRule(c), nil, nil)
			} else {
				ca := a.Criteria[i]
				row = append(row, ca.N, Fixed2(ca.Mean), Fixed2(ca.SD))
				for _, k := range ca.Distribution {
					row = append(row, k)
				}
				row = append(row, ca.Unknown, ca.NA, Fixed2(ca.Agreement))
				if ca.Agreement != nil {
					row = append(row, ca.Contested)
				} else {
					row = append(row, nil)
				}
				row = append(row, p.redFlagRule(c))
				if c.RedFlag != nil {
					hit := p.t("word.no")
					if ca.Flagged {
						hit = p.t("word.yes")
						if provisionalFlag(a, c.ID) {
							hit = p.t("assess.yesProvisional")
						}
					}
					row = append(row, ca.RedFlagHits, hit)
				} else {
					row = append(row, nil, nil)
				}
			}
			rows = append(rows, append(row, Wrapped(c.Ask)))
			i++
		}
	}
	widths := fit(header, rows, 40)
	for col, w := range map[int]float64{3: 50, 4: 30, 5: 30, 6: 30, 7: 30, 8: 30, 24: 60} {
		widths[col] = w
	}
	s, err := p.addRows("Criteria", widths, header, rows)
	if err != nil {
		return err
	}
	last := len(rows) + 1
	if err := p.scoreLights(s.name, 11, 2, 11, last, 100.0/registry.MaxScore); err != nil {
		return err
	}
	if err := p.wordLights(s.name, 21, 2, 21, last, map[string]string{p.t("word.yes"): registry.RiskMedium}); err != nil {
		return err
	}
	if err := p.containsLights(s.name, 24, 2, 24, last, p.t("word.yes"), registry.RiskCritical); err != nil {
		return err
	}
	if err := s.table("CriteriaTable"); err != nil {
		return err
	}
	if err := p.printTitles(s.name, 1); err != nil {
		return err
	}
	return s.flush()
}

// dpiaRisk is one row of the DPIA's risk table. Likelihood, severity and
// overall risk are words of the English lists (DPIALikelihood, …), shown
// in the workbook's language.
type dpiaRisk struct {
	source, measures, from           string
	share                            any // Percent or nil
	score                            Score
	likelihood, severity, overallFit string
}

// overallRisk is the ICO's matrix of likelihood against severity.
func overallRisk(likelihood, severity string) string {
	l, s := indexOf(DPIALikelihood, likelihood), indexOf(DPIASeverity, severity)
	switch sum := l + s; {
	case sum >= 3:
		return "high"
	case sum == 2:
		return "medium"
	}
	return "low"
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return 0
}

// dpiaWord is a word of one of the DPIA's English answer lists (list
// names it: "likelihood", "severity", "risk", "effect", "approved",
// "advice", "decision") in the workbook's language.
func (p *pack) dpiaWord(list, word string) string {
	if word == "" {
		return ""
	}
	return p.t("dpia." + list + "." + strings.ReplaceAll(word, " ", "-"))
}

// dpiaList is one of the DPIA's answer lists in the workbook's language.
func (p *pack) dpiaList(list string, words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = p.dpiaWord(list, w)
	}
	return out
}

// dpiaRisks lists one risk per hit red flag and per dimension rated high
// or critical, with the registry's suggested likelihood and severity and
// the asks as measures.
func (p *pack) dpiaRisks(a *registry.Assessment) []dpiaRisk {
	if a.Suppressed {
		return nil
	}
	var risks []dpiaRisk
	for _, d := range a.Dimensions {
		for _, f := range d.Flags {
			title := p.flagTitle(f)
			source := p.t("dpia.flagSource", title)
			if c := p.criterion(f.Criterion); c != nil && c.RedFlag != nil && c.RedFlag.AtOrBelow < len(c.Levels) {
				lv := c.Levels[c.RedFlag.AtOrBelow]
				source = p.t("dpia.flagSourceLevel", title, c.RedFlag.AtOrBelow, lv.Label, strings.TrimSuffix(lv.Descriptor, "."))
			}
			source += p.t("dpia.flagSeverity", p.severityWord(f.Severity))
			likelihood := "possible"
			if f.Provisional {
				source += p.t("dpia.flagProvisional")
			} else if f.Share >= 0.5 {
				likelihood = "probable"
			}
			severity := "significant"
			if f.Severity == registry.SeverityCritical {
				severity = "severe"
			}
			risks = append(risks, dpiaRisk{source: source + ".", measures: p.flagAsk(f), from: p.t("dpia.fromFlag"), share: Percent(f.Share),
				likelihood: likelihood, severity: severity, overallFit: overallRisk(likelihood, severity)})
		}
	}
	for _, d := range p.r.Dimensions {
		da := dimensionOf(a, d.ID)
		if da == nil || (da.Risk != registry.RiskHigh && da.Risk != registry.RiskCritical) {
			continue
		}
		// The measures: the asks of the dimension's hit flags, then of its
		// criteria scoring in the high or critical band, lowest first.
		var asks []string
		for _, f := range da.Flags {
			asks = appendNew(asks, p.flagAsk(f))
		}
		type low struct {
			mean float64
			ask  string
		}
		var lows []low
		for _, c := range d.Criteria {
			ca := a.Criteria[p.index[c.ID]]
			if ca.Mean != nil && *ca.Mean*100/registry.MaxScore < p.r.Settings.Thresholds.Medium && c.Ask != "" {
				lows = append(lows, low{*ca.Mean, c.Ask})
			}
		}
		sort.SliceStable(lows, func(i, j int) bool { return lows[i].mean < lows[j].mean })
		for _, l := range lows {
			asks = appendNew(asks, l.ask)
		}
		likelihood, severity := "possible", "significant"
		if da.Risk == registry.RiskCritical {
			likelihood, severity = "probable", "severe"
		}
		risks = append(risks, dpiaRisk{
			source:   p.t("dpia.dimensionSource", d.Title, p.riskWord(da.Risk)),
			measures: strings.Join(asks, "\n"), from: p.t("dpia.fromDimension"), score: Score(da.Score),
			likelihood: likelihood, severity: severity, overallFit: overallRisk(likelihood, severity)})
	}
	return risks
}

// screening names the ICO's likely-high-risk indicators the product's
// record shows.
func (p *pack) screening(prod *registry.Product) []string {
	has := slices.Contains[[]string]
	var out []string
	if has(prod.UsedBy, "pupils") {
		out = append(out, p.t("screen.children"))
	}
	if len(prod.AIFeatures) > 0 {
		out = append(out, p.t("screen.ai", strings.Join(prod.AIFeatures, ", ")))
	}
	if has(prod.DataProcessed, "special-category") || has(prod.DataProcessed, "biometric") {
		out = append(out, p.t("screen.special"))
	}
	if has(prod.AIFeatures, "monitoring") || prod.Category == "monitoring" {
		out = append(out, p.t("screen.monitoring"))
	}
	if has(prod.AIFeatures, "automated-decisions") {
		out = append(out, p.t("screen.automated"))
	}
	if has(prod.DataProcessed, "staff-performance") {
		out = append(out, p.t("screen.staff"))
	}
	return out
}

func (p *pack) assessDPIA(prod *registry.Product, a *registry.Assessment) error {
	g, err := p.addGrid("DPIA", []float64{10, 50, 70, 14, 12, 12, 14, 14, 12, 14, 12, 12})
	if err != nil {
		return err
	}
	if err := g.titled(p.t("dpia.title", prod.Name)); err != nil {
		return err
	}
	if err := g.add(Wrapped(p.t("dpia.intro", p.generated()))); err != nil {
		return err
	}
	g.blank()
	if err := g.titled(p.t("dpia.steps1to4")); err != nil {
		return err
	}
	first := g.rows + 1
	if err := g.header(p.t("head.step"), p.t("head.question"), p.t("head.answer"), p.t("head.source")); err != nil {
		return err
	}
	need := p.t("dpia.need", prod.Name, prod.Vendor, prod.Category)
	if indicators := p.screening(prod); len(indicators) > 0 {
		need += p.t("dpia.needIndicators", strings.Join(indicators, "; "))
	} else {
		need += p.t("dpia.needNone")
	}
	reviews := p.t("dpia.reviews", a.Reviews, p.r.ID, p.r.Version, p.riskWord(a.Overall.Risk))
	if a.Suppressed {
		reviews = p.t("dpia.reviewsWithheld", p.filterText(a.Filter), p.fewer())
	}
	registryWord, schoolWord := p.t("dpia.fromRegistry"), p.t("dpia.fromSchool")
	blank := excelize.Cell{StyleID: p.st.wrap}
	steps := [][4]any{
		{"1", p.t("dpia.q.need"), Wrapped(need), registryWord},
		{"2", p.t("dpia.q.nature"), Wrapped(p.t("dpia.a.nature", prod.Name, prod.Vendor, prod.Website, p.textOr(prod.Hosting))), registryWord},
		{"2", p.t("dpia.q.does"), Wrapped(p.textOr(prod.Description)), registryWord},
		{"2", p.t("dpia.q.data"), p.listOr(prod.DataProcessed), registryWord},
		{"2", p.t("dpia.q.ai"), p.listOr(prod.AIFeatures), registryWord},
		{"2", p.t("dpia.q.context"), Wrapped(p.t("dpia.a.context", p.listOr(prod.UsedBy), p.ages(prod.AgeRange))), registryWord},
		{"2", p.t("dpia.q.purposes"), blank, schoolWord},
		{"3", p.t("dpia.q.educators"), Wrapped(reviews), registryWord},
		{"3", p.t("dpia.q.consultation"), blank, schoolWord},
		{"4", p.t("dpia.q.lawful"), blank, schoolWord},
		{"4", p.t("dpia.q.proportionality"), blank, schoolWord},
		{"4", p.t("dpia.q.quality"), blank, schoolWord},
		{"4", p.t("dpia.q.information"), blank, schoolWord},
		{"4", p.t("dpia.q.processor"), Wrapped(p.t("dpia.a.processor", p.textOr(prod.Hosting))), registryWord},
	}
	for _, st := range steps {
		if err := g.add(st[0], Wrapped(st[1].(string)), st[2], st[3]); err != nil {
			return err
		}
	}
	if err := g.table("DPIASteps", first, 4); err != nil {
		return err
	}
	if err := p.printTitles(g.name, first); err != nil {
		return err
	}

	g.blank()
	if err := g.titled(p.t("dpia.steps5and6")); err != nil {
		return err
	}
	if err := g.add(Wrapped(p.t("dpia.risksNote"))); err != nil {
		return err
	}
	header := g.rows + 1
	if err := g.header(p.t("head.risk"), p.t("dpia.h.source"), p.t("dpia.h.measures"), p.t("dpia.h.from"),
		p.t("head.share"), p.t("dpia.h.dimensionScore"), p.t("dpia.h.likelihood"), p.t("dpia.h.severity"),
		p.t("dpia.h.overallRisk"), p.t("dpia.h.effect"), p.t("dpia.h.residual"), p.t("dpia.h.approved")); err != nil {
		return err
	}
	risks := p.dpiaRisks(a)
	for range 5 {
		risks = append(risks, dpiaRisk{from: schoolWord})
	}
	text := func(s string) any { return excelize.Cell{StyleID: p.st.text, Value: nilIfEmpty(s)} }
	wrap := func(s string) any { return excelize.Cell{StyleID: p.st.wrap, Value: nilIfEmpty(s)} }
	for i, r := range risks {
		if err := g.add(fmt.Sprintf("R%d", i+1), wrap(r.source), wrap(r.measures), r.from, r.share, r.score,
			text(p.dpiaWord("likelihood", r.likelihood)), text(p.dpiaWord("severity", r.severity)),
			text(p.dpiaWord("risk", r.overallFit)), text(""), text(""), text("")); err != nil {
			return err
		}
	}
	last := g.rows
	if err := g.table("DPIARisks", header, 12); err != nil {
		return err
	}
	for _, dd := range []struct {
		col    int
		title  string
		values []string
	}{
		{7, p.t("dpia.h.likelihood"), p.dpiaList("likelihood", DPIALikelihood)},
		{8, p.t("dpia.h.severity"), p.dpiaList("severity", DPIASeverity)},
		{9, p.t("dpia.h.overallRisk"), p.dpiaList("risk", DPIARisk)},
		{10, p.t("dpia.h.effect"), p.dpiaList("effect", DPIAEffect)},
		{11, p.t("dpia.h.residual"), p.dpiaList("risk", DPIARisk)},
		{12, p.t("dpia.h.approved"), p.dpiaList("approved", DPIAApproved)},
	} {
		if err := p.dropDown(g.name, rangeRef(dd.col, header+1, dd.col, last), dd.title, dd.values); err != nil {
			return err
		}
	}
	if err := p.riskLights(g.name, 9, header+1, 9, last); err != nil {
		return err
	}
	if err := p.riskLights(g.name, 11, header+1, 11, last); err != nil {
		return err
	}
	return p.wordLights(g.name, 8, header+1, 8, last, map[string]string{
		p.dpiaWord("severity", "severe"): registry.RiskCritical, p.dpiaWord("severity", "significant"): registry.RiskHigh})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// decisionItems name the rows of the Decision sheet, in order: their
// labels and notes are "decision.item.<name>" and "decision.note.<name>"
// (the DPO's summary has no note).
var decisionItems = []string{"measures", "residual", "dpo", "dpoSummary", "dpoAccepted", "dpoAcceptedBy", "dpoReasons",
	"consultation", "consultationReasons", "keptUnderReview", "reviewDate", "decision", "conditions"}

func (p *pack) assessDecision() error {
	g, err := p.addGrid("Decision", []float64{48, 40, 80})
	if err != nil {
		return err
	}
	if err := g.titled(p.t("decision.title")); err != nil {
		return err
	}
	if err := g.add(Wrapped(p.t("decision.intro"))); err != nil {
		return err
	}
	g.blank()
	first := g.rows + 1
	if err := g.header(p.t("head.item"), p.t("decision.h.entry"), p.t("decision.h.notes")); err != nil {
		return err
	}
	entry := excelize.Cell{StyleID: p.st.wrap}
	rowOf := map[string]int{}
	for _, k := range decisionItems {
		value := any(entry)
		if k == "reviewDate" {
			value = excelize.Cell{StyleID: p.st.date}
		}
		note := ""
		if k != "dpoSummary" {
			note = p.t("decision.note." + k)
		}
		if err := g.add(p.t("decision.item."+k), value, Wrapped(note)); err != nil {
			return err
		}
		rowOf[k] = g.rows
	}
	if err := g.table("SignOff", first, 3); err != nil {
		return err
	}
	if err := p.printTitles(g.name, first); err != nil {
		return err
	}
	if err := p.dropDown(g.name, ref(2, rowOf["dpoAccepted"]), p.t("decision.dd.dpo"), p.dpiaList("advice", DPIADPOAdvice)); err != nil {
		return err
	}
	if err := p.dropDown(g.name, ref(2, rowOf["decision"]), p.t("decision.dd.decision"), p.dpiaList("decision", DPIADecision)); err != nil {
		return err
	}
	if err := p.wordLights(g.name, 2, rowOf["decision"], 2, rowOf["decision"], map[string]string{
		p.dpiaWord("decision", "approve"):                 registry.RiskLow,
		p.dpiaWord("decision", "approve with conditions"): registry.RiskMedium,
		p.dpiaWord("decision", "do not approve"):          registry.RiskCritical}); err != nil {
		return err
	}
	return p.dateOnly(g.name, ref(2, rowOf["reviewDate"]), p.t("decision.item.reviewDate"), p.info.Generated)
}
