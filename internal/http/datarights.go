package http

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// Data rights: an account's owner downloads everything the registry holds
// about it (GET /api/v1/me/export) and deletes it (DELETE /api/v1/me).

// accountExportJSON is the export, filled in by the store's ExportAccount.
type accountExportJSON struct {
	ExportedAt time.Time             `json:"exportedAt"`
	Account    accountJSON           `json:"account"`
	Sessions   []sessionInfoJSON     `json:"sessions"`
	Tokens     []tokenInfoJSON       `json:"tokens"`
	Reviews    []moderatedReviewJSON `json:"reviews"`
	// Revisions are the edit histories of the reviews: each the ids of a
	// review's versions, oldest first, every one among Reviews.
	Revisions   []revisionHistoryJSON `json:"revisions"`
	Invitations []invitationJSON      `json:"invitations"`
	// Audit is the audit log's entries about the account's reviews (and a
	// staff account), newest first; others appear by role only.
	Audit []auditEntryJSON `json:"audit"`
	// Drafts are the account's saved review forms, newest first: never
	// public.
	Drafts []draftJSON `json:"drafts"`
	// Limits says how much each section may hold and whether it was cut.
	Limits exportLimitsJSON `json:"limits"`
}

// revisionHistoryJSON is one review's edit history: its versions' ids,
// oldest first.
type revisionHistoryJSON struct {
	Versions []string `json:"versions"`
}

// sessionInfoJSON is one of the account's sessions: never its secret.
type sessionInfoJSON struct {
	CreatedAt     time.Time `json:"createdAt"`
	LastUsedAt    time.Time `json:"lastUsedAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
	IdleExpiresAt time.Time `json:"idleExpiresAt"`
	Current       bool      `json:"current"`
}

// draftJSON is one saved review form: its fields by name, as entered.
type draftJSON struct {
	ProductID string            `json:"productId"`
	SavedAt   time.Time         `json:"savedAt"`
	Values    map[string]string `json:"values"`
}

type exportLimitsJSON struct {
	MaxReviews           int  `json:"maxReviews"`
	ReviewsTruncated     bool `json:"reviewsTruncated"`
	MaxInvitations       int  `json:"maxInvitations"`
	InvitationsTruncated bool `json:"invitationsTruncated"`
	MaxSessions          int  `json:"maxSessions"`
	MaxTokens            int  `json:"maxTokens"`
	MaxAudit             int  `json:"maxAudit"`
	AuditTruncated       bool `json:"auditTruncated"`
	MaxDrafts            int  `json:"maxDrafts"`
}

// exportAccount sends everything stored about the caller's account as a
// JSON attachment.
func (s *Server) exportAccount(c *fiber.Ctx) error {
	x, err := s.store.ExportAccount(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := accountExportJSON{
		ExportedAt:  time.Now().UTC().Truncate(time.Second),
		Account:     accountJSON{Handle: x.Account.Handle, Role: x.Account.Role, CreatedAt: x.Account.CreatedAt},
		Sessions:    make([]sessionInfoJSON, 0, len(x.Sessions)),
		Tokens:      make([]tokenInfoJSON, 0, len(x.Tokens)),
		Reviews:     make([]moderatedReviewJSON, 0, len(x.Reviews)),
		Revisions:   make([]revisionHistoryJSON, 0, len(x.Revisions)),
		Invitations: make([]invitationJSON, 0, len(x.Invitations)),
		Limits: exportLimitsJSON{MaxReviews: registry.MaxExportReviews, ReviewsTruncated: x.ReviewsTruncated,
			MaxInvitations: registry.MaxExportInvitations, InvitationsTruncated: x.InvitationsTruncated,
			MaxSessions: registry.MaxSessions, MaxTokens: registry.MaxPersonalTokens,
			MaxAudit: registry.MaxAuditAbout, AuditTruncated: x.AuditTruncated, MaxDrafts: registry.MaxDrafts},
		Audit:  make([]auditEntryJSON, 0, len(x.Audit)),
		Drafts: make([]draftJSON, 0, len(x.Drafts)),
	}
	for _, se := range x.Sessions {
		out.Sessions = append(out.Sessions, sessionInfoJSON(se))
	}
	for _, t := range x.Tokens {
		out.Tokens = append(out.Tokens, toTokenInfoJSON(t, false))
	}
	for _, r := range x.Reviews {
		item := toModerated(r.Review)
		item.Publication = toPublicationJSON(r.Publication)
		out.Reviews = append(out.Reviews, item)
	}
	for _, h := range x.Revisions {
		out.Revisions = append(out.Revisions, revisionHistoryJSON(h))
	}
	for _, i := range x.Invitations {
		out.Invitations = append(out.Invitations, toInvitationJSON(i))
	}
	for _, e := range x.Audit {
		out.Audit = append(out.Audit, toAuditEntryJSON(e))
	}
	for _, d := range x.Drafts {
		out.Drafts = append(out.Drafts, draftJSON{ProductID: d.ProductID, SavedAt: d.SavedAt, Values: d.Values})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="registry-account-export.json"`)
	return c.JSON(out)
}

type deleteAccountRequest struct {
	Reviews  string `json:"reviews" validate:"required,enum=deleteMode"`
	Password string `json:"password" validate:"required,limit=password"`
}

// deleteAccount deletes the caller's account (removeAccount).
func (s *Server) deleteAccount(c *fiber.Ctx) error {
	var req deleteAccountRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.removeAccount(c, req); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// removeAccount deletes the caller's account, its sessions and tokens,
// for the API and the "my data" page alike: after the store has confirmed
// its password, it withdraws its reviews or keeps the published ones under
// references that lead nowhere; the audit log says so and the session
// cookie is cleared.
func (s *Server) removeAccount(c *fiber.Ctx, req deleteAccountRequest) error {
	p := principal(c)
	if err := s.store.DeleteAccount(c.UserContext(), p, req.Reviews, req.Password); err != nil {
		return err
	}
	// A reviewer's entry names neither handle nor reference (audit.go).
	if err := s.audit(c, registry.AuditAccountDelete, auditTargetOf(p.Role, "account", p.Handle), map[string]any{"reviews": req.Reviews}); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return nil
}
