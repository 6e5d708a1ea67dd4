package mongodb

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Reviewer records. Each reviewer (by reviewer reference) has a small record
// in the reviewers collection, read and written by _id:
//
//   - their pending reviews (id, product, submission time), which caps how
//     many they may have (Options.MaxPending) and names the pending review
//     that a second one of the same product collides with;
//   - the list of every review they submitted, oldest first: the newest
//     entries in the record, older ones archived reviewerChunkSize at a time
//     in documents "<ref>|<n>", so that listing a page of them reads the
//     record, a chunk or two and the reviews, however many they wrote.
//
// A submission adds its review to the record before it stores the review; a
// review leaving the queue leaves the pending list after. A crash in
// between leaves an entry whose review is missing, or no longer pending:
// the list skips it, and the pending list drops it once it is older than a
// minute, when it is next checked (at the cap, or against a submission of
// the same product). Seed writes no records: seeded reviewer references
// belong to no token.

// reviewerChunkSize is the number of review ids per archived chunk.
const reviewerChunkSize = 20

// maxMissingOwnReviews bounds how many listed ids whose review is missing
// one listing request reads past.
const maxMissingOwnReviews = 40

// reviewerDoc is a reviewer's record.
type reviewerDoc struct {
	ID  string `bson:"_id"` // reviewer reference
	Rev int    `bson:"v"`
	// Chunks is the number of archived chunks ("<ref>|0" … "<ref>|Chunks-1").
	Chunks int `bson:"k"`
	// Recent lists the reviews after the archived ones, oldest first.
	Recent  []string       `bson:"e"`
	Pending []pendingEntry `bson:"q"`
}

// pendingEntry is one of a reviewer's pending reviews.
type pendingEntry struct {
	ReviewID  string    `bson:"r"`
	ProductID string    `bson:"p"`
	Created   time.Time `bson:"t"`
}

// reviewerChunk is an archived part of a reviewer's list.
type reviewerChunk struct {
	ID      string   `bson:"_id"`
	Reviews []string `bson:"e"`
}

func reviewerChunkID(ref string, n int) string { return ref + "|" + strconv.Itoa(n) }

// reviewerGate is the write-gate key of a reviewer's record.
func reviewerGate(ref string) string { return "reviewer/" + ref }

// readReviewer reads a reviewer's record; an empty one (Rev 0) when there
// is none.
func (s *Store) readReviewer(ctx context.Context, ref string) (*reviewerDoc, error) {
	var d reviewerDoc
	err := s.db.Collection(colReviewers).FindOne(ctx, byID(ref)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &reviewerDoc{ID: ref}, nil
	} else if err != nil {
		return nil, translate(err, "reviewer record")
	}
	return &d, nil
}

// updateReviewer applies change to a reviewer's record and stores it when
// change says so, conditional on the revision it read (on the embedded
// store under the record's gate key, which the caller must not hold another
// key with).
func (s *Store) updateReviewer(ctx context.Context, ref string, change func(d *reviewerDoc) (bool, error)) error {
	unlock, err := s.db.LockContext(ctx, reviewerGate(ref))
	if err != nil {
		return err
	}
	defer unlock()
	coll := s.db.Collection(colReviewers)
	for range maxWriteAttempts {
		d, err := s.readReviewer(ctx, ref)
		if err != nil {
			return err
		}
		rev := d.Rev
		write, err := change(d)
		if err != nil || !write {
			return err
		}
		d.Rev = rev + 1
		if rev == 0 {
			_, err = coll.InsertOne(ctx, d)
			if mongo.IsDuplicateKeyError(err) {
				continue // created meanwhile by another node
			}
			return translate(err, "reviewer record")
		}
		res, err := coll.ReplaceOne(ctx, s.guarded(ref, bson.E{Key: "v", Value: rev}), d)
		if err != nil {
			return translate(err, "reviewer record")
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return errBusy
}

// notePending adds a review about to be submitted to its author's record:
// to their list and to their pending reviews. It refuses the review
// (ECONFLICT, naming the other review) when the author has another pending
// review of the product, and (ETOOMANY) when they have as many pending
// reviews as they may. A retry of a submission already noted changes
// nothing.
func (s *Store) notePending(ctx context.Context, d *reviewDoc) error {
	return s.updateReviewer(ctx, d.ReviewerRef, func(rd *reviewerDoc) (bool, error) {
		if slices.ContainsFunc(rd.Pending, func(e pendingEntry) bool { return e.ReviewID == d.ID }) {
			return false, nil
		}
		for _, e := range rd.Pending {
			if e.ProductID != d.ProductID {
				continue
			}
			q, err := s.queued(ctx, e.ReviewID)
			if err != nil {
				return false, err
			}
			if q != nil {
				return false, errActive(registry.StatusPending, e.ReviewID)
			}
		}
		if len(rd.Pending) >= s.opts.MaxPending {
			if err := s.prunePending(ctx, rd); err != nil {
				return false, err
			}
		}
		if len(rd.Pending) >= s.opts.MaxPending {
			return false, registry.Errorf(registry.ETOOMANY,
				"You have %d reviews waiting for moderation, as many as one reviewer may; submit more once moderators have dealt with some of them.", len(rd.Pending))
		}
		if len(rd.Recent) >= reviewerChunkSize {
			// Archive the full part of the list. Written before the record,
			// so a crash in between only writes the same chunk again.
			chunk := reviewerChunk{ID: reviewerChunkID(rd.ID, rd.Chunks), Reviews: rd.Recent}
			if _, err := s.db.Collection(colReviewers).ReplaceOne(ctx, byID(chunk.ID), chunk, options.Replace().SetUpsert(true)); err != nil {
				return false, translate(err, "reviewer record")
			}
			rd.Chunks++
			rd.Recent = nil
		}
		rd.Recent = append(rd.Recent, d.ID)
		rd.Pending = append(rd.Pending, pendingEntry{ReviewID: d.ID, ProductID: d.ProductID, Created: d.CreatedAt})
		return true, nil
	})
}

// prunePending drops from rd the pending entries older than a minute whose
// review is no longer in the queue (left it, or never got there because the
// submission stopped). Younger ones may belong to a submission still under
// way.
func (s *Store) prunePending(ctx context.Context, rd *reviewerDoc) error {
	kept := rd.Pending[:0]
	for _, e := range rd.Pending {
		if s.now().Sub(e.Created) >= repairAge {
			q, err := s.queued(ctx, e.ReviewID)
			if err != nil {
				return err
			}
			if q == nil {
				continue
			}
		}
		kept = append(kept, e)
	}
	rd.Pending = kept
	return nil
}

// dropPending removes a review from its author's pending reviews; with
// forget, also from their list (a submission refused after it was noted).
// Repeating it is harmless.
func (s *Store) dropPending(ctx context.Context, ref, reviewID string, forget bool) error {
	return s.updateReviewer(ctx, ref, func(rd *reviewerDoc) (bool, error) {
		is := func(e pendingEntry) bool { return e.ReviewID == reviewID }
		n := len(rd.Pending) + len(rd.Recent)
		rd.Pending = slices.DeleteFunc(rd.Pending, is)
		if forget {
			rd.Recent = slices.DeleteFunc(rd.Recent, func(id string) bool { return id == reviewID })
		}
		return len(rd.Pending)+len(rd.Recent) != n, nil
	})
}

// pendingOf returns the author's pending review of a product other than
// exceptID, or "" when their record names none still in the queue.
func (s *Store) pendingOf(ctx context.Context, ref, productID, exceptID string) (string, error) {
	rd, err := s.readReviewer(ctx, ref)
	if err != nil {
		return "", err
	}
	for _, e := range rd.Pending {
		if e.ProductID != productID || e.ReviewID == exceptID {
			continue
		}
		q, err := s.queued(ctx, e.ReviewID)
		if err != nil {
			return "", err
		}
		if q != nil {
			return e.ReviewID, nil
		}
	}
	return "", nil
}

// OwnReviews returns a page of the reviews written by reviewerRef, in every
// status, newest first. It reads the reviewer's record, the archived chunks
// the page needs and each review by _id, so its cost follows the page size,
// not the number of reviews. The cursor is the position in the reviewer's
// list to go on below.
func (s *Store) OwnReviews(ctx context.Context, reviewerRef string, limit int, cursor string) (*registry.OwnReviewPage, error) {
	if limit <= 0 {
		limit = registry.DefaultPageLimit
	}
	before := -1
	if cursor != "" {
		raw, err := decodeCursor(cursor)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return nil, &registry.Error{Code: registry.EINVALID, Message: "The cursor is not valid.",
				Fields: []registry.FieldError{{Field: "cursor", Message: "not a cursor this server issued"}}}
		}
		before = n
	}
	rd, err := s.readReviewer(ctx, reviewerRef)
	if err != nil {
		return nil, err
	}
	archived := rd.Chunks * reviewerChunkSize
	total := archived + len(rd.Recent)
	if before < 0 || before > total {
		before = total
	}
	out := &registry.OwnReviewPage{Items: []*registry.Review{}}
	chunks := map[int][]string{}
	seen := map[string]bool{}
	missing := 0
	for i := before - 1; i >= 0; i-- {
		if len(out.Items) == limit {
			out.NextCursor = encodeCursor(strconv.Itoa(i + 1))
			break
		}
		var id string
		if i >= archived {
			id = rd.Recent[i-archived]
		} else {
			n := i / reviewerChunkSize
			ids, ok := chunks[n]
			if !ok {
				var c reviewerChunk
				err := s.db.Collection(colReviewers).FindOne(ctx, byID(reviewerChunkID(reviewerRef, n))).Decode(&c)
				if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
					return nil, translate(err, "reviewer record")
				}
				ids = c.Reviews
				chunks[n] = ids
			}
			if i%reviewerChunkSize >= len(ids) {
				continue
			}
			id = ids[i%reviewerChunkSize]
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := s.reviewDoc(ctx, id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			if missing++; missing > maxMissingOwnReviews && i > 0 {
				out.NextCursor = encodeCursor(strconv.Itoa(i))
				break
			}
			continue
		} else if err != nil {
			return nil, err
		}
		if d.ReviewerRef == reviewerRef {
			out.Items = append(out.Items, d.review())
		}
	}
	return out, nil
}
