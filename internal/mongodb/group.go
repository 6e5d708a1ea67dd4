package mongodb

import (
	"context"
	"errors"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Storing pending reviews in groups. A submission writes twice: its entry
// in the queue's pages, then the review with its author's slot and list
// entry (reviewers.go). On the embedded store every write is a transaction
// that waits for the one writer and commits to disk; measured, each write
// added to a submission cut the rate the server took them at by a third or
// more. Submissions that arrive while a group is being written wait, and
// are then written together by one of them: one page write for all their
// entries, then one insert of all their documents (group commit). Under
// load a submission costs a fraction of those two writes; an idle server
// pays both.

// groupTimeout bounds one group's writes. They do not follow the request of
// whoever writes them, whose end must not fail the others.
const groupTimeout = 10 * time.Second

// groupRequest is one submission waiting to be written: the review, its
// other documents and its queue entry.
type groupRequest struct {
	doc   *reviewDoc // the pending review; the group sets its QSeq
	extra []any      // its author's slot and list entry
	entry queueEntry

	err    error         // the submission failed as a whole
	failed map[int]error // by position (0 the review, then extra): documents not inserted
	turns
}

func (r *groupRequest) turnsOf() *turns { return &r.turns }

// storeInGroup appends d's queue entry (setting d.QSeq) and inserts d and
// extra, with the submissions that arrive meanwhile. It returns an error
// for the whole and, by position, the documents that were not inserted.
// The caller holds no gate key.
func (s *Store) storeInGroup(ctx context.Context, d *reviewDoc, extra []any) (map[int]error, error) {
	req := &groupRequest{doc: d, extra: extra, turns: newTurns()}
	// Dated as it joins: the queue's order is the order of joining, and
	// oldest first must mean that. A group takes every submission waiting.
	join := func() {
		now := s.now().UTC().Truncate(time.Millisecond)
		if now.After(d.CreatedAt) {
			d.CreatedAt, d.UpdatedAt = now, now
		}
		req.entry = queueEntry{ReviewID: d.ID, Created: d.CreatedAt, Auto: d.Auto, Flags: d.QFlags}
	}
	s.group.run(ctx, req, math.MaxInt, join, s.writeGroup)
	return req.failed, req.err
}

// writeGroup writes a group: the queue entries first (a crash in between
// leaves entries that lead nowhere, never a review the queue does not
// list), then every document in one unordered insert.
func (s *Store) writeGroup(ctx context.Context, batch []*groupRequest) {
	entries := make([]queueEntry, len(batch))
	for i, r := range batch {
		entries[i] = r.entry
	}
	seqs, err := s.enqueue(ctx, entries)
	if err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	type at struct {
		r   *groupRequest
		pos int
	}
	var docs []any
	var owner []at
	for i, r := range batch {
		r.doc.QSeq = seqs[i]
		if r.err = s.crashPoint(stepQueued, r.doc.ID); r.err != nil {
			continue
		}
		for pos, doc := range append([]any{r.doc}, r.extra...) {
			docs = append(docs, doc)
			owner = append(owner, at{r, pos})
		}
	}
	if len(docs) == 0 {
		return
	}
	_, err = s.db.Collection(colQueue).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bulk mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bulk) && len(bulk.WriteErrors) > 0:
		for _, we := range bulk.WriteErrors {
			if we.Index < 0 || we.Index >= len(owner) {
				continue
			}
			o := owner[we.Index]
			if o.r.failed == nil {
				o.r.failed = map[int]error{}
			}
			o.r.failed[o.pos] = mongo.WriteException{WriteErrors: []mongo.WriteError{we.WriteError}}
		}
	default:
		for _, o := range owner {
			o.r.err = err
		}
	}
}
