// Package bench holds the registry's benchmarks: Go benchmarks (testing.B)
// that drive the real HTTP API, served by the Fiber app on a 127.0.0.1
// listener, over the embedded store (or the MongoDB named by MONGODB_URI),
// and measure what the design promises about cost:
//
//   - BenchmarkSubmit: review submissions through the API with moderation
//     on, 16 concurrent keep-alive clients, against raw InsertOne calls of
//     the same review-shaped document on the same store, in one run;
//   - BenchmarkPublishedReviews: one page of a product's published reviews
//     while the registry grows around it;
//   - BenchmarkCompare: a comparison of 20 products while the registry
//     grows around them.
//
// The package has no tests, so `go test ./...` only compiles it. The large
// registry sizes are opt-in: set REGISTRY_BENCH_LARGE=1. BENCHMARKS.md at
// the repository root gives the commands and the measured results.
package bench
