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

// Derived documents: a product's public state. Each is small and read by
// _id, so reading an assessment or a page of reviews costs the same in a
// registry of a thousand reviews as in one of a million.
//
//   - stats:  one per product and rubric version: the tally of the reviews
//     counted in public, overall and per breakdown cell, packed (packed.go);
//   - pindex: one per product: the release state (release.go): the changes
//     waiting for the next release, the listing sequence, the public
//     reviews per rubric version;
//   - pages:  the product's public listing, pageSize sequence numbers per
//     document, packed.
//
// They change only by a release (release.go), except that a withdrawn or
// taken-down review leaves its page at once. All are written under the
// product's write gate, by revision, and all can be rebuilt from the
// reviews (rebuildProduct).

// pageSize is the number of publish sequence numbers per page document. It
// is part of the page ids, so changing it is a format change that needs
// `registry reindex` (docs/storage.md, "Packed statistics: format header").
const pageSize = 20

// slots per criterion in a flat tally: levels 0..4, unknown, na.
const slots = registry.Levels + 2

// statsDoc is registry.Stats as flat counts, the layout of the packed
// record: per criterion, levels 0..4, unknown and na; the overall tally and
// one per group key, in the store's order (registry.GroupKeys()). fp is the
// fingerprint of that layout (statsformat.go); headed is false for a record
// read that was written before records had a format header.
type statsDoc struct {
	ID        string
	ProductID string
	Reviews   int
	Counts    []int
	Groups    []groupDoc
	fp        [fingerprintLen]byte
	headed    bool
}

type groupDoc struct {
	Reviews int
	Counts  []int
}

// pageDoc is one page of a product's public listing.
type pageDoc struct {
	ID        string
	ProductID string
	Items     []entryDoc
}

func statsID(productID, rubricID string, version int) string {
	return productID + "|" + rubricID + "|" + strconv.Itoa(version)
}

func pageID(productID string, seq int) string {
	return productID + "|" + strconv.Itoa((seq-1)/pageSize)
}

// versionKey is registry.VersionKey, the key of the per-version counts.
var versionKey = registry.VersionKey

// newStats returns empty statistics with a tally for each of the store's
// group keys.
func (s *Store) newStats(productID string, r *registry.Rubric) *registry.Stats {
	n := len(r.Criteria())
	st := &registry.Stats{ProductID: productID, RubricID: r.ID, RubricVersion: r.Version,
		All: registry.NewTally(n), Groups: map[registry.GroupKey]registry.Tally{}}
	for _, k := range s.groupKeys {
		st.Groups[k] = registry.NewTally(n)
	}
	return st
}

func (s *Store) zeroStatsDoc(productID string, r *registry.Rubric) *statsDoc {
	return s.toStatsDoc(s.newStats(productID, r), r)
}

// toStatsDoc flattens statistics under rubric r into this store's layout.
func (s *Store) toStatsDoc(st *registry.Stats, r *registry.Rubric) *statsDoc {
	l := s.layout(r)
	d := &statsDoc{ID: statsID(st.ProductID, st.RubricID, st.RubricVersion), ProductID: st.ProductID,
		Reviews: st.All.Reviews, Counts: flatten(st.All, l.criteria), fp: l.fingerprint(), headed: true}
	for _, k := range l.keys {
		t := st.Groups[k]
		d.Groups = append(d.Groups, groupDoc{Reviews: t.Reviews, Counts: flatten(t, l.criteria)})
	}
	return d
}

// flatten returns the counts of a tally of n criteria (a missing tally
// counts nothing).
func flatten(t registry.Tally, n int) []int {
	out := make([]int, 0, n*slots)
	for i := range n {
		var c registry.CriterionTally
		if i < len(t.Criteria) {
			c = t.Criteria[i]
		}
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

// stats returns the statistics a document in layout keys holds.
func (d *statsDoc) stats(r *registry.Rubric, keys []registry.GroupKey) *registry.Stats {
	n := len(r.Criteria())
	s := &registry.Stats{ProductID: d.ProductID, RubricID: r.ID, RubricVersion: r.Version,
		All: unflatten(d.Reviews, d.Counts, n), Groups: map[registry.GroupKey]registry.Tally{}}
	for i, k := range keys {
		if i < len(d.Groups) {
			s.Groups[k] = unflatten(d.Groups[i].Reviews, d.Groups[i].Counts, n)
		} else {
			s.Groups[k] = registry.NewTally(n)
		}
	}
	return s
}

// unlistReview takes a review that is no longer published out of its
// product's public listing, at once. The caller holds the product's write
// gate.
func (s *Store) unlistReview(ctx context.Context, d *reviewDoc) error {
	if d.ReleasedIn == 0 {
		return nil // never listed
	}
	if d.Seq > 0 {
		return s.unlist(ctx, pageID(d.ProductID, d.Seq), d.ID)
	}
	// The listing position was never recorded (an interrupted release):
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

// unlist removes a review from a page of the public listing.
func (s *Store) unlist(ctx context.Context, page, reviewID string) error {
	items, err := s.readPage(ctx, page)
	if err != nil || !slices.ContainsFunc(items, func(it entryDoc) bool { return it.ID == reviewID }) {
		return err
	}
	return s.updatePacked(ctx, colPages, page, "", 0, func(packed []byte) ([]byte, error) {
		items, err := unpackItems(packed)
		if err != nil {
			return nil, err
		}
		return packItems(slices.DeleteFunc(items, func(it entryDoc) bool { return it.ID == reviewID }))
	})
}

// Stats returns a product's public statistics under one rubric version
// (those of its last release), empty when nothing is public under it. A
// record that cannot be read in this store's layout (statsformat.go) is
// rebuilt from the reviews first, never read as numbers.
func (s *Store) Stats(ctx context.Context, productID string, r *registry.Rubric) (*registry.Stats, error) {
	var rec packedRecord
	err := s.db.Collection(colStats).FindOne(ctx, byID(statsID(productID, r.ID, r.Version))).Decode(&rec)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return s.newStats(productID, r), nil
	} else if err != nil {
		return nil, translate(err, "statistics")
	}
	d, err := s.readStatsOrRebuild(ctx, rec.Packed, &statsDoc{ID: rec.ID, ProductID: productID}, r)
	if err != nil {
		return nil, err
	}
	return d.stats(r, s.groupKeys), nil
}

// PublishedCounts returns the number of a product's public reviews (as of
// its last release) under each rubric version, keyed "id@version".
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
