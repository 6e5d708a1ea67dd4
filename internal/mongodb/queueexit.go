package mongodb

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// What follows a review out of the queue, outside the product's write gate
// (the queue's pages and the reviewers' slots and list entries have gate
// keys of their own, and a gate key is never taken while another is held).

// leftQueue finishes the move of d, read from the queue, out of it: its
// entry in the queue's pages is marked gone and its slot among its author's
// pending reviews is freed. Repeating it is harmless; it does nothing for a
// review that was not pending.
func (s *Store) leftQueue(ctx context.Context, d *reviewDoc) error {
	if d.Status != registry.StatusPending {
		return nil
	}
	if err := s.dequeue(ctx, d.QSeq, d.ID); err != nil {
		return err
	}
	if d.Slot == 0 {
		return nil
	}
	return s.freeSlot(ctx, d.ReviewerRef, d.Slot-1, d.ID)
}

// settleQueue does leftQueue for a review found in the reviews collection:
// repair uses it for transitions that stopped before it ran. For a review
// still pending it writes its queue entry's flags from the review (an edit
// in place that stopped before it did, revisions.go).
func (s *Store) settleQueue(ctx context.Context, reviewID string) error {
	var moved reviewDoc
	err := s.db.Collection(colReviews).FindOne(ctx, byID(reviewID)).Decode(&moved)
	if errors.Is(err, mongo.ErrNoDocuments) {
		q, err := s.queued(ctx, reviewID)
		if err != nil || q == nil || q.QFlags == 0 {
			return err
		}
		return s.setQueueFlags(ctx, q.QSeq, q.ID, q.QFlags)
	} else if err != nil {
		return translate(err, "review")
	}
	moved.Status = registry.StatusPending // as it was in the queue
	return s.leftQueue(ctx, &moved)
}

// discardQueued removes from the queue a pending review whose submission
// was refused after it was stored (d carries its entry, slot and list
// index), as if it had never been stored. The caller holds its author's
// submission lock, or no lock.
func (s *Store) discardQueued(ctx context.Context, d *reviewDoc) error {
	if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(d.ID)); err != nil {
		return translate(err, "review")
	}
	pending := *d
	pending.Status = registry.StatusPending
	if err := s.leftQueue(ctx, &pending); err != nil {
		return err
	}
	return s.unlistRefused(ctx, d)
}
