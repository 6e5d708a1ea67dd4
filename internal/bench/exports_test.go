package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
)

// exportReviews is the number of published reviews of each product in the
// statistics export benchmark: enough for the overall figures and a few
// shown groups, few enough to seed 10,000 products in minutes.
const exportReviews = 12

// BenchmarkStatisticsExport downloads GET /api/v1/exports/statistics.xlsx
// from a registry of 200 products (10,000 with REGISTRY_BENCH_LARGE=1, so
// 5,120,000 statistics rows), each with 12 published reviews seeded with
// Store.Seed. The whole route is timed: products read page by page, each
// product's review index and statistics by _id, the workbook made into a
// temporary file and sent. Reports the workbook's size, the CPU time of
// the process (server, embedded store and client: cpu-s/op), its resident
// memory before the request (after giving freed memory back to the system)
// and its peak during the request (VmHWM, reset before it); both include
// the embedded FerretDB's.
func BenchmarkStatisticsExport(b *testing.B) {
	n := 200
	if largeSizes() {
		n = 10_000
	}
	r := newReg(b, true)
	seedProducts(b, r, n, exportReviews)
	ctx := context.Background()
	token, err := r.store.CreateToken(ctx, registry.RoleOfficer, "bench officer")
	if err != nil {
		b.Fatal(err)
	}
	client := &nethttp.Client{Timeout: time.Hour}
	var size, peak, before int64
	b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
		cpu := cpuSeconds()
		for b.Loop() {
			// What seeding left behind is given back first, so that the
			// resident memory before the export is the registry's own.
			debug.FreeOSMemory()
			resetPeakRSS()
			before = statusKB("VmRSS:") << 10
			req, _ := nethttp.NewRequest("GET", r.base+"/api/v1/exports/statistics.xlsx", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			size, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || size != resp.ContentLength {
				b.Fatalf("status %d, %d of %d bytes: %v", resp.StatusCode, size, resp.ContentLength, err)
			}
			peak = statusKB("VmHWM:") << 10
		}
		b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(size)/(1<<20), "file-MB")
		b.ReportMetric(float64(before)/(1<<20), "RSS-before-MB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	})
}

// seedProducts seeds n products with perProduct published reviews each
// (the demo review generator), 100 products at a time.
func seedProducts(b *testing.B, r *reg, n, perProduct int) {
	b.Helper()
	start := time.Now()
	now := time.Now()
	for r.products < n {
		k := min(100, n-r.products)
		products := make([]*registry.Product, k)
		for i := range products {
			products[i] = benchProduct(benchProductID(r.products + i))
		}
		reviews := demo.Reviews(r.rubric, products, func(int) int { return perProduct }, 1, now)
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		got, err := r.store.Seed(ctx, products, reviews)
		cancel()
		if err != nil {
			b.Fatalf("seed %d products at %d: %v", k, r.products, err)
		}
		r.products += k
		r.reviews += got
	}
	b.Logf("seeded %d products, %d reviews in %.1fs", r.products, r.reviews, time.Since(start).Seconds())
}

// cpuSeconds returns the CPU time (user and system) the process has used,
// from /proc/self/stat (clock ticks of 1/100 s), or 0 without /proc.
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte(") "))
	if !ok {
		return 0
	}
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

// resetPeakRSS resets the process's peak resident set size (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// statusKB returns a field of /proc/self/status in kB (VmRSS: resident
// now, VmHWM: the peak since resetPeakRSS), or 0 without /proc.
func statusKB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte(field)); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
