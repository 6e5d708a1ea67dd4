package http

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// Tokens from the admin pages (/admin/tokens, admins): every stored token,
// and tokens made without an account; a secret is shown once.

// tokensData reads a page of every stored token, as GET /api/v1/tokens
// does: an owner's handle for staff tokens only.
func (s *Server) tokensData(c *fiber.Ctx) (*web.TokensData, error) {
	page, err := s.store.Tokens(c.UserContext(), registry.DefaultPageLimit, c.Query("cursor"))
	if err != nil {
		return nil, err
	}
	d := &web.TokensData{Cursor: c.Query("cursor"), NextCursor: page.NextCursor, Done: adminDone(c), Roles: registry.Roles}
	for _, t := range page.Items {
		j := toTokenInfoJSON(t, t.Role != registry.RoleReviewer)
		item := web.TokenItem{ID: j.ID, Name: j.Name, Role: j.Role, Owner: j.Owner, CreatedOn: dayOf(j.CreatedOn)}
		if j.LastUsedOn != nil {
			item.LastUsedOn = dayOf(*j.LastUsedOn)
		}
		d.Items = append(d.Items, item)
	}
	return d, nil
}

// adminTokens lists the stored tokens, with the form that makes one.
func (s *Server) adminTokens(c *fiber.Ctx) error {
	d, err := s.tokensData(c)
	if err != nil {
		return err
	}
	return s.page(c, "admin", "tokens", d)
}

// adminCreateToken makes a token and shows its secret, once.
func (s *Server) adminCreateToken(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	req := tokenRequest{Role: form.Get("role"), Name: strings.TrimSpace(form.Get("name"))}
	secret, err := s.makeToken(c, req)
	if registry.ErrorCode(err) == registry.EINVALID {
		d, derr := s.tokensData(c)
		if derr != nil {
			return derr
		}
		v := s.view(c, "admin", d)
		nameKey := "token.error.name"
		if req.Name != "" {
			nameKey = "admin.tokens.error.namelong"
		}
		d.Form = formErrors(v, form, err, map[string]fieldMessage{
			"role": {"token-role", "admin.error.role", nil},
			"name": {"token-name", nameKey, []any{registry.MaxTokenNameLength}},
		})
		return s.render(c, fiber.StatusUnprocessableEntity, "tokens", v)
	}
	if err != nil {
		return err
	}
	return s.page(c, "admin", "token", &web.TokenCreatedData{Secret: secret, Name: req.Name, Role: req.Role})
}

// adminRevokeToken deletes a token and goes back to the list.
func (s *Server) adminRevokeToken(c *fiber.Ctx) error {
	if err := s.dropToken(c, c.Params("id")); err != nil {
		return err
	}
	return redirect(c, "/admin/tokens?done=revoked")
}
