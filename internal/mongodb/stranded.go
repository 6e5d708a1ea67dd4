package mongodb

import (
	"context"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// Stranded reviews. With moderation off a submission stores the review as
// pending and then publishes it; a process killed in between left it
// pending for ever, and its author locked out of the product. Repair finds
// such reviews through the queue's pages (entries of reviews submitted with
// moderation off) and publishes them through Transition, so their derived
// documents are updated as for any publication.

// publishStranded publishes, while moderation is off, the reviews submitted
// with moderation off that have been pending for at least minAge: their
// submission stopped before it published them. It returns how many it
// published. Repair and RepairStale run it (with minAge 0 at start-up under
// PolicyGate, when no submission can be under way; otherwise a minute). A
// publication is safe while other nodes write.
func (s *Store) publishStranded(ctx context.Context, minAge time.Duration) (int, error) {
	if s.opts.Moderation {
		return 0, nil
	}
	h, err := s.readQueueHead(ctx)
	if err != nil {
		return 0, err
	}
	published := 0
	for page := h.First; page <= h.Tail; page++ {
		p, err := s.readQueuePage(ctx, page)
		if err != nil {
			return published, err
		}
		for i := 0; p != nil && i < len(p.Entries); i++ {
			e := p.Entries[i]
			if e.Gone || !e.Auto || s.now().Sub(e.Created) < minAge {
				continue
			}
			ok, err := s.publishStrandedOne(ctx, queueSeq(page, i), e.ReviewID)
			if err != nil {
				return published, err
			}
			if ok {
				published++
			}
		}
	}
	if published > 0 {
		s.log.Warn("published reviews left pending by interrupted submissions", "reviews", published)
	}
	return published, nil
}

// publishStrandedOne publishes the review of entry seq, and reports whether
// it did.
func (s *Store) publishStrandedOne(ctx context.Context, seq int, id string) (bool, error) {
	d, err := s.queued(ctx, id)
	if err != nil {
		return false, err
	}
	if d == nil || d.QSeq != seq {
		// The entry leads nowhere: its submission stopped before it stored
		// the review, or the review is listed under another entry, or it
		// left the queue and its entry was not marked.
		return false, s.dequeue(ctx, seq, id)
	}
	_, err = s.Transition(ctx, id, registry.StatusPublished, "", "")
	if registry.ErrorCode(err) != registry.ECONFLICT {
		return err == nil, err
	}
	// Moved on meanwhile, or its author has a published review of the
	// product: then the submission would have been refused after storing
	// it, and the review goes as it would have gone.
	q, err := s.queued(ctx, id)
	if err != nil || q == nil || q.QSeq != seq {
		return false, err
	}
	return false, s.discardQueued(ctx, q)
}
