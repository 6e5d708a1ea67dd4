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
	// reviews it writes.
	ReviewerRef string
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
	// Authenticate resolves a secret to its principal. Returns
	// EUNAUTHORIZED if the token is unknown.
	Authenticate(ctx context.Context, secret string) (*Principal, error)
}
