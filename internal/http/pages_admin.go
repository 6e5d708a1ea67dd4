package http

import (
	"strconv"
	"strings"

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

// formInt reads a whole number posted as text; nil when it is not one, as
// a JSON client that sent none (the rules then say it is required).
func formInt(v string) *int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return nil
	}
	return &n
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
