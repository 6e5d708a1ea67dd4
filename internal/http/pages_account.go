package http

import "github.com/gofiber/fiber/v2"

// accountPages registers the account pages.
func (s *Server) accountPages(r fiber.Router) {}
