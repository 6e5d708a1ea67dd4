package mongodb

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
)

// sessionPrefix begins every session secret, so that Authenticate knows
// where to look for it.
const sessionPrefix = "eds_"

// sessionDoc is a session, by the SHA-256 of its secret: in the store, so
// it survives restarts and works on every node.
type sessionDoc struct {
	ID        string    `bson:"_id"`
	Account   string    `bson:"a"`   // the account's _id
	AccountID string    `bson:"aid"` // and id
	Gen       int       `bson:"gen"` // the account's password generation when it began
	CreatedAt time.Time `bson:"t"`
	Seen      time.Time `bson:"seen"` // last use, written at most once a minute
}

// wrongCredentials is the one answer for an unknown handle and a wrong
// password alike.
func wrongCredentials() error {
	return registry.Errorf(registry.EUNAUTHORIZED, "The handle or password is wrong.")
}

// Login is LoginFrom for an attempt from no address in particular (all such
// attempts count as from one place): for callers outside the HTTP server.
func (s *Store) Login(ctx context.Context, handle, password string) (*registry.Session, error) {
	return s.LoginFrom(ctx, handle, password, "")
}

// LoginFrom checks a handle and password sent from the client address from
// and starts a session.
//
// The attempt is counted against the handle (known or not) and its address
// before the password is checked, so however many arrive at once at most
// registry.LoginFailures guesses per handle and address, and
// registry.LoginHandleFailures per handle from all addresses together, are
// checked in any registry.LoginWindow; then ETOOMANY with RetryAfter. A
// success forgets its own address's attempts only: others' failures stay
// counted. Someone who knows a handle can therefore hold up only their own
// addresses' attempts, not the owner's, until they make the handle's
// ceiling (from at least registry.LoginHandleFailures /
// registry.LoginFailures addresses), which bounds guessing for everyone.
// An unknown handle costs the same hashing as a wrong password. A password
// hashed with other parameters than the current ones is hashed again with
// them on a successful sign-in.
//
// A new session is entered in the account's keyring first (dropping ended
// sessions, and the oldest beyond registry.MaxSessions), then stored.
func (s *Store) LoginFrom(ctx context.Context, handle, password, from string) (*registry.Session, error) {
	now := s.now()
	if !registry.IsHandle(handle) {
		// No record for what cannot be a handle (it could be any length);
		// the same work as for a wrong password.
		if err := s.passwords.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
		return nil, wrongCredentials()
	}
	key, fk := s.loginKey(handle), s.fromKey("address\x00"+from)
	if err := s.countAttempt(ctx, key, fk, now); err != nil {
		return nil, err
	}
	a, err := s.readAccount(ctx, registry.FoldHandle(handle))
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		if err := s.passwords.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
		return nil, wrongCredentials()
	} else if err != nil {
		return nil, err
	}
	ok, err := s.passwords.Verify(ctx, password, a.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wrongCredentials()
	}
	if err := s.clearAttempts(ctx, key, fk); err != nil {
		return nil, err
	}
	if s.passwords.NeedsRehash(a.Password) {
		s.rehash(ctx, a, password)
	}
	return s.startSession(ctx, a, now)
}

// rehash stores password hashed with the current parameters in place of
// the account's hash made with others, if neither changed meanwhile. A
// failure is logged: the sign-in goes on, and the next one tries again.
func (s *Store) rehash(ctx context.Context, a *accountDoc, password string) {
	hash, err := s.passwords.Hash(ctx, password)
	if err == nil {
		err = s.replaceHash(ctx, a, hash)
	}
	if err != nil {
		s.log.Warn("hashing a password again with the current parameters failed", "error", err)
	}
}

// replaceHash sets an account's password hash to hash if its hash and
// generation are still a's (under the gate; in the filter on MongoDB).
func (s *Store) replaceHash(ctx context.Context, a *accountDoc, hash string) error {
	unlock, err := s.db.LockContext(ctx, colAccounts+"/"+a.ID)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := s.readAccount(ctx, a.ID)
	if err != nil {
		return err
	}
	if cur.Gen != a.Gen || cur.AID != a.AID || cur.Password != a.Password {
		return nil // changed meanwhile: the new hash is the current one's business
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "pw", Value: hash}}}}
	_, err = s.db.Collection(colAccounts).UpdateOne(ctx, s.guarded(a.ID, bson.E{Key: "gen", Value: a.Gen},
		bson.E{Key: "aid", Value: a.AID}, bson.E{Key: "pw", Value: a.Password}), set)
	return translate(err, "account")
}

// startSession makes a session of account a.
func (s *Store) startSession(ctx context.Context, a *accountDoc, now time.Time) (*registry.Session, error) {
	secret := newSecret(sessionPrefix)
	hash := HashToken(secret)
	err := s.updateKeyring(ctx, a.AID, func(k *keyringDoc) ([]string, error) {
		var ended []string
		k.Sessions = slices.DeleteFunc(k.Sessions, func(e keyEntry) bool {
			if !now.Before(e.At.Add(registry.SessionLifetime)) {
				ended = append(ended, e.Hash)
				return true
			}
			return false
		})
		for len(k.Sessions) >= registry.MaxSessions {
			ended = append(ended, k.Sessions[0].Hash)
			k.Sessions = k.Sessions[1:]
		}
		k.Sessions = append(k.Sessions, keyEntry{Hash: hash, At: now.UTC()})
		return ended, nil
	})
	if err != nil {
		return nil, err
	}
	d := sessionDoc{ID: hash, Account: a.ID, AccountID: a.AID, Gen: a.Gen, CreatedAt: now.UTC(), Seen: now.UTC()}
	if _, err := s.db.Collection(colSessions).InsertOne(ctx, d); err != nil {
		return nil, translate(err, "session")
	}
	return &registry.Session{Secret: secret, Handle: a.Handle, Role: a.Role,
		ExpiresAt: d.CreatedAt.Add(registry.SessionLifetime), IdleExpiresAt: d.Seen.Add(registry.SessionIdle)}, nil
}

// Logout ends the session p authenticated with: it is deleted (from then
// on it fails on every node's next read of it), forgotten by this node,
// and taken out of its account's keyring.
func (s *Store) Logout(ctx context.Context, p *registry.Principal) error {
	if p.Kind != registry.CredentialSession {
		return registry.Errorf(registry.EFORBIDDEN, "Only a session can sign out; a token is revoked instead (DELETE /api/v1/me/tokens/{id}).")
	}
	if err := s.endSessions(ctx, []string{p.Credential}); err != nil {
		return err
	}
	return s.updateKeyring(ctx, p.AccountID, func(k *keyringDoc) ([]string, error) {
		k.Sessions = slices.DeleteFunc(k.Sessions, func(e keyEntry) bool { return e.Hash == p.Credential })
		return nil, nil
	})
}

// confirmPassword checks that the caller p knows account a's password,
// for a change that needs it as well as a credential (a password change,
// a deletion): the check counts like a sign-in against p's credential, so
// the lockout applies, and a wrong password is EINVALID naming field.
func (s *Store) confirmPassword(ctx context.Context, p *registry.Principal, a *accountDoc, password, field, wrong string) error {
	key, fk := s.loginKey(a.ID), s.fromKey("credential\x00"+p.Credential)
	if err := s.countAttempt(ctx, key, fk, s.now()); err != nil {
		return err
	}
	ok, err := s.passwords.Verify(ctx, password, a.Password)
	if err != nil {
		return err
	}
	if !ok {
		return registry.Invalid(wrong, registry.FieldError{Field: field, Message: "is not the account's password"})
	}
	return s.clearAttempts(ctx, key, fk)
}

// ChangePassword replaces the password of p's account and ends every
// other credential of the account: its sessions and its personal tokens,
// all but the one p authenticated with. A password is changed because it
// may be known to someone else, and whoever had it (or a session) could
// have made tokens with it; those must not outlive the change. A wrong
// current password is counted like a failed sign-in, against the
// credential it came with.
//
// Write order: the account's password and generation first (from then on
// every session and personal token of the old generation fails on every
// node's next read of it), then the caller's own credential moves to the
// new generation, then the other tokens are deleted (tokens made before
// generations were recorded end only here), then the keyring drops the
// other sessions and tokens and the sessions are deleted. A crash between
// the first two writes ends the caller's credential too; one later leaves
// ended credentials' documents until the account's next sign-in or the
// periodic repair.
func (s *Store) ChangePassword(ctx context.Context, p *registry.Principal, current, next string) error {
	a, err := s.account(ctx, p)
	if err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, p, a, current, "current", "The current password is wrong."); err != nil {
		return err
	}
	hash, err := s.passwords.Hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.setPassword(ctx, a, hash); err != nil {
		return err
	}
	keep := p.Credential
	switch p.Kind {
	case registry.CredentialSession:
		err = s.setSessionGen(ctx, keep, a.Gen+1)
	case registry.CredentialToken:
		err = s.setTokenField(ctx, keep, "gen", a.Gen+1)
		s.tokens.drop(keep)
	}
	if err != nil {
		return err
	}
	k, err := s.readKeyring(ctx, a.AID)
	if err != nil {
		return err
	}
	dropped := map[string]bool{}
	for _, e := range k.Tokens {
		if e.Hash != keep {
			if err := s.dropToken(ctx, e.Hash); err != nil {
				return err
			}
			dropped[e.Hash] = true
		}
	}
	return s.updateKeyring(ctx, a.AID, func(k *keyringDoc) ([]string, error) {
		var ended []string
		k.Sessions = slices.DeleteFunc(k.Sessions, func(e keyEntry) bool {
			if e.Hash != keep {
				ended = append(ended, e.Hash)
				return true
			}
			return false
		})
		// Only the tokens deleted above: one made since (by the caller's
		// session) is of the new generation and stays listed.
		k.Tokens = slices.DeleteFunc(k.Tokens, func(e keyEntry) bool { return dropped[e.Hash] })
		return ended, nil
	})
}

// setPassword stores a new password hash and the next generation,
// conditional on the generation read (a concurrent change wins, this one
// is ECONFLICT).
func (s *Store) setPassword(ctx context.Context, a *accountDoc, hash string) error {
	unlock, err := s.db.LockContext(ctx, colAccounts+"/"+a.ID)
	if err != nil {
		return err
	}
	defer unlock()
	// Read again under the gate (its check is the filter's on MongoDB).
	var cur accountDoc
	if err := s.db.Collection(colAccounts).FindOne(ctx, byID(a.ID)).Decode(&cur); err != nil {
		return translate(err, "account")
	}
	if cur.Gen != a.Gen || cur.AID != a.AID {
		return registry.Errorf(registry.ECONFLICT, "The password was changed meanwhile; sign in again.")
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "pw", Value: hash}, {Key: "gen", Value: a.Gen + 1}}}}
	res, err := s.db.Collection(colAccounts).UpdateOne(ctx, s.guarded(a.ID, bson.E{Key: "gen", Value: a.Gen}, bson.E{Key: "aid", Value: a.AID}), set)
	if err != nil {
		return translate(err, "account")
	}
	if res.MatchedCount == 0 {
		return registry.Errorf(registry.ECONFLICT, "The password was changed meanwhile; sign in again.")
	}
	return nil
}

// setSessionGen moves a session to a password generation.
func (s *Store) setSessionGen(ctx context.Context, hash string, gen int) error {
	unlock, err := s.db.LockContext(ctx, colSessions+"/"+hash)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = s.db.Collection(colSessions).UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{{Key: "gen", Value: gen}}}})
	s.tokens.drop(hash)
	return translate(err, "session")
}
