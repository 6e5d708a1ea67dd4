package mongodb

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// Hooks for the external tests (package mongodb_test), which need the
// mongodbtest helpers and so cannot be in this package.

// Translate exposes translate.
var Translate = translate

// SetAfterTransition installs the hook that runs between a review's status
// change and its derived updates (nil removes it); an error stops there, as
// a crash would. Set it only while no other call uses the store.
func SetAfterTransition(s *Store, fn func(reviewID string) error) { s.afterTransition = fn }

// SetDuringRelease installs the hook that runs at the steps of a release
// ("recorded", "marked"; nil removes it); an error stops there, as a crash
// would. Set it only while no other call uses the store.
func SetDuringRelease(s *Store, fn func(step string) error) { s.duringRelease = fn }

// SetDuringDeletion installs the hook that runs at the steps of an
// account's deletion (nil removes it); an error stops there, as a crash
// would. Set it only while no other call uses the store.
func SetDuringDeletion(s *Store, fn func(step string) error) { s.duringDeletion = fn }

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
	ColStats       = colStats
	ColPages       = colPages
)

// DamageStats changes a product's stored statistics the way a lost update
// would: one review and three answers too many.
func DamageStats(ctx context.Context, s *Store, productID string, r *registry.Rubric) error {
	return s.updatePacked(ctx, colStats, statsID(productID, r.ID, r.Version), productID, 0, func(packed []byte) ([]byte, error) {
		d := &statsDoc{ID: statsID(productID, r.ID, r.Version), ProductID: productID}
		if err := decodeStats(packed, d, s.layout(r)); err != nil {
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
	return s.updatePacked(ctx, colPages, fmt.Sprintf("%s|%d", productID, page), productID, 0, func([]byte) ([]byte, error) {
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
	idx, err := s.updateIndex(ctx, productID, func(idx *indexDoc) (bool, error) {
		return idx.startRelease(math.MaxInt, s.month()), nil
	})
	if err != nil {
		return err
	}
	_, err = s.finishReleases(ctx, productID, idx)
	return err
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

// SetGroupKeys makes the store lay out packed statistics in the order of
// keys instead of registry.GroupKeys(), as a build that added or reordered
// roles, phases or nations would. Set it before the store is used.
func SetGroupKeys(s *Store, keys []registry.GroupKey) { s.groupKeys = keys }

// StatsHeaderLen is the length of a packed statistics record's header.
const StatsHeaderLen = statsHeaderLen

// SetLeaseTTL shortens the store's lease lifetime (LeaseTTL) so that a
// test sees leases renewed. Set it before the store takes a lease.
func SetLeaseTTL(s *Store, d time.Duration) { s.leaseTTL = d }

// ColLeases is the leases collection.
const ColLeases = colLeases

// SetBeforeConditionalWrite installs the hook that runs before each
// conditional write, between its read and its write, with the collection
// and _id written (nil removes it): those retried when another writer got
// there first (statistics records and pages, product indexes, queue pages)
// and those refused then (a product's update, a review's status change from
// published, a stale claim's takeover); and before a draft's write. A
// test lands another node's write there. Set it only while no other call
// uses the store.
func SetBeforeConditionalWrite(s *Store, fn func(coll, id string)) { s.beforeConditional = fn }

// WithPolicy returns a DB like db (same database, same client) that uses
// policy p, so that a test can run the conditional-write code on the
// embedded server whatever policy the shared store runs.
func WithPolicy(db *DB, p Policy) *DB {
	c := *db
	c.policy = p.resolve(db.server != nil)
	c.owner = nil
	return &c
}

// MaxWriteAttempts is how many times a conditional write is tried before it
// gives up.
const MaxWriteAttempts = maxWriteAttempts

// Collections of products and of products' release states.
const (
	ColProducts = colProducts
	ColIndex    = colIndex
)

// PackedRelease returns the release number and revision recorded in a
// statistics record or page (colStats or colPages).
func PackedRelease(ctx context.Context, s *Store, coll, id string) (release, rev int, err error) {
	var rec packedRecord
	err = s.db.Collection(coll).FindOne(ctx, byID(id)).Decode(&rec)
	return rec.Release, rec.Rev, err
}

// Applying returns the number of the release recorded in a product's index
// as being applied, 0 when none is.
func Applying(ctx context.Context, s *Store, productID string) (int, error) {
	idx, err := s.index(ctx, productID)
	if err != nil || idx.Applying == nil {
		return 0, err
	}
	return idx.Applying.Number, nil
}

// StatsID exposes statsID.
var StatsID = statsID
