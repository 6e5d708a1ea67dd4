package http

// The account pages: sign in and out, join with an invitation, the
// account's overview and password (this file), its reviews
// (pages_myreviews.go), its tokens (pages_tokens.go) and its data
// (pages_mydata.go). Each change calls the same function as the API's
// handler (startSession, endSession, redeemInvitation, replacePassword,
// withdrawReview, makePersonalToken, dropPersonalToken, removeAccount), so
// the store call, the audit entry and the cookie are the API's.

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// accountPages registers the account pages.
func (s *Server) accountPages(r fiber.Router) {
	r.Get("/signin", s.signInPage)
	r.Post("/signin", s.signInPost)
	r.Post("/signout", s.signOutPost)
	r.Get("/join", s.joinPage)
	r.Post("/join", s.joinPost)

	me := s.signedIn(registry.Roles...)
	r.Get("/me", me, s.accountPage)
	r.Get("/me/password", me, s.passwordPage)
	r.Post("/me/password", me, s.passwordPost)

	r.Get("/me/reviews", me, s.myReviewsPage)
	r.Get("/me/reviews/:id", me, s.myReviewPage)
	r.Get("/me/reviews/:id/withdraw", me, s.withdrawPage)
	r.Post("/me/reviews/:id/withdraw", me, s.withdrawPost)

	r.Get("/me/tokens", me, s.myTokensPage)
	r.Post("/me/tokens", me, s.myTokensPost)
	r.Post("/me/tokens/:id/revoke", me, s.revokeTokenPost)

	r.Get("/me/data", me, s.myDataPage)
	r.Get("/me/export.json", me, s.exportAccount)
	r.Post("/me/delete", me, s.deleteAccountPost)
}

// accountPage is the account's overview: its handle (shown to its owner
// alone), its role and the links to everything else of it.
func (s *Server) accountPage(c *fiber.Ctx) error {
	p := principal(c)
	return s.page(c, "account", "account", web.AccountData{Handle: p.Handle, Role: p.Role})
}

// passwordPage shows the form that changes the account's password.
func (s *Server) passwordPage(c *fiber.Ctx) error {
	return s.page(c, "account", "password", web.PasswordData{})
}

// passwordPost changes the password as PUT /api/v1/me/password does
// (replacePassword), which ends the account's other sessions and tokens,
// and goes back to the account with a notice.
func (s *Server) passwordPost(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	v := s.view(c, "account", nil)
	f := &web.Form{Values: map[string][]string{}} // no password is ever shown again
	req := passwordRequest{Current: form.Get("current"), New: form.Get("new")}
	confirm := form.Get("confirm")
	err = validate(&req)
	if err == nil && confirm != req.New {
		err = registry.Invalid("The passwords differ.", registry.FieldError{Field: "confirm", Message: msgConfirmDiffers})
	}
	if err == nil {
		err = s.replacePassword(c, req)
	}
	if err == nil {
		s.flash(c, "account.notice.password")
		return redirect(c, "/me")
	}
	data := web.PasswordData{Form: f}
	values := map[string]string{"current": req.Current, "new": req.New, "confirm": confirm}
	if status, ok := s.formFailure(c, v, f, err, values, &data.Wait); ok {
		v.Data = data
		return s.render(c, status, "password", v)
	}
	return err
}

// msgConfirmDiffers is the problem with a confirmation that is not the
// password it confirms.
const msgConfirmDiffers = "does not match the password"

// fieldMessages are the catalogue's words for the problems the API names
// in English: the rules of handles (registry.CheckHandle), of passwords
// (password.Check) and of invitations, and the store's refusals. A
// problem not listed here is shown as the field's general one (fieldKeys).
var fieldMessages = map[string]string{
	"must not be an email address: choose a name that says nothing about who you are or where you work":       "account.error.handle.email",
	"must be 3 to 32 characters: letters a-z, digits and - _ . (beginning and ending with a letter or digit)": "account.error.handle.invalid",
	"is taken (handles are compared ignoring case)":                                                           "account.error.handle.taken",
	"must be at least 12 characters":                                                                          "account.error.password.short",
	"must be at most 256 characters":                                                                          "account.error.password.long",
	"must not be only spaces":                                                                                 "account.error.password.spaces",
	"is one of the most common passwords; choose another":                                                     "account.error.password.common",
	"must not contain your handle":                                                                            "account.error.password.handle",
	"repeats a short pattern; choose something less predictable":                                              "account.error.password.predictable",
	"is a sequence of characters; choose something less predictable":                                          "account.error.password.predictable",
	"follows a row of the keyboard; choose something less predictable":                                        "account.error.password.predictable",
	"is a common word with digits or symbols added; choose something less predictable":                        "account.error.password.predictable",
	msgSamePassword:                                       "account.error.new.same",
	msgConfirmDiffers:                                     "account.error.confirm.differs",
	"is not the account's password":                       "account.error.password.wrong",
	"is not an invitation code":                           "account.error.invitation.unknown",
	"is not a valid invitation code (unknown or revoked)": "account.error.invitation.unknown",
	"has expired":                                         "account.error.invitation.expired",
	"has no uses left":                                    "account.error.invitation.usedup",
	"must be one of: withdraw, keep":                      "account.error.reviews.required",
}

// fieldKeys are the catalogue's words for a problem with a field that
// fieldMessages does not name: when the field was left empty, and when
// what was entered there cannot be used.
var fieldKeys = map[string]struct{ empty, wrong string }{
	"handle":     {"account.error.handle.required", "account.error.handle.invalid"},
	"password":   {"account.error.password.required", "account.error.password.invalid"},
	"current":    {"account.error.current.required", "account.error.current.required"},
	"new":        {"account.error.new.required", "account.error.new.invalid"},
	"confirm":    {"account.error.confirm.required", "account.error.confirm.invalid"},
	"invitation": {"account.error.invitation.required", "account.error.invitation.invalid"},
	"name":       {"token.error.name", "account.error.name.invalid"},
	"reviews":    {"account.error.reviews.required", "account.error.reviews.required"},
}

// formFailure shows the problems of a refused form post in the page's
// language: the field errors of an EINVALID (or of a refused invitation or
// a taken handle) beside their inputs, each input named by its field in
// values (what was posted there), or the wait after too many attempts
// (429, with Retry-After, the minutes in *wait). It returns the status to
// render the form again with, and false for any other error, which the
// caller returns as it is.
func (s *Server) formFailure(c *fiber.Ctx, v *web.View, f *web.Form, err error, values map[string]string, wait *int) (int, bool) {
	if registry.ErrorCode(err) == registry.ETOOMANY {
		secs := registry.ErrorRetryAfter(err)
		if secs <= 0 {
			secs = 60
		}
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		*wait = (secs + 59) / 60
		return fiber.StatusTooManyRequests, true
	}
	fields := registry.ErrorFields(err)
	if len(fields) == 0 || registry.ErrorCode(err) != registry.EINVALID && registry.ErrorCode(err) != registry.ECONFLICT {
		return 0, false
	}
	for _, fe := range fields {
		value, ok := values[fe.Field]
		if !ok {
			continue
		}
		key := fieldMessages[fe.Message]
		if key == "" {
			keys, ok := fieldKeys[fe.Field]
			if !ok {
				return 0, false
			}
			key = keys.wrong
			if value == "" {
				key = keys.empty
			}
		}
		msg, terr := v.T(key)
		if terr != nil {
			return 0, false
		}
		if f.Error(fe.Field) == "" {
			f.Add(fe.Field, msg)
		}
	}
	if !f.HasErrors() {
		return 0, false
	}
	return fiber.StatusUnprocessableEntity, true
}
