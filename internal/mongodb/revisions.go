package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the revision service.
var _ registry.RevisionService = (*Store)(nil)

// Revisions: a review's author edits it (docs/storage.md, "Revise a
// review").
//
//   - A pending review is changed in place in the queue, under the
//     product's write gate (a moderator's publication re-reads it under the
//     same key); its queue entry's flags (identity hints, conflict) are then
//     written again, so the queue's filters follow the new text.
//   - A published review gets a revision: a review of its own (a new random
//     id) that refers to it (Revises), submitted like any review (the
//     queue's order, its author's slot and list entry, the one pending
//     review per reviewer and product). Its author's claim on the product
//     stays with the published review until the revision is published. A
//     second edit while the revision is pending changes the revision in
//     place.
//   - Publishing the revision supersedes the review it revises: the
//     revision takes the claim, is stored as published, and the old review
//     becomes superseded (still listed and counted); the revision's +1 and
//     the old review's -1 wait as one pair (changeDoc.Pair) that a release
//     takes whole, so one release moves the listing and the statistics from
//     the old text and answers to the new.
//   - Withdrawing or taking down the published review drops its pending
//     revision; withdrawing or taking down a published revision takes the
//     review it superseded with it (out of the listing at once).
//   - A published review whose own predecessor still waits to leave the
//     public state (the previous edit not yet released) cannot be edited
//     until that release: so at most two versions of a review are ever in
//     play, and a pair is always a revision and the review it revises.

// errNotOwn is the answer to anyone but a review's author: as if the review
// did not exist.
func errNotOwn(id string) error {
	return registry.Errorf(registry.ENOTFOUND, "Review %q not found.", id)
}

// ownDoc reads review id for its author.
func (s *Store) ownDoc(ctx context.Context, id, authorRef string) (*reviewDoc, error) {
	d, err := s.reviewDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	if authorRef == "" || d.ReviewerRef != authorRef {
		return nil, errNotOwn(id)
	}
	return d, nil
}

// pendingRevision returns the pending revision of published review d, nil
// when it has none. It reads its author's pending slots by _id (one pending
// review per reviewer and product, so a pending review of the product that
// revises d is its revision).
func (s *Store) pendingRevision(ctx context.Context, d *reviewDoc) (*reviewDoc, error) {
	if d.Next != "" {
		q, err := s.queued(ctx, d.Next)
		if err != nil || (q != nil && q.Revises == d.ID) {
			return q, err
		}
	}
	id, err := s.pendingOf(ctx, d.ReviewerRef, d.ProductID, d.ID)
	if err != nil || id == "" {
		return nil, err
	}
	q, err := s.queued(ctx, id)
	if err != nil || q == nil || q.Revises != d.ID {
		return nil, err
	}
	return q, nil
}

// OwnReview returns review id as its author sees it: the review, where it
// stands with the public, and its pending revision or, failing that, its
// latest revision if a moderator rejected it.
func (s *Store) OwnReview(ctx context.Context, id, authorRef string) (*registry.OwnReview, error) {
	d, err := s.ownDoc(ctx, id, authorRef)
	if err != nil {
		return nil, err
	}
	pub, err := s.Publication(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &registry.OwnReview{Review: d.review(), Publication: pub}
	if d.Status != registry.StatusPublished {
		return out, nil
	}
	rev, err := s.pendingRevision(ctx, d)
	if err != nil {
		return nil, err
	}
	if rev == nil && d.Next != "" {
		last, err := s.reviewDoc(ctx, d.Next)
		switch {
		case err == nil && last.Revises == d.ID && last.Status == registry.StatusRejected:
			rev = last
		case err != nil && registry.ErrorCode(err) != registry.ENOTFOUND:
			return nil, err
		}
	}
	if rev != nil {
		rev.Act = ""
		out.Revision = rev.review()
	}
	return out, nil
}

// unchangedOwn answers a retried edit that changed nothing: the review as
// its author sees it now, marked Unchanged.
func (s *Store) unchangedOwn(ctx context.Context, id, authorRef string) (*registry.OwnReview, error) {
	own, err := s.OwnReview(ctx, id, authorRef)
	if err == nil {
		own.Unchanged = true
	}
	return own, err
}

// errChangedSince refuses an edit whose review changed since its author
// read it (registry.EditVersion).
func errChangedSince() error {
	return registry.Errorf(registry.EPRECONDITION, "The review changed since you read it; read it again and edit what it says now.")
}

// ReviseReview edits review id for its author (see the top of this file).
// With read, what the edit changes must still be the version read: checked
// first against what was read here (nothing is written for a stale edit),
// then where the write happens — for an edit in place under the product's
// gate and in the write's filter (replacePending), for a new revision by
// the one pending review per reviewer and product and, under the gate, the
// published review's version (createRevision).
func (s *Store) ReviseReview(ctx context.Context, id, authorRef string, r *registry.Review, key, bodyHash string, read *registry.EditVersion) (*registry.OwnReview, error) {
	d, err := s.ownDoc(ctx, id, authorRef)
	if err != nil {
		return nil, err
	}
	var target *reviewDoc // the pending document changed in place
	var refused error
	switch d.Status {
	case registry.StatusPending:
		target = d
	case registry.StatusPublished:
		refused = s.mayRevise(ctx, d)
		if refused == nil {
			if target, err = s.pendingRevision(ctx, d); err != nil {
				return nil, err
			}
		}
	case registry.StatusSuperseded:
		refused = &registry.Error{Code: registry.ECONFLICT, ExistingReview: d.SupersededBy,
			Message: "This review was replaced by its published revision (" + d.SupersededBy + "); edit that one."}
	default:
		refused = registry.Errorf(registry.ECONFLICT, "The review is %s; it cannot be edited.", d.Status)
	}
	if refused != nil {
		// A retry of an edit that was made (and moderated since) is
		// answered with the review as it is now.
		var prev idempotencyDoc
		if key != "" && registry.ErrorCode(refused) == registry.ECONFLICT &&
			s.db.Collection(colIdempotency).FindOne(ctx, byID(idempotencyID(authorRef, key))).Decode(&prev) == nil &&
			prev.Edit == d.ID && s.sameBody(&prev, bodyHash) && s.now().Sub(prev.CreatedAt) < IdempotencyRetention {
			return s.unchangedOwn(ctx, id, authorRef)
		}
		return nil, refused
	}
	if read != nil {
		edited := d
		if target != nil {
			edited = target
		}
		if !read.Matches(edited.ID, edited.Version) {
			return nil, errChangedSince()
		}
	}
	newRevision := ""
	if target == nil {
		newRevision = newID()
	}
	var idemID string
	retry := false // the key was bound by an earlier request
	if key != "" {
		idemID = idempotencyID(authorRef, key)
		written := newRevision
		if target != nil {
			written = target.ID
		}
		prev, err := s.bindRecord(ctx, idempotencyDoc{ID: idemID, ReviewID: written, ProductID: d.ProductID, BodyKey: s.bodyKey(bodyHash), Edit: d.ID})
		if err != nil {
			return nil, err
		}
		if prev != nil {
			retry = true
			if prev.Edit != d.ID || !s.sameBody(prev, bodyHash) {
				return nil, &registry.Error{Code: registry.EINVALID,
					Message: "This Idempotency-Key was already used for a different request.",
					Fields:  []registry.FieldError{{Field: "Idempotency-Key", Message: "already used with another review or body; use a new key"}}}
			}
			// A retry: the same body written again changes nothing; what
			// a moderator did meanwhile stays as it is.
			x, err := s.reviewDoc(ctx, prev.ReviewID)
			switch {
			case err == nil && x.Status != registry.StatusPending:
				return s.unchangedOwn(ctx, id, authorRef)
			case err == nil:
				target, newRevision = x, ""
			case registry.ErrorCode(err) == registry.ENOTFOUND && prev.ReviewID != d.ID:
				// The first request stopped before storing its revision:
				// finish it under the id it reserved.
				target, newRevision = nil, prev.ReviewID
			case registry.ErrorCode(err) == registry.ENOTFOUND:
				return s.unchangedOwn(ctx, id, authorRef)
			default:
				return nil, err
			}
		}
	}
	if target != nil {
		err = s.replacePending(ctx, target, r, read)
	} else {
		err = s.createRevision(ctx, d, r, newRevision, idemID != "", read)
	}
	if err != nil {
		code := registry.ErrorCode(err)
		if idemID != "" && (code == registry.ECONFLICT || code == registry.ETOOMANY || code == registry.EPRECONDITION && !retry) {
			// Refused: the key is not bound to a request that did nothing
			// (a retry's stale version leaves the first request's key).
			_, _ = s.db.Collection(colIdempotency).DeleteOne(ctx, byID(idemID))
		}
		return nil, err
	}
	return s.OwnReview(ctx, id, authorRef)
}

// mayRevise refuses to revise published review d while the review it
// replaced is still public: that edit's release has not come yet.
func (s *Store) mayRevise(ctx context.Context, d *reviewDoc) error {
	if d.Revises == "" {
		return nil
	}
	p, err := s.reviewDoc(ctx, d.Revises)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if p.Status == registry.StatusSuperseded && p.inPublicStats() {
		return registry.Errorf(registry.ECONFLICT,
			"Your last edit of this review becomes public with the product's next release; edit it again after that.")
	}
	return nil
}

// stepEdited is the step of an edit in place at which a test may stop it
// (SetSubmitCrash): the pending review is changed, its queue entry's flags
// not yet.
const stepEdited = "edited"

// replacePending changes pending review target in place to r's content;
// with read, only if target is still the version read (under the gate, and
// in the filter: the version is part of it).
//
// Writes, in order: a marker when the queue entry's flags change; the
// pending document with its version one more (under the product's write
// gate, conditional on the time it was last changed and its version: two
// edits in one millisecond have different versions, and a moderator who
// read the one version publishes or rejects nothing else); the entry's flags in the queue's pages (under
// the queue's key); the marker's removal. A crash after the document leaves
// the marker, and repair (settleQueue) writes the entry's flags from the
// document.
func (s *Store) replacePending(ctx context.Context, target *reviewDoc, r *registry.Review, read *registry.EditVersion) error {
	unlock, err := s.db.LockContext(ctx, productLock(target.ProductID))
	if err != nil {
		return err
	}
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()
	cur, err := s.reviewDoc(ctx, target.ID) // re-read under the gate
	if err != nil {
		return err
	}
	if cur.Status != registry.StatusPending {
		return registry.Errorf(registry.ECONFLICT, "The review was %s while you edited it; fetch it again.", cur.Status)
	}
	q, err := s.queued(ctx, target.ID)
	if err != nil {
		return err
	}
	if q == nil {
		return registry.Errorf(registry.ECONFLICT, "The review was moderated while you edited it; fetch it again.")
	}
	if read != nil && !read.Matches(q.ID, q.Version) {
		return errChangedSince()
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	nd := toReviewDoc(r)
	flags := 0
	if s.opts.Moderation {
		flags = queueFlags(r)
	}
	set := bson.D{
		{Key: "ri", Value: nd.RubricID}, {Key: "rv", Value: nd.RubricVersion}, {Key: "rh", Value: nd.RubricHash},
		{Key: "ctx", Value: nd.Reviewer}, {Key: "use", Value: nd.Usage}, {Key: "a", Value: nd.Answers},
		{Key: "rec", Value: nd.Recommendation}, {Key: "sum", Value: nd.Summary}, {Key: "coi", Value: nd.Conflict},
		{Key: "ut", Value: now}, {Key: "qf", Value: flags}, {Key: "vn", Value: q.Version + 1},
	}
	var marker string
	if flags != q.QFlags {
		m := markerDoc{ID: q.ID + "|edit|" + newID(), ReviewID: q.ID, ProductID: q.ProductID, CreatedAt: now}
		if _, err := s.db.Collection(colMarkers).InsertOne(ctx, m); err != nil {
			return translate(err, "marker")
		}
		marker = m.ID
	}
	dropMarker := func() error {
		if marker == "" {
			return nil
		}
		_, err := s.db.Collection(colMarkers).DeleteOne(ctx, byID(marker))
		return translate(err, "marker")
	}
	s.beforeWrite(colQueue, q.ID)
	res, err := s.db.Collection(colQueue).UpdateOne(ctx, s.guarded(q.ID, bson.E{Key: "ut", Value: q.UpdatedAt}, versionIs(q.Version)), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return translate(err, "queue")
	}
	if res.MatchedCount == 0 {
		if err := dropMarker(); err != nil {
			return err
		}
		if read != nil {
			// Another edit (or a moderator) changed the version read.
			return errChangedSince()
		}
		return registry.Errorf(registry.ECONFLICT, "The review changed while you edited it; fetch it again.")
	}
	unlock()
	locked = false
	if !s.db.policy.serialised() {
		// No gate orders this edit and a moderator's move out of the
		// queue on another node: if the move's insert is already there,
		// the review left the queue with what the moderator read.
		if err := s.db.Collection(colReviews).FindOne(ctx, byID(q.ID)).Err(); err == nil {
			return registry.Errorf(registry.ECONFLICT, "The review was moderated while you edited it; fetch it again.")
		} else if !errors.Is(err, mongo.ErrNoDocuments) {
			return translate(err, "review")
		}
	}
	if marker == "" {
		return nil
	}
	if err := s.crashPoint(stepEdited, q.ID); err != nil {
		return err
	}
	if err := s.setQueueFlags(ctx, q.QSeq, q.ID, flags); err != nil {
		return err
	}
	return dropMarker()
}

// createRevision stores a revision of published review d with r's content
// under id rid, as a submission (reviews.go submit), then records it on d
// for its author's view. shared says rid is bound to an idempotency key.
// If d stopped being published meanwhile (its author withdrew it, a
// moderator took it down), the revision is withdrawn again: a withdrawal
// stores its status before it looks for a pending revision, and this looks
// at d's status after storing the revision, so one of the two sees the
// other. With read (naming d at the version read), a revision stored
// meanwhile by another edit is EPRECONDITION rather than ECONFLICT (the one
// pending review per reviewer and product refuses this one), and so is d
// at another version under the product's gate (then this revision is
// withdrawn again).
func (s *Store) createRevision(ctx context.Context, d *reviewDoc, r *registry.Review, rid string, shared bool, read *registry.EditVersion) error {
	r.ID, r.ProductID, r.ReviewerRef, r.Revises = rid, d.ProductID, d.ReviewerRef, d.ID
	if _, err := s.submit(ctx, r, shared); err != nil {
		if read != nil && registry.ErrorCode(err) == registry.ECONFLICT {
			if rev, rerr := s.pendingRevision(ctx, d); rerr == nil && rev != nil && rev.ID != rid {
				return errChangedSince()
			}
		}
		return err
	}
	unlock, err := s.db.LockContext(ctx, productLock(d.ProductID))
	if err != nil {
		return err
	}
	cur, err := s.reviewDoc(ctx, d.ID)
	if err != nil {
		unlock()
		return err
	}
	if cur.Status != registry.StatusPublished && !(cur.Status == registry.StatusSuperseded && cur.SupersededBy == rid) {
		unlock()
		if _, err := s.Transition(ctx, rid, registry.StatusWithdrawn, "", ""); err != nil && registry.ErrorCode(err) != registry.ECONFLICT {
			return err
		}
		return registry.Errorf(registry.ECONFLICT, "The review is %s; it cannot be edited.", cur.Status)
	}
	if read != nil && !read.Matches(cur.ID, cur.Version) {
		unlock()
		if _, err := s.Transition(ctx, rid, registry.StatusWithdrawn, "", ""); err != nil && registry.ErrorCode(err) != registry.ECONFLICT {
			return err
		}
		return errChangedSince()
	}
	s.beforeWrite(colReviews, d.ID)
	_, err = s.db.Collection(colReviews).UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{{Key: "nx", Value: rid}}}})
	unlock()
	return translate(err, "review")
}

// revisedByPublication returns the review that revision d revises, about to
// be superseded by d's publication: it must still be published. The caller
// holds the product's write gate.
func (s *Store) revisedByPublication(ctx context.Context, d *reviewDoc) (*reviewDoc, error) {
	p, err := s.reviewDoc(ctx, d.Revises)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, registry.Errorf(registry.ECONFLICT, "The review this revision edits does not exist.")
	} else if err != nil {
		return nil, err
	}
	if p.Status != registry.StatusPublished || p.ReviewerRef != d.ReviewerRef || p.ProductID != d.ProductID {
		return nil, registry.Errorf(registry.ECONFLICT, "The review this revision edits is %s; the revision cannot be published.", p.Status)
	}
	return p, nil
}

// supersede marks published review p as superseded by its published
// revision d, conditional on p still being published. It returns p as
// stored, or nil when p changed meanwhile (on another node: a withdrawal,
// which then drops or withdraws d). The caller holds the product's write
// gate.
func (s *Store) supersede(ctx context.Context, p, d *reviewDoc, now time.Time) (*reviewDoc, error) {
	set := bson.D{{Key: "st", Value: registry.StatusSuperseded}, {Key: "sby", Value: d.ID}, {Key: "ut", Value: now}, {Key: "vn", Value: p.Version + 1}}
	s.beforeWrite(colReviews, p.ID)
	res, err := s.db.Collection(colReviews).UpdateOne(ctx, s.guarded(p.ID, bson.E{Key: "st", Value: registry.StatusPublished}), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return nil, translate(err, "review")
	}
	if res.MatchedCount == 0 {
		return nil, nil
	}
	p.Status, p.SupersededBy, p.UpdatedAt, p.Version = registry.StatusSuperseded, d.ID, now, p.Version+1
	return p, nil
}

// unsupersede gives the review that revision d superseded d's new status
// (withdrawn or rejected, with its reason) when d is withdrawn or taken
// down, and takes it out of the listing at once. It returns that review as
// stored, nil when there is none. The caller holds the product's write
// gate.
func (s *Store) unsupersede(ctx context.Context, d *reviewDoc, now time.Time) (*reviewDoc, error) {
	if d.Revises == "" || d.Status == registry.StatusPublished || d.Status == registry.StatusSuperseded {
		return nil, nil
	}
	p, err := s.reviewDoc(ctx, d.Revises)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if p.Status != registry.StatusSuperseded || p.SupersededBy != d.ID {
		return nil, nil
	}
	set := bson.D{{Key: "st", Value: d.Status}, {Key: "ut", Value: now}, {Key: "vn", Value: p.Version + 1}}
	if d.RejectReason != "" {
		set = append(set, bson.E{Key: "rr", Value: d.RejectReason})
	}
	s.beforeWrite(colReviews, p.ID)
	res, err := s.db.Collection(colReviews).UpdateOne(ctx, s.guarded(p.ID, bson.E{Key: "st", Value: registry.StatusSuperseded}), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return nil, translate(err, "review")
	}
	if res.MatchedCount == 0 {
		return nil, nil
	}
	p.Status, p.RejectReason, p.UpdatedAt, p.Version = d.Status, d.RejectReason, now, p.Version+1
	if err := s.unlistReview(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// dropRevision withdraws (or, for a review taken down, rejects) the pending
// revision of review d, which is no longer published. The caller holds no
// gate key.
func (s *Store) dropRevision(ctx context.Context, d *reviewDoc) error {
	if d.Status != registry.StatusWithdrawn && d.Status != registry.StatusRejected {
		return nil
	}
	rev, err := s.pendingRevision(ctx, d)
	if err != nil || rev == nil {
		return err
	}
	reason := ""
	if d.Status == registry.StatusRejected {
		reason = d.RejectReason
	}
	_, err = s.Transition(ctx, rev.ID, d.Status, "", reason)
	if code := registry.ErrorCode(err); code == registry.ECONFLICT || code == registry.ENOTFOUND {
		return nil // moderated or withdrawn meanwhile
	}
	return err
}

// syncRevision finishes the part of an interrupted transition of review id
// that concerns revisions: a revision still pending whose publication
// stopped after it took the claim gives the claim back (syncReview released
// it); a published revision whose publication stopped before it superseded
// the review it revises supersedes it; a revision
// withdrawn or taken down whose transition stopped before the review it
// superseded followed takes it along. The caller holds the product's write
// gate.
func (s *Store) syncRevision(ctx context.Context, id string) error {
	x, err := s.reviewDoc(ctx, id)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil
	} else if err != nil || x.Revises == "" {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	switch x.Status {
	case registry.StatusPending, registry.StatusPublished:
		p, err := s.reviewDoc(ctx, x.Revises)
		if registry.ErrorCode(err) == registry.ENOTFOUND || (err == nil && p.Status != registry.StatusPublished) {
			return nil
		} else if err != nil {
			return err
		}
		if x.Status == registry.StatusPending {
			// A publication stopped after it took the claim over for x:
			// syncReview released it, and the revised review, still
			// published, takes it back.
			return s.takeClaim(ctx, p)
		}
		_, err = s.supersede(ctx, p, x, now)
		return err
	case registry.StatusWithdrawn, registry.StatusRejected:
		_, err := s.unsupersede(ctx, x, now)
		return err
	}
	return nil
}

// dropRevisionOf is dropRevision for review id, for repair.
func (s *Store) dropRevisionOf(ctx context.Context, id string) error {
	d, err := s.reviewDoc(ctx, id)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return s.dropRevision(ctx, d)
}

// setQueueFlags writes the flags of review id's queue entry seq (an edit
// changed its text). It does nothing when the entry is not there, is gone,
// or has them already. The caller holds no gate key.
func (s *Store) setQueueFlags(ctx context.Context, seq int, id string, flags int) error {
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
		if err != nil || p == nil || i >= len(p.Entries) || p.Entries[i].ReviewID != id || p.Entries[i].Gone || p.Entries[i].Flags == flags {
			return err
		}
		p.Entries[i].Flags = flags
		ok, err := s.writeQueuePage(ctx, p)
		if err != nil || ok {
			return err
		}
	}
	return errBusy
}

// versionIs is the filter condition of a write conditional on a review's
// version: a review stored before versions existed has none (0).
func versionIs(v int) bson.E {
	if v == 0 {
		return bson.E{Key: "vn", Value: bson.D{{Key: "$exists", Value: false}}}
	}
	return bson.E{Key: "vn", Value: v}
}
