package registry

import (
	"context"
	"slices"
	"time"
)

// Roles a token can have.
const (
	RoleReviewer  = "reviewer"
	RoleOfficer   = "officer"
	RoleModerator = "moderator"
	RoleAdmin     = "admin"
)

// Roles lists every role.
var Roles = []string{RoleReviewer, RoleOfficer, RoleModerator, RoleAdmin}

// MaxTokenNameLength bounds a token's name, in characters.
const MaxTokenNameLength = 200

// Token is an API token as stored: only the SHA-256 hash of the secret is
// kept.
type Token struct {
	Hash      string
	Role      string
	Name      string
	CreatedAt time.Time
}

// Principal is the caller of a request, resolved from its token.
type Principal struct {
	Role string
	// ReviewerRef is the keyed hash that stands for the caller in the
	// reviews it writes: derived from the account for its sessions and
	// personal tokens, from the token for a token made without an account.
	ReviewerRef string
	// Kind is what authenticated the caller (CredentialToken,
	// CredentialSession or CredentialBootstrap).
	Kind string
	// Credential is the stored hash of the token or session secret; "" for
	// the bootstrap admin.
	Credential string
	// AccountID and Handle name the caller's account; both "" for a token
	// made without an account.
	AccountID, Handle string
	// TokenID is the public id of the caller's token; TokenName its name.
	TokenID, TokenName string
}

// Actor is a stable key of who the caller is, for "their own" checks: the
// account, else the token, else the bootstrap admin.
func (p *Principal) Actor() string {
	switch {
	case p.AccountID != "":
		return "account:" + p.AccountID
	case p.TokenID != "":
		return "token:" + p.TokenID
	}
	return "bootstrap"
}

// DisplayName says who the caller is to staff: the account's handle, the
// token's name, or "bootstrap admin".
func (p *Principal) DisplayName() string {
	switch {
	case p.Handle != "":
		return p.Handle
	case p.Kind == CredentialBootstrap:
		return "bootstrap admin"
	}
	return p.TokenName
}

// Can reports whether the principal has one of the roles; admin may do
// everything.
func (p *Principal) Can(roles ...string) bool {
	if p == nil {
		return false
	}
	return p.Role == RoleAdmin || slices.Contains(roles, p.Role)
}

// TokenService stores tokens.
type TokenService interface {
	// CreateToken stores a new token with the role and name and returns the
	// secret, which is not kept and cannot be shown again.
	CreateToken(ctx context.Context, role, name string) (string, error)
	// TokenID returns the public id of the stored token with this secret,
	// by which it is listed and revoked.
	TokenID(secret string) string
	// Authenticate resolves a secret to its principal. Returns
	// EUNAUTHORIZED if the token is unknown.
	Authenticate(ctx context.Context, secret string) (*Principal, error)
}
