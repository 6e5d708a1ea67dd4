package http

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// Publishing and rejecting from the moderation page, and showing the page
// again when a decision is refused.

// formText is a text posted from a textarea with its line breaks as the
// review stores them (browsers send CRLF).
func formText(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// postedVersion is the If-Match of a decision posted from the page: the
// version of the review the moderator read (the form's hidden field), nil
// when there is none.
func postedVersion(v string) *registry.IfMatch {
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil
	}
	return &registry.IfMatch{Versions: []int{n}}
}

// moderationPublish publishes a review with the redactions chosen: the
// checked fields (redact=<path>), each replaced by its posted text.
func (s *Server) moderationPublish(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	in := registry.PublishRequest{AcknowledgeConflict: form.Get("acknowledgeConflict") == "true", IfMatch: postedVersion(form.Get("version"))}
	for _, path := range form["redact"] {
		in.Redactions = append(in.Redactions, registry.Redaction{Field: path, Text: formText(form.Get("text:" + path))})
	}
	_, err = s.publishReview(c, id, in)
	if err == nil {
		return redirect(c, "/moderation?done=published")
	}
	d, status, derr := s.decisionRefused(c, id, form.Get("version"), err)
	if derr != nil {
		return derr
	}
	if status == fiber.StatusUnprocessableEntity {
		f := &web.Form{Values: form}
		v := s.view(c, "moderation", d)
		for _, fe := range registry.ErrorFields(err) {
			s.publishError(v, f, in, fe)
		}
		d.Publish = f
		return s.render(c, status, "moderate", v)
	}
	return s.render(c, status, "moderate", s.view(c, "moderation", d))
}

// publishError adds the page's message about one of the rules a
// publication broke (registry.PublishRequest.Apply) to f.
func (s *Server) publishError(v *web.View, f *web.Form, in registry.PublishRequest, fe registry.FieldError) {
	msg := func(key string, args ...any) string { m, _ := v.T(key, args...); return m }
	if fe.Field == "acknowledgeConflict" {
		f.Add("acknowledge", msg("moderation.publish.error.acknowledge"))
		return
	}
	i, rest, ok := redactionIndex(fe.Field)
	if !ok || i >= len(in.Redactions) {
		f.Add("redact", msg("moderation.publish.error.redactions"))
		return
	}
	rd := in.Redactions[i]
	stem := fieldID(rd.Field)
	if rest == "text" {
		if rd.Text == "" {
			f.Add("text-"+stem, msg("moderation.publish.error.empty"))
		} else {
			f.Add("text-"+stem, msg("moderation.publish.error.toolong", maxLength(rd.Field)))
		}
		return
	}
	f.Add("redact-"+stem, msg("moderation.publish.error.field"))
}

// redactionIndex reads "redactions[3].text" as 3 and "text".
func redactionIndex(field string) (int, string, bool) {
	rest, ok := strings.CutPrefix(field, "redactions[")
	if !ok {
		return 0, "", false
	}
	n, rest, ok := strings.Cut(rest, "].")
	if !ok {
		return 0, "", false
	}
	i, err := strconv.Atoi(n)
	return i, rest, err == nil && i >= 0
}

// maxLength is the most characters a free-text field may hold.
func maxLength(path string) int {
	switch path {
	case registry.FieldSummary:
		return registry.MaxSummaryLength
	case registry.FieldConflictDetails:
		return registry.MaxConflictLength
	case registry.FieldSubject:
		return registry.MaxSubjectLength
	}
	return registry.MaxCommentLength
}

// moderationReject rejects a review with the reason given.
func (s *Server) moderationReject(c *fiber.Ctx) error {
	form, err := formBody(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	reason := strings.TrimSpace(formText(form.Get("reason")))
	_, err = s.rejectReview(c, id, rejectRequest{Reason: reason}, postedVersion(form.Get("version")))
	if err == nil {
		return redirect(c, "/moderation?done=rejected")
	}
	d, status, derr := s.decisionRefused(c, id, form.Get("version"), err)
	if derr != nil {
		return derr
	}
	v := s.view(c, "moderation", d)
	if status == fiber.StatusUnprocessableEntity {
		f := &web.Form{Values: form}
		key := "moderation.reject.error.toolong"
		if reason == "" {
			key = "moderation.reject.error.required"
		}
		m, _ := v.T(key, registry.MaxReasonLength)
		f.Add("reason", m)
		d.Reject = f
	}
	return s.render(c, status, "moderate", v)
}

// decisionRefused prepares the page again after a publication or
// rejection of review id was refused with err, having posted version. A
// review that changed since it was read (412), or was decided on by
// someone else (409), is shown as it is now, saying so; a request that
// broke a rule (422) is for the caller to show with its errors, unless the
// review changed meanwhile. Any other error is returned as it is.
func (s *Server) decisionRefused(c *fiber.Ctx, id, version string, err error) (*web.ModerateData, int, error) {
	var status int
	switch registry.ErrorCode(err) {
	case registry.EPRECONDITION:
		status = fiber.StatusPreconditionFailed
	case registry.ECONFLICT:
		status = fiber.StatusConflict
	case registry.EINVALID:
		status = fiber.StatusUnprocessableEntity
	default:
		return nil, 0, err
	}
	d, derr := s.moderateData(c, id)
	if derr != nil {
		return nil, 0, derr
	}
	if status == fiber.StatusUnprocessableEntity && strconv.Itoa(d.Version) != version {
		status = fiber.StatusPreconditionFailed
	}
	d.Changed = status != fiber.StatusUnprocessableEntity
	return d, status, nil
}
