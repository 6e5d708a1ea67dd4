package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/web"
)

// A person's data: what the registry holds about them and their rights,
// the export (GET /api/v1/me/export, served at /me/export.json by the same
// handler) and the deletion of the account (DELETE /api/v1/me).

// myDataPage says what is held and offers the export and the deletion.
func (s *Server) myDataPage(c *fiber.Ctx) error {
	return s.page(c, "account", "mydata", web.MyDataData{})
}

// deleteAccountPost deletes the account as DELETE /api/v1/me does
// (removeAccount: the password confirmed by the store, the reviews
// withdrawn or kept as chosen, the audit entry, the cookie cleared) and
// goes to the list of products with a notice.
func (s *Server) deleteAccountPost(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	req := deleteAccountRequest{Reviews: form.Get("reviews"), Password: form.Get("password")}
	err = validate(&req)
	if err == nil {
		err = s.removeAccount(c, req)
	}
	if err == nil {
		s.flash(c, "account.notice.deleted")
		return redirect(c, "/")
	}
	v := s.view(c, "account", nil)
	f := &web.Form{Values: map[string][]string{"reviews": {req.Reviews}}}
	data := web.MyDataData{Form: f}
	values := map[string]string{"reviews": req.Reviews, "password": req.Password}
	if status, ok := s.formFailure(c, v, f, err, values, &data.Wait); ok {
		v.Data = data
		return s.render(c, status, "mydata", v)
	}
	return err
}
