package xlsxtest

import (
	"archive/zip"
	"bytes"
	"html"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Workbook is a workbook read back with excelize, for tests outside
// internal/xlsx that must not use excelize themselves. Its methods take the
// t of the test or subtest calling them, so a workbook read once by a test
// may be checked by its subtests, each failing only itself.
type Workbook struct {
	f    *excelize.File
	data []byte
}

// Read opens a workbook's bytes; the test fails if they are not one.
func Read(t testing.TB, data []byte) *Workbook {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return &Workbook{f: f, data: data}
}

// Sheets returns the sheet names in order.
func (w *Workbook) Sheets() []string { return w.f.GetSheetList() }

// Rows returns a sheet's cells as stored (full values, not as shown).
func (w *Workbook) Rows(t testing.TB, sheet string) [][]string {
	t.Helper()
	rows, err := w.f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	return rows
}

// Shown returns a cell as its number format shows it.
func (w *Workbook) Shown(t testing.TB, sheet, cell string) string {
	t.Helper()
	v, err := w.f.GetCellValue(sheet, cell)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, cell, err)
	}
	return v
}

// IsNumber reports whether a cell holds a number (not text).
func (w *Workbook) IsNumber(t testing.TB, sheet, cell string) bool {
	t.Helper()
	typ, err := w.f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, cell, err)
	}
	if typ == excelize.CellTypeUnset {
		v, _ := w.f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		return v != ""
	}
	return typ == excelize.CellTypeNumber
}

// Properties are a workbook's document properties.
type Properties struct{ Title, Subject, Creator, Created string }

// Properties returns the document properties.
func (w *Workbook) Properties(t testing.TB) Properties {
	t.Helper()
	p, err := w.f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	return Properties{Title: p.Title, Subject: p.Subject, Creator: p.Creator, Created: p.Created}
}

// Tables returns the ranges of a sheet's defined tables.
func (w *Workbook) Tables(t testing.TB, sheet string) []string {
	t.Helper()
	tables, err := w.f.GetTables(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tb := range tables {
		out = append(out, tb.Range)
	}
	sort.Strings(out)
	return out
}

// Frozen reports whether a sheet's first row stays in view.
func (w *Workbook) Frozen(t testing.TB, sheet string) bool {
	t.Helper()
	p, err := w.f.GetPanes(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return p.Freeze && p.YSplit == 1
}

// Validation is one data validation of a sheet.
type Validation struct {
	Range string
	Type  string // list, date, …
	// List holds a drop-down's values.
	List               []string
	Formula1, Formula2 string
}

// Validations returns a sheet's data validations.
func (w *Workbook) Validations(t testing.TB, sheet string) []Validation {
	t.Helper()
	dvs, err := w.f.GetDataValidations(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out []Validation
	for _, dv := range dvs {
		v := Validation{Range: dv.Sqref, Type: dv.Type, Formula1: dv.Formula1, Formula2: dv.Formula2}
		if dv.Type == "list" {
			list := strings.TrimSuffix(strings.TrimPrefix(html.UnescapeString(dv.Formula1), `"`), `"`)
			v.List = strings.Split(list, ",")
		}
		out = append(out, v)
	}
	return out
}

// ConditionalFormats returns, for each range of a sheet with conditional
// formats, its rules' types ("expression", "cellIs", "dataBar").
func (w *Workbook) ConditionalFormats(t testing.TB, sheet string) map[string][]string {
	t.Helper()
	cfs, err := w.f.GetConditionalFormats(sheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for rng, rules := range cfs {
		for _, r := range rules {
			out[rng] = append(out[rng], r.Type)
		}
	}
	return out
}

// Chart is what a test checks of one chart.
type Chart struct {
	Kind    string // "radarChart", "barChart", …
	Series  int
	Title   string
	AltText string
}

var (
	chartKind  = regexp.MustCompile(`<(\w+Chart)>`)
	chartTitle = regexp.MustCompile(`<a:t>([^<]*)</a:t>`)
	altText    = regexp.MustCompile(`<xdr:cNvPr [^>]*descr="([^"]*)"`)
)

// Charts returns the workbook's charts in part order, with the alt text
// of the drawing that holds each (charts and drawings are matched by
// number, as excelize writes one chart per drawing here).
func (w *Workbook) Charts(t testing.TB) []Chart {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(w.data), int64(len(w.data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/") || strings.HasPrefix(zf.Name, "xl/drawings/drawing") {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			parts[zf.Name] = string(b)
		}
	}
	var out []Chart
	for i := 1; ; i++ {
		xml, ok := parts["xl/charts/chart"+strconv.Itoa(i)+".xml"]
		if !ok {
			return out
		}
		c := Chart{Series: strings.Count(xml, "<ser>")}
		if m := chartKind.FindStringSubmatch(xml[strings.Index(xml, "<plotArea>"):]); m != nil {
			c.Kind = m[1]
		}
		if m := chartTitle.FindStringSubmatch(xml); m != nil {
			c.Title = html.UnescapeString(m[1])
		}
		if m := altText.FindStringSubmatch(parts["xl/drawings/drawing"+strconv.Itoa(i)+".xml"]); m != nil {
			c.AltText = html.UnescapeString(m[1])
		}
		out = append(out, c)
	}
}

// CheckText fails the test for every cell of every sheet that holds a
// formula, and for every text cell without the text number format ("@"),
// which keeps an edited cell text even when it begins with "=".
func (w *Workbook) CheckText(t testing.TB) {
	t.Helper()
	for _, sheet := range w.Sheets() {
		for r, row := range w.Rows(t, sheet) {
			for c, v := range row {
				if v == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, _ := w.f.GetCellFormula(sheet, cell); formula != "" {
					t.Errorf("%s!%s holds the formula %q", sheet, cell, formula)
				}
				typ, _ := w.f.GetCellType(sheet, cell)
				if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
					continue
				}
				style, _ := w.f.GetCellStyle(sheet, cell)
				st, _ := w.f.GetStyle(style)
				if st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "@" {
					t.Errorf("%s!%s (%q) lacks the text number format", sheet, cell, v)
				}
			}
		}
	}
}
