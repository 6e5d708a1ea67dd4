package bench

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// compared is the number of products in the comparison (the API's maximum).
const compared = 20

// BenchmarkCompare compares 20 products (50 published reviews each) while
// the registry around them grows: 2,000 then 10,000 reviews in all (10,000
// then 100,000 with REGISTRY_BENCH_LARGE=1). One registry is grown between
// the sizes; each size gets a fresh client connection. The larger sizes
// report their time as a multiple of the first ("x-first-size"); the target
// is at most 1.5 between 10,000 and 100,000.
func BenchmarkCompare(b *testing.B) {
	sizes := []int{2_000, 10_000}
	if large() {
		sizes = []int{10_000, 100_000}
	}
	r := newReg(b, true)
	ids := make([]string, compared)
	for i := range ids {
		ids[i] = benchProductID(i) // seeded first, present at every size
	}
	url := r.base + "/api/v1/compare?products=" + strings.Join(ids, ",")
	var first float64
	for _, n := range sizes {
		b.Run(fmt.Sprintf("reviews=%d", n), func(b *testing.B) {
			r.grow(b, n)
			c := newClient(b)
			checkComparison(b, c, url)
			for b.Loop() {
				status, body, err := get(c, url)
				if err != nil || status != 200 {
					b.Fatalf("GET %s: %d %s (%v)", url, status, body, err)
				}
			}
			ns := nsPerOp(b)
			if first == 0 {
				first = ns
			} else {
				b.ReportMetric(ns/first, "x-first-size")
			}
		})
	}
}

// checkComparison fails the benchmark unless url compares all 20 products,
// each with its 50 reviews.
func checkComparison(b *testing.B, c httpGetter, url string) {
	b.Helper()
	status, body, err := get(c, url)
	if err != nil || status != 200 {
		b.Fatalf("GET %s: %d %s (%v)", url, status, body, err)
	}
	var cmp struct {
		Products []struct {
			ProductID string `json:"productId"`
			Reviews   int    `json:"reviews"`
		} `json:"products"`
	}
	if err := json.Unmarshal(body, &cmp); err != nil {
		b.Fatal(err)
	}
	if len(cmp.Products) != compared {
		b.Fatalf("GET %s: %d products, want %d", url, len(cmp.Products), compared)
	}
	for _, p := range cmp.Products {
		if p.Reviews != perProduct {
			b.Fatalf("GET %s: %s has %d reviews, want %d", url, p.ProductID, p.Reviews, perProduct)
		}
	}
}
