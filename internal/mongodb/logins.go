package mongodb

import (
	"context"
	"errors"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// loginDoc holds the recent sign-in attempts for one handle, known or not
// (so that a lockout says nothing about whether the handle exists), by its
// case-folded form. It is in the store, so every node counts the same.
type loginDoc struct {
	ID string `bson:"_id"` // registry.FoldHandle(handle)
	// Attempts are the times of the last registry.LoginFailures attempts
	// within registry.LoginWindow that did not succeed (an attempt is
	// counted before its password is checked and forgotten when it
	// succeeds, so that concurrent guesses cannot exceed the limit).
	Attempts []time.Time `bson:"f"`
	// Until is when the newest attempt leaves the window: after it the
	// record means nothing and may be deleted.
	Until time.Time `bson:"u"`
	Rev   int       `bson:"v"`
}

// pruneEvery is how often a store sweeps sign-in records that mean nothing
// any more.
const pruneEvery = 5 * time.Minute

// countAttempt records a sign-in attempt for the handle key before its
// password is checked. With registry.LoginFailures attempts already within
// registry.LoginWindow it records nothing and returns ETOOMANY with the
// seconds until the oldest leaves the window.
func (s *Store) countAttempt(ctx context.Context, key string, now time.Time) error {
	c := s.db.Collection(colLogins)
	for range maxWriteAttempts {
		done, err := s.tryCountAttempt(ctx, c, key, now)
		if err != nil || done {
			s.maybePruneLogins(now)
			return err
		}
	}
	return errBusy
}

func (s *Store) tryCountAttempt(ctx context.Context, c *mongo.Collection, key string, now time.Time) (bool, error) {
	unlock, err := s.db.LockContext(ctx, colLogins+"/"+key)
	if err != nil {
		return false, err
	}
	defer unlock()
	var d loginDoc
	err = c.FindOne(ctx, byID(key)).Decode(&d)
	exists := err == nil
	if errors.Is(err, mongo.ErrNoDocuments) {
		d = loginDoc{ID: key}
	} else if err != nil {
		return false, translate(err, "sign-in record")
	}
	var recent []time.Time
	for _, t := range d.Attempts {
		if now.Sub(t) < registry.LoginWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= registry.LoginFailures {
		wait := recent[len(recent)-registry.LoginFailures].Add(registry.LoginWindow).Sub(now)
		return true, &registry.Error{Code: registry.ETOOMANY, RetryAfter: int(math.Ceil(wait.Seconds())),
			Message: "Too many failed sign-ins for this handle; wait before trying again."}
	}
	recent = append(recent, now.UTC())
	rev := d.Rev
	d.Attempts, d.Until, d.Rev = recent, now.Add(registry.LoginWindow).UTC(), rev+1
	if !exists {
		if _, err := c.InsertOne(ctx, d); mongo.IsDuplicateKeyError(err) {
			return false, nil
		} else if err != nil {
			return false, translate(err, "sign-in record")
		}
		return true, nil
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "f", Value: d.Attempts}, {Key: "u", Value: d.Until}, {Key: "v", Value: d.Rev}}}}
	res, err := c.UpdateOne(ctx, s.guarded(key, bson.E{Key: "v", Value: rev}), set)
	if err != nil {
		return false, translate(err, "sign-in record")
	}
	return res.MatchedCount == 1, nil
}

// clearAttempts forgets a handle's attempts after a successful sign-in.
func (s *Store) clearAttempts(ctx context.Context, key string) error {
	unlock, err := s.db.LockContext(ctx, colLogins+"/"+key)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = s.db.Collection(colLogins).DeleteOne(ctx, byID(key))
	return translate(err, "sign-in record")
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
