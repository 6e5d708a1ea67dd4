package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// keyringDoc lists an account's sessions and personal tokens, by the
// account's id, so that ending its other sessions or listing its tokens
// reads one document instead of scanning. It holds at most
// registry.MaxSessions sessions and registry.MaxPersonalTokens tokens.
//
// A session or token is entered here before it is stored, so every stored
// one is listed; an entry whose credential is gone (a crash between, or a
// session that expired) is dropped at the account's next sign-in. The
// authority on whether a session is valid is the session itself and its
// account's password generation, not this list.
type keyringDoc struct {
	ID       string     `bson:"_id"` // the account's id (accountDoc.AID)
	Sessions []keyEntry `bson:"s"`
	Tokens   []keyEntry `bson:"tk"`
	Rev      int        `bson:"v"`
}

// keyEntry is one credential of a keyring: the hash of its secret and
// when it was made.
type keyEntry struct {
	Hash string    `bson:"h"`
	At   time.Time `bson:"t"`
}

// readKeyring reads an account's keyring; an empty one when it has none.
func (s *Store) readKeyring(ctx context.Context, aid string) (*keyringDoc, error) {
	var k keyringDoc
	err := s.db.Collection(colKeyrings).FindOne(ctx, byID(aid)).Decode(&k)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &keyringDoc{ID: aid}, nil
	}
	return &k, translate(err, "keyring")
}

// updateKeyring applies change to an account's keyring and stores it with
// the next revision, conditional on the one it read (under the gate on the
// embedded store, in the filter on MongoDB, retried on a clash). change
// returns the hashes of sessions it took out, which are then deleted and
// forgotten by this node's cache; an error from change stops the update.
func (s *Store) updateKeyring(ctx context.Context, aid string, change func(k *keyringDoc) (ended []string, err error)) error {
	c := s.db.Collection(colKeyrings)
	for range maxWriteAttempts {
		ended, done, err := s.tryKeyring(ctx, c, aid, change)
		if err != nil {
			return err
		}
		if done {
			return s.endSessions(ctx, ended)
		}
	}
	return errBusy
}

// tryKeyring is one attempt of updateKeyring; done is false when another
// writer came first.
func (s *Store) tryKeyring(ctx context.Context, c *mongo.Collection, aid string, change func(k *keyringDoc) ([]string, error)) ([]string, bool, error) {
	unlock, err := s.db.LockContext(ctx, colKeyrings+"/"+aid)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	var k keyringDoc
	err = c.FindOne(ctx, byID(aid)).Decode(&k)
	exists := err == nil
	if errors.Is(err, mongo.ErrNoDocuments) {
		k = keyringDoc{ID: aid}
	} else if err != nil {
		return nil, false, translate(err, "keyring")
	}
	rev := k.Rev
	ended, err := change(&k)
	if err != nil {
		return nil, false, err
	}
	k.Rev = rev + 1
	if !exists {
		if _, err := c.InsertOne(ctx, k); mongo.IsDuplicateKeyError(err) {
			return nil, false, nil
		} else if err != nil {
			return nil, false, translate(err, "keyring")
		}
		return ended, true, nil
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "s", Value: k.Sessions}, {Key: "tk", Value: k.Tokens}, {Key: "v", Value: k.Rev}}}}
	res, err := c.UpdateOne(ctx, s.guarded(aid, bson.E{Key: "v", Value: rev}), set)
	if err != nil {
		return nil, false, translate(err, "keyring")
	}
	return ended, res.MatchedCount == 1, nil
}

// endSessions deletes sessions and forgets them on this node.
func (s *Store) endSessions(ctx context.Context, hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	s.tokens.drop(hashes...)
	for _, h := range hashes { // one by one: only an exact _id avoids a scan on the embedded store
		if _, err := s.db.Collection(colSessions).DeleteOne(ctx, byID(h)); err != nil {
			return translate(err, "session")
		}
	}
	return nil
}
