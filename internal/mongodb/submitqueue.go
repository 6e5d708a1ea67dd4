package mongodb

import (
	"context"

	"github.com/edtech-registry/registry/internal/registry"
)

// Steps of a submission at which a test may stop it, as a crash would
// (SetSubmitCrash in the tests).
const (
	stepQueued = "queued" // the queue entry is written, the review is not stored
	stepStored = "stored" // the review is stored and pending: not yet checked against its author's published review, nor published
)

// crashPoint runs the test hook at a step of a submission.
func (s *Store) crashPoint(step, reviewID string) error {
	if s.submitCrash == nil {
		return nil
	}
	return s.submitCrash(step, reviewID)
}

// enterQueue prepares the storing of a pending review d: it takes its
// author's submission lock (returned held: the caller unlocks st.submit),
// checks d against their pending reviews (ECONFLICT, ETOOMANY) and gives d
// its slot and list index.
func (s *Store) enterQueue(ctx context.Context, d *reviewDoc) (_ *reviewerState, err error) {
	st := s.reviewerStates.get(d.ReviewerRef, true)
	st.submit.Lock()
	defer func() {
		if err != nil {
			st.submit.Unlock()
		}
	}()
	if err := s.loadReviewer(ctx, d.ReviewerRef, st); err != nil {
		return nil, err
	}
	if err := s.admit(ctx, st, d); err != nil {
		return nil, err
	}
	if !st.takeSlotAndIndex(d) {
		return nil, registry.Errorf(registry.ETOOMANY, "You have as many reviews waiting for moderation as one reviewer may.")
	}
	return st, nil
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
