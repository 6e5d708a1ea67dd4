package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

type personalTokenRequest struct {
	Name string `json:"name" validate:"required,limit=tokenName"`
}

// tokenInfoJSON describes a stored token. Dates are days, never times.
type tokenInfoJSON struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Role       string  `json:"role"`
	Owner      string  `json:"owner,omitempty"`
	CreatedOn  string  `json:"createdOn"`
	LastUsedOn *string `json:"lastUsedOn"`
}

// personalTokenJSON is a new personal token with its secret, shown once.
type personalTokenJSON struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedOn string `json:"createdOn"`
}

func toTokenInfoJSON(t registry.TokenInfo, owner bool) tokenInfoJSON {
	out := tokenInfoJSON{ID: t.ID, Name: t.Name, Role: t.Role, CreatedOn: t.CreatedOn, LastUsedOn: cursorJSON(t.LastUsedOn)}
	if owner {
		out.Owner = t.Owner
	}
	return out
}

// createPersonalToken makes a token of the caller's account (from a
// session; makePersonalToken).
func (s *Server) createPersonalToken(c *fiber.Ctx) error {
	var req personalTokenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	t, err := s.makePersonalToken(c, req.Name)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(personalTokenJSON{ID: t.ID, Token: t.Secret, Name: t.Name, Role: t.Role, CreatedOn: t.CreatedOn})
}

// makePersonalToken makes a token of the caller's account, for the API and
// the tokens page alike, and writes its audit entry (a reviewer's without
// the token's id or name).
func (s *Server) makePersonalToken(c *fiber.Ctx, name string) (*registry.CreatedToken, error) {
	p := principal(c)
	t, err := s.store.CreatePersonalToken(c.UserContext(), p, name)
	if err != nil {
		return nil, err
	}
	var detail map[string]any
	if p.Role != registry.RoleReviewer {
		detail = map[string]any{"name": t.Name}
	}
	if err := s.audit(c, registry.AuditTokenCreate, auditTargetOf(p.Role, "token", t.ID), detail); err != nil {
		return nil, err
	}
	return t, nil
}

// listPersonalTokens lists the caller's account's tokens (at most
// registry.MaxPersonalTokens, so one page).
func (s *Server) listPersonalTokens(c *fiber.Ctx) error {
	ts, err := s.store.PersonalTokens(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	items := make([]tokenInfoJSON, 0, len(ts))
	for _, t := range ts {
		items = append(items, toTokenInfoJSON(t, false))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": items})
}

// revokePersonalToken deletes a token of the caller's account
// (dropPersonalToken).
func (s *Server) revokePersonalToken(c *fiber.Ctx) error {
	if err := s.dropPersonalToken(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// dropPersonalToken deletes token id of the caller's account, for the API
// and the tokens page alike, and writes its audit entry.
func (s *Server) dropPersonalToken(c *fiber.Ctx, id string) error {
	p := principal(c)
	if err := s.store.RevokePersonalToken(c.UserContext(), p, id); err != nil {
		return err
	}
	return s.audit(c, registry.AuditTokenRevoke, auditTargetOf(p.Role, "token", id), nil)
}

// listTokens lists every stored token for admins: the owner's handle only
// for staff roles, never a reviewer's.
func (s *Server) listTokens(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.Tokens(c.UserContext(), limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]tokenInfoJSON, 0, len(page.Items))
	for _, t := range page.Items {
		items = append(items, toTokenInfoJSON(t, t.Role != registry.RoleReviewer))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

// revokeToken deletes any stored token (admins).
func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.dropToken(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// dropToken deletes any stored token and writes the audit entry: the one
// path of an admin's revocation, from the API or the admin page.
func (s *Server) dropToken(c *fiber.Ctx, id string) error {
	if err := s.store.RevokeToken(c.UserContext(), id); err != nil {
		return err
	}
	return s.audit(c, registry.AuditTokenRevoke, "token:"+id, nil)
}
