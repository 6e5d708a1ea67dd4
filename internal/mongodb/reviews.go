package mongodb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the review service.
var _ registry.ReviewService = (*Store)(nil)

// Where a review lives. A pending review is a document of the queue
// collection only: submitting one is a single insert, and the queue's unique
// index on "act" (reviewer + product) enforces one pending review per
// reviewer and product. When a moderator (or, with moderation off, the
// server) moves it on, it is inserted into the reviews collection with its
// new status and deleted from the queue. A published review holds a claim
// (reviewer + product → review id) so that its author cannot also have a
// pending review of the product: a submission inserts into the queue first
// and then reads the claim, and a publication writes the claim before it
// deletes the queue entry, so whichever runs second sees the other.

// idempotencyDoc binds a reviewer's Idempotency-Key to the review the first
// request created. Its _id is derived from reviewer and key, so a retry on
// any node collides on the unique _id. The request body is kept only as a
// keyed hash (bodyKey): without the store's secret a dump of the database
// cannot confirm a guess of what a review said before it was redacted. A
// record lives IdempotencyRetention.
type idempotencyDoc struct {
	ID        string `bson:"_id"`
	ReviewID  string `bson:"r"`
	ProductID string `bson:"p"`
	// BodyKey is bodyKey of the body's hash. BodyHash is the plain SHA-256
	// that records made before keyed hashes held; such a record is
	// compared by it until it expires.
	BodyKey   string    `bson:"hk,omitempty"`
	BodyHash  string    `bson:"h,omitempty"`
	CreatedAt time.Time `bson:"t"`
	// Edit is the review an edit (PUT) with this key changed; empty for a
	// submission. ReviewID is then the document the edit wrote.
	Edit string `bson:"e,omitempty"`
}

// IdempotencyRetention is how long an Idempotency-Key is remembered: a retry
// within it returns the first request's review; after it the key is
// forgotten (the periodic repair deletes the record, and a submission that
// finds an expired one replaces it), so a retry is a new submission, which
// the one-active-review rule refuses with 409 naming the first review while
// that review is pending or published.
const IdempotencyRetention = 24 * time.Hour

// bodyKey is the keyed hash kept of a submission's body hash.
func (s *Store) bodyKey(bodyHash string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("idempotency-body\x00" + bodyHash))
	return hex.EncodeToString(m.Sum(nil))
}

// sameBody reports whether a record was made for a body with this hash.
func (s *Store) sameBody(d *idempotencyDoc, bodyHash string) bool {
	if d.BodyKey != "" {
		return hmac.Equal([]byte(d.BodyKey), []byte(s.bodyKey(bodyHash)))
	}
	return d.BodyHash == bodyHash
}

// claimDoc holds a reviewer's one published review of a product.
type claimDoc struct {
	ID       string `bson:"_id"`
	ReviewID string `bson:"r"`
}

// markerDoc records a transition whose derived updates (queue, claim,
// statistics, pages) may not be complete. Start-up repairs every product
// named here.
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
// state and its claims and derived documents are written. One key per
// operation: the gate is never taken twice at once.
func productLock(productID string) string { return "product-reviews/" + productID }

// errActive is the conflict of the one-active-review rule. It names the
// active review (when known) to its author, who may withdraw it.
func errActive(status, reviewID string) error {
	if reviewID == "" {
		return registry.Errorf(registry.ECONFLICT, "You already have a %s review of this product; withdraw it before writing another.", status)
	}
	return &registry.Error{Code: registry.ECONFLICT, ExistingReview: reviewID,
		Message: fmt.Sprintf("You already have a %s review of this product (%s); withdraw it before writing another.", status, reviewID)}
}

// SubmitReview stores a new pending review, and publishes it at once when
// moderation is off. With an idempotency key, a retry returns the first
// review; a retry after a crash completes the submission under the id the
// first request reserved.
func (s *Store) SubmitReview(ctx context.Context, r *registry.Review, key, bodyHash string) (*registry.SubmitResult, error) {
	if err := s.ProductExists(ctx, r.ProductID); err != nil {
		return nil, err
	}
	r.ID = newID()
	var idemID string
	if key != "" {
		idemID = idempotencyID(r.ReviewerRef, key)
		prev, err := s.bindKey(ctx, idemID, r, bodyHash)
		if err != nil {
			return nil, err
		}
		if prev != nil {
			if prev.ProductID != r.ProductID || !s.sameBody(prev, bodyHash) || prev.Edit != "" {
				return nil, &registry.Error{Code: registry.EINVALID,
					Message: "This Idempotency-Key was already used for a different request.",
					Fields:  []registry.FieldError{{Field: "Idempotency-Key", Message: "already used with another product or body; use a new key"}}}
			}
			existing, err := s.Review(ctx, prev.ReviewID)
			if err == nil {
				return s.finishRetry(ctx, existing)
			}
			if registry.ErrorCode(err) != registry.ENOTFOUND {
				return nil, err
			}
			// The first request stopped before storing the review: finish it
			// under the id it reserved.
			r.ID = prev.ReviewID
		}
	}
	res, err := s.submit(ctx, r, key != "")
	if code := registry.ErrorCode(err); idemID != "" && (code == registry.ECONFLICT || code == registry.ETOOMANY) {
		// A concurrent retry with the same key may have stored the review
		// (and, with moderation off, published it) while this one ran: then
		// this is its retry too.
		if existing, rerr := s.Review(ctx, r.ID); rerr == nil {
			return s.finishRetry(ctx, existing)
		}
		// Nothing was stored for this key: free it so it is not bound to a
		// refused request.
		_, _ = s.db.Collection(colIdempotency).DeleteOne(ctx, byID(idemID))
	}
	return res, err
}

// bindKey binds the idempotency record idemID to r (a new record) and
// returns nil, or returns the live record an earlier request made. An
// expired record is replaced, as if the key had not been used.
func (s *Store) bindKey(ctx context.Context, idemID string, r *registry.Review, bodyHash string) (*idempotencyDoc, error) {
	return s.bindRecord(ctx, idempotencyDoc{ID: idemID, ReviewID: r.ID, ProductID: r.ProductID, BodyKey: s.bodyKey(bodyHash)})
}

// bindRecord inserts the idempotency record doc (stamped now) and returns
// nil, or returns the live record an earlier request made under its _id.
// An expired record is replaced, as if the key had not been used.
func (s *Store) bindRecord(ctx context.Context, doc idempotencyDoc) (*idempotencyDoc, error) {
	c := s.db.Collection(colIdempotency)
	for range maxWriteAttempts {
		now := s.now().UTC()
		doc.CreatedAt = now
		_, err := c.InsertOne(ctx, doc)
		if err == nil {
			return nil, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, translate(err, "idempotency record")
		}
		var prev idempotencyDoc
		err = c.FindOne(ctx, byID(doc.ID)).Decode(&prev)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // expired and deleted meanwhile
		} else if err != nil {
			return nil, translate(err, "idempotency record")
		}
		if now.Sub(prev.CreatedAt) < IdempotencyRetention {
			return &prev, nil
		}
		if _, err := s.expireKey(ctx, doc.ID, now.Add(-IdempotencyRetention)); err != nil {
			return nil, err
		}
	}
	return nil, errBusy
}

// expireKey deletes the idempotency record idemID if it was made before
// cutoff, and reports whether it did: read again under its gate key (a
// newer record of the same key must stay), the condition in the filter on
// MongoDB.
func (s *Store) expireKey(ctx context.Context, idemID string, cutoff time.Time) (bool, error) {
	unlock, err := s.db.LockContext(ctx, colIdempotency+"/"+idemID)
	if err != nil {
		return false, err
	}
	defer unlock()
	var d idempotencyDoc
	if err := s.db.Collection(colIdempotency).FindOne(ctx, byID(idemID)).Decode(&d); err != nil {
		return false, nil // gone already
	}
	if !d.CreatedAt.Before(cutoff) {
		return false, nil
	}
	res, err := s.db.Collection(colIdempotency).DeleteOne(ctx, s.guarded(idemID, bson.E{Key: "t", Value: bson.D{{Key: "$lt", Value: cutoff}}}))
	if err != nil {
		return false, translate(err, "idempotency record")
	}
	return res.DeletedCount == 1, nil
}

// PruneIdempotency deletes the idempotency records older than
// IdempotencyRetention and returns how many it deleted. It scans the
// idempotency collection (on the embedded store decoding it), so it runs
// with the periodic repair, never on a request.
func (s *Store) PruneIdempotency(ctx context.Context) (int, error) {
	cutoff := s.now().UTC().Add(-IdempotencyRetention)
	cur, err := s.db.Collection(colIdempotency).Find(ctx, bson.D{{Key: "t", Value: bson.D{{Key: "$lt", Value: cutoff}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, translate(err, "idempotency records")
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return 0, translate(err, "idempotency records")
	}
	n := 0
	for _, d := range ids {
		deleted, err := s.expireKey(ctx, d.ID, cutoff)
		if err != nil {
			return n, err
		}
		if deleted {
			n++
		}
	}
	return n, nil
}

// submit stores r as a pending review. shared says r.ID is bound to an
// idempotency key, so concurrent requests with that key may store it too.
func (s *Store) submit(ctx context.Context, r *registry.Review, shared bool) (*registry.SubmitResult, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	r.CreatedAt, r.UpdatedAt = now, now
	r.Status, r.Version = registry.StatusPending, 1
	doc := toReviewDoc(r)
	doc.Act = claimID(r.ReviewerRef, r.ProductID)
	doc.Auto = !s.opts.Moderation
	if s.opts.Moderation {
		doc.QFlags = queueFlags(r) // for the queue's filters; a review published at once needs none
	}
	// One submission per reviewer at a time in this process, checked
	// against their pending reviews before anything is written; then the
	// queue's order, then the review with its slot and list entry in one
	// write (reviewers.go). A crash before that write leaves a queue entry
	// that leads nowhere, never a stored review the queue does not list.
	st, err := s.enterQueue(ctx, doc)
	if err != nil {
		return nil, err
	}
	defer st.submit.Unlock()
	if err := s.storePending(ctx, st, doc); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return nil, translate(err, "review")
		}
		// Either this very review is stored (a concurrent retry with the same
		// idempotency key won) or the reviewer has another pending review.
		if err := s.dequeue(ctx, doc.QSeq, doc.ID); err != nil {
			return nil, err
		}
		if existing, err := s.Review(ctx, r.ID); err == nil {
			return s.finishRetry(ctx, existing)
		}
		other, err := s.pendingOf(ctx, r.ReviewerRef, r.ProductID, r.ID)
		if err != nil {
			return nil, err
		}
		return nil, errActive(registry.StatusPending, other)
	}
	r.CreatedAt, r.UpdatedAt = doc.CreatedAt, doc.UpdatedAt // as the queue dated it
	if err := s.crashPoint(stepStored, r.ID); err != nil {
		return nil, err
	}
	if err := s.checkClaim(ctx, r.ReviewerRef, r.ProductID, r.ID, r.Revises); err != nil {
		if derr := s.discardQueued(ctx, doc); derr != nil {
			return nil, derr
		}
		return nil, err
	}
	// Another request with the same key may have stored this review and
	// moved it out of the queue already: then this insert put a second copy
	// there, and that request, not this one, created the review.
	if shared {
		var moved reviewDoc
		if err := s.db.Collection(colReviews).FindOne(ctx, byID(r.ID)).Decode(&moved); err == nil {
			if derr := s.discardQueued(ctx, doc); derr != nil {
				return nil, derr
			}
			return s.finishRetry(ctx, moved.review())
		} else if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, translate(err, "review")
		}
	}
	if !s.opts.Moderation {
		published, err := s.Transition(ctx, r.ID, registry.StatusPublished, "", "")
		if registry.ErrorCode(err) == registry.ECONFLICT {
			// A concurrent retry with the same key published it: this
			// request still created it.
			if existing, rerr := s.Review(ctx, r.ID); rerr == nil && existing.Status == registry.StatusPublished {
				return &registry.SubmitResult{Review: existing, Created: true}, nil
			}
			// A publication of the reviewer's other review won the race
			// with this one: this one must not stay behind as pending.
			if derr := s.discardQueued(ctx, doc); derr != nil {
				return nil, derr
			}
		}
		if err != nil {
			return nil, err
		}
		return &registry.SubmitResult{Review: published, Created: true}, nil
	}
	return &registry.SubmitResult{Review: r, Created: true}, nil
}

// finishRetry answers a retried submission with the review the first
// request stored. With moderation off, a first request that stopped between
// storing the review and publishing it is finished here, so the retry gets
// what the first request would have.
func (s *Store) finishRetry(ctx context.Context, existing *registry.Review) (*registry.SubmitResult, error) {
	if s.opts.Moderation || existing.Status != registry.StatusPending {
		return &registry.SubmitResult{Review: existing}, nil
	}
	published, err := s.Transition(ctx, existing.ID, registry.StatusPublished, "", "")
	if registry.ErrorCode(err) == registry.ECONFLICT {
		// Published meanwhile by a concurrent retry.
		if existing, err = s.Review(ctx, existing.ID); err != nil {
			return nil, err
		}
		return &registry.SubmitResult{Review: existing}, nil
	}
	if err != nil {
		return nil, err
	}
	return &registry.SubmitResult{Review: published}, nil
}

// checkClaim returns ECONFLICT if the reviewer has a published review of the
// product other than ownID and revised (the review a revision revises, ""
// for none). A claim whose review is no longer published is stale and
// ignored.
func (s *Store) checkClaim(ctx context.Context, reviewerRef, productID, ownID, revised string) error {
	var c claimDoc
	err := s.db.Collection(colClaims).FindOne(ctx, byID(claimID(reviewerRef, productID))).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && (c.ReviewID == ownID || (revised != "" && c.ReviewID == revised))) {
		return nil
	} else if err != nil {
		return translate(err, "claim")
	}
	var prev reviewDoc
	err = s.db.Collection(colReviews).FindOne(ctx, byID(c.ReviewID)).Decode(&prev)
	switch {
	case err == nil && prev.Status == registry.StatusPublished:
		return errActive(prev.Status, c.ReviewID)
	case err != nil && !errors.Is(err, mongo.ErrNoDocuments):
		return translate(err, "review")
	}
	return nil
}

// takeClaim records that d, about to be published, is its author's one
// published review of the product. A stale claim is taken over. The caller
// holds the product's write gate.
func (s *Store) takeClaim(ctx context.Context, d *reviewDoc) error {
	id := claimID(d.ReviewerRef, d.ProductID)
	coll := s.db.Collection(colClaims)
	_, err := coll.InsertOne(ctx, claimDoc{ID: id, ReviewID: d.ID})
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return translate(err, "claim")
	}
	var c claimDoc
	if err := coll.FindOne(ctx, byID(id)).Decode(&c); err != nil {
		return translate(err, "claim")
	}
	if c.ReviewID == d.ID {
		return nil
	}
	// A revision takes over the claim of the review it revises.
	if err := s.checkClaim(ctx, d.ReviewerRef, d.ProductID, d.ID, d.Revises); err != nil {
		return registry.Errorf(registry.ECONFLICT, "The reviewer already has a published review of this product.")
	}
	s.beforeWrite(colClaims, id)
	res, err := coll.ReplaceOne(ctx, s.guarded(id, bson.E{Key: "r", Value: c.ReviewID}), claimDoc{ID: id, ReviewID: d.ID})
	if err != nil {
		return translate(err, "claim")
	}
	if res.MatchedCount == 0 {
		return registry.Errorf(registry.ECONFLICT, "The reviewer already has a published review of this product.")
	}
	return nil
}

// releaseClaim frees the claim held by a review that is no longer
// published. The caller holds the product's write gate.
func (s *Store) releaseClaim(ctx context.Context, d *reviewDoc) error {
	id := claimID(d.ReviewerRef, d.ProductID)
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

// reviewDoc reads a review from the reviews collection, or from the queue
// while it is pending. The reviews collection is read first: during a
// move out of the queue it holds the newer state. A move inserts into the
// reviews collection before it deletes from the queue, so a review missed in
// both (moved between the two reads) is found by reading the reviews again.
func (s *Store) reviewDoc(ctx context.Context, id string) (*reviewDoc, error) {
	if !isReviewID(id) {
		// A reviewer's slot or list entry shares the queue collection.
		return nil, registry.Errorf(registry.ENOTFOUND, "Review %q not found.", id)
	}
	for _, coll := range []string{colReviews, colQueue, colReviews} {
		var d reviewDoc
		err := s.db.Collection(coll).FindOne(ctx, byID(id)).Decode(&d)
		if err == nil {
			d.Act = ""
			return &d, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, translate(err, "review")
		}
	}
	return nil, registry.Errorf(registry.ENOTFOUND, "Review %q not found.", id)
}

// Transition moves a review to status "to" if its current status allows it.
// Under the product's write gate (PolicyGate), and by unique keys and
// conditional filters (PolicyConditional), only one of two concurrent
// transitions wins: a retried publish or reject returns ECONFLICT and counts
// nothing twice.
//
// authorRef, when not empty, is the caller's reviewer reference: only the
// author withdraws a review, and nobody publishes or rejects their own.
func (s *Store) Transition(ctx context.Context, id, to, authorRef, reason string) (*registry.Review, error) {
	return s.transitionWith(ctx, id, to, authorRef, reason, nil)
}

// transitionWith is Transition with a step that may change the review, or
// refuse the change, under the product's write gate before anything is
// written (prepare, nil for none; a publication's redactions, redact.go).
func (s *Store) transitionWith(ctx context.Context, id, to, authorRef, reason string, prepare func(*reviewDoc) error) (*registry.Review, error) {
	before, err := s.reviewDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayTransition(before, to, authorRef); err != nil {
		return nil, err
	}
	d, marker, err := s.transition(ctx, before.ProductID, id, to, reason, prepare)
	if err != nil {
		return nil, err
	}
	// Outside the product's gate: a review that left the queue has its
	// queue entry marked gone and its author's slot freed (queueexit.go).
	// Before the marker goes, so repair finishes it if this stops half-way.
	if err := s.leftQueue(ctx, before); err != nil {
		return nil, err
	}
	// A review withdrawn or taken down drops its pending revision
	// (revisions.go).
	if before.Status == registry.StatusPublished {
		if err := s.dropRevision(ctx, d); err != nil {
			return nil, err
		}
	}
	if _, err := s.db.Collection(colMarkers).DeleteOne(ctx, byID(marker)); err != nil {
		return nil, translate(err, "marker")
	}
	return d.review(), nil
}

// transition changes the status and applies the derived updates, under the
// product's write gate. A marker written first lets start-up repair finish
// the job if the process dies half-way.
//
// It returns the id of its marker, which the caller removes once the
// transition is complete. A transition refused before the status changed
// removes its marker itself; one that failed after keeps it, for repair.
// Each attempt has a marker of its own, so a losing attempt never removes a
// winner's.
func (s *Store) transition(ctx context.Context, productID, id, to, reason string, prepare func(*reviewDoc) error) (*reviewDoc, string, error) {
	unlock, err := s.db.LockContext(ctx, productLock(productID))
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	d, err := s.reviewDoc(ctx, id) // re-read under the gate
	if err != nil {
		return nil, "", err
	}
	from := d.Status
	if !registry.CanTransition(from, to) {
		return nil, "", registry.Errorf(registry.ECONFLICT, "The review is %s; it cannot become %s.", from, to)
	}
	if prepare != nil {
		if err := prepare(d); err != nil {
			return nil, "", err
		}
	}
	// A revision's publication supersedes the review it revises, which
	// must still be published (revisions.go).
	var prev *reviewDoc
	if to == registry.StatusPublished && d.Revises != "" {
		if prev, err = s.revisedByPublication(ctx, d); err != nil {
			return nil, "", err
		}
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	marker := markerDoc{ID: id + "|" + to + "|" + newID(), ReviewID: id, ProductID: d.ProductID, CreatedAt: now}
	if _, err := s.db.Collection(colMarkers).InsertOne(ctx, marker); err != nil {
		return nil, "", translate(err, "marker")
	}
	refused := func(err error) (*reviewDoc, string, error) {
		if _, derr := s.db.Collection(colMarkers).DeleteOne(ctx, byID(marker.ID)); derr != nil {
			return nil, "", translate(derr, "marker")
		}
		return nil, "", err
	}
	if to == registry.StatusPublished {
		if err := s.takeClaim(ctx, d); err != nil {
			return refused(err)
		}
	}
	d.Status, d.UpdatedAt, d.Version = to, now, d.Version+1
	set := bson.D{{Key: "st", Value: to}, {Key: "ut", Value: now}, {Key: "vn", Value: d.Version}}
	if to == registry.StatusPublished {
		d.PublishedAt = &now
		set = append(set, bson.E{Key: "pt", Value: now})
	}
	if to == registry.StatusRejected {
		d.RejectReason = reason
		set = append(set, bson.E{Key: "rr", Value: reason})
	}
	if from == registry.StatusPending {
		// Move out of the queue: the insert decides between concurrent
		// transitions (unique _id), then the queue entry goes.
		if _, err := s.db.Collection(colReviews).InsertOne(ctx, d); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return refused(registry.Errorf(registry.ECONFLICT, "The review changed state while this request ran; fetch it again."))
			}
			return refused(translate(err, "review"))
		}
		if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(id)); err != nil {
			return nil, "", translate(err, "queue")
		}
	} else {
		s.beforeWrite(colReviews, id)
		res, err := s.db.Collection(colReviews).UpdateOne(ctx, s.guarded(id, bson.E{Key: "st", Value: from}), bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return refused(translate(err, "review"))
		}
		if res.MatchedCount == 0 {
			return refused(registry.Errorf(registry.ECONFLICT, "The review changed state while this request ran; fetch it again."))
		}
	}
	if s.afterTransition != nil {
		if err := s.afterTransition(id); err != nil {
			return nil, "", err
		}
	}
	if prev != nil {
		if prev, err = s.supersede(ctx, prev, d, now); err != nil {
			return nil, "", err
		}
	}
	if to == registry.StatusPublished {
		// Public with the product's next release (release.go), which
		// takes the superseded review's answers out at the same time.
		if err := s.recordChange(ctx, d, prev); err != nil {
			return nil, "", err
		}
	}
	if from == registry.StatusPublished {
		// A revision withdrawn or taken down takes the review it
		// superseded with it, out of the listing at once.
		superseded, err := s.unsupersede(ctx, d, now)
		if err != nil {
			return nil, "", err
		}
		// Out of the listing at once, the author's right; out of the
		// statistics with the next release.
		if err := s.unlistReview(ctx, d); err != nil {
			return nil, "", err
		}
		if err := s.recordChange(ctx, d, superseded); err != nil {
			return nil, "", err
		}
		if err := s.releaseClaim(ctx, d); err != nil {
			return nil, "", err
		}
	}
	return d, marker.ID, nil
}
