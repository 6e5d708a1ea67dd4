package mongodb

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb/embedded"
	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the moderation service.
var _ registry.ModerationService = (*Store)(nil)

// Publication with redactions. The moderator's request is checked against
// the pending review under the product's write gate, and the redacted text
// replaces the original in the document that moves to the reviews
// collection: the original lived only in the pending document of the queue
// collection, which the move deletes. Nothing else held it: the queue's
// pages hold ids, times and flags; a reviewer's slot and list entry, markers
// and claims hold ids; an idempotency record holds a keyed hash of the whole
// request body. The hints the moderator saw are computed when the queue is
// listed and never stored.
//
// The embedded store's files then still hold the deleted bytes until SQLite
// overwrites them; see package embedded (scrub.go) for secure_delete and the
// checkpoint that follows each redacting publication here. What MongoDB
// keeps is in docs/anonymity.md ("Redaction").

// scrubAttempts and scrubPause bound the checkpoints tried after a
// redacting publication, in the request: a checkpoint is blocked while
// another connection reads or writes.
const (
	scrubAttempts = 5
	scrubPause    = 50 * time.Millisecond
	scrubWait     = time.Second // the most one checkpoint waits for other connections
)

// scrubRetryEvery and scrubRetries bound the checkpoints tried in the
// background when those in the request were blocked.
const (
	scrubRetryEvery = 2 * time.Second
	scrubRetries    = 30
)

// PublishReview publishes a pending review with the moderator's redactions
// and acknowledgement (registry.PublishRequest.Apply), as Transition does
// otherwise. The published review records which fields were redacted.
func (s *Store) PublishReview(ctx context.Context, id, callerRef string, req registry.PublishRequest) (*registry.Review, error) {
	redacted := false
	prepare := func(d *reviewDoc) error {
		// Under the product's write gate, on the document the transition
		// writes: an edit in place (replacePending) takes the same gate,
		// and on MongoDB the move out of the queue inserts exactly the
		// document checked here, so the redactions apply to the version
		// the moderator read and nothing else is published.
		if err := req.IfMatch.Check(d.Version); err != nil {
			return err
		}
		r := d.review()
		paths, err := req.Apply(r)
		if err != nil {
			return err
		}
		if len(paths) == 0 {
			return nil
		}
		redacted = true
		d.Summary = r.Summary
		d.Conflict.Details = r.Conflict.Details
		d.Reviewer.Subject = r.Reviewer.Subject
		for i := range d.Answers {
			d.Answers[i].Comment = r.Answers[i].Comment
		}
		d.Redacted = paths
		return nil
	}
	out, err := s.transitionWith(ctx, id, registry.StatusPublished, callerRef, "", prepare)
	if err != nil {
		return nil, err
	}
	if redacted {
		s.scrub(ctx)
	}
	return out, nil
}

// RejectReview rejects a review as Transition does. A pending review must
// still be at a version ifMatch names, checked under the product's write
// gate on the document the transition writes, as PublishReview does; a
// take-down of a published review is checked only when ifMatch is given
// (taking down a review that changed since is no harm).
func (s *Store) RejectReview(ctx context.Context, id, callerRef, reason string, ifMatch *registry.IfMatch) (*registry.Review, error) {
	return s.transitionWith(ctx, id, registry.StatusRejected, callerRef, reason, func(d *reviewDoc) error {
		if d.Status != registry.StatusPending && ifMatch == nil {
			return nil
		}
		return ifMatch.Check(d.Version)
	})
}

// scrub makes the embedded store's files forget deleted text (the original
// of a redacted review) with a truncating checkpoint of the write-ahead log.
// A checkpoint blocked by other connections is tried again a few times, then
// in the background; a failure is logged, never the caller's: the
// publication is done. On MongoDB it does nothing.
func (s *Store) scrub(ctx context.Context) {
	if s.db.server == nil {
		return
	}
	var err error
	for i := range scrubAttempts {
		actx, cancel := context.WithTimeout(ctx, scrubWait)
		err = s.db.server.Checkpoint(actx, s.db.Name())
		cancel()
		if err == nil {
			return
		}
		if i+1 < scrubAttempts && !pause(ctx, scrubPause) {
			break
		}
	}
	if !errors.Is(err, embedded.ErrCheckpointBusy) && ctx.Err() == nil {
		s.log.Error("redaction: the store's log could not be checkpointed; deleted text may stay in its files until the next checkpoint", "error", err)
	}
	s.scrubLater()
}

// pause waits for d, or until ctx ends (false).
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// scrubbing holds, per database, whether a background checkpoint is under
// way: one at a time.
var scrubbing sync.Map // database name → *atomic.Bool

// scrubLater tries the checkpoint again in the background, every
// scrubRetryEvery, at most scrubRetries times.
func (s *Store) scrubLater() {
	v, _ := scrubbing.LoadOrStore(s.db.Name(), new(atomic.Bool))
	busy := v.(*atomic.Bool)
	if !busy.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer busy.Store(false)
		for range scrubRetries {
			time.Sleep(scrubRetryEvery)
			ctx, cancel := context.WithTimeout(context.Background(), scrubWait)
			err := s.db.server.Checkpoint(ctx, s.db.Name())
			cancel()
			if err == nil {
				return
			}
		}
		s.log.Warn("redaction: the store's log stayed busy; deleted text may stay in its files until the next redacting publication or a clean stop")
	}()
}
