package bench

import (
	"encoding/json"
	"strings"
	"testing"
)

// compared is the number of products in the comparison (the API's maximum).
const compared = 20

// BenchmarkCompare compares 20 products (50 published reviews each) in a
// registry of 2,000 reviews and in one of 10,000 (10,000 and 100,000 with
// REGISTRY_BENCH_LARGE=1); see sized for the sub-benchmarks. The target is
// at most 1.5 between 10,000 and 100,000: the comparison reads three
// documents per product by _id, whatever the registry holds.
func BenchmarkCompare(b *testing.B) {
	small, large := 2_000, 10_000
	if largeSizes() {
		small, large = 10_000, 100_000
	}
	ids := make([]string, compared)
	for i := range ids {
		ids[i] = benchProductID(i) // seeded first, present at every size
	}
	url := func(r *reg) string { return r.base + "/api/v1/compare?products=" + strings.Join(ids, ",") }
	sized(b, small, large, url, checkComparison)
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
