package http

import "github.com/gofiber/fiber/v2"

// publicPages registers the public pages.
func (s *Server) publicPages(r fiber.Router) {}
