package mongodb

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// invitationPrefix begins every invitation code.
const invitationPrefix = "edi_"

// invitationIDLen is the length of an invitation's public id (hex), which
// follows the prefix in its code.
const invitationIDLen = 16

// invitationDoc is an invitation by its public id. The code is the prefix,
// the id and 192 random bits; only its SHA-256 is kept, so the code cannot
// be shown again and the store cannot redeem it.
type invitationDoc struct {
	ID        string    `bson:"_id"`
	Hash      string    `bson:"h"`
	Role      string    `bson:"role"`
	Uses      int       `bson:"uses"`
	Left      int       `bson:"left"`
	ExpiresAt time.Time `bson:"exp"`
	CreatedAt time.Time `bson:"t"`
	Note      string    `bson:"note,omitempty"`
	// Owner is the creator's registry.Principal.Actor, for "their own";
	// By their display name.
	Owner string `bson:"own"`
	By    string `bson:"by"`
}

func (d *invitationDoc) invitation() registry.Invitation {
	return registry.Invitation{ID: d.ID, Role: d.Role, Uses: d.Uses, UsesLeft: d.Left, ExpiresAt: d.ExpiresAt,
		CreatedAt: d.CreatedAt, Note: d.Note, CreatedBy: d.By}
}

// invitationID returns the public id a code names, or "" when the code
// does not have the shape of one.
func invitationID(code string) string {
	rest, ok := strings.CutPrefix(code, invitationPrefix)
	if !ok || len(rest) < invitationIDLen+32 || len(rest) > invitationIDLen+64 {
		return ""
	}
	id := rest[:invitationIDLen]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return ""
	}
	return id
}

// CreateInvitation stores an invitation made by p and returns it and its
// code, which is not kept. The caller has checked that p may invite the
// role.
func (s *Store) CreateInvitation(ctx context.Context, p *registry.Principal, in registry.NewInvitation) (*registry.Invitation, string, error) {
	idb := make([]byte, invitationIDLen/2)
	secret := make([]byte, 24)
	if _, err := rand.Read(idb); err != nil {
		return nil, "", err
	}
	if _, err := rand.Read(secret); err != nil {
		return nil, "", err
	}
	id := hex.EncodeToString(idb)
	code := invitationPrefix + id + base64.RawURLEncoding.EncodeToString(secret)
	now := s.now().UTC()
	d := invitationDoc{ID: id, Hash: HashToken(code), Role: in.Role, Uses: in.Uses, Left: in.Uses,
		ExpiresAt: now.Add(in.ValidFor), CreatedAt: now, Note: in.Note, Owner: p.Actor(), By: p.DisplayName()}
	if _, err := s.db.Collection(colInvitations).InsertOne(ctx, d); err != nil {
		return nil, "", translate(err, "invitation")
	}
	inv := d.invitation()
	return &inv, code, nil
}

// Invitations lists invitations by id: an admin's every one, anyone
// else's their own. On the embedded store a page decodes the invitations
// collection (one small document per invitation).
func (s *Store) Invitations(ctx context.Context, p *registry.Principal, limit int, cursor string) (*registry.InvitationPage, error) {
	filter := bson.D{}
	if cursor != "" {
		after, err := s.decodeCursor(cursor)
		if err != nil {
			return nil, err
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	if p.Role != registry.RoleAdmin {
		filter = append(filter, bson.E{Key: "own", Value: p.Actor()})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit + 1))
	cur, err := s.db.Collection(colInvitations).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "invitations")
	}
	var docs []invitationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "invitations")
	}
	page := &registry.InvitationPage{Items: []registry.Invitation{}}
	if len(docs) > limit {
		docs = docs[:limit]
		page.NextCursor = s.encodeCursor(docs[limit-1].ID)
	}
	for i := range docs {
		page.Items = append(page.Items, docs[i].invitation())
	}
	return page, nil
}

// RevokeInvitation deletes an invitation: its remaining uses are gone. An
// admin may revoke any; anyone else only their own (EFORBIDDEN).
func (s *Store) RevokeInvitation(ctx context.Context, p *registry.Principal, id string) error {
	var d invitationDoc
	err := s.db.Collection(colInvitations).FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return registry.Errorf(registry.ENOTFOUND, "Invitation %q not found.", id)
	} else if err != nil {
		return translate(err, "invitation")
	}
	if p.Role != registry.RoleAdmin && d.Owner != p.Actor() {
		return registry.Errorf(registry.EFORBIDDEN, "Only the invitation's creator or an admin may revoke it.")
	}
	_, err = s.db.Collection(colInvitations).DeleteOne(ctx, byID(id))
	return translate(err, "invitation")
}

// badInvitation is the answer for a code that is not a live invitation's.
func badInvitation(msg string) error {
	return registry.Invalid("The invitation cannot be used.", registry.FieldError{Field: "invitation", Message: msg})
}

// readInvitation reads the invitation a code names and checks the code
// and its expiry (not its uses).
func (s *Store) readInvitation(ctx context.Context, code string, now time.Time) (*invitationDoc, error) {
	id := invitationID(code)
	if id == "" {
		return nil, badInvitation("is not an invitation code")
	}
	var d invitationDoc
	err := s.db.Collection(colInvitations).FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && subtle.ConstantTimeCompare([]byte(d.Hash), []byte(HashToken(code))) != 1 {
		return nil, badInvitation("is not a valid invitation code (unknown or revoked)")
	} else if err != nil {
		return nil, translate(err, "invitation")
	}
	if !now.Before(d.ExpiresAt) {
		return nil, badInvitation("has expired")
	}
	if d.Left <= 0 {
		// Before the handle is looked at: a used-up code must not let its
		// holder test which handles exist.
		return nil, usedUp()
	}
	return &d, nil
}

// usedUp is the answer when an invitation has no uses left.
func usedUp() error {
	return &registry.Error{Code: registry.ECONFLICT, Message: "The invitation has been used up.",
		Fields: []registry.FieldError{{Field: "invitation", Message: "has no uses left"}}}
}

// takeUse takes one use of invitation id, so that of concurrent
// redemptions of its last use exactly one wins: under the gate the count
// is read and checked, on MongoDB it is a condition of the decrement.
func (s *Store) takeUse(ctx context.Context, code string, now time.Time) (*invitationDoc, error) {
	id := invitationID(code)
	unlock, err := s.db.LockContext(ctx, colInvitations+"/"+id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	d, err := s.readInvitation(ctx, code, now)
	if err != nil {
		return nil, err
	}
	if d.Left < 1 {
		return nil, usedUp()
	}
	filter := s.guarded(id, bson.E{Key: "h", Value: d.Hash}, bson.E{Key: "left", Value: bson.D{{Key: "$gte", Value: 1}}})
	res, err := s.db.Collection(colInvitations).UpdateOne(ctx, filter, bson.D{{Key: "$inc", Value: bson.D{{Key: "left", Value: -1}}}})
	if err != nil {
		return nil, translate(err, "invitation")
	}
	if res.MatchedCount == 0 {
		return nil, usedUp() // the last use went to another redemption, or it was revoked meanwhile
	}
	return d, nil
}

// giveUseBack returns a use taken by a redemption that then failed.
func (s *Store) giveUseBack(ctx context.Context, id string) {
	unlock, err := s.db.LockContext(ctx, colInvitations+"/"+id)
	if err == nil {
		_, err = s.db.Collection(colInvitations).UpdateOne(ctx, byID(id), bson.D{{Key: "$inc", Value: bson.D{{Key: "left", Value: 1}}}})
		unlock()
	}
	if err != nil {
		s.log.Warn("giving an invitation's use back failed: one use is lost", "invitation", id, "error", err)
	}
}
