package registry

import (
	"context"
	"strings"
	"time"
)

// Limits of invitations, accounts, sessions and personal tokens.
const (
	// MinHandle and MaxHandle bound a handle's length, in characters.
	MinHandle, MaxHandle = 3, 32
	// MinPassword is the shortest password accepted, in characters.
	MinPassword = 12
	// MaxPassword bounds a password's length, in characters, so that the
	// cost of hashing one does not grow with what a client sends.
	MaxPassword = 256
	// MaxInvitationUses is the most accounts one invitation may create.
	MaxInvitationUses = 500
	// MaxInvitationDays is the longest an invitation may stay valid.
	MaxInvitationDays = 90
	// MaxNote bounds an invitation's note, in characters.
	MaxNote = 200
	// MaxCredentialInput bounds a handle or an invitation code as sent, in
	// characters, before its own rules are checked: a longer one is refused
	// as malformed, a shorter one that breaks the rules as unknown or
	// invalid.
	MaxCredentialInput = 200
	// MaxPersonalTokens is the most personal tokens one account may hold.
	MaxPersonalTokens = 20
	// MaxSessions is the most sessions one account may hold: signing in
	// again ends the oldest.
	MaxSessions = 20
	// SessionIdle ends a session not used for this long.
	SessionIdle = 12 * time.Hour
	// SessionLifetime ends a session this long after it began, used or not.
	SessionLifetime = 7 * 24 * time.Hour
	// LoginFailures failed sign-ins for one handle from one address within
	// LoginWindow make that address's further attempts for the handle wait
	// (ETOOMANY with a RetryAfter); other addresses, the owner's among
	// them, are not held up by them.
	LoginFailures = 5
	// LoginHandleFailures failed sign-ins for one handle within LoginWindow,
	// from any addresses, make every further attempt for it wait: the
	// ceiling on guessing one password however many addresses guess.
	LoginHandleFailures = 25
	// LoginWindow is the window LoginFailures are counted in.
	LoginWindow = 15 * time.Minute
)

// Kinds of credential a principal authenticated with.
const (
	CredentialToken     = "token"     // an API token (POST /api/v1/tokens, registry token create, a personal token)
	CredentialSession   = "session"   // a session (POST /api/v1/sessions)
	CredentialBootstrap = "bootstrap" // the bootstrap admin token from the environment
)

// IsHandle reports whether h is a well-formed handle: MinHandle to
// MaxHandle ASCII letters, digits, '-', '_' and '.', beginning and ending
// with a letter or a digit. Handles are pseudonyms: non-ASCII letters are
// left out so that two handles cannot look alike while differing (a Cyrillic
// "а" and a Latin "a").
func IsHandle(h string) bool {
	if len(h) < MinHandle || len(h) > MaxHandle {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || i == len(h)-1 || c != '-' && c != '_' && c != '.') {
			return false
		}
	}
	return true
}

// CheckHandle returns the problem with a handle chosen for a new account,
// or "" when there is none.
func CheckHandle(h string) string {
	switch {
	case strings.Contains(h, "@"):
		return "must not be an email address: choose a name that says nothing about who you are or where you work"
	case !IsHandle(h):
		return "must be 3 to 32 characters: letters a-z, digits and - _ . (beginning and ending with a letter or digit)"
	}
	return ""
}

// FoldHandle returns the form in which handles are compared: two handles
// that differ only in case are the same handle.
func FoldHandle(h string) string { return strings.ToLower(h) }

// NewInvitation is what an officer or admin asks for.
type NewInvitation struct {
	Role     string
	Uses     int
	ValidFor time.Duration // from when it is made
	Note     string
}

// Invitation is an invitation as its creators see it; its code is never
// kept.
type Invitation struct {
	ID        string
	Role      string
	Uses      int // accounts it could create when made
	UsesLeft  int
	ExpiresAt time.Time
	CreatedAt time.Time
	Note      string
	// CreatedBy names who made it: the account's handle, the name of a
	// token made without an account, or "bootstrap admin".
	CreatedBy string
}

// InvitationPage is a page of invitations.
type InvitationPage struct {
	Items      []Invitation
	NextCursor string
}

// Account is an account as its owner sees it.
type Account struct {
	Handle    string
	Role      string
	CreatedAt time.Time
}

// Session is a new session: its secret is shown once.
type Session struct {
	Secret        string
	Handle        string
	Role          string
	ExpiresAt     time.Time // the absolute end
	IdleExpiresAt time.Time // the end if it is not used before
}

// TokenInfo describes a stored token to its owner or an admin. Days are
// "2006-01-02" in UTC; times are never shown.
type TokenInfo struct {
	ID         string
	Name       string
	Role       string
	Owner      string // the owning account's handle; "" for tokens without one and, for admins, for reviewers
	CreatedOn  string
	LastUsedOn string // "" if never used since it was recorded
}

// CreatedToken is a new token: its secret is shown once.
type CreatedToken struct {
	TokenInfo
	Secret string
}

// TokenPage is a page of tokens.
type TokenPage struct {
	Items      []TokenInfo
	NextCursor string
}

// AccountService keeps invitations, accounts, sessions and personal tokens.
type AccountService interface {
	// CreateInvitation stores an invitation made by p and returns it with
	// its code, which is not kept.
	CreateInvitation(ctx context.Context, p *Principal, in NewInvitation) (*Invitation, string, error)
	// Invitations lists the invitations p may see: an admin's, every one;
	// anyone else's, their own.
	Invitations(ctx context.Context, p *Principal, limit int, cursor string) (*InvitationPage, error)
	// RevokeInvitation deletes an invitation: an admin any, anyone else
	// their own (EFORBIDDEN otherwise).
	RevokeInvitation(ctx context.Context, p *Principal, id string) error
	// CreateAccount redeems one use of an invitation for a new account.
	// The handle and password have been checked.
	CreateAccount(ctx context.Context, code, handle, password string) (*Account, error)
	// Login checks a handle and password and starts a session. Wrong
	// credentials are EUNAUTHORIZED whether or not the handle exists; too
	// many recent failures are ETOOMANY with a RetryAfter.
	Login(ctx context.Context, handle, password string) (*Session, error)
	// LoginFrom is Login for an attempt from the client address from:
	// failures are counted per handle and address (LoginFailures) and per
	// handle (LoginHandleFailures).
	LoginFrom(ctx context.Context, handle, password, from string) (*Session, error)
	// Logout ends the session p authenticated with.
	Logout(ctx context.Context, p *Principal) error
	// ChangePassword replaces the password of p's account and ends its
	// other sessions.
	ChangePassword(ctx context.Context, p *Principal, current, next string) error
	// CreatePersonalToken makes a token for p's account.
	CreatePersonalToken(ctx context.Context, p *Principal, name string) (*CreatedToken, error)
	// PersonalTokens lists the tokens of p's account.
	PersonalTokens(ctx context.Context, p *Principal) ([]TokenInfo, error)
	// RevokePersonalToken deletes a token of p's account.
	RevokePersonalToken(ctx context.Context, p *Principal, id string) error
	// Tokens lists every stored token, for admins.
	Tokens(ctx context.Context, limit int, cursor string) (*TokenPage, error)
	// RevokeToken deletes any stored token.
	RevokeToken(ctx context.Context, id string) error
	// RecordUse records that p's credential served a request that
	// succeeded (a token's last day of use).
	RecordUse(ctx context.Context, p *Principal)
}
