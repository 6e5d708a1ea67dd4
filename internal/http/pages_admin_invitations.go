package http

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// Invitations from the admin pages (/admin/invitations): officers invite
// reviewers, admins anyone; a code is shown once.

// invitationsData reads a page of the invitations the user may see, as GET
// /api/v1/invitations does.
func (s *Server) invitationsData(c *fiber.Ctx) (*web.InvitationsData, error) {
	page, err := s.store.Invitations(c.UserContext(), principal(c), registry.DefaultPageLimit, c.Query("cursor"))
	if err != nil {
		return nil, err
	}
	d := &web.InvitationsData{Cursor: c.Query("cursor"), NextCursor: page.NextCursor, Done: adminDone(c),
		Roles: []string{registry.RoleReviewer}}
	if principal(c).Role == registry.RoleAdmin {
		d.Roles = registry.Roles
	}
	now := time.Now()
	for _, i := range page.Items {
		d.Items = append(d.Items, web.InvitationItem{ID: i.ID, Role: i.Role, Uses: i.Uses, UsesLeft: i.UsesLeft,
			ExpiresAt: i.ExpiresAt, Expired: !i.ExpiresAt.After(now), Note: i.Note, CreatedBy: i.CreatedBy})
	}
	return d, nil
}

// adminInvitations lists invitations, with the form that makes one.
func (s *Server) adminInvitations(c *fiber.Ctx) error {
	d, err := s.invitationsData(c)
	if err != nil {
		return err
	}
	return s.page(c, "admin", "invitations", d)
}

// adminCreateInvitation makes an invitation and shows its code, once.
func (s *Server) adminCreateInvitation(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	req := invitationRequest{Role: form.Get("role"), Uses: formInt(form.Get("uses")),
		ExpiresInDays: formInt(form.Get("expiresInDays")), Note: strings.TrimSpace(form.Get("note"))}
	inv, code, err := s.makeInvitation(c, req)
	if registry.ErrorCode(err) == registry.EINVALID {
		d, derr := s.invitationsData(c)
		if derr != nil {
			return derr
		}
		v := s.view(c, "admin", d)
		d.Form = formErrors(v, form, err, map[string]fieldMessage{
			"role":          {"invite-role", "admin.error.role", nil},
			"uses":          {"invite-uses", "admin.invitations.error.uses", []any{registry.MaxInvitationUses}},
			"expiresInDays": {"invite-days", "admin.invitations.error.days", []any{registry.MaxInvitationDays}},
			"note":          {"invite-note", "admin.invitations.error.note", []any{registry.MaxNote}},
		})
		return s.render(c, fiber.StatusUnprocessableEntity, "invitations", v)
	}
	if err != nil {
		return err
	}
	return s.page(c, "admin", "invitation", &web.InvitationCreatedData{Code: code, Role: inv.Role, Uses: inv.Uses,
		ExpiresAt: inv.ExpiresAt, Note: inv.Note})
}

// adminRevokeInvitation deletes an invitation and goes back to the list.
func (s *Server) adminRevokeInvitation(c *fiber.Ctx) error {
	if err := s.dropInvitation(c, c.Params("id")); err != nil {
		return err
	}
	return redirect(c, "/admin/invitations?done=revoked")
}
