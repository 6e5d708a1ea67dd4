package xlsx

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/registry"
)

// StatisticsRowsPerSheet is the number of data rows a sheet of the
// statistics export holds at most: Excel's 1,048,576 rows less the header.
// Further rows go on "Statistics 2", "Statistics 3" and so on.
const StatisticsRowsPerSheet = 1_048_575

// Sheet names of the statistics export.
const (
	statisticsSheet = "Statistics"
	productsSheet   = "Products"
	criteriaSheet   = "Criteria"
	aboutSheet      = "About"
)

// statisticsHeader names the columns of the Statistics sheets.
var statisticsHeader = []string{
	"Product", "Rubric", "Rubric version", "Breakdown", "Group", "Status", "Reviews", "Dimension", "Criterion",
	"n", "Mean", "Level 0", "Level 1", "Level 2", "Level 3", "Level 4", "Don't know", "Not applicable", "Red-flag hits",
}

var statisticsWidths = []float64{28, 10, 9, 11, 18, 26, 9, 12, 34, 6, 7, 8, 8, 8, 8, 8, 10, 11, 10}

// productsHeader names the columns of the Products sheet.
var productsHeader = []string{
	"Product", "Name", "Vendor", "Website", "Category", "Status", "AI features", "Used by", "Data processed",
	"Hosting", "Ages", "Public reviews", "Rubric versions",
}

var productsWidths = []float64{28, 30, 26, 30, 14, 10, 30, 20, 34, 12, 8, 10, 24}

// StatisticsOptions configure a statistics export.
type StatisticsOptions struct {
	// Threshold is the anonymity threshold in force
	// (registry.AnonymityThreshold applies, as for every assessment).
	Threshold int
	// RowsPerSheet bounds the data rows of each Statistics (and Products)
	// sheet; zero means StatisticsRowsPerSheet. Tests lower it to see the
	// continuation sheets.
	RowsPerSheet int
}

// Released is one rubric version's released statistics of a product: what
// the store's Stats returns for that version.
type Released struct {
	Rubric *registry.Rubric
	Stats  *registry.Stats
}

// Statistics writes the officer's statistics export: the registry's
// released statistics as one flat table, one row per product × rubric
// version × group × criterion, fed one product at a time so that memory does
// not grow with the number of products (the rows go to excelize's stream
// temporary files, and the workbook is zipped straight into the writer).
//
// The numbers are those of assess.Assess for the product, the version and
// the group as a filter (no filter for all reviewers), exactly as the JSON
// assessment computes them; a group the assessment suppresses is written as
// rows that say so and carry no numbers. No row describes a single review.
//
// Sheets: Statistics (continued on "Statistics 2"… past RowsPerSheet rows),
// Products (continued likewise), Criteria (the rubric versions' criteria,
// for lookups) and About.
// Call Product for each product, then Close; Discard instead of Close
// abandons the workbook and removes its temporary files.
type Statistics struct {
	out       io.Writer
	info      Info
	threshold int
	b         *book
	stats     *series
	// products holds the Products sheet's rows until Close: that sheet
	// comes after every Statistics sheet, and how many of those there will
	// be is known only at the end. A temporary file, so that memory does
	// not grow with the number of products.
	products  *os.File
	productsW *bufio.Writer
	productsE *json.Encoder
	limit     int
	groups    []statisticsGroup
	versions  map[string]*registry.Rubric // by registry.VersionKey
	productN  int
	rowN      int64
	suppress  string // the Status text of a suppressed group
	done      bool
	err       error // the first error; every later call returns it
}

// statisticsGroup is one group of reviewers: all of them, or one breakdown
// cell used as an assessment filter.
type statisticsGroup struct {
	filter    registry.AssessmentFilter
	breakdown string
	name      string
}

// NewStatistics starts a statistics export that Close writes to w.
func NewStatistics(w io.Writer, info Info, opts StatisticsOptions) (*Statistics, error) {
	limit := opts.RowsPerSheet
	if limit <= 0 || limit > StatisticsRowsPerSheet {
		limit = StatisticsRowsPerSheet
	}
	info.Lang = English // a data export: English only
	b, err := newBook("Registry statistics", "Released statistics of every product, by rubric version, group and criterion", info)
	if err != nil {
		return nil, err
	}
	threshold := registry.AnonymityThreshold(opts.Threshold)
	x := &Statistics{
		out: w, info: info, threshold: threshold, b: b, versions: map[string]*registry.Rubric{},
		suppress: fmt.Sprintf("suppressed: fewer than %d reviewers, or hidden to protect a smaller group", threshold),
		groups:   []statisticsGroup{{breakdown: "all", name: "all reviewers"}},
	}
	for _, k := range registry.GroupKeys() {
		kind, value, _ := strings.Cut(string(k), ":")
		g := statisticsGroup{breakdown: kind, name: value}
		switch kind {
		case registry.GroupRole:
			g.filter.Role = value
		case registry.GroupPhase:
			g.filter.Phase = value
		case registry.GroupNation:
			g.filter.Nation = value
		}
		x.groups = append(x.groups, g)
	}
	x.limit = limit
	x.stats = &series{b: b, base: statisticsSheet, table: "Statistics", header: statisticsHeader, widths: statisticsWidths, limit: limit, big: true}
	if x.products, err = os.CreateTemp("", "registry-products-*.jsonl"); err != nil {
		x.Discard()
		return nil, err
	}
	x.productsW = bufio.NewWriter(x.products)
	x.productsE = json.NewEncoder(x.productsW)
	if err := x.stats.next(); err != nil {
		x.Discard()
		return nil, err
	}
	return x, nil
}

// Product writes one product: its row on the Products sheet and, for each
// rubric version it has public reviews under, a row per group and
// criterion. released lists those versions in the order to write them.
func (x *Statistics) Product(p *registry.Product, released ...Released) error {
	if x.err != nil {
		return x.err
	}
	if x.done {
		return fmt.Errorf("xlsx: Product after Close")
	}
	x.err = x.product(p, released)
	return x.err
}

func (x *Statistics) product(p *registry.Product, released []Released) error {
	public := 0
	var versions []string
	for _, rel := range released {
		r := rel.Rubric
		key := registry.VersionKey(r.ID, r.Version)
		if _, ok := x.versions[key]; !ok {
			x.versions[key] = r
		}
		for _, g := range x.groups {
			a := assess.Assess(r, rel.Stats, g.filter, x.threshold)
			if g.breakdown == "all" {
				public += a.Reviews
				versions = append(versions, fmt.Sprintf("%s v%d: %d", r.ID, r.Version, a.Reviews))
			}
			if err := x.groupRows(p.ID, r, g, a); err != nil {
				return err
			}
		}
	}
	ages := ""
	if p.AgeRange != nil {
		ages = fmt.Sprintf("%d–%d", p.AgeRange.Min, p.AgeRange.Max)
	}
	x.productN++
	return x.productsE.Encode(productRow{p.ID, p.Name, p.Vendor, p.Website, p.Category, p.Status,
		strings.Join(p.AIFeatures, ", "), strings.Join(p.UsedBy, ", "), strings.Join(p.DataProcessed, ", "),
		p.Hosting, ages, public, strings.Join(versions, "; ")})
}

// productRow is one row of the Products sheet, as kept until Close.
type productRow struct {
	ID, Name, Vendor, Website, Category, Status, AIFeatures, UsedBy, DataProcessed, Hosting, Ages string
	Public                                                                                        int
	Versions                                                                                      string
}

// groupRows writes one group's rows: one per criterion, with the
// assessment's numbers, or none when the assessment is suppressed.
func (x *Statistics) groupRows(product string, r *registry.Rubric, g statisticsGroup, a *registry.Assessment) error {
	for _, c := range a.Criteria {
		var err error
		if a.Suppressed {
			err = x.stats.add(product, r.ID, r.Version, g.breakdown, g.name, x.suppress, nil, c.Dimension, c.ID)
		} else {
			d := c.Distribution
			err = x.stats.add(product, r.ID, r.Version, g.breakdown, g.name, "shown", a.Reviews, c.Dimension, c.ID,
				c.N, Score(c.Mean), d[0], d[1], d[2], d[3], d[4], c.Unknown, c.NA, c.RedFlagHits)
		}
		if err != nil {
			return err
		}
		x.rowN++
	}
	return nil
}

// Close finishes the data sheets, adds the Criteria and About sheets and
// writes the workbook to the writer given to NewStatistics, zipping it
// straight into that writer. The temporary files are removed in any case.
func (x *Statistics) Close() error {
	if x.done {
		return x.err
	}
	if x.err == nil {
		x.err = x.finish()
	}
	if x.err != nil {
		x.Discard()
		return x.err
	}
	x.done = true
	x.err = x.b.writeDirect(x.out)
	return x.err
}

// Discard abandons the workbook and removes its temporary files.
func (x *Statistics) Discard() {
	if x.done {
		return
	}
	x.done = true
	x.removeProducts()
	_ = x.b.f.Close()
}

func (x *Statistics) removeProducts() {
	if x.products != nil {
		_ = x.products.Close()
		_ = os.Remove(x.products.Name())
		x.products = nil
	}
}

// Rows returns the number of statistics rows written so far.
func (x *Statistics) Rows() int64 { return x.rowN }

func (x *Statistics) finish() error {
	if err := x.stats.end(); err != nil {
		return err
	}
	if err := x.productsSheet(); err != nil {
		return err
	}
	keys := make([]*registry.Rubric, 0, len(x.versions))
	for _, r := range x.versions {
		keys = append(keys, r)
	}
	slices.SortFunc(keys, func(a, b *registry.Rubric) int {
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	if err := x.criteria(keys); err != nil {
		return err
	}
	return x.about(keys)
}

// productsSheet writes the Products sheet from the rows kept since.
func (x *Statistics) productsSheet() error {
	defer x.removeProducts()
	if err := x.productsW.Flush(); err != nil {
		return err
	}
	if _, err := x.products.Seek(0, io.SeekStart); err != nil {
		return err
	}
	ps := &series{b: x.b, base: productsSheet, table: "Products", header: productsHeader, widths: productsWidths, limit: x.limit}
	if err := ps.next(); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReader(x.products))
	for {
		var p productRow
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		if err := ps.add(p.ID, p.Name, p.Vendor, p.Website, p.Category, p.Status, p.AIFeatures, p.UsedBy,
			p.DataProcessed, p.Hosting, p.Ages, p.Public, p.Versions); err != nil {
			return err
		}
	}
	return ps.end()
}

// criteria writes the Criteria sheet: every criterion of every rubric
// version the export holds rows of, with its title and red flag.
func (x *Statistics) criteria(versions []*registry.Rubric) error {
	s, err := x.b.addSheet(criteriaSheet, []float64{10, 9, 12, 28, 34, 50, 12, 12}, true)
	if err != nil {
		return err
	}
	if err := s.header("Rubric", "Rubric version", "Dimension", "Dimension title", "Criterion", "Criterion title",
		"Red flag at or below", "Red-flag severity"); err != nil {
		return err
	}
	for _, r := range versions {
		for _, d := range r.Dimensions {
			for _, c := range d.Criteria {
				var at any
				severity := ""
				if c.RedFlag != nil {
					at, severity = c.RedFlag.AtOrBelow, c.RedFlag.Severity
				}
				if err := s.add(r.ID, r.Version, d.ID, d.Title, c.ID, c.Title, at, severity); err != nil {
					return err
				}
			}
		}
	}
	if err := s.table("Criteria"); err != nil {
		return err
	}
	return s.flush()
}

// about writes the About sheet: what the export holds and what it leaves
// out, in plain words.
func (x *Statistics) about(versions []*registry.Rubric) error {
	s, err := x.b.addSheet(aboutSheet, []float64{24, 110}, false)
	if err != nil {
		return err
	}
	k := strconv.Itoa(x.threshold)
	lines := [][2]string{
		{"Generated", x.info.Generated.UTC().Format("2006-01-02 15:04 MST")},
		{"Registry version", x.info.Version},
		{"Anonymity threshold", k},
		{"Products", strconv.Itoa(x.productN)},
		{"Statistics rows", strconv.FormatInt(x.rowN, 10)},
		{"What a row is", "One criterion of one product under one rubric version, for one group of reviewers: all " +
			"reviewers, then each role, phase and nation. The counts are those of the product's last release, worked " +
			"out exactly as the registry's assessments are (docs/method.md); the assessment of the same product, " +
			"rubric version and group (as a filter) gives the same numbers."},
		{"Columns", "Reviews: the group's public reviews. n: the answers that count (scores, plus \"don't know\" " +
			"where the criterion counts it as level 0). Mean: their mean on the 0–4 scale. Level 0 to Level 4: the " +
			"scores given. Don't know and Not applicable: those answers. Red-flag hits: counted answers at or below " +
			"the criterion's red-flag level (see the Criteria sheet)."},
		{"Suppressed rows", "A group with fewer than " + k + " reviewers is suppressed, and so is a larger group " +
			"whenever showing it would let a smaller one be worked out by subtraction from the total. Its rows say " +
			"so and carry no numbers, not even the number of reviewers: a suppressed group looks the same whether " +
			"it has 0 reviewers or " + strconv.Itoa(x.threshold-1) + "."},
		{"Not included", "No individual review: no per-review scores, comments, reviewer context or dates. Public " +
			"review texts are in each product's listing and in the comparison and assessment workbooks."},
		{"Sheets", "Statistics (continued on Statistics 2, 3… beyond " + strconv.Itoa(x.stats.limit) +
			" rows), Products, Criteria, About."},
	}
	for _, r := range versions {
		lines = append(lines, [2]string{fmt.Sprintf("Rubric %s v%d", r.ID, r.Version), r.Title + "; hash " + r.Hash})
	}
	if err := s.titled("Registry statistics export"); err != nil {
		return err
	}
	if err := s.blank(); err != nil {
		return err
	}
	for _, l := range lines {
		if err := s.add(l[0], Wrapped(l[1])); err != nil {
			return err
		}
	}
	return s.flush()
}

// series is a data sheet that continues on further sheets ("Statistics 2")
// once it holds limit rows, each with the header row and its own table.
type series struct {
	b      *book
	base   string
	table  string
	header []string
	widths []float64
	limit  int
	big    bool // rows will pass a stream chunk (sizeStream)
	n      int  // sheets started
	cur    *sheet
}

// add writes a row, starting the next sheet first when this one is full.
func (sr *series) add(values ...any) error {
	if sr.cur.rows-1 >= sr.limit {
		if err := sr.next(); err != nil {
			return err
		}
	}
	return sr.cur.add(values...)
}

// next ends the current sheet, if any, and starts the next one with its
// header.
func (sr *series) next() error {
	if sr.cur != nil {
		if err := sr.end(); err != nil {
			return err
		}
	}
	sr.n++
	name := sr.base
	if sr.n > 1 {
		name = fmt.Sprintf("%s %d", sr.base, sr.n)
	}
	s, err := sr.b.addSheet(name, sr.widths, true)
	if err != nil {
		return err
	}
	if sr.big {
		sizeStream(s.sw)
	}
	sr.cur = s
	return s.header(sr.header...)
}

// end declares the current sheet's table and flushes it.
func (sr *series) end() error {
	name := sr.table
	if sr.n > 1 {
		name += strconv.Itoa(sr.n)
	}
	if err := sr.cur.table(name); err != nil {
		return err
	}
	if err := sr.cur.flush(); err != nil {
		return err
	}
	releaseStream(sr.cur.sw)
	return nil
}
