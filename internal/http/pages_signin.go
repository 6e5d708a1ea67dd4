package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// The way in and out: signing in (POST /api/v1/sessions), signing out
// (DELETE /api/v1/sessions/current) and joining with an invitation (POST
// /api/v1/accounts), each through the API's own function.

// defaultNext is where a person goes once signed in when no page sent
// them.
const defaultNext = "/me/reviews"

// nextOf returns where to go once signed in: next when it is a path of
// this site, else defaultNext.
func nextOf(next string) string {
	if p := localPath(next); p != "/" || next == "/" {
		return p
	}
	return defaultNext
}

// signInPage shows the sign-in form; next (a path of this site) is where
// the person goes once signed in.
func (s *Server) signInPage(c *fiber.Ctx) error {
	return s.page(c, "signin", "signin", web.SignInData{Next: nextOf(c.Query("next"))})
}

// signInPost signs in as POST /api/v1/sessions does (startSession: the same
// limits, audit entry and cookie) and goes on to next. Wrong credentials
// show the form again with one message, whether or not the handle exists.
func (s *Server) signInPost(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	next := nextOf(form.Get("next"))
	req := sessionRequest{Handle: form.Get("handle"), Password: form.Get("password")}
	_, err = s.startSession(c, func() (sessionRequest, error) { return req, validate(&req) })
	if err == nil {
		return redirect(c, next)
	}
	v := s.view(c, "signin", nil)
	// The handle is shown again, never the password.
	f := &web.Form{Values: map[string][]string{"handle": {req.Handle}}}
	data := web.SignInData{Form: f, Next: next}
	if registry.ErrorCode(err) == registry.EUNAUTHORIZED {
		msg, terr := v.T("account.error.signin.wrong")
		if terr != nil {
			return terr
		}
		f.Add("handle", msg)
		v.Data = data
		return s.render(c, fiber.StatusUnprocessableEntity, "signin", v)
	}
	values := map[string]string{"handle": req.Handle, "password": req.Password}
	if status, ok := s.formFailure(c, v, f, err, values, &data.Wait); ok {
		v.Data = data
		return s.render(c, status, "signin", v)
	}
	return err
}

// signOutPost signs out as DELETE /api/v1/sessions/current does
// (endSession) and goes to the list of products. A browser whose session
// has already ended is simply sent there (pageMiddleware lets its form
// through whatever its token: there is nothing left to protect).
func (s *Server) signOutPost(c *fiber.Ctx) error {
	if s.pageOf(c).user == nil {
		s.clearSessionCookie(c)
		s.flash(c, "account.notice.signedout")
		return redirect(c, "/")
	}
	if err := s.endSession(c); err != nil {
		return err
	}
	s.flash(c, "account.notice.signedout")
	return redirect(c, "/")
}

// joinPage shows the form that redeems an invitation; ?code= fills in the
// code of a link an officer sent.
func (s *Server) joinPage(c *fiber.Ctx) error {
	f := &web.Form{Values: map[string][]string{"invitation": {c.Query("code")}}}
	return s.page(c, "", "join", web.JoinData{Form: f})
}

// joinPost redeems an invitation as POST /api/v1/accounts does
// (redeemInvitation), then signs the new account in as the sign-in page
// does and goes to its reviews.
func (s *Server) joinPost(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	req := accountRequest{Invitation: form.Get("invitation"), Handle: form.Get("handle"), Password: form.Get("password")}
	confirm := form.Get("confirm")
	_, err = s.redeemInvitation(c, func() (accountRequest, error) {
		if err := validate(&req); err != nil {
			return req, err
		}
		if confirm != req.Password {
			// Everything wrong at once, the rules of the handle and the
			// password with the confirmation.
			errs := newAccountErrors(req.Handle, req.Password)
			errs.Add("confirm", msgConfirmDiffers)
			return req, errs.Err("The passwords differ.")
		}
		return req, nil
	})
	if err == nil {
		_, err = s.startSession(c, func() (sessionRequest, error) {
			return sessionRequest{Handle: req.Handle, Password: req.Password}, nil
		})
		if err != nil {
			// The account exists: signing in is all that is left to do.
			return err
		}
		s.flash(c, "account.notice.joined")
		return redirect(c, defaultNext)
	}
	v := s.view(c, "", nil)
	f := &web.Form{Values: map[string][]string{"invitation": {req.Invitation}, "handle": {req.Handle}}}
	data := web.JoinData{Form: f}
	values := map[string]string{"invitation": req.Invitation, "handle": req.Handle, "password": req.Password, "confirm": confirm}
	if status, ok := s.formFailure(c, v, f, err, values, &data.Wait); ok {
		v.Data = data
		return s.render(c, status, "join", v)
	}
	return err
}
