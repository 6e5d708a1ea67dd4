package mongodb

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the token and account services.
var (
	_ registry.TokenService   = (*Store)(nil)
	_ registry.AccountService = (*Store)(nil)
)

// tokenPrefix makes registry tokens recognisable in secret scanners.
const tokenPrefix = "edr_"

// tokenDoc is a stored token, by the hash of its secret. Tokens made before
// public ids existed get theirs at start-up (ensureTokenIDs).
type tokenDoc struct {
	ID        string    `bson:"_id"` // SHA-256 of the secret, hex
	Role      string    `bson:"role"`
	Name      string    `bson:"name"`
	CreatedAt time.Time `bson:"t"`
	PublicID  string    `bson:"pid,omitempty"`
	// Account, AccountID and OwnerHandle name the account of a personal
	// token: its _id, its id and its handle as written. Empty for a token
	// made without an account.
	Account     string `bson:"a,omitempty"`
	AccountID   string `bson:"aid,omitempty"`
	OwnerHandle string `bson:"ah,omitempty"`
	// Gen is the account's password generation when a personal token was
	// made: one of another generation has ended (a password change ends
	// the account's other credentials). 0 in tokens made before it was
	// recorded, which a password change ends by deleting them.
	Gen int `bson:"gen,omitempty"`
	// LastUsed is the last day (UTC, 2006-01-02) the token was used on,
	// written at most once a day per node; never a time.
	LastUsed string `bson:"lu,omitempty"`
}

// tokenIDDoc maps a token's public id to its hash, so that listing and
// revoking by id read by _id.
type tokenIDDoc struct {
	ID        string `bson:"_id"` // the public id
	Hash      string `bson:"h"`
	AccountID string `bson:"aid,omitempty"`
}

// HashToken returns the hex SHA-256 of a token secret: the only form in
// which tokens are stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// tokenPublicID is the public id of the token with hash: derived with the
// store's secret, so every node (and the start-up migration of old tokens)
// computes the same one, and it says nothing about the hash.
func (s *Store) tokenPublicID(hash string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("token-id\x00" + hash))
	return "tok_" + hex.EncodeToString(m.Sum(nil))[:20]
}

// newSecret returns prefix and 32 random bytes in URL-safe base64.
func newSecret(prefix string) string {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(buf)
}

// day is the UTC day of t, the only precision in which token dates are
// shown.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// CreateToken stores a new token and returns its secret, which is not kept.
func (s *Store) CreateToken(ctx context.Context, role, name string) (string, error) {
	if !slices.Contains(registry.Roles, role) {
		return "", registry.Invalid("The role is not known.", registry.FieldError{Field: "role", Message: "must be one of reviewer, officer, moderator, admin"})
	}
	secret := newSecret(tokenPrefix)
	doc := tokenDoc{ID: HashToken(secret), Role: role, Name: name, CreatedAt: s.now().UTC()}
	if err := s.insertToken(ctx, &doc); err != nil {
		return "", err
	}
	return secret, nil
}

// TokenID returns the public id of the stored token with this secret.
func (s *Store) TokenID(secret string) string { return s.tokenPublicID(HashToken(secret)) }

// insertToken stores a token and its public id: the id first, so that a
// crash between the two leaves an id that leads nowhere (listing skips it)
// rather than a token no admin can find.
func (s *Store) insertToken(ctx context.Context, doc *tokenDoc) error {
	doc.PublicID = s.tokenPublicID(doc.ID)
	if _, err := s.db.Collection(colTokenIDs).InsertOne(ctx, tokenIDDoc{ID: doc.PublicID, Hash: doc.ID, AccountID: doc.AccountID}); err != nil {
		return translate(err, "token")
	}
	if _, err := s.db.Collection(colTokens).InsertOne(ctx, doc); err != nil {
		return translate(err, "token")
	}
	return nil
}

// ensureTokenIDs gives every token made before public ids existed its id:
// a scan of the tokens collection (small: one document per token) at
// start-up, idempotent, and the same on every node (the id is derived).
func (s *Store) ensureTokenIDs(ctx context.Context) error {
	cur, err := s.db.Collection(colTokens).Find(ctx, bson.D{{Key: "pid", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return translate(err, "tokens")
	}
	var docs []tokenDoc
	if err := cur.All(ctx, &docs); err != nil {
		return translate(err, "tokens")
	}
	for _, d := range docs {
		pid := s.tokenPublicID(d.ID)
		_, err := s.db.Collection(colTokenIDs).InsertOne(ctx, tokenIDDoc{ID: pid, Hash: d.ID})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return translate(err, "token")
		}
		if err := s.setTokenField(ctx, d.ID, "pid", pid); err != nil {
			return err
		}
	}
	return nil
}

// setTokenField sets one field of a token, under the token's gate key
// (another node or request may be writing its last-used day).
func (s *Store) setTokenField(ctx context.Context, hash, field string, value any) error {
	unlock, err := s.db.LockContext(ctx, "tokens/"+hash)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = s.db.Collection(colTokens).UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: value}}}})
	return translate(err, "token")
}

// tokenInfo describes a token; showOwner says whether the owner's handle
// may be shown.
func tokenInfo(d *tokenDoc, showOwner bool) registry.TokenInfo {
	info := registry.TokenInfo{ID: d.PublicID, Name: d.Name, Role: d.Role, CreatedOn: day(d.CreatedAt), LastUsedOn: d.LastUsed}
	if showOwner {
		info.Owner = d.OwnerHandle
	}
	return info
}

// Tokens lists every stored token for an admin, by public id: name, role,
// the day it was made and last used, and the owning account's handle for
// staff roles only (never a reviewer's). The bootstrap admin token is not
// stored and not listed. On the embedded store a page reads the (small)
// tokenids collection and then each token by _id.
func (s *Store) Tokens(ctx context.Context, limit int, cursor string) (*registry.TokenPage, error) {
	filter := bson.D{}
	if cursor != "" {
		after, err := s.decodeCursor(cursor)
		if err != nil {
			return nil, err
		}
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit + 1))
	cur, err := s.db.Collection(colTokenIDs).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "tokens")
	}
	var ids []tokenIDDoc
	if err := cur.All(ctx, &ids); err != nil {
		return nil, translate(err, "tokens")
	}
	page := &registry.TokenPage{Items: []registry.TokenInfo{}}
	if len(ids) > limit {
		ids = ids[:limit]
		page.NextCursor = s.encodeCursor(ids[limit-1].ID)
	}
	for _, m := range ids {
		d, err := s.readToken(ctx, m.Hash)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue // an id whose token is gone (a revocation or creation cut short)
		} else if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, tokenInfo(d, d.Role != registry.RoleReviewer))
	}
	return page, nil
}

// readToken reads a token by hash; ENOTFOUND when there is none.
func (s *Store) readToken(ctx context.Context, hash string) (*tokenDoc, error) {
	var d tokenDoc
	if err := s.db.Collection(colTokens).FindOne(ctx, byID(hash)).Decode(&d); err != nil {
		return nil, translate(err, "token")
	}
	return &d, nil
}

// RevokeToken deletes any stored token by its public id. It stops working
// on this node at once and on every other within the credential cache's
// lifetime.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	m, err := s.readTokenID(ctx, id)
	if err != nil {
		return err
	}
	return s.deleteToken(ctx, m)
}

// readTokenID reads a token's public id document; ENOTFOUND when there is
// none.
func (s *Store) readTokenID(ctx context.Context, id string) (*tokenIDDoc, error) {
	var m tokenIDDoc
	err := s.db.Collection(colTokenIDs).FindOne(ctx, byID(id)).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, registry.Errorf(registry.ENOTFOUND, "Token %q not found.", id)
	}
	return &m, translate(err, "token")
}

// dropToken deletes a token and its public id, and forgets it on this
// node, leaving its keyring entry to the caller.
func (s *Store) dropToken(ctx context.Context, hash string) error {
	if _, err := s.db.Collection(colTokens).DeleteOne(ctx, byID(hash)); err != nil {
		return translate(err, "token")
	}
	s.tokens.drop(hash)
	_, err := s.db.Collection(colTokenIDs).DeleteOne(ctx, byID(s.tokenPublicID(hash)))
	return translate(err, "token")
}

// deleteToken revokes a token: the token first (from then on it fails on
// every cache miss), then this node's cache entry, the id, and its entry in
// the owner's keyring.
func (s *Store) deleteToken(ctx context.Context, m *tokenIDDoc) error {
	if _, err := s.db.Collection(colTokens).DeleteOne(ctx, byID(m.Hash)); err != nil {
		return translate(err, "token")
	}
	s.tokens.drop(m.Hash)
	if _, err := s.db.Collection(colTokenIDs).DeleteOne(ctx, byID(m.ID)); err != nil {
		return translate(err, "token")
	}
	if m.AccountID == "" {
		return nil
	}
	return s.updateKeyring(ctx, m.AccountID, func(k *keyringDoc) ([]string, error) {
		k.Tokens = slices.DeleteFunc(k.Tokens, func(e keyEntry) bool { return e.Hash == m.Hash })
		return nil, nil
	})
}
