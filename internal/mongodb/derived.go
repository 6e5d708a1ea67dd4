package mongodb

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Derived documents. Each is small and read by _id, so reading an
// assessment or a page of reviews costs the same in a registry of a
// thousand reviews as in one of a million.
//
//   - stats:  one per product and rubric version: the tally of all published
//     reviews and one per breakdown cell, packed (packed.go);
//   - pindex: one per product: the publish sequence, the number of published
//     reviews per reviewer context (for anonymity) and per rubric version;
//   - pages:  the product's published reviews, pageSize sequence numbers per
//     document, packed.
//
// All are written under the product's write gate (pindex with $inc, the
// packed ones by revision), and all can be rebuilt from the reviews
// (rebuildProduct).

// pageSize is the number of publish sequence numbers per page document.
const pageSize = 20

// slots per criterion in a flat tally: levels 0..4, unknown, na.
const slots = registry.Levels + 2

// statsDoc is registry.Stats as flat counts, the layout of the packed
// record: per criterion, levels 0..4, unknown and na; the overall tally and
// one per registry.GroupKeys() cell.
type statsDoc struct {
	ID        string
	ProductID string
	Reviews   int
	Counts    []int
	Groups    []groupDoc
}

type groupDoc struct {
	Reviews int
	Counts  []int
}

// indexDoc is a product's review index.
type indexDoc struct {
	ID       string         `bson:"_id"`
	Seq      int            `bson:"seq"`
	Contexts map[string]int `bson:"ctx"`
	Versions map[string]int `bson:"vc"`
}

// pageDoc is one page of a product's published reviews.
type pageDoc struct {
	ID        string
	ProductID string
	Items     []publicDoc
}

func statsID(productID, rubricID string, version int) string {
	return productID + "|" + rubricID + "|" + strconv.Itoa(version)
}

func pageID(productID string, seq int) string {
	return productID + "|" + strconv.Itoa((seq-1)/pageSize)
}

// versionKey is registry.VersionKey, the key of the per-version counts.
var versionKey = registry.VersionKey

func zeroStatsDoc(productID string, r *registry.Rubric) *statsDoc {
	n := len(r.Criteria()) * slots
	d := &statsDoc{ID: statsID(productID, r.ID, r.Version), ProductID: productID, Counts: make([]int, n)}
	for range registry.GroupKeys() {
		d.Groups = append(d.Groups, groupDoc{Counts: make([]int, n)})
	}
	return d
}

func toStatsDoc(s *registry.Stats) *statsDoc {
	d := &statsDoc{ID: statsID(s.ProductID, s.RubricID, s.RubricVersion), ProductID: s.ProductID,
		Reviews: s.All.Reviews, Counts: flatten(s.All)}
	for _, k := range registry.GroupKeys() {
		t := s.Groups[k]
		d.Groups = append(d.Groups, groupDoc{Reviews: t.Reviews, Counts: flatten(t)})
	}
	return d
}

func flatten(t registry.Tally) []int {
	out := make([]int, 0, len(t.Criteria)*slots)
	for _, c := range t.Criteria {
		out = append(out, c.Levels[:]...)
		out = append(out, c.Unknown, c.NA)
	}
	return out
}

func unflatten(reviews int, counts []int, n int) registry.Tally {
	t := registry.NewTally(n)
	t.Reviews = reviews
	for i := 0; i < n && (i+1)*slots <= len(counts); i++ {
		c := counts[i*slots : (i+1)*slots]
		copy(t.Criteria[i].Levels[:], c[:registry.Levels])
		t.Criteria[i].Unknown, t.Criteria[i].NA = c[registry.Levels], c[registry.Levels+1]
	}
	return t
}

func (d *statsDoc) stats(r *registry.Rubric) *registry.Stats {
	n := len(r.Criteria())
	s := &registry.Stats{ProductID: d.ProductID, RubricID: r.ID, RubricVersion: r.Version,
		All: unflatten(d.Reviews, d.Counts, n), Groups: map[registry.GroupKey]registry.Tally{}}
	for i, k := range registry.GroupKeys() {
		if i < len(d.Groups) {
			s.Groups[k] = unflatten(d.Groups[i].Reviews, d.Groups[i].Counts, n)
		} else {
			s.Groups[k] = registry.NewTally(n)
		}
	}
	return s
}

// countPublished adds (sign +1) or removes (sign -1) a review in its
// product's derived documents. The caller holds the product's write gate.
func (s *Store) countPublished(ctx context.Context, d *reviewDoc, sign int) error {
	r, err := s.opts.Rubrics.Version(d.RubricID, d.RubricVersion)
	if err != nil {
		return err
	}
	// Statistics: count the review in the packed tallies.
	err = s.updatePacked(ctx, colStats, statsID(d.ProductID, r.ID, r.Version), d.ProductID, func(packed []byte) ([]byte, error) {
		doc := zeroStatsDoc(d.ProductID, r)
		if packed != nil {
			if err := unpackStats(packed, doc); err != nil {
				return nil, err
			}
		}
		st := doc.stats(r)
		st.Add(r.CriterionIndex(), d.review(), sign)
		return packStats(toStatsDoc(st)), nil
	})
	if err != nil {
		return err
	}
	// Review index: context and version counts, and on publish the next
	// sequence number.
	inc := bson.D{{Key: "vc." + versionKey(d.RubricID, d.RubricVersion), Value: sign}}
	for _, k := range registry.ContextKeys(d.review().Reviewer) {
		inc = append(inc, bson.E{Key: "ctx." + k, Value: sign})
	}
	if sign > 0 {
		inc = append(inc, bson.E{Key: "seq", Value: 1})
	}
	var idx indexDoc
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	if err := s.db.Collection(colIndex).FindOneAndUpdate(ctx, byID(d.ProductID), bson.D{{Key: "$inc", Value: inc}}, opts).Decode(&idx); err != nil {
		return translate(err, "review index")
	}
	if sign > 0 {
		d.Seq = idx.Seq
		item := toPublicDoc(d, d.Seq)
		err := s.updatePacked(ctx, colPages, pageID(d.ProductID, d.Seq), d.ProductID, func(packed []byte) ([]byte, error) {
			items, err := unpackItems(packed)
			if err != nil {
				return nil, err
			}
			return packItems(append(items, item))
		})
		if err != nil {
			return err
		}
		if _, err = s.db.Collection(colReviews).UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{{Key: "sq", Value: d.Seq}}}}); err != nil {
			return translate(err, "review")
		}
		if !s.db.Embedded() {
			// On MongoDB a withdrawal or take-down of this review can run
			// its derived updates before this publication's (no gate orders
			// them): it then found nothing to unlist. Look again now that the
			// review is listed, and unlist it if it is no longer published.
			var now reviewDoc
			if err := s.db.Collection(colReviews).FindOne(ctx, byID(d.ID)).Decode(&now); err != nil {
				return translate(err, "review")
			}
			if now.Status != registry.StatusPublished {
				return s.unlist(ctx, pageID(d.ProductID, d.Seq), d.ID)
			}
		}
		return nil
	}
	if d.Seq > 0 {
		return s.unlist(ctx, pageID(d.ProductID, d.Seq), d.ID)
	}
	// The sequence number was never recorded (an interrupted publish):
	// look in every page of the product. Rare, and off the hot path.
	cur, err := s.db.Collection(colPages).Find(ctx, bson.D{{Key: "p", Value: d.ProductID}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return translate(err, "review pages")
	}
	var pages []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &pages); err != nil {
		return translate(err, "review pages")
	}
	for _, p := range pages {
		if err := s.unlist(ctx, p.ID, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// unlist removes a review from a page of published reviews.
func (s *Store) unlist(ctx context.Context, page, reviewID string) error {
	items, err := s.readPage(ctx, page)
	if err != nil || !slices.ContainsFunc(items, func(it publicDoc) bool { return it.ID == reviewID }) {
		return err
	}
	return s.updatePacked(ctx, colPages, page, "", func(packed []byte) ([]byte, error) {
		items, err := unpackItems(packed)
		if err != nil {
			return nil, err
		}
		return packItems(slices.DeleteFunc(items, func(it publicDoc) bool { return it.ID == reviewID }))
	})
}

// Stats returns a product's statistics under one rubric version, empty when
// nothing is published under it.
func (s *Store) Stats(ctx context.Context, productID string, r *registry.Rubric) (*registry.Stats, error) {
	var rec packedRecord
	err := s.db.Collection(colStats).FindOne(ctx, byID(statsID(productID, r.ID, r.Version))).Decode(&rec)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return registry.NewStats(productID, r), nil
	} else if err != nil {
		return nil, translate(err, "statistics")
	}
	d := &statsDoc{ID: rec.ID, ProductID: productID}
	if err := unpackStats(rec.Packed, d); err != nil {
		return nil, err
	}
	return d.stats(r), nil
}

// PublishedCounts returns the number of a product's published reviews under
// each rubric version, keyed "id@version".
func (s *Store) PublishedCounts(ctx context.Context, productID string) (map[string]int, error) {
	idx, err := s.index(ctx, productID)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for k, v := range idx.Versions {
		if v > 0 {
			out[k] = v
		}
	}
	return out, nil
}

func (s *Store) index(ctx context.Context, productID string) (*indexDoc, error) {
	var idx indexDoc
	err := s.db.Collection(colIndex).FindOne(ctx, byID(productID)).Decode(&idx)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &indexDoc{ID: productID}, nil
	} else if err != nil {
		return nil, translate(err, "review index")
	}
	return &idx, nil
}
