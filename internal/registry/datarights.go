package registry

import (
	"context"
	"time"
)

// What happens to an account's reviews when it is deleted (DELETE
// /api/v1/me).
const (
	// DeleteWithdraw withdraws every pending or published review through
	// the ordinary transitions: the statistics follow with the next
	// release, as for any withdrawal.
	DeleteWithdraw = "withdraw"
	// DeleteKeep keeps the published reviews public, each under a fresh
	// random reviewer reference of its own (so they link neither to the
	// account nor to each other); pending reviews are withdrawn.
	DeleteKeep = "keep"
)

// DeleteModes lists the choices for an account's reviews.
var DeleteModes = []string{DeleteWithdraw, DeleteKeep}

// Caps of an account's export: what one request reads and sends is
// bounded whatever the account holds.
const (
	// MaxExportReviews is the most reviews an export holds, newest first;
	// beyond it the export says so (ReviewsTruncated) and the rest are read
	// through GET /api/v1/me/reviews.
	MaxExportReviews = 1000
	// MaxExportInvitations is the most invitations the account made that
	// an export lists.
	MaxExportInvitations = 500
)

// SessionInfo describes one of an account's sessions to its owner: never
// its secret or hash.
type SessionInfo struct {
	CreatedAt     time.Time
	LastUsedAt    time.Time // as last written (at most once a minute)
	ExpiresAt     time.Time // the absolute end
	IdleExpiresAt time.Time // the end if it is not used before
	Current       bool      // the session the request came with
}

// ExportedReview is one of an account's reviews in its export: the review
// in full (rejection reason and redacted paths included) and where it
// stands with the public.
type ExportedReview struct {
	Review      *Review
	Publication Publication
}

// RevisionHistory is the edit history of one of an account's reviews in its
// export: the ids of its versions, oldest first (the review as first
// written, then each revision: pending, rejected or published). Each
// version is among the export's reviews, where a revision names the version
// it edits (Revises) and a version replaced by a published revision names
// that revision (SupersededBy); a version left out by MaxExportReviews is
// named by the links of the versions exported.
type RevisionHistory struct {
	Versions []string
}

// AccountExport is everything the store holds about an account, for its
// owner (GET /api/v1/me/export), filled in by mongodb's ExportAccount.
type AccountExport struct {
	Account  Account
	Sessions []SessionInfo
	Tokens   []TokenInfo
	Reviews  []ExportedReview
	// ReviewsTruncated says the account has more than MaxExportReviews
	// reviews: the oldest are left out.
	ReviewsTruncated bool
	// Revisions are the edit histories of the reviews that were edited
	// after publication, newest first, from the reviews exported.
	Revisions []RevisionHistory
	// Invitations are those the account made (as an officer or admin),
	// without their notes, which are about other people.
	Invitations          []Invitation
	InvitationsTruncated bool
	// Audit holds the audit log's entries about the account's exported
	// reviews (and, for a staff account, about the account), newest first,
	// at most MaxAuditAbout; AuditTruncated says more were left out. Other
	// people appear in them by role only. A reviewer's own account,
	// session and token events name nothing that leads to the account
	// (README, "The audit log"), so no export can find them.
	Audit          []AuditEntry
	AuditTruncated bool
	// Drafts are the account's saved review forms (DraftService), newest
	// first: at most MaxDrafts, never public.
	Drafts []Draft
}

// DataRightsService exports and deletes an account.
type DataRightsService interface {
	// ExportAccount returns everything stored about p's account.
	// ENOTFOUND for a credential made without an account.
	ExportAccount(ctx context.Context, p *Principal) (*AccountExport, error)
	// DeleteAccount deletes p's account after checking its password
	// (counted like a failed sign-in when wrong), with mode (DeleteWithdraw
	// or DeleteKeep) for its reviews. ENOTFOUND for a credential made
	// without an account.
	DeleteAccount(ctx context.Context, p *Principal, mode, password string) error
}
