package mongodb

import (
	"context"
	"errors"
	"fmt"
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
//     reviews and one per breakdown cell, as flat arrays of counts;
//   - pindex: one per product: the publish sequence, the number of published
//     reviews per reviewer context (for anonymity) and per rubric version;
//   - pages:  the product's published reviews, pageSize sequence numbers per
//     document.
//
// All are written with $inc/$push/$pull under the product's write gate, and
// all can be rebuilt from the reviews (rebuildProduct).

// pageSize is the number of publish sequence numbers per page document.
const pageSize = 20

// slots per criterion in a flat tally: levels 0..4, unknown, na.
const slots = registry.Levels + 2

// statsDoc is registry.Stats as stored.
type statsDoc struct {
	ID            string     `bson:"_id"`
	ProductID     string     `bson:"p"`
	RubricID      string     `bson:"ri"`
	RubricVersion int        `bson:"rv"`
	Reviews       int        `bson:"n"`
	Counts        []int      `bson:"c"`
	Groups        []groupDoc `bson:"g"`
}

type groupDoc struct {
	Reviews int   `bson:"n"`
	Counts  []int `bson:"c"`
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
	ID        string      `bson:"_id"`
	ProductID string      `bson:"p"`
	Items     []publicDoc `bson:"items"`
}

func statsID(productID, rubricID string, version int) string {
	return productID + "|" + rubricID + "|" + strconv.Itoa(version)
}

func pageID(productID string, seq int) string {
	return productID + "|" + strconv.Itoa((seq-1)/pageSize)
}

func versionKey(rubricID string, version int) string { return rubricID + "@" + strconv.Itoa(version) }

func zeroStatsDoc(productID string, r *registry.Rubric) *statsDoc {
	n := len(r.Criteria()) * slots
	d := &statsDoc{ID: statsID(productID, r.ID, r.Version), ProductID: productID, RubricID: r.ID, RubricVersion: r.Version, Counts: make([]int, n)}
	for range registry.GroupKeys() {
		d.Groups = append(d.Groups, groupDoc{Counts: make([]int, n)})
	}
	return d
}

func toStatsDoc(s *registry.Stats) *statsDoc {
	d := &statsDoc{ID: statsID(s.ProductID, s.RubricID, s.RubricVersion), ProductID: s.ProductID,
		RubricID: s.RubricID, RubricVersion: s.RubricVersion, Reviews: s.All.Reviews, Counts: flatten(s.All)}
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

// statsIncrements returns the $inc document that counts (sign +1) or
// uncounts (sign -1) one review in its product's statistics.
func statsIncrements(r *registry.Rubric, d *reviewDoc, sign int) bson.D {
	idx := r.CriterionIndex()
	inc := bson.D{{Key: "n", Value: sign}}
	groups := map[registry.GroupKey]bool{}
	for _, k := range registry.ReviewGroups(d.review().Reviewer) {
		groups[k] = true
	}
	var gs []int
	for gi, k := range registry.GroupKeys() {
		if groups[k] {
			gs = append(gs, gi)
			inc = append(inc, bson.E{Key: fmt.Sprintf("g.%d.n", gi), Value: sign})
		}
	}
	for _, a := range d.Answers {
		i, ok := idx[a.Criterion]
		if !ok {
			continue
		}
		slot := -1
		switch {
		case a.NA:
			slot = registry.Levels + 1
		case a.Unknown:
			slot = registry.Levels
		case a.Score != nil && *a.Score >= 0 && *a.Score <= registry.MaxScore:
			slot = *a.Score
		}
		if slot < 0 {
			continue
		}
		pos := i*slots + slot
		inc = append(inc, bson.E{Key: fmt.Sprintf("c.%d", pos), Value: sign})
		for _, gi := range gs {
			inc = append(inc, bson.E{Key: fmt.Sprintf("g.%d.c.%d", gi, pos), Value: sign})
		}
	}
	return inc
}

// countPublished adds (sign +1) or removes (sign -1) a review in its
// product's derived documents. The caller holds the product's write gate.
func (s *Store) countPublished(ctx context.Context, d *reviewDoc, sign int) error {
	r, err := s.opts.Rubrics.Version(d.RubricID, d.RubricVersion)
	if err != nil {
		return err
	}
	// Statistics: make sure the document exists, then $inc the counts.
	zero := zeroStatsDoc(d.ProductID, r)
	if _, err := s.db.Collection(colStats).InsertOne(ctx, zero); err != nil && !mongo.IsDuplicateKeyError(err) {
		return translate(err, "statistics")
	}
	if _, err := s.db.Collection(colStats).UpdateOne(ctx, byID(zero.ID), bson.D{{Key: "$inc", Value: statsIncrements(r, d, sign)}}); err != nil {
		return translate(err, "statistics")
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
		page := pageID(d.ProductID, d.Seq)
		update := bson.D{
			{Key: "$setOnInsert", Value: bson.D{{Key: "p", Value: d.ProductID}}},
			{Key: "$push", Value: bson.D{{Key: "items", Value: toPublicDoc(d, d.Seq)}}},
		}
		if _, err := s.db.Collection(colPages).UpdateOne(ctx, byID(page), update, upsertOpts); err != nil {
			return translate(err, "review page")
		}
		_, err := s.db.Collection(colReviews).UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{{Key: "sq", Value: d.Seq}}}})
		return translate(err, "review")
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

// unlist removes a review from a page of published reviews. MongoDB does it
// with one atomic $pull; FerretDB 1.x's $pull does not match sub-documents
// by a condition, so on the embedded store the page is read, filtered and
// written back under the product's write gate (which the caller holds).
func (s *Store) unlist(ctx context.Context, page, reviewID string) error {
	coll := s.db.Collection(colPages)
	if !s.db.Embedded() {
		pull := bson.D{{Key: "$pull", Value: bson.D{{Key: "items", Value: bson.D{{Key: "id", Value: reviewID}}}}}}
		_, err := coll.UpdateOne(ctx, byID(page), pull)
		return translate(err, "review page")
	}
	var d pageDoc
	err := coll.FindOne(ctx, byID(page)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	} else if err != nil {
		return translate(err, "review page")
	}
	kept := make([]publicDoc, 0, len(d.Items))
	for _, it := range d.Items {
		if it.ID != reviewID {
			kept = append(kept, it)
		}
	}
	if len(kept) == len(d.Items) {
		return nil
	}
	_, err = coll.UpdateOne(ctx, byID(page), bson.D{{Key: "$set", Value: bson.D{{Key: "items", Value: kept}}}})
	return translate(err, "review page")
}

// Stats returns a product's statistics under one rubric version, empty when
// nothing is published under it.
func (s *Store) Stats(ctx context.Context, productID string, r *registry.Rubric) (*registry.Stats, error) {
	var d statsDoc
	err := s.db.Collection(colStats).FindOne(ctx, byID(statsID(productID, r.ID, r.Version))).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return registry.NewStats(productID, r), nil
	} else if err != nil {
		return nil, translate(err, "statistics")
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
