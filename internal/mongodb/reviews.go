package mongodb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the review service.
var _ registry.ReviewService = (*Store)(nil)

// idempotencyDoc binds a reviewer's Idempotency-Key to the review the first
// request created. Its _id is derived from reviewer and key, so a retry on
// any node collides on the unique _id.
type idempotencyDoc struct {
	ID        string    `bson:"_id"`
	ReviewID  string    `bson:"r"`
	ProductID string    `bson:"p"`
	BodyHash  string    `bson:"h"`
	CreatedAt time.Time `bson:"t"`
}

// claimDoc holds a reviewer's one active review of a product.
type claimDoc struct {
	ID       string `bson:"_id"`
	ReviewID string `bson:"r"`
	// At is when the claim was taken; zero on claims written by Seed.
	At time.Time `bson:"t,omitempty"`
}

// claimLease is how long a claim whose review is not stored yet counts as a
// submission still in progress. A claim is written before its review, so a
// missing review alone does not mean the submission failed: taking such a
// claim over at once let concurrent submissions by one reviewer all succeed.
// Past the lease the submission is taken to have crashed.
const claimLease = 5 * time.Minute

// markerDoc records a transition whose derived updates (queue, statistics,
// pages) may not be complete. Start-up repairs every product named here.
type markerDoc struct {
	ID        string    `bson:"_id"`
	ReviewID  string    `bson:"r"`
	ProductID string    `bson:"p"`
	CreatedAt time.Time `bson:"t"`
}

func claimID(reviewerRef, productID string) string { return reviewerRef + "|" + productID }

func idempotencyID(reviewerRef, key string) string {
	sum := sha256.Sum256([]byte(reviewerRef + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// productLock is the write-gate key under which a product's reviews change
// state and its derived documents are written. One key per operation: the
// gate is never taken twice at once.
func productLock(productID string) string { return "product-reviews/" + productID }

// SubmitReview stores a new review: pending when moderation is on, otherwise
// published with its statistics updated. The order of writes makes every
// crash recoverable: the idempotency record and the claim come first, a
// marker covers the derived updates, and a retry completes a half-done
// submission under the same review id.
func (s *Store) SubmitReview(ctx context.Context, r *registry.Review, key, bodyHash string) (*registry.SubmitResult, error) {
	if _, err := s.Product(ctx, r.ProductID); err != nil {
		return nil, err
	}
	r.ID = newID()
	var idemID string
	if key != "" {
		idemID = idempotencyID(r.ReviewerRef, key)
		doc := idempotencyDoc{ID: idemID, ReviewID: r.ID, ProductID: r.ProductID, BodyHash: bodyHash, CreatedAt: s.now().UTC()}
		_, err := s.db.Collection(colIdempotency).InsertOne(ctx, doc)
		if mongo.IsDuplicateKeyError(err) {
			var prev idempotencyDoc
			if err := s.db.Collection(colIdempotency).FindOne(ctx, byID(idemID)).Decode(&prev); err != nil {
				return nil, translate(err, "idempotency record")
			}
			if prev.ProductID != r.ProductID || prev.BodyHash != bodyHash {
				return nil, &registry.Error{Code: registry.EINVALID,
					Message: "This Idempotency-Key was already used for a different request.",
					Fields:  []registry.FieldError{{Field: "Idempotency-Key", Message: "already used with another product or body; use a new key"}}}
			}
			existing, err := s.Review(ctx, prev.ReviewID)
			if err == nil {
				return &registry.SubmitResult{Review: existing, Created: false}, nil
			}
			if registry.ErrorCode(err) != registry.ENOTFOUND {
				return nil, err
			}
			// The first request stopped before storing the review: finish it
			// under the id it reserved.
			r.ID = prev.ReviewID
		} else if err != nil {
			return nil, translate(err, "idempotency record")
		}
	}
	res, err := s.submit(ctx, r)
	if err != nil && idemID != "" && registry.ErrorCode(err) == registry.ECONFLICT {
		// Nothing was stored for this key: free it so it is not bound to a
		// refused request.
		_, _ = s.db.Collection(colIdempotency).DeleteOne(ctx, byID(idemID))
	}
	return res, err
}

func (s *Store) submit(ctx context.Context, r *registry.Review) (*registry.SubmitResult, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	r.CreatedAt, r.UpdatedAt = now, now
	r.Status = registry.StatusPending
	if !s.opts.Moderation {
		r.Status = registry.StatusPublished
		r.PublishedAt = &now
	}
	if err := s.claim(ctx, r); err != nil {
		return nil, err
	}
	doc := toReviewDoc(r)
	marker := markerDoc{ID: r.ID + "|submit", ReviewID: r.ID, ProductID: r.ProductID, CreatedAt: now}
	if _, err := s.db.Collection(colMarkers).InsertOne(ctx, marker); err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, translate(err, "marker")
	}
	unlock := s.db.Lock(productLock(r.ProductID))
	defer unlock()
	if _, err := s.db.Collection(colReviews).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			// A concurrent retry with the same idempotency key won.
			existing, err := s.Review(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			return &registry.SubmitResult{Review: existing}, nil
		}
		return nil, translate(err, "review")
	}
	if err := s.afterStatus(ctx, doc, registry.StatusPending, r.Status); err != nil {
		return nil, err
	}
	if _, err := s.db.Collection(colMarkers).DeleteOne(ctx, byID(marker.ID)); err != nil {
		return nil, translate(err, "marker")
	}
	return &registry.SubmitResult{Review: r, Created: true}, nil
}

// claim reserves the reviewer's one active review of the product. A claim
// left by a review that is no longer active, or by one never stored whose
// lease has run out, is taken over.
func (s *Store) claim(ctx context.Context, r *registry.Review) error {
	id := claimID(r.ReviewerRef, r.ProductID)
	coll := s.db.Collection(colClaims)
	_, err := coll.InsertOne(ctx, claimDoc{ID: id, ReviewID: r.ID, At: s.now().UTC()})
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return translate(err, "claim")
	}
	unlock := s.db.Lock(colClaims + "/" + id)
	defer unlock()
	var c claimDoc
	if err := coll.FindOne(ctx, byID(id)).Decode(&c); err != nil {
		return translate(err, "claim")
	}
	if c.ReviewID == r.ID {
		return nil // our own retry
	}
	prev, err := s.Review(ctx, c.ReviewID)
	switch {
	case err == nil && registry.IsActive(prev.Status):
		return registry.Errorf(registry.ECONFLICT, "You already have a %s review of this product; withdraw it before writing another.", prev.Status)
	case err != nil && registry.ErrorCode(err) != registry.ENOTFOUND:
		return err
	case err != nil && s.now().Sub(c.At) < claimLease:
		return registry.Errorf(registry.ECONFLICT, "Another submission of yours for this product is in progress; if it failed, try again in a few minutes.")
	}
	res, err := coll.ReplaceOne(ctx, s.guarded(id, bson.E{Key: "r", Value: c.ReviewID}), claimDoc{ID: id, ReviewID: r.ID, At: s.now().UTC()})
	if err != nil {
		return translate(err, "claim")
	}
	if res.MatchedCount == 0 {
		return registry.Errorf(registry.ECONFLICT, "You already have an active review of this product.")
	}
	return nil
}

// release frees the claim held by a review that is no longer active.
func (s *Store) release(ctx context.Context, d *reviewDoc) error {
	id := claimID(d.ReviewerRef, d.ProductID)
	unlock := s.db.Lock(colClaims + "/" + id)
	defer unlock()
	var c claimDoc
	err := s.db.Collection(colClaims).FindOne(ctx, byID(id)).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && c.ReviewID != d.ID) {
		return nil
	} else if err != nil {
		return translate(err, "claim")
	}
	_, err = s.db.Collection(colClaims).DeleteOne(ctx, s.guarded(id, bson.E{Key: "r", Value: d.ID}))
	return translate(err, "claim")
}

// Review returns one review by id. Returns ENOTFOUND if it does not exist.
func (s *Store) Review(ctx context.Context, id string) (*registry.Review, error) {
	d, err := s.reviewDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.review(), nil
}

func (s *Store) reviewDoc(ctx context.Context, id string) (*reviewDoc, error) {
	var d reviewDoc
	if err := s.db.Collection(colReviews).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, registry.Errorf(registry.ENOTFOUND, "Review %q not found.", id)
		}
		return nil, translate(err, "review")
	}
	return &d, nil
}

// Transition moves a review to status "to" if its current status allows it.
// The status change is conditional (under the product's write gate on the
// embedded store, in the filter on MongoDB), so a retried publish or reject
// changes nothing twice and counts nothing twice.
func (s *Store) Transition(ctx context.Context, id, to, authorRef, reason string) (*registry.Review, error) {
	d, err := s.reviewDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	if authorRef != "" && d.ReviewerRef != authorRef {
		return nil, registry.Errorf(registry.EFORBIDDEN, "Only the author of a review can withdraw it.")
	}
	d, err = s.transition(ctx, d.ProductID, id, to, reason)
	if err != nil {
		return nil, err
	}
	if !registry.IsActive(to) {
		if err := s.release(ctx, d); err != nil {
			return nil, err
		}
	}
	if _, err := s.db.Collection(colMarkers).DeleteOne(ctx, byID(id+"|"+to)); err != nil {
		return nil, translate(err, "marker")
	}
	return d.review(), nil
}

// transition changes the status under the product's write gate and applies
// the derived updates.
func (s *Store) transition(ctx context.Context, productID, id, to, reason string) (*reviewDoc, error) {
	unlock := s.db.Lock(productLock(productID))
	defer unlock()
	d, err := s.reviewDoc(ctx, id) // re-read under the gate
	if err != nil {
		return nil, err
	}
	from := d.Status
	if !registry.CanTransition(from, to) {
		return nil, registry.Errorf(registry.ECONFLICT, "The review is %s; it cannot become %s.", from, to)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	marker := markerDoc{ID: id + "|" + to, ReviewID: id, ProductID: d.ProductID, CreatedAt: now}
	if _, err := s.db.Collection(colMarkers).InsertOne(ctx, marker); err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, translate(err, "marker")
	}
	set := bson.D{{Key: "st", Value: to}, {Key: "ut", Value: now}}
	d.Status, d.UpdatedAt = to, now
	if to == registry.StatusPublished {
		set = append(set, bson.E{Key: "pt", Value: now})
		d.PublishedAt = &now
	}
	if to == registry.StatusRejected {
		set = append(set, bson.E{Key: "rr", Value: reason})
		d.RejectReason = reason
	}
	res, err := s.db.Collection(colReviews).UpdateOne(ctx, s.guarded(id, bson.E{Key: "st", Value: from}), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return nil, translate(err, "review")
	}
	if res.MatchedCount == 0 {
		return nil, registry.Errorf(registry.ECONFLICT, "The review changed state while this request ran; fetch it again.")
	}
	if s.afterTransition != nil {
		if err := s.afterTransition(id); err != nil {
			return nil, err
		}
	}
	if err := s.afterStatus(ctx, d, from, to); err != nil {
		return nil, err
	}
	return d, nil
}

// afterStatus brings the queue and the derived statistics and pages in line
// with a review's move from one status to another. The caller holds the
// product's write gate; it releases the claim afterwards, outside the gate.
func (s *Store) afterStatus(ctx context.Context, d *reviewDoc, from, to string) error {
	switch {
	case to == registry.StatusPending:
		if _, err := s.db.Collection(colQueue).InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
			return translate(err, "queue")
		}
		return nil
	case from == registry.StatusPending:
		if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(d.ID)); err != nil {
			return translate(err, "queue")
		}
	}
	if to == registry.StatusPublished {
		if err := s.countPublished(ctx, d, +1); err != nil {
			return err
		}
	}
	if from == registry.StatusPublished {
		if err := s.countPublished(ctx, d, -1); err != nil {
			return err
		}
	}
	return nil
}
