package http

import "github.com/gofiber/fiber/v2"

// moderationPages registers the moderation pages.
func (s *Server) moderationPages(r fiber.Router) {}
