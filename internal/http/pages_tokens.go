package http

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// A person's personal tokens, for programs that use the API in their
// name: the list (GET /api/v1/me/tokens), a new one (POST
// /api/v1/me/tokens), whose secret is shown once, and a revocation (DELETE
// /api/v1/me/tokens/{id}).

// myTokensPage lists the account's tokens, never their secrets, with the
// form that makes one.
func (s *Server) myTokensPage(c *fiber.Ctx) error {
	v := s.view(c, "account", nil)
	data, err := s.myTokens(c, nil)
	if err != nil {
		return err
	}
	v.Data = data
	return s.render(c, fiber.StatusOK, "mytokens", v)
}

// myTokens reads the account's tokens as GET /api/v1/me/tokens does.
func (s *Server) myTokens(c *fiber.Ctx, f *web.Form) (web.MyTokensData, error) {
	ts, err := s.store.PersonalTokens(c.UserContext(), principal(c))
	if err != nil {
		return web.MyTokensData{}, err
	}
	data := web.MyTokensData{Form: f, Max: registry.MaxPersonalTokens, Items: make([]web.MyToken, 0, len(ts))}
	for _, t := range ts {
		data.Items = append(data.Items, web.MyToken{ID: t.ID, Name: t.Name, CreatedOn: dayOf(t.CreatedOn), LastUsedOn: dayOf(t.LastUsedOn)})
	}
	return data, nil
}

// myTokensPost makes a token as POST /api/v1/me/tokens does
// (makePersonalToken, with its audit entry) and shows its secret once, on
// a page no cache keeps.
func (s *Server) myTokensPost(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	req := personalTokenRequest{Name: form.Get("name")}
	err = validate(&req)
	var t *registry.CreatedToken
	if err == nil {
		t, err = s.makePersonalToken(c, req.Name)
	}
	v := s.view(c, "account", nil)
	if err == nil {
		v.Data = web.TokenCreatedData{Name: t.Name, Secret: t.Secret}
		// Shown once: render keeps a signed-in page out of every cache.
		return s.render(c, fiber.StatusCreated, "tokencreated", v)
	}
	f := &web.Form{Values: map[string][]string{"name": {req.Name}}}
	status, ok := 0, false
	if registry.ErrorCode(err) == registry.ECONFLICT && len(registry.ErrorFields(err)) == 0 {
		// The account holds as many tokens as it may.
		msg, terr := v.T("account.error.name.full", registry.MaxPersonalTokens)
		if terr != nil {
			return terr
		}
		f.Add("name", msg)
		status, ok = fiber.StatusConflict, true
	} else {
		var wait int
		status, ok = s.formFailure(c, v, f, err, map[string]string{"name": req.Name}, &wait)
	}
	if !ok {
		return err
	}
	data, rerr := s.myTokens(c, f)
	if rerr != nil {
		return rerr
	}
	v.Data = data
	return s.render(c, status, "mytokens", v)
}

// revokeTokenPost revokes a token of the account as DELETE
// /api/v1/me/tokens/{id} does (dropPersonalToken, with its audit entry)
// and goes back to the list with a notice. Another account's token is not
// found.
func (s *Server) revokeTokenPost(c *fiber.Ctx) error {
	if err := s.dropPersonalToken(c, c.Params("id")); err != nil {
		return err
	}
	s.flash(c, "token.notice.revoked")
	return redirect(c, "/me/tokens")
}

// dayOf reads a day ("2006-01-02") of the store; zero when there is none.
func dayOf(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
