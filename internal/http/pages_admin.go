package http

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// The admin pages: the overview, invitations (officers and admins), tokens
// and the audit log (admins). Every change goes through the same function
// as its API route (makeInvitation, dropInvitation, makeToken, dropToken),
// so the rules, store calls and audit entries are the API's; every list is
// the same store call as its API listing.

// adminPages registers the admin pages.
func (s *Server) adminPages(r fiber.Router) {
	officer, admin := s.signedIn(registry.RoleOfficer), s.signedIn(registry.RoleAdmin)
	r.Get("/admin", officer, s.adminOverview)
	r.Get("/admin/invitations", officer, s.adminInvitations)
	r.Post("/admin/invitations", officer, s.adminCreateInvitation)
	r.Post("/admin/invitations/:id/revoke", officer, s.adminRevokeInvitation)
	r.Get("/admin/tokens", admin, s.adminTokens)
	r.Post("/admin/tokens", admin, s.adminCreateToken)
	r.Post("/admin/tokens/:id/revoke", admin, s.adminRevokeToken)
	r.Get("/admin/audit", admin, s.adminAudit)
}

// adminOverview links to the sections the user's role opens.
func (s *Server) adminOverview(c *fiber.Ctx) error {
	isAdmin := principal(c).Role == registry.RoleAdmin
	return s.page(c, "admin", "admin", &web.AdminData{Invitations: true, Tokens: isAdmin, Audit: isAdmin})
}

// adminDone reads the confirmation a list shows after a change (?done=).
func adminDone(c *fiber.Ctx) string {
	if d := c.Query("done"); d == "revoked" {
		return d
	}
	return ""
}

// noStore answers a page that shows a secret once: no cache may keep it.
func noStore(c *fiber.Ctx) { c.Set(fiber.HeaderCacheControl, "no-store") }

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
	noStore(c)
	return s.page(c, "admin", "invitations", d)
}

// formInt reads a whole number posted as text; nil when it is not one, as
// a JSON client that sent none (the rules then say it is required).
func formInt(v string) *int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return nil
	}
	return &n
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
			"role":          {"invite-role", "admin.invitations.error.role", nil},
			"uses":          {"invite-uses", "admin.invitations.error.uses", []any{registry.MaxInvitationUses}},
			"expiresInDays": {"invite-days", "admin.invitations.error.days", []any{registry.MaxInvitationDays}},
			"note":          {"invite-note", "admin.invitations.error.note", []any{registry.MaxNote}},
		})
		noStore(c)
		return s.render(c, fiber.StatusUnprocessableEntity, "invitations", v)
	}
	if err != nil {
		return err
	}
	noStore(c)
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

// fieldMessage is the page's message about a field of an API request: the
// input it belongs to, its catalogue key and the key's arguments.
type fieldMessage struct {
	id   string
	key  string
	args []any
}

// formErrors turns the field errors of err (EINVALID from the API's
// rules) into a form's errors in the page's language, one per input, in
// the order of the rules broken.
func formErrors(v *web.View, values map[string][]string, err error, fields map[string]fieldMessage) *web.Form {
	f := &web.Form{Values: values}
	for _, fe := range registry.ErrorFields(err) {
		fm, ok := fields[fe.Field]
		if !ok || f.Error(fm.id) != "" {
			continue
		}
		msg, _ := v.T(fm.key, fm.args...)
		f.Add(fm.id, msg)
	}
	if !f.HasErrors() { // a rule the page has no input for: say so at the top
		msg, _ := v.T("admin.error.other")
		f.Add("main", msg)
	}
	return f
}

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
		item := web.TokenItem{ID: j.ID, Name: j.Name, Role: j.Role, Owner: j.Owner, CreatedOn: day(j.CreatedOn)}
		if j.LastUsedOn != nil {
			item.LastUsedOn = day(*j.LastUsedOn)
		}
		d.Items = append(d.Items, item)
	}
	return d, nil
}

// day reads a "2006-01-02" day (the zero time for anything else).
func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// adminTokens lists the stored tokens, with the form that makes one.
func (s *Server) adminTokens(c *fiber.Ctx) error {
	d, err := s.tokensData(c)
	if err != nil {
		return err
	}
	noStore(c)
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
		nameKey := "admin.tokens.error.name"
		if req.Name != "" {
			nameKey = "admin.tokens.error.namelong"
		}
		d.Form = formErrors(v, form, err, map[string]fieldMessage{
			"role": {"token-role", "admin.tokens.error.role", nil},
			"name": {"token-name", nameKey, []any{registry.MaxTokenNameLength}},
		})
		noStore(c)
		return s.render(c, fiber.StatusUnprocessableEntity, "tokens", v)
	}
	if err != nil {
		return err
	}
	noStore(c)
	return s.page(c, "admin", "token", &web.TokenCreatedData{Secret: secret, Name: req.Name, Role: req.Role})
}

// adminRevokeToken deletes a token and goes back to the list.
func (s *Server) adminRevokeToken(c *fiber.Ctx) error {
	if err := s.dropToken(c, c.Params("id")); err != nil {
		return err
	}
	return redirect(c, "/admin/tokens?done=revoked")
}

// adminAudit shows a page of the audit log, newest first, narrowed as GET
// /api/v1/audit narrows it (?action=, ?target=, ?cursor=).
func (s *Server) adminAudit(c *fiber.Ctx) error {
	d := &web.AuditData{Action: c.Query("action"), Target: c.Query("target"), Cursor: c.Query("cursor")}
	for _, a := range registry.AuditActions {
		d.Actions = append(d.Actions, string(a))
	}
	noStore(c)
	f, err := auditFilter(c)
	if err != nil {
		v := s.view(c, "admin", d)
		d.Form = formErrors(v, map[string][]string{"action": {d.Action}, "target": {d.Target}}, err, map[string]fieldMessage{
			"action": {"audit-action", "admin.audit.error.action", nil},
			"target": {"audit-target", "admin.audit.error.target", []any{registry.MaxAuditTarget}},
		})
		return s.render(c, fiber.StatusUnprocessableEntity, "audit", v)
	}
	page, err := s.store.AuditLog(c.UserContext(), f, registry.DefaultPageLimit, d.Cursor)
	if err != nil {
		return err
	}
	d.NextCursor = page.NextCursor
	for _, e := range page.Items {
		j := toAuditEntryJSON(e)
		t := j.Time.UTC()
		item := web.AuditItem{Seq: j.Seq, Time: t.Format("2006-01-02 15:04:05") + " UTC", Datetime: t.Format(time.RFC3339),
			ActorRole: j.Actor.Role, ActorHandle: j.Actor.Handle, ActorKind: j.Actor.Kind, ActorReviewer: j.Actor.Reviewer,
			Action: j.Action, Target: j.Target}
		for _, k := range sortedKeys(j.Detail) {
			item.Detail = append(item.Detail, web.AuditDetail{Key: k, Value: detailValue(j.Detail[k])})
		}
		d.Items = append(d.Items, item)
	}
	return s.page(c, "admin", "audit", d)
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// detailValue shows a value of an entry's detail: a string, a boolean,
// a number or a list of strings.
func detailValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = detailValue(p)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
