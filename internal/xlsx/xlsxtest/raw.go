package xlsxtest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// RawSheets opens a workbook with excelize and returns its sheet names in
// order and every sheet's rows as stored (full values, not as a number
// format shows them), for tests outside internal/xlsx. The test fails if
// data is not a workbook.
func RawSheets(t testing.TB, data []byte) (names []string, rows map[string][][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	names = f.GetSheetList()
	rows = map[string][][]string{}
	for _, s := range names {
		r, err := f.GetRows(s, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		rows[s] = r
	}
	return names, rows
}

// TextCells fails the test for every cell of the named sheets that holds
// a formula, or a string without the text number format ("@").
func TextCells(t testing.TB, data []byte, sheets ...string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	for _, s := range sheets {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			for j := range row {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if formula, _ := f.GetCellFormula(s, ref); formula != "" {
					t.Errorf("%s!%s holds the formula %q", s, ref, formula)
				}
				typ, _ := f.GetCellType(s, ref)
				if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
					continue
				}
				style, _ := f.GetCellStyle(s, ref)
				if st, _ := f.GetStyle(style); st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "@" {
					t.Errorf("%s!%s is text without the text number format", s, ref)
				}
			}
		}
	}
}
