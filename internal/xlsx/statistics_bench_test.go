package xlsx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// EnvBenchLarge turns on the large size of BenchmarkStatisticsExport (10,000
// products, 5,120,000 rows), as it does for internal/bench.
const EnvBenchLarge = "REGISTRY_BENCH_LARGE"

// BenchmarkStatisticsExport writes the statistics export of many products
// (200, or 10,000 with REGISTRY_BENCH_LARGE=1) to a file, feeding the
// registry values straight into the writer: each product gets the released
// statistics of one of the demo products (demo.Reviews tallied with
// registry.Stats.Add, as the store tallies a release), so the share of
// suppressed groups is the demo data's. No store is involved: this measures
// the workbook, not the reads (the HTTP route adds one product page per
// 1,000 products and two reads by _id per product).
//
//   - export: xlsx.Statistics, Product per product, Close (assess.Assess per
//     group included). Reports rows, the file's size and the process's peak
//     resident memory during the run (VmHWM, reset before it).
//   - raw-stream: excelize's StreamWriter alone writing the same cells
//     (values computed before the timer starts, same styles, same sheet
//     continuation), then File.Write to the same kind of file. Reports
//     export's time over its own as x-export, and the same ratio of CPU
//     time (user and system, cpu-s/op) as x-export-cpu: on a shared
//     machine the CPU time is the steadier measure.
//   - interleaved: four rounds of one export and one raw write of a tenth
//     of the products, alternating which goes first; medians and ratios.
func BenchmarkStatisticsExport(b *testing.B) {
	n := 200
	if os.Getenv(EnvBenchLarge) == "1" {
		n = 10_000
	}
	fx := newStatsFixture(b)
	var exportNs, exportCPU float64
	b.Run(fmt.Sprintf("export/products=%d", n), func(b *testing.B) {
		var rows, size, peak int64
		cpu := cpuSeconds()
		for b.Loop() {
			resetPeakRSS()
			rows, size = fx.export(b, n)
			peak = peakRSS()
		}
		exportNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		exportCPU = (cpuSeconds() - cpu) / float64(b.N)
		b.ReportMetric(exportCPU, "cpu-s/op")
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(size)/(1<<20), "file-MB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	})
	b.Run(fmt.Sprintf("raw-stream/products=%d", n), func(b *testing.B) {
		var peak int64
		cpu := cpuSeconds()
		for b.Loop() {
			resetPeakRSS()
			fx.raw(b, n)
			peak = peakRSS()
		}
		rawCPU := (cpuSeconds() - cpu) / float64(b.N)
		b.ReportMetric(rawCPU, "cpu-s/op")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
		if exportNs > 0 {
			raw := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(exportNs/raw, "x-export")
			b.ReportMetric(exportCPU/rawCPU, "x-export-cpu")
		}
	})
	// Interleaved: rounds of one export and one raw write of a tenth of the
	// products (at least 200), alternating which goes first, so that both
	// see the same load on a shared machine. Reports the median of each and
	// their ratio, and the ratio of their CPU times.
	m := max(n/10, 200)
	b.Run(fmt.Sprintf("interleaved/products=%d", m), func(b *testing.B) {
		const rounds = 4
		var te, tr []time.Duration
		var ce, cr float64
		timed := func(write func()) (time.Duration, float64) {
			runtime.GC()
			c, start := cpuSeconds(), time.Now()
			write()
			return time.Since(start), cpuSeconds() - c
		}
		for b.Loop() {
			for i := range rounds {
				exp := func() {
					d, c := timed(func() { fx.export(b, m) })
					te, ce = append(te, d), ce+c
				}
				raw := func() {
					d, c := timed(func() { fx.raw(b, m) })
					tr, cr = append(tr, d), cr+c
				}
				if i%2 == 0 {
					exp()
					raw()
				} else {
					raw()
					exp()
				}
			}
		}
		me, mr := median(te), median(tr)
		b.ReportMetric(me.Seconds(), "export-s")
		b.ReportMetric(mr.Seconds(), "raw-s")
		b.ReportMetric(float64(me)/float64(mr), "x-export")
		b.ReportMetric(ce/rounds/float64(b.N), "export-cpu-s")
		b.ReportMetric(cr/rounds/float64(b.N), "raw-cpu-s")
		b.ReportMetric(ce/cr, "x-export-cpu")
	})
}

// statsFixture is what the export and raw-stream benchmarks write: n
// products, each with the released statistics of one demo product in turn,
// and for the raw writer the very cells the export writes for each.
type statsFixture struct {
	r     *registry.Rubric
	pool  []*registry.Stats
	cells [][][]any // per pool entry: its rows, product id left nil
	info  Info
}

func newStatsFixture(tb testing.TB) *statsFixture {
	r := rubrictest.Default(tb)
	fx := &statsFixture{r: r, pool: demoStats(tb, r), info: Info{Generated: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Version: "bench"}}
	suppressed := "suppressed: fewer than 5 reviewers, or hidden to protect a smaller group"
	for _, st := range fx.pool {
		var rows [][]any
		for _, f := range append([]registry.AssessmentFilter{{}}, groupFilters()...) {
			a := assess.Assess(r, st, f, 5)
			breakdown, group := "all", "all reviewers"
			if k := f.Key(); k != "" {
				breakdown, group, _ = strings.Cut(string(k), ":")
			}
			for _, c := range a.Criteria {
				if a.Suppressed {
					rows = append(rows, []any{nil, r.ID, r.Version, breakdown, group, suppressed, nil, c.Dimension, c.ID})
					continue
				}
				d := c.Distribution
				rows = append(rows, []any{nil, r.ID, r.Version, breakdown, group, "shown", a.Reviews, c.Dimension, c.ID,
					c.N, c.Mean, d[0], d[1], d[2], d[3], d[4], c.Unknown, c.NA, c.RedFlagHits})
			}
		}
		fx.cells = append(fx.cells, rows)
	}
	return fx
}

// product is the i-th product of the benchmark.
func (fx *statsFixture) product(i int) *registry.Product {
	return &registry.Product{ID: fmt.Sprintf("product-%05d", i), Name: fmt.Sprintf("Product %d", i),
		Vendor: "Vendor " + strconv.Itoa(i%97) + " Ltd", Website: "https://product.example", Category: "tutoring",
		Status: registry.ProductActive, AIFeatures: []string{"generative", "adaptive"}, UsedBy: []string{"pupils"},
		DataProcessed: []string{"contact", "academic"}, Hosting: "UK", AgeRange: &registry.AgeRange{Min: 7, Max: 11}}
}

// export writes the statistics export of n products to a file and returns
// its rows and size.
func (fx *statsFixture) export(b *testing.B, n int) (rows, size int64) {
	out, err := os.Create(filepath.Join(b.TempDir(), "statistics.xlsx"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	x, err := NewStatistics(out, fx.info, StatisticsOptions{Threshold: 5})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := x.Product(fx.product(i), Released{Rubric: fx.r, Stats: fx.pool[i%len(fx.pool)]}); err != nil {
			b.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := out.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return x.Rows(), st.Size()
}

// raw writes the same cells with the raw StreamWriter to a file.
func (fx *statsFixture) raw(b *testing.B, n int) {
	rawStream(b, filepath.Join(b.TempDir(), "raw.xlsx"), n, func(i int) [][]any { return fx.cells[i%len(fx.cells)] }, fx.product)
}

// median of durations.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// rawStream writes n products' cells with excelize's StreamWriter alone:
// the same values, text and number styles, headers, continuation sheets and
// tables as the export, and the products sheet after the statistics.
func rawStream(b *testing.B, path string, n int, cells func(int) [][]any, product func(int) *registry.Product) {
	f := excelize.NewFile()
	defer f.Close()
	text := "@"
	textID, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &text})
	score := "0.0"
	scoreID, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &score})
	count := "0"
	countID, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &count})
	style := func(v any) any {
		switch v := v.(type) {
		case nil:
			return nil
		case string:
			return excelize.Cell{StyleID: textID, Value: v}
		case int:
			return excelize.Cell{StyleID: countID, Value: v}
		case *float64:
			if v == nil {
				return nil
			}
			return excelize.Cell{StyleID: scoreID, Value: *v}
		}
		return v
	}
	header := make([]any, len(statisticsHeader))
	for i, h := range statisticsHeader {
		header[i] = excelize.Cell{StyleID: textID, Value: h}
	}
	sheet, sheets := "Sheet1", 1
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		b.Fatal(err)
	}
	row := 1
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(sw.SetRow("A1", header))
	out := make([]any, len(statisticsHeader))
	for i := range n {
		id := product(i).ID
		for _, c := range cells(i) {
			if row > StatisticsRowsPerSheet {
				end, _ := excelize.CoordinatesToCellName(len(header), row)
				must(sw.AddTable(&excelize.Table{Range: "A1:" + end, Name: "T" + strconv.Itoa(sheets)}))
				must(sw.Flush())
				sheets++
				sheet = "Sheet" + strconv.Itoa(sheets)
				_, err := f.NewSheet(sheet)
				must(err)
				sw, err = f.NewStreamWriter(sheet)
				must(err)
				must(sw.SetRow("A1", header))
				row = 1
			}
			row++
			out = out[:len(c)]
			out[0] = style(id)
			for j := 1; j < len(c); j++ {
				out[j] = style(c[j])
			}
			ref, _ := excelize.CoordinatesToCellName(1, row)
			must(sw.SetRow(ref, out))
		}
	}
	end, _ := excelize.CoordinatesToCellName(len(header), row)
	must(sw.AddTable(&excelize.Table{Range: "A1:" + end, Name: "T" + strconv.Itoa(sheets)}))
	must(sw.Flush())
	_, err = f.NewSheet("Products")
	must(err)
	pw, err := f.NewStreamWriter("Products")
	must(err)
	for i := range n {
		p := product(i)
		ref, _ := excelize.CoordinatesToCellName(1, i+1)
		must(pw.SetRow(ref, []any{style(p.ID), style(p.Name), style(p.Vendor), style(p.Website), style(p.Category),
			style(p.Status), style(strings.Join(p.AIFeatures, ", ")), style(strings.Join(p.UsedBy, ", ")),
			style(strings.Join(p.DataProcessed, ", ")), style(p.Hosting), style("7–11"), style(12), style("default v1: 12")}))
	}
	must(pw.Flush())
	file, err := os.Create(path)
	must(err)
	defer file.Close()
	must(f.Write(file))
}

// groupFilters returns a filter per breakdown cell, in registry.GroupKeys
// order.
func groupFilters() []registry.AssessmentFilter {
	var out []registry.AssessmentFilter
	for _, k := range registry.GroupKeys() {
		kind, value, _ := strings.Cut(string(k), ":")
		switch kind {
		case registry.GroupRole:
			out = append(out, registry.AssessmentFilter{Role: value})
		case registry.GroupPhase:
			out = append(out, registry.AssessmentFilter{Phase: value})
		default:
			out = append(out, registry.AssessmentFilter{Nation: value})
		}
	}
	return out
}

// demoStats tallies the demo products' reviews as a release would, one
// registry.Stats per demo product.
func demoStats(tb testing.TB, r *registry.Rubric) []*registry.Stats {
	tb.Helper()
	products := demo.Products()
	idx := r.CriterionIndex()
	byID := map[string]*registry.Stats{}
	var out []*registry.Stats
	for _, p := range products {
		s := registry.NewStats(p.ID, r)
		byID[p.ID] = s
		out = append(out, s)
	}
	for _, rv := range demo.Reviews(r, products, nil, 2026, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		byID[rv.ProductID].Add(idx, rv, 1)
	}
	return out
}

// cpuSeconds returns the CPU time (user and system) the process has used,
// from /proc/self/stat (clock ticks of 1/100 s, as on every Linux this
// runs on), or 0 where /proc is not there. On a machine shared with other
// work the CPU time moves less than the elapsed time.
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	_, rest, ok := bytes.Cut(b, []byte(") "))
	if !ok {
		return 0
	}
	f := strings.Fields(string(rest)) // from field 3, the state
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

// resetPeakRSS resets the process's peak resident set size (Linux: writing
// 5 to /proc/self/clear_refs), so peakRSS reports the peak since.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns the process's peak resident set size in bytes (VmHWM), or
// 0 where /proc is not there.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
