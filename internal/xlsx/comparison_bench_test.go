package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// benchPack is a comparison pack of 20 products, each with 30 reviews
// spread over roles, phases and nations and the full 200 public entries
// (a summary and two comments each).
func benchPack(b *testing.B) ComparisonPack {
	b.Helper()
	r := rubrictest.Default(b)
	roles, phases, nations := registry.ReviewerRoles, registry.Phases, registry.Nations
	var items []assess.Item
	var comments []Comments
	for p := range 20 {
		id := fmt.Sprintf("product-%02d", p)
		var reviews []*registry.Review
		for i := range 30 {
			reviews = append(reviews, fixtureReview(r, roles[i%len(roles)], phases[i%len(phases)], nations[i%len(nations)],
				(p+i)%5, map[string]int{"privacy.data-sale": (i * p) % 3}))
		}
		name := fmt.Sprintf("Product %d", p)
		items = append(items, assess.Item{ProductID: id, Name: name, Vendor: "Vendor Ltd", Stats: fixtureStats(r, id, reviews...)})
		c := Comments{ProductID: id, Name: name, More: true}
		for e := range MaxComments {
			c.Entries = append(c.Entries, registry.PublicReview{ID: fmt.Sprintf("%s-%03d", id, e), Month: "2026-11",
				Recommendation: "conditional", Summary: "Useful for practice, but the data terms are unclear and the vendor will not say where the data goes.",
				Comments: []registry.PublicComment{
					{Criterion: "privacy.data-sale", Comment: "The contract allows sharing with unnamed partners."},
					{Criterion: "workload.time-saved", Comment: "Saves some marking time once set up, but the setup took a whole INSET day."},
				}})
		}
		comments = append(comments, c)
	}
	return ComparisonPack{Comparison: assess.Compare(r, items, registry.AssessmentFilter{}, 5), Rubric: r, Threshold: 5,
		Comments: comments, Info: testInfo}
}

// BenchmarkComparisonPack writes the comparison pack of 20 products.
func BenchmarkComparisonPack(b *testing.B) {
	pack := benchPack(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := WriteComparison(io.Discard, pack); err != nil {
			b.Fatal(err)
		}
	}
}

// rawSheet is one sheet's cells as plain values.
type rawSheet struct {
	name string
	rows [][]any
}

// rawCells reads a workbook's cells back as plain values: numbers as
// float64, text as string, empty cells as nil.
func rawCells(b *testing.B, data []byte) (sheets []rawSheet, cells int) {
	b.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			b.Fatal(err)
		}
		sc := rawSheet{name: name}
		for r, row := range rows {
			values := make([]any, len(row))
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if typ, _ := f.GetCellType(name, ref); typ == excelize.CellTypeUnset && v != "" {
					n, err := strconv.ParseFloat(v, 64)
					if err != nil {
						b.Fatalf("%s!%s: %v", name, ref, err)
					}
					values[c] = n
				} else if v != "" {
					values[c] = v
				}
				cells++
			}
			sc.rows = append(sc.rows, values)
		}
		sheets = append(sheets, sc)
	}
	return sheets, cells
}

// writeRaw writes sheets of plain values with the StreamWriter and
// nothing else.
func writeRaw(b *testing.B, w io.Writer, sheets []rawSheet) {
	out := excelize.NewFile()
	defer out.Close()
	for i, sc := range sheets {
		if i == 0 {
			if err := out.SetSheetName("Sheet1", sc.name); err != nil {
				b.Fatal(err)
			}
		} else if _, err := out.NewSheet(sc.name); err != nil {
			b.Fatal(err)
		}
		sw, err := out.NewStreamWriter(sc.name)
		if err != nil {
			b.Fatal(err)
		}
		for r, row := range sc.rows {
			ref, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(ref, row); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := out.WriteTo(w); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkComparisonPackRawStream writes the same cells as the
// comparison pack of 20 products (numbers as numbers, text as text) with
// excelize's StreamWriter and nothing else: no styles, tables,
// conditional formats, validations or chart.
func BenchmarkComparisonPackRawStream(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteComparison(&buf, benchPack(b)); err != nil {
		b.Fatal(err)
	}
	sheets, cells := rawCells(b, buf.Bytes())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		writeRaw(b, io.Discard, sheets)
	}
	b.ReportMetric(float64(cells), "cells")
	b.ReportMetric(float64(buf.Len()), "pack-bytes")
}

// BenchmarkComparisonPackVsRawStream alternates the two, one of each per
// iteration, so that both see the same load, and reports the time of
// each and their ratio: the pack's cost of what makes it a pack (styles,
// tables, conditional formats, validations, the chart, the widths).
// Besides wall time it reports the process's CPU time (user and system)
// of each, with a collection at the end of each so that each pays for
// its own garbage: on a shared machine CPU time is the steadier measure.
func BenchmarkComparisonPackVsRawStream(b *testing.B) {
	pack := benchPack(b)
	var buf bytes.Buffer
	if err := WriteComparison(&buf, pack); err != nil {
		b.Fatal(err)
	}
	sheets, _ := rawCells(b, buf.Bytes())
	var packWall, rawWall, packCPU, rawCPU time.Duration
	measure := func(wall, cpu *time.Duration, run func()) {
		c0, w0 := benchCPU(b), time.Now()
		run()
		runtime.GC()
		*wall += time.Since(w0)
		*cpu += benchCPU(b) - c0
	}
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		measure(&packWall, &packCPU, func() {
			if err := WriteComparison(io.Discard, pack); err != nil {
				b.Fatal(err)
			}
		})
		measure(&rawWall, &rawCPU, func() { writeRaw(b, io.Discard, sheets) })
	}
	n := float64(b.N)
	b.ReportMetric(float64(packWall.Milliseconds())/n, "pack-ms/op")
	b.ReportMetric(float64(rawWall.Milliseconds())/n, "raw-ms/op")
	b.ReportMetric(float64(packWall)/float64(rawWall), "pack/raw")
	b.ReportMetric(float64(packCPU.Milliseconds())/n, "pack-cpu-ms/op")
	b.ReportMetric(float64(rawCPU.Milliseconds())/n, "raw-cpu-ms/op")
	b.ReportMetric(float64(packCPU)/float64(rawCPU), "pack/raw-cpu")
}

// cpuTime is the CPU time (user and system) the process has used.
func benchCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
