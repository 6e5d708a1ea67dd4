package mongodb

import (
	"fmt"

	"github.com/edtech-registry/registry/internal/registry"
)

// The store's own document shapes and _ids, for bulk loaders and benchmarks
// that read or write stored documents themselves instead of keeping a copy
// of the layout (docs/storage.md). Store.Seed is the complete bulk load;
// nothing here is on a request path.

// DocumentRef names one stored document: its collection and _id.
type DocumentRef struct {
	Collection string
	ID         string
}

// ProductDocuments names the documents a product's public reads are made
// of, in this order: the product, its release state, the first page of its
// public listing, and its released statistics under rubric r.
func ProductDocuments(productID string, r *registry.Rubric) []DocumentRef {
	return []DocumentRef{
		{colProducts, productID},
		{colIndex, productID},
		{colPages, pageID(productID, 1)},
		{colStats, statsID(productID, r.ID, r.Version)},
	}
}

// PendingDocument returns the document a submission stores for r as a
// pending review in the moderation queue, with the reviewer and product key
// that the queue's unique index holds, ready for an insert. It is only the
// document: the queue's page entry and its author's records, which a
// submission writes too, are not made.
func PendingDocument(r *registry.Review) any {
	d := toReviewDoc(r)
	d.Status = registry.StatusPending
	d.Act = claimID(r.ReviewerRef, r.ProductID)
	return d
}

// QueueSpec returns the moderation queue's collection spec (its indexes)
// under the name name: a collection into which PendingDocument's documents
// go with the same index work as in the queue, outside the store's data.
func QueueSpec(name string) CollectionSpec {
	for _, c := range collectionSpecs() {
		if c.Name == colQueue {
			c.Name = name
			return c
		}
	}
	panic(fmt.Sprintf("mongodb: no %s collection among the store's collections", colQueue))
}
