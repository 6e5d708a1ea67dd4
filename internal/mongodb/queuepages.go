package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// The moderation queue's order. A pending review's only home is the queue
// collection (by review id); its place in the queue is an entry in a page of
// the qpages collection, so that listing the queue reads a head document and
// a few pages by _id, whatever the queue holds (the embedded store filters
// and sorts any other query by decoding every document in Go: 8 s for a page
// of a queue of 8,000).
//
//   - Pages hold queuePageSize entries each, packed in one binary field,
//     numbered from 0; entry i of page p has the sequence number
//     p×queuePageSize+i+1, which the review keeps (reviewDoc.QSeq). Entries
//     are appended to the tail page in submission order (those of concurrent
//     submissions in one write, group.go) and never move: a review leaving
//     the queue marks its entry gone.
//   - The head ("head") holds the tail page and the first page that may
//     still have entries not gone. A page whose entries are all gone
//     (emptied) is skipped: the head moves past emptied pages when a page
//     empties, and listing reads at most maxEmptyQueuePages of them before
//     it hands back a cursor.
//
// A submission appends its entry before it inserts the review, so a crash
// in between leaves an entry without a review (listing skips it), never a
// pending review without an entry. An entry is live if the queue holds its
// review with that sequence number; a duplicate (two requests retrying one
// submission) or a stale entry (its review moved on, the mark not yet
// written) is skipped the same way. Reindex rebuilds the pages from the
// queue collection.
//
// Pages and the head are written under one write-gate key (queueGate)
// under PolicyGate, never while another key is held; under
// PolicyConditional the conditions are in the filters.

// queuePageSize is the number of entries per queue page.
const queuePageSize = 20

// maxEmptyQueuePages bounds how many pages without a live entry one
// listing request reads before it returns what it has and a cursor.
const maxEmptyQueuePages = 20

// maxStaleQueueEntries bounds how many entries whose review is not in the
// queue (see above) one listing request reads past.
const maxStaleQueueEntries = 40

// maxHeadAdvance bounds how many emptied pages one write moves the head
// past; the next page to empty moves it on.
const maxHeadAdvance = 100

// queueGate is the write-gate key of the queue's pages and head.
const queueGate = "queue-pages"

// queueHeadID is the _id of the head document in colQueuePages.
const queueHeadID = "head"

// queueEntry is a review's place in the queue.
type queueEntry struct {
	ReviewID string    `bson:"r"`
	Created  time.Time `bson:"t"`
	// Auto says the review was submitted with moderation off, to be
	// published at once: repair publishes it if that was interrupted.
	Auto bool `bson:"a,omitempty"`
	// Gone says the review has left the queue.
	Gone bool `bson:"x,omitempty"`
	// Flags say whether the review has identity hints or a declared
	// conflict of interest (queueFlags, moderation.go), so that a
	// filtered listing reads only the reviews that match; 0 in entries
	// written before they existed.
	Flags int `bson:"f,omitempty"`
}

// queuePage is one page of entries.
type queuePage struct {
	ID      string
	Rev     int // 0 for a page not yet stored
	Entries []queueEntry
}

// queuePageRecord is a page as stored: its entries packed in one binary
// field, as the published pages are (packed.go), so that reading and
// rewriting a page costs the embedded store little.
type queuePageRecord struct {
	ID     string `bson:"_id"`
	Rev    int    `bson:"v"`
	Packed []byte `bson:"b"`
}

// queueEntries wraps a page's entries for BSON encoding.
type queueEntries struct {
	Entries []queueEntry `bson:"e"`
}

// emptied reports whether the page is full and all its entries are gone:
// nothing will ever be listed from it again.
func (p *queuePage) emptied() bool {
	return len(p.Entries) >= queuePageSize && !slices.ContainsFunc(p.Entries, func(e queueEntry) bool { return !e.Gone })
}

// queueHead is the head document.
type queueHead struct {
	ID    string `bson:"_id"`
	First int    `bson:"f"` // pages before this one are emptied
	Tail  int    `bson:"t"` // the page being appended to
}

func queuePageID(page int) string { return strconv.Itoa(page) }

// queueSeq is the sequence number of entry i of page p.
func queueSeq(page, i int) int { return page*queuePageSize + i + 1 }

// queuePlace is the page and index of a sequence number.
func queuePlace(seq int) (page, i int) { return (seq - 1) / queuePageSize, (seq - 1) % queuePageSize }

// readQueueHead reads the head; a zero head when there is none.
func (s *Store) readQueueHead(ctx context.Context) (*queueHead, error) {
	var h queueHead
	err := s.db.Collection(colQueuePages).FindOne(ctx, byID(queueHeadID)).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &queueHead{ID: queueHeadID}, nil
	} else if err != nil {
		return nil, translate(err, "queue head")
	}
	return &h, nil
}

// readQueuePage reads one page; nil when it does not exist.
func (s *Store) readQueuePage(ctx context.Context, page int) (*queuePage, error) {
	var rec queuePageRecord
	err := s.db.Collection(colQueuePages).FindOne(ctx, byID(queuePageID(page))).Decode(&rec)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, translate(err, "queue page")
	}
	var e queueEntries
	if err := bson.Unmarshal(rec.Packed, &e); err != nil {
		return nil, fmt.Errorf("mongodb: queue page %s is damaged (%v); run registry reindex", rec.ID, err)
	}
	return &queuePage{ID: rec.ID, Rev: rec.Rev, Entries: e.Entries}, nil
}

// writeQueuePage stores p as the next revision of the one read, and reports
// false when another writer changed it first (under PolicyConditional;
// under PolicyGate the caller holds queueGate).
func (s *Store) writeQueuePage(ctx context.Context, p *queuePage) (bool, error) {
	packed, err := bson.Marshal(queueEntries{Entries: p.Entries})
	if err != nil {
		return false, err
	}
	coll := s.db.Collection(colQueuePages)
	s.beforeWrite(colQueuePages, p.ID)
	if p.Rev == 0 {
		_, err := coll.InsertOne(ctx, queuePageRecord{ID: p.ID, Rev: 1, Packed: packed})
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, translate(err, "queue page")
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: p.Rev + 1}, {Key: "b", Value: packed}}}}
	res, err := coll.UpdateOne(ctx, s.guarded(p.ID, bson.E{Key: "v", Value: p.Rev}), set)
	if err != nil {
		return false, translate(err, "queue page")
	}
	return res.MatchedCount == 1, nil
}

// enqueue appends entries to the queue, in order, and returns their
// sequence numbers. The caller holds no gate key.
func (s *Store) enqueue(ctx context.Context, entries []queueEntry) ([]int, error) {
	unlock, err := s.db.LockContext(ctx, queueGate)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var seqs []int
	for len(entries) > 0 {
		got, err := s.appendTail(ctx, entries)
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, got...)
		entries = entries[len(got):]
	}
	return seqs, nil
}

// appendTail appends the first entries that fit on the tail page and
// returns their sequence numbers.
func (s *Store) appendTail(ctx context.Context, entries []queueEntry) ([]int, error) {
	for range maxWriteAttempts {
		page, err := s.tailHint(ctx)
		if err != nil {
			return nil, err
		}
		p, err := s.readQueuePage(ctx, page)
		if err != nil {
			return nil, err
		}
		if p == nil {
			p = &queuePage{ID: queuePageID(page)}
		}
		start := len(p.Entries)
		if start >= queuePageSize {
			if err := s.advanceTail(ctx, page); err != nil {
				return nil, err
			}
			continue
		}
		k := min(len(entries), queuePageSize-start)
		p.Entries = append(p.Entries, entries[:k]...)
		ok, err := s.writeQueuePage(ctx, p)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // written meanwhile by another node
		}
		if start+k == queuePageSize {
			if err := s.advanceTail(ctx, page); err != nil {
				return nil, err
			}
		}
		seqs := make([]int, k)
		for i := range seqs {
			seqs[i] = queueSeq(page, start+i)
		}
		return seqs, nil
	}
	return nil, errBusy
}

// tailHint returns the tail page as last seen, reading the head the first
// time.
func (s *Store) tailHint(ctx context.Context) (int, error) {
	if t := s.queueTail.Load(); t >= 0 {
		return int(t), nil
	}
	h, err := s.readQueueHead(ctx)
	if err != nil {
		return 0, err
	}
	s.noteTail(h.Tail)
	return h.Tail, nil
}

// noteTail raises the tail hint to page.
func (s *Store) noteTail(page int) {
	for {
		t := s.queueTail.Load()
		if int64(page) <= t || s.queueTail.CompareAndSwap(t, int64(page)) {
			return
		}
	}
}

// advanceTail records that page is full: the tail is at least the next
// one. It learns the head's tail, which other nodes may have moved further.
func (s *Store) advanceTail(ctx context.Context, page int) error {
	var h queueHead
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	update := bson.D{{Key: "$max", Value: bson.D{{Key: "t", Value: page + 1}}}}
	if err := s.db.Collection(colQueuePages).FindOneAndUpdate(ctx, byID(queueHeadID), update, opts).Decode(&h); err != nil {
		return translate(err, "queue head")
	}
	s.noteTail(h.Tail)
	return nil
}

// dequeue marks the entry seq of reviewID gone: the review has left the
// queue. It does nothing when the entry is not there or is already gone,
// so repeating it is harmless. The caller holds no gate key.
func (s *Store) dequeue(ctx context.Context, seq int, reviewID string) error {
	if seq <= 0 {
		return nil
	}
	page, i := queuePlace(seq)
	unlock, err := s.db.LockContext(ctx, queueGate)
	if err != nil {
		return err
	}
	defer unlock()
	for range maxWriteAttempts {
		p, err := s.readQueuePage(ctx, page)
		if err != nil || p == nil || i >= len(p.Entries) || p.Entries[i].ReviewID != reviewID || p.Entries[i].Gone {
			return err
		}
		p.Entries[i].Gone = true
		ok, err := s.writeQueuePage(ctx, p)
		if err != nil {
			return err
		}
		if ok {
			if p.emptied() {
				return s.advanceFirst(ctx)
			}
			return nil
		}
	}
	return errBusy
}

// advanceFirst moves the head's first page past emptied pages, at most
// maxHeadAdvance of them. The caller holds queueGate.
func (s *Store) advanceFirst(ctx context.Context) error {
	h, err := s.readQueueHead(ctx)
	if err != nil {
		return err
	}
	first := h.First
	for first < h.Tail && first-h.First < maxHeadAdvance {
		p, err := s.readQueuePage(ctx, first)
		if err != nil {
			return err
		}
		if p == nil || !p.emptied() {
			break
		}
		first++
	}
	if first == h.First {
		return nil
	}
	update := bson.D{{Key: "$max", Value: bson.D{{Key: "f", Value: first}}}}
	_, err = s.db.Collection(colQueuePages).UpdateOne(ctx, byID(queueHeadID), update, upsertOpts)
	return translate(err, "queue head")
}

// queued reads a pending review from the queue; nil when it is not there.
func (s *Store) queued(ctx context.Context, id string) (*reviewDoc, error) {
	var d reviewDoc
	err := s.db.Collection(colQueue).FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, translate(err, "queue")
	}
	return &d, nil
}

// Queue returns a page of pending reviews, oldest first. It reads the
// queue's head, the pages it needs and each listed review by _id, so its
// cost follows the page size, not the length of the queue. The cursor is
// the sequence number to go on from.
func (s *Store) Queue(ctx context.Context, limit int, cursor string) (*registry.QueuePage, error) {
	return s.ModerationQueue(ctx, registry.QueueFilter{}, limit, cursor)
}

// ModerationQueue is Queue narrowed by filter. The entries' flags say which
// reviews match, so only those are read; pages without a match count
// towards maxEmptyQueuePages (maxFilteredQueuePages with a filter), after
// which the page ends early with a cursor.
func (s *Store) ModerationQueue(ctx context.Context, filter registry.QueueFilter, limit int, cursor string) (*registry.QueuePage, error) {
	if limit <= 0 {
		limit = registry.DefaultPageLimit
	}
	from := 0
	if cursor != "" {
		n, err := s.positionCursor(cursor)
		if err != nil {
			return nil, err
		}
		from = n
	}
	h, err := s.readQueueHead(ctx)
	if err != nil {
		return nil, err
	}
	from = max(from, queueSeq(h.First, 0))
	out := &registry.QueuePage{Items: []*registry.Review{}}
	empty, stale := 0, 0
	maxEmpty := maxEmptyQueuePages
	if filtered(filter) {
		maxEmpty = maxFilteredQueuePages
	}
	startPage, startIndex := queuePlace(from)
	for page := startPage; page <= h.Tail; page++ {
		p, err := s.readQueuePage(ctx, page)
		if err != nil {
			return nil, err
		}
		live := 0
		for i := 0; p != nil && i < len(p.Entries); i++ {
			e := p.Entries[i]
			if (page == startPage && i < startIndex) || e.Gone || !mayMatch(filter, e.Flags) {
				continue
			}
			seq := queueSeq(page, i)
			live++
			if len(out.Items) == limit {
				// One more to list: the next page starts here.
				out.NextCursor = s.encodeCursor(strconv.Itoa(seq))
				return out, nil
			}
			d, err := s.queued(ctx, e.ReviewID)
			if err != nil {
				return nil, err
			}
			if d == nil || d.QSeq != seq || (e.Flags == 0 && filtered(filter) && !mayMatch(filter, queueFlags(d.review()))) {
				// Stale, or an entry without flags whose review does not
				// match.
				if stale++; stale > maxStaleQueueEntries {
					out.NextCursor = s.encodeCursor(strconv.Itoa(seq + 1))
					return out, nil
				}
				continue
			}
			d.Act = ""
			out.Items = append(out.Items, d.review())
		}
		if live == 0 {
			if empty++; empty > maxEmpty && page < h.Tail {
				// Later pages were not read: the list goes on from there,
				// even if this page is short or empty.
				out.NextCursor = s.encodeCursor(strconv.Itoa(queueSeq(page+1, 0)))
				return out, nil
			}
		}
	}
	return out, nil
}

// ensureQueueHead creates the queue's head when there is none: in a new
// store an empty one; in a store written before the queue had pages (or
// whose rebuild was interrupted), by rebuilding the pages from the queue.
func (s *Store) ensureQueueHead(ctx context.Context) error {
	err := s.db.Collection(colQueuePages).FindOne(ctx, byID(queueHeadID)).Err()
	if err == nil {
		return nil
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return translate(err, "queue head")
	}
	err = s.db.Collection(colQueue).FindOne(ctx, bson.D{}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		_, err = s.db.Collection(colQueuePages).InsertOne(ctx, queueHead{ID: queueHeadID})
		if mongo.IsDuplicateKeyError(err) {
			return nil
		}
		return translate(err, "queue head")
	} else if err != nil {
		return translate(err, "queue")
	}
	s.log.Warn("rebuilding the moderation queue's pages")
	return s.rebuildQueuePages(ctx)
}

// rebuildQueuePages writes the queue's pages afresh from the queue
// collection, oldest first, and gives each pending review its new sequence
// number. It reads the whole queue, so it runs only from reindex (with the
// servers stopped) and when a store has no queue head; an interrupted
// rebuild is done again at the next start, since the head is written last.
func (s *Store) rebuildQueuePages(ctx context.Context) error {
	unlock, err := s.db.LockContext(ctx, queueGate)
	if err != nil {
		return err
	}
	defer unlock()
	coll := s.db.Collection(colQueuePages)
	if _, err := coll.DeleteOne(ctx, byID(queueHeadID)); err != nil {
		return translate(err, "queue head")
	}
	opts := options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "ct", Value: 1}, {Key: "qs", Value: 1}, {Key: "au", Value: 1}, {Key: "qf", Value: 1}})
	cur, err := s.db.Collection(colQueue).Find(ctx, bson.D{}, opts)
	if err != nil {
		return translate(err, "queue")
	}
	var all []reviewDoc
	if err := cur.All(ctx, &all); err != nil {
		return translate(err, "queue")
	}
	var docs []reviewDoc // the reviews, not their authors' slots and list entries
	for _, d := range all {
		if isReviewID(d.ID) {
			docs = append(docs, d)
		}
	}
	sort.Slice(docs, func(i, j int) bool {
		if !docs[i].CreatedAt.Equal(docs[j].CreatedAt) {
			return docs[i].CreatedAt.Before(docs[j].CreatedAt)
		}
		return docs[i].ID < docs[j].ID
	})
	if _, err := coll.DeleteMany(ctx, bson.D{}); err != nil {
		return translate(err, "queue pages")
	}
	var pages []any
	for start := 0; start < len(docs); start += queuePageSize {
		var e queueEntries
		for _, d := range docs[start:min(start+queuePageSize, len(docs))] {
			e.Entries = append(e.Entries, queueEntry{ReviewID: d.ID, Created: d.CreatedAt, Auto: d.Auto, Flags: d.QFlags})
		}
		packed, err := bson.Marshal(e)
		if err != nil {
			return err
		}
		pages = append(pages, queuePageRecord{ID: queuePageID(start / queuePageSize), Rev: 1, Packed: packed})
	}
	if len(pages) > 0 {
		if _, err := coll.InsertMany(ctx, pages); err != nil {
			return translate(err, "queue pages")
		}
	}
	for i, d := range docs {
		if seq := i + 1; d.QSeq != seq {
			set := bson.D{{Key: "$set", Value: bson.D{{Key: "qs", Value: seq}}}}
			if _, err := s.db.Collection(colQueue).UpdateOne(ctx, byID(d.ID), set); err != nil {
				return translate(err, "queue")
			}
		}
	}
	tail := len(docs) / queuePageSize // the next page when the last is full
	if _, err := coll.InsertOne(ctx, queueHead{ID: queueHeadID, Tail: tail}); err != nil {
		return translate(err, "queue head")
	}
	s.queueTail.Store(int64(tail))
	return nil
}
