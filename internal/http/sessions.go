package http

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// SessionCookie is the name of the cookie that carries a session.
const SessionCookie = "registry_session"

type sessionRequest struct {
	Handle   string `json:"handle" validate:"required,limit=credential"`
	Password string `json:"password" validate:"required,limit=password"`
}

// sessionJSON is a new session. Its token is the session's secret, shown
// once: browsers use the cookie, API clients send it as a bearer token.
type sessionJSON struct {
	Token         string    `json:"token"`
	Handle        string    `json:"handle"`
	Role          string    `json:"role"`
	ExpiresAt     time.Time `json:"expiresAt"`
	IdleExpiresAt time.Time `json:"idleExpiresAt"`
}

// createSession signs in (startSession) and answers with the session.
func (s *Server) createSession(c *fiber.Ctx) error {
	sess, err := s.startSession(c, func() (sessionRequest, error) {
		var req sessionRequest
		err := decode(c, &req)
		return req, err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(sessionJSON{Token: sess.Secret, Handle: sess.Handle, Role: sess.Role,
		ExpiresAt: sess.ExpiresAt, IdleExpiresAt: sess.IdleExpiresAt})
}

// startSession signs in, for the API and the sign-in page alike: too many
// failures from the address (this node) or for the handle (every node) are
// ETOOMANY with a RetryAfter. The address's attempt is taken before read
// reads the credentials and the password is hashed, and given back unless
// the credentials were wrong, so parallel guesses from one address cannot
// pass the limit together. A new session is in the audit log and in the
// response's session cookie.
func (s *Server) startSession(c *fiber.Ctx, read func() (sessionRequest, error)) (*registry.Session, error) {
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
	sess, err := s.store.LoginFrom(c.UserContext(), req.Handle, req.Password, addr)
	failed = registry.ErrorCode(err) == registry.EUNAUTHORIZED
	if err != nil {
		return nil, err
	}
	// Never the address, nor a reviewer's handle.
	actor := &registry.Principal{Role: sess.Role, Handle: sess.Handle}
	if err := s.auditAs(c, actor, registry.AuditSessionCreate, auditTargetOf(sess.Role, "account", sess.Handle), nil); err != nil {
		return nil, err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
	return sess, nil
}

// secureCookie reports whether the session cookie is marked Secure: when
// configured (behind a TLS-terminating proxy) or when the request came
// over TLS.
func (s *Server) secureCookie(c *fiber.Ctx) bool {
	return s.secureCookies || c.Secure()
}

// deleteSession signs out the session the request came with (endSession).
func (s *Server) deleteSession(c *fiber.Ctx) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// endSession signs out the session the request came with, for the API
// and the sign-out button alike: the session ends, the audit log says so
// and its cookie is cleared.
func (s *Server) endSession(c *fiber.Ctx) error {
	p := principal(c)
	if err := s.store.Logout(c.UserContext(), p); err != nil {
		return err
	}
	if err := s.audit(c, registry.AuditSessionDelete, auditTargetOf(p.Role, "account", p.Handle), nil); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	return nil
}

// clearSessionCookie tells the browser to forget its session cookie.
func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
}

type passwordRequest struct {
	Current string `json:"current" validate:"required,limit=password"`
	New     string `json:"new" validate:"required,limit=password"`
}

// changePassword replaces the caller's password (replacePassword).
func (s *Server) changePassword(c *fiber.Ctx) error {
	var req passwordRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := s.replacePassword(c, req); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// replacePassword replaces the caller's password and ends the account's
// other sessions and tokens, for the API and the password page alike: the
// new password must pass password.Check and differ from the current one,
// which the store confirms (a wrong one counts like a failed sign-in).
func (s *Server) replacePassword(c *fiber.Ctx, req passwordRequest) error {
	p := principal(c)
	if p.AccountID == "" {
		return registry.Errorf(registry.EFORBIDDEN, "This needs an account: the token in use was made without one.")
	}
	msg := password.Check(req.New, p.Handle)
	if msg == "" && req.New == req.Current {
		msg = msgSamePassword
	}
	if msg != "" {
		return registry.Invalid("The new password cannot be used.", registry.FieldError{Field: "new", Message: msg})
	}
	if err := s.store.ChangePassword(c.UserContext(), p, req.Current, req.New); err != nil {
		return err
	}
	return s.audit(c, registry.AuditPasswordChange, auditTargetOf(p.Role, "account", p.Handle), nil)
}

// msgSamePassword is the problem with a new password that is the current
// one.
const msgSamePassword = "must differ from the current password"
