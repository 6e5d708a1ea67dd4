package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// pagesReviews is the size of the registry of BenchmarkPages: 40 products
// of 50 published reviews, so that a comparison of 20 leaves others out.
const pagesReviews = 2_000

// BenchmarkPages measures the two pages that read most, each against the
// JSON routes that hold the same data, in one registry of 2,000 reviews
// (40 products, 50 published reviews each), one keep-alive client:
//
//   - product: GET /products/{id} (the page: details, assessment, chart,
//     voices, the first 20 published reviews, rendered in English) against
//     GET /api/v1/products/{id}/assessment plus
//     GET /api/v1/products/{id}/reviews (two requests per operation);
//   - compare: GET /compare?products=… with 20 products against
//     GET /api/v1/compare?products=… with the same 20.
//
// Each "page" and "json" sub-benchmark times one alone; the "interleaved"
// sub-benchmarks alternate page and JSON every round, so their ratio is
// measured over the same seconds, and report each one's median and the
// ratio x-page/json (target: at most 1.3).
func BenchmarkPages(b *testing.B) {
	r := newReg(b, true)
	r.grow(b, pagesReviews)
	product := benchProductID(0)
	ids := make([]string, compared)
	for i := range ids {
		ids[i] = benchProductID(i)
	}
	productPage := r.base + "/products/" + product
	productJSON := []string{r.base + "/api/v1/products/" + product + "/assessment", r.base + "/api/v1/products/" + product + "/reviews"}
	comparePage := r.base + "/compare?products=" + strings.Join(ids, "&products=")
	compareJSON := r.base + "/api/v1/compare?products=" + strings.Join(ids, ",")

	c := newClient(b)
	checkProductPage(b, c, productPage)
	checkComparePage(b, c, comparePage, ids)
	checkComparison(b, c, compareJSON)

	pairs := []struct {
		name       string
		page, json []string
	}{
		{"product", []string{productPage}, productJSON},
		{"compare", []string{comparePage}, []string{compareJSON}},
	}
	for _, p := range pairs {
		b.Run(p.name+"/page", func(b *testing.B) {
			c := newClient(b)
			for b.Loop() {
				getAll(b, c, p.page)
			}
		})
		b.Run(p.name+"/json", func(b *testing.B) {
			c := newClient(b)
			for b.Loop() {
				getAll(b, c, p.json)
			}
		})
		b.Run(p.name+"/interleaved", func(b *testing.B) {
			c := newClient(b)
			var tp, tj []time.Duration
			timed := func(urls []string) time.Duration {
				start := time.Now()
				getAll(b, c, urls)
				return time.Since(start)
			}
			turn := 0
			for b.Loop() {
				if turn%2 == 0 {
					tp = append(tp, timed(p.page))
					tj = append(tj, timed(p.json))
				} else {
					tj = append(tj, timed(p.json))
					tp = append(tp, timed(p.page))
				}
				turn++
			}
			mp, mj := median(tp), median(tj)
			b.ReportMetric(float64(mp.Microseconds())/1000, "ms-page")
			b.ReportMetric(float64(mj.Microseconds())/1000, "ms-json")
			b.ReportMetric(float64(mp)/float64(mj), "x-page/json")
		})
	}
}

// getAll GETs each url in turn, failing the benchmark unless each answers
// 200.
func getAll(b *testing.B, c httpGetter, urls []string) {
	for _, u := range urls {
		mustGet(b, c, u)
	}
}

// checkProductPage fails the benchmark unless url is the product's page
// with its assessment of 50 reviews and a full first page of reviews.
func checkProductPage(b *testing.B, c httpGetter, url string) {
	b.Helper()
	status, body, err := get(c, url)
	if err != nil || status != 200 {
		b.Fatalf("GET %s: %d %.300s (%v)", url, status, body, err)
	}
	page := string(body)
	if !strings.Contains(page, fmt.Sprintf("Published reviews this rests on: %d", perProduct)) {
		b.Fatalf("GET %s: not an assessment of %d reviews", url, perProduct)
	}
	if n := strings.Count(page, "Reference: "); n != 20 {
		b.Fatalf("GET %s: %d reviews listed, want 20", url, n)
	}
}

// checkComparePage fails the benchmark unless url compares every product
// of ids.
func checkComparePage(b *testing.B, c httpGetter, url string, ids []string) {
	b.Helper()
	status, body, err := get(c, url)
	if err != nil || status != 200 {
		b.Fatalf("GET %s: %d %.300s (%v)", url, status, body, err)
	}
	page := string(body)
	for _, id := range ids {
		if !strings.Contains(page, `data-product="`+id+`" data-risk=`) {
			b.Fatalf("GET %s: %s is not compared", url, id)
		}
	}
}
