package mongodb

import (
	"context"
	"sort"

	"github.com/edtech-registry/registry/internal/registry"
)

// seedBatch is the number of reviews inserted per round trip while seeding.
const seedBatch = 500

// Seed bulk-loads products and reviews (demo data, benchmarks) into an empty
// store. Derived statistics and pages are computed in memory by the same
// code that reindex uses, so seeding costs the same per review however large
// the registry already is. Pending reviews join the moderation queue, oldest
// first. No reviewer records are written (reviewers.go): seeded reviewer
// references belong to no token. It returns the number of reviews stored; a
// product or review id that exists fails it.
func (s *Store) Seed(ctx context.Context, products []*registry.Product, reviews []*registry.Review) (int, error) {
	for _, p := range products {
		if err := s.CreateProduct(ctx, p); err != nil {
			return 0, err
		}
	}
	byProduct := map[string][]reviewDoc{}
	var order []string
	for _, r := range reviews {
		if r.ID == "" {
			r.ID = newID()
		}
		if _, ok := byProduct[r.ProductID]; !ok {
			order = append(order, r.ProductID)
		}
		byProduct[r.ProductID] = append(byProduct[r.ProductID], *toReviewDoc(r))
	}
	if err := s.seedQueue(ctx, order, byProduct); err != nil {
		return 0, err
	}
	for _, pid := range order {
		docs := byProduct[pid]
		s.seedReleases(docs)
		var left []reviewDoc // reviews that left the queue
		for _, d := range docs {
			if d.Status != registry.StatusPending {
				left = append(left, d)
			}
		}
		dv, err := s.deriveFrom(pid, left, &indexDoc{ID: pid})
		if err != nil {
			return 0, err
		}
		for i := range docs {
			docs[i].Seq = dv.seqs[docs[i].ID]
		}
		if err := s.insertReviews(ctx, docs); err != nil {
			return 0, err
		}
		if err := s.writeDerived(ctx, pid, dv, nil, false); err != nil {
			return 0, err
		}
	}
	return len(reviews), nil
}

// seedReleases gives a product's seeded published reviews the releases
// they would have had if they had been published one by one, in the order
// of their publication times: each release takes what waits once
// registry.ReleaseDue says so, and is dated by its last review's month.
// What is left waits for the next release, as it would have.
func (s *Store) seedReleases(docs []reviewDoc) {
	var published []*reviewDoc
	for i := range docs {
		if docs[i].Status == registry.StatusPublished && docs[i].PublishedAt != nil {
			published = append(published, &docs[i])
		}
	}
	sort.SliceStable(published, func(i, j int) bool { return published[i].PublishedAt.Before(*published[j].PublishedAt) })
	// The same rule as a live release (indexDoc.startRelease): version by
	// version, counting different reviewers.
	public, release := 0, 0
	waiting := map[string][]*reviewDoc{}
	for _, d := range published {
		v := versionKey(d.RubricID, d.RubricVersion)
		waiting[v] = append(waiting[v], d)
		by := map[string]bool{}
		for _, w := range waiting[v] {
			by[w.ReviewerRef] = true
		}
		if !registry.ReleaseDue(public, len(by), s.threshold) {
			continue
		}
		release++
		for _, w := range waiting[v] {
			w.ReleasedIn, w.ReleaseMonth = release, d.PublishedAt.UTC().Format("2006-01")
		}
		public += len(waiting[v])
		delete(waiting, v)
	}
}

// insertReviews stores review documents in batches: pending ones in the
// queue, the others in the reviews collection, with claims for the
// published ones.
func (s *Store) insertReviews(ctx context.Context, docs []reviewDoc) error {
	for start := 0; start < len(docs); start += seedBatch {
		batch := docs[start:min(start+seedBatch, len(docs))]
		var rs, claims, queued []any
		for i := range batch {
			d := &batch[i]
			switch d.Status {
			case registry.StatusPending:
				d.Act = claimID(d.ReviewerRef, d.ProductID)
				queued = append(queued, d)
			case registry.StatusPublished:
				claims = append(claims, claimDoc{ID: claimID(d.ReviewerRef, d.ProductID), ReviewID: d.ID})
				rs = append(rs, d)
			default:
				rs = append(rs, d)
			}
		}
		for _, part := range []struct {
			coll string
			docs []any
		}{{colReviews, rs}, {colClaims, claims}, {colQueue, queued}} {
			if len(part.docs) == 0 {
				continue
			}
			if _, err := s.db.Collection(part.coll).InsertMany(ctx, part.docs); err != nil {
				return translate(err, part.coll)
			}
		}
	}
	return nil
}

// seedQueue gives the pending reviews among docs their entries in the
// queue's pages, oldest first, before they are stored (as a submission
// does).
func (s *Store) seedQueue(ctx context.Context, order []string, byProduct map[string][]reviewDoc) error {
	var queued []*reviewDoc
	for _, pid := range order {
		docs := byProduct[pid]
		for i := range docs {
			if docs[i].Status == registry.StatusPending {
				queued = append(queued, &docs[i])
			}
		}
	}
	if len(queued) == 0 {
		return nil
	}
	sort.SliceStable(queued, func(i, j int) bool {
		if !queued[i].CreatedAt.Equal(queued[j].CreatedAt) {
			return queued[i].CreatedAt.Before(queued[j].CreatedAt)
		}
		return queued[i].ID < queued[j].ID
	})
	entries := make([]queueEntry, len(queued))
	for i, d := range queued {
		d.QFlags = queueFlags(d.review())
		entries[i] = queueEntry{ReviewID: d.ID, Created: d.CreatedAt, Flags: d.QFlags}
	}
	seqs, err := s.enqueue(ctx, entries)
	if err != nil {
		return err
	}
	for i, d := range queued {
		d.QSeq = seqs[i]
	}
	return nil
}
