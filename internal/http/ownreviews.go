package http

import (
	"github.com/gofiber/fiber/v2"
)

// ownReviews lists the caller's own reviews, newest first, in every status,
// as they wrote them (or as a moderator redacted them), with a rejection's
// reason: any token can find (and withdraw) what it submitted, and see why a
// review was rejected, as GET /api/v1/me/reviews/{id} shows it.
func (s *Server) ownReviews(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.OwnReviews(c.UserContext(), principal(c).ReviewerRef, limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]moderatedReviewJSON, 0, len(page.Items))
	for _, r := range page.Items {
		items = append(items, toModerated(r))
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}
