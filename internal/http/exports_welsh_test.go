package http

import (
	"bytes"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// TestWorkbooksWelsh downloads each workbook with lang=cy: Welsh labels,
// the rubric's Welsh texts, the same figures and sheets as in English;
// lang=en is the default; any other lang is 422 naming it.
func TestWorkbooksWelsh(t *testing.T) {
	t.Parallel()
	pe := newPackEnv(t)
	cy := pe.rubrics.Localize(pe.rubric, "cy")
	if cy == pe.rubric {
		t.Fatal("the rubric has no Welsh translation")
	}
	ids := pe.seller + "," + pe.good + "," + pe.few
	compare := "/api/v1/compare.xlsx?products=" + ids
	assessment := "/api/v1/products/" + pe.seller + "/assessment.xlsx"
	template := "/api/v1/rubrics/" + pe.rubric.ID + "/template.xlsx"

	t.Run("Comparison", func(t *testing.T) {
		t.Parallel()
		wb := xlsxtest.Read(t, pe.download(t, compare+"&lang=cy", "comparison"))
		en := xlsxtest.Read(t, pe.download(t, compare, "comparison"))
		if got := wb.Sheets(); !slices.Equal(got, xlsx.ComparisonSheets) {
			t.Errorf("sheets = %q", got)
		}
		rows, enRows := wb.Rows(t, "Summary"), en.Rows(t, "Summary")
		if rows[0][0] != "Cynnyrch" || rows[0][3] != "Risg gyffredinol" || rows[0][5] != cy.Dimensions[0].Title+": sgôr" {
			t.Errorf("Summary header = %q", rows[0])
		}
		if len(rows) != len(enRows) {
			t.Fatalf("%d rows in Welsh, %d in English", len(rows), len(enRows))
		}
		for i := 1; i < len(rows); i++ {
			// The same products and figures; the risk in Welsh.
			if rows[i][0] != enRows[i][0] || rows[i][2] != enRows[i][2] || rows[i][4] != enRows[i][4] || rows[i][len(rows[i])-1] != enRows[i][len(enRows[i])-1] {
				t.Errorf("row %d: %q; in English %q", i+1, rows[i], enRows[i])
			}
			if w := map[string]string{"low": "isel", "medium": "canolig", "high": "uchel", "critical": "critigol", "insufficient": "annigonol"}[enRows[i][3]]; rows[i][3] != w {
				t.Errorf("row %d: risk %q, want %q (English %q)", i+1, rows[i][3], w, enRows[i][3])
			}
		}
		criteria := wb.Rows(t, "Criteria")
		for i, c := range cy.Criteria() {
			if criteria[i+1][1] != c.ID || criteria[i+1][2] != c.Title {
				t.Errorf("Criteria row %d = %q, want %s %q", i+2, criteria[i+1][:3], c.ID, c.Title)
			}
		}
		asks := wb.Rows(t, "Asks")
		flagged := false
		for _, row := range asks[1:] {
			if len(row) > 5 && row[1] == "Dim gwerthu data" && strings.HasPrefix(row[5], "Gwaharddiad cytundebol ar werthu") {
				flagged = true
			}
		}
		if !flagged {
			t.Errorf("Asks has no Welsh red flag and ask: %q", asks)
		}
		if p := wb.Properties(t); !strings.HasPrefix(p.Creator, "Cofrestr addysgwyr o dechnoleg addysg AI ") {
			t.Errorf("properties = %+v", p)
		}
		wb.CheckText(t)
	})

	t.Run("Assessment", func(t *testing.T) {
		t.Parallel()
		wb := xlsxtest.Read(t, pe.download(t, assessment+"?lang=cy", "assessment-"+pe.seller))
		if got := wb.Sheets(); !slices.Equal(got, xlsx.AssessmentSheets) {
			t.Errorf("sheets = %q", got)
		}
		overview := wb.Rows(t, "Overview")
		if !strings.HasPrefix(overview[0][0], "Asesiad o ") || !strings.HasPrefix(overview[1][0], "Beth mae addysgwyr") {
			t.Errorf("Overview = %q", overview[:2])
		}
		dpia := wb.Rows(t, "DPIA")
		if !strings.HasPrefix(dpia[0][0], "Asesiad effaith diogelu data: ") {
			t.Errorf("DPIA = %q", dpia[0])
		}
		criteria := wb.Rows(t, "Criteria")
		c := cy.Criteria()[0]
		if criteria[0][2] != "Maen prawf" || criteria[1][2] != c.Title || criteria[1][3] != c.Question ||
			criteria[1][4] != c.Levels[0].Label+": "+c.Levels[0].Descriptor || criteria[1][len(criteria[1])-1] != c.Ask {
			t.Errorf("Criteria = %q", criteria[:2])
		}
		wb.CheckText(t)

		// lang=en is the English workbook, as without lang.
		en := xlsxtest.Read(t, pe.download(t, assessment+"?lang=en", "assessment-"+pe.seller))
		if got := en.Rows(t, "Overview")[0][0]; !strings.HasPrefix(got, "Assessment of ") {
			t.Errorf("lang=en: Overview!A1 = %q", got)
		}
	})

	t.Run("Form", func(t *testing.T) {
		t.Parallel()
		data := pe.downloadForm(t, pe.rubric.ID, "?lang=cy")
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{xlsx.ReviewSheet, xlsx.InstructionsSheet, xlsx.FormSheet}) {
			t.Errorf("sheets = %q", got)
		}
		form := xlsxtest.LocateForm(t, data)
		row := form.Rows[c0(cy).ID]
		for cell, want := range map[string]string{
			"A1": "Ffurflen adolygu: " + cy.Title + ", fersiwn 1", "A6": "Maes", "A7": "Rôl",
			"B" + strconv.Itoa(row): c0(cy).Title, "C" + strconv.Itoa(row): c0(cy).Question,
		} {
			if got, _ := f.GetCellValue(xlsx.ReviewSheet, cell); got != want {
				t.Errorf("Review!%s = %q, want %q", cell, got, want)
			}
		}
		if got, _ := f.GetCellValue(xlsx.InstructionsSheet, "A1"); got != "Sut i lenwi'r ffurflen hon" {
			t.Errorf("Instructions!A1 = %q", got)
		}
		if hash, _ := f.GetCellValue(xlsx.FormSheet, "B4"); hash != pe.rubric.Hash {
			t.Errorf("the Welsh form's hash = %q, want the rubric's %q", hash, pe.rubric.Hash)
		}
		xlsxtest.TextCells(t, data, xlsx.ReviewSheet, xlsx.InstructionsSheet)
	})

	for name, path := range map[string]string{"Comparison": compare + "&", "Assessment": assessment + "?", "Form": template + "?"} {
		for _, bad := range []string{"lang=xx", "lang=", "lang=CY", "lang=cy-GB", "lang=cy&lang=en"} {
			t.Run("Err"+name+"/"+bad, func(t *testing.T) {
				t.Parallel()
				r := pe.must(t, 422, request{Method: "GET", Path: path + bad})
				if got := r.fields(t); !slices.Equal(got, []string{"lang"}) {
					t.Errorf("fields = %q, want lang", got)
				}
			})
		}
	}
}

func c0(r *registry.Rubric) registry.Criterion { return r.Criteria()[0] }

// TestReviewFormWelsh downloads the Welsh form, fills it as two programs
// would and imports it: the review stored is exactly the one the same
// answers submitted as JSON (or on the English form) make.
func TestReviewFormWelsh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Welsh Form Target")
	english := e.downloadForm(t, e.rubric.ID, "?product="+pid)
	welsh := e.downloadForm(t, e.rubric.ID, "?product="+pid+"&lang=cy")
	in, body := formSample(e.rubric)

	// The same filling, on the Welsh form: its fields by their row, the
	// Welsh words for "don't know", "not applicable", yes and no.
	enForm, cyForm := xlsxtest.LocateForm(t, english), xlsxtest.LocateForm(t, welsh)
	if len(enForm.Labels) != len(cyForm.Labels) {
		t.Fatalf("fields: %q in English, %q in Welsh", enForm.Labels, cyForm.Labels)
	}
	enW, cyW := xlsx.Words(xlsx.English), xlsx.Words(xlsx.Welsh)
	words := map[any]any{enW.Yes: cyW.Yes, enW.No: cyW.No, enW.DontKnow: cyW.DontKnow, enW.NotApplicable: cyW.NotApplicable}
	cyIn := xlsxtest.Review{Fields: map[string]any{}}
	for i, label := range enForm.Labels {
		if v, ok := in.Fields[label]; ok {
			if w, ok := words[v]; ok {
				v = w
			}
			cyIn.Fields[cyForm.Labels[i]] = v
		}
	}
	for _, a := range in.Answers {
		if w, ok := words[a.Answer]; ok {
			a.Answer = w.(string)
		}
		cyIn.Answers = append(cyIn.Answers, a)
	}
	if cyIn.Fields["Gwrthdaro buddiannau"] != "oes" {
		t.Fatalf("the Welsh filling = %+v", cyIn.Fields)
	}
	cells := cyForm.Cells(t, cyIn)

	jsonToken := e.reviewerToken(t)
	want := e.storedReview(t, e.submit(t, pid, jsonToken, body), jsonToken)
	for _, tc := range []struct {
		name string
		fill func(t testing.TB, data []byte, cells []xlsxtest.Cell) []byte
	}{
		{"Excelize", xlsxtest.FillWithExcelize},
		{"Openpyxl", xlsxtest.FillWithOpenpyxl},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := e.reviewerToken(t)
			r := e.importForm(t, pid, tok, tc.fill(t, welsh, cells), nil)
			if r.Status != 201 {
				t.Fatalf("import of the Welsh form: %d %s", r.Status, r.Body)
			}
			var receipt submittedJSON
			r.json(t, &receipt)
			if got := e.storedReview(t, receipt.ID, tok); !reflect.DeepEqual(got, want) {
				t.Errorf("the Welsh form's review differs from the JSON one:\n got %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("ProblemsNameCells", func(t *testing.T) {
		// A wrong answer on the Welsh form is named by its cell, with the
		// form's own words.
		bad := slices.Clone(cells)
		row := cyForm.Rows[e.rubric.Criteria()[1].ID]
		bad = append(bad, xlsxtest.Cell{Sheet: xlsx.ReviewSheet, Ref: "D" + strconv.Itoa(row), Value: "efallai"})
		r := e.importForm(t, pid, e.reviewerToken(t), xlsxtest.FillWithExcelize(t, welsh, bad), nil)
		if r.Status != 422 || !slices.Equal(r.fields(t), []string{"Review!D" + strconv.Itoa(row)}) {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		if msg := r.problem(t).Errors[0].Message; !strings.Contains(msg, `"efallai" is not one of 0–4, ddim yn gwybod`) {
			t.Errorf("message = %q", msg)
		}
	})
}
