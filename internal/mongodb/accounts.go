package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// accountDoc is an account, by its case-folded handle: two handles that
// differ only in case collide on insert. No email address, no name, and no
// record of the invitation it came from (whose note may say where its
// holder works).
type accountDoc struct {
	ID     string `bson:"_id"` // registry.FoldHandle(Handle)
	Handle string `bson:"h"`   // as its owner wrote it
	Role   string `bson:"role"`
	// AID is the account's random id: its reviewer reference is derived
	// from it, and its sessions and tokens name it, so that an account
	// made later with a freed handle is another account.
	AID      string `bson:"aid"`
	Password string `bson:"pw"` // argon2id, PHC string
	// Gen is the password's generation: a session of another generation
	// has ended (a password change ends the other sessions).
	Gen       int       `bson:"gen"`
	CreatedAt time.Time `bson:"t"`
	// Deleting marks an account being deleted (datarights_delete.go): from
	// the moment it is set the account's credentials and password fail,
	// and repair finishes the deletion if it was cut short.
	Deleting *deletionDoc `bson:"del,omitempty"`
}

// readAccount reads an account by its _id; ENOTFOUND when there is none
// or it is being deleted.
func (s *Store) readAccount(ctx context.Context, key string) (*accountDoc, error) {
	d, err := s.readAccountDoc(ctx, key)
	if err == nil && d.Deleting != nil {
		return nil, registry.Errorf(registry.ENOTFOUND, "No such account.")
	}
	return d, err
}

// readAccountDoc reads an account by its _id, one being deleted too;
// ENOTFOUND when there is none.
func (s *Store) readAccountDoc(ctx context.Context, key string) (*accountDoc, error) {
	var d accountDoc
	err := s.db.Collection(colAccounts).FindOne(ctx, byID(key)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, registry.Errorf(registry.ENOTFOUND, "No such account.")
	}
	return &d, translate(err, "account")
}

// handleTaken is the answer for a handle another account has.
func handleTaken() error {
	return &registry.Error{Code: registry.ECONFLICT, Message: "The handle is taken.",
		Fields: []registry.FieldError{{Field: "handle", Message: "is taken (handles are compared ignoring case)"}}}
}

// CreateAccount redeems one use of the invitation code for an account with
// the invitation's role. The handle and password have been checked
// (registry.CheckHandle, password.Check).
//
// Write order: the invitation's use is taken first (a conditional
// decrement), then the account is inserted; if the handle was taken
// meanwhile the use is given back. A crash between the two loses one use
// of the invitation, and never makes two accounts of one use.
func (s *Store) CreateAccount(ctx context.Context, code, handle, password string) (*registry.Account, error) {
	now := s.now()
	key := registry.FoldHandle(handle)
	// Cheap refusals first, before the password is hashed.
	if _, err := s.readInvitation(ctx, code, now); err != nil {
		return nil, err
	}
	if _, err := s.readAccount(ctx, key); err == nil {
		return nil, handleTaken()
	} else if registry.ErrorCode(err) != registry.ENOTFOUND {
		return nil, err
	}
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	inv, err := s.takeUse(ctx, code, now)
	if err != nil {
		return nil, err
	}
	d := accountDoc{ID: key, Handle: handle, Role: inv.Role, AID: newID(), Password: hash, Gen: 1, CreatedAt: now.UTC()}
	if _, err := s.db.Collection(colAccounts).InsertOne(ctx, d); err != nil {
		s.giveUseBack(context.WithoutCancel(ctx), inv.ID)
		if mongo.IsDuplicateKeyError(err) {
			return nil, handleTaken()
		}
		return nil, translate(err, "account")
	}
	return &registry.Account{Handle: d.Handle, Role: d.Role, CreatedAt: d.CreatedAt}, nil
}

// account returns p's account, EFORBIDDEN for a credential without one.
func (s *Store) account(ctx context.Context, p *registry.Principal) (*accountDoc, error) {
	if p.AccountID == "" {
		return nil, registry.Errorf(registry.EFORBIDDEN, "This needs an account: the token in use was made without one.")
	}
	a, err := s.readAccount(ctx, registry.FoldHandle(p.Handle))
	if registry.ErrorCode(err) == registry.ENOTFOUND || err == nil && a.AID != p.AccountID {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "The account no longer exists.")
	}
	return a, err
}
