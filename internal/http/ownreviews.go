package http

import (
	"github.com/gofiber/fiber/v2"
)

// ownReviews lists the caller's own reviews, newest first, in every status,
// as they wrote them: any token can find (and withdraw) what it submitted.
// A rejection's reason is for moderators only and is left out.
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
		item := toModerated(r)
		item.RejectReason = ""
		items = append(items, item)
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}
