package mongodb

import (
	"context"
	"fmt"

	"github.com/edtech-registry/registry/internal/registry"
)

// CreatePersonalToken makes a token of p's account, with the account's
// role: its reviewer reference is the account's. Only a session may make
// one, so that a leaked token cannot mint others that outlive its
// revocation. An account holds at most registry.MaxPersonalTokens.
//
// Write order: the keyring entry, then the public id, then the token (each
// step leaves at worst an entry that leads nowhere).
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
		Account: a.ID, AccountID: a.AID, OwnerHandle: a.Handle}
	err = s.updateKeyring(ctx, a.AID, func(k *keyringDoc) ([]string, error) {
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
