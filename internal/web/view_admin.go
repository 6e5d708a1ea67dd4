package web

import (
	"net/url"
	"time"
)

// AdminData is the admin overview: the sections the user's role opens.
type AdminData struct {
	Invitations bool // officers and admins
	Tokens      bool // admins
	Audit       bool // admins
}

// InvitationsData is the invitations page: a page of the invitations the
// user may see and the form that makes one.
type InvitationsData struct {
	Items []InvitationItem
	// Cursor is this page's cursor ("" on the first page); NextCursor the
	// next page's ("" on the last).
	Cursor, NextCursor string
	// Roles are the roles the user may invite (an officer, reviewers only).
	Roles []string
	// Form holds what a refused invitation posted, and what was wrong.
	Form *Form
	// Done confirms the change just made ("revoked"), or is "".
	Done string
}

// InvitationItem is an invitation in the list; its code is never shown
// again.
type InvitationItem struct {
	ID        string
	Role      string
	Uses      int
	UsesLeft  int
	ExpiresAt time.Time
	Expired   bool
	Note      string
	CreatedBy string
}

// InvitationCreatedData is the page that shows a new invitation's code,
// once.
type InvitationCreatedData struct {
	Code      string
	Role      string
	Uses      int
	ExpiresAt time.Time
	Note      string
}

// JoinURL is the link that opens the join page with the code filled in.
func (d *InvitationCreatedData) JoinURL() string {
	return "/join?" + url.Values{"code": {d.Code}}.Encode()
}

// TokensData is the admin tokens page: a page of every stored token and
// the form that makes one.
type TokensData struct {
	Items              []TokenItem
	Cursor, NextCursor string
	Roles              []string
	Form               *Form
	Done               string
}

// TokenItem is a stored token in the list; its secret is never shown
// again.
type TokenItem struct {
	ID    string
	Name  string
	Role  string
	Owner string // the owning account's handle: staff only, never a reviewer's
	// CreatedOn and LastUsedOn are days (zero when never used).
	CreatedOn  time.Time
	LastUsedOn time.Time
}

// TokenCreatedData is the page that shows a new token's secret, once.
type TokenCreatedData struct {
	Secret string
	Name   string
	Role   string
}

// AuditData is the audit log page: a page of entries, newest first,
// narrowed by action and target.
type AuditData struct {
	Items []AuditItem
	// Actions are every audited action, for the filter.
	Actions            []string
	Action, Target     string
	Cursor, NextCursor string
	Form               *Form
}

// PageURL is the link to the log's page at cursor ("" for the first),
// with the same filters.
func (d *AuditData) PageURL(cursor string) string {
	return pageURL("/admin/audit", cursor, "action", d.Action, "target", d.Target)
}

// AuditItem is one entry of the audit log.
type AuditItem struct {
	Seq int64
	// Time is when it was written, as "2006-01-02 15:04:05 UTC";
	// Datetime the same for the <time> element.
	Time, Datetime string
	// ActorRole, ActorHandle, ActorKind and ActorReviewer say who did it:
	// staff by role and handle (or kind of token), a review's author by a
	// pseudonym only.
	ActorRole, ActorHandle, ActorKind, ActorReviewer string
	Action                                           string
	Target                                           string
	Detail                                           []AuditDetail
}

// AuditDetail is one value an entry records.
type AuditDetail struct {
	Key   string
	Value string
}

// PageURL is the link to the list's page at cursor ("" for the first).
func (d *InvitationsData) PageURL(cursor string) string { return pageURL("/admin/invitations", cursor) }

// PageURL is the link to the list's page at cursor ("" for the first).
func (d *TokensData) PageURL(cursor string) string { return pageURL("/admin/tokens", cursor) }
