package mongodb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the draft service.
var _ registry.DraftService = (*Store)(nil)

// Drafts (docs/storage.md, "Drafts"). A review form saved before it was
// submitted is one document of the drafts collection, read by _id: a keyed
// hash of the account and the product, so that neither can be read back
// from it without the store's secret. Beside them, each account with drafts
// has an index document (its _id a keyed hash of the account) listing the
// products it has drafts of: account deletion and export read it instead
// of scanning.
//
// Write order: a save enters the product in the index first, then writes
// the draft, then reads the account again; a deletion deletes the draft
// first, then takes the product out of the index. So every stored draft is
// listed (what account deletion relies on), and a crash between leaves at
// most a listed product without a draft, which reads as none. The account
// read after the write closes the race with the account's deletion: a save
// that passed its credential check just before the deletion's mark may
// write after the deletion deleted the drafts; if that read finds the
// account marked or gone, the save deletes what it wrote (see SaveDraft).
// Every document carries its expiry (x); the periodic sweep deletes those
// past it (PruneDrafts).

// draftDoc is one saved review form.
type draftDoc struct {
	ID        string       `bson:"_id"` // draftKey(account, product)
	ProductID string       `bson:"p"`
	Fields    []draftField `bson:"f"`
	SavedAt   time.Time    `bson:"t"`
	Expires   time.Time    `bson:"x"`
}

// draftField is one field of a saved form. Fields are a list rather than a
// document so that a field's name is never a document key (a "." or "$"
// in it would be an operator or a path).
type draftField struct {
	Name  string `bson:"n"`
	Value string `bson:"v"`
}

// draftIndexDoc lists an account's drafts by product, at most
// registry.MaxDrafts, with a revision for conditional writes. Expires is
// the latest expiry of its entries: once past, the index lists nothing
// live and the sweep deletes it.
type draftIndexDoc struct {
	ID      string       `bson:"_id"` // draftIndexKey(account)
	Entries []draftEntry `bson:"d"`
	Expires time.Time    `bson:"x"`
	Rev     int          `bson:"v"`
}

// draftEntry is one product the account has a draft of, and when it was
// last saved.
type draftEntry struct {
	ProductID string    `bson:"p"`
	SavedAt   time.Time `bson:"t"`
}

// draftKey is the _id of an account's draft of a product.
func (s *Store) draftKey(accountID, productID string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("draft\x00" + accountID + "\x00" + productID))
	return "d" + hex.EncodeToString(m.Sum(nil))[:40]
}

// draftIndexKey is the _id of an account's index of drafts.
func (s *Store) draftIndexKey(accountID string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("drafts\x00" + accountID))
	return "i" + hex.EncodeToString(m.Sum(nil))[:40]
}

// errNoDraft is the answer for a draft there is not.
func errNoDraft() error {
	return registry.Errorf(registry.ENOTFOUND, "There is no draft of this review.")
}

// SaveDraft stores the account's draft of a product (see
// registry.DraftService for the contract).
//
// Writes, in order: the index entry, the draft, then a read of the account.
// An account's deletion marks the account before it deletes the drafts
// (steps 3 and 4, datarights_delete.go), so either that read comes before
// the mark, and the deletion's later reads of the index find this draft,
// or it finds the account marked (or gone, or another account under its
// handle) and this save deletes the draft it wrote, then what the index
// lists and the index, and is EUNAUTHORIZED as any request of a deleted
// account. A crash between the draft's write and that read, with the
// deletion finished meanwhile, leaves a draft of an account that no longer
// exists, which nothing reads and which expires (PruneDrafts).
func (s *Store) SaveDraft(ctx context.Context, p *registry.Principal, productID string, values map[string]string) error {
	if p == nil || p.AccountID == "" {
		return registry.Errorf(registry.ENOTFOUND, "Drafts are kept for accounts only: the credential in use was made without one.")
	}
	accountID := p.AccountID
	if len(values) > registry.MaxDraftFields {
		return registry.Errorf(registry.ETOOLARGE, "A draft holds at most %d fields.", registry.MaxDraftFields)
	}
	if registry.DraftSize(values) > registry.MaxDraftBytes {
		return registry.Errorf(registry.ETOOLARGE, "A draft holds at most %d KiB.", registry.MaxDraftBytes>>10)
	}
	if err := s.ProductExists(ctx, productID); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err := s.updateDraftIndex(ctx, accountID, func(entries []draftEntry) ([]draftEntry, error) {
		live := liveDrafts(entries, now)
		if i := slices.IndexFunc(live, func(e draftEntry) bool { return e.ProductID == productID }); i >= 0 {
			live[i].SavedAt = now
			return live, nil
		}
		if len(live) >= registry.MaxDrafts {
			return nil, registry.Errorf(registry.ETOOMANY, "You have drafts of %d other products; submit some of those reviews first.", len(live))
		}
		return append(live, draftEntry{ProductID: productID, SavedAt: now}), nil
	})
	if err != nil {
		return err
	}
	fields := make([]draftField, 0, len(values))
	for k, v := range values {
		fields = append(fields, draftField{Name: k, Value: v})
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	d := draftDoc{ID: s.draftKey(accountID, productID), ProductID: productID, Fields: fields,
		SavedAt: now, Expires: now.Add(registry.DraftRetention)}
	// The last save wins: a draft is replaced whole, never merged, so no
	// condition is needed; the gate key only keeps two saves on this node
	// from both inserting (an upsert that loses is a duplicate key, tried
	// again as a replacement).
	if err := s.writeDraft(ctx, &d); err != nil {
		return err
	}
	if _, err := s.account(ctx, p); registry.ErrorCode(err) == registry.EUNAUTHORIZED {
		// Deleted (or being deleted) meanwhile: this draft may have come
		// after the deletion's last look at the drafts.
		if _, derr := s.db.Collection(colDrafts).DeleteOne(ctx, byID(d.ID)); derr != nil {
			return translate(derr, "draft")
		}
		if derr := s.deleteDrafts(ctx, accountID); derr != nil {
			return derr
		}
		return err
	} else if err != nil {
		return err
	}
	return nil
}

// writeDraft replaces draft d whole, or inserts it.
func (s *Store) writeDraft(ctx context.Context, d *draftDoc) error {
	unlock, err := s.db.LockContext(ctx, colDrafts+"/"+d.ID)
	if err != nil {
		return err
	}
	defer unlock()
	for range maxWriteAttempts {
		s.beforeWrite(colDrafts, d.ID) // a test lands an account's deletion here
		_, err := s.db.Collection(colDrafts).ReplaceOne(ctx, byID(d.ID), d, options.Replace().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			return translate(err, "draft")
		}
	}
	return errBusy
}

// liveDrafts returns the entries saved within DraftRetention of now.
func liveDrafts(entries []draftEntry, now time.Time) []draftEntry {
	out := make([]draftEntry, 0, len(entries))
	for _, e := range entries {
		if now.Sub(e.SavedAt) < registry.DraftRetention {
			out = append(out, e)
		}
	}
	return out
}

// Draft returns the account's draft of a product (see
// registry.DraftService for the contract).
func (s *Store) Draft(ctx context.Context, accountID, productID string) (*registry.Draft, error) {
	if accountID == "" {
		return nil, errNoDraft()
	}
	d, err := s.readDraft(ctx, s.draftKey(accountID, productID))
	if err != nil {
		return nil, err
	}
	if d == nil || !s.now().Before(d.Expires) {
		return nil, errNoDraft()
	}
	return d.draft(), nil
}

// readDraft reads a draft document; nil when there is none.
func (s *Store) readDraft(ctx context.Context, key string) (*draftDoc, error) {
	var d draftDoc
	err := s.db.Collection(colDrafts).FindOne(ctx, byID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, translate(err, "draft")
	}
	return &d, nil
}

func (d *draftDoc) draft() *registry.Draft {
	out := &registry.Draft{ProductID: d.ProductID, SavedAt: d.SavedAt.UTC(), Values: make(map[string]string, len(d.Fields))}
	for _, f := range d.Fields {
		out.Values[f.Name] = f.Value
	}
	return out
}

// DeleteDraft deletes the account's draft of a product (see
// registry.DraftService for the contract): the draft, then its index
// entry.
func (s *Store) DeleteDraft(ctx context.Context, accountID, productID string) error {
	if accountID == "" {
		return nil
	}
	if _, err := s.db.Collection(colDrafts).DeleteOne(ctx, byID(s.draftKey(accountID, productID))); err != nil {
		return translate(err, "draft")
	}
	return s.updateDraftIndex(ctx, accountID, func(entries []draftEntry) ([]draftEntry, error) {
		return slices.DeleteFunc(entries, func(e draftEntry) bool { return e.ProductID == productID }), nil
	})
}

// readDraftIndex reads an account's index of drafts; an empty one (exists
// false) when it has none.
func (s *Store) readDraftIndex(ctx context.Context, accountID string) (*draftIndexDoc, bool, error) {
	key := s.draftIndexKey(accountID)
	var d draftIndexDoc
	err := s.db.Collection(colDrafts).FindOne(ctx, byID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &draftIndexDoc{ID: key}, false, nil
	} else if err != nil {
		return nil, false, translate(err, "drafts")
	}
	return &d, true, nil
}

// updateDraftIndex applies change to the entries of an account's index of
// drafts and stores the result with the next revision, conditional on the
// one read (under the gate key on the embedded store, in the filter on
// MongoDB, tried again on a clash); an index left empty is deleted. An
// error from change stops the update; a change that changes nothing writes
// nothing.
func (s *Store) updateDraftIndex(ctx context.Context, accountID string, change func([]draftEntry) ([]draftEntry, error)) error {
	for range maxWriteAttempts {
		done, err := s.tryDraftIndex(ctx, accountID, change)
		if err != nil || done {
			return err
		}
	}
	return errBusy
}

func (s *Store) tryDraftIndex(ctx context.Context, accountID string, change func([]draftEntry) ([]draftEntry, error)) (bool, error) {
	key := s.draftIndexKey(accountID)
	unlock, err := s.db.LockContext(ctx, colDrafts+"/"+key)
	if err != nil {
		return false, err
	}
	defer unlock()
	idx, exists, err := s.readDraftIndex(ctx, accountID)
	if err != nil {
		return false, err
	}
	entries, err := change(slices.Clone(idx.Entries))
	if err != nil {
		return false, err
	}
	if slices.Equal(entries, idx.Entries) {
		return true, nil
	}
	c := s.db.Collection(colDrafts)
	rev := idx.Rev
	switch {
	case len(entries) == 0 && !exists:
		return true, nil
	case len(entries) == 0:
		s.beforeWrite(colDrafts, key)
		res, err := c.DeleteOne(ctx, s.guarded(key, bson.E{Key: "v", Value: rev}))
		if err != nil {
			return false, translate(err, "drafts")
		}
		return res.DeletedCount == 1, nil
	}
	expires := time.Time{}
	for _, e := range entries {
		if x := e.SavedAt.Add(registry.DraftRetention); x.After(expires) {
			expires = x
		}
	}
	if !exists {
		_, err := c.InsertOne(ctx, draftIndexDoc{ID: key, Entries: entries, Expires: expires, Rev: rev + 1})
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, translate(err, "drafts")
	}
	s.beforeWrite(colDrafts, key)
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "d", Value: entries}, {Key: "x", Value: expires}, {Key: "v", Value: rev + 1}}}}
	res, err := c.UpdateOne(ctx, s.guarded(key, bson.E{Key: "v", Value: rev}), set)
	if err != nil {
		return false, translate(err, "drafts")
	}
	return res.MatchedCount == 1, nil
}

// exportDrafts returns the account's live drafts, newest first, read
// through its index by _id.
func (s *Store) exportDrafts(ctx context.Context, accountID string) ([]registry.Draft, error) {
	idx, _, err := s.readDraftIndex(ctx, accountID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []registry.Draft{}
	for _, e := range idx.Entries {
		d, err := s.readDraft(ctx, s.draftKey(accountID, e.ProductID))
		if err != nil {
			return nil, err
		}
		if d != nil && now.Before(d.Expires) {
			out = append(out, *d.draft())
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SavedAt.After(out[j].SavedAt) })
	return out, nil
}

// deleteDrafts deletes every draft of an account, then its index: a step
// of an account's deletion (datarights_delete.go), idempotent. A save that
// entered a product in the index after it was read here finds the account
// marked once it has written, and deletes its draft itself (SaveDraft).
func (s *Store) deleteDrafts(ctx context.Context, accountID string) error {
	idx, exists, err := s.readDraftIndex(ctx, accountID)
	if err != nil || !exists {
		return err
	}
	for _, e := range idx.Entries {
		if _, err := s.db.Collection(colDrafts).DeleteOne(ctx, byID(s.draftKey(accountID, e.ProductID))); err != nil {
			return translate(err, "draft")
		}
	}
	_, err = s.db.Collection(colDrafts).DeleteOne(ctx, byID(idx.ID))
	return translate(err, "drafts")
}

// PruneDrafts deletes the drafts and draft indexes past their expiry and
// returns how many it deleted. It filters the drafts collection (on the
// embedded store decoding it), so it runs with the periodic repair, never
// on a request.
func (s *Store) PruneDrafts(ctx context.Context) (int, error) {
	now := s.now().UTC()
	old := bson.E{Key: "x", Value: bson.D{{Key: "$lt", Value: now}}}
	cur, err := s.db.Collection(colDrafts).Find(ctx, bson.D{old}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, translate(err, "drafts")
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return 0, translate(err, "drafts")
	}
	n := 0
	for _, d := range ids {
		deleted, err := s.pruneDraft(ctx, d.ID, now, old)
		if err != nil {
			return n, err
		}
		if deleted {
			n++
		}
	}
	return n, nil
}

// pruneDraft deletes one draft or index if it is still past its expiry:
// read again under its gate key (a save meanwhile moved it on), the
// condition in the filter on MongoDB.
func (s *Store) pruneDraft(ctx context.Context, key string, now time.Time, old bson.E) (bool, error) {
	unlock, err := s.db.LockContext(ctx, colDrafts+"/"+key)
	if err != nil {
		return false, err
	}
	defer unlock()
	var d struct {
		Expires time.Time `bson:"x"`
	}
	if err := s.db.Collection(colDrafts).FindOne(ctx, byID(key)).Decode(&d); err != nil {
		return false, nil // gone already
	}
	if !d.Expires.Before(now) {
		return false, nil
	}
	res, err := s.db.Collection(colDrafts).DeleteOne(ctx, s.guarded(key, old))
	if err != nil {
		return false, translate(err, "drafts")
	}
	return res.DeletedCount == 1, nil
}

// draftPruneEvery is how often the sweep looks for expired drafts: they
// live 90 days, so a day late costs nothing, and the filter decodes the
// whole collection on the embedded store, whose drafts may be large.
const draftPruneEvery = 24 * time.Hour

// draftPruneDue reports whether the sweep should prune drafts now (the
// first sweep of a store does), and if so records that it does.
func (s *Store) draftPruneDue() bool {
	now, last := s.now().UnixNano(), s.lastDraftPrune.Load()
	if last != 0 && now-last < int64(draftPruneEvery) {
		return false
	}
	return s.lastDraftPrune.CompareAndSwap(last, now)
}
