package mongodb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
)

// CreatePersonalToken makes a token of p's account, with the account's
// role: its reviewer reference is the account's. Only a session may make
// one, so that a leaked token cannot mint others that outlive its
// revocation. An account holds at most registry.MaxPersonalTokens.
//
// Write order: the keyring entry, then the public id, then the token. A
// failed insert takes the entry and the id out again; one cut short by a
// crash leaves an entry that leads nowhere, which does not count toward the
// cap once it is older than orphanAge and which the periodic repair
// removes (pruneKeyrings).
func (s *Store) CreatePersonalToken(ctx context.Context, p *registry.Principal, name string) (*registry.CreatedToken, error) {
	if p.Kind != registry.CredentialSession {
		return nil, registry.Errorf(registry.EFORBIDDEN, "Personal tokens are made from a session (sign in with POST /api/v1/sessions), not with a token.")
	}
	a, err := s.account(ctx, p)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	secret := newSecret(tokenPrefix)
	d := tokenDoc{ID: HashToken(secret), Role: a.Role, Name: name, CreatedAt: now,
		Account: a.ID, AccountID: a.AID, OwnerHandle: a.Handle, Gen: a.Gen}
	err = s.updateKeyring(ctx, a.AID, func(k *keyringDoc) ([]string, error) {
		if len(k.Tokens) >= registry.MaxPersonalTokens {
			if err := s.dropOrphans(ctx, k, now); err != nil {
				return nil, err
			}
		}
		if len(k.Tokens) >= registry.MaxPersonalTokens {
			return nil, registry.Errorf(registry.ECONFLICT, "An account may hold %d tokens; revoke one first.", registry.MaxPersonalTokens)
		}
		k.Tokens = append(k.Tokens, keyEntry{Hash: d.ID, At: now})
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.insertToken(ctx, &d); err != nil {
		ctx := context.WithoutCancel(ctx)
		_, _ = s.db.Collection(colTokenIDs).DeleteOne(ctx, byID(s.tokenPublicID(d.ID)))
		if kerr := s.updateKeyring(ctx, a.AID, func(k *keyringDoc) ([]string, error) {
			k.Tokens = slices.DeleteFunc(k.Tokens, func(e keyEntry) bool { return e.Hash == d.ID })
			return nil, nil
		}); kerr != nil {
			s.log.Warn("taking a failed token out of its keyring failed; the repair will", "error", kerr)
		}
		return nil, err
	}
	return &registry.CreatedToken{TokenInfo: tokenInfo(&d, true), Secret: secret}, nil
}

// PersonalTokens lists the tokens of p's account, oldest first: one read
// of its keyring and one of each token.
func (s *Store) PersonalTokens(ctx context.Context, p *registry.Principal) ([]registry.TokenInfo, error) {
	a, err := s.account(ctx, p)
	if err != nil {
		return nil, err
	}
	k, err := s.readKeyring(ctx, a.AID)
	if err != nil {
		return nil, err
	}
	out := []registry.TokenInfo{}
	for _, e := range k.Tokens {
		d, err := s.readToken(ctx, e.Hash)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue // revoked, or its creation was cut short
		} else if err != nil {
			return nil, err
		}
		out = append(out, tokenInfo(d, true))
	}
	return out, nil
}

// RevokePersonalToken deletes a token of p's account by its public id;
// another account's token is ENOTFOUND, as if it did not exist.
func (s *Store) RevokePersonalToken(ctx context.Context, p *registry.Principal, id string) error {
	if p.AccountID == "" {
		return registry.Errorf(registry.EFORBIDDEN, "This needs an account: the token in use was made without one.")
	}
	m, err := s.readTokenID(ctx, id)
	if err != nil {
		return err
	}
	if m.AccountID != p.AccountID {
		return registry.Errorf(registry.ENOTFOUND, "Token %q not found.", id)
	}
	if err := s.deleteToken(ctx, m); err != nil {
		return fmt.Errorf("revoke personal token: %w", err)
	}
	return nil
}

// orphanAge is how old a keyring's token entry must be before it counts as
// leading nowhere when its token is missing: a younger one may belong to a
// creation still under way, whose token is about to be inserted.
const orphanAge = time.Minute

// dropOrphans takes out of k the token entries older than orphanAge whose
// token does not exist (a creation cut short by a crash, or a revocation
// stopped before its keyring update). It reads each such token by _id.
func (s *Store) dropOrphans(ctx context.Context, k *keyringDoc, now time.Time) error {
	kept := k.Tokens[:0:0]
	for _, e := range k.Tokens {
		if now.Sub(e.At) >= orphanAge {
			if _, err := s.readToken(ctx, e.Hash); registry.ErrorCode(err) == registry.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
		}
		kept = append(kept, e)
	}
	k.Tokens = kept
	return nil
}

// pruneKeyrings takes the token entries that lead nowhere out of every
// keyring (dropOrphans) and returns how many keyrings it changed. It scans
// the keyrings collection (one small document per account that signed in)
// and reads each listed token by _id, so it runs with the periodic repair,
// never on a request.
func (s *Store) pruneKeyrings(ctx context.Context) (int, error) {
	cur, err := s.db.Collection(colKeyrings).Find(ctx, bson.D{})
	if err != nil {
		return 0, translate(err, "keyrings")
	}
	var all []keyringDoc
	if err := cur.All(ctx, &all); err != nil {
		return 0, translate(err, "keyrings")
	}
	now, n := s.now(), 0
	for _, k := range all {
		probe := k
		if err := s.dropOrphans(ctx, &probe, now); err != nil {
			return n, err
		}
		if len(probe.Tokens) == len(k.Tokens) {
			continue
		}
		err := s.updateKeyring(ctx, k.ID, func(k *keyringDoc) ([]string, error) {
			return nil, s.dropOrphans(ctx, k, now)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
