package bench

import (
	"encoding/json"
	"testing"
)

// BenchmarkPublishedReviews reads the first page (limit=20) of the published
// reviews of one product with 50 reviews, in a registry of 1,000 reviews
// and in one of 5,000 (20,000 with REGISTRY_BENCH_LARGE=1), every product
// with 50 published reviews (see sized for the sub-benchmarks). The time
// should not depend on the registry's size: the page is read by _id from
// small documents.
func BenchmarkPublishedReviews(b *testing.B) {
	small, large := 1_000, 5_000
	if largeSizes() {
		large = 20_000
	}
	target := benchProductID(0) // seeded first, present at every size
	url := func(r *reg) string { return r.base + "/api/v1/products/" + target + "/reviews?limit=20" }
	sized(b, small, large, url, func(b *testing.B, c httpGetter, u string) { checkPage(b, c, u, target) })
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
