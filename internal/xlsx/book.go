// Package xlsx writes and reads the registry's workbooks: the officer's
// comparison pack, a school's assessment, the offline review form and the
// statistics export. Registry values go in and an io.Writer comes out (or
// an io.Reader goes in, for a filled form); there is no store and no HTTP
// here. It is the only package that uses excelize.
//
// Every sheet whose length grows with the data is written with excelize's
// StreamWriter (rows in order, flushed once). Every string is written as a
// string cell with the text number format: excelize never turns a string
// into a formula, and the text format keeps it text when someone edits the
// cell, so a product called "=HYPERLINK(…)" stays a name (OWASP "CSV
// injection"). Text is kept exactly as written, so numbers match the API
// and filled forms round-trip.
//
// The assessment, the comparison pack and the review form are written in
// English or Welsh (Info.Lang): their fixed labels come from the
// package's own catalogue (labels.json), their rubric texts from the rubric
// they are given, which the caller localizes. Sheet names are the same in
// both languages, and a Welsh form imports exactly like an English one.
package xlsx

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Info says what made a workbook and when; it goes into the document
// properties and the Method sheets.
type Info struct {
	// Generated is when the workbook was made.
	Generated time.Time
	// Version is the registry's version.
	Version string
	// Lang is the language of the workbook's fixed labels; "" is English.
	// Give the writer the rubric localized into the same language: its
	// texts are the rubric's. The statistics export is in English only.
	Lang Lang
}

// ContentType is the media type of every workbook.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Style ids of a book, made once per workbook.
type styles struct {
	header  int // bold, filled, wrapped, bordered below
	text    int // the text number format "@"
	wrap    int // text, wrapped, top-aligned: long comments
	title   int // a sheet's title line
	score   int // 0.0
	count   int // 0
	percent int // 0%
	date    int // yyyy-mm-dd
}

// book is a workbook being written.
type book struct {
	f      *excelize.File
	st     styles
	sheets int
	lang   Lang
}

// newBook starts a workbook with its document properties set.
func newBook(title, subject string, info Info) (*book, error) {
	f := excelize.NewFile()
	b := &book{f: f, lang: info.Lang.orEnglish()}
	creator := b.t("book.creator")
	if info.Version != "" {
		creator += " " + info.Version
	}
	err := f.SetDocProps(&excelize.DocProperties{
		Title: title, Subject: subject, Creator: creator, LastModifiedBy: creator,
		Created: info.Generated.UTC().Format(time.RFC3339), Modified: info.Generated.UTC().Format(time.RFC3339),
		Language: b.lang.tag(), Description: subject,
	})
	if err != nil {
		return nil, err
	}
	textFmt := "@"
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	b.st.header = mk(&excelize.Style{
		Font:         &excelize.Font{Bold: true},
		Fill:         excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}},
		Alignment:    &excelize.Alignment{WrapText: true, Vertical: "top"},
		Border:       []excelize.Border{{Type: "bottom", Color: "1F4E79", Style: 2}},
		CustomNumFmt: &textFmt,
	})
	b.st.text = mk(&excelize.Style{CustomNumFmt: &textFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.wrap = mk(&excelize.Style{CustomNumFmt: &textFmt, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	b.st.title = mk(&excelize.Style{CustomNumFmt: &textFmt, Font: &excelize.Font{Bold: true, Size: 14}})
	scoreFmt, countFmt, pctFmt, dateFmt := "0.0", "0", "0%", "yyyy-mm-dd"
	b.st.score = mk(&excelize.Style{CustomNumFmt: &scoreFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.count = mk(&excelize.Style{CustomNumFmt: &countFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.percent = mk(&excelize.Style{CustomNumFmt: &pctFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.st.date = mk(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// t returns the text of a label in the workbook's language.
func (b *book) t(key string, args ...any) string { return b.lang.t(key, args...) }

// write stores the workbook in w. The first sheet is the active one, as
// in every new excelize file; calling SetActiveSheet here would read every
// streamed sheet back into memory to unselect it (measured: two thirds of
// the time of a 20-product comparison pack).
func (b *book) write(w io.Writer) error {
	_, err := b.f.WriteTo(w)
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Cell values for sheet.add. Plain Go values work too: a string is text,
// an int a count, a float64 a number in the general format, nil an empty
// cell.
type (
	// Score is a 0–100 score or a mean shown to one decimal place; nil is
	// an empty cell.
	Score *float64
	// Percent is a share from 0 to 1 shown as a whole percentage.
	Percent float64
	// Wrapped is long text shown wrapped.
	Wrapped string
	// Date is a calendar date.
	Date time.Time
)

// sheet is one sheet written row by row with the StreamWriter.
type sheet struct {
	b    *book
	name string
	sw   *excelize.StreamWriter
	rows int // rows written
	cols int // columns of the widest row
}

// addSheet starts a sheet. widths are the column widths in characters;
// with freeze set the first row stays in view when scrolling (the header).
func (b *book) addSheet(name string, widths []float64, freeze bool) (*sheet, error) {
	if b.sheets == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	b.sheets++
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	// The StreamWriter puts each new column before those already set:
	// setting them last to first writes them in ascending order, as Excel
	// expects.
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return nil, err
		}
	}
	if freeze {
		err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}})
		if err != nil {
			return nil, err
		}
	}
	return &sheet{b: b, name: name, sw: sw}, nil
}

// header writes a header row in the header style.
func (s *sheet) header(names ...string) error {
	cells := make([]any, len(names))
	for i, n := range names {
		cells[i] = excelize.Cell{StyleID: s.b.st.header, Value: n}
	}
	return s.addRow(cells)
}

// titled writes a title line (a sheet that a person reads top to bottom).
func (s *sheet) titled(title string) error {
	return s.addRow([]any{excelize.Cell{StyleID: s.b.st.title, Value: title}})
}

// add writes the next row; values are converted by cell.
func (s *sheet) add(values ...any) error {
	cells := make([]any, len(values))
	for i, v := range values {
		cells[i] = s.cell(v)
	}
	return s.addRow(cells)
}

// blank writes an empty row.
func (s *sheet) blank() error { return s.addRow(nil) }

func (s *sheet) addRow(cells []any) error {
	s.rows++
	s.cols = max(s.cols, len(cells))
	ref, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.sw.SetRow(ref, cells)
}

// cell turns a value into a styled cell. Strings always get the text
// format; nothing here ever makes a formula.
func (s *sheet) cell(v any) any {
	st := s.b.st
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return excelize.Cell{StyleID: st.text, Value: v}
	case Wrapped:
		return excelize.Cell{StyleID: st.wrap, Value: string(v)}
	case int:
		return excelize.Cell{StyleID: st.count, Value: v}
	case Score:
		if v == nil {
			return nil
		}
		return excelize.Cell{StyleID: st.score, Value: *v}
	case *float64:
		if v == nil {
			return nil
		}
		return excelize.Cell{StyleID: st.score, Value: *v}
	case Percent:
		return excelize.Cell{StyleID: st.percent, Value: float64(v)}
	case Date:
		return excelize.Cell{StyleID: st.date, Value: time.Time(v)}
	case bool:
		if v {
			return excelize.Cell{StyleID: st.text, Value: s.b.t("word.yes")}
		}
		return excelize.Cell{StyleID: st.text, Value: s.b.t("word.no")}
	case excelize.Cell:
		return v
	}
	return excelize.Cell{StyleID: st.text, Value: fmt.Sprint(v)}
}

// table declares the rows written so far (header included) a table, so
// that a screen reader announces the header and the columns filter. name
// must be unique in the workbook, letters and digits only.
func (s *sheet) table(name string) error {
	if s.rows < 2 || s.cols == 0 {
		return nil // a table needs a header and a row
	}
	end, err := excelize.CoordinatesToCellName(s.cols, s.rows)
	if err != nil {
		return err
	}
	return s.sw.AddTable(&excelize.Table{Range: "A1:" + end, Name: name, StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(true)})
}

// ref returns the reference of a cell of this sheet ("B7").
func ref(col, row int) string {
	r, _ := excelize.CoordinatesToCellName(col, row)
	return r
}

// flush ends the sheet.
func (s *sheet) flush() error { return s.sw.Flush() }

func boolPtr(b bool) *bool { return &b }
