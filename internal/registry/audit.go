package registry

import (
	"context"
	"slices"
	"time"
)

// The audit log: one entry for every state change, moderation decision,
// product edit, invitation, account, token and session event (never for
// reads), kept for admins only. Entries are appended and never changed.

// AuditAction names what an audit entry records, as a dotted name.
type AuditAction string

// The audited actions. AuditActions lists them all; the contract's enum of
// GET /api/v1/audit?action= is the same list.
const (
	AuditProductCreate    AuditAction = "product.create"    // POST /products
	AuditProductUpdate    AuditAction = "product.update"    // PATCH /products/{id}
	AuditReviewSubmit     AuditAction = "review.submit"     // POST /products/{id}/reviews
	AuditReviewImport     AuditAction = "review.import"     // POST /products/{id}/reviews/import
	AuditReviewRevise     AuditAction = "review.revise"     // PUT /reviews/{id}
	AuditReviewPublish    AuditAction = "review.publish"    // POST /reviews/{id}/publish
	AuditReviewReject     AuditAction = "review.reject"     // POST /reviews/{id}/reject
	AuditReviewWithdraw   AuditAction = "review.withdraw"   // POST /reviews/{id}/withdraw
	AuditTokenCreate      AuditAction = "token.create"      // POST /tokens, POST /me/tokens
	AuditTokenRevoke      AuditAction = "token.revoke"      // DELETE /tokens/{id}, DELETE /me/tokens/{id}
	AuditInvitationCreate AuditAction = "invitation.create" // POST /invitations
	AuditInvitationRevoke AuditAction = "invitation.revoke" // DELETE /invitations/{id}
	AuditAccountCreate    AuditAction = "account.create"    // POST /accounts
	AuditAccountDelete    AuditAction = "account.delete"    // DELETE /me
	AuditPasswordChange   AuditAction = "password.change"   // PUT /me/password
	AuditSessionCreate    AuditAction = "session.create"    // POST /sessions (signing in)
	AuditSessionDelete    AuditAction = "session.delete"    // DELETE /sessions/current (signing out)
)

// AuditActions lists every audited action.
var AuditActions = []AuditAction{
	AuditProductCreate, AuditProductUpdate,
	AuditReviewSubmit, AuditReviewImport, AuditReviewRevise, AuditReviewPublish, AuditReviewReject, AuditReviewWithdraw,
	AuditTokenCreate, AuditTokenRevoke, AuditInvitationCreate, AuditInvitationRevoke,
	AuditAccountCreate, AuditAccountDelete, AuditPasswordChange, AuditSessionCreate, AuditSessionDelete,
}

// Valid reports whether a is one of AuditActions.
func (a AuditAction) Valid() bool { return slices.Contains(AuditActions, a) }

// ByAuthor reports whether a is done by a review's author, as a reviewer:
// its actor is then only the pseudonymous reviewer reference, whatever the
// author's role.
func (a AuditAction) ByAuthor() bool {
	switch a {
	case AuditReviewSubmit, AuditReviewImport, AuditReviewRevise, AuditReviewWithdraw:
		return true
	}
	return false
}

// Limits of the audit log.
const (
	// MaxAuditTarget bounds an entry's target, in bytes.
	MaxAuditTarget = 200
	// MaxAuditEntryBytes bounds an entry as stored (its detail included),
	// in bytes: a rejection's reason (MaxReasonLength characters of up to 4
	// bytes) and a publication's list of redacted fields fit.
	MaxAuditEntryBytes = 16 << 10
	// MaxAuditAbout bounds the entries one AuditAbout returns.
	MaxAuditAbout = 1000
	// MaxAuditAboutTargets bounds the targets of one AuditAbout.
	MaxAuditAboutTargets = 1000
)

// AuditActor is who did what an entry records. Staff (officers, moderators,
// admins) are named by role and account handle, or, for a token made
// without an account, by role and Kind. A reviewer is never named: as a
// review's author (AuditAction.ByAuthor) only by a pseudonym for that
// review (Reviewer); in the events of their account, sessions and tokens by
// role only, so that no entry links the reference to a handle, a token, an
// invitation or the time of a sign-in.
type AuditActor struct {
	Role string
	// Handle is a staff account's handle; never a reviewer's.
	Handle string
	// Kind is CredentialToken or CredentialBootstrap for staff acting with
	// a token made without an account; "" otherwise.
	Kind string
	// Reviewer names a review's author: given to AppendAudit as their
	// pseudonymous reviewer reference, it is stored and listed as a
	// pseudonym of that reference for the entry's target (a keyed hash
	// with the store's secret), the same for each action of theirs on one
	// review and different for each review, so that the log never links
	// two reviews to one author. "" in every other entry.
	Reviewer string
}

// AuditEntry is one entry of the audit log.
type AuditEntry struct {
	// Seq numbers the entry in the whole log, from 1, in the order written;
	// set by the store.
	Seq int64
	// Time is when it was written, exactly (the log is for admins only);
	// set by the store.
	Time   time.Time
	Actor  AuditActor
	Action AuditAction
	// Target names the object acted on as "<kind>:<id>" (review:…,
	// product:…, token:…, invitation:…, account:<handle>), or only its
	// kind where naming it would identify a reviewer ("account", "token").
	Target string
	// Detail holds what else the entry records (a rejection's reason, the
	// paths of redacted fields, never their text): values are strings,
	// booleans, integers or lists of strings.
	Detail map[string]any
}

// AuditFilter narrows a listing of the audit log to one action, one target,
// or both.
type AuditFilter struct {
	Action AuditAction
	Target string
}

// AuditPage is a page of the audit log, newest first.
type AuditPage struct {
	Items      []AuditEntry
	NextCursor string
}

// AuditService keeps the audit log. Nothing changes or removes an entry.
type AuditService interface {
	// AppendAudit writes e to the log, setting its Seq and Time. It is
	// EINTERNAL for an entry that breaks the log's rules (an unknown
	// action, a target or entry too long, a detail value of another type).
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditLog returns a page of the entries that match f, newest first.
	// The cursor is one it returned for the same filter (EINVALID, field
	// "cursor", otherwise). A page may hold fewer than limit entries and
	// still have a next cursor: each call reads a bounded part of the log.
	AuditLog(ctx context.Context, f AuditFilter, limit int, cursor string) (*AuditPage, error)
	// AuditAbout returns the entries about targets (for a data-rights
	// export), newest first, at most max in all (MaxAuditAbout when max is
	// not in 1…MaxAuditAbout), reading a bounded number of documents. It
	// is EINVALID for more than MaxAuditAboutTargets targets or a target
	// longer than MaxAuditTarget.
	AuditAbout(ctx context.Context, targets []string, max int) ([]AuditEntry, error)
}
