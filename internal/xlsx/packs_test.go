package xlsx

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// sameNumber reports whether a stored cell holds want: spreadsheets keep
// 15 significant digits, so the comparison is to that precision.
func sameNumber(cell string, want float64) bool {
	got, err := strconv.ParseFloat(cell, 64)
	return err == nil && math.Abs(got-want) <= 1e-13*math.Max(1, math.Abs(want))
}

// cellAt returns row r, column c (0-based) of rows, "" beyond the end.
func cellAt(rows [][]string, r, c int) string {
	if r >= len(rows) || c >= len(rows[r]) {
		return ""
	}
	return rows[r][c]
}

// expectNumber checks a numeric cell against a value, or an empty cell
// against nil.
func expectNumber(t *testing.T, where, cell string, want *float64) {
	t.Helper()
	switch {
	case want == nil && cell != "":
		t.Errorf("%s = %q, want empty", where, cell)
	case want != nil && !sameNumber(cell, *want):
		t.Errorf("%s = %q, want %v", where, cell, *want)
	}
}

func writeComparison(t *testing.T, pack ComparisonPack) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteComparison(&buf, pack); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeAssessment(t *testing.T, pack AssessmentPack) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteAssessment(&buf, pack); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestComparisonPack(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	pack := fx.comparison(registry.AssessmentFilter{})
	cmp := pack.Comparison
	data := writeComparison(t, pack)
	wb := xlsxtest.Read(t, data)

	t.Run("SheetsAndProperties", func(t *testing.T) {
		if got := wb.Sheets(); !slices.Equal(got, ComparisonSheets) {
			t.Errorf("sheets = %q, want %q", got, ComparisonSheets)
		}
		p := wb.Properties(t)
		if p.Title != "Comparison of AI Edtech products" || p.Creator != "Educator AI Edtech registry test" ||
			p.Created != "2026-12-01T09:30:00Z" || !strings.Contains(p.Subject, "3 products") {
			t.Errorf("properties = %+v", p)
		}
	})
	t.Run("TextStaysText", func(t *testing.T) {
		wb.CheckText(t)
		// Every payload is somewhere, as written.
		for _, text := range injections {
			found := false
			for _, sheet := range []string{"Summary", "Comments"} {
				for _, row := range wb.Rows(t, sheet) {
					found = found || slices.Contains(row, text)
				}
			}
			if !found {
				t.Errorf("%q is not kept as written", text)
			}
		}
	})
	t.Run("Summary", func(t *testing.T) {
		rows := wb.Rows(t, "Summary")
		want := []string{"Product", "Vendor", "Reviews", "Overall risk", "Overall score", "Pedagogy score", "Pedagogy risk"}
		if !slices.Equal(rows[0][:len(want)], want) || rows[0][len(rows[0])-2] != "Red flags hit" || rows[0][len(rows[0])-1] != "Product id" {
			t.Errorf("header = %q", rows[0])
		}
		if len(rows) != len(cmp.Products)+1 {
			t.Fatalf("%d rows, want a header and %d products", len(rows), len(cmp.Products))
		}
		for i, cp := range cmp.Products {
			row, a := rows[i+1], cp.Assessment
			if row[0] != cp.Name || row[1] != cp.Vendor || row[len(row)-1] != cp.ProductID {
				t.Errorf("row %d = %q", i+2, row)
			}
			if row[2] != strconv.Itoa(a.Reviews) || row[3] != English.riskWord(a.Overall.Risk) {
				t.Errorf("%s: reviews %q, risk %q; want %d, %s", cp.ProductID, row[2], row[3], a.Reviews, a.Overall.Risk)
			}
			expectNumber(t, cp.ProductID+" overall score", row[4], a.Overall.Score)
			for j, d := range a.Dimensions {
				expectNumber(t, cp.ProductID+" "+d.ID+" score", cellAt(rows, i+1, 5+2*j), d.Score)
				if got := cellAt(rows, i+1, 6+2*j); got != English.riskWord(d.Risk) {
					t.Errorf("%s %s risk = %q, want %q", cp.ProductID, d.ID, got, English.riskWord(d.Risk))
				}
			}
			flags, _ := flagsOf(a)
			if got := cellAt(rows, i+1, 5+2*len(a.Dimensions)); got != strconv.Itoa(len(flags)) {
				t.Errorf("%s red flags = %q, want %d", cp.ProductID, got, len(flags))
			}
		}
		if !wb.Frozen(t, "Summary") {
			t.Error("the Summary header is not frozen")
		}
		if got := wb.Tables(t, "Summary"); len(got) != 1 || !strings.HasPrefix(got[0], "A1:") {
			t.Errorf("tables = %q", got)
		}
		if got := wb.Shown(t, "Summary", "E2"); got != fmt.Sprintf("%.1f", *cmp.Products[0].Assessment.Overall.Score) {
			t.Errorf("E2 shows %q, want one decimal", got)
		}
	})
	t.Run("ConditionalFormats", func(t *testing.T) {
		cf := wb.ConditionalFormats(t, "Summary")
		for _, rng := range []string{"D2:D4", "E2:E4", "F2:F4", "G2:G4", "N2:N4"} {
			if len(cf[rng]) == 0 {
				t.Errorf("Summary!%s has no conditional format (have %v)", rng, cf)
			}
		}
		if got := cf["F2:F4"]; len(got) != 4 {
			t.Errorf("score traffic lights = %v, want 4 rules", got)
		}
		if got := cf["G2:G4"]; len(got) != 5 {
			t.Errorf("risk traffic lights = %v, want 5 rules", got)
		}
		if len(wb.ConditionalFormats(t, "Criteria")) == 0 || len(wb.ConditionalFormats(t, "Voices")) == 0 || len(wb.ConditionalFormats(t, "Asks")) == 0 {
			t.Error("Criteria, Voices or Asks have no conditional format")
		}
	})
	t.Run("Chart", func(t *testing.T) {
		charts := wb.Charts(t)
		if len(charts) != 1 {
			t.Fatalf("charts = %+v", charts)
		}
		c := charts[0]
		if c.Kind != "radarChart" || c.Series != len(cmp.Products) || c.Title != "Dimension scores (0 to 100)" ||
			!strings.Contains(c.AltText, "Radar chart") {
			t.Errorf("chart = %+v", c)
		}
		rows := wb.Rows(t, "Chart")
		for i, cp := range cmp.Products {
			if rows[i+1][0] != cp.Name {
				t.Errorf("chart row %d = %q", i+2, rows[i+1])
			}
			for j, d := range cp.Assessment.Dimensions {
				expectNumber(t, "chart "+cp.ProductID+" "+d.ID, cellAt(rows, i+1, j+1), d.Score)
			}
		}
	})
	t.Run("Criteria", func(t *testing.T) {
		rows := wb.Rows(t, "Criteria")
		if len(rows) != len(cmp.Criteria)+1 || rows[0][3] != "seller mean" || rows[0][4] != "seller answers" || rows[0][5] != "seller marks" {
			t.Fatalf("%d rows, header %q", len(rows), rows[0])
		}
		for i, cr := range cmp.Criteria {
			row := rows[i+1]
			if row[1] != cr.ID || row[2] != cr.Title {
				t.Errorf("row %d = %q", i+2, row)
			}
			for j, v := range cr.Values {
				expectNumber(t, cr.ID+" "+v.ProductID+" mean", cellAt(rows, i+1, 3+3*j), v.Mean)
				if got := cellAt(rows, i+1, 4+3*j); got != strconv.Itoa(v.N) {
					t.Errorf("%s %s n = %q, want %d", cr.ID, v.ProductID, got, v.N)
				}
				ca := cmp.Products[j].Assessment.Criteria[i]
				marks := cellAt(rows, i+1, 5+3*j)
				if strings.Contains(marks, "red flag hit") != ca.Flagged || strings.Contains(marks, "contested") != ca.Contested {
					t.Errorf("%s %s marks = %q (flagged %v, contested %v)", cr.ID, v.ProductID, marks, ca.Flagged, ca.Contested)
				}
			}
		}
		if got := wb.Shown(t, "Criteria", "D2"); len(got) != 4 { // 2.67
			t.Errorf("a mean shows as %q, want two decimals", got)
		}
	})
	t.Run("Asks", func(t *testing.T) {
		rows := wb.Rows(t, "Asks")
		var want [][]string
		for _, cp := range cmp.Products {
			flags, dims := flagsOf(cp.Assessment)
			for i, f := range flags {
				prov := "no"
				if f.Provisional {
					prov = "yes"
				}
				want = append(want, []string{cp.Name, f.Title, f.Severity, strconv.FormatFloat(f.Share, 'f', -1, 64), prov, f.Ask, dims[i], cp.ProductID})
			}
		}
		if len(want) != 2 {
			t.Fatalf("the fixture should hit 2 flags, has %d", len(want))
		}
		for i, w := range want {
			got := rows[i+1]
			if !sameNumber(got[3], cmpShare(w[3])) {
				t.Errorf("share %q, want %s", got[3], w[3])
			}
			got[3] = w[3]
			if !slices.Equal(got, w) {
				t.Errorf("flag row %d = %q, want %q", i+2, got, w)
			}
		}
		if got := wb.Shown(t, "Asks", "D2"); got != "50%" {
			t.Errorf("a share shows as %q, want a whole percentage", got)
		}
		// Then the asks across products: one ask, both products.
		across := rows[len(want)+3:]
		if across[0][0] != "Products" || len(across) != 2 || across[1][0] != cmp.Products[0].Name+"; "+cmp.Products[2].Name ||
			across[1][2] != "critical" || across[1][3] != "2" || across[1][4] != cmp.Products[2].Name {
			t.Errorf("asks across products = %q", across)
		}
		if got := wb.Tables(t, "Asks"); len(got) != 2 {
			t.Errorf("Asks tables = %q, want two", got)
		}
	})
	t.Run("Voices", func(t *testing.T) {
		rows := wb.Rows(t, "Voices")
		r := 1
		for _, cp := range cmp.Products {
			for _, kind := range registry.GroupKinds {
				for _, b := range cp.Assessment.Breakdowns[kind] {
					row := rows[r]
					r++
					if row[0] != cp.Name || row[2] != kind || row[3] != b.Key {
						t.Fatalf("Voices row %d = %q, want %s %s %s", r, row, cp.ProductID, kind, b.Key)
					}
					if b.Suppressed {
						if row[4] != "fewer than 3 reviewers" || len(strings.Join(row[5:], "")) != 0 {
							t.Errorf("suppressed %s %s reads %q", cp.ProductID, b.Key, row[4:])
						}
						continue
					}
					if row[4] != strconv.Itoa(b.Reviews) {
						t.Errorf("%s %s reviews = %q, want %d", cp.ProductID, b.Key, row[4], b.Reviews)
					}
					for j, d := range b.Dimensions {
						expectNumber(t, cp.ProductID+" "+b.Key+" "+d.ID, cellAt(rows, r-1, 5+2*j), d.Score)
						if got := cellAt(rows, r-1, 6+2*j); got != English.riskWord(d.Risk) {
							t.Errorf("%s %s %s risk = %q", cp.ProductID, b.Key, d.ID, got)
						}
					}
				}
			}
		}
		if r != len(rows) {
			t.Errorf("Voices has %d rows, want %d", len(rows), r)
		}
		// No withheld group shows a 0.
		for _, row := range rows[1:] {
			if row[4] == "0" {
				t.Errorf("a group reads 0 reviewers: %q", row)
			}
		}
	})
	t.Run("Comments", func(t *testing.T) {
		rows := wb.Rows(t, "Comments")
		if !slices.Equal(rows[0], commentsHeader(English)) {
			t.Errorf("header = %q", rows[0])
		}
		if rows[1][5] != "note" || !strings.Contains(rows[1][8], "8 most recent public entries; the product has more") {
			t.Errorf("the note on more entries = %q", rows[1])
		}
		e := pack.Comments[0].Entries[0]
		if want := []string{pack.Comments[0].Name, "seller", e.ID, e.Month, e.Recommendation, "summary", "", "", e.Summary}; !slices.Equal(rows[2], want) {
			t.Errorf("first entry = %q, want %q", rows[2], want)
		}
		if want := []string{pack.Comments[0].Name, "seller", e.ID, e.Month, e.Recommendation, "comment", "privacy.data-sale", "No sale of data", e.Comments[0].Comment}; !slices.Equal(rows[3], want) {
			t.Errorf("its comment = %q, want %q", rows[3], want)
		}
		last := rows[len(rows)-1]
		if last[1] != "few" || last[5] != "note" || last[8] != "No public entries yet." {
			t.Errorf("last row = %q", last)
		}
	})
	t.Run("Method", func(t *testing.T) {
		facts := map[string]string{}
		for _, row := range wb.Rows(t, "Method") {
			if len(row) >= 2 {
				facts[row[0]] = row[1]
			}
		}
		r := fx.r
		for k, v := range map[string]string{
			"Rubric": r.ID, "Rubric version": strconv.Itoa(r.Version), "Rubric hash (SHA-256 of its canonical form)": r.Hash,
			"Filter": "none: all reviewers", "Anonymity threshold (reviewers)": "3", "Minimum reviews for a grade": "3",
			"Low risk: score at or above": "75", "Contested: agreement below": "0.5", "Generated": "2026-12-01 09:30 UTC",
			"Registry version": "test", "Reviews left out (written under other rubric versions)": strconv.Itoa(cmp.LeftOutOtherVersions),
			"Method in full": "docs/method.md in the registry's repository", "Products": "seller, good, few",
		} {
			if facts[k] != v {
				t.Errorf("Method %q = %q, want %q", k, facts[k], v)
			}
		}
		refs := 0
		for _, c := range r.Criteria() {
			refs += max(len(c.References), 1)
		}
		rows := wb.Rows(t, "Method")
		start := slices.IndexFunc(rows, func(row []string) bool { return len(row) > 0 && row[0] == "Criterion id" })
		if start < 0 || len(rows)-start-1 != refs {
			t.Errorf("the crosswalk has %d rows, want %d", len(rows)-start-1, refs)
		}
		if got := wb.Tables(t, "Method"); len(got) != 2 {
			t.Errorf("Method tables = %q", got)
		}
	})
}

func cmpShare(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// TestComparisonPackFiltered: under a filter, a product whose group is
// too small shows "fewer than N reviewers" and no numbers anywhere, and
// Voices says there are no breakdowns.
func TestComparisonPackFiltered(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	pack := fx.comparison(registry.AssessmentFilter{Role: "teacher"})
	wb := xlsxtest.Read(t, writeComparison(t, pack))
	// teacher: seller 3 (shown? the other roles hold 3: shown), good 4, few 2 (withheld).
	rows := wb.Rows(t, "Summary")
	for i, cp := range pack.Comparison.Products {
		row := rows[i+1]
		if !cp.Assessment.Suppressed {
			if row[2] != strconv.Itoa(cp.Assessment.Reviews) {
				t.Errorf("%s reviews = %q", cp.ProductID, row[2])
			}
			continue
		}
		if row[2] != "fewer than 3 reviewers" {
			t.Errorf("withheld %s reads %q", cp.ProductID, row[2])
		}
		for c := 3; c < len(row)-1; c++ {
			if row[c] != "" {
				t.Errorf("withheld %s shows %q in column %d", cp.ProductID, row[c], c+1)
			}
		}
	}
	if !pack.Comparison.Products[2].Assessment.Suppressed {
		t.Fatal("the fixture's third product should be withheld under role=teacher")
	}
	for _, row := range wb.Rows(t, "Criteria")[1:] {
		if cellAt([][]string{row}, 0, 9) != "" || cellAt([][]string{row}, 0, 10) != "" || cellAt([][]string{row}, 0, 11) != "fewer than 3 reviewers" {
			t.Errorf("withheld product's criterion row = %q", row[9:])
		}
	}
	for _, row := range wb.Rows(t, "Voices")[1:] {
		if !strings.HasPrefix(row[4], "no breakdowns: the comparison is filtered (role: teacher)") {
			t.Errorf("Voices row = %q", row)
		}
	}
	wb.CheckText(t)
}

func TestAssessmentWorkbook(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	pack := fx.assessment(0, registry.AssessmentFilter{})
	a := pack.Assessment
	data := writeAssessment(t, pack)
	wb := xlsxtest.Read(t, data)

	t.Run("SheetsAndProperties", func(t *testing.T) {
		if got := wb.Sheets(); !slices.Equal(got, AssessmentSheets) {
			t.Errorf("sheets = %q, want %q", got, AssessmentSheets)
		}
		p := wb.Properties(t)
		if p.Title != "Assessment of "+pack.Product.Name || p.Created != "2026-12-01T09:30:00Z" {
			t.Errorf("properties = %+v", p)
		}
		wb.CheckText(t)
	})
	t.Run("Overview", func(t *testing.T) {
		rows := wb.Rows(t, "Overview")
		facts := map[string]int{}
		for i, row := range rows {
			if len(row) > 0 {
				facts[row[0]] = i
			}
		}
		get := func(k string) string { return cellAt(rows, facts[k], 1) }
		if get("Product") != pack.Product.Name || get("Vendor") != pack.Product.Vendor || get("Description") != pack.Product.Description ||
			get("Reviews") != strconv.Itoa(a.Reviews) || get("Overall risk") != a.Overall.Risk || get("Red flags hit") != "1" {
			t.Errorf("overview = %q", rows)
		}
		expectNumber(t, "overall score", get("Overall score (for ranking)"), a.Overall.Score)
		for _, d := range a.Dimensions {
			r := facts[d.Title]
			expectNumber(t, d.ID+" score", cellAt(rows, r, 1), d.Score)
			expectNumber(t, d.ID+" agreement", cellAt(rows, r, 3), d.Agreement)
			if cellAt(rows, r, 2) != d.Risk || cellAt(rows, r, 5) != strconv.Itoa(len(d.Flags)) {
				t.Errorf("dimension row %q", rows[r])
			}
		}
		charts := wb.Charts(t)
		if len(charts) != 1 || charts[0].Kind != "barChart" || charts[0].Series != 1 || !strings.Contains(charts[0].AltText, "Bar chart") {
			t.Errorf("charts = %+v", charts)
		}
		if got := wb.Tables(t, "Overview"); len(got) != 2 {
			t.Errorf("Overview tables = %q", got)
		}
		if len(wb.ConditionalFormats(t, "Overview")) < 3 {
			t.Errorf("Overview conditional formats = %v", wb.ConditionalFormats(t, "Overview"))
		}
	})
	t.Run("Criteria", func(t *testing.T) {
		rows := wb.Rows(t, "Criteria")
		if rows[0][3] != "Question" || rows[0][4] != "Level 0" || rows[0][9] != "Answers that count" || rows[0][24] != "Ask" {
			t.Errorf("header = %q", rows[0])
		}
		for i, c := range fx.r.Criteria() {
			row, ca := rows[i+1], a.Criteria[i]
			if row[1] != c.ID || row[3] != c.Question || row[4] != c.Levels[0].Label+": "+c.Levels[0].Descriptor || cellAt(rows, i+1, 24) != c.Ask {
				t.Errorf("row %d = %q", i+2, row[:5])
			}
			nums := []struct {
				col  int
				want *float64
			}{{10, ca.Mean}, {11, ca.SD}, {19, ca.Agreement}}
			for _, n := range nums {
				expectNumber(t, fmt.Sprintf("%s column %d", c.ID, n.col+1), cellAt(rows, i+1, n.col), n.want)
			}
			ints := append([]int{ca.N}, ca.Distribution[:]...)
			ints = append(ints, ca.Unknown, ca.NA)
			for j, want := range ints {
				if got := cellAt(rows, i+1, 9+j+boolInt(j > 0)*2); got != strconv.Itoa(want) {
					t.Errorf("%s column %d = %q, want %d", c.ID, 10+j+boolInt(j > 0)*2, got, want)
				}
			}
			if c.RedFlag != nil {
				hit := "no"
				if ca.Flagged {
					hit = "yes"
				}
				if cellAt(rows, i+1, 22) != strconv.Itoa(ca.RedFlagHits) || cellAt(rows, i+1, 23) != hit {
					t.Errorf("%s red flag cells = %q", c.ID, row[21:24])
				}
			}
		}
	})
	t.Run("DPIA", func(t *testing.T) {
		rows := wb.Rows(t, "DPIA")
		header := slices.IndexFunc(rows, func(row []string) bool { return len(row) > 0 && row[0] == "Risk" })
		if header < 0 {
			t.Fatal("no risk table")
		}
		// One red flag (no sale of data) and the privacy dimension,
		// critical.
		risks := rows[header+1:]
		if len(risks) != 2+5 || risks[0][3] != "red flag" || risks[1][3] != "dimension" || risks[2][3] != "school" {
			t.Fatalf("risk rows = %q", risks)
		}
		if risks[0][2] != a.Dimensions[1].Flags[0].Ask || !sameNumber(risks[0][4], a.Dimensions[1].Flags[0].Share) ||
			risks[0][6] != "probable" || risks[0][7] != "severe" || risks[0][8] != "high" {
			t.Errorf("red flag risk = %q", risks[0])
		}
		if !strings.Contains(risks[1][2], a.Dimensions[1].Flags[0].Ask) || !sameNumber(risks[1][5], *a.Dimensions[1].Score) {
			t.Errorf("dimension risk = %q", risks[1])
		}
		first, last := header+2, len(rows)
		want := map[string][]string{
			"G": DPIALikelihood, "H": DPIASeverity, "I": DPIARisk, "J": DPIAEffect, "K": DPIARisk, "L": DPIAApproved,
		}
		got := map[string][]string{}
		for _, v := range wb.Validations(t, "DPIA") {
			if v.Type != "list" {
				t.Errorf("validation %+v is not a list", v)
			}
			got[v.Range[:1]] = v.List
			if v.Range != fmt.Sprintf("%s%d:%s%d", v.Range[:1], first, v.Range[:1], last) {
				t.Errorf("validation range %s, want rows %d to %d", v.Range, first, last)
			}
		}
		for col, list := range want {
			if !slices.Equal(got[col], list) {
				t.Errorf("column %s drop-down = %q, want %q", col, got[col], list)
			}
		}
		if got := wb.Tables(t, "DPIA"); len(got) != 2 {
			t.Errorf("DPIA tables = %q", got)
		}
	})
	t.Run("Decision", func(t *testing.T) {
		rows := wb.Rows(t, "Decision")
		items := map[string]int{}
		for i, row := range rows {
			if len(row) > 0 {
				items[row[0]] = i + 1
			}
		}
		for _, item := range []string{"Measures approved by", "Residual risks approved by", "DPO advice provided by",
			"DPO advice accepted or overruled", "Reasons, if the DPO's advice was overruled",
			"Consultation with staff and their unions reviewed by", "This DPIA will be kept under review by",
			"Review date", "Decision", "Conditions"} {
			if items[item] == 0 {
				t.Errorf("no %q row", item)
			}
		}
		var lists, dates int
		for _, v := range wb.Validations(t, "Decision") {
			switch {
			case v.Range == fmt.Sprintf("B%d", items["Decision"]) && slices.Equal(v.List, DPIADecision):
				lists++
			case v.Range == fmt.Sprintf("B%d", items["DPO advice accepted or overruled"]) && slices.Equal(v.List, DPIADPOAdvice):
				lists++
			case v.Range == fmt.Sprintf("B%d", items["Review date"]) && v.Type == "date" && v.Formula1 == "46357":
				dates++
			default:
				t.Errorf("unexpected validation %+v", v)
			}
		}
		if lists != 2 || dates != 1 {
			t.Errorf("%d drop-downs and %d date validations, want 2 and 1", lists, dates)
		}
	})
	t.Run("CommentsAndMethod", func(t *testing.T) {
		rows := wb.Rows(t, "Comments")
		if len(rows) != 2+2*len(injections) {
			t.Errorf("Comments has %d rows", len(rows))
		}
		if wb.Rows(t, "Method")[2][1] != "seller" {
			t.Errorf("Method products = %q", wb.Rows(t, "Method")[2])
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestAssessmentWorkbookSuppressed: a filtered assessment whose group is
// too small shows no numbers: "fewer than N reviewers", and no risk rows.
func TestAssessmentWorkbookSuppressed(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	pack := fx.assessment(0, registry.AssessmentFilter{Role: "leader"})
	if !pack.Assessment.Suppressed {
		t.Fatal("one leader should be withheld")
	}
	wb := xlsxtest.Read(t, writeAssessment(t, pack))
	for _, sheet := range []string{"Overview", "Criteria"} {
		for r, row := range wb.Rows(t, sheet) {
			for c, v := range row {
				cell := fmt.Sprintf("%s%d", colName(c+1), r+1)
				if wb.IsNumber(t, sheet, cell) {
					t.Errorf("%s!%s shows the number %s for a withheld group", sheet, cell, v)
				}
			}
		}
	}
	found := false
	for _, row := range wb.Rows(t, "Overview") {
		found = found || (len(row) > 1 && row[0] == "Reviews" && row[1] == "fewer than 3 reviewers")
	}
	if !found {
		t.Error("the Overview does not say the group has fewer than 3 reviewers")
	}
	rows := wb.Rows(t, "DPIA")
	if last := rows[len(rows)-6]; last[0] != "Risk" {
		t.Errorf("a withheld assessment has risk rows: %q", rows[len(rows)-6:])
	}
}

// TestPacksLibreOffice converts both workbooks with LibreOffice: each
// converts without error, every sheet is there and the values match
// what was written.
func TestPacksLibreOffice(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cmpData := writeComparison(t, fx.comparison(registry.AssessmentFilter{}))
	asData := writeAssessment(t, fx.assessment(0, registry.AssessmentFilter{}))
	for _, tc := range []struct {
		name   string
		data   []byte
		sheets []string
	}{{"Comparison", cmpData, ComparisonSheets}, {"Assessment", asData, AssessmentSheets}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wb := xlsxtest.Read(t, tc.data)
			lo := xlsxtest.Convert(t, tc.data, tc.sheets...)
			for _, sheet := range tc.sheets {
				compareConverted(t, sheet, wb.Rows(t, sheet), lo[sheet])
			}
		})
	}
}

// compareConverted checks LibreOffice's reading of a sheet against
// excelize's: text as written, numbers equal (LibreOffice writes a
// percentage as shown).
func compareConverted(t *testing.T, sheet string, want, got [][]string) {
	t.Helper()
	for r, row := range want {
		for c, w := range row {
			g := cellAt(got, r, c)
			if g == w {
				continue
			}
			wf, err1 := strconv.ParseFloat(w, 64)
			gf, err2 := strconv.ParseFloat(strings.TrimSuffix(g, "%"), 64)
			if strings.HasSuffix(g, "%") {
				gf /= 100
			}
			if err1 == nil && err2 == nil && (math.Abs(wf-gf) <= 1e-9*math.Max(1, math.Abs(wf)) ||
				(strings.HasSuffix(g, "%") && math.Abs(wf-gf) <= 0.005)) {
				continue
			}
			t.Errorf("%s!%s%d: LibreOffice reads %q, excelize %q", sheet, colName(c+1), r+1, g, w)
		}
	}
}
