package mongodb

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// derivation is everything derived from one product's published reviews.
type derivation struct {
	stats map[string]*statsDoc
	index *indexDoc
	pages map[string]*pageDoc
	seqs  map[string]int // review id → sequence number
}

// derive computes a product's derived documents from its reviews, the way
// the incremental updates would have left them: published reviews in the
// order they were published.
func (s *Store) derive(ctx context.Context, productID string) (*derivation, []reviewDoc, error) {
	filter := bson.D{{Key: "p", Value: productID}, {Key: "st", Value: registry.StatusPublished}}
	cur, err := s.db.Collection(colReviews).Find(ctx, filter)
	if err != nil {
		return nil, nil, translate(err, "reviews")
	}
	var docs []reviewDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, nil, translate(err, "reviews")
	}
	dv, err := s.deriveFrom(productID, docs)
	return dv, docs, err
}

// deriveFrom computes the derived documents of a product from its published
// reviews (sorting docs into publish order).
func (s *Store) deriveFrom(productID string, docs []reviewDoc) (*derivation, error) {
	sort.Slice(docs, func(i, j int) bool {
		a, b := docs[i].PublishedAt, docs[j].PublishedAt
		if a != nil && b != nil && !a.Equal(*b) {
			return a.Before(*b)
		}
		if docs[i].Seq != docs[j].Seq {
			return docs[i].Seq < docs[j].Seq
		}
		return docs[i].ID < docs[j].ID
	})
	dv := &derivation{
		stats: map[string]*statsDoc{},
		index: &indexDoc{ID: productID, Contexts: map[string]int{}, Versions: map[string]int{}},
		pages: map[string]*pageDoc{},
		seqs:  map[string]int{},
	}
	all := map[string]*registry.Stats{}
	for i := range docs {
		d := &docs[i]
		r, err := s.opts.Rubrics.Version(d.RubricID, d.RubricVersion)
		if err != nil {
			return nil, err
		}
		id := statsID(productID, r.ID, r.Version)
		st, ok := all[id]
		if !ok {
			st = registry.NewStats(productID, r)
			all[id] = st
		}
		st.Add(r.CriterionIndex(), d.review(), +1)
		dv.index.Seq++
		dv.index.Versions[versionKey(d.RubricID, d.RubricVersion)]++
		for _, k := range registry.ContextKeys(d.review().Reviewer) {
			dv.index.Contexts[k]++
		}
		seq := dv.index.Seq
		dv.seqs[d.ID] = seq
		pid := pageID(productID, seq)
		p, ok := dv.pages[pid]
		if !ok {
			p = &pageDoc{ID: pid, ProductID: productID}
			dv.pages[pid] = p
		}
		p.Items = append(p.Items, toPublicDoc(d, seq))
	}
	for id, st := range all {
		dv.stats[id] = toStatsDoc(st)
	}
	return dv, nil
}

// stored reads a product's derived documents as they are in the store.
func (s *Store) stored(ctx context.Context, productID string) (*derivation, error) {
	byProduct := bson.D{{Key: "p", Value: productID}}
	var stats, pages []packedRecord
	for _, q := range []struct {
		coll string
		into *[]packedRecord
	}{{colStats, &stats}, {colPages, &pages}} {
		cur, err := s.db.Collection(q.coll).Find(ctx, byProduct)
		if err != nil {
			return nil, translate(err, q.coll)
		}
		if err := cur.All(ctx, q.into); err != nil {
			return nil, translate(err, q.coll)
		}
	}
	return s.storedFrom(ctx, productID, stats, pages)
}

// storedFrom unpacks a product's stored statistics and pages and reads its
// review index.
func (s *Store) storedFrom(ctx context.Context, productID string, stats, pages []packedRecord) (*derivation, error) {
	dv := &derivation{stats: map[string]*statsDoc{}, pages: map[string]*pageDoc{}}
	for _, rec := range stats {
		d := &statsDoc{ID: rec.ID, ProductID: productID}
		if err := unpackStats(rec.Packed, d); err != nil {
			s.log.Warn("damaged statistics record", "id", rec.ID, "error", err)
			d.Reviews = -1 // differs from any recomputation, so it is rebuilt
		}
		if d.Reviews != 0 { // an emptied document says the same as none
			dv.stats[d.ID] = d
		}
	}
	idx, err := s.index(ctx, productID)
	if err != nil {
		return nil, err
	}
	dv.index = idx
	for _, rec := range pages {
		items, err := unpackItems(rec.Packed)
		if err != nil {
			s.log.Warn("damaged review page", "id", rec.ID, "error", err)
			items = []publicDoc{{ID: "damaged " + rec.ID}} // forces a rebuild
		}
		if len(items) > 0 {
			dv.pages[rec.ID] = &pageDoc{ID: rec.ID, ProductID: productID, Items: items}
		}
	}
	return dv, nil
}

// snapshot holds every published review, statistics record and page,
// grouped by product, read in one pass of each collection. On the embedded
// store, where every filter but an exact _id reads the whole collection,
// reindex uses it instead of three collection scans per product.
type snapshot struct {
	reviews map[string][]reviewDoc
	stats   map[string][]packedRecord
	pages   map[string][]packedRecord
}

func (s *Store) takeSnapshot(ctx context.Context) (*snapshot, error) {
	snap := &snapshot{reviews: map[string][]reviewDoc{}, stats: map[string][]packedRecord{}, pages: map[string][]packedRecord{}}
	cur, err := s.db.Collection(colReviews).Find(ctx, bson.D{{Key: "st", Value: registry.StatusPublished}})
	if err != nil {
		return nil, translate(err, "reviews")
	}
	for cur.Next(ctx) {
		var d reviewDoc
		if err := cur.Decode(&d); err != nil {
			return nil, translate(err, "reviews")
		}
		snap.reviews[d.ProductID] = append(snap.reviews[d.ProductID], d)
	}
	if err := cur.Err(); err != nil {
		return nil, translate(err, "reviews")
	}
	for coll, into := range map[string]map[string][]packedRecord{colStats: snap.stats, colPages: snap.pages} {
		cur, err := s.db.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			return nil, translate(err, coll)
		}
		var recs []packedRecord
		if err := cur.All(ctx, &recs); err != nil {
			return nil, translate(err, coll)
		}
		for _, rec := range recs {
			into[rec.ProductID] = append(into[rec.ProductID], rec)
		}
	}
	return snap, nil
}

// sameCounts reports whether stored statistics and index say what a full
// recomputation says. Page layout may differ after withdrawals (sequence
// numbers are not reused), so pages are compared by the reviews they list.
func sameCounts(want, got *derivation) bool {
	if len(want.stats) != len(got.stats) {
		return false
	}
	for id, w := range want.stats {
		g, ok := got.stats[id]
		if !ok || w.Reviews != g.Reviews || !reflect.DeepEqual(w.Counts, g.Counts) || !reflect.DeepEqual(w.Groups, g.Groups) {
			return false
		}
	}
	if !sameNonZero(want.index.Contexts, got.index.Contexts) || !sameNonZero(want.index.Versions, got.index.Versions) {
		return false
	}
	listed := func(dv *derivation) map[string]bool {
		m := map[string]bool{}
		for _, p := range dv.pages {
			for _, it := range p.Items {
				m[it.ID] = true
			}
		}
		return m
	}
	return reflect.DeepEqual(listed(want), listed(got))
}

func sameNonZero(a, b map[string]int) bool {
	for k, v := range a {
		if v != b[k] {
			return false
		}
	}
	for k, v := range b {
		if v != a[k] {
			return false
		}
	}
	return true
}

// rebuildProduct recomputes a product's derived documents from its reviews
// and replaces the stored ones when they differ. It reports whether they
// differed. It reads every review of the product, so it runs only from
// reindex and drift repair, never on a request path.
func (s *Store) rebuildProduct(ctx context.Context, productID string) (bool, error) {
	return s.rebuildFrom(ctx, productID, nil)
}

// rebuildFrom is rebuildProduct reading from a snapshot when snap is not
// nil.
func (s *Store) rebuildFrom(ctx context.Context, productID string, snap *snapshot) (bool, error) {
	unlock, err := s.db.LockContext(ctx, productLock(productID))
	if err != nil {
		return false, err
	}
	defer unlock()
	var want, got *derivation
	var docs []reviewDoc
	if snap == nil {
		if want, docs, err = s.derive(ctx, productID); err == nil {
			got, err = s.stored(ctx, productID)
		}
	} else {
		docs = snap.reviews[productID]
		if want, err = s.deriveFrom(productID, docs); err == nil {
			got, err = s.storedFrom(ctx, productID, snap.stats[productID], snap.pages[productID])
		}
	}
	if err != nil {
		return false, err
	}
	if sameCounts(want, got) {
		return false, nil
	}
	return true, s.writeDerived(ctx, productID, want, docs, true)
}

// writeDerived stores a product's derived documents, replacing (when
// replace is set) what was there, and records each review's sequence
// number.
func (s *Store) writeDerived(ctx context.Context, productID string, want *derivation, docs []reviewDoc, replace bool) error {
	byProduct := bson.D{{Key: "p", Value: productID}}
	if replace {
		if _, err := s.db.Collection(colStats).DeleteMany(ctx, byProduct); err != nil {
			return translate(err, "statistics")
		}
		if _, err := s.db.Collection(colPages).DeleteMany(ctx, byProduct); err != nil {
			return translate(err, "review pages")
		}
	}
	for _, d := range want.stats {
		if _, err := s.db.Collection(colStats).InsertOne(ctx, statsRecord(d)); err != nil {
			return translate(err, "statistics")
		}
	}
	for _, p := range want.pages {
		rec, err := pageRecord(p)
		if err != nil {
			return err
		}
		if _, err := s.db.Collection(colPages).InsertOne(ctx, rec); err != nil {
			return translate(err, "review pages")
		}
	}
	upsert := options.Replace().SetUpsert(true)
	if _, err := s.db.Collection(colIndex).ReplaceOne(ctx, byID(productID), want.index, upsert); err != nil {
		return translate(err, "review index")
	}
	for i := range docs {
		if seq := want.seqs[docs[i].ID]; docs[i].Seq != seq {
			if _, err := s.db.Collection(colReviews).UpdateOne(ctx, byID(docs[i].ID), bson.D{{Key: "$set", Value: bson.D{{Key: "sq", Value: seq}}}}); err != nil {
				return translate(err, "review")
			}
		}
	}
	return nil
}

// syncReview finishes an interrupted move of a review out of the queue: a
// review found in the reviews collection leaves the queue, and a claim held
// by a review that is not published is released. The caller holds the
// product's write gate.
func (s *Store) syncReview(ctx context.Context, reviewID string) error {
	var moved reviewDoc
	err := s.db.Collection(colReviews).FindOne(ctx, byID(reviewID)).Decode(&moved)
	switch {
	case err == nil:
		if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(reviewID)); err != nil {
			return translate(err, "queue")
		}
		if moved.Status != registry.StatusPublished {
			return s.release(ctx, &moved)
		}
		return nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return translate(err, "review")
	}
	// Still pending (or never stored): it holds no claim.
	var queued reviewDoc
	err = s.db.Collection(colQueue).FindOne(ctx, byID(reviewID)).Decode(&queued)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	} else if err != nil {
		return translate(err, "queue")
	}
	return s.release(ctx, &queued)
}

// Repair finishes the derived updates of every submission or transition that
// was interrupted (a crash between a review's change and its derived
// updates leaves a marker) and returns how many products it rebuilt. The
// server runs it at start-up, before it takes requests.
//
// On the embedded store no other process can be mid-transition, so every
// marker is repaired; on MongoDB other nodes may be, so only markers older
// than repairAge are, and it should run only while no server writes (see
// Unrepaired).
func (s *Store) Repair(ctx context.Context) (int, error) {
	if s.db.Embedded() {
		return s.repair(ctx, 0)
	}
	return s.repair(ctx, repairAge)
}

// repairAge is how old a marker must be before a running server repairs
// it: a transition finishes in far less (requests have a 10 s deadline), so
// an older marker belongs to one that failed or whose process died.
const repairAge = time.Minute

// RepairStale repairs the transitions left unfinished more than a minute
// ago (by an error, or by another node that died). A running server calls it
// periodically, so statistics left wrong by a failed update do not wait for
// the next start.
func (s *Store) RepairStale(ctx context.Context) (int, error) { return s.repair(ctx, repairAge) }

// Unrepaired returns the products that have transitions left unfinished
// for more than a minute. On MongoDB a running server reports them rather
// than rebuilding them itself: other nodes may be publishing reviews of the
// same product while the rebuild runs, and with no write gate between nodes
// such a review could be counted twice. `registry reindex`, run while the
// servers are stopped, repairs them.
func (s *Store) Unrepaired(ctx context.Context) ([]string, error) {
	cur, err := s.db.Collection(colMarkers).Find(ctx, bson.D{})
	if err != nil {
		return nil, translate(err, "markers")
	}
	var markers []markerDoc
	if err := cur.All(ctx, &markers); err != nil {
		return nil, translate(err, "markers")
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range markers {
		if s.now().Sub(m.CreatedAt) >= repairAge && !seen[m.ProductID] {
			seen[m.ProductID] = true
			out = append(out, m.ProductID)
		}
	}
	return out, nil
}

func (s *Store) repair(ctx context.Context, minAge time.Duration) (int, error) {
	cur, err := s.db.Collection(colMarkers).Find(ctx, bson.D{})
	if err != nil {
		return 0, translate(err, "markers")
	}
	var all, markers []markerDoc
	if err := cur.All(ctx, &all); err != nil {
		return 0, translate(err, "markers")
	}
	for _, m := range all {
		if minAge == 0 || s.now().Sub(m.CreatedAt) >= minAge {
			markers = append(markers, m)
		}
	}
	products := map[string]bool{}
	for _, m := range markers {
		unlock, err := s.db.LockContext(ctx, productLock(m.ProductID))
		if err == nil {
			err = s.syncReview(ctx, m.ReviewID)
			unlock()
		}
		if err == nil {
			err = s.settleQueue(ctx, m.ReviewID)
		}
		if err != nil {
			return 0, err
		}
		products[m.ProductID] = true
	}
	rebuilt := 0
	for p := range products {
		changed, err := s.rebuildProduct(ctx, p)
		if err != nil {
			return rebuilt, err
		}
		if changed {
			rebuilt++
			s.log.Warn("repaired derived statistics after an interrupted update", "product", p)
		}
	}
	for _, m := range markers {
		if _, err := s.db.Collection(colMarkers).DeleteOne(ctx, byID(m.ID)); err != nil {
			return rebuilt, translate(err, "markers")
		}
	}
	if _, err := s.publishStranded(ctx, minAge); err != nil {
		return rebuilt, err
	}
	return rebuilt, nil
}

// Reindex rebuilds every product's derived documents and the moderation
// queue from the reviews, and returns how many products' stored derivations
// were wrong. progress, when not nil, is called after each product.
func (s *Store) Reindex(ctx context.Context, progress func(done, total int)) (int, error) {
	// Products rebuilt by the repair of interrupted updates were wrong too;
	// the pass below finds them right again and would not count them.
	wrong, err := s.Repair(ctx)
	if err != nil {
		return wrong, err
	}
	cur, err := s.db.Collection(colProducts).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, translate(err, "products")
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return 0, translate(err, "products")
	}
	var snap *snapshot
	if s.db.Embedded() {
		// Only one process holds the embedded store (reindex runs with the
		// server stopped), so a snapshot stays true while it is used.
		if snap, err = s.takeSnapshot(ctx); err != nil {
			return wrong, err
		}
	}
	for i, p := range ids {
		changed, err := s.rebuildFrom(ctx, p.ID, snap)
		if err != nil {
			return wrong, err
		}
		if changed {
			wrong++
		}
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	if err := s.rebuildQueue(ctx); err != nil {
		return wrong, err
	}
	return wrong, nil
}

// rebuildQueue removes from the queue every review that has left it (an
// interrupted move leaves a copy in both collections), frees the slots they
// held, and then rebuilds the queue's pages from what is left. The queue
// holds only pending reviews and their authors' slots and list entries, so
// this reads a small collection and one review per entry.
func (s *Store) rebuildQueue(ctx context.Context) error {
	cur, err := s.db.Collection(colQueue).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "p", Value: 1}}))
	if err != nil {
		return translate(err, "queue")
	}
	var queued []struct {
		ID        string `bson:"_id"`
		ProductID string `bson:"p"`
	}
	if err := cur.All(ctx, &queued); err != nil {
		return translate(err, "queue")
	}
	for _, q := range queued {
		if !isReviewID(q.ID) {
			// A reviewer's slot or list entry (reviewers.go): a slot whose
			// review is no longer pending is freed.
			if err := s.checkSlot(ctx, q.ID); err != nil {
				return err
			}
			continue
		}
		unlock, err := s.db.LockContext(ctx, productLock(q.ProductID))
		if err == nil {
			err = s.syncReview(ctx, q.ID)
			unlock()
		}
		if err == nil {
			err = s.settleQueue(ctx, q.ID)
		}
		if err != nil {
			return err
		}
	}
	return s.rebuildQueuePages(ctx)
}
