package http

import (
	"html/template"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/docs"
	"github.com/edtech-registry/registry/internal/web"
)

// methodHTML is docs/method.md as HTML, rendered once: the document is
// embedded, so it never changes while the server runs.
var methodHTML = sync.OnceValues(func() (template.HTML, error) {
	return web.Markdown(docs.Method, "method.md")
})

// methodPage shows how assessments are made (docs/method.md). The method
// is in English only for now: a Welsh page says so.
func (s *Server) methodPage(c *fiber.Ctx) error {
	body, err := methodHTML()
	if err != nil {
		return err
	}
	return s.page(c, "method", "method", &web.MethodData{Body: body})
}
