package bench

import (
	"context"
	"strconv"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// BenchmarkDocumentReads reads, by _id and straight through the driver,
// each stored document the two read paths above are made of, for one
// product with 50 published reviews in a registry of 1,000: its product
// document, its review index, one page of its published reviews (20
// reviews) and its statistics under the default rubric. It reports the
// document's size ("bytes/doc"), so the cost of a request can be read as
// the sum of the documents it reads.
//
// The collection names and _id shapes are the store's internal layout
// (internal/mongodb derived.go); if that changes, this benchmark fails and
// needs the new names.
func BenchmarkDocumentReads(b *testing.B) {
	r := newReg(b, true)
	r.grow(b, 1_000)
	p := benchProductID(0)
	for _, d := range []struct{ name, coll, id string }{
		{"products", "products", p},
		{"pindex", "pindex", p},
		{"pages", "pages", p + "|0"},
		{"stats", "stats", p + "|" + r.rubric.ID + "|" + strconv.Itoa(r.rubric.Version)},
	} {
		b.Run(d.name, func(b *testing.B) {
			coll := r.db.Collection(d.coll)
			filter := bson.D{{Key: "_id", Value: d.id}}
			var size int
			for b.Loop() {
				raw, err := coll.FindOne(context.Background(), filter).Raw()
				if err != nil {
					b.Fatalf("%s %s: %v", d.coll, d.id, err)
				}
				size = len(raw)
			}
			b.ReportMetric(float64(size), "bytes/doc")
		})
	}
}
