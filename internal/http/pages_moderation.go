package http

import (
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
