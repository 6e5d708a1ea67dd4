package http

import "github.com/gofiber/fiber/v2"

// reviewPages registers the review pages.
func (s *Server) reviewPages(r fiber.Router) {}
