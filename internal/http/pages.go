package http

// The pages: server-rendered HTML over the same store, sessions and public
// conversions as the JSON API. internal/web owns the templates, messages
// and assets; this file owns what every page shares: its headers, its
// language, its signed-in user, its form token, its errors. Each area's
// routes are in a file of their own (pages_*.go).

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// CSRFCookie binds the form tokens of a browser that is not signed in (a
// signed-in browser's tokens are bound to its session).
const CSRFCookie = "registry_csrf"

// contentSecurityPolicy allows nothing but the registry's own stylesheet,
// script, images and forms: no inline script or style, no frames.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders are set on every response, pages and API alike. Behind
// TLS (the session cookie marked Secure) browsers are also told to use
// nothing but HTTPS for the registry from then on (HSTS), so a network
// attacker cannot offer a plain-HTTP page that reads or plants cookies.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	if s.secureCookie(c) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	// No address of the registry (a product's page, a review's id) goes
	// to another site when a reader follows a link away.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	return c.Next()
}

// isPagePath reports whether a path is a page's (errors are HTML there),
// not the API's, the probes' or the contract's.
func isPagePath(p string) bool {
	for _, prefix := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return true
}

// pageState is what the page middleware learned about a request.
type pageState struct {
	lang web.Lang
	user *registry.Principal // nil when not signed in
	csrf string
}

type pageStateKey struct{}

// pageOf returns the request's page state (set by pageMiddleware; a
// request that did not pass it, such as a 404 for no route, gets one
// here).
func (s *Server) pageOf(c *fiber.Ctx) *pageState {
	if ps, ok := c.Locals(pageStateKey{}).(*pageState); ok {
		return ps
	}
	ps := &pageState{lang: web.Negotiate(c.Cookies(web.LangCookie), c.Get(fiber.HeaderAcceptLanguage))}
	c.Locals(pageStateKey{}, ps)
	return ps
}

// pageMiddleware runs before every page: it picks the language, finds the
// signed-in user from the session cookie (a missing, expired or revoked
// session is simply signed out), makes the form token, and refuses a form
// post whose token is missing or wrong, or that the browser says came from
// another site, before its handler reads anything.
func (s *Server) pageMiddleware(c *fiber.Ctx) error {
	if !isPagePath(c.Path()) {
		// The group's middleware sees every request no earlier route
		// took, the API's unknown paths too: those stay the API's.
		return c.Next()
	}
	ps := s.pageOf(c)
	c.Set(fiber.HeaderVary, "Cookie, Accept-Language")
	if secret := c.Cookies(SessionCookie); secret != "" {
		p, err := s.store.Authenticate(c.UserContext(), secret)
		switch {
		case err == nil && p.Kind == registry.CredentialSession:
			ps.user = p
			c.Locals(principalKey{}, p)
		case err != nil && registry.ErrorCode(err) != registry.EUNAUTHORIZED:
			// The store did not answer: the person may well be signed in,
			// and treating them as a visitor would refuse their form as
			// expired (losing what they typed) or clear a live cookie.
			return err
		}
	}
	// Signing out of a session that has already ended changes nothing
	// (signOutPost only clears the cookie), so a page left open past the
	// session's end is not refused for its form token.
	staleSignOut := ps.user == nil && c.Path() == "/signout"
	if c.Method() == fiber.MethodPost {
		// Another site may not even sign a browser out.
		switch c.Get("Sec-Fetch-Site") {
		case "cross-site", "same-site":
			return errCSRF
		}
	}
	if c.Method() == fiber.MethodPost && !staleSignOut {
		form, err := formBody(c)
		if err != nil {
			return err
		}
		// A browser without the cookie gets one now, and a token that
		// cannot match what it posted.
		if subtle.ConstantTimeCompare([]byte(form.Get(web.CSRFField)), []byte(s.csrfOf(c))) != 1 {
			return errCSRF
		}
	}
	err := c.Next()
	if ps.user != nil && err == nil && c.Response().StatusCode() < 400 {
		s.store.RecordUse(c.UserContext(), ps.user)
	}
	return err
}

// errCSRF refuses a form post without its token.
var errCSRF = &registry.Error{Code: registry.EFORBIDDEN, Message: "csrf"}

// csrfOf returns the request's form token, made once per request.
func (s *Server) csrfOf(c *fiber.Ctx) string {
	ps := s.pageOf(c)
	if ps.csrf == "" {
		ps.csrf = s.csrfToken(c, ps)
	}
	return ps.csrf
}

// csrfToken returns the request's form token: a hash of the session's
// secret when signed in, else of the browser's CSRF cookie (set here when
// it has none). A page on another site can read neither cookie, so it
// cannot make the token; the token reveals nothing of the session.
func (s *Server) csrfToken(c *fiber.Ctx, ps *pageState) string {
	binding := ""
	if ps.user != nil {
		binding = "session:" + c.Cookies(SessionCookie)
	} else {
		v := c.Cookies(CSRFCookie)
		if len(v) < 32 {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			v = base64.RawURLEncoding.EncodeToString(b)
			c.Cookie(&fiber.Cookie{Name: CSRFCookie, Value: v, Path: "/", HTTPOnly: true,
				SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c), Expires: time.Now().Add(24 * time.Hour)})
			// The cookie may be new: bind to what the browser will send.
			c.Request().Header.SetCookie(CSRFCookie, v)
		}
		binding = "browser:" + v
	}
	sum := sha256.Sum256([]byte("registry form token\x00" + binding))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// formTypes are what a page's form posts.
var formTypes = []string{fiber.MIMEApplicationForm}

// formBody reads a form post (url-encoded, at most MaxBodyBytes), once.
func formBody(c *fiber.Ctx) (url.Values, error) {
	if v, ok := c.Locals(formKey{}).(url.Values); ok {
		return v, nil
	}
	body, err := jsonBody(c, formTypes)
	if err != nil {
		return nil, err
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, registry.Errorf(registry.EBADREQUEST, "The form could not be read.")
	}
	c.Locals(formKey{}, v)
	return v, nil
}

type formKey struct{}

// view starts the view of a page: nav names its section in the header.
func (s *Server) view(c *fiber.Ctx, nav string, data any) *web.View {
	ps := s.pageOf(c)
	v := s.pages.NewView(ps.lang)
	v.Path, v.Nav, v.Data = string(c.Request().URI().RequestURI()), nav, data
	v.CSRFToken = func() string { return s.csrfOf(c) }
	if ps.user != nil {
		v.User = &web.User{Handle: ps.user.Handle, Role: ps.user.Role}
	}
	if key := c.Cookies(NoticeCookie); key != "" {
		// Only a notice of the catalogue, whoever set the cookie.
		if strings.Contains(key, ".notice.") && s.pages.Catalogue().Has(key) {
			v.Notice, _ = v.T(key)
		}
		c.Cookie(&fiber.Cookie{Name: NoticeCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
			HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
	}
	return v
}

// NoticeCookie carries a notice from a form post to the page its redirect
// leads to, shown there once: the key of a catalogue message whose name
// has ".notice." in it, never text.
const NoticeCookie = "registry_notice"

// flash sets the notice (a catalogue key, "<area>.notice.<name>") that the
// next page the browser reads shows once.
func (s *Server) flash(c *fiber.Ctx, key string) {
	c.Cookie(&fiber.Cookie{Name: NoticeCookie, Value: key, Path: "/", Expires: time.Now().Add(5 * time.Minute),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
}

// render answers with page at status.
func (s *Server) render(c *fiber.Ctx, status int, page string, v *web.View) error {
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, page, v); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	// A signed-in person's page, or any page with a form (its token; a
	// join form's invitation code), is kept by no cache.
	if v.User != nil || s.pageOf(c).csrf != "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	return c.Status(status).Send(buf.Bytes())
}

// page renders page with data at 200.
func (s *Server) page(c *fiber.Ctx, nav, page string, data any) error {
	return s.render(c, fiber.StatusOK, page, s.view(c, nav, data))
}

// redirect answers a form post with 303 See Other to a path of this site.
func redirect(c *fiber.Ctx, to string) error {
	return c.Redirect(localPath(to), fiber.StatusSeeOther)
}

// localPath returns p when it is a path of this site ("/…", not "//…"),
// else "/": a "next" or "back" parameter never sends anyone elsewhere.
// Browsers drop tabs and newlines from an address and read a backslash as
// a slash, so "/\t/evil.example" is "//evil.example" to them: any control
// character or backslash makes the path not this site's; what remains is
// parsed and must be a bare path with no scheme or host.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return p
}

// signedIn requires a signed-in user with one of roles (admin always
// passes): a visitor is sent to sign in and brought back; a user without
// the role gets 403.
func (s *Server) signedIn(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ps := s.pageOf(c)
		if ps.user == nil {
			if c.Method() != fiber.MethodGet {
				return registry.Errorf(registry.EUNAUTHORIZED, "Sign in first.")
			}
			return c.Redirect("/signin?"+url.Values{"next": {string(c.Request().URI().RequestURI())}}.Encode(), fiber.StatusSeeOther)
		}
		if !ps.user.Can(roles...) {
			return registry.Errorf(registry.EFORBIDDEN, "Your role (%s) may not do this.", ps.user.Role)
		}
		return c.Next()
	}
}

// pageError renders an error page for a request to a page.
func (s *Server) pageError(c *fiber.Ctx, status int, err error) error {
	ps := s.pageOf(c)
	key := "error." + strconv.Itoa(status)
	if !s.pages.Catalogue().Has(key + ".title") {
		key = "error.500"
		if status < 500 {
			key = "error.400"
		}
	}
	if err == errCSRF {
		key = "error.csrf"
	}
	v := s.view(c, "", nil)
	title, _ := v.T(key + ".title")
	msg, _ := v.T(key + ".message")
	data := web.ErrorData{Status: status, Title: title, Message: msg}
	if ps.lang == web.English && status < 500 && err != errCSRF {
		data.Detail = registry.ErrorMessage(err)
	}
	v.Data = data
	if err := s.render(c, status, "error", v); err != nil {
		s.log.Error("error page not rendered", "error", err)
		return c.Status(status).SendString(http.StatusText(status))
	}
	return nil
}

// pageRoutes registers every page, after the API's routes.
func (s *Server) pageRoutes() {
	s.app.Get("/assets/:name", s.asset)
	s.app.Get("/language", s.pageMiddleware, s.language)
	p := s.app.Group("", s.pageMiddleware)
	s.publicPages(p)
	s.reviewPages(p)
	s.accountPages(p)
	s.moderationPages(p)
	s.adminPages(p)
}

// language sets the language chosen with the switch and goes back.
func (s *Server) language(c *fiber.Ctx) error {
	l, ok := web.ParseLang(c.Query("to"))
	if !ok {
		return registry.Errorf(registry.EINVALID, "No such language.")
	}
	c.Cookie(&fiber.Cookie{Name: web.LangCookie, Value: string(l), Path: "/", Expires: time.Now().AddDate(1, 0, 0),
		SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secureCookie(c)})
	return redirect(c, c.Query("back", "/"))
}

// asset serves a stylesheet, script or image of the pages. A link with the
// asset's version may be cached for ever.
func (s *Server) asset(c *fiber.Ctx) error {
	a, ok := s.pages.Asset(c.Params("name"))
	if !ok {
		return registry.Errorf(registry.ENOTFOUND, "No such asset.")
	}
	if c.Query("v") == a.Version {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	c.Set(fiber.HeaderETag, `"`+a.Version+`"`)
	if c.Get(fiber.HeaderIfNoneMatch) == `"`+a.Version+`"` {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	return c.Send(a.Body)
}
