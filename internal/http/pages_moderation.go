package http

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// The moderation pages: the queue, one review with its identity hints
// marked, and the forms that publish it (with redactions) or reject it.
// They read and decide through the same store calls, rules and audit
// entries as GET /api/v1/reviews, POST /api/v1/reviews/{id}/publish and
// POST /api/v1/reviews/{id}/reject (queueFilter, publishReview,
// rejectReview).

// moderationPages registers the moderation pages.
func (s *Server) moderationPages(r fiber.Router) {
	mod := s.signedIn(registry.RoleModerator)
	r.Get("/moderation", mod, s.moderationQueue)
	r.Get("/moderation/:id", mod, s.moderationReview)
	r.Post("/moderation/:id/publish", mod, s.moderationPublish)
	r.Post("/moderation/:id/reject", mod, s.moderationReject)
}

// moderationDone are the confirmations the queue shows after a decision
// (?done=).
var moderationDone = map[string]bool{"published": true, "rejected": true}

// moderationQueue shows a page of the queue, oldest first, with the API's
// filters (?hints=true, ?conflict=true) and cursor.
func (s *Server) moderationQueue(c *fiber.Ctx) error {
	var errs registry.FieldErrors
	filter := queueFilter(c, &errs)
	if err := errs.Err("The queue cannot be listed as asked."); err != nil {
		return err
	}
	page, err := s.store.ModerationQueue(c.UserContext(), filter, registry.DefaultPageLimit, c.Query("cursor"))
	if err != nil {
		return err
	}
	d := &web.QueueData{Hints: filter.Hints, Conflict: filter.Conflict, Cursor: c.Query("cursor"), NextCursor: page.NextCursor}
	if moderationDone[c.Query("done")] {
		d.Done = c.Query("done")
	}
	names := map[string]string{}
	now := time.Now()
	for _, r := range page.Items {
		name, err := s.productName(c, r.ProductID, names)
		if err != nil {
			return err
		}
		d.Items = append(d.Items, web.QueueItem{ID: r.ID, ProductID: r.ProductID, ProductName: name,
			Submitted: r.CreatedAt, DaysWaiting: daysSince(now, r.CreatedAt),
			Hints: len(reviewHints(r)), Conflict: r.Conflict.Declared, Revision: r.Revises != ""})
	}
	return s.page(c, "moderation", "moderation", d)
}

// daysSince counts the whole days from t to now (0 for a time to come).
func daysSince(now, t time.Time) int {
	if d := now.Sub(t); d > 0 {
		return int(d / (24 * time.Hour))
	}
	return 0
}

// productName returns a product's name (its id if it no longer exists),
// reading each product once per page.
func (s *Server) productName(c *fiber.Ctx, id string, seen map[string]string) (string, error) {
	if name, ok := seen[id]; ok {
		return name, nil
	}
	p, err := s.store.Product(c.UserContext(), id)
	switch {
	case registry.ErrorCode(err) == registry.ENOTFOUND:
		seen[id] = id
	case err != nil:
		return "", err
	default:
		seen[id] = p.Name
	}
	return seen[id], nil
}

// moderationReview shows one review in full to a moderator.
func (s *Server) moderationReview(c *fiber.Ctx) error {
	d, err := s.moderateData(c, c.Params("id"))
	if err != nil {
		return err
	}
	return s.page(c, "moderation", "moderate", d)
}

// moderateData reads review id and prepares its page: criterion titles in
// the page's language, identity hints marked in each free-text field.
func (s *Server) moderateData(c *fiber.Ctx, id string) (*web.ModerateData, error) {
	r, err := s.store.Review(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	name, err := s.productName(c, r.ProductID, map[string]string{})
	if err != nil {
		return nil, err
	}
	d := &web.ModerateData{ID: r.ID, Version: r.Version, Status: r.Status, ProductID: r.ProductID, ProductName: name,
		RubricVersion: r.RubricVersion, Submitted: r.CreatedAt, Updated: r.UpdatedAt, Revises: r.Revises,
		Role: r.Reviewer.Role, Phase: r.Reviewer.Phase, Nation: r.Reviewer.Nation, Setting: r.Reviewer.Setting,
		UsageMonths: r.Usage.Months, Frequency: r.Usage.Frequency, Recommendation: r.Recommendation,
		ConflictDeclared: r.Conflict.Declared, RejectReason: r.RejectReason, Redacted: r.Redacted,
		Own: r.ReviewerRef != "" && r.ReviewerRef == principal(c).ReviewerRef}

	found := reviewHints(r)
	d.Hints = len(found)
	texts := map[string]*web.ModText{}
	for _, f := range registry.TextFields(r) {
		if f.Text == "" {
			continue
		}
		t := modText(f.Path, f.Text, found)
		texts[f.Path] = t
		d.Fields = append(d.Fields, t)
	}
	d.Summary = texts[registry.FieldSummary]
	if d.Summary != nil {
		d.Summary.Kind = "summary"
	}
	d.ConflictDetails = texts[registry.FieldConflictDetails]
	if d.ConflictDetails != nil {
		d.ConflictDetails.Kind = "conflict"
	}
	d.Subject = texts[registry.FieldSubject]
	if d.Subject != nil {
		d.Subject.Kind = "subject"
	}

	rb, err := s.rubrics.Version(r.RubricID, r.RubricVersion)
	switch {
	case registry.ErrorCode(err) == registry.ENOTFOUND:
		rb = nil // a rubric no longer loaded: criteria by id
	case err != nil:
		return nil, err
	default:
		rb = s.rubrics.Localize(rb, string(s.pageOf(c).lang))
		d.RubricTitle = rb.Title
	}
	answer := func(i int) web.ModAnswer {
		a := r.Answers[i]
		out := web.ModAnswer{Criterion: a.Criterion, Title: a.Criterion, Unknown: a.Unknown, NA: a.NA, Evidence: a.Evidence}
		if a.Score != nil && !a.Unknown && !a.NA {
			out.Scored, out.Score = true, *a.Score
		}
		if t := texts[registry.AnswerCommentField(i)]; t != nil {
			t.Kind = "comment"
			out.Comment = t
		}
		return out
	}
	done := make([]bool, len(r.Answers))
	byCriterion := make(map[string]int, len(r.Answers))
	for i, a := range r.Answers {
		byCriterion[a.Criterion] = i
	}
	if rb != nil {
		for _, dim := range rb.Dimensions {
			sec := web.ModSection{Title: dim.Title}
			for _, cr := range dim.Criteria {
				i, ok := byCriterion[cr.ID]
				if !ok || done[i] {
					continue
				}
				done[i] = true
				a := answer(i)
				a.Title = cr.Title
				if a.Scored && a.Score >= 0 && a.Score < len(cr.Levels) {
					a.Level = cr.Levels[a.Score].Label
				}
				if a.Comment != nil {
					a.Comment.Title = cr.Title
				}
				sec.Answers = append(sec.Answers, a)
			}
			if len(sec.Answers) > 0 {
				d.Sections = append(d.Sections, sec)
			}
		}
	}
	var other web.ModSection // answers the rubric does not name (none, normally)
	for i := range r.Answers {
		if !done[i] {
			a := answer(i)
			if a.Comment != nil {
				a.Comment.Title = a.Criterion
			}
			other.Answers = append(other.Answers, a)
		}
	}
	if len(other.Answers) > 0 {
		d.Sections = append(d.Sections, other)
	}
	return d, nil
}

// redactionMark replaces an identity hint in the text offered for
// publication when a field is redacted.
const redactionMark = "[…]"

// modText prepares a free-text field for the page: its pieces with every
// occurrence of each of its hints marked, its hints, and the text offered
// when it is redacted. The hints are the queue's (reviewHints): each is a
// path and a piece of that field's text, found at the first place it
// occurs (hints.Review reports a text once per field), so every place the
// same text occurs in the field is marked.
func modText(path, text string, found []hintJSON) *web.ModText {
	t := &web.ModText{Path: path, ID: fieldID(path), Text: text}
	var spans [][2]int
	for _, h := range found {
		if h.Field != path || h.Text == "" {
			continue
		}
		t.Hints = append(t.Hints, web.Hint{Kind: h.Kind, Text: h.Text})
		for i := 0; i < len(text); {
			j := strings.Index(text[i:], h.Text)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{i + j, i + j + len(h.Text)})
			i += j + 1
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var merged [][2]int
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	var repl strings.Builder
	at := 0
	for _, sp := range merged {
		if sp[0] > at {
			t.Pieces = append(t.Pieces, web.TextPiece{Text: text[at:sp[0]]})
			repl.WriteString(text[at:sp[0]])
		}
		t.Pieces = append(t.Pieces, web.TextPiece{Text: text[sp[0]:sp[1]], Mark: true})
		repl.WriteString(redactionMark)
		at = sp[1]
	}
	if at < len(text) {
		t.Pieces = append(t.Pieces, web.TextPiece{Text: text[at:]})
		repl.WriteString(text[at:])
	}
	t.Replacement = repl.String()
	if len(merged) == 0 {
		t.Replacement = redactionMark
	}
	return t
}

// fieldID turns a field's path into an HTML id stem:
// "answers[3].comment" → "answers-3-comment".
func fieldID(path string) string {
	return strings.Trim(strings.NewReplacer("[", "-", "].", "-", "]", "", ".", "-").Replace(path), "-")
}

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
