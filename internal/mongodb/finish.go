package mongodb

import (
	"context"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// Finishing unfinished transitions under PolicyConditional. A transition
// that stopped after its review's status changed — its process died, or a
// conditional write gave up after maxWriteAttempts because other nodes kept
// writing the same document — leaves its marker, and maybe a release
// recorded in the product's index but not applied. Other nodes may be
// writing the same product meanwhile, so repair must not rebuild it from
// its reviews (a review published during the rebuild could be counted
// twice). Instead it finishes what the transition would have done, with the
// same idempotent, conditional writes:
//
//   - the review out of the queue and its claim released if it is not
//     published (syncReview), its queue entry and slot settled
//     (settleQueue);
//   - a review that is no longer published out of the listing
//     (unlistReview);
//   - its waiting change made to agree with its status (settleChange);
//   - the release being applied finished, and any release due after it
//     (finishReleases: a statistics record or page that took the release
//     already is left as it is).
//
// Each step depends only on what is stored, so running it twice, or on two
// nodes at once, changes nothing the first run did. Only markers older than
// repairAge are finished: a younger one may belong to a transition that is
// still running (finishing that between its claim and its status change
// would release the claim it had just taken).

// finishMarkers finishes the transitions of markers, product by product,
// and deletes their markers; then it publishes stranded reviews pending for
// minAge. A product whose finishing fails (another node kept its documents
// busy, say) keeps its markers for the next repair, which Unrepaired
// reports; the others go on. It returns how many products it changed.
func (s *Store) finishMarkers(ctx context.Context, markers []markerDoc, minAge time.Duration) (int, error) {
	byProduct := map[string][]markerDoc{}
	var order []string
	for _, m := range markers {
		if _, ok := byProduct[m.ProductID]; !ok {
			order = append(order, m.ProductID)
		}
		byProduct[m.ProductID] = append(byProduct[m.ProductID], m)
	}
	finished := 0
	for _, p := range order {
		changed, err := s.finishProduct(ctx, p, byProduct[p])
		if err != nil {
			if ctx.Err() != nil {
				return finished, err
			}
			s.log.Warn("could not finish an interrupted update; the next repair tries again", "product", p, "error", err)
			continue
		}
		for _, m := range byProduct[p] {
			if _, err := s.db.Collection(colMarkers).DeleteOne(ctx, byID(m.ID)); err != nil {
				return finished, translate(err, "markers")
			}
		}
		if changed {
			finished++
			s.log.Warn("finished the derived updates of an interrupted update", "product", p)
		}
	}
	if _, err := s.publishStranded(ctx, minAge); err != nil {
		return finished, err
	}
	if err := s.resumeDeletions(ctx, minAge); err != nil {
		return finished, err
	}
	return finished, nil
}

// finishProduct finishes the transitions of one product's markers and
// reports whether that changed its public state or what waits for its next
// release.
func (s *Store) finishProduct(ctx context.Context, productID string, markers []markerDoc) (bool, error) {
	changed := false
	for _, m := range markers {
		if err := s.syncReview(ctx, m.ReviewID); err != nil {
			return changed, err
		}
		if err := s.syncRevision(ctx, m.ReviewID); err != nil {
			return changed, err
		}
		if err := s.settleQueue(ctx, m.ReviewID); err != nil {
			return changed, err
		}
		if err := s.dropRevisionOf(ctx, m.ReviewID); err != nil {
			return changed, err
		}
		d, err := s.reviewDoc(ctx, m.ReviewID)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			d = nil // never stored, or discarded: nothing of it is derived
		} else if err != nil {
			return changed, err
		}
		if d != nil && d.Status != registry.StatusPublished && d.Status != registry.StatusSuperseded {
			if err := s.unlistReview(ctx, d); err != nil {
				return changed, err
			}
		}
		// A revision's change is settled with the review it revises.
		ids := []string{m.ReviewID}
		if d != nil && d.Revises != "" {
			ids = append(ids, d.Revises)
		}
		_, settled, err := s.settleChange(ctx, productID, ids, make([]*reviewDoc, len(ids)))
		if err != nil {
			return changed, err
		}
		changed = changed || settled
	}
	idx, err := s.index(ctx, productID)
	if err != nil {
		return changed, err
	}
	applied, err := s.finishReleases(ctx, productID, idx)
	return changed || applied, err
}
