package mongodb

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Deleting an account (DELETE /api/v1/me), docs/storage.md "Delete an
// account". The write order:
//
//  1. the account is marked (del: the choice for its reviews and when) and
//     its password hash dropped: from then on its sessions and tokens fail
//     at their next read on every node (this node forgets them at once),
//     and it cannot sign in;
//  2. each of its reviews, found through its own list and its pending
//     slots (reviewers.go), is detached (detachReview): pending reviews,
//     and with "withdraw" published ones, are withdrawn through the
//     ordinary transition; a review that no longer counts anywhere (not
//     published, never public or already out of the statistics) is
//     deleted; any other (a published review kept, or a withdrawn one
//     whose answers leave the statistics with the next release) gets a
//     fresh random reviewer reference of its own, in the review, its
//     waiting change and its claim, and a withdrawn one loses its free
//     text;
//  3. its sessions, personal tokens (token and public id) and keyring, the
//     invitations it made, the sign-in record of its handle and its review
//     drafts (each draft, then their index: drafts.go) are deleted;
//  4. once no node can still hold one of its credentials in its cache
//     (at once under PolicyGate, one process; otherwise the credential
//     cache's lifetime after the mark, else the next repair does it), its
//     drafts once more (a save that was past its credential check at the
//     mark), its pending slots and list entries and finally the account
//     are deleted.
//
// Every step is idempotent and reads what it changes, so a deletion cut
// short (a crash, an error, a request's deadline) is finished by running it
// again: repair does that for every marked account (resumeDeletions).

// deletionDoc marks an account being deleted.
type deletionDoc struct {
	Mode string    `bson:"m"` // registry.DeleteWithdraw or DeleteKeep
	At   time.Time `bson:"t"`
}

// DeleteAccount deletes p's account after checking its password; mode says
// what becomes of its reviews. A wrong password counts like a failed
// sign-in (the lockout applies).
func (s *Store) DeleteAccount(ctx context.Context, p *registry.Principal, mode, password string) error {
	if p.AccountID == "" {
		return errNoAccount()
	}
	if !slices.Contains(registry.DeleteModes, mode) {
		return registry.Invalid("The choice for the reviews is not known.", registry.FieldError{Field: "reviews", Message: "must be one of: withdraw, keep"})
	}
	a, err := s.account(ctx, p)
	if err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, p, a, password, "password", "The password is wrong."); err != nil {
		return err
	}
	if err := s.markDeleting(ctx, a, mode, s.now()); err != nil {
		return err
	}
	return s.finishDeletion(ctx, a.ID)
}

// markDeleting is step 1: the mark and the password hash dropped,
// conditional on the account read (another deletion or a password change
// meanwhile is ECONFLICT); then this node forgets the account's
// credentials.
func (s *Store) markDeleting(ctx context.Context, a *accountDoc, mode string, now time.Time) error {
	err := func() error {
		unlock, err := s.db.LockContext(ctx, colAccounts+"/"+a.ID)
		if err != nil {
			return err
		}
		defer unlock()
		cur, err := s.readAccountDoc(ctx, a.ID)
		if err != nil {
			return err
		}
		if cur.AID != a.AID || cur.Gen != a.Gen || cur.Deleting != nil {
			return registry.Errorf(registry.ECONFLICT, "The account changed while this request ran; sign in again.")
		}
		set := bson.D{{Key: "$set", Value: bson.D{{Key: "del", Value: deletionDoc{Mode: mode, At: now.UTC()}}, {Key: "pw", Value: ""}}}}
		res, err := s.db.Collection(colAccounts).UpdateOne(ctx, s.guarded(a.ID, bson.E{Key: "aid", Value: a.AID}, bson.E{Key: "gen", Value: a.Gen}), set)
		if err != nil {
			return translate(err, "account")
		}
		if res.MatchedCount == 0 {
			return registry.Errorf(registry.ECONFLICT, "The account changed while this request ran; sign in again.")
		}
		return nil
	}()
	if err != nil {
		return err
	}
	k, err := s.readKeyring(ctx, a.AID)
	if err != nil {
		return err
	}
	for _, e := range append(k.Sessions, k.Tokens...) {
		s.tokens.drop(e.Hash)
	}
	return s.deletionStep("marked")
}

// deletionStep runs the test hook of a deletion step, if any.
func (s *Store) deletionStep(step string) error {
	if s.duringDeletion == nil {
		return nil
	}
	return s.duringDeletion(step)
}

// finishDeletion carries out steps 2 to 4 for the marked account with this
// _id; nothing when there is none (finished already) or it is not marked.
func (s *Store) finishDeletion(ctx context.Context, key string) error {
	a, err := s.readAccountDoc(ctx, key)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if a.Deleting == nil {
		return nil
	}
	ref := s.accountRef(a.AID)
	listed, err := s.nextListIndex(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.detachReviews(ctx, ref, listed, a.Deleting.Mode); err != nil {
		return err
	}
	if err := s.deletionStep("reviews"); err != nil {
		return err
	}
	if err := s.deleteCredentials(ctx, a); err != nil {
		return err
	}
	if err := s.deletionStep("credentials"); err != nil {
		return err
	}
	if !s.db.policy.oneProcess() && s.now().Before(a.Deleting.At.Add(s.tokens.ttl)) {
		// Another node may still trust one of its credentials for a
		// moment (and take a review under its reference): repair finishes.
		return nil
	}
	// A request that was past its credential check when the account was
	// marked may have stored a review since the reviews were detached:
	// detach again (it is idempotent) before the lists go. This narrows
	// that window to the last step's few writes; it does not close it.
	again, err := s.nextListIndex(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.detachReviews(ctx, ref, again, a.Deleting.Mode); err != nil {
		return err
	}
	listed = max(listed, again)
	// Likewise a draft saved since step 3.
	if err := s.deleteDrafts(ctx, a.AID); err != nil {
		return err
	}
	for k := range s.opts.MaxPending {
		if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(slotID(ref, k))); err != nil {
			return translate(err, "queue")
		}
	}
	for n := listed - 1; n >= 0; n-- { // newest first: a crash leaves a prefix, which nextListIndex finds
		if _, err := s.db.Collection(colQueue).DeleteOne(ctx, byID(listID(ref, n))); err != nil {
			return translate(err, "queue")
		}
	}
	s.reviewerStates.forget(ref)
	_, err = s.db.Collection(colAccounts).DeleteOne(ctx, s.guarded(a.ID, bson.E{Key: "aid", Value: a.AID}))
	return translate(err, "account")
}

// detachReviews detaches every review of the reviewer: those in its list
// (listed entries) and any held in its pending slots.
func (s *Store) detachReviews(ctx context.Context, ref string, listed int, mode string) error {
	var ids []string
	for n := range listed {
		var e listDoc
		err := s.db.Collection(colQueue).FindOne(ctx, byID(listID(ref, n))).Decode(&e)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		} else if err != nil {
			return translate(err, "queue")
		}
		ids = append(ids, e.ReviewID)
	}
	slots := make([]heldSlot, s.opts.MaxPending)
	if err := s.readSlots(ctx, ref, slots); err != nil {
		return err
	}
	for _, h := range slots {
		if h.reviewID != "" && !slices.Contains(ids, h.reviewID) {
			ids = append(ids, h.reviewID)
		}
	}
	for _, id := range ids {
		if err := s.detachReview(ctx, ref, id, mode); err != nil {
			return err
		}
	}
	return nil
}

// detachReview is step 2 for one review of the reviewer ref; idempotent.
func (s *Store) detachReview(ctx context.Context, ref, id, mode string) error {
	d, err := s.reviewDoc(ctx, id)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	withdraw := id
	if d.Status == registry.StatusSuperseded && d.SupersededBy != "" {
		// A superseded review is withdrawn with the revision that
		// superseded it (it cannot be withdrawn on its own): withdrawing
		// that one first leaves this one withdrawn, out of the listing.
		withdraw = d.SupersededBy
	}
	if d.ReviewerRef == ref && (d.Status == registry.StatusPending ||
		(d.Status == registry.StatusPublished || d.Status == registry.StatusSuperseded) && mode == registry.DeleteWithdraw) {
		_, err := s.Transition(ctx, withdraw, registry.StatusWithdrawn, ref, "")
		switch code := registry.ErrorCode(err); {
		case err == nil, code == registry.ECONFLICT: // ECONFLICT: moderated meanwhile
		case withdraw != id && (code == registry.ENOTFOUND || code == registry.EFORBIDDEN):
			// The revision is gone, or already detached.
		default:
			return err
		}
		if err := s.deletionStep("withdrawn"); err != nil {
			return err
		}
	}
	unlock, err := s.db.LockContext(ctx, productLock(d.ProductID))
	if err != nil {
		return err
	}
	defer unlock()
	if d, err = s.reviewDoc(ctx, id); registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if d.Status == registry.StatusPending {
		return registry.Errorf(registry.EUNAVAILABLE, "A review of the account is still pending; try again.")
	}
	// A release being applied names its reviews: finish it first, so that
	// whether this one still counts is settled.
	idx, err := s.index(ctx, d.ProductID)
	if err != nil {
		return err
	}
	if idx.Applying != nil {
		if _, err := s.finishReleases(ctx, d.ProductID, idx); err != nil {
			return err
		}
		if d, err = s.reviewDoc(ctx, id); err != nil {
			return err
		}
	}
	if d.Status != registry.StatusPublished && !d.inPublicStats() {
		// Counts nowhere and waits for nothing: gone.
		if err := s.releaseClaim(ctx, d); err != nil {
			return err
		}
		_, err := s.db.Collection(colReviews).DeleteOne(ctx, byID(id))
		return translate(err, "review")
	}
	if d.ReviewerRef == ref {
		// The two halves of a revision pair still in play (a superseded
		// review still public and the published revision that replaces it
		// with the next release) share their new reference, whichever is
		// detached first: the pair stays one reviewer's change for the
		// release rule, and the release takes it whole.
		to := ""
		partner, err := s.pairPartner(ctx, d)
		if err != nil {
			return err
		}
		if partner != nil && partner.ReviewerRef != ref {
			to = partner.ReviewerRef
		}
		if err := s.rereference(ctx, d, to); err != nil {
			return err
		}
		if err := s.deletionStep("rereferenced"); err != nil {
			return err
		}
	}
	if err := s.followReference(ctx, d); err != nil {
		return err
	}
	if d.Status == registry.StatusPublished {
		// The claim under the new reference, then the old one gone.
		_, err := s.db.Collection(colClaims).InsertOne(ctx, claimDoc{ID: claimID(d.ReviewerRef, d.ProductID), ReviewID: d.ID})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return translate(err, "claim")
		}
	}
	return s.releaseClaim(ctx, &reviewDoc{ID: d.ID, ProductID: d.ProductID, ReviewerRef: ref})
}

// rereference gives review d (of the account being deleted) the reviewer
// reference to, or when to is empty a fresh random one of its own; a
// review that is no longer published also loses its free text (its
// answers and context stay while they leave the statistics), unless it is
// still listed (a superseded review until the release that replaces it:
// the listing is derived from it): that one is marked (dx) and loses it
// with that release (markRelease). The caller holds the product's gate.
func (s *Store) rereference(ctx context.Context, d *reviewDoc, to string) error {
	old := d.ReviewerRef
	if to == "" {
		// Keyed like every reference, from random bytes: it looks like
		// any other and leads nowhere.
		to = s.reviewerRef("detached\x00" + newID() + newID())
	}
	d.ReviewerRef = to
	set := bson.D{{Key: "by", Value: d.ReviewerRef}}
	switch {
	case d.listed() && d.Status != registry.StatusPublished:
		d.Detached = true
		set = append(set, bson.E{Key: "dx", Value: true})
	case d.Status != registry.StatusPublished:
		set = append(set, d.dropText()...)
	}
	s.beforeWrite(colReviews, d.ID)
	res, err := s.db.Collection(colReviews).UpdateOne(ctx, s.guarded(d.ID, bson.E{Key: "by", Value: old}), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return translate(err, "review")
	}
	if res.MatchedCount == 0 {
		return errBusy // changed meanwhile: the deletion is tried again
	}
	return nil
}

// dropText empties review d's free text (summary, comments, evidence,
// conflict details, subject and setting, which no statistic uses) and
// returns the $set that stores it so.
func (d *reviewDoc) dropText() bson.D {
	for i := range d.Answers {
		d.Answers[i].Comment, d.Answers[i].Evidence = "", nil
	}
	d.Summary, d.Conflict.Details, d.Reviewer.Subject, d.Reviewer.Setting = "", "", "", ""
	return bson.D{{Key: "sum", Value: ""}, {Key: "a", Value: d.Answers},
		{Key: "coi.x", Value: ""}, {Key: "ctx.subject", Value: ""}, {Key: "ctx.setting", Value: ""}}
}

// pairPartner returns the other half of review d's revision pair while the
// pair is in play: for a superseded review still public, the published
// revision that superseded it; for a published revision, the review it
// superseded while that one is still public. Nil otherwise.
func (s *Store) pairPartner(ctx context.Context, d *reviewDoc) (*reviewDoc, error) {
	var other string
	switch {
	case d.Status == registry.StatusSuperseded && d.inPublicStats():
		other = d.SupersededBy
	case d.Status == registry.StatusPublished:
		other = d.Revises
	}
	if other == "" {
		return nil, nil
	}
	p, err := s.reviewDoc(ctx, other)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	switch {
	case d.Status == registry.StatusSuperseded && p.Status == registry.StatusPublished && p.Revises == d.ID:
		return p, nil
	case d.Status == registry.StatusPublished && p.Status == registry.StatusSuperseded && p.SupersededBy == d.ID && p.inPublicStats():
		return p, nil
	}
	return nil, nil
}

// followReference makes the product's waiting changes (and a release being
// applied) name review d's author as d does now. The caller holds the
// product's gate.
func (s *Store) followReference(ctx context.Context, d *reviewDoc) error {
	fix := func(cs []changeDoc) bool {
		changed := false
		for i := range cs {
			if cs[i].Review == d.ID && cs[i].By != d.ReviewerRef {
				cs[i].By, changed = d.ReviewerRef, true
			}
		}
		return changed
	}
	_, err := s.updateIndex(ctx, d.ProductID, func(idx *indexDoc) (bool, error) {
		changed := fix(idx.Waiting)
		if idx.Applying != nil && fix(idx.Applying.Changes) {
			changed = true
		}
		return changed, nil
	})
	return err
}

// deleteCredentials is step 3: the account's sessions, personal tokens and
// keyring, the invitations it made, its handle's sign-in record and its
// review drafts.
func (s *Store) deleteCredentials(ctx context.Context, a *accountDoc) error {
	k, err := s.readKeyring(ctx, a.AID)
	if err != nil {
		return err
	}
	var sessions []string
	for _, e := range k.Sessions {
		sessions = append(sessions, e.Hash)
	}
	if err := s.endSessions(ctx, sessions); err != nil {
		return err
	}
	for _, e := range k.Tokens {
		s.tokens.drop(e.Hash)
		if _, err := s.db.Collection(colTokens).DeleteOne(ctx, byID(e.Hash)); err != nil {
			return translate(err, "token")
		}
		if _, err := s.db.Collection(colTokenIDs).DeleteOne(ctx, byID(s.tokenPublicID(e.Hash))); err != nil {
			return translate(err, "token")
		}
	}
	if _, err := s.db.Collection(colKeyrings).DeleteOne(ctx, byID(a.AID)); err != nil {
		return translate(err, "keyring")
	}
	owner := (&registry.Principal{AccountID: a.AID}).Actor()
	if _, err := s.db.Collection(colInvitations).DeleteMany(ctx, bson.D{{Key: "own", Value: owner}}); err != nil {
		return translate(err, "invitations")
	}
	if _, err := s.db.Collection(colLogins).DeleteOne(ctx, byID(s.loginKey(a.ID))); err != nil {
		return translate(err, "logins")
	}
	return s.deleteDrafts(ctx, a.AID)
}

// resumeDeletions finishes the deletions of accounts marked at least
// minAge ago (all with 0). It filters the accounts collection (small: one
// document per account), so it runs only in repair.
func (s *Store) resumeDeletions(ctx context.Context, minAge time.Duration) error {
	cur, err := s.db.Collection(colAccounts).Find(ctx, bson.D{{Key: "del", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return translate(err, "accounts")
	}
	var docs []accountDoc
	if err := cur.All(ctx, &docs); err != nil {
		return translate(err, "accounts")
	}
	for _, a := range docs {
		if a.Deleting == nil || minAge > 0 && s.now().Sub(a.Deleting.At) < minAge {
			continue
		}
		if err := s.finishDeletion(ctx, a.ID); err != nil {
			return err
		}
	}
	return nil
}
