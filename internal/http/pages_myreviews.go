package http

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// A person's own reviews: the list (GET /api/v1/me/reviews), one review as
// its author sees it (GET /api/v1/me/reviews/{id}) and its withdrawal (POST
// /api/v1/reviews/{id}/withdraw). Anyone else's review is not found.

// myReviewsPage lists the person's reviews, newest first, a page at a
// time, as GET /api/v1/me/reviews does.
func (s *Server) myReviewsPage(c *fiber.Ctx) error {
	cursor := c.Query("cursor")
	page, err := s.store.OwnReviews(c.UserContext(), principal(c).ReviewerRef, registry.DefaultPageLimit, cursor)
	if err != nil {
		return err
	}
	v := s.view(c, "reviews", nil)
	rv := s.reviewWords(c, v)
	data := web.MyReviewsData{Cursor: cursor, NextCursor: page.NextCursor, Items: make([]web.MyReviewItem, 0, len(page.Items))}
	for _, r := range page.Items {
		data.Items = append(data.Items, rv.item(r))
	}
	v.Data = data
	return s.render(c, fiber.StatusOK, "myreviews", v)
}

// myReviewPage shows one of the person's reviews as GET
// /api/v1/me/reviews/{id} does: in full, with where it stands with the
// public and its pending (or rejected) revision.
func (s *Server) myReviewPage(c *fiber.Ctx) error {
	own, err := s.store.OwnReview(c.UserContext(), c.Params("id"), principal(c).ReviewerRef)
	if err != nil {
		return err
	}
	v := s.view(c, "reviews", nil)
	rv := s.reviewWords(c, v)
	data := web.MyReviewData{
		Review:      rv.content(own.Review),
		Publication: web.MyPublication{State: own.Publication.State, Waiting: own.Publication.Waiting, Needed: own.Publication.Needed},
	}
	if own.Revision != nil {
		rev := rv.content(own.Revision)
		data.Revision = &rev
	}
	v.Data = data
	return s.render(c, fiber.StatusOK, "myreview", v)
}

// withdrawPage asks the person to confirm a withdrawal. A review that can
// no longer be withdrawn says so, without the button (409).
func (s *Server) withdrawPage(c *fiber.Ctx) error {
	own, err := s.store.OwnReview(c.UserContext(), c.Params("id"), principal(c).ReviewerRef)
	if err != nil {
		return err
	}
	v := s.view(c, "reviews", nil)
	item := s.reviewWords(c, v).item(own.Review)
	v.Data = web.WithdrawData{Review: item}
	status := fiber.StatusOK
	if !item.CanWithdraw {
		status = fiber.StatusConflict
	}
	return s.render(c, status, "withdraw", v)
}

// withdrawPost withdraws the review as POST /api/v1/reviews/{id}/withdraw
// does (withdrawReview, with its audit entry) and goes back to the list
// with a notice. Anyone else's review is not found, public or not: the
// page reads it as its author first.
func (s *Server) withdrawPost(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, err := s.store.OwnReview(c.UserContext(), id, principal(c).ReviewerRef); err != nil {
		return err
	}
	if _, err := s.withdrawReview(c, id); err != nil {
		return err
	}
	s.flash(c, "account.notice.withdrawn")
	return redirect(c, "/me/reviews")
}

// reviewWords turns a person's reviews into what their pages show: the
// product's name, the rubric's words in the page's language, and the
// redacted fields named in words. It reads each product and rubric once.
type reviewWords struct {
	s        *Server
	c        *fiber.Ctx
	v        *web.View
	products map[string]string
	rubrics  map[string]*registry.Rubric
}

func (s *Server) reviewWords(c *fiber.Ctx, v *web.View) *reviewWords {
	return &reviewWords{s: s, c: c, v: v, products: map[string]string{}, rubrics: map[string]*registry.Rubric{}}
}

// productName returns the name of product id (Server.productName), or
// its id when it cannot be read.
func (rw *reviewWords) productName(id string) string {
	name, err := rw.s.productName(rw.c, id, rw.products)
	if err != nil {
		return id
	}
	return name
}

// rubric returns the rubric version of r in the page's language, or nil
// when it is not known.
func (rw *reviewWords) rubric(r *registry.Review) *registry.Rubric {
	key := registry.VersionKey(r.RubricID, r.RubricVersion)
	if rb, ok := rw.rubrics[key]; ok {
		return rb
	}
	rb, err := rw.s.rubrics.Version(r.RubricID, r.RubricVersion)
	if err == nil {
		rb = rw.s.rubrics.Localize(rb, string(rw.v.Lang))
	} else {
		rb = nil
	}
	rw.rubrics[key] = rb
	return rb
}

// criterionTitle returns the title of criterion id in rb, or the id.
func criterionTitle(rb *registry.Rubric, id string) string {
	if rb != nil {
		for _, cr := range rb.Criteria() {
			if cr.ID == id {
				return cr.Title
			}
		}
	}
	return id
}

// item is a review as its list shows it.
func (rw *reviewWords) item(r *registry.Review) web.MyReviewItem {
	it := web.MyReviewItem{
		ID: r.ID, ProductID: r.ProductID, ProductName: rw.productName(r.ProductID), Status: r.Status,
		RejectReason: r.RejectReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Revises: r.Revises,
		CanEdit:     r.Status == registry.StatusPending || r.Status == registry.StatusPublished,
		CanWithdraw: registry.CanTransition(r.Status, registry.StatusWithdrawn),
	}
	if r.PublishedAt != nil {
		it.PublishedAt = *r.PublishedAt
	}
	if len(r.Redacted) > 0 {
		rb := rw.rubric(r)
		for _, path := range r.Redacted {
			it.Redacted = append(it.Redacted, rw.redactedField(r, rb, path))
		}
	}
	return it
}

// redactedField names a redacted field in words: "Summary", "Comment on
// <criterion>".
func (rw *reviewWords) redactedField(r *registry.Review, rb *registry.Rubric, path string) string {
	var text string
	var err error
	switch path {
	case registry.FieldSummary:
		text, err = rw.v.T("label.summary")
	case registry.FieldConflictDetails:
		text, err = rw.v.T("label.conflict.details")
	case registry.FieldSubject:
		text, err = rw.v.T("label.subject")
	default:
		i, ok := answerIndex(path)
		if !ok || i >= len(r.Answers) {
			return path
		}
		text, err = rw.v.T("label.comment.on", criterionTitle(rb, r.Answers[i].Criterion))
	}
	if err != nil {
		return path
	}
	return text
}

// answerIndex returns i of "answers[i].comment".
func answerIndex(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "answers[")
	if !ok {
		return 0, false
	}
	num, ok := strings.CutSuffix(rest, "].comment")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(num)
	return i, err == nil && i >= 0
}

// content is a review in full, as its author sees it.
func (rw *reviewWords) content(r *registry.Review) web.MyReviewContent {
	rb := rw.rubric(r)
	out := web.MyReviewContent{
		MyReviewItem:  rw.item(r),
		RubricVersion: r.RubricVersion,
		Reviewer: web.MyReviewer{Role: r.Reviewer.Role, Phase: r.Reviewer.Phase, Nation: r.Reviewer.Nation,
			Subject: r.Reviewer.Subject, Setting: r.Reviewer.Setting},
		UsageMonths: r.Usage.Months, Frequency: r.Usage.Frequency,
		Recommendation: r.Recommendation, Summary: r.Summary,
		Conflict: r.Conflict.Declared, ConflictDetail: r.Conflict.Details,
	}
	levels := map[string][]registry.Level{}
	if rb != nil {
		out.RubricTitle = rb.Title
		for _, cr := range rb.Criteria() {
			levels[cr.ID] = cr.Levels
		}
	}
	for _, a := range r.Answers {
		ans := web.MyAnswer{Criterion: a.Criterion, Title: criterionTitle(rb, a.Criterion),
			Unknown: a.Unknown, NA: a.NA, Comment: a.Comment, Evidence: a.Evidence}
		if a.Score != nil {
			ans.Scored, ans.Score = true, *a.Score
			for _, l := range levels[a.Criterion] {
				if l.Score == *a.Score {
					ans.Level = l.Label
				}
			}
		}
		out.Answers = append(out.Answers, ans)
	}
	return out
}
