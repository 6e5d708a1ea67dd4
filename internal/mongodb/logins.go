package mongodb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// loginDoc holds the recent sign-in attempts for one handle, known or not
// (so that a lockout says nothing about whether the handle exists). It is
// in the store, so every node counts the same. Neither the handle nor the
// address is stored as typed: the _id is a keyed hash of the case-folded
// handle (a password typed into the handle field is not kept readable) and
// each attempt names its address by a keyed hash.
type loginDoc struct {
	ID string `bson:"_id"` // loginKey(handle)
	// Attempts are the attempts within registry.LoginWindow that did not
	// succeed, oldest first: at most registry.LoginFailures from one
	// address and registry.LoginHandleFailures in all. An attempt is
	// counted before its password is checked, so that concurrent guesses
	// cannot exceed either limit; a success forgets its own address's
	// attempts and no other's.
	Attempts []loginAttempt `bson:"at"`
	// Until is when the newest attempt leaves the window: after it the
	// record means nothing and may be deleted.
	Until time.Time `bson:"u"`
	Rev   int       `bson:"v"`
}

// loginAttempt is one counted sign-in attempt: where from (fromKey) and
// when.
type loginAttempt struct {
	From string    `bson:"f"`
	At   time.Time `bson:"t"`
}

// pruneEvery is how often a store sweeps sign-in records that mean nothing
// any more.
const pruneEvery = 5 * time.Minute

// loginKey is the _id of a handle's sign-in record: a keyed hash of the
// case-folded handle, so that what was typed into the handle field (a
// password, sometimes) cannot be read back from the store, and every node
// computes the same key.
func (s *Store) loginKey(handle string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("login\x00" + registry.FoldHandle(handle)))
	return "l" + hex.EncodeToString(m.Sum(nil))[:40]
}

// fromKey names where an attempt came from (a client address, or a
// credential for a password change) by a keyed hash: attempts from one
// place can be told apart from others' without the address being kept.
func (s *Store) fromKey(from string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("login-from\x00" + from))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// tooMany is the ETOOMANY of a lockout: wait until the attempt oldest of
// the last limit leaves the window.
func tooMany(attempts []loginAttempt, limit int, now time.Time, msg string) error {
	wait := attempts[len(attempts)-limit].At.Add(registry.LoginWindow).Sub(now)
	return &registry.Error{Code: registry.ETOOMANY, RetryAfter: int(math.Ceil(wait.Seconds())), Message: msg}
}

// countAttempt records a sign-in attempt for the record key from from
// (a fromKey) before its password is checked. With registry.LoginFailures
// attempts from the same place, or registry.LoginHandleFailures from
// anywhere, already within registry.LoginWindow it records nothing and
// returns ETOOMANY with the seconds until the attempt that holds the limit
// leaves the window.
func (s *Store) countAttempt(ctx context.Context, key, from string, now time.Time) error {
	c := s.db.Collection(colLogins)
	for range maxWriteAttempts {
		done, err := s.tryCountAttempt(ctx, c, key, from, now)
		if err != nil || done {
			s.maybePruneLogins(now)
			return err
		}
	}
	return errBusy
}

func (s *Store) tryCountAttempt(ctx context.Context, c *mongo.Collection, key, from string, now time.Time) (bool, error) {
	unlock, err := s.db.LockContext(ctx, colLogins+"/"+key)
	if err != nil {
		return false, err
	}
	defer unlock()
	d, exists, err := s.readLogin(ctx, c, key)
	if err != nil {
		return false, err
	}
	var recent, mine []loginAttempt
	for _, a := range d.Attempts {
		if now.Sub(a.At) < registry.LoginWindow {
			recent = append(recent, a)
			if a.From == from {
				mine = append(mine, a)
			}
		}
	}
	if len(mine) >= registry.LoginFailures {
		return true, tooMany(mine, registry.LoginFailures, now, "Too many failed sign-ins for this handle; wait before trying again.")
	}
	if len(recent) >= registry.LoginHandleFailures {
		return true, tooMany(recent, registry.LoginHandleFailures, now, "Too many failed sign-ins for this handle; wait before trying again.")
	}
	recent = append(recent, loginAttempt{From: from, At: now.UTC()})
	return s.writeLogin(ctx, c, d, exists, recent, now.Add(registry.LoginWindow).UTC())
}

// readLogin reads a sign-in record; an empty one (exists false) when there
// is none. The caller holds the record's gate key.
func (s *Store) readLogin(ctx context.Context, c *mongo.Collection, key string) (*loginDoc, bool, error) {
	var d loginDoc
	err := c.FindOne(ctx, byID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &loginDoc{ID: key}, false, nil
	} else if err != nil {
		return nil, false, translate(err, "sign-in record")
	}
	return &d, true, nil
}

// writeLogin stores a sign-in record's attempts (deleting it when there are
// none), conditional on the revision read; done is false when another
// writer came first. The caller holds the record's gate key.
func (s *Store) writeLogin(ctx context.Context, c *mongo.Collection, d *loginDoc, exists bool, attempts []loginAttempt, until time.Time) (bool, error) {
	rev := d.Rev
	switch {
	case len(attempts) == 0 && !exists:
		return true, nil
	case len(attempts) == 0:
		res, err := c.DeleteOne(ctx, s.guarded(d.ID, bson.E{Key: "v", Value: rev}))
		if err != nil {
			return false, translate(err, "sign-in record")
		}
		return res.DeletedCount == 1, nil
	case !exists:
		nd := loginDoc{ID: d.ID, Attempts: attempts, Until: until, Rev: rev + 1}
		if _, err := c.InsertOne(ctx, nd); mongo.IsDuplicateKeyError(err) {
			return false, nil
		} else if err != nil {
			return false, translate(err, "sign-in record")
		}
		return true, nil
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: attempts}, {Key: "u", Value: until}, {Key: "v", Value: rev + 1}}}}
	res, err := c.UpdateOne(ctx, s.guarded(d.ID, bson.E{Key: "v", Value: rev}), set)
	if err != nil {
		return false, translate(err, "sign-in record")
	}
	return res.MatchedCount == 1, nil
}

// clearAttempts forgets, after a successful sign-in from from, the
// attempts from that place (the owner's own mistakes, and the success's
// own attempt); the other places' failures stay counted, so a success
// cannot wipe out an attacker's record of guesses.
func (s *Store) clearAttempts(ctx context.Context, key, from string) error {
	c := s.db.Collection(colLogins)
	for range maxWriteAttempts {
		done, err := s.tryClearAttempts(ctx, c, key, from)
		if err != nil || done {
			return err
		}
	}
	return errBusy
}

func (s *Store) tryClearAttempts(ctx context.Context, c *mongo.Collection, key, from string) (bool, error) {
	unlock, err := s.db.LockContext(ctx, colLogins+"/"+key)
	if err != nil {
		return false, err
	}
	defer unlock()
	d, exists, err := s.readLogin(ctx, c, key)
	if err != nil || !exists {
		return true, err
	}
	kept := slices.DeleteFunc(slices.Clone(d.Attempts), func(a loginAttempt) bool { return a.From == from })
	if len(kept) == len(d.Attempts) {
		return true, nil
	}
	return s.writeLogin(ctx, c, d, exists, kept, d.Until)
}

// maybePruneLogins starts a sweep of sign-in records at most once every
// pruneEvery per store, in the background: records are made for unknown
// handles too, so without it anyone could fill the collection. With the
// sweep it holds at most the records of the last LoginWindow, whose rate
// the per-address limit of the HTTP layer bounds.
func (s *Store) maybePruneLogins(now time.Time) {
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(pruneEvery) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.PruneLogins(ctx); err != nil {
			s.log.Warn("sweeping old sign-in records failed", "error", err)
		}
	}()
}

// PruneLogins deletes the sign-in records whose attempts have all left the
// window and returns how many it deleted. It scans the logins collection
// (on the embedded store decoding it), so it runs in the background, never
// on a request.
func (s *Store) PruneLogins(ctx context.Context) (int, error) {
	now := s.now().UTC()
	old := bson.E{Key: "u", Value: bson.D{{Key: "$lt", Value: now}}}
	cur, err := s.db.Collection(colLogins).Find(ctx, bson.D{old})
	if err != nil {
		return 0, translate(err, "sign-in records")
	}
	var docs []loginDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, translate(err, "sign-in records")
	}
	n := 0
	for _, d := range docs {
		deleted, err := s.pruneLogin(ctx, d.ID, now, old)
		if err != nil {
			return n, err
		}
		if deleted {
			n++
		}
	}
	return n, nil
}

// pruneLogin deletes one sign-in record if it is still old: under its gate
// key it is read again; on MongoDB the condition is in the filter.
func (s *Store) pruneLogin(ctx context.Context, key string, now time.Time, old bson.E) (bool, error) {
	unlock, err := s.db.LockContext(ctx, colLogins+"/"+key)
	if err != nil {
		return false, err
	}
	defer unlock()
	var d loginDoc
	if err := s.db.Collection(colLogins).FindOne(ctx, byID(key)).Decode(&d); err != nil {
		return false, nil // gone already
	}
	if !d.Until.Before(now) {
		return false, nil
	}
	res, err := s.db.Collection(colLogins).DeleteOne(ctx, s.guarded(key, old))
	if err != nil {
		return false, translate(err, "sign-in record")
	}
	return res.DeletedCount == 1, nil
}
