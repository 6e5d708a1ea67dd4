package bench

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkPublishedReviews reads the first page (limit=20) of the published
// reviews of one product with 50 reviews while the registry around it
// grows: 1,000 then 5,000 reviews in all (1,000 then 20,000 with
// REGISTRY_BENCH_LARGE=1), every product with 50 published reviews. One
// registry is grown between the sizes, so the product and its pages are
// the same in both; each size gets a fresh client connection. The larger
// sizes report their time as a multiple of the first ("x-first-size"),
// which should stay near 1: the page is read by _id from small documents.
func BenchmarkPublishedReviews(b *testing.B) {
	sizes := []int{1_000, 5_000}
	if large() {
		sizes = []int{1_000, 20_000}
	}
	r := newReg(b, true)
	target := benchProductID(0) // seeded first, present at every size
	url := r.base + "/api/v1/products/" + target + "/reviews?limit=20"
	var first float64
	for _, n := range sizes {
		b.Run(fmt.Sprintf("reviews=%d", n), func(b *testing.B) {
			r.grow(b, n)
			c := newClient(b)
			checkPage(b, c, url, target)
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

// checkPage fails the benchmark unless url answers a full first page of
// the product's reviews with a cursor to the next.
func checkPage(b *testing.B, c httpGetter, url, product string) {
	b.Helper()
	status, body, err := get(c, url)
	if err != nil || status != 200 {
		b.Fatalf("GET %s: %d %s (%v)", url, status, body, err)
	}
	var page struct {
		Items []struct {
			ProductID string `json:"productId"`
		} `json:"items"`
		NextCursor *string `json:"nextCursor"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		b.Fatal(err)
	}
	if len(page.Items) != 20 || page.NextCursor == nil {
		b.Fatalf("GET %s: %d items, next cursor %v; want 20 and a cursor", url, len(page.Items), page.NextCursor)
	}
	for _, it := range page.Items {
		if it.ProductID != product {
			b.Fatalf("GET %s: a review of %q", url, it.ProductID)
		}
	}
}
