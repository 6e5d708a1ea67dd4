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

// createSession signs in: too many failures from the address (this node)
// or for the handle (every node) are 429 with Retry-After. The address's
// attempt is taken before the password is hashed and given back unless the
// credentials were wrong, so parallel guesses from one address cannot pass
// the limit together.
func (s *Server) createSession(c *fiber.Ctx) error {
	addr := s.clientAddr(c)
	done, err := s.addrLimit.reserve(addr)
	if err != nil {
		return err
	}
	failed := false
	defer func() { done(failed) }()
	var req sessionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	sess, err := s.store.LoginFrom(c.UserContext(), req.Handle, req.Password, addr)
	failed = registry.ErrorCode(err) == registry.EUNAUTHORIZED
	if err != nil {
		return err
	}
	// Never the address, nor a reviewer's handle.
	actor := &registry.Principal{Role: sess.Role, Handle: sess.Handle}
	if err := s.auditAs(c, actor, registry.AuditSessionCreate, auditTargetOf(sess.Role, "account", sess.Handle), nil); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(sessionJSON{Token: sess.Secret, Handle: sess.Handle, Role: sess.Role,
		ExpiresAt: sess.ExpiresAt, IdleExpiresAt: sess.IdleExpiresAt})
}

// secureCookie reports whether the session cookie is marked Secure: when
// configured (behind a TLS-terminating proxy) or when the request came
// over TLS.
func (s *Server) secureCookie(c *fiber.Ctx) bool {
	return s.secureCookies || c.Secure()
}

// deleteSession signs out the session the request came with, and clears
// its cookie.
func (s *Server) deleteSession(c *fiber.Ctx) error {
	p := principal(c)
	if err := s.store.Logout(c.UserContext(), p); err != nil {
		return err
	}
	if err := s.audit(c, registry.AuditSessionDelete, auditTargetOf(p.Role, "account", p.Handle), nil); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
	return c.SendStatus(fiber.StatusNoContent)
}

type passwordRequest struct {
	Current string `json:"current" validate:"required,limit=password"`
	New     string `json:"new" validate:"required,limit=password"`
}

// changePassword replaces the caller's password and ends the account's
// other sessions.
func (s *Server) changePassword(c *fiber.Ctx) error {
	var req passwordRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := principal(c)
	if p.AccountID == "" {
		return registry.Errorf(registry.EFORBIDDEN, "This needs an account: the token in use was made without one.")
	}
	msg := password.Check(req.New, p.Handle)
	if msg == "" && req.New == req.Current {
		msg = "must differ from the current password"
	}
	if msg != "" {
		return registry.Invalid("The new password cannot be used.", registry.FieldError{Field: "new", Message: msg})
	}
	if err := s.store.ChangePassword(c.UserContext(), p, req.Current, req.New); err != nil {
		return err
	}
	if err := s.audit(c, registry.AuditPasswordChange, auditTargetOf(p.Role, "account", p.Handle), nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
