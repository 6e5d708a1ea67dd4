package bench

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
)

// BenchmarkDocumentReads reads, by _id and straight through the driver,
// each stored document the two read paths above are made of, for one
// product with 50 published reviews in a registry of 1,000: its product
// document, its review index, one page of its published reviews (20
// reviews) and its statistics under the default rubric. It reports the
// document's size ("bytes/doc"), so the cost of a request can be read as
// the sum of the documents it reads.
//
// The store names the documents (mongodb.ProductDocuments), so they follow
// its layout; each sub-benchmark is named by the document's collection.
func BenchmarkDocumentReads(b *testing.B) {
	r := newReg(b, true)
	r.grow(b, 1_000)
	for _, d := range mongodb.ProductDocuments(benchProductID(0), r.rubric) {
		b.Run(d.Collection, func(b *testing.B) {
			coll := r.db.Collection(d.Collection)
			filter := bson.D{{Key: "_id", Value: d.ID}}
			var size int
			for b.Loop() {
				raw, err := coll.FindOne(context.Background(), filter).Raw()
				if err != nil {
					b.Fatalf("%s %s: %v", d.Collection, d.ID, err)
				}
				size = len(raw)
			}
			b.ReportMetric(float64(size), "bytes/doc")
		})
	}
}
