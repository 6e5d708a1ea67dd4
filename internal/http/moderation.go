package http

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/hints"
	"github.com/edtech-registry/registry/internal/registry"
)

// Moderation that protects reviewers: the queue shows each pending review's
// identity hints (text that may name a person or a school, package hints)
// and can be narrowed to reviews with hints or with a declared conflict of
// interest; a moderator publishes with redactions of free-text fields and
// acknowledges a declared conflict.

// publishRequest is the body of POST /reviews/{id}/publish; the body is
// optional. At most 203 redactions are decoded: one per free-text field of
// the largest review (200 answers' comments, the summary, the conflict
// details and the subject); the store refuses more than the review has.
type publishRequest struct {
	Redactions          []redactionJSON `json:"redactions,omitempty" validate:"limit=redactions,dive"`
	AcknowledgeConflict bool            `json:"acknowledgeConflict,omitempty"`
}

// redactionJSON replaces the text of one free-text field.
type redactionJSON struct {
	Field string  `json:"field" validate:"required,limit=fieldPath"`
	Text  *string `json:"text" validate:"required"`
}

// hintJSON is one identity hint of a pending review.
type hintJSON struct {
	Field string `json:"field"`
	Kind  string `json:"kind"`
	Text  string `json:"text"`
}

// queueItemJSON is a pending review in the moderation queue, with its
// identity hints (an empty list for none) and its ETag, the version a
// moderator who publishes or rejects it from the queue names in If-Match.
type queueItemJSON struct {
	moderatedReviewJSON
	Hints []hintJSON `json:"hints"`
	ETag  string     `json:"etag"`
}

// reviewHints finds the identity hints in a review's free-text fields. They
// are computed each time the queue is listed, never stored: they quote the
// text a redaction may remove. At most hints.MaxHintsPerField per field and
// hints.MaxHintsPerReview per review, none longer than its field.
func reviewHints(r *registry.Review) []hintJSON {
	fields := registry.TextFields(r)
	in := make([]hints.Field, len(fields))
	for i, f := range fields {
		in[i] = hints.Field{Path: f.Path, Text: f.Text}
	}
	found := hints.Review(in)
	out := make([]hintJSON, len(found))
	for i, h := range found {
		out[i] = hintJSON{Field: h.Field, Kind: h.Kind, Text: h.Text}
	}
	return out
}

// boolParam reads an optional query parameter that is true or false.
func boolParam(c *fiber.Ctx, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, registry.Invalid("A filter of the queue is not true or false.", registry.FieldError{Field: name, Message: "must be true or false"})
}

// queueFilter reads the queue's filters, ?hints= and ?conflict= (true or
// false), adding a field error to errs for a value that is neither: the
// API's queue and the moderation page read them alike.
func queueFilter(c *fiber.Ctx, errs *registry.FieldErrors) registry.QueueFilter {
	var filter registry.QueueFilter
	var err error
	if filter.Hints, err = boolParam(c, "hints"); err != nil {
		errs.Add("hints", "must be true or false")
	}
	if filter.Conflict, err = boolParam(c, "conflict"); err != nil {
		errs.Add("conflict", "must be true or false")
	}
	return filter
}

// queue lists the moderation queue, oldest first: every pending review in
// full with its identity hints. ?hints=true keeps the reviews with hints,
// ?conflict=true those with a declared conflict of interest (both: those
// with both). A filtered page may hold fewer than limit reviews, or none,
// and still have a next cursor: each request reads a bounded number of the
// queue's pages.
func (s *Server) queue(c *fiber.Ctx) error {
	var errs registry.FieldErrors
	if st := c.Query("status", registry.StatusPending); st != registry.StatusPending {
		errs.Add("status", "must be pending")
	}
	filter := queueFilter(c, &errs)
	if err := errs.Err("The queue cannot be listed as asked."); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.ModerationQueue(c.UserContext(), filter, limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]queueItemJSON, 0, len(page.Items))
	for _, r := range page.Items {
		items = append(items, queueItemJSON{moderatedReviewJSON: toModerated(r), Hints: reviewHints(r), ETag: etag(r.Version)})
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

// publish publishes a pending review. The body is optional: without one,
// nothing is redacted, and a review with a declared conflict of interest is
// refused (422, acknowledgeConflict) as it would be with a body that does
// not acknowledge it. If-Match must name the version read (reviewIfMatch).
func (s *Server) publish(c *fiber.Ctx) error {
	ifMatch, err := reviewIfMatch(c)
	if err != nil {
		return err
	}
	var req publishRequest
	if hasBody(c) {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	in := registry.PublishRequest{AcknowledgeConflict: req.AcknowledgeConflict, IfMatch: ifMatch}
	for _, r := range req.Redactions {
		in.Redactions = append(in.Redactions, registry.Redaction{Field: r.Field, Text: *r.Text})
	}
	r, err := s.publishReview(c, c.Params("id"), in)
	if err != nil {
		return err
	}
	return s.sendReview(c, r)
}

// publishReview publishes the pending review id as the request's
// principal with in's redactions and acknowledgement, and writes its audit
// entry: the one path of a publication, from the API or the moderation
// page.
func (s *Server) publishReview(c *fiber.Ctx, id string, in registry.PublishRequest) (*registry.Review, error) {
	r, err := s.store.PublishReview(c.UserContext(), id, principal(c).ReviewerRef, in)
	if err != nil {
		return nil, err
	}
	redacted := make([]string, 0, len(in.Redactions)) // the paths, never the text
	for _, rd := range in.Redactions {
		redacted = append(redacted, rd.Field)
	}
	detail := map[string]any{"product": r.ProductID, "redactedFields": redacted,
		"conflictDeclared": r.Conflict.Declared, "conflictAcknowledged": in.AcknowledgeConflict}
	if err := s.audit(c, registry.AuditReviewPublish, "review:"+r.ID, detail); err != nil {
		return nil, err
	}
	return r, nil
}

// reviewIfMatch reads the If-Match of a publication or rejection: the
// ETags of the versions of the review the moderator read (GET
// /reviews/{id}, or the queue item's etag). nil when there is none, or
// "*", which names no version: the store then refuses a decision on a
// pending review (428), and lets a take-down of a published one through.
// A review changed since (its author edited it in place) is 412, checked by
// the store under the product's write gate. Tags compare strongly, as for
// products: a weak W/ tag matches nothing.
func reviewIfMatch(c *fiber.Ctx) (*registry.IfMatch, error) {
	v := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if v == "" || v == "*" {
		return nil, nil
	}
	_, versions, ok := parseIfMatch(v)
	if !ok {
		return nil, registry.Errorf(registry.EBADREQUEST, "If-Match %s is not a list of ETags (such as \"3\").", v)
	}
	return &registry.IfMatch{Versions: versions}, nil
}
