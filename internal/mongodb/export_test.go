package mongodb

import (
	"context"
	"fmt"
	"math"

	"github.com/edtech-registry/registry/internal/registry"
)

// Hooks for the external tests (package mongodb_test), which need the
// mongodbtest helpers and so cannot be in this package.

// Translate exposes translate.
var Translate = translate

// SQLiteFile returns the SQLite file of db's database on the embedded store.
func SQLiteFile(db *DB) string { return db.sqliteFile() }

// OpenSQLite exposes openSQLite.
var OpenSQLite = openSQLite

// CollectionTables exposes collectionTables.
var CollectionTables = collectionTables

// IDIndexSuffix is the suffix of the _id expression index names.
const IDIndexSuffix = idIndexSuffix

// SetAfterTransition installs the hook that runs between a review's status
// change and its derived updates (nil removes it); an error stops there, as
// a crash would. Set it only while no other call uses the store.
func SetAfterTransition(s *Store, fn func(reviewID string) error) { s.afterTransition = fn }

// SetDuringRelease installs the hook that runs at the steps of a release
// ("recorded", "marked"; nil removes it); an error stops there, as a crash
// would. Set it only while no other call uses the store.
func SetDuringRelease(s *Store, fn func(step string) error) { s.duringRelease = fn }

// IdempotencyID exposes idempotencyID.
var IdempotencyID = idempotencyID

// ClaimID exposes claimID.
var ClaimID = claimID

// Collection names, for tests that write what a crash or a bug would leave.
const (
	ColReviews     = colReviews
	ColQueue       = colQueue
	ColClaims      = colClaims
	ColIdempotency = colIdempotency
	ColMarkers     = colMarkers
)

// DamageStats changes a product's stored statistics the way a lost update
// would: one review and three answers too many.
func DamageStats(ctx context.Context, s *Store, productID string, r *registry.Rubric) error {
	return s.updatePacked(ctx, colStats, statsID(productID, r.ID, r.Version), productID, func(packed []byte) ([]byte, error) {
		d := zeroStatsDoc(productID, r)
		if err := unpackStats(packed, d); err != nil {
			return nil, err
		}
		d.Reviews++
		d.Counts[0] += 2
		d.Groups[0].Counts[3]++
		return packStats(d), nil
	})
}

// EmptyPage removes every review from one page of a product's published
// reviews, as withdrawals would.
func EmptyPage(ctx context.Context, s *Store, productID string, page int) error {
	return s.updatePacked(ctx, colPages, fmt.Sprintf("%s|%d", productID, page), productID, func([]byte) ([]byte, error) {
		return packItems(nil)
	})
}

// ReleaseNow releases every change waiting for a product's next release,
// however few, so that tests can compare the public state with a full
// recomputation. The registry itself never does this (docs/anonymity.md).
func ReleaseNow(ctx context.Context, s *Store, productID string) error {
	unlock, err := s.db.LockContext(ctx, productLock(productID))
	if err != nil {
		return err
	}
	defer unlock()
	var started bool
	idx, err := s.updateIndex(ctx, productID, func(idx *indexDoc) { started = idx.startRelease(math.MaxInt, s.month()) })
	if err != nil || !started {
		return err
	}
	return s.applyReleases(ctx, productID, idx)
}

// SetSubmitCrash installs the hook that runs at steps of a submission
// ("queued": its queue entry and its author's record are written, the
// review is not stored; "stored": the review is stored as pending, and
// neither checked against its author's published review nor published); an
// error stops the submission there, as a crash would. Set it only while no
// other call uses the store.
func SetSubmitCrash(s *Store, fn func(step, reviewID string) error) { s.submitCrash = fn }

// Queue pages, for tests that read or damage them.
const (
	ColQueuePages = colQueuePages
	QueuePageSize = queuePageSize
)

// QueueHead returns the queue head's first and tail pages.
func QueueHead(ctx context.Context, s *Store) (first, tail int, err error) {
	h, err := s.readQueueHead(ctx)
	if err != nil {
		return 0, 0, err
	}
	return h.First, h.Tail, nil
}

// QueueEntries returns the review ids of a queue page's entries, "" for
// those marked gone.
func QueueEntries(ctx context.Context, s *Store, page int) ([]string, error) {
	p, err := s.readQueuePage(ctx, page)
	if err != nil || p == nil {
		return nil, err
	}
	out := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		if !e.Gone {
			out[i] = e.ReviewID
		}
	}
	return out, nil
}

// UnqueuePage takes every review listed on a queue page out of the queue
// and marks its entry gone, without moving the head: what moderating them
// leaves while an older page still has a pending review.
func UnqueuePage(ctx context.Context, s *Store, page int) error {
	p, err := s.readQueuePage(ctx, page)
	if err != nil || p == nil {
		return err
	}
	for i := range p.Entries {
		if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(p.Entries[i].ReviewID)); err != nil {
			return err
		}
		p.Entries[i].Gone = true
	}
	_, err = s.writeQueuePage(ctx, p)
	return err
}
