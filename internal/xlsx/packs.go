package xlsx

// Pieces shared by the comparison pack and the school's assessment: the
// traffic-light formats, the words for risks, filters and withheld groups,
// column widths that fit, and small sheets written cell by cell.

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// MaxComments is the number of a product's most recent public entries a
// workbook's Comments sheet holds.
const MaxComments = 200

// Comments are one product's public entries for a Comments sheet: the
// public listing's entries, made by registry.PublicEntry, most recent
// first.
type Comments struct {
	ProductID string
	Name      string
	// Entries are the most recent public entries, at most MaxComments.
	Entries []registry.PublicReview
	// More is true when the listing holds older entries than Entries.
	More bool
}

// Fixed2 is a number shown to two decimal places (a 0–4 mean, a standard
// deviation, an agreement); nil is an empty cell.
type Fixed2 *float64

// pack is a workbook of the registry's assessments: a book with the
// rubric, the anonymity threshold and the traffic-light formats.
type pack struct {
	*book
	r         *registry.Rubric
	criteria  []registry.Criterion // r.Criteria()
	index     map[string]int       // r.CriterionIndex()
	threshold int
	info      Info
	fixed2    int // 0.00
	// Conditional formats by risk level, and a neutral one.
	light map[string]int
	note  int // the conditional format of a contested mark
}

// Traffic-light colours by risk level: fill and font.
var lightColours = map[string][2]string{
	registry.RiskLow:          {"C6EFCE", "006100"},
	registry.RiskMedium:       {"FFEB9C", "7F6000"},
	registry.RiskHigh:         {"F8CBAD", "833C0B"},
	registry.RiskCritical:     {"FFC7CE", "9C0006"},
	registry.RiskInsufficient: {"EDEDED", "404040"},
}

// riskOrder lists the risk levels in the order their rules are written.
var riskOrder = []string{registry.RiskLow, registry.RiskMedium, registry.RiskHigh, registry.RiskCritical, registry.RiskInsufficient}

func newPack(title, subject string, info Info, r *registry.Rubric, threshold int) (*pack, error) {
	b, err := newBook(title, subject, info)
	if err != nil {
		return nil, err
	}
	p := &pack{book: b, r: r, criteria: r.Criteria(), index: r.CriterionIndex(), threshold: threshold, info: info, light: map[string]int{}}
	two := "0.00"
	if p.fixed2, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &two, Alignment: &excelize.Alignment{Vertical: "top"}}); err != nil {
		return nil, err
	}
	for _, risk := range riskOrder {
		c := lightColours[risk]
		id, err := b.f.NewConditionalStyle(&excelize.Style{
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c[0]}},
			Font: &excelize.Font{Color: c[1]},
		})
		if err != nil {
			return nil, err
		}
		p.light[risk] = id
	}
	p.note = p.light[registry.RiskMedium]
	return p, nil
}

// value converts pack-specific values (Fixed2) and leaves the rest to the
// book's cells.
func (p *pack) value(v any) any {
	if v, ok := v.(Fixed2); ok {
		if v == nil {
			return nil
		}
		return excelize.Cell{StyleID: p.fixed2, Value: *v}
	}
	return v
}

// row converts a row's values with value.
func (p *pack) row(values []any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = p.value(v)
	}
	return out
}

// fewer is what a withheld group shows instead of numbers.
func (p *pack) fewer() string { return p.t("pack.fewer", p.threshold) }

// riskWord is a risk as a word in the workbook's language; a grade that
// was not given is "insufficient", as in the JSON API.
func (p *pack) riskWord(risk string) string { return p.lang.riskWord(risk) }

// riskWord is a risk as a word in l.
func (l Lang) riskWord(risk string) string {
	if risk == "" {
		risk = registry.RiskInsufficient
	}
	return l.t("risk." + risk)
}

// severityWord is a red flag's severity as a word.
func (p *pack) severityWord(severity string) string { return p.t("severity." + severity) }

// filterText describes an assessment filter in words; the group's code is
// the API's.
func (p *pack) filterText(f registry.AssessmentFilter) string {
	switch {
	case f.Role != "":
		return p.t("filter.role", f.Role)
	case f.Phase != "":
		return p.t("filter.phase", f.Phase)
	case f.Nation != "":
		return p.t("filter.nation", f.Nation)
	}
	return p.t("filter.none")
}

// dimensionTitle is the rubric's title of a dimension, or fallback (the
// assessment's) when the rubric has no such dimension.
func (p *pack) dimensionTitle(id, fallback string) string {
	for _, d := range p.r.Dimensions {
		if d.ID == id {
			return d.Title
		}
	}
	return fallback
}

// criterion returns the rubric's criterion of an id, from which a
// workbook takes its title and ask (in the rubric's language), or nil.
func (p *pack) criterion(id string) *registry.Criterion {
	if i, ok := p.index[id]; ok {
		return &p.criteria[i]
	}
	return nil
}

// flagTitle and flagAsk are a red flag's criterion title and ask in the
// rubric's language (the assessment's when the rubric lacks it).
func (p *pack) flagTitle(f registry.Flag) string {
	if c := p.criterion(f.Criterion); c != nil {
		return c.Title
	}
	return f.Title
}

func (p *pack) flagAsk(f registry.Flag) string {
	if c := p.criterion(f.Criterion); c != nil {
		return c.Ask
	}
	return f.Ask
}

// rangeRef is the reference of a block of cells ("B2:B21").
func rangeRef(col1, row1, col2, row2 int) string {
	return ref(col1, row1) + ":" + ref(col2, row2)
}

// scoreLights colours the numbers of a range by the risk their score
// earns on the rubric's thresholds; scale turns a cell into a 0–100 score
// (1 for scores, 25 for 0–4 means). Empty and text cells stay plain.
func (p *pack) scoreLights(sheet string, col1, row1, col2, row2 int, scale float64) error {
	if row2 < row1 {
		return nil
	}
	t := p.r.Settings.Thresholds
	c := ref(col1, row1)
	bounds := []struct {
		risk string
		cond string
	}{
		{registry.RiskLow, fmt.Sprintf("%s>=%g", c, t.Low/scale)},
		{registry.RiskMedium, fmt.Sprintf("%s>=%g", c, t.Medium/scale)},
		{registry.RiskHigh, fmt.Sprintf("%s>=%g", c, t.High/scale)},
		{registry.RiskCritical, fmt.Sprintf("%s<%g", c, t.High/scale)},
	}
	var rules []excelize.ConditionalFormatOptions
	for _, b := range bounds {
		format := p.light[b.risk]
		rules = append(rules, excelize.ConditionalFormatOptions{Type: "formula", Format: &format, StopIfTrue: true,
			Criteria: fmt.Sprintf("AND(ISNUMBER(%s),%s)", c, b.cond)})
	}
	return p.f.SetConditionalFormat(sheet, rangeRef(col1, row1, col2, row2), rules)
}

// riskLights colours risk words by their level.
func (p *pack) riskLights(sheet string, col1, row1, col2, row2 int) error {
	if row2 < row1 {
		return nil
	}
	var rules []excelize.ConditionalFormatOptions
	for _, risk := range riskOrder {
		format := p.light[risk]
		rules = append(rules, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Format: &format,
			Value: `"` + p.riskWord(risk) + `"`})
	}
	return p.f.SetConditionalFormat(sheet, rangeRef(col1, row1, col2, row2), rules)
}

// wordLights colours cells equal to a word with a risk level's colours.
func (p *pack) wordLights(sheet string, col1, row1, col2, row2 int, words map[string]string) error {
	if row2 < row1 {
		return nil
	}
	sorted := make([]string, 0, len(words))
	for word := range words {
		sorted = append(sorted, word)
	}
	sort.Strings(sorted)
	var rules []excelize.ConditionalFormatOptions
	for _, risk := range riskOrder {
		for _, word := range sorted {
			if words[word] != risk {
				continue
			}
			format := p.light[risk]
			rules = append(rules, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==", Format: &format,
				Value: `"` + word + `"`})
		}
	}
	return p.f.SetConditionalFormat(sheet, rangeRef(col1, row1, col2, row2), rules)
}

// containsLights colours cells whose text contains a phrase.
func (p *pack) containsLights(sheet string, col1, row1, col2, row2 int, phrase, risk string) error {
	if row2 < row1 {
		return nil
	}
	format := p.light[risk]
	return p.f.SetConditionalFormat(sheet, rangeRef(col1, row1, col2, row2), []excelize.ConditionalFormatOptions{{
		Type: "formula", Format: &format,
		Criteria: fmt.Sprintf(`ISNUMBER(SEARCH("%s",%s))`, phrase, ref(col1, row1)),
	}})
}

// positiveLights colours numbers above zero (red flags hit).
func (p *pack) positiveLights(sheet string, col, row1, row2 int) error {
	if row2 < row1 {
		return nil
	}
	c := ref(col, row1)
	format := p.light[registry.RiskCritical]
	return p.f.SetConditionalFormat(sheet, rangeRef(col, row1, col, row2), []excelize.ConditionalFormatOptions{{
		Type: "formula", Format: &format, Criteria: fmt.Sprintf("AND(ISNUMBER(%s),%s>0)", c, c),
	}})
}

// printTitles repeats a sheet's header row on every printed page.
func (p *pack) printTitles(sheet string, row int) error {
	return p.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, row, row)})
}

// dropDown adds a drop-down list of exactly the given values to a range.
func (p *pack) dropDown(sheet, sqref, title string, values []string) error {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = sqref
	if err := dv.SetDropList(values); err != nil {
		return err
	}
	setError(dv, title, p.t("pack.chooseOneOf", strings.Join(values, ", ")))
	setInput(dv, title, p.t("pack.chooseOneOf", strings.Join(values, ", ")))
	return p.f.AddDataValidation(sheet, dv)
}

// dateOnly adds a date validation (on or after from) to a range.
func (p *pack) dateOnly(sheet, sqref, title string, from time.Time) error {
	dv := excelize.NewDataValidation(true)
	dv.Sqref = sqref
	if err := dv.SetRange(excelSerial(from), excelSerial(time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)),
		excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween); err != nil {
		return err
	}
	msg := p.t("pack.enterDate", from.Format("2006-01-02"))
	setError(dv, title, msg)
	setInput(dv, title, msg)
	return p.f.AddDataValidation(sheet, dv)
}

// excelSerial is a calendar day as a spreadsheet date number (days since
// 1899-12-30).
func excelSerial(t time.Time) int {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int(day.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// generated is the workbook's time of making in words.
func (p *pack) generated() string {
	return p.info.Generated.UTC().Format("2006-01-02 15:04 UTC")
}

// fit returns column widths (in characters) that fit a header and rows,
// each between 8 and maxWidth. Header words wrap, so a header needs only
// its longest word.
func fit(header []string, rows [][]any, maxWidth float64) []float64 {
	widths := make([]float64, len(header))
	for i, h := range header {
		for _, w := range strings.Fields(h) {
			widths[i] = max(widths[i], float64(utf8.RuneCountInString(w)))
		}
	}
	for _, row := range rows {
		for i, v := range row {
			if i < len(widths) {
				widths[i] = max(widths[i], textWidth(v))
			}
		}
	}
	for i := range widths {
		widths[i] = min(max(widths[i]+2, 8), maxWidth)
	}
	return widths
}

// textWidth is the width a value needs, in characters.
func textWidth(v any) float64 {
	switch v := v.(type) {
	case string:
		return longestLine(v)
	case Wrapped:
		return min(longestLine(string(v)), 60)
	case excelize.Cell:
		return textWidth(v.Value)
	case int:
		return float64(len(fmt.Sprint(v)))
	case Date:
		return 10
	case nil:
		return 0
	}
	return 6 // a number shown rounded
}

func longestLine(s string) float64 {
	n, line := 0, 0
	for _, r := range s {
		if r == '\n' {
			line = 0
			continue
		}
		line++
		n = max(n, line)
	}
	return float64(n)
}

// addStreamed starts a streamed sheet like addSheet, setting the widths
// of runs of equal columns at once: excelize copies every column already
// set on each call, so a wide sheet set column by column costs the square
// of its width. Runs are set last to first, which leaves them in
// ascending order.
func (p *pack) addStreamed(name string, widths []float64, freeze bool) (*sheet, error) {
	s, err := p.addSheet(name, nil, freeze)
	if err != nil {
		return nil, err
	}
	for end := len(widths); end > 0; {
		start := end - 1
		for start > 0 && widths[start-1] == widths[end-1] {
			start--
		}
		if err := s.sw.SetColWidth(start+1, end, widths[end-1]); err != nil {
			return nil, err
		}
		end = start
	}
	return s, nil
}

// addRows writes a streamed sheet of one table: the header, frozen, then
// the rows (converted with value), with the given column widths. The
// caller adds conditional formats, declares the table and flushes.
func (p *pack) addRows(name string, widths []float64, header []string, rows [][]any) (*sheet, error) {
	s, err := p.addStreamed(name, widths, true)
	if err != nil {
		return nil, err
	}
	if err := s.header(header...); err != nil {
		return nil, err
	}
	for _, row := range rows {
		if err := s.add(p.row(row)...); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// joinNames lists names in words.
func joinNames(names []string) string { return strings.Join(names, "; ") }

// gridSheet is a sheet of bounded size written cell by cell with the
// normal API: the sheets a person reads top to bottom or fills in, which
// hold several tables (the StreamWriter allows one table per sheet).
type gridSheet struct {
	p    *pack
	name string
	rows int // rows written
}

// addGrid starts a grid sheet with the given column widths.
func (p *pack) addGrid(name string, widths []float64) (*gridSheet, error) {
	if p.sheets == 0 {
		if err := p.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := p.f.NewSheet(name); err != nil {
		return nil, err
	}
	p.sheets++
	for i, w := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return nil, err
		}
		if err := p.f.SetColWidth(name, col, col, w); err != nil {
			return nil, err
		}
	}
	return &gridSheet{p: p, name: name}, nil
}

// add writes the next row; values are converted as in sheet.add.
func (g *gridSheet) add(values ...any) error {
	g.rows++
	conv := &sheet{b: g.p.book}
	for i, v := range g.p.row(values) {
		cell, ok := conv.cell(v).(excelize.Cell)
		if !ok {
			continue
		}
		r := ref(i+1, g.rows)
		if cell.Value != nil {
			var err error
			if s, isText := cell.Value.(string); isText {
				err = g.p.f.SetCellStr(g.name, r, s)
			} else {
				err = g.p.f.SetCellValue(g.name, r, cell.Value)
			}
			if err != nil {
				return err
			}
		}
		if err := g.p.f.SetCellStyle(g.name, r, r, cell.StyleID); err != nil {
			return err
		}
	}
	return nil
}

// header writes a header row.
func (g *gridSheet) header(names ...string) error {
	values := make([]any, len(names))
	for i, n := range names {
		values[i] = excelize.Cell{StyleID: g.p.st.header, Value: n}
	}
	return g.add(values...)
}

// titled writes a title line.
func (g *gridSheet) titled(title string) error {
	return g.add(excelize.Cell{StyleID: g.p.st.title, Value: title})
}

// blank skips a row.
func (g *gridSheet) blank() { g.rows++ }

// table declares rows first (the header) to the last written a table of
// cols columns.
func (g *gridSheet) table(name string, first, cols int) error {
	last := max(g.rows, first+1)
	return g.p.f.AddTable(g.name, &excelize.Table{Range: rangeRef(1, first, cols, last), Name: name,
		StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(true)})
}
