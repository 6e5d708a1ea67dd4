package xlsxtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Form is where a review form's answers go, found by reading the form the
// way a program filling it would: the field labels and criterion ids in
// column A of the Review sheet, answers in column D, comments in E,
// evidence links in F. A form in English or in Welsh.
type Form struct {
	// Fields maps a field's label as the form shows it ("Role", or "Rôl"
	// in Welsh) to its answer cell ("D7").
	Fields map[string]string
	// Labels are the fields' labels in the order of their rows.
	Labels []string
	// Rows maps a criterion's id to its row.
	Rows map[string]int
}

// LocateForm reads a downloaded form and finds its cells.
func LocateForm(t testing.TB, data []byte) Form {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Review", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	form := Form{Fields: map[string]string{}, Rows: map[string]int{}}
	criteria := false
	for i, row := range rows {
		if len(row) == 0 || row[0] == "" {
			continue
		}
		// The headers of the criteria table and of the fields, in English
		// and in Welsh.
		switch {
		case row[0] == "Criterion" || row[0] == "Maen prawf":
			criteria = true
		case criteria:
			form.Rows[row[0]] = i + 1
		case row[0] == "Field" || row[0] == "Maes":
			form.Labels = form.Labels[:0]
		case len(row) >= 2:
			ref, _ := excelize.CoordinatesToCellName(4, i+1)
			form.Fields[row[0]] = ref
			form.Labels = append(form.Labels, row[0])
		}
	}
	if len(form.Rows) == 0 || len(form.Labels) == 0 {
		t.Fatalf("no criteria or fields found in the form: %d rows", len(rows))
	}
	return form
}

// Answer is one criterion's row as a reviewer fills it in.
type Answer struct {
	Criterion string
	// Answer is "0"–"4", "don't know" or "not applicable"; a Number is
	// written as a number instead of text.
	Answer   string
	Number   bool
	Comment  string
	Evidence []string
}

// Review is a filled form: the fields by label, and the answers.
type Review struct {
	// Fields maps a label to its value: a string (text) or an int.
	Fields  map[string]any
	Answers []Answer
}

// Cells returns the cells that write r into the form.
func (f Form) Cells(t testing.TB, r Review) []Cell {
	t.Helper()
	var out []Cell
	for label, v := range r.Fields {
		ref, ok := f.Fields[label]
		if !ok {
			t.Fatalf("the form has no field %q", label)
		}
		out = append(out, Cell{Sheet: "Review", Ref: ref, Value: v})
	}
	for _, a := range r.Answers {
		row, ok := f.Rows[a.Criterion]
		if !ok {
			t.Fatalf("the form has no criterion %q", a.Criterion)
		}
		at := func(col int) string { ref, _ := excelize.CoordinatesToCellName(col, row); return ref }
		var answer any = a.Answer
		if a.Number {
			n := int(a.Answer[0] - '0')
			answer = n
		}
		out = append(out, Cell{Sheet: "Review", Ref: at(4), Value: answer})
		if a.Comment != "" {
			out = append(out, Cell{Sheet: "Review", Ref: at(5), Value: a.Comment})
		}
		if len(a.Evidence) > 0 {
			out = append(out, Cell{Sheet: "Review", Ref: at(6), Value: strings.Join(a.Evidence, "\n")})
		}
	}
	return out
}

// FillWithExcelize writes cells into the workbook data with excelize and
// returns the saved workbook.
func FillWithExcelize(t testing.TB, data []byte, cells []Cell) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range cells {
		switch v := c.Value.(type) {
		case string:
			err = f.SetCellStr(c.Sheet, c.Ref, v)
		case int:
			err = f.SetCellInt(c.Sheet, c.Ref, int64(v))
		default:
			err = f.SetCellValue(c.Sheet, c.Ref, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
