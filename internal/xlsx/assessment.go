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

// The DPIA's answer lists, in the ICO template's words.
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
	p, err := newPack("Assessment of "+prod.Name, "Educators' assessment of "+prod.Name+
		" for a data protection impact assessment, from the Educator AI Edtech registry", pack.Info, pack.Rubric, pack.Threshold)
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
			return p.writeMethod(methodFacts{workbook: "Assessment of one product, DPIA-ready", products: prod.ID, filter: a.Filter})
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
func listOr(values []string) string {
	if len(values) == 0 {
		return "not recorded"
	}
	return strings.Join(values, ", ")
}

// ages describes a product's pupils' age range.
func ages(r *registry.AgeRange) string {
	if r == nil {
		return "not recorded"
	}
	return fmt.Sprintf("%d to %d", r.Min, r.Max)
}

func textOr(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

func (p *pack) assessOverview(prod *registry.Product, a *registry.Assessment) error {
	g, err := p.addGrid("Overview", []float64{26, 50, 12, 12, 12, 12})
	if err != nil {
		return err
	}
	if err := g.titled("Assessment of " + prod.Name); err != nil {
		return err
	}
	if err := g.add(Wrapped(fmt.Sprintf("What educators who use it say, from their reviews published in the Educator "+
		"AI Edtech registry as of the product's last release; generated %s. The DPIA sheet follows the ICO's steps "+
		"1 to 6 and the Decision sheet is step 7.", p.generated()))); err != nil {
		return err
	}
	g.blank()
	first := g.rows + 1
	if err := g.header("Item", "Value"); err != nil {
		return err
	}
	var reviews, overallRisk, flagsHit any = a.Reviews, riskWord(a.Overall.Risk), nil
	if a.Suppressed {
		reviews, overallRisk = p.fewer(), nil
	} else {
		flags, _ := flagsOf(a)
		flagsHit = len(flags)
	}
	facts := [][2]any{
		{"Product", prod.Name},
		{"Product id", prod.ID},
		{"Vendor", prod.Vendor},
		{"Website", prod.Website},
		{"Category", prod.Category},
		{"Description", Wrapped(prod.Description)},
		{"AI features", listOr(prod.AIFeatures)},
		{"Used by", listOr(prod.UsedBy)},
		{"Pupils' ages", ages(prod.AgeRange)},
		{"Data processed", listOr(prod.DataProcessed)},
		{"Hosting", textOr(prod.Hosting)},
		{"Rubric", fmt.Sprintf("%s, version %d", p.r.ID, p.r.Version)},
		{"Filter", filterText(a.Filter)},
		{"Reviews", reviews},
		{"Overall risk", overallRisk},
		{"Overall score (for ranking)", Score(a.Overall.Score)},
		{"Red flags hit", flagsHit},
	}
	riskRow := 0
	for _, f := range facts {
		if err := g.add(f[0], f[1]); err != nil {
			return err
		}
		if f[0] == "Overall risk" {
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
	if err := g.titled("Dimensions"); err != nil {
		return err
	}
	dimHeader := g.rows + 1
	if err := g.header("Dimension", "Score", "Risk", "Agreement", "Contested", "Red flags hit"); err != nil {
		return err
	}
	var alt []string
	for _, d := range p.r.Dimensions {
		da := dimensionOf(a, d.ID)
		if a.Suppressed || da == nil {
			if err := g.add(d.Title); err != nil {
				return err
			}
			alt = append(alt, d.Title+" no score")
			continue
		}
		var contested any
		if da.Agreement != nil {
			contested = da.Contested
		}
		if err := g.add(d.Title, Score(da.Score), riskWord(da.Risk), Fixed2(da.Agreement), contested, len(da.Flags)); err != nil {
			return err
		}
		if da.Score != nil {
			alt = append(alt, fmt.Sprintf("%s %.1f", d.Title, *da.Score))
		} else {
			alt = append(alt, d.Title+" no score")
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
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Dimension scores (0 to 100)"}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		XAxis:     excelize.ChartAxis{ReverseOrder: true},
		YAxis:     excelize.ChartAxis{Minimum: &lo, Maximum: &hi, MajorUnit: 25, MajorGridLines: true},
		Dimension: excelize.ChartDimension{Width: 600, Height: 360},
		Format: excelize.GraphicOptions{
			Name: "Dimension scores",
			AltText: fmt.Sprintf("Bar chart of the dimension scores (0 to 100): %s. The same figures are in the "+
				"Dimensions table on this sheet, cells %s.", strings.Join(alt, "; "), rangeRef(1, dimHeader, 6, last)),
		},
	})
}

// redFlagRule describes a criterion's red flag in words.
func redFlagRule(c registry.Criterion) string {
	if c.RedFlag == nil {
		return ""
	}
	return fmt.Sprintf("at or below %d (%s)", c.RedFlag.AtOrBelow, c.RedFlag.Severity)
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
	header := []string{"Dimension", "Criterion id", "Criterion", "Question", "Level 0", "Level 1", "Level 2", "Level 3",
		"Level 4", "Answers that count", "Mean", "Standard deviation", "Answers at 0", "Answers at 1", "Answers at 2",
		"Answers at 3", "Answers at 4", "Don't know", "Not applicable", "Agreement", "Contested", "Red flag",
		"Red-flag answers", "Red flag hit", "Ask"}
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
				row = append(row, p.fewer(), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, redFlagRule(c), nil, nil)
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
				row = append(row, redFlagRule(c))
				if c.RedFlag != nil {
					hit := "no"
					if ca.Flagged {
						hit = "yes"
						if provisionalFlag(a, c.ID) {
							hit = "yes (provisional)"
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
	if err := p.wordLights(s.name, 21, 2, 21, last, map[string]string{"yes": registry.RiskMedium}); err != nil {
		return err
	}
	if err := p.containsLights(s.name, 24, 2, 24, last, "yes", registry.RiskCritical); err != nil {
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

// dpiaRisk is one row of the DPIA's risk table.
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

// dpiaRisks lists one risk per hit red flag and per dimension rated high
// or critical, with the registry's suggested likelihood and severity and
// the asks as measures.
func (p *pack) dpiaRisks(a *registry.Assessment) []dpiaRisk {
	if a.Suppressed {
		return nil
	}
	criteria := map[string]registry.Criterion{}
	for _, c := range p.r.Criteria() {
		criteria[c.ID] = c
	}
	var risks []dpiaRisk
	for _, d := range a.Dimensions {
		for _, f := range d.Flags {
			source := f.Title + ": reviewers answered at or below the red-flag level"
			if c := criteria[f.Criterion]; c.RedFlag != nil && c.RedFlag.AtOrBelow < len(c.Levels) {
				lv := c.Levels[c.RedFlag.AtOrBelow]
				source = fmt.Sprintf("%s: reviewers answered at or below level %d (%s: %s)", f.Title, c.RedFlag.AtOrBelow,
					lv.Label, strings.TrimSuffix(lv.Descriptor, "."))
			}
			source += fmt.Sprintf(". One of the rubric's red flags, severity %s", f.Severity)
			likelihood := "possible"
			if f.Provisional {
				source += ", provisional: fewer reviews than the rubric's minimum for a grade"
			} else if f.Share >= 0.5 {
				likelihood = "probable"
			}
			severity := "significant"
			if f.Severity == registry.SeverityCritical {
				severity = "severe"
			}
			risks = append(risks, dpiaRisk{source: source + ".", measures: f.Ask, from: "red flag", share: Percent(f.Share),
				likelihood: likelihood, severity: severity, overallFit: overallRisk(likelihood, severity)})
		}
	}
	idx := p.r.CriterionIndex()
	for _, d := range p.r.Dimensions {
		da := dimensionOf(a, d.ID)
		if da == nil || (da.Risk != registry.RiskHigh && da.Risk != registry.RiskCritical) {
			continue
		}
		// The measures: the asks of the dimension's hit flags, then of its
		// criteria scoring in the high or critical band, lowest first.
		var asks []string
		for _, f := range da.Flags {
			asks = appendNew(asks, f.Ask)
		}
		type low struct {
			mean float64
			ask  string
		}
		var lows []low
		for _, c := range d.Criteria {
			ca := a.Criteria[idx[c.ID]]
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
			source:   fmt.Sprintf("%s: rated %s risk from the educators' reviews.", d.Title, da.Risk),
			measures: strings.Join(asks, "\n"), from: "dimension", score: Score(da.Score),
			likelihood: likelihood, severity: severity, overallFit: overallRisk(likelihood, severity)})
	}
	return risks
}

// screening names the ICO's likely-high-risk indicators the product's
// record shows.
func screening(prod *registry.Product) []string {
	has := slices.Contains[[]string]
	var out []string
	if has(prod.UsedBy, "pupils") {
		out = append(out, "it processes children's personal data (pupils use it)")
	}
	if len(prod.AIFeatures) > 0 {
		out = append(out, "it uses innovative technology (AI: "+strings.Join(prod.AIFeatures, ", ")+")")
	}
	if has(prod.DataProcessed, "special-category") || has(prod.DataProcessed, "biometric") {
		out = append(out, "it processes special category or biometric data")
	}
	if has(prod.AIFeatures, "monitoring") || prod.Category == "monitoring" {
		out = append(out, "it monitors people systematically")
	}
	if has(prod.AIFeatures, "automated-decisions") {
		out = append(out, "it makes automated decisions about people")
	}
	if has(prod.DataProcessed, "staff-performance") {
		out = append(out, "it processes data on staff performance")
	}
	return out
}

// Sources of a DPIA answer.
const (
	fromRegistry = "registry"
	fromSchool   = "school"
)

func (p *pack) assessDPIA(prod *registry.Product, a *registry.Assessment) error {
	g, err := p.addGrid("DPIA", []float64{10, 50, 70, 14, 12, 12, 14, 14, 12, 14, 12, 12})
	if err != nil {
		return err
	}
	if err := g.titled("Data protection impact assessment: " + prod.Name); err != nil {
		return err
	}
	if err := g.add(Wrapped(fmt.Sprintf("Prepared from the Educator AI Edtech registry on %s in the ICO's seven steps. "+
		"Answers marked \"registry\" come from the registry's record and reviews: check them. The school completes "+
		"the rest. Step 7, the sign-off, is on the Decision sheet.", p.generated()))); err != nil {
		return err
	}
	g.blank()
	if err := g.titled("Steps 1 to 4: the need, the processing, consultation, necessity and proportionality"); err != nil {
		return err
	}
	first := g.rows + 1
	if err := g.header("Step", "Question", "Answer", "Source"); err != nil {
		return err
	}
	need := fmt.Sprintf("%s, from %s, is a %s product.", prod.Name, prod.Vendor, prod.Category)
	if indicators := screening(prod); len(indicators) > 0 {
		need += " The registry's record shows the ICO's indicators of likely high-risk processing: " +
			strings.Join(indicators, "; ") + "."
	} else {
		need += " The registry's record shows none of the ICO's indicators of likely high-risk processing; the school " +
			"decides whether a DPIA is needed."
	}
	reviews := fmt.Sprintf("%d reviews published in the registry under rubric %s, version %d; overall risk %s. "+
		"See the Overview, Criteria and Comments sheets.", a.Reviews, p.r.ID, p.r.Version, riskWord(a.Overall.Risk))
	if a.Suppressed {
		reviews = fmt.Sprintf("The selected group (%s) has %s in the registry: its figures are withheld.", filterText(a.Filter), p.fewer())
	}
	blank := excelize.Cell{StyleID: p.st.wrap}
	steps := [][4]any{
		{"1", "The need for a DPIA: what the processing aims to achieve, and why a DPIA is needed", Wrapped(need), fromRegistry},
		{"2", "Nature: the product, its vendor (the processor) and where the data are held", Wrapped(fmt.Sprintf(
			"Product: %s. Vendor: %s. Website: %s. Hosting: %s.", prod.Name, prod.Vendor, prod.Website, textOr(prod.Hosting))), fromRegistry},
		{"2", "Nature: what the product does (the registry's description)", Wrapped(textOr(prod.Description)), fromRegistry},
		{"2", "Scope: the personal data processed", listOr(prod.DataProcessed), fromRegistry},
		{"2", "Scope: the AI features", listOr(prod.AIFeatures), fromRegistry},
		{"2", "Context: who uses the product and whose data it processes", Wrapped(fmt.Sprintf("Used by: %s. Pupils' ages: %s.",
			listOr(prod.UsedBy), ages(prod.AgeRange))), fromRegistry},
		{"2", "Purposes: what the school wants to achieve, and the benefits", blank, fromSchool},
		{"3", "Consultation: the views of educators who use the product", Wrapped(reviews), fromRegistry},
		{"3", "Consultation: staff and their unions, the DPO, pupils and parents, the vendor, security experts", blank, fromSchool},
		{"4", "Necessity: the lawful basis for the processing", blank, fromSchool},
		{"4", "Proportionality: does the processing achieve the purpose, and is there another way?", blank, fromSchool},
		{"4", "Data quality and minimisation; preventing function creep; retention", blank, fromSchool},
		{"4", "Information for pupils, parents and staff, and how their rights are supported", blank, fromSchool},
		{"4", "How the processor's compliance is assured; international transfers", Wrapped("Hosting: " + textOr(prod.Hosting) +
			". Confirm with the vendor's terms and data processing agreement."), fromRegistry},
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
	if err := g.titled("Steps 5 and 6: the risks, and the measures to reduce them"); err != nil {
		return err
	}
	if err := g.add(Wrapped("One row per red flag the reviewers hit and per dimension rated high or critical. Likelihood, " +
		"severity and overall risk are the registry's suggestions: confirm or change each from its list. The measures " +
		"are the rubric's asks. Add the school's own risks in the empty rows.")); err != nil {
		return err
	}
	header := g.rows + 1
	if err := g.header("Risk", "Source of risk and potential impact on individuals", "Measures to reduce or eliminate the risk",
		"From", "Share of reviewers", "Dimension score", "Likelihood of harm", "Severity of harm", "Overall risk",
		"Effect on risk", "Residual risk", "Measure approved"); err != nil {
		return err
	}
	risks := p.dpiaRisks(a)
	for range 5 {
		risks = append(risks, dpiaRisk{from: fromSchool})
	}
	text := func(s string) any { return excelize.Cell{StyleID: p.st.text, Value: nilIfEmpty(s)} }
	wrap := func(s string) any { return excelize.Cell{StyleID: p.st.wrap, Value: nilIfEmpty(s)} }
	for i, r := range risks {
		if err := g.add(fmt.Sprintf("R%d", i+1), wrap(r.source), wrap(r.measures), r.from, r.share, r.score,
			text(r.likelihood), text(r.severity), text(r.overallFit), text(""), text(""), text("")); err != nil {
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
		{7, "Likelihood of harm", DPIALikelihood}, {8, "Severity of harm", DPIASeverity}, {9, "Overall risk", DPIARisk},
		{10, "Effect on risk", DPIAEffect}, {11, "Residual risk", DPIARisk}, {12, "Measure approved", DPIAApproved},
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
	return p.wordLights(g.name, 8, header+1, 8, last, map[string]string{"severe": registry.RiskCritical, "significant": registry.RiskHigh})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (p *pack) assessDecision() error {
	g, err := p.addGrid("Decision", []float64{48, 40, 80})
	if err != nil {
		return err
	}
	if err := g.titled("Step 7: sign off and record the outcome"); err != nil {
		return err
	}
	if err := g.add(Wrapped("Record who approved the measures and the residual risks, the DPO's advice and the " +
		"consultation with staff and their unions, and the decision.")); err != nil {
		return err
	}
	g.blank()
	first := g.rows + 1
	if err := g.header("Item", "Entry", "Notes"); err != nil {
		return err
	}
	entry := excelize.Cell{StyleID: p.st.wrap}
	rows := [][3]any{
		{"Measures approved by", entry, "Name and position. Put the actions into the project plan, with dates and who is responsible."},
		{"Residual risks approved by", entry, "Name and position. If you accept any residual high risk, consult the ICO before going ahead."},
		{"DPO advice provided by", entry, "The DPO advises on compliance, the measures in step 6 and whether the processing can go ahead."},
		{"Summary of the DPO's advice", entry, ""},
		{"DPO advice accepted or overruled", entry, "Choose accepted or overruled."},
		{"DPO advice accepted or overruled by", entry, "Name and position."},
		{"Reasons, if the DPO's advice was overruled", entry, "If you overrule the DPO's advice, explain your reasons."},
		{"Consultation with staff and their unions reviewed by", entry, "Name and position."},
		{"Reasons, if the decision departs from the consultation", entry, "If your decision departs from the views of staff and their unions, explain why."},
		{"This DPIA will be kept under review by", entry, "The DPO should also review ongoing compliance with the DPIA."},
		{"Review date", excelize.Cell{StyleID: p.st.date}, "The date of the next review, as yyyy-mm-dd."},
		{"Decision", entry, "Choose approve, approve with conditions or do not approve."},
		{"Conditions", entry, "If approved with conditions: the conditions, for example the measures that must be in place first."},
	}
	rowOf := map[string]int{}
	for _, r := range rows {
		if err := g.add(r[0], r[1], Wrapped(r[2].(string))); err != nil {
			return err
		}
		rowOf[r[0].(string)] = g.rows
	}
	if err := g.table("SignOff", first, 3); err != nil {
		return err
	}
	if err := p.printTitles(g.name, first); err != nil {
		return err
	}
	if err := p.dropDown(g.name, ref(2, rowOf["DPO advice accepted or overruled"]), "DPO advice", DPIADPOAdvice); err != nil {
		return err
	}
	if err := p.dropDown(g.name, ref(2, rowOf["Decision"]), "Decision", DPIADecision); err != nil {
		return err
	}
	if err := p.wordLights(g.name, 2, rowOf["Decision"], 2, rowOf["Decision"], map[string]string{
		"approve": registry.RiskLow, "approve with conditions": registry.RiskMedium, "do not approve": registry.RiskCritical}); err != nil {
		return err
	}
	return p.dateOnly(g.name, ref(2, rowOf["Review date"]), "Review date", p.info.Generated)
}
