package http

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// How people get in: an officer or admin makes an invitation (a code shown
// once), a person redeems it for an account with a handle and a password,
// and signs in for a session (sessions.go) or makes personal tokens
// (tokens.go).

type invitationRequest struct {
	Role          string `json:"role,omitempty" validate:"omitempty,enum=tokenRole"`
	Uses          *int   `json:"uses" validate:"required,min=1,limit=invitationUses"`
	ExpiresInDays *int   `json:"expiresInDays" validate:"required,min=1,limit=invitationDays"`
	Note          string `json:"note,omitempty" validate:"limit=note"`
}

// invitationJSON is an invitation as its creators (and admins) see it; its
// code is never shown again.
type invitationJSON struct {
	ID        string    `json:"id"`
	Role      string    `json:"role"`
	Uses      int       `json:"uses"`
	UsesLeft  int       `json:"usesLeft"`
	ExpiresAt time.Time `json:"expiresAt"`
	Note      string    `json:"note,omitempty"`
	CreatedBy string    `json:"createdBy"`
}

// invitationCreatedJSON is a new invitation with its code, shown once.
type invitationCreatedJSON struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Role      string    `json:"role"`
	Uses      int       `json:"uses"`
	ExpiresAt time.Time `json:"expiresAt"`
	Note      string    `json:"note,omitempty"`
}

func toInvitationJSON(i registry.Invitation) invitationJSON {
	return invitationJSON{ID: i.ID, Role: i.Role, Uses: i.Uses, UsesLeft: i.UsesLeft, ExpiresAt: i.ExpiresAt, Note: i.Note, CreatedBy: i.CreatedBy}
}

// createInvitation makes an invitation: officers invite reviewers; only an
// admin may invite officers, moderators or admins.
func (s *Server) createInvitation(c *fiber.Ctx) error {
	var req invitationRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	inv, code, err := s.makeInvitation(c, req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(invitationCreatedJSON{ID: inv.ID, Code: code, Role: inv.Role, Uses: inv.Uses,
		ExpiresAt: inv.ExpiresAt, Note: inv.Note})
}

// makeInvitation checks an invitation's rules (only an admin invites
// anyone but reviewers), makes it as the request's principal and writes its
// audit entry: the one path of an invitation, from the API or the admin
// page. It returns the invitation and its code, shown once.
func (s *Server) makeInvitation(c *fiber.Ctx, req invitationRequest) (*registry.Invitation, string, error) {
	if err := validate(&req); err != nil {
		return nil, "", err
	}
	p := principal(c)
	role := req.Role
	if role == "" {
		role = registry.RoleReviewer
	}
	if role != registry.RoleReviewer && p.Role != registry.RoleAdmin {
		return nil, "", registry.Errorf(registry.EFORBIDDEN, "Only an admin may invite officers, moderators or admins.")
	}
	in := registry.NewInvitation{Role: role, Uses: *req.Uses, Note: req.Note,
		ValidFor: time.Duration(*req.ExpiresInDays) * 24 * time.Hour}
	inv, code, err := s.store.CreateInvitation(c.UserContext(), p, in)
	if err != nil {
		return nil, "", err
	}
	// Never the note: it may name the person invited.
	detail := map[string]any{"role": inv.Role, "uses": inv.Uses, "expiresInDays": *req.ExpiresInDays}
	if err := s.audit(c, registry.AuditInvitationCreate, "invitation:"+inv.ID, detail); err != nil {
		return nil, "", err
	}
	return inv, code, nil
}

// listInvitations lists an officer's own invitations, or every one for an
// admin; never their codes.
func (s *Server) listInvitations(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.Invitations(c.UserContext(), principal(c), limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]invitationJSON, 0, len(page.Items))
	for _, i := range page.Items {
		items = append(items, toInvitationJSON(i))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

// revokeInvitation deletes an invitation: an officer's own, or any for an
// admin.
func (s *Server) revokeInvitation(c *fiber.Ctx) error {
	if err := s.dropInvitation(c, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// dropInvitation deletes an invitation as the request's principal (an
// officer their own, an admin any) and writes the audit entry: the one
// path of a revocation, from the API or the admin page.
func (s *Server) dropInvitation(c *fiber.Ctx, id string) error {
	if err := s.store.RevokeInvitation(c.UserContext(), principal(c), id); err != nil {
		return err
	}
	return s.audit(c, registry.AuditInvitationRevoke, "invitation:"+id, nil)
}

type accountRequest struct {
	Invitation string `json:"invitation" validate:"required,limit=credential"`
	Handle     string `json:"handle" validate:"required,limit=credential"`
	Password   string `json:"password" validate:"required,limit=password"`
}

type accountJSON struct {
	Handle    string    `json:"handle"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"createdAt"`
}

// createAccount redeems an invitation for an account (redeemInvitation).
func (s *Server) createAccount(c *fiber.Ctx) error {
	a, err := s.redeemInvitation(c, func() (accountRequest, error) {
		var req accountRequest
		err := decode(c, &req)
		return req, err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(accountJSON{Handle: a.Handle, Role: a.Role, CreatedAt: a.CreatedAt})
}

// redeemInvitation redeems an invitation for an account, for the API and
// the join page alike. The address's attempt is taken before read reads
// the request; the handle and the password are checked (newAccountErrors)
// before the invitation is touched; a code that is not a live
// invitation's counts against the caller's address, like a failed
// sign-in. The new account is in the audit log.
func (s *Server) redeemInvitation(c *fiber.Ctx, read func() (accountRequest, error)) (*registry.Account, error) {
	addr := s.clientAddr(c)
	done, err := s.addrLimit.reserve(addr)
	if err != nil {
		return nil, err
	}
	failed := false
	defer func() { done(failed) }()
	req, err := read()
	if err != nil {
		return nil, err
	}
	errs := newAccountErrors(req.Handle, req.Password)
	if err := errs.Err("The handle or password cannot be used."); err != nil {
		return nil, err
	}
	a, err := s.store.CreateAccount(c.UserContext(), req.Invitation, req.Handle, req.Password)
	if err != nil {
		// Every refused invitation counts against the address, used-up
		// ones included, so that no code can be replayed without limit;
		// so does a taken handle, so that a live code is no free oracle
		// of which handles have accounts.
		if fields := registry.ErrorFields(err); len(fields) > 0 && (fields[0].Field == "invitation" || fields[0].Field == "handle") {
			failed = true
		}
		return nil, err
	}
	// A reviewer's account appears by its role only: neither the handle
	// nor the invitation redeemed (whose note may name the person).
	actor := &registry.Principal{Role: a.Role, Handle: a.Handle}
	if err := s.auditAs(c, actor, registry.AuditAccountCreate, auditTargetOf(a.Role, "account", a.Handle), map[string]any{"role": a.Role}); err != nil {
		return nil, err
	}
	return a, nil
}

// newAccountErrors lists what is wrong with a new account's handle and
// password.
func newAccountErrors(handle, pw string) *registry.FieldErrors {
	var errs registry.FieldErrors
	if msg := registry.CheckHandle(handle); msg != "" {
		errs.Add("handle", msg)
	}
	if msg := password.Check(pw, handle); msg != "" {
		errs.Add("password", msg)
	}
	return &errs
}
