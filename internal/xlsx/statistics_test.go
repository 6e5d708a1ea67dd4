package xlsx

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// statsProducts are products whose names and vendors carry the injection
// payloads, each with the released statistics of one demo product.
func statsProducts(t *testing.T, r *registry.Rubric) ([]*registry.Product, []*registry.Stats) {
	t.Helper()
	pool := demoStats(t, r)
	var ps []*registry.Product
	var ss []*registry.Stats
	for i, text := range injections {
		ps = append(ps, &registry.Product{ID: fmt.Sprintf("product-%d", i), Name: text, Vendor: text + " Ltd",
			Website: "https://p" + strconv.Itoa(i) + ".example", Category: "tutoring", Status: registry.ProductActive,
			AIFeatures: []string{"generative"}, UsedBy: []string{"pupils", "staff"}, DataProcessed: []string{"academic"},
			Hosting: text})
		ss = append(ss, pool[i%len(pool)])
	}
	return ps, ss
}

// writeStatistics writes an export of the products, each with its stats
// under r, and returns the workbook.
func writeStatistics(t *testing.T, r *registry.Rubric, ps []*registry.Product, ss []*registry.Stats, rowsPerSheet int) []byte {
	t.Helper()
	var buf bytes.Buffer
	x, err := NewStatistics(&buf, Info{Generated: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Version: "test"},
		StatisticsOptions{Threshold: 5, RowsPerSheet: rowsPerSheet})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		var rel []Released
		if ss[i] != nil {
			rel = append(rel, Released{Rubric: r, Stats: ss[i]})
		}
		if err := x.Product(p, rel...); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantRows is what the Statistics sheets must hold for the products, in
// order, computed with assess.Assess per group exactly as the JSON
// assessment is: empty strings where a suppressed row has no numbers.
func wantRows(r *registry.Rubric, ps []*registry.Product, ss []*registry.Stats) [][]string {
	var out [][]string
	groups := append([]registry.AssessmentFilter{{}}, groupFilters()...)
	num := func(v int) string { return strconv.Itoa(v) }
	for i, p := range ps {
		if ss[i] == nil {
			continue
		}
		for _, f := range groups {
			a := assess.Assess(r, ss[i], f, 5)
			breakdown, group := "all", "all reviewers"
			if k := f.Key(); k != "" {
				breakdown, group, _ = strings.Cut(string(k), ":")
			}
			for _, c := range a.Criteria {
				row := []string{p.ID, r.ID, num(r.Version), breakdown, group}
				if a.Suppressed {
					row = append(row, "suppressed: fewer than 5 reviewers, or hidden to protect a smaller group", "", c.Dimension, c.ID)
				} else {
					mean := ""
					if c.Mean != nil {
						mean = strconv.FormatFloat(*c.Mean, 'f', -1, 64)
					}
					d := c.Distribution
					row = append(row, "shown", num(a.Reviews), c.Dimension, c.ID, num(c.N), mean,
						num(d[0]), num(d[1]), num(d[2]), num(d[3]), num(d[4]), num(c.Unknown), num(c.NA), num(c.RedFlagHits))
				}
				out = append(out, row)
			}
		}
	}
	return out
}

// rawRows reads a sheet's rows with raw (unformatted) values, trailing
// empty cells dropped.
func rawRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// sameRow compares a Statistics row with the expected one: the mean (column
// K) as a number to the 15 significant digits a spreadsheet keeps, every
// other cell exactly.
func sameRow(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if i == 10 && want[i] != "" {
			g, err1 := strconv.ParseFloat(got[i], 64)
			w, err2 := strconv.ParseFloat(want[i], 64)
			if err1 != nil || err2 != nil || math.Abs(g-w) > 1e-13*math.Max(1, math.Abs(w)) {
				return false
			}
			continue
		}
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func trimRow(row []string) []string {
	for len(row) > 0 && row[len(row)-1] == "" {
		row = row[:len(row)-1]
	}
	return row
}

// TestStatisticsWorkbook writes the export of products whose names,
// vendors and hosting carry injection payloads and reads it back: sheet
// order, headers, every row equal to assess.Assess for its group, suppressed
// rows without numbers, the Products sheet's text kept as text with the
// text format and never a formula, tables and frozen headers, document
// properties; and LibreOffice opens it and reads the same values.
func TestStatisticsWorkbook(t *testing.T) {
	t.Parallel()
	r := rubrictest.Default(t)
	ps, ss := statsProducts(t, r)
	// A product with no public reviews has a Products row and no statistics.
	ps = append(ps, &registry.Product{ID: "no-reviews", Name: "Quiet product", Vendor: "Nobody", Status: registry.ProductActive})
	ss = append(ss, nil)
	data := writeStatistics(t, r, ps, ss, 0)

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Statistics", "Products", "Criteria", "About"}; !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Title != "Registry statistics" || props.Created != "2026-12-01T09:00:00Z" || !strings.Contains(props.Creator, "test") {
		t.Errorf("document properties = %+v, %v", props, err)
	}

	rows := rawRows(t, f, "Statistics")
	if !slices.Equal(rows[0], statisticsHeader) {
		t.Errorf("Statistics header = %q", rows[0])
	}
	want := wantRows(r, ps, ss)
	if len(rows)-1 != len(want) {
		t.Fatalf("Statistics has %d rows, want %d (products × groups × criteria)", len(rows)-1, len(want))
	}
	if len(want) != (len(ps)-1)*(1+len(registry.GroupKeys()))*len(r.Criteria()) {
		t.Fatalf("the expected rows are not one per product, group and criterion: %d", len(want))
	}
	suppressed, shown := 0, 0
	for i, w := range want {
		got := trimRow(rows[i+1])
		if !sameRow(got, w) {
			t.Fatalf("Statistics row %d = %q, want %q", i+2, got, w)
		}
		if w[5] == "shown" {
			shown++
		} else {
			suppressed++
		}
	}
	if suppressed == 0 || shown == 0 {
		t.Fatalf("the data has %d suppressed and %d shown rows: both kinds are needed", suppressed, shown)
	}
	// Numbers are numbers, and the mean is shown to one decimal.
	for col, want := range map[int]excelize.CellType{7: excelize.CellTypeNumber, 10: excelize.CellTypeNumber, 11: excelize.CellTypeNumber} {
		if typ, _ := f.GetCellType("Statistics", ref(col, 2)); typ != want && typ != excelize.CellTypeUnset {
			t.Errorf("%s has type %v, want a number", ref(col, 2), typ)
		}
	}

	products := rawRows(t, f, "Products")
	if !slices.Equal(products[0], productsHeader) {
		t.Errorf("Products header = %q", products[0])
	}
	if len(products)-1 != len(ps) {
		t.Fatalf("Products has %d rows, want %d", len(products)-1, len(ps))
	}
	for i, text := range injections {
		row := i + 2
		for col, want := range map[int]string{2: text, 3: text + " Ltd", 10: text} {
			cell := ref(col, row)
			if formula, _ := f.GetCellFormula("Products", cell); formula != "" {
				t.Errorf("Products!%s holds the formula %q", cell, formula)
			}
			if typ, _ := f.GetCellType("Products", cell); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
				t.Errorf("Products!%s has type %v, want a string", cell, typ)
			}
			style, _ := f.GetCellStyle("Products", cell)
			if st, _ := f.GetStyle(style); st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "@" {
				t.Errorf("Products!%s lacks the text number format", cell)
			}
			if got := products[i+1][col-1]; got != want {
				t.Errorf("Products!%s = %q, want %q as written", cell, got, want)
			}
		}
		all := assess.Assess(r, ss[i], registry.AssessmentFilter{}, 5)
		if got := products[i+1][11]; got != strconv.Itoa(all.Reviews) {
			t.Errorf("Products!L%d (public reviews) = %q, want %d", row, got, all.Reviews)
		}
	}
	if last := trimRow(products[len(products)-1]); last[0] != "no-reviews" || last[11] != "0" {
		t.Errorf("the product without reviews reads %q", last)
	}

	for _, s := range []string{"Statistics", "Products", "Criteria"} {
		tables, err := f.GetTables(s)
		if err != nil || len(tables) != 1 {
			t.Errorf("%s: tables %+v, %v; want one (its header announced, its columns filtered)", s, tables, err)
		}
		panes, err := f.GetPanes(s)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: panes %+v, %v; want the header row frozen", s, panes, err)
		}
	}
	criteria := rawRows(t, f, "Criteria")
	if len(criteria)-1 != len(r.Criteria()) {
		t.Errorf("Criteria has %d rows, want %d", len(criteria)-1, len(r.Criteria()))
	}
	about := rawRows(t, f, "About")
	if !strings.Contains(fmt.Sprint(about), "Anonymity threshold 5") || !strings.Contains(fmt.Sprint(about), r.Hash) {
		t.Errorf("About does not give the threshold and the rubric's hash: %q", about)
	}

	// An independent reader: LibreOffice opens the workbook and reads the
	// same values.
	lo := xlsxtest.Convert(t, data, "Statistics", "Products", "Criteria", "About")
	if got := lo["Statistics"]; len(got) != len(want)+1 {
		t.Fatalf("LibreOffice reads %d Statistics rows, want %d", len(got), len(want)+1)
	}
	for i, w := range want {
		if got := trimRow(lo["Statistics"][i+1]); !sameRow(got, w) {
			t.Fatalf("LibreOffice reads Statistics row %d as %q, want %q", i+2, got, w)
		}
	}
	for i, text := range injections {
		if got := lo["Products"][i+1]; got[1] != text || got[2] != text+" Ltd" {
			t.Errorf("LibreOffice reads Products row %d as %q", i+2, got[:3])
		}
	}
}

// TestStatisticsContinuation lowers the rows per sheet: the statistics go
// on over Statistics, Statistics 2… (each with its header and table), kept
// together before Products, and read back in order they are the same rows.
func TestStatisticsContinuation(t *testing.T) {
	t.Parallel()
	r := rubrictest.Default(t)
	ps, ss := statsProducts(t, r)
	ps, ss = ps[:3], ss[:3]
	per := len(r.Criteria()) * (1 + len(registry.GroupKeys())) // one product's rows
	limit := per/2 + 7                                         // sheets end mid-product
	data := writeStatistics(t, r, ps, ss, limit)
	want := wantRows(r, ps, ss)
	sheets := (len(want) + limit - 1) / limit

	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantSheets := []string{"Statistics"}
	for i := 2; i <= sheets; i++ {
		wantSheets = append(wantSheets, "Statistics "+strconv.Itoa(i))
	}
	wantSheets = append(wantSheets, "Products", "Criteria", "About")
	if got := f.GetSheetList(); !slices.Equal(got, wantSheets) {
		t.Fatalf("sheets = %q, want %q", got, wantSheets)
	}
	var got [][]string
	for i, s := range wantSheets[:sheets] {
		rows := rawRows(t, f, s)
		if !slices.Equal(rows[0], statisticsHeader) {
			t.Errorf("%s: header %q", s, rows[0])
		}
		if n := len(rows) - 1; n > limit || (i < sheets-1 && n != limit) {
			t.Errorf("%s holds %d rows; limit %d", s, n, limit)
		}
		tables, err := f.GetTables(s)
		if err != nil || len(tables) != 1 || tables[0].Range != "A1:"+ref(len(statisticsHeader), len(rows)) {
			t.Errorf("%s: tables %+v, %v", s, tables, err)
		}
		for _, row := range rows[1:] {
			got = append(got, trimRow(row))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("the Statistics sheets hold %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if !sameRow(got[i], want[i]) {
			t.Fatalf("row %d = %q, want %q", i+1, got[i], want[i])
		}
	}
}

// TestStatisticsEmpty: a registry without products still gives a workbook
// with every sheet and its header.
func TestStatisticsEmpty(t *testing.T) {
	t.Parallel()
	data := writeStatistics(t, rubrictest.Default(t), nil, nil, 0)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Statistics", "Products", "Criteria", "About"}) {
		t.Fatalf("sheets = %q", got)
	}
	if rows := rawRows(t, f, "Statistics"); len(rows) != 1 || !slices.Equal(rows[0], statisticsHeader) {
		t.Errorf("Statistics = %q, want the header alone", rows)
	}
}

// TestStatisticsAfterClose: Product after Close fails, and a second Close
// writes nothing.
func TestStatisticsAfterClose(t *testing.T) {
	t.Parallel()
	r := rubrictest.Default(t)
	var buf bytes.Buffer
	x, err := NewStatistics(&buf, Info{Generated: time.Now()}, StatisticsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	n := buf.Len()
	if err := x.Product(&registry.Product{ID: "late"}, Released{Rubric: r, Stats: registry.NewStats("late", r)}); err == nil {
		t.Error("Product after Close succeeded")
	}
	if err := x.Close(); err != nil || buf.Len() != n {
		t.Errorf("a second Close: %v, wrote %d more bytes", err, buf.Len()-n)
	}
}

// TestReleaseStream: a stream's buffer can be sized up front; a flushed
// stream whose rows went to its temporary file gives up its buffer, one
// still in memory keeps it; and the workbook written afterwards holds every
// row of both. If an excelize upgrade renames the fields sizeStream and
// releaseStream reach, this fails (and the statistics export's memory would
// grow with its sheets again).
func TestReleaseStream(t *testing.T) {
	t.Parallel()
	b, err := newBook("Release", "test", Info{Generated: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	const big, small = 40_000, 10 // rows; 40,000 rows of ~600 bytes pass the 16 MiB chunk
	filler := strings.Repeat("x", 500)
	for _, sh := range []struct {
		name    string
		rows    int
		release bool
	}{{"Big", big, true}, {"Small", small, false}} {
		s, err := b.addSheet(sh.name, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if sh.release {
			if !sizeStream(s.sw) {
				t.Fatal("sizeStream found no buffer")
			}
			if buf, _ := streamBuffer(s.sw); buf.Cap() < excelize.StreamChunkSize {
				t.Errorf("the sized buffer holds %d bytes, want a chunk", buf.Cap())
			}
		}
		for i := range sh.rows {
			if err := s.add(strconv.Itoa(i), filler, i); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.flush(); err != nil {
			t.Fatal(err)
		}
		if got := releaseStream(s.sw); got != sh.release {
			t.Errorf("%s: releaseStream = %v, want %v", sh.name, got, sh.release)
		}
	}
	var buf bytes.Buffer
	if err := b.writeDirect(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, n := range map[string]int{"Big": big, "Small": small} {
		rows := rawRows(t, f, name)
		if len(rows) != n || rows[n-1][0] != strconv.Itoa(n-1) || rows[n-1][1] != filler {
			t.Errorf("%s: %d rows read back, want %d", name, len(rows), n)
		}
	}
}
