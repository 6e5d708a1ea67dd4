package http

import "github.com/gofiber/fiber/v2"

// adminPages registers the admin pages.
func (s *Server) adminPages(r fiber.Router) {}
