package http

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// queryParams declares the query parameters of each API route, by method
// and path as the route is registered. A route not listed takes none. Any
// other parameter, or one given twice, is 422 naming it: a misspelt filter
// (`rol=teacher`) must not answer with unfiltered numbers that look
// filtered. Adding a parameter to a route is adding its name here.
var queryParams = map[string][]string{
	"GET /api/v1/products":                     {"q", "category", "limit", "cursor"},
	"GET /api/v1/products/:id/reviews":         {"limit", "cursor"},
	"GET /api/v1/products/:id/assessment":      {"rubricVersion", "role", "phase", "nation"},
	"GET /api/v1/compare":                      {"products", "rubricVersion", "role", "phase", "nation"},
	"GET /api/v1/reviews":                      {"status", "limit", "cursor", "hints", "conflict"},
	"GET /api/v1/me/reviews":                   {"limit", "cursor"},
	"GET /api/v1/rubrics/:id/template.xlsx":    {"version", "product", "lang"},
	"GET /api/v1/products/:id/assessment.xlsx": {"rubricVersion", "role", "phase", "nation", "lang"},
	"GET /api/v1/compare.xlsx":                 {"products", "rubricVersion", "role", "phase", "nation", "lang"},
	"GET /api/v1/invitations":                  {"limit", "cursor"},
	"GET /api/v1/tokens":                       {"limit", "cursor"},
	"GET /api/v1/audit":                        {"action", "target", "limit", "cursor"},
}

// apiPrefix is where query parameters are checked: the API, not the health
// probes or the served contract.
const apiPrefix = "/api/v1/"

// route is one registered route, for matching a request to it.
type route struct {
	method   string
	segments []string // the path split at "/", parameters as ":name"
	key      string   // "METHOD /path", as in queryParams
}

// routeTable lists the app's routes, to find the route a request is for
// before Fiber's router runs the handlers: Fiber tells a middleware only
// its own route.
type routeTable []route

// newRouteTable reads the app's routes. It panics if queryParams names a
// route that does not exist: that is a mistake in this package.
func newRouteTable(app *fiber.App) routeTable {
	var t routeTable
	known := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		key := r.Method + " " + r.Path
		t = append(t, route{method: r.Method, segments: splitPath(r.Path), key: key})
		known[key] = true
	}
	for key := range queryParams {
		if !known[key] {
			panic(fmt.Sprintf("queryParams names %q, which is not a route", key))
		}
	}
	return t
}

// splitPath splits a path into its segments the way Fiber matches them by
// default (case-insensitive, a trailing slash ignored).
func splitPath(p string) []string {
	p = strings.TrimSuffix(strings.ToLower(p), "/")
	return strings.Split(p, "/")
}

// matches reports whether a request path's segments fit the route's.
func (r *route) matches(segs []string) bool {
	if len(segs) != len(r.segments) {
		return false
	}
	for i, s := range r.segments {
		if strings.HasPrefix(s, ":") {
			if segs[i] == "" {
				return false
			}
		} else if s != segs[i] {
			return false
		}
	}
	return true
}

// find returns the route for method and path (nil if none) and the
// methods the path has routes for.
func (t routeTable) find(method, path string) (*route, []string) {
	segs := splitPath(path)
	var found *route
	var methods []string
	for i := range t {
		r := &t[i]
		if !r.matches(segs) {
			continue
		}
		if !slices.Contains(methods, r.method) {
			methods = append(methods, r.method)
		}
		if r.method == method && (found == nil || statics(r) > statics(found)) {
			found = r
		}
	}
	return found, methods
}

// statics counts a route's fixed segments: of two routes that match, the
// one with more is the more specific.
func statics(r *route) int {
	n := 0
	for _, s := range r.segments {
		if !strings.HasPrefix(s, ":") {
			n++
		}
	}
	return n
}

// checkQuery refuses query parameters the route does not declare in
// queryParams, and parameters given more than once. Requests for no route
// pass on, to be answered 404 or 405.
func (s *Server) checkQuery(c *fiber.Ctx) error {
	args := c.Context().QueryArgs()
	if args.Len() == 0 || !strings.HasPrefix(c.Path(), apiPrefix) {
		return c.Next()
	}
	method := c.Method()
	if method == fiber.MethodHead {
		method = fiber.MethodGet
	}
	r, _ := s.table.find(method, c.Path())
	if r == nil {
		return c.Next()
	}
	allowed := queryParams[r.key]
	count := map[string]int{}
	var names []string
	args.VisitAll(func(k, _ []byte) {
		if count[string(k)] == 0 {
			names = append(names, string(k))
		}
		count[string(k)]++
	})
	var errs registry.FieldErrors
	for _, name := range names {
		switch {
		case !slices.Contains(allowed, name) && len(allowed) == 0:
			errs.Add(name, "unknown query parameter; this route takes none")
		case !slices.Contains(allowed, name):
			errs.Add(name, "unknown query parameter; this route takes "+strings.Join(allowed, ", "))
		case count[name] > 1:
			errs.Add(name, "given more than once; give it once")
		}
	}
	if err := errs.Err("The query has parameters this route does not take."); err != nil {
		return err
	}
	return c.Next()
}

// noRoute answers a request no route took: 405 with Allow when the path
// has routes for other methods, 404 otherwise.
func (s *Server) noRoute(c *fiber.Ctx) error {
	if _, methods := s.table.find(c.Method(), c.Path()); len(methods) > 0 {
		c.Set(fiber.HeaderAllow, strings.Join(methods, ", "))
		return registry.Errorf(registry.EMETHOD, "%s %s is not allowed; this path takes %s.", c.Method(), c.Path(), strings.Join(methods, ", "))
	}
	return registry.Errorf(registry.ENOTFOUND, "No route for %s %s.", c.Method(), c.Path())
}
