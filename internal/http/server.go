// Package http serves the registry's JSON API and its pages over Fiber: routing,
// authentication, request decoding and validation, and the one error handler
// that turns registry errors into application/problem+json responses.
package http

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/edtech-registry/registry/api"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// Limits of the HTTP server.
const (
	// MaxBodyBytes is the largest request body accepted (413 beyond it).
	MaxBodyBytes = 1 << 20
	// DefaultRequestTimeout bounds the work one request may do.
	DefaultRequestTimeout = 10 * time.Second
)

// Store is what the HTTP layer needs from storage.
type Store interface {
	registry.ProductService
	registry.ReviewService
	registry.ModerationService
	registry.RevisionService
	registry.TokenService
	registry.AccountService
	registry.DataRightsService
	registry.StatsService
	registry.AuditService
	registry.DraftService
	// ProductExists returns ENOTFOUND unless the product exists; cheaper
	// than reading it.
	ProductExists(ctx context.Context, id string) error
	// Ping checks that the store answers (readiness).
	Ping(ctx context.Context) error
	// Threshold returns the anonymity threshold in force.
	Threshold() int
}

// Config wires a Server.
type Config struct {
	Store   Store
	Rubrics registry.RubricService
	Logger  *slog.Logger
	// RequestTimeout bounds each request's work (DefaultRequestTimeout when
	// zero).
	RequestTimeout time.Duration
	// ReadTimeout, WriteTimeout and IdleTimeout bound connections.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ExportProgress, when set, is called after each product of a
	// statistics export with the number of products written so far.
	ExportProgress func(products int)
	// ExportRowsPerSheet bounds the rows of each Statistics sheet of the
	// statistics export (xlsx.StatisticsRowsPerSheet when zero).
	ExportRowsPerSheet int
	// SecureCookies marks the session cookie Secure on every response, for
	// a server behind a TLS-terminating proxy (it is Secure anyway on a
	// request that came over TLS).
	SecureCookies bool
	// ClientIPHeader names a header set by a trusted proxy (such as
	// X-Forwarded-For) whose last address is the client's, for the limit
	// of failed sign-ins per address; empty counts the connection's
	// address.
	ClientIPHeader string
	// AddressFailures and TrackedAddresses set the limit of failed
	// sign-ins per address and the most addresses it remembers
	// (DefaultAddressFailures, DefaultTrackedAddresses when zero); Now is
	// its clock (time.Now when nil).
	AddressFailures, TrackedAddresses int
	Now                               func() time.Time
}

// Server is the registry's HTTP API.
type Server struct {
	app     *fiber.App
	store   Store
	rubrics registry.RubricService
	log     *slog.Logger
	timeout time.Duration
	table   routeTable // the routes, for checkQuery and noRoute

	exportProgress     func(products int)
	exportRowsPerSheet int
	exportSlot         sync.Mutex // one statistics export at a time

	secureCookies  bool
	clientIPHeader string
	pages          *web.Renderer   // templates, messages and assets of the pages
	addrLimit      *addressLimiter // failed sign-ins per address (ratelimit.go)
}

// New builds the Fiber app with every route.
func New(cfg Config) *Server {
	s := &Server{store: cfg.Store, rubrics: cfg.Rubrics, log: cfg.Logger, timeout: cfg.RequestTimeout}
	s.exportProgress, s.exportRowsPerSheet = cfg.ExportProgress, cfg.ExportRowsPerSheet
	s.secureCookies, s.clientIPHeader = cfg.SecureCookies, cfg.ClientIPHeader
	s.addrLimit = newAddressLimiter(cfg.AddressFailures, cfg.TrackedAddresses, cfg.Now)
	pages, err := web.NewRenderer()
	if err != nil {
		// The templates and messages are embedded: a broken one is a
		// mistake in this build, which every test catches.
		panic(err)
	}
	s.pages = pages
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.timeout == 0 {
		s.timeout = DefaultRequestTimeout
	}
	orDefault := func(d, def time.Duration) time.Duration {
		if d == 0 {
			return def
		}
		return d
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "registry",
		BodyLimit:             MaxBodyBytes,
		ReadTimeout:           orDefault(cfg.ReadTimeout, 15*time.Second),
		WriteTimeout:          orDefault(cfg.WriteTimeout, 30*time.Second),
		IdleTimeout:           orDefault(cfg.IdleTimeout, 60*time.Second),
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		// Values from the context outlive the handler in this code (they
		// are stored): copying them once here is simpler than remembering
		// utils.CopyString everywhere.
		Immutable: true,
		// Bodies are streamed and read by jsonBody, so a connection holds
		// what has arrived, not what it announced (see body.go).
		// ReduceMemoryUsage must stay off with streaming: fasthttp 1.51
		// then returns a connection's reader to its pool while the body
		// stream still reads from it (a nil dereference, or another
		// connection's bytes).
		StreamRequestBody: true,
		// The most a request line and headers may take: a longer one is
		// 431.
		ReadBufferSize: 4096,
	})
	// Bodies are limited to BodyLimit except a form import's, raised once
	// its head is read (headerReceived, body.go; exports_form.go).
	s.app.Server().HeaderReceived = headerReceived
	s.app.Server().ConnState = (&connWatch{srv: s.app.Server()}).state
	s.app.Server().MaxIdleWorkerDuration = idleWorker
	s.app.Server().Handler = s.knownMethod(s.app.Server().Handler)
	s.app.Use(s.guardBody)
	s.app.Use(s.securityHeaders)
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	s.app.Use(requestid.New())
	s.app.Use(s.deadline)
	s.app.Use(s.logRequest)
	s.app.Use(s.checkQuery)
	s.routes()
	s.table = newRouteTable(s.app)
	return s
}

// App returns the Fiber app, for tests (app.Test) and for Listen.
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) routes() {
	s.app.Get("/healthz", s.healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/api/openapi.yaml", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/yaml")
		return c.Send(api.OpenAPI)
	})

	v1 := s.app.Group("/api/v1")
	v1.Get("/rubrics", s.listRubrics)
	v1.Get("/rubrics/:id", s.latestRubric)
	v1.Get("/rubrics/:id/versions/:version", s.rubricVersion)
	v1.Get("/rubrics/:id/template.xlsx", s.reviewTemplate)

	v1.Post("/products", s.auth(registry.RoleOfficer), s.createProduct)
	v1.Get("/products", s.listProducts)
	v1.Get("/products/:id", s.getProduct)
	v1.Patch("/products/:id", s.auth(registry.RoleOfficer), s.patchProduct)
	v1.Post("/products/:id/reviews", s.auth(registry.Roles...), s.submitReview)
	v1.Post("/products/:id/reviews/import", s.auth(registry.Roles...), s.importReview)
	v1.Get("/products/:id/reviews", s.listPublishedReviews)
	v1.Get("/products/:id/assessment", s.assessment)
	v1.Get("/products/:id/assessment.xlsx", s.assessmentXLSX)
	v1.Get("/compare", s.compare)
	v1.Get("/compare.xlsx", s.compareXLSX)

	v1.Get("/reviews", s.auth(registry.RoleModerator), s.queue)
	v1.Get("/reviews/:id", s.auth(registry.Roles...), s.getReview)
	v1.Post("/reviews/:id/publish", s.auth(registry.RoleModerator), s.publish)
	v1.Post("/reviews/:id/reject", s.auth(registry.RoleModerator), s.reject)
	v1.Post("/reviews/:id/withdraw", s.auth(registry.Roles...), s.withdraw)
	v1.Get("/me/reviews", s.auth(registry.Roles...), s.ownReviews)
	v1.Get("/me/reviews/:id", s.auth(registry.Roles...), s.ownReview)
	v1.Put("/reviews/:id", s.auth(registry.Roles...), s.reviseReview)

	v1.Post("/tokens", s.auth(registry.RoleAdmin), s.createToken)
	v1.Get("/tokens", s.auth(registry.RoleAdmin), s.listTokens)
	v1.Delete("/tokens/:id", s.auth(registry.RoleAdmin), s.revokeToken)
	v1.Post("/invitations", s.auth(registry.RoleOfficer), s.createInvitation)
	v1.Get("/invitations", s.auth(registry.RoleOfficer), s.listInvitations)
	v1.Delete("/invitations/:id", s.auth(registry.RoleOfficer), s.revokeInvitation)
	v1.Post("/accounts", s.createAccount)
	v1.Post("/sessions", s.createSession)
	v1.Delete("/sessions/current", s.auth(registry.Roles...), s.deleteSession)
	v1.Put("/me/password", s.auth(registry.Roles...), s.changePassword)
	v1.Post("/me/tokens", s.auth(registry.Roles...), s.createPersonalToken)
	v1.Get("/me/tokens", s.auth(registry.Roles...), s.listPersonalTokens)
	v1.Delete("/me/tokens/:id", s.auth(registry.Roles...), s.revokePersonalToken)
	v1.Get("/me/export", s.auth(registry.Roles...), s.exportAccount)
	v1.Delete("/me", s.auth(registry.Roles...), s.deleteAccount)
	v1.Get("/exports/statistics.xlsx", s.auth(registry.RoleOfficer), s.exportStatistics)
	v1.Get("/audit", s.auth(registry.RoleAdmin), s.listAudit)

	s.pageRoutes()
	s.app.Use(s.noRoute)
}

// deadline gives every request a context with a deadline, so a slow store
// cannot hold a request for ever.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// logRequest logs one structured line per request. It never logs headers,
// so tokens stay out of the logs.
func (s *Server) logRequest(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var e *fiber.Error
		if errors.As(err, &e) {
			status = e.Code
		} else {
			status = statusOf(registry.ErrorCode(err))
		}
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.UserContext(), level, "request",
		"method", c.Method(), "path", c.Path(), "status", status,
		"duration", time.Since(start).Round(time.Microsecond),
		"requestId", c.GetRespHeader(fiber.HeaderXRequestID))
	return err
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "path", c.Path(), "panic", e)
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if err := s.store.Ping(c.UserContext()); err != nil {
		s.log.Error("store not ready", "error", err)
		return registry.Errorf(registry.EUNAVAILABLE, "The store does not answer.")
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// credential returns the request's bearer token, or else its session
// cookie.
func credential(c *fiber.Ctx) string {
	if t := bearer(c); t != "" {
		return t
	}
	return c.Cookies(SessionCookie)
}

// refuseCrossSite refuses a request that changes something, is
// authenticated by the session cookie alone and that the browser says came
// from another site, or from a sibling of this one (Sec-Fetch-Site, sent by
// every current browser): the cookie's SameSite=Lax stops other sites'
// form posts, but not a sibling subdomain's, and not a form post that
// needs no JSON body (a withdrawal) or is multipart (an import). A bearer
// token cannot be sent by a page that does not hold it, and clients that
// are not browsers send no Sec-Fetch-Site.
func refuseCrossSite(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return nil
	}
	if bearer(c) != "" || c.Cookies(SessionCookie) == "" {
		return nil
	}
	switch c.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return registry.Errorf(registry.EFORBIDDEN, "A request from another site may not use your session; make it from the registry's own pages, or with a bearer token.")
	}
	return nil
}

// auth requires a valid token or session with one of the roles (admin
// always passes) and stores the principal for the handler.
func (s *Server) auth(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := refuseCrossSite(c); err != nil {
			return err
		}
		p, err := s.store.Authenticate(c.UserContext(), credential(c))
		if err != nil {
			return err
		}
		if !p.Can(roles...) {
			return registry.Errorf(registry.EFORBIDDEN, "Your token's role (%s) may not do this.", p.Role)
		}
		c.Locals(principalKey{}, p)
		if err := c.Next(); err != nil {
			return err
		}
		if c.Response().StatusCode() < 400 {
			s.store.RecordUse(c.UserContext(), p)
		}
		return nil
	}
}

type principalKey struct{}

// principal returns the authenticated caller set by auth.
func principal(c *fiber.Ctx) *registry.Principal {
	p, _ := c.Locals(principalKey{}).(*registry.Principal)
	return p
}
