package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

var formInfo = Info{Generated: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Version: "test"}

// template writes the form of r.
func template(t testing.TB, r *registry.Rubric, product *registry.Product) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, r, product, formInfo); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sampleReview fills every field and answers every criterion of r with
// every kind of answer (scores typed as text and as numbers, "don't know",
// "not applicable"), injection payloads in the free text and evidence
// links; it returns the filling and what ReadReview must make of it.
func sampleReview(r *registry.Rubric) (xlsxtest.Review, FilledReview) {
	in := xlsxtest.Review{Fields: map[string]any{
		"Role": "teacher", "Phase": "secondary", "Nation": "wales", "Subject": injections[0], "Setting": "academy",
		"Months of use": 18, "How often": "weekly", "Recommendation": "conditional",
		"Summary": strings.Join(injections, " | "), "Conflict of interest": "yes", "Conflict details": injections[3] + " I ran a paid pilot.",
	}}
	want := FilledReview{RubricID: r.ID, RubricVersion: r.Version,
		Reviewer:       registry.ReviewerContext{Role: "teacher", Phase: "secondary", Nation: "wales", Subject: injections[0], Setting: "academy"},
		Usage:          registry.Usage{Months: 18, Frequency: "weekly"},
		Recommendation: "conditional", Summary: strings.Join(injections, " | "),
		Conflict: registry.Conflict{Declared: true, Details: injections[3] + " I ran a paid pilot."}}
	for i, c := range r.Criteria() {
		a := xlsxtest.Answer{Criterion: c.ID}
		w := registry.Answer{Criterion: c.ID}
		switch {
		case i%5 == 1 && c.Unknown != registry.UnknownNone:
			a.Answer, w.Unknown = DontKnow, true
		case i%5 == 2 && c.NotApplicable:
			a.Answer, w.NA = NotApplicable, true
		default:
			s := i % registry.Levels
			a.Answer, a.Number, w.Score = strconv.Itoa(s), i%3 == 0, &s
		}
		if i%2 == 0 {
			a.Comment = injections[(i/2)%len(injections)]
			w.Comment = a.Comment
		}
		if i%4 == 0 {
			a.Evidence = []string{"https://evil.example/=cmd|'/C%20calc'!A0", "http://example.org/policy#" + c.ID}
			w.Evidence = a.Evidence
		}
		in.Answers = append(in.Answers, a)
		want.Answers = append(want.Answers, w)
	}
	return in, want
}

// filled returns the form of r filled with sampleReview by excelize.
func filled(t testing.TB, r *registry.Rubric) ([]byte, FilledReview) {
	t.Helper()
	form := template(t, r, nil)
	in, want := sampleReview(r)
	return xlsxtest.FillWithExcelize(t, form, xlsxtest.LocateForm(t, form).Cells(t, in)), want
}

// read reads a form and fails the test on an error.
func read(t testing.TB, data []byte, rubrics registry.RubricService) *FilledReview {
	t.Helper()
	fr, err := ReadReview(bytes.NewReader(data), int64(len(data)), rubrics)
	if err != nil {
		t.Fatalf("ReadReview: %v", err)
	}
	return fr
}

// sameReview fails the test unless got holds what want does.
func sameReview(t *testing.T, got *FilledReview, want FilledReview) {
	t.Helper()
	g := *got
	g.Cells = nil
	if reflect.DeepEqual(g, want) {
		return
	}
	ga, wa := g.Answers, want.Answers
	g.Answers, want.Answers = nil, nil
	if !reflect.DeepEqual(g, want) {
		t.Errorf("read %+v\nwant %+v", g, want)
	}
	if len(ga) != len(wa) {
		t.Errorf("read %d answers, want %d", len(ga), len(wa))
	}
	for i := range min(len(ga), len(wa)) {
		if !reflect.DeepEqual(ga[i], wa[i]) {
			t.Errorf("answer %d: %s, want %s", i, showAnswer(ga[i]), showAnswer(wa[i]))
		}
	}
}

func showAnswer(a registry.Answer) string {
	score := "nil"
	if a.Score != nil {
		score = strconv.Itoa(*a.Score)
	}
	return fmt.Sprintf("{%s score %s unknown %v na %v comment %q evidence %q}", a.Criterion, score, a.Unknown, a.NA, a.Comment, a.Evidence)
}

// lineBreaks writes every line break of the review's text as LF, as
// LibreOffice does to a CR inside a cell's text when it saves a workbook.
func lineBreaks(fr FilledReview) FilledReview {
	lf := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace
	fr.Summary, fr.Reviewer.Subject, fr.Conflict.Details = lf(fr.Summary), lf(fr.Reviewer.Subject), lf(fr.Conflict.Details)
	answers := slices.Clone(fr.Answers)
	for i := range answers {
		answers[i].Comment = lf(answers[i].Comment)
	}
	fr.Answers = answers
	return fr
}

// TestTemplate checks the form's sheets, identity, layout, drop-down lists
// (exactly the answers each criterion allows), cell formats and locks.
func TestTemplate(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	r := set.Default()
	product := &registry.Product{ID: "maths-tutor", Name: injections[0], Vendor: "Acme"}
	data := template(t, r, product)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if got := f.GetSheetList(); !slices.Equal(got, []string{ReviewSheet, InstructionsSheet, FormSheet}) {
		t.Errorf("sheets = %q", got)
	}
	props, err := f.GetDocProps()
	if err != nil || !strings.Contains(props.Title, "Review form for "+injections[0]) || props.Created != "2026-12-01T09:00:00Z" {
		t.Errorf("document properties = %+v, %v", props, err)
	}
	parts := zipContents(t, data)
	if wb := parts["xl/workbook.xml"]; !strings.Contains(wb, `name="Form"`) || !strings.Contains(wb, `state="veryHidden"`) || !strings.Contains(wb, `lockStructure="true"`) {
		t.Errorf("the Form sheet is not very hidden, or the structure is not locked:\n%s", wb)
	}
	for _, sheet := range []string{"sheet1", "sheet2", "sheet3"} {
		if !strings.Contains(parts["xl/worksheets/"+sheet+".xml"], `<sheetProtection`) {
			t.Errorf("%s is not protected", sheet)
		}
	}

	// The identity, on the Form sheet and shown on the Review sheet.
	for i, want := range [][2]string{{"format", formFormat}, {"rubricId", r.ID}, {"rubricVersion", strconv.Itoa(r.Version)}, {"rubricHash", r.Hash}, {"productId", "maths-tutor"}} {
		k, _ := f.GetCellValue(FormSheet, ref(1, i+1))
		v, _ := f.GetCellValue(FormSheet, ref(2, i+1))
		if k != want[0] || v != want[1] {
			t.Errorf("Form row %d = %q %q, want %q", i+1, k, v, want)
		}
	}
	if v, _ := f.GetCellValue(ReviewSheet, "D4"); v != r.Hash {
		t.Errorf("Review!D4 = %q, want the hash", v)
	}

	// Drop-down lists: the fields', and each criterion's exactly the
	// answers the rubric allows it, worked out here from the rubric.
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
	form := xlsxtest.LocateForm(t, data)
	for label, want := range map[string][]string{"Role": registry.ReviewerRoles, "Phase": registry.Phases, "Nation": registry.Nations,
		"Setting": registry.Settings, "How often": registry.Frequencies, "Recommendation": registry.Recommendations, "Conflict of interest": {"yes", "no"}} {
		if got := lists[form.Fields[label]]; !slices.Equal(got, want) {
			t.Errorf("%s (%s) offers %q, want %q", label, form.Fields[label], got, want)
		}
	}
	criteria := r.Criteria()
	if len(form.Rows) != len(criteria) {
		t.Errorf("%d criterion rows, want %d", len(form.Rows), len(criteria))
	}
	kinds := map[string]int{}
	for i, c := range criteria {
		row := form.Rows[c.ID]
		if row != rowCriteria+1+i {
			t.Errorf("criterion %s on row %d, want %d", c.ID, row, rowCriteria+1+i)
		}
		want := []string{"0", "1", "2", "3", "4"}
		if c.Unknown == registry.UnknownWorst || c.Unknown == registry.UnknownIgnore {
			want = append(want, "don't know")
		}
		if c.NotApplicable {
			want = append(want, "not applicable")
		}
		kinds[strings.Join(want, ",")]++
		if got := lists[ref(colAnswer, row)]; !slices.Equal(got, want) {
			t.Errorf("%s: the answer drop-down offers %q, want %q", c.ID, got, want)
		}
		for col, want := range map[int]string{1: c.ID, 2: c.Title, 3: c.Question, 7: c.Levels[0].Label + ": " + c.Levels[0].Descriptor,
			11: c.Levels[4].Label + ": " + c.Levels[4].Descriptor} {
			if got, _ := f.GetCellValue(ReviewSheet, ref(col, row)); got != want {
				t.Errorf("%s: %s = %q, want %q", c.ID, ref(col, row), got, want)
			}
		}
		// Answer, comment and evidence: text-formatted and unlocked;
		// the id: locked.
		for col := colAnswer; col <= colEvidence; col++ {
			checkInput(t, f, ref(col, row), "@")
		}
		if st := style(t, f, ref(colID, row)); st.Protection != nil && !st.Protection.Locked {
			t.Errorf("%s (an id) is unlocked", ref(colID, row))
		}
	}
	if len(kinds) < 3 {
		t.Errorf("the rubric exercises only %d kinds of answer lists; the test needs 0–4 alone, with don't know and with not applicable", len(kinds))
	}
	for label, cell := range form.Fields {
		switch label {
		case "Product", "Rubric", "Rubric hash":
			if st := style(t, f, cell); st.Protection != nil && !st.Protection.Locked {
				t.Errorf("%s (%s) is unlocked", label, cell)
			}
		case "Months of use":
			checkInput(t, f, cell, "0")
		default:
			checkInput(t, f, cell, "@")
		}
	}
	tables, err := f.GetTables(ReviewSheet)
	if err != nil || len(tables) != 1 || tables[0].Range != fmt.Sprintf("A%d:L%d", rowCriteria, rowCriteria+len(criteria)) {
		t.Errorf("tables = %+v, %v", tables, err)
	}
}

// checkInput fails unless a cell has the number format numFmt and is
// unlocked.
func checkInput(t *testing.T, f *excelize.File, cell, numFmt string) {
	t.Helper()
	st := style(t, f, cell)
	if st.CustomNumFmt == nil || *st.CustomNumFmt != numFmt {
		t.Errorf("%s: number format %v, want %q", cell, st.CustomNumFmt, numFmt)
	}
	if st.Protection == nil || st.Protection.Locked {
		t.Errorf("%s is locked; a reviewer writes in it", cell)
	}
}

func style(t *testing.T, f *excelize.File, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(ReviewSheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// zipParts returns the parts of a workbook by name.
func zipContents(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// TestReadReview fills the form as three programs would (excelize,
// openpyxl, LibreOffice Calc saving a form excelize filled) and reads it
// back: every value as written, injection payloads included.
func TestReadReview(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	r := set.Default()
	form := template(t, r, nil)
	in, want := sampleReview(r)
	cells := xlsxtest.LocateForm(t, form).Cells(t, in)
	byExcelize := xlsxtest.FillWithExcelize(t, form, cells)

	t.Run("Excelize", func(t *testing.T) {
		t.Parallel()
		fr := read(t, byExcelize, set)
		sameReview(t, fr, want)
		if fr.ProductID != "" {
			t.Errorf("ProductID = %q for a form of any product", fr.ProductID)
		}
	})
	t.Run("Openpyxl", func(t *testing.T) {
		t.Parallel()
		sameReview(t, read(t, xlsxtest.FillWithOpenpyxl(t, form, cells), set), want)
	})
	t.Run("LibreOffice", func(t *testing.T) {
		t.Parallel()
		got := lineBreaks(*read(t, xlsxtest.Resave(t, byExcelize), set))
		sameReview(t, &got, lineBreaks(want))
	})
	t.Run("Cells", func(t *testing.T) {
		t.Parallel()
		fr := read(t, byExcelize, set)
		first := rowCriteria + 1
		for path, want := range map[string]string{
			"reviewer.role": "Review!D7", "usage.months": "Review!D12", "summary": "Review!D15", "conflictOfInterest.details": "Review!D17",
			"answers[0].score": fmt.Sprintf("Review!D%d", first), "answers[1].comment": fmt.Sprintf("Review!E%d", first+1),
			"answers[2].evidence[1]": fmt.Sprintf("Review!F%d", first+2), "rubricVersion": "Review!D3", "Idempotency-Key": "",
		} {
			if got := fr.Cell(path); got != want {
				t.Errorf("Cell(%q) = %q, want %q", path, got, want)
			}
		}
		err := fr.Locate(registry.Invalid("x", registry.FieldError{Field: "answers[2].comment", Message: "too long"},
			registry.FieldError{Field: "Idempotency-Key", Message: "reused"}))
		fields := registry.ErrorFields(err)
		if len(fields) != 2 || fields[0].Field != fmt.Sprintf("Review!E%d", first+2) || fields[1].Field != "Idempotency-Key" {
			t.Errorf("Locate: %+v", fields)
		}
	})
	t.Run("ProductForm", func(t *testing.T) {
		t.Parallel()
		pform := template(t, r, &registry.Product{ID: "maths-tutor", Name: "Maths Tutor", Vendor: "Acme"})
		fr := read(t, xlsxtest.FillWithExcelize(t, pform, xlsxtest.LocateForm(t, pform).Cells(t, in)), set)
		if fr.ProductID != "maths-tutor" {
			t.Errorf("ProductID = %q", fr.ProductID)
		}
	})
}

// TestFormLibreOffice converts a filled form with LibreOffice: it opens
// without error, and it shows the criteria and the answers as written.
func TestFormLibreOffice(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	r := set.Default()
	data, want := filled(t, r)
	want = lineBreaks(want) // LibreOffice's reading of a CR in a cell
	sheets := xlsxtest.Convert(t, data, ReviewSheet, InstructionsSheet)
	rows := sheets[ReviewSheet]
	if len(rows) < rowCriteria+len(want.Answers) {
		t.Fatalf("LibreOffice read %d rows of the Review sheet", len(rows))
	}
	cell := func(col, row int) string {
		if r := rows[row-1]; col-1 < len(r) {
			return r[col-1]
		}
		return ""
	}
	if got := cell(colAnswer, rowFields+1); got != "teacher" {
		t.Errorf("role = %q", got)
	}
	if got := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(cell(colAnswer, rowFields+9)); got != want.Summary {
		t.Errorf("summary = %q, want %q", got, want.Summary)
	}
	for i, c := range r.Criteria() {
		row := rowCriteria + 1 + i
		a := want.Answers[i]
		answer := DontKnow
		switch {
		case a.Score != nil:
			answer = strconv.Itoa(*a.Score)
		case a.NA:
			answer = NotApplicable
		}
		lf := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(cell(colComment, row))
		if cell(colID, row) != c.ID || cell(colTitle, row) != c.Title || cell(colAnswer, row) != answer || lf != a.Comment {
			t.Errorf("row %d = %q; want %s, %q, %q, %q", row, rows[row-1][:5], c.ID, c.Title, answer, a.Comment)
		}
	}
}

// TestReadReviewManyProblems lists at most MaxFieldErrors problems and
// says how many there are.
func TestReadReviewManyProblems(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	r := set.Default()
	form := template(t, r, nil)
	var in xlsxtest.Review
	long := strings.Repeat("x", registry.MaxCommentLength+1)
	links := strings.Fields(strings.Repeat("ftp://example.org/x ", registry.MaxEvidenceLinks+1))
	for _, c := range r.Criteria() {
		in.Answers = append(in.Answers, xlsxtest.Answer{Criterion: c.ID, Answer: "3", Comment: long, Evidence: links})
	}
	data := xlsxtest.FillWithExcelize(t, form, xlsxtest.LocateForm(t, form).Cells(t, in))
	_, err := ReadReview(bytes.NewReader(data), int64(len(data)), set)
	fields := registry.ErrorFields(err)
	if registry.ErrorCode(err) != registry.EINVALID || len(fields) != MaxFieldErrors {
		t.Fatalf("err = %v with %d fields, want EINVALID with %d", err, len(fields), MaxFieldErrors)
	}
	// 8 empty required fields, then per criterion a long comment, too many
	// links and each bad link.
	total := 8 + len(r.Criteria())*(2+len(links))
	if msg := registry.ErrorMessage(err); !strings.Contains(msg, fmt.Sprintf("%d problems; the first %d", total, MaxFieldErrors)) {
		t.Errorf("message = %q", msg)
	}
	if fields[8].Field != fmt.Sprintf("Review!E%d", rowCriteria+1) || !strings.Contains(fields[8].Message, "at most 2000") {
		t.Errorf("field 8 = %+v, want the first comment", fields[8])
	}
}

// BenchmarkReadReview reads a filled form of the default rubric: the
// package checks, excelize opening it, and every cell read and checked.
// Besides ns/op it reports the process's CPU time per form ("cpu-ms/op",
// garbage collection included), which the machine's load changes less.
func BenchmarkReadReview(b *testing.B) {
	set := rubrictest.Set(b)
	data, _ := filled(b, set.Default())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start, n := cpuTime(), 0
	for b.Loop() {
		if _, err := ReadReview(bytes.NewReader(data), int64(len(data)), set); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if cpu := cpuTime() - start; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "cpu-ms/op")
	}
}
