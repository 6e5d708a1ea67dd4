package xlsx

import (
	"bytes"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// welshInfo makes a workbook in Welsh.
var welshInfo = Info{Generated: formInfo.Generated, Version: "test", Lang: Welsh}

// welshRubric is the shipped default rubric in Welsh, failing the test
// when it has no Welsh translation.
func welshRubric(t testing.TB) (en, cy *registry.Rubric) {
	t.Helper()
	set := rubrictest.Set(t)
	en = set.Default()
	cy = set.Localize(en, string(Welsh))
	if cy == en {
		t.Fatal("the default rubric has no Welsh translation")
	}
	return en, cy
}

// welshTemplate writes the Welsh form of the default rubric.
func welshTemplate(t testing.TB, product *registry.Product) []byte {
	t.Helper()
	_, cy := welshRubric(t)
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, cy, product, welshInfo); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// inWelsh rewrites a filling of the English form for the Welsh form: its
// fields by their Welsh labels (the same rows), and the Welsh words for
// "don't know", "not applicable" and the conflict question's yes and no.
func inWelsh(t testing.TB, in xlsxtest.Review) xlsxtest.Review {
	t.Helper()
	en, cy := Words(English), Words(Welsh)
	out := xlsxtest.Review{Fields: map[string]any{}}
	for _, fld := range formFields {
		v, ok := in.Fields[fld.label(English)]
		if !ok {
			continue
		}
		switch v {
		case en.Yes:
			v = cy.Yes
		case en.No:
			v = cy.No
		}
		out.Fields[fld.label(Welsh)] = v
	}
	for _, a := range in.Answers {
		switch a.Answer {
		case en.DontKnow:
			a.Answer = cy.DontKnow
		case en.NotApplicable:
			a.Answer = cy.NotApplicable
		}
		out.Answers = append(out.Answers, a)
	}
	return out
}

// TestTemplateWelsh checks the Welsh form: Welsh labels, instructions and
// answer words, the rubric's texts in Welsh, and the same sheets, layout,
// identity (hash included) and protections as the English form.
func TestTemplateWelsh(t *testing.T) {
	t.Parallel()
	en, cy := welshRubric(t)
	data := welshTemplate(t, &registry.Product{ID: "maths-tutor", Name: injections[0], Vendor: "Acme"})
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	get := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	if got := f.GetSheetList(); !slices.Equal(got, []string{ReviewSheet, InstructionsSheet, FormSheet}) {
		t.Errorf("sheets = %q: the names must be the English form's", got)
	}
	if props, err := f.GetDocProps(); err != nil || props.Language != "cy-GB" || !strings.HasPrefix(props.Title, "Ffurflen adolygu ar gyfer "+injections[0]) {
		t.Errorf("document properties = %+v, %v", props, err)
	}
	if got, want := get(ReviewSheet, "A1"), "Ffurflen adolygu ar gyfer "+injections[0]+": "+cy.Title+", fersiwn 1"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	// The identity is the English form's: the rubric's id, version and
	// hash do not depend on the language.
	for i, want := range []string{formFormat, en.ID, strconv.Itoa(en.Version), en.Hash, "maths-tutor", "cy"} {
		if v := get(FormSheet, ref(2, i+1)); v != want {
			t.Errorf("Form!B%d = %q, want %q", i+1, v, want)
		}
	}
	if k := get(FormSheet, "A6"); k != keyLang {
		t.Errorf("Form!A6 = %q, want %q", k, keyLang)
	}
	if got := get(ReviewSheet, "D4"); got != en.Hash {
		t.Errorf("Review!D4 = %q, want the hash", got)
	}

	// The headers and labels, in Welsh.
	for col, want := range criteriaHeader(Welsh) {
		if got := get(ReviewSheet, ref(col+1, rowCriteria)); got != want {
			t.Errorf("criteria header %s = %q, want %q", ref(col+1, rowCriteria), got, want)
		}
	}
	if got := get(ReviewSheet, ref(colID, rowCriteria)); got != "Maen prawf" {
		t.Errorf("criteria header = %q", got)
	}
	if got := get(ReviewSheet, ref(colID, rowFields)); got != "Maes" {
		t.Errorf("fields header = %q", got)
	}
	form := xlsxtest.LocateForm(t, data)
	for i, fld := range formFields {
		if form.Labels[i] != fld.label(Welsh) || form.Labels[i] == fld.label(English) {
			t.Errorf("field %d = %q, want the Welsh %q", i, form.Labels[i], fld.label(Welsh))
		}
	}
	if got := get(InstructionsSheet, "A1"); got != "Sut i lenwi'r ffurflen hon" {
		t.Errorf("Instructions!A1 = %q", got)
	}
	instructions, _ := f.GetRows(InstructionsSheet)
	if all := strings.Join(slices.Concat(instructions...), "\n"); !strings.Contains(all, "“ddim yn gwybod”") || strings.Contains(all, "How to") {
		t.Errorf("the instructions are not in Welsh:\n%s", all)
	}

	// Each criterion: its Welsh texts, and drop-downs of the Welsh words.
	dvs, err := f.GetDataValidations(ReviewSheet)
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string][]string{}
	for _, dv := range dvs {
		if dv.Type == "list" {
			lists[dv.Sqref] = strings.Split(strings.Trim(dv.Formula1, `"`), ",")
		}
	}
	w := Words(Welsh)
	if got := lists[form.Fields["Gwrthdaro buddiannau"]]; !slices.Equal(got, []string{w.Yes, w.No}) {
		t.Errorf("the conflict question offers %q", got)
	}
	if got := lists[form.Fields["Rôl"]]; !slices.Equal(got, registry.ReviewerRoles) {
		t.Errorf("the role offers %q, want the API's values", got)
	}
	for i, c := range cy.Criteria() {
		row := form.Rows[c.ID]
		if row != rowCriteria+1+i {
			t.Fatalf("criterion %s on row %d, want %d", c.ID, row, rowCriteria+1+i)
		}
		for col, want := range map[int]string{1: c.ID, 2: c.Title, 3: c.Question, 7: c.Levels[0].Label + ": " + c.Levels[0].Descriptor,
			11: c.Levels[4].Label + ": " + c.Levels[4].Descriptor} {
			if got := get(ReviewSheet, ref(col, row)); got != want {
				t.Errorf("%s: %s = %q, want %q", c.ID, ref(col, row), got, want)
			}
		}
		if got := get(ReviewSheet, ref(colGuidance, row)); !strings.HasPrefix(got, c.Guidance+"\n\n") || !strings.Contains(got, "“ddim yn gwybod”") {
			t.Errorf("%s: guidance %q", c.ID, got)
		}
		if got, want := lists[ref(colAnswer, row)], answersIn(Welsh, &c); !slices.Equal(got, want) {
			t.Errorf("%s: the drop-down offers %q, want %q", c.ID, got, want)
		}
		if c.Title == en.Criteria()[i].Title {
			t.Errorf("%s: the title is not in Welsh", c.ID)
		}
		for col := colAnswer; col <= colEvidence; col++ {
			checkInput(t, f, ref(col, row), "@")
		}
	}
	parts := zipContents(t, data)
	if wb := parts["xl/workbook.xml"]; !strings.Contains(wb, `state="veryHidden"`) || !strings.Contains(wb, `lockStructure="true"`) {
		t.Error("the Welsh form's Form sheet is not very hidden, or its structure is not locked")
	}
	xlsxtest.TextCells(t, data, ReviewSheet, InstructionsSheet)
}

// TestReadReviewWelsh fills the Welsh form as three programs would and
// reads it back: exactly the review the English form filled alike gives,
// from the same cells.
func TestReadReviewWelsh(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	en := set.Default()
	english := template(t, en, nil)
	welsh := welshTemplate(t, nil)
	in, want := sampleReview(en)
	byExcelizeEN := xlsxtest.FillWithExcelize(t, english, xlsxtest.LocateForm(t, english).Cells(t, in))
	cells := xlsxtest.LocateForm(t, welsh).Cells(t, inWelsh(t, in))
	byExcelize := xlsxtest.FillWithExcelize(t, welsh, cells)

	t.Run("Excelize", func(t *testing.T) {
		t.Parallel()
		got := read(t, byExcelize, set)
		sameReview(t, got, want)
		if english := read(t, byExcelizeEN, set); !reflect.DeepEqual(got, english) {
			t.Errorf("the Welsh form reads\n%+v\nthe English one\n%+v", got, english)
		}
	})
	t.Run("Openpyxl", func(t *testing.T) {
		t.Parallel()
		sameReview(t, read(t, xlsxtest.FillWithOpenpyxl(t, welsh, cells), set), want)
	})
	t.Run("LibreOffice", func(t *testing.T) {
		t.Parallel()
		got := lineBreaks(*read(t, xlsxtest.Resave(t, byExcelize), set))
		sameReview(t, &got, lineBreaks(want))
	})
	t.Run("EnglishWords", func(t *testing.T) {
		t.Parallel()
		// "don't know", "not applicable", "yes" and "no" typed in English
		// into a Welsh form mean the same.
		english := xlsxtest.Review{Fields: map[string]any{}, Answers: in.Answers}
		for label, v := range inWelsh(t, in).Fields {
			english.Fields[label] = v
		}
		english.Fields["Gwrthdaro buddiannau"] = "yes"
		data := xlsxtest.FillWithExcelize(t, welsh, xlsxtest.LocateForm(t, welsh).Cells(t, english))
		sameReview(t, read(t, data, set), want)
	})
}

// TestReadReviewWelshProblems: the Welsh form is checked as strictly as
// the English one, against its own labels and titles.
func TestReadReviewWelshProblems(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	en, cy := welshRubric(t)
	welsh := welshTemplate(t, nil)
	in, _ := sampleReview(en)
	good := xlsxtest.FillWithExcelize(t, welsh, xlsxtest.LocateForm(t, welsh).Cells(t, inWelsh(t, in)))
	first := rowCriteria + 1
	edit := func(t *testing.T, change func(f *excelize.File) error) []byte {
		t.Helper()
		f, err := excelize.OpenReader(bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := change(f); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name   string
		change func(f *excelize.File) error
		field  string
		msg    string
	}{
		{"EnglishTitle", func(f *excelize.File) error {
			return f.SetCellStr(ReviewSheet, ref(colTitle, first), en.Criteria()[0].Title)
		}, cellName(colTitle, first), `should be the title of criterion "pedagogy.purpose-evidence", "` + cy.Criteria()[0].Title + `"`},
		{"LabelChanged", func(f *excelize.File) error { return f.SetCellStr(ReviewSheet, ref(colID, rowFields+1), "Role") },
			cellName(colID, rowFields+1), `should be the field "Rôl"`},
		{"WrongAnswerWord", func(f *excelize.File) error { return f.SetCellStr(ReviewSheet, ref(colAnswer, first+1), "dim syniad") },
			cellName(colAnswer, first+1), `"dim syniad" is not one of 0–4, ddim yn gwybod`},
		{"WrongConflictWord", func(f *excelize.File) error { return f.SetCellStr(ReviewSheet, "D16", "ydw") },
			"Review!D16", `"ydw" is not one of oes, nac oes`},
		{"OtherLanguage", func(f *excelize.File) error { return f.SetCellStr(FormSheet, "B6", "fr") },
			"file", `the form names a language the registry does not write forms in ("fr")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := edit(t, tt.change)
			_, err := ReadReview(bytes.NewReader(data), int64(len(data)), set)
			if registry.ErrorCode(err) != registry.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			found := false
			for _, fe := range registry.ErrorFields(err) {
				found = found || (fe.Field == tt.field && strings.Contains(fe.Message, tt.msg))
			}
			if !found {
				t.Errorf("no problem at %s saying %q in %+v", tt.field, tt.msg, registry.ErrorFields(err))
			}
		})
	}

	t.Run("FormWithoutLanguage", func(t *testing.T) {
		t.Parallel()
		// A form made before forms had languages has no language row: it
		// is English.
		data, want := filled(t, en)
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.RemoveRow(FormSheet, 6); err != nil {
			t.Fatal(err)
		}
		if k, _ := f.GetCellValue(FormSheet, "A6"); k != "generated" {
			t.Fatalf("Form!A6 = %q after removing the language", k)
		}
		var buf bytes.Buffer
		if _, err := f.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		f.Close()
		sameReview(t, read(t, buf.Bytes(), set), want)
	})
}

// TestPacksWelsh writes both packs in Welsh from the Welsh rubric: the
// fixed labels, the words for values and the rubric's texts are Welsh,
// the figures and sheet names are the English pack's, and user text stays
// text.
func TestPacksWelsh(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	_, cy := welshRubric(t)
	cpack := fx.comparison(registry.AssessmentFilter{})
	cpack.Rubric, cpack.Info = cy, Info{Generated: testInfo.Generated, Version: "test", Lang: Welsh}
	apack := fx.assessment(0, registry.AssessmentFilter{})
	apack.Rubric, apack.Info = cy, cpack.Info
	cmpData, asData := writeComparison(t, cpack), writeAssessment(t, apack)
	cwb, awb := xlsxtest.Read(t, cmpData), xlsxtest.Read(t, asData)
	englishCmp := xlsxtest.Read(t, writeComparison(t, fx.comparison(registry.AssessmentFilter{})))

	t.Run("SheetsAndText", func(t *testing.T) {
		t.Parallel()
		if got := cwb.Sheets(); !slices.Equal(got, ComparisonSheets) {
			t.Errorf("comparison sheets = %q", got)
		}
		if got := awb.Sheets(); !slices.Equal(got, AssessmentSheets) {
			t.Errorf("assessment sheets = %q", got)
		}
		if p := cwb.Properties(t); p.Title != "Cymhariaeth o gynhyrchion technoleg addysg AI" || !strings.Contains(p.Subject, "3 cynnyrch") {
			t.Errorf("properties = %+v", p)
		}
		cwb.CheckText(t)
		awb.CheckText(t)
	})
	t.Run("Comparison", func(t *testing.T) {
		t.Parallel()
		rows := cwb.Rows(t, "Summary")
		want := []string{"Cynnyrch", "Cyflenwr", "Adolygiadau", "Risg gyffredinol", "Sgôr gyffredinol", "Addysgeg: sgôr", "Addysgeg: risg"}
		if !slices.Equal(rows[0][:len(want)], want) {
			t.Errorf("header = %q", rows[0])
		}
		for i, cp := range cpack.Comparison.Products {
			if got := rows[i+1][3]; got != Welsh.riskWord(cp.Assessment.Overall.Risk) || got == English.riskWord(cp.Assessment.Overall.Risk) {
				t.Errorf("%s: risk %q, want the Welsh word", cp.ProductID, got)
			}
		}
		// The same figures as the English pack: only words differ.
		enRows := englishCmp.Rows(t, "Summary")
		for i := 1; i < len(rows); i++ {
			if rows[i][2] != enRows[i][2] || rows[i][4] != enRows[i][4] {
				t.Errorf("row %d: %q, English %q", i+1, rows[i], enRows[i])
			}
		}
		asks := cwb.Rows(t, "Asks")
		if asks[0][0] != "Cynnyrch" || asks[1][1] != "Dim gwerthu data" || asks[1][2] != "critigol" ||
			!strings.HasPrefix(asks[1][5], "Gwaharddiad cytundebol") || asks[1][6] != "Preifatrwydd a diogelu data" {
			t.Errorf("Asks = %q", asks[:2])
		}
		criteria := cwb.Rows(t, "Criteria")
		if criteria[0][0] != "Dimensiwn" || criteria[1][2] != cy.Criteria()[0].Title {
			t.Errorf("Criteria = %q", criteria[:2])
		}
		marked := false
		for _, row := range criteria {
			for _, c := range row {
				marked = marked || strings.Contains(c, "baner goch wedi'i chodi")
			}
		}
		if !marked {
			t.Error("no red flag is marked in Welsh on the Criteria sheet")
		}
		method := cwb.Rows(t, "Method")
		if method[0][0] != "Eitem" || !slices.ContainsFunc(method, func(r []string) bool { return len(r) > 1 && r[0] == "Dull: atebion" }) {
			t.Errorf("Method = %q", method[:3])
		}
		comments := cwb.Rows(t, "Comments")
		if comments[0][3] != "Mis rhyddhau" || !slices.ContainsFunc(comments, func(r []string) bool { return len(r) > 5 && r[5] == "crynodeb" }) {
			t.Errorf("Comments = %q", comments[:2])
		}
		if charts := cwb.Charts(t); len(charts) != 1 || charts[0].Title != "Sgorau'r dimensiynau (0 i 100)" ||
			!strings.Contains(charts[0].AltText, "llwyth gwaith ac annibyniaeth broffesiynol (0 i 100) ar gyfer 3 cynnyrch") {
			t.Errorf("charts = %+v", charts)
		}
		// The traffic lights colour the Welsh risk words.
		f, err := excelize.OpenReader(bytes.NewReader(cmpData))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfs, err := f.GetConditionalFormats("Summary")
		if err != nil {
			t.Fatal(err)
		}
		var values []string
		for _, rule := range cfs["D2:D4"] {
			values = append(values, rule.Value)
		}
		if want := []string{`"isel"`, `"canolig"`, `"uchel"`, `"critigol"`, `"annigonol"`}; !slices.Equal(values, want) {
			t.Errorf("the risk column is coloured for %q, want %q", values, want)
		}
	})
	t.Run("Assessment", func(t *testing.T) {
		t.Parallel()
		overview := awb.Rows(t, "Overview")
		if overview[0][0] != "Asesiad o "+apack.Product.Name || overview[3][0] != "Eitem" || overview[4][0] != "Cynnyrch" {
			t.Errorf("Overview = %q", overview[:5])
		}
		dpia := awb.Rows(t, "DPIA")
		all := strings.Join(slices.Concat(dpia...), "\n")
		for _, want := range []string{"Asesiad effaith diogelu data: ", "Tebygolrwydd niwed", "Dim gwerthu data: atebodd adolygwyr ar lefel 1 neu'n is",
			"baner goch", "cofrestr", "ysgol", "difrifol"} {
			if !strings.Contains(all, want) {
				t.Errorf("the DPIA sheet lacks %q", want)
			}
		}
		for _, english := range []string{"Likelihood of harm", "reviewers answered", "red flag", "registry"} {
			if strings.Contains(all, english) {
				t.Errorf("the Welsh DPIA sheet holds the English %q", english)
			}
		}
		var lists []string
		for _, v := range awb.Validations(t, "DPIA") {
			lists = append(lists, strings.Join(v.List, ","))
		}
		if got := strings.Join(lists, " "); !strings.Contains(got, "pell,posibl,tebygol") || !strings.Contains(got, "isel,canolig,uchel") {
			t.Errorf("DPIA drop-downs = %q", lists)
		}
		decision := awb.Rows(t, "Decision")
		if decision[0][0] != "Cam 7: cymeradwyo a chofnodi'r canlyniad" || decision[3][0] != "Eitem" {
			t.Errorf("Decision = %q", decision[:4])
		}
		criteria := awb.Rows(t, "Criteria")
		if criteria[0][3] != "Cwestiwn" || criteria[1][3] != cy.Criteria()[0].Question {
			t.Errorf("Criteria = %q", criteria[:2])
		}
	})
}
