package mongodb

import (
	"context"
	"reflect"
	"slices"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// derivation is a product's public state as its reviews say it is.
type derivation struct {
	stats map[string]*statsDoc
	index *indexDoc
	pages map[string]*pageDoc
	seqs  map[string]int // review id → listing position
}

// productReviews reads every review of a product that has left the queue.
// It filters the reviews collection, so it runs only in rebuilds (reindex,
// drift repair), never on a request path.
func (s *Store) productReviews(ctx context.Context, productID string) ([]reviewDoc, error) {
	cur, err := s.db.Collection(colReviews).Find(ctx, bson.D{{Key: "p", Value: productID}})
	if err != nil {
		return nil, translate(err, "reviews")
	}
	var docs []reviewDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "reviews")
	}
	return docs, nil
}

// deriveFrom computes a product's public state from its reviews (all that
// left the queue, in any order; docs is sorted in place) and the release
// state stored before, whose release number it keeps. Each review says
// whether it is public (the release it entered and left in, release.go);
// what waits for the next release follows from its status.
func (s *Store) deriveFrom(productID string, docs []reviewDoc, prev *indexDoc) (*derivation, error) {
	sort.Slice(docs, func(i, j int) bool {
		if docs[i].ReleasedIn != docs[j].ReleasedIn {
			return docs[i].ReleasedIn < docs[j].ReleasedIn
		}
		return docs[i].ID < docs[j].ID
	})
	dv := &derivation{
		stats: map[string]*statsDoc{},
		index: &indexDoc{ID: productID, Rev: prev.Rev, Release: prev.Release, Versions: map[string]int{}},
		pages: map[string]*pageDoc{},
		seqs:  map[string]int{},
	}
	all := map[string]*registry.Stats{}
	rubrics := map[string]*registry.Rubric{}
	for i := range docs {
		d := &docs[i]
		dv.index.Release = max(dv.index.Release, d.ReleasedIn, d.RemovedIn)
		switch {
		case d.Status == registry.StatusPublished && d.ReleasedIn == 0:
			dv.index.Waiting = append(dv.index.Waiting, d.change(+1))
		case d.Status != registry.StatusPublished && d.inPublicStats():
			dv.index.Waiting = append(dv.index.Waiting, d.change(-1))
		}
		if d.inPublicStats() {
			r, err := s.opts.Rubrics.Version(d.RubricID, d.RubricVersion)
			if err != nil {
				return nil, err
			}
			id := statsID(productID, r.ID, r.Version)
			st, ok := all[id]
			if !ok {
				st = s.newStats(productID, r)
				all[id], rubrics[id] = st, r
			}
			st.Add(r.CriterionIndex(), d.review(), +1)
			dv.index.Versions[versionKey(d.RubricID, d.RubricVersion)]++
		}
		if d.listed() {
			dv.index.Seq++
			d.Seq = dv.index.Seq
			dv.seqs[d.ID] = d.Seq
			pid := pageID(productID, d.Seq)
			p, ok := dv.pages[pid]
			if !ok {
				p = &pageDoc{ID: pid, ProductID: productID}
				dv.pages[pid] = p
			}
			p.Items = append(p.Items, toEntryDoc(d))
		}
	}
	sort.Slice(dv.index.Waiting, func(i, j int) bool { return dv.index.Waiting[i].Review < dv.index.Waiting[j].Review })
	for id, st := range all {
		dv.stats[id] = s.toStatsDoc(st, rubrics[id])
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
// release state.
func (s *Store) storedFrom(ctx context.Context, productID string, stats, pages []packedRecord) (*derivation, error) {
	dv := &derivation{stats: map[string]*statsDoc{}, pages: map[string]*pageDoc{}}
	for _, rec := range stats {
		d := &statsDoc{ID: rec.ID, ProductID: productID}
		if err := s.checkStored(rec.Packed, d); err != nil {
			s.log.Warn("statistics record not readable; rebuilding it from the reviews",
				"product", productID, "id", rec.ID, "reason", err.Error())
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
			items = []entryDoc{{ID: "damaged " + rec.ID}} // forces a rebuild
		}
		if len(items) > 0 {
			dv.pages[rec.ID] = &pageDoc{ID: rec.ID, ProductID: productID, Items: items}
		}
	}
	return dv, nil
}

// snapshot holds every review that left the queue, statistics record and
// page, grouped by product, read in one pass of each collection. On the
// embedded store, where every filter but an exact _id reads the whole
// collection, reindex uses it instead of three collection scans per
// product.
type snapshot struct {
	reviews map[string][]reviewDoc
	stats   map[string][]packedRecord
	pages   map[string][]packedRecord
}

func (s *Store) takeSnapshot(ctx context.Context) (*snapshot, error) {
	snap := &snapshot{reviews: map[string][]reviewDoc{}, stats: map[string][]packedRecord{}, pages: map[string][]packedRecord{}}
	cur, err := s.db.Collection(colReviews).Find(ctx, bson.D{})
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

// sameCounts reports whether the stored public state says what a full
// recomputation says. Listing positions may differ after withdrawals
// (positions are not reused), so pages are compared by the reviews they
// list.
func sameCounts(want, got *derivation) bool {
	if len(want.stats) != len(got.stats) {
		return false
	}
	for id, w := range want.stats {
		g, ok := got.stats[id]
		if !ok || w.fp != g.fp || w.headed != g.headed || w.Reviews != g.Reviews ||
			!reflect.DeepEqual(w.Counts, g.Counts) || !reflect.DeepEqual(w.Groups, g.Groups) {
			return false
		}
	}
	if !sameNonZero(want.index.Versions, got.index.Versions) || got.index.Applying != nil {
		return false
	}
	waiting := func(idx *indexDoc) []changeDoc {
		w := slices.Clone(idx.Waiting)
		sort.Slice(w, func(i, j int) bool { return w[i].Review < w[j].Review })
		return w
	}
	if !slices.Equal(waiting(want.index), waiting(got.index)) {
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

// rebuildProduct recomputes a product's public state from its reviews and
// replaces the stored one when it differs. It reports whether it differed.
// It reads every review of the product, so it runs only from reindex and
// drift repair, never on a request path.
func (s *Store) rebuildProduct(ctx context.Context, productID string) (bool, error) {
	return s.rebuildFrom(ctx, productID, nil)
}

// rebuildFrom is rebuildProduct reading from a snapshot when snap is not
// nil. A release left half-applied is first finished on the reviews (step
// 2 of release.go), then everything else follows from them. A release
// that the rebuilt waiting changes make due is applied at the end.
func (s *Store) rebuildFrom(ctx context.Context, productID string, snap *snapshot) (bool, error) {
	unlock, err := s.db.LockContext(ctx, productLock(productID))
	if err != nil {
		return false, err
	}
	defer unlock()
	prev, err := s.index(ctx, productID)
	if err != nil {
		return false, err
	}
	if prev.Applying != nil {
		if _, err := s.markRelease(ctx, prev.Applying); err != nil {
			return false, err
		}
		snap = nil // the reviews changed: read them again
	}
	var docs []reviewDoc
	var got *derivation
	if snap == nil {
		if docs, err = s.productReviews(ctx, productID); err == nil {
			got, err = s.stored(ctx, productID)
		}
	} else {
		docs = snap.reviews[productID]
		got, err = s.storedFrom(ctx, productID, snap.stats[productID], snap.pages[productID])
	}
	if err != nil {
		return false, err
	}
	want, err := s.deriveFrom(productID, docs, prev)
	if err != nil {
		return false, err
	}
	changed := !sameCounts(want, got)
	if changed {
		if err := s.writeDerived(ctx, productID, want, docs, true); err != nil {
			return false, err
		}
	}
	if registry.ReleaseDue(want.index.public(), len(want.index.Waiting), s.threshold) {
		idx, err := s.updateIndex(ctx, productID, func(idx *indexDoc) (bool, error) {
			return idx.startRelease(s.threshold, s.month()), nil
		})
		if err != nil {
			return changed, err
		}
		if _, err := s.finishReleases(ctx, productID, idx); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// writeDerived stores a product's derived documents, replacing (when
// replace is set) what was there, and records each listed review's
// position.
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
	// Derived from the reviews, the records hold every release up to the
	// product's last one.
	for _, d := range want.stats {
		rec := statsRecord(d)
		rec.Release = want.index.Release
		if _, err := s.db.Collection(colStats).InsertOne(ctx, rec); err != nil {
			return translate(err, "statistics")
		}
	}
	for _, p := range want.pages {
		rec, err := pageRecord(p)
		if err != nil {
			return err
		}
		rec.Release = want.index.Release
		if _, err := s.db.Collection(colPages).InsertOne(ctx, rec); err != nil {
			return translate(err, "review pages")
		}
	}
	idx := *want.index
	idx.Rev++
	upsert := options.Replace().SetUpsert(true)
	if _, err := s.db.Collection(colIndex).ReplaceOne(ctx, byID(productID), &idx, upsert); err != nil {
		return translate(err, "review index")
	}
	for i := range docs {
		seq, ok := want.seqs[docs[i].ID]
		if !ok {
			continue
		}
		if _, err := s.db.Collection(colReviews).UpdateOne(ctx, byID(docs[i].ID), bson.D{{Key: "$set", Value: bson.D{{Key: "sq", Value: seq}}}}); err != nil {
			return translate(err, "review")
		}
	}
	return nil
}
