package http

import (
	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// ownReview shows one of the caller's reviews as its author sees it: in
// full, with where it stands with the public, a rejection's reason, the
// fields a moderator redacted, and its pending revision (or its latest
// rejected one). Anyone else gets 404, as if it did not exist.
func (s *Server) ownReview(c *fiber.Ctx) error {
	own, err := s.store.OwnReview(c.UserContext(), c.Params("id"), principal(c).ReviewerRef)
	if err != nil {
		return err
	}
	return s.sendOwn(c, own)
}

// reviseReview edits one of the caller's reviews with a body checked as a
// submission is: a pending review is changed in place, a published one gets
// a revision that waits for moderation while the published text stays
// public (internal/mongodb/revisions.go).
func (s *Server) reviseReview(c *fiber.Ctx) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	own, err := s.revise(c, c.Params("id"), key, nil, func(*registry.Review) (*reviewRequest, error) {
		var req reviewRequest
		if err := decodeBody(c, &req); err != nil {
			return nil, err
		}
		return &req, nil
	}, nil)
	if err != nil {
		return err
	}
	return s.sendOwn(c, own)
}

// revise edits review id for its author, with key as its Idempotency-Key:
// the one path of every edit (the JSON API and the edit page), so that the
// same rules, moderation and audit apply. body reads the edited review, and
// is called only once the review is known to be the caller's: anyone else
// learns nothing, whatever they send; it is given the review as stored.
// check, when not nil, runs on the validated review before it is stored
// (the edit page's version check); an error from it stops the edit. read,
// when not nil, is the version the edit was read at, checked by the store
// where it writes (EPRECONDITION when stale): check alone could be raced by
// another edit between it and the write.
func (s *Server) revise(c *fiber.Ctx, id, key string, read *registry.EditVersion, body func(r *registry.Review) (*reviewRequest, error), check func(rv *registry.Review) error) (*registry.OwnReview, error) {
	ref := principal(c).ReviewerRef
	r, err := s.store.Review(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if r.ReviewerRef != ref {
		return nil, registry.Errorf(registry.ENOTFOUND, "Review %q not found.", id)
	}
	req, err := body(r)
	if err != nil {
		return nil, err
	}
	// An edit keeps its review's product.
	rv, bodyHash, err := s.reviewFrom(c, r.ProductID, req)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(rv); err != nil {
			return nil, err
		}
	}
	own, err := s.store.ReviseReview(c.UserContext(), id, ref, rv, key, bodyHash, read)
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"product": own.Review.ProductID}
	if own.Revision != nil {
		detail["revision"] = own.Revision.ID
	}
	// A retry that changed nothing has its entry from the first request.
	if !own.Unchanged {
		if err := s.audit(c, registry.AuditReviewRevise, "review:"+id, detail); err != nil {
			return nil, err
		}
	}
	return own, nil
}

// sendOwn answers with a review as its author sees it, with the review's
// version (not its revision's) as its ETag.
func (s *Server) sendOwn(c *fiber.Ctx, own *registry.OwnReview) error {
	out := toModerated(own.Review)
	out.Publication = toPublicationJSON(own.Publication)
	if own.Revision != nil {
		rev := toModerated(own.Revision)
		out.Revision = &rev
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderETag, etag(own.Review.Version))
	return c.JSON(out)
}
