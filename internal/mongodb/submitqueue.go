package mongodb

import (
	"context"

	"github.com/edtech-registry/registry/internal/registry"
)

// Steps of a submission at which a test may stop it, as a crash would
// (SetSubmitCrash in the tests).
const (
	stepQueued = "queued" // the queue entry and the author's record are written, the review is not stored
	stepStored = "stored" // the review is stored and pending: not yet checked against its author's published review, nor published
)

// crashPoint runs the test hook at a step of a submission.
func (s *Store) crashPoint(step, reviewID string) error {
	if s.submitCrash == nil {
		return nil
	}
	return s.submitCrash(step, reviewID)
}

// enterQueue writes what must exist before a pending review is stored: its
// place in its author's record (refused when the author has another
// pending review of the product, or as many as they may have) and its
// entry in the queue's pages, whose sequence number it sets in d.
func (s *Store) enterQueue(ctx context.Context, d *reviewDoc) error {
	if err := s.notePending(ctx, d); err != nil {
		return err
	}
	seqs, err := s.enqueue(ctx, []queueEntry{{ReviewID: d.ID, Created: d.CreatedAt, Auto: d.Auto}})
	if err != nil {
		// Best effort: an entry left behind is dropped when it is a minute
		// old and next checked.
		_ = s.dropPending(ctx, d.ReviewerRef, d.ID, true)
		return err
	}
	d.QSeq = seqs[0]
	return nil
}

// mayTransition refuses a change of d by the wrong person. callerRef, when
// not empty, is the caller's reviewer reference: only the author withdraws
// a review, and nobody publishes or rejects their own, admins included.
func mayTransition(d *reviewDoc, to, callerRef string) error {
	if callerRef == "" {
		return nil
	}
	switch to {
	case registry.StatusWithdrawn:
		if d.ReviewerRef != callerRef {
			return registry.Errorf(registry.EFORBIDDEN, "Only the author of a review can withdraw it.")
		}
	case registry.StatusPublished, registry.StatusRejected:
		if d.ReviewerRef == callerRef {
			return registry.Errorf(registry.EFORBIDDEN, "Nobody moderates their own review: another moderator must publish or reject it.")
		}
	}
	return nil
}
