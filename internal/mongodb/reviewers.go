package mongodb

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// What the store keeps per reviewer, by reviewer reference: small documents
// in the queue collection, inserted together with the pending review in one
// InsertMany, which is one write on either store (the embedded store commits
// each insert command in one transaction, and every extra write a
// submission made halved the rate the server could take them at):
//
//   - slot "s|<ref>|<k>", k below Options.MaxPending: the pending review
//     holding the reviewer's k-th slot, and its product. A reviewer has at
//     most MaxPending pending reviews because the slots are unique _ids; a
//     review leaving the queue frees its slot.
//   - list entry "l|<ref>|<n>": the reviewer's n-th review, never removed,
//     so that their own reviews are listed newest first by reading entries
//     and reviews by _id, however many they wrote.
//
// Both carry act set to their own _id, so the queue's unique index on act
// (reviewer + product of a pending review) holds for them.
//
// A process remembers, per reviewer, the next list index and who holds each
// slot (reviewerState), loading them by _id the first time: a new reviewer
// costs one read, one returning after a restart about MaxPending more. The
// documents decide: a slot or index taken by another process collides on
// insert, and a reviewer at the cap has each slot checked against the queue
// before a submission is refused, so a slot left by an interrupted move out
// of the queue is taken back. A process serialises one reviewer's
// submissions (on MongoDB, nodes may race; the slots still cap them).

// maxMissingOwnReviews bounds how many list entries whose review is missing
// one listing request reads past.
const maxMissingOwnReviews = 40

// maxCachedReviewers bounds the reviewer states a process keeps.
const maxCachedReviewers = 10000

// slotDoc holds one of a reviewer's pending-review slots.
type slotDoc struct {
	ID        string `bson:"_id"`
	ReviewID  string `bson:"r"`
	ProductID string `bson:"p"`
	Act       string `bson:"act"`
}

// listDoc is one entry of a reviewer's list of reviews.
type listDoc struct {
	ID       string `bson:"_id"`
	ReviewID string `bson:"r"`
	Act      string `bson:"act"`
}

func slotID(ref string, k int) string { return "s|" + ref + "|" + strconv.Itoa(k) }

func listID(ref string, n int) string { return "l|" + ref + "|" + strconv.Itoa(n) }

// isReviewID reports whether an _id of the queue collection is a review's
// (the others are slots and list entries).
func isReviewID(id string) bool { return !strings.Contains(id, "|") }

// reviewerGate is the write-gate key of a reviewer's slots and list
// entries.
func reviewerGate(ref string) string { return "reviewer-docs/" + ref }

// heldSlot is who holds a slot, as a process knows it.
type heldSlot struct {
	reviewID, productID string
}

// reviewerState is what a process knows of a reviewer's documents.
type reviewerState struct {
	submit sync.Mutex // held for a whole submission by this reviewer

	mu     sync.Mutex // guards what follows
	loaded bool
	next   int        // the next list index, as known
	slots  []heldSlot // by slot number
}

// reviewerStates maps reviewer references to their states.
type reviewerStates struct {
	mu sync.Mutex
	m  map[string]*reviewerState
}

// get returns the state of ref, creating it when create is set (nil
// otherwise when there is none).
func (rs *reviewerStates) get(ref string, create bool) *reviewerState {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	st := rs.m[ref]
	if st == nil && create {
		if rs.m == nil || len(rs.m) >= maxCachedReviewers {
			rs.m = make(map[string]*reviewerState) // simple and bounded: states are reloaded
		}
		st = &reviewerState{}
		rs.m[ref] = st
	}
	return st
}

// forget drops what the process knows of a reviewer.
func (rs *reviewerStates) forget(ref string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	delete(rs.m, ref)
}

// exists reports whether the queue collection has a document with this _id.
func (s *Store) exists(ctx context.Context, id string) (bool, error) {
	err := s.db.Collection(colQueue).FindOne(ctx, byID(id)).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, translate(err, "queue")
}

// nextListIndex finds the first free list index of a reviewer by reading
// entries by _id: doubling, then halving the step. Entries are never
// removed, so they are the indexes below it.
func (s *Store) nextListIndex(ctx context.Context, ref string) (int, error) {
	lo, hi := -1, 0 // entry lo exists (or lo is -1); entry hi does not, once found
	for {
		ok, err := s.exists(ctx, listID(ref, hi))
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo, hi = hi, 2*hi+1
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		ok, err := s.exists(ctx, listID(ref, mid))
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// loadReviewer fills st from the reviewer's documents, the first time.
func (s *Store) loadReviewer(ctx context.Context, ref string, st *reviewerState) error {
	st.mu.Lock()
	loaded := st.loaded
	st.mu.Unlock()
	if loaded {
		return nil
	}
	next, err := s.nextListIndex(ctx, ref)
	if err != nil {
		return err
	}
	slots := make([]heldSlot, s.opts.MaxPending)
	if next > 0 { // a new reviewer holds no slot
		if err := s.readSlots(ctx, ref, slots); err != nil {
			return err
		}
	}
	st.mu.Lock()
	st.loaded, st.next, st.slots = true, next, slots
	st.mu.Unlock()
	return nil
}

// readSlots reads who holds each of a reviewer's slots.
func (s *Store) readSlots(ctx context.Context, ref string, slots []heldSlot) error {
	for k := range slots {
		var d slotDoc
		err := s.db.Collection(colQueue).FindOne(ctx, byID(slotID(ref, k))).Decode(&d)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return translate(err, "queue")
		}
		slots[k] = heldSlot{reviewID: d.ReviewID, productID: d.ProductID}
	}
	return nil
}

// admit checks a submission against its author's pending reviews, without
// writing: ECONFLICT (naming it) if one is of the same product, ETOOMANY if
// every slot holds one. Slots whose review has left the queue are freed.
// The caller holds st.submit.
func (s *Store) admit(ctx context.Context, st *reviewerState, d *reviewDoc) error {
	st.mu.Lock()
	slots := append([]heldSlot(nil), st.slots...)
	st.mu.Unlock()
	// stillHeld reports whether slot k's review is pending, and frees the
	// slot when it is not.
	stillHeld := func(k int) (bool, error) {
		q, err := s.queued(ctx, slots[k].reviewID)
		if err != nil || q != nil {
			return q != nil, err
		}
		return false, s.freeSlot(ctx, d.ReviewerRef, k, slots[k].reviewID)
	}
	free := 0
	for k, h := range slots {
		switch {
		case h.reviewID == "":
			free++
		case h.productID == d.ProductID && h.reviewID != d.ID:
			held, err := stillHeld(k)
			if err != nil {
				return err
			}
			if held {
				return errActive(registry.StatusPending, h.reviewID)
			}
			free++
		}
	}
	for k := 0; free == 0 && k < len(slots); k++ {
		if slots[k].reviewID == d.ID {
			return nil // a retry of this submission holds its slot
		}
		held, err := stillHeld(k)
		if err != nil {
			return err
		}
		if !held {
			free++
		}
	}
	if free == 0 {
		return registry.Errorf(registry.ETOOMANY,
			"You have %d reviews waiting for moderation, as many as one reviewer may; submit more once moderators have dealt with some of them.", len(slots))
	}
	return nil
}

// takeSlotAndIndex picks a free slot and the next list index for d and
// records them in d (one-based, so that zero means none).
func (st *reviewerState) takeSlotAndIndex(d *reviewDoc) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, h := range st.slots {
		if h.reviewID == "" || h.reviewID == d.ID {
			d.Slot, d.ListN = k+1, st.next+1
			return true
		}
	}
	return false
}

// noteStored records in st that d holds its slot and list index.
func (st *reviewerState) noteStored(d *reviewDoc) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if d.Slot > 0 && d.Slot <= len(st.slots) {
		st.slots[d.Slot-1] = heldSlot{reviewID: d.ID, productID: d.ProductID}
	}
	if d.ListN > st.next {
		st.next = d.ListN
	}
}

// deleteHeld deletes a reviewer's slot or list entry with this _id if it
// is reviewID's.
func (s *Store) deleteHeld(ctx context.Context, ref, id, reviewID string) error {
	unlock, err := s.db.LockContext(ctx, reviewerGate(ref))
	if err != nil {
		return err
	}
	defer unlock()
	if !s.db.policy.filterConditions() {
		// The gate is held: check here what guarded would put in the
		// filter under PolicyConditional.
		var d listDoc
		err := s.db.Collection(colQueue).FindOne(ctx, byID(id)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && d.ReviewID != reviewID) {
			return nil
		} else if err != nil {
			return translate(err, "queue")
		}
	}
	_, err = s.db.Collection(colQueue).DeleteOne(ctx, s.guarded(id, bson.E{Key: "r", Value: reviewID}))
	return translate(err, "queue")
}

// freeSlot frees slot k of a reviewer if reviewID still holds it.
func (s *Store) freeSlot(ctx context.Context, ref string, k int, reviewID string) error {
	if err := s.deleteHeld(ctx, ref, slotID(ref, k), reviewID); err != nil {
		return err
	}
	if st := s.reviewerStates.get(ref, false); st != nil {
		st.mu.Lock()
		if k < len(st.slots) && st.slots[k].reviewID == reviewID {
			st.slots[k] = heldSlot{}
		}
		st.mu.Unlock()
	}
	return nil
}

// storePending inserts a pending review with its slot and list entry, in
// one write. A slot or list index found taken (by another process) is
// taken elsewhere: the review is stored by then. It returns the insert's
// error for the review itself (a duplicate _id or act), untranslated.
func (s *Store) storePending(ctx context.Context, st *reviewerState, d *reviewDoc) error {
	ref := d.ReviewerRef
	slot, entry := slotID(ref, d.Slot-1), listID(ref, d.ListN-1)
	failed, err := s.storeInGroup(ctx, d, []any{
		slotDoc{ID: slot, ReviewID: d.ID, ProductID: d.ProductID, Act: slot},
		listDoc{ID: entry, ReviewID: d.ID, Act: entry},
	})
	if err != nil {
		return err
	}
	if err := failed[0]; err != nil {
		// Not stored: take back the slot and entry if they were.
		for pos, id := range map[int]string{1: slot, 2: entry} {
			if failed[pos] == nil {
				if err := s.deleteHeld(ctx, ref, id, d.ID); err != nil {
					return err
				}
			}
		}
		return err
	}
	// The review is stored; its slot or its list index may have been taken
	// by another process: then it gets others.
	stored := *d
	if failed[1] != nil {
		stored.Slot = 0
	}
	if failed[2] != nil {
		stored.ListN = 0
	}
	st.noteStored(&stored)
	if failed[1] != nil {
		if err := s.retakeSlot(ctx, st, d); err != nil {
			return err
		}
	}
	if failed[2] != nil {
		return s.retakeIndex(ctx, st, d)
	}
	return nil
}

// retakeSlot gives a stored review a slot after the one it was given was
// found taken; at the cap, the review is removed again and ETOOMANY
// returned.
func (s *Store) retakeSlot(ctx context.Context, st *reviewerState, d *reviewDoc) error {
	ref := d.ReviewerRef
	for range maxWriteAttempts {
		slots := make([]heldSlot, s.opts.MaxPending)
		if err := s.readSlots(ctx, ref, slots); err != nil {
			return err
		}
		st.mu.Lock()
		st.slots = slots
		st.mu.Unlock()
		if err := s.admit(ctx, st, &reviewDoc{ID: d.ID, ReviewerRef: ref}); err != nil {
			if derr := s.discardQueued(ctx, d); derr != nil {
				return derr
			}
			return err
		}
		listN := d.ListN
		ok := st.takeSlotAndIndex(d)
		d.ListN = listN
		if !ok {
			continue
		}
		id := slotID(ref, d.Slot-1)
		_, err := s.db.Collection(colQueue).InsertOne(ctx, slotDoc{ID: id, ReviewID: d.ID, ProductID: d.ProductID, Act: id})
		if mongo.IsDuplicateKeyError(err) {
			continue
		} else if err != nil {
			return translate(err, "queue")
		}
		set := bson.D{{Key: "$set", Value: bson.D{{Key: "sl", Value: d.Slot}}}}
		if _, err := s.db.Collection(colQueue).UpdateOne(ctx, byID(d.ID), set); err != nil {
			return translate(err, "queue")
		}
		st.noteStored(d)
		return nil
	}
	return errBusy
}

// retakeIndex gives a stored review the next free list index after the one
// it was given was found taken.
func (s *Store) retakeIndex(ctx context.Context, st *reviewerState, d *reviewDoc) error {
	for range maxWriteAttempts {
		n, err := s.nextListIndex(ctx, d.ReviewerRef)
		if err != nil {
			return err
		}
		id := listID(d.ReviewerRef, n)
		_, err = s.db.Collection(colQueue).InsertOne(ctx, listDoc{ID: id, ReviewID: d.ID, Act: id})
		if mongo.IsDuplicateKeyError(err) {
			continue
		} else if err != nil {
			return translate(err, "queue")
		}
		d.ListN = n + 1
		set := bson.D{{Key: "$set", Value: bson.D{{Key: "ln", Value: d.ListN}}}}
		if _, err := s.db.Collection(colQueue).UpdateOne(ctx, byID(d.ID), set); err != nil {
			return translate(err, "queue")
		}
		st.noteStored(d)
		return nil
	}
	return errBusy
}

// unlistRefused removes the list entry of a review whose submission was refused
// after it was stored, when it is the reviewer's newest (the caller holds
// st.submit): their list has no gap.
func (s *Store) unlistRefused(ctx context.Context, d *reviewDoc) error {
	st := s.reviewerStates.get(d.ReviewerRef, false)
	if st == nil || d.ListN == 0 {
		return nil
	}
	st.mu.Lock()
	newest := st.next == d.ListN
	st.mu.Unlock()
	if !newest {
		return nil // left as an entry that leads nowhere
	}
	if err := s.deleteHeld(ctx, d.ReviewerRef, listID(d.ReviewerRef, d.ListN-1), d.ID); err != nil {
		return err
	}
	st.mu.Lock()
	if st.next == d.ListN {
		st.next--
	}
	st.mu.Unlock()
	return nil
}

// pendingOf returns the reviewer's pending review of a product other than
// exceptID, or "" when there is none.
func (s *Store) pendingOf(ctx context.Context, ref, productID, exceptID string) (string, error) {
	slots := make([]heldSlot, s.opts.MaxPending)
	if err := s.readSlots(ctx, ref, slots); err != nil {
		return "", err
	}
	for _, h := range slots {
		if h.productID != productID || h.reviewID == exceptID || h.reviewID == "" {
			continue
		}
		q, err := s.queued(ctx, h.reviewID)
		if err != nil {
			return "", err
		}
		if q != nil {
			return h.reviewID, nil
		}
	}
	return "", nil
}

// OwnReviews returns a page of the reviews written by reviewerRef, in every
// status, newest first. It reads the reviewer's list entries and each
// review by _id, so its cost follows the page size, not the number of
// reviews. The cursor is the position in the reviewer's list to go on
// below.
func (s *Store) OwnReviews(ctx context.Context, reviewerRef string, limit int, cursor string) (*registry.OwnReviewPage, error) {
	if limit <= 0 {
		limit = registry.DefaultPageLimit
	}
	before := -1
	if cursor != "" {
		n, err := s.positionCursor(cursor)
		if err != nil {
			return nil, err
		}
		before = n
	}
	total, err := s.nextListIndex(ctx, reviewerRef)
	if err != nil {
		return nil, err
	}
	if before < 0 || before > total {
		before = total
	}
	out := &registry.OwnReviewPage{Items: []*registry.Review{}}
	seen := map[string]bool{}
	missing := 0
	for i := before - 1; i >= 0; i-- {
		if len(out.Items) == limit {
			out.NextCursor = s.encodeCursor(strconv.Itoa(i + 1))
			break
		}
		var e listDoc
		err := s.db.Collection(colQueue).FindOne(ctx, byID(listID(reviewerRef, i))).Decode(&e)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, translate(err, "queue")
		}
		var d *reviewDoc
		if err == nil && !seen[e.ReviewID] {
			seen[e.ReviewID] = true
			if d, err = s.reviewDoc(ctx, e.ReviewID); registry.ErrorCode(err) == registry.ENOTFOUND {
				d = nil
			} else if err != nil {
				return nil, err
			}
		}
		if d == nil || d.ReviewerRef != reviewerRef {
			if missing++; missing > maxMissingOwnReviews && i > 0 {
				out.NextCursor = s.encodeCursor(strconv.Itoa(i))
				break
			}
			continue
		}
		out.Items = append(out.Items, d.review())
	}
	return out, nil
}

// checkSlot frees the slot with this _id (any other _id is ignored) when its
// review is no longer pending.
func (s *Store) checkSlot(ctx context.Context, id string) error {
	parts := strings.Split(id, "|")
	if len(parts) != 3 || parts[0] != "s" {
		return nil
	}
	k, err := strconv.Atoi(parts[2])
	if err != nil {
		return nil
	}
	var d slotDoc
	err = s.db.Collection(colQueue).FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	} else if err != nil {
		return translate(err, "queue")
	}
	q, err := s.queued(ctx, d.ReviewID)
	if err != nil || q != nil {
		return err
	}
	return s.freeSlot(ctx, parts[1], k, d.ReviewID)
}
