package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

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
			return s.releaseClaim(ctx, &moved)
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
	return s.releaseClaim(ctx, &queued)
}

// Repair finishes the derived updates of every submission or transition that
// was interrupted (a crash, or a write that gave up, between a review's
// change and its derived updates leaves a marker) and returns how many
// products it rebuilt or finished. The server runs it at start-up, before it
// takes requests.
//
// Under PolicyGate no other process can be mid-transition, so every marker
// is repaired, by rebuilding its product from the reviews. Under
// PolicyConditional other nodes may be mid-transition and writing the same
// products, so only markers older than repairAge are, and only by finishing
// what their transitions recorded (finishMarkers), which never counts a
// review twice.
func (s *Store) Repair(ctx context.Context) (int, error) {
	if s.db.policy.oneProcess() {
		return s.repair(ctx, 0)
	}
	return s.repair(ctx, repairAge)
}

// repairAge is how old a marker must be before a running server repairs
// it: a transition finishes in far less (requests have a 10 s deadline), so
// an older marker belongs to one that failed or whose process died.
const repairAge = time.Minute

// RepairStale repairs the transitions left unfinished more than a minute
// ago (by an error, or by another node that died), as Repair does under the
// store's policy. A running server calls it periodically, so statistics
// left wrong by a failed update do not wait for the next start.
func (s *Store) RepairStale(ctx context.Context) (int, error) { return s.repair(ctx, repairAge) }

// Unrepaired returns the products that have transitions left unfinished
// for more than a minute: those that Repair and RepairStale could not
// finish (under PolicyConditional they log the failure and go on with the
// other products, because another node may just have been busy with the
// same documents). A running server reports them after each repair; the
// next repair tries again, and `registry reindex` rebuilds them.
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

// repair repairs the markers at least minAge old, then sweeps what has
// expired or leads nowhere (sweep).
func (s *Store) repair(ctx context.Context, minAge time.Duration) (int, error) {
	n, err := s.repairMarkers(ctx, minAge)
	if err != nil {
		return n, err
	}
	return n, s.sweep(ctx)
}

// sweep deletes the idempotency records past their retention, the drafts
// past theirs and the keyring entries of tokens whose creation was cut
// short. Repair and RepairStale run it, so a running server sweeps every
// few minutes.
func (s *Store) sweep(ctx context.Context) error {
	if _, err := s.PruneIdempotency(ctx); err != nil {
		return err
	}
	if s.draftPruneDue() {
		if _, err := s.PruneDrafts(ctx); err != nil {
			return err
		}
	}
	_, err := s.pruneKeyrings(ctx)
	return err
}

func (s *Store) repairMarkers(ctx context.Context, minAge time.Duration) (int, error) {
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
	if !s.db.policy.oneProcess() {
		return s.finishMarkers(ctx, markers, minAge)
	}
	products := map[string]bool{}
	for _, m := range markers {
		unlock, err := s.db.LockContext(ctx, productLock(m.ProductID))
		if err == nil {
			err = s.syncReview(ctx, m.ReviewID)
			if err == nil {
				err = s.syncRevision(ctx, m.ReviewID)
			}
			unlock()
		}
		if err == nil {
			err = s.settleQueue(ctx, m.ReviewID)
		}
		if err == nil {
			err = s.dropRevisionOf(ctx, m.ReviewID)
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
	if err := s.resumeDeletions(ctx, minAge); err != nil {
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
	if s.db.policy.oneProcess() {
		// Only one process holds the store (reindex runs with the server
		// stopped), so a snapshot stays true while it is used; it also
		// spares the embedded store three collection scans per product.
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
