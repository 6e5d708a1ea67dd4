// Package bench holds the registry's benchmarks: Go benchmarks (testing.B)
// that drive the real HTTP API, served by the Fiber app on a 127.0.0.1
// listener, over the embedded store (or the MongoDB named by MONGODB_URI),
// and measure what the design promises about cost:
//
//   - BenchmarkSubmit: review submissions through the API with moderation
//     on, 16 concurrent keep-alive clients, against raw InsertOne calls of
//     the same review-shaped document on the same store, in one run;
//   - BenchmarkSubmitSeeded: the same submissions to an empty registry and
//     to one already holding many published reviews;
//   - BenchmarkPublishedReviews: one page of a product's published reviews
//     in a small and a large registry;
//   - BenchmarkCompare: a comparison of 20 products in a small and a large
//     registry;
//   - BenchmarkDocumentReads: the single-document reads those two requests
//     are made of, with each document's size;
//   - BenchmarkStatisticsExport: the officer's statistics export of every
//     product, with the process's CPU time and peak resident memory;
//   - BenchmarkModeration: finding identity hints against storing them, a
//     filtered page of the moderation queue, and a redacting publication;
//   - BenchmarkPages: a product's page and the compare page of 20
//     products, each against the JSON routes that hold the same data.
//
// The small/large pairs also run interleaved (one request, or one burst of
// submissions, to each registry per round) so that their ratio is measured
// over the same seconds, which matters on a machine shared with other work.
//
// The package has no tests, so `go test ./...` only compiles it. The large
// registry sizes are opt-in: set REGISTRY_BENCH_LARGE=1. BENCHMARKS.md at
// the repository root gives the commands and the measured results.
package bench
