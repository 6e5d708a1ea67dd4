package mongodb

import (
	"context"
	"sync"
	"time"
)

// Appending to the queue's pages in groups. Every submission appends an
// entry to the tail page before it stores its review, and each write is a
// transaction of its own on the embedded store, where they all queue for
// one writer: one write per submission would cost as much as the review's
// insert. Submissions that arrive while an append is being written wait and
// are then written together, by one of them, in one write per page (group
// commit): under load the pages cost a fraction of a write per submission,
// and an idle server pays one.

// appendTimeout bounds one group's write. It does not follow the request
// of whoever writes it, whose end must not fail the others.
const appendTimeout = 10 * time.Second

// appendGroup collects the entries waiting to be appended.
type appendGroup struct {
	mu      sync.Mutex
	waiting []*appendRequest
	busy    bool // a group is being written
}

// appendRequest is one entry waiting to be appended.
type appendRequest struct {
	entry queueEntry
	seq   int
	err   error
	done  chan struct{} // closed once the entry is written (or failed)
	lead  chan struct{} // closed when this request is to write the next group
}

// appendEntry appends one entry to the queue and returns its sequence
// number, writing it together with the entries of concurrent submissions.
// The caller holds no gate key.
func (s *Store) appendEntry(ctx context.Context, e queueEntry) (int, error) {
	g := &s.appends
	req := &appendRequest{entry: e, done: make(chan struct{}), lead: make(chan struct{})}
	g.mu.Lock()
	g.waiting = append(g.waiting, req)
	if !g.busy {
		g.busy = true
		close(req.lead)
	}
	g.mu.Unlock()
	select {
	case <-req.done:
		return req.seq, req.err
	case <-req.lead:
	}
	// This request writes the group of everything waiting, itself included,
	// then hands the next group to the first request that arrived since.
	g.mu.Lock()
	group := g.waiting
	g.waiting = nil
	g.mu.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), appendTimeout)
	entries := make([]queueEntry, len(group))
	for i, r := range group {
		entries[i] = r.entry
	}
	seqs, err := s.enqueue(wctx, entries)
	cancel()
	for i, r := range group {
		if err != nil {
			r.err = err
		} else {
			r.seq = seqs[i]
		}
		close(r.done)
	}
	g.mu.Lock()
	if len(g.waiting) > 0 {
		close(g.waiting[0].lead)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return req.seq, req.err
}
