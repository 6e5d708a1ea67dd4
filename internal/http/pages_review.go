package http

// Writing a review: the form generated from the rubric, posted through the
// same path as POST /api/v1/products/{id}/reviews (storeSubmission), with a
// draft kept on the server for its author (pages_review_draft.go), and the
// edit of one's own review through the same path as PUT /api/v1/reviews/{id}
// (pages_review_edit.go).

import (
	"net/url"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// reviewPages registers the review pages.
func (s *Server) reviewPages(r fiber.Router) {
	in := s.signedIn(registry.Roles...)
	r.Get("/products/:id/review", in, s.reviewForm)
	r.Post("/products/:id/review", in, s.reviewPost)
	r.Get("/products/:id/review/done", in, s.reviewDone)
	r.Get("/me/reviews/:id/edit", in, s.editForm)
	r.Post("/me/reviews/:id/edit", in, s.editPost)
}

// reviewForm shows the form for a new review of a product, with the
// reader's draft of it when they saved one.
func (s *Server) reviewForm(c *fiber.Ctx) error {
	p, err := s.store.Product(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	r, err := s.rubricFor(&reviewRequest{})
	if err != nil {
		return err
	}
	v := s.view(c, "products", nil)
	d := s.newReviewData(v, p, r)
	draft, err := s.store.Draft(c.UserContext(), s.pageOf(c).user.AccountID, p.ID)
	switch {
	case err == nil:
		d.Form.Values = valuesOf(draft.Values)
		d.DraftRestored = draft.SavedAt
		if k := draft.Values[web.FieldKey]; k != "" && checkIdempotencyKey(k) == nil {
			// A draft left by a submission that was stored (its deletion
			// failed) posts as a retry of it, not as a second review.
			d.Key = k
		}
	case registry.ErrorCode(err) != registry.ENOTFOUND:
		return err
	}
	switch c.Query("draft") {
	case "saved":
		d.DraftSaved = true
	case "discarded":
		d.DraftDiscarded = true
	}
	v.Data = d
	return s.render(c, fiber.StatusOK, "review_form", v)
}

// newReviewData starts the form for a new review of p from rubric r (in the
// page's language).
func (s *Server) newReviewData(v *web.View, p *registry.Product, r *registry.Rubric) *web.ReviewFormData {
	title, _ := v.T("review.title", p.Name)
	d := s.reviewData(v, r)
	d.Title, d.ProductID, d.ProductName = title, p.ID, p.Name
	d.Action = "/products/" + p.ID + "/review"
	d.Key = newFormKey()
	return d
}

// reviewData is the part of a review form that comes from the rubric
// version r, in the page's language.
func (s *Server) reviewData(v *web.View, r *registry.Rubric) *web.ReviewFormData {
	lr := s.rubrics.Localize(r, string(v.Lang))
	d := &web.ReviewFormData{
		Form:     &web.Form{Values: map[string][]string{}},
		RubricID: r.ID, RubricVersion: r.Version, RubricTitle: lr.Title,
		Roles: registry.ReviewerRoles, Phases: registry.Phases, Nations: registry.Nations,
		Settings: registry.Settings, Frequencies: registry.Frequencies, Recommendations: registry.Recommendations,
		Conflicts:  []string{"yes", "no"},
		MaxComment: registry.MaxCommentLength, MaxSummary: registry.MaxSummaryLength,
		MaxEvidence: registry.MaxEvidenceLinks, MaxConflict: registry.MaxConflictLength,
	}
	if lr == r && v.Lang != web.English {
		d.RubricLang = string(web.English) // no translation: its texts are in English
	}
	for _, dim := range lr.Dimensions {
		vd := web.ReviewDimension{ID: dim.ID, Title: dim.Title, Description: dim.Description}
		for _, c := range dim.Criteria {
			vc := web.ReviewCriterion{ID: c.ID, Title: c.Title, Question: c.Question, Guidance: c.Guidance, NotApplicable: c.NotApplicable}
			if c.Unknown != registry.UnknownNone {
				vc.Unknown = c.Unknown
			}
			for _, l := range c.Levels {
				vc.Levels = append(vc.Levels, web.ReviewLevel{Score: l.Score, Label: l.Label, Descriptor: l.Descriptor})
			}
			vd.Criteria = append(vd.Criteria, vc)
		}
		d.Dimensions = append(d.Dimensions, vd)
	}
	return d
}

// reviewPost saves the form as a draft, discards the draft, or submits
// the review through the API's submission path; a submission that fails is
// shown again with its problems and everything entered, and kept as a
// draft.
func (s *Server) reviewPost(c *fiber.Ctx) error {
	p, err := s.store.Product(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	form, err := formBody(c)
	if err != nil {
		return err
	}
	switch form.Get(web.FieldAction) {
	case web.ActionDraft:
		return s.saveDraftPost(c, p, form)
	case web.ActionDiscard:
		if err := s.store.DeleteDraft(c.UserContext(), s.pageOf(c).user.AccountID, p.ID); err != nil {
			return err
		}
		return redirect(c, "/products/"+p.ID+"/review?draft=discarded")
	}
	r := s.formRubric(form)
	req := reviewRequestOfForm(form, r)
	key := form.Get(web.FieldKey)
	if key == "" || checkIdempotencyKey(key) != nil {
		err = registry.Invalid("The form's key is missing or too long.", registry.FieldError{Field: "Idempotency-Key", Message: "is not a form key"})
	} else {
		var res *registry.SubmitResult
		if res, err = s.storeSubmission(c, p.ID, req, key); err == nil {
			s.dropDraft(c, p.ID)
			return redirect(c, "/products/"+p.ID+"/review/done?"+url.Values{"review": {res.Review.ID}}.Encode())
		}
	}
	v := s.view(c, "products", nil)
	d := s.newReviewData(v, p, r)
	d.Form.Values = form
	d.Key = key
	if hasFieldError(err, "Idempotency-Key") {
		d.Key = newFormKey() // a key used before, or none: the next post is a new submission
	}
	s.keepDraft(c, p.ID, form, r, d)
	status := fiber.StatusUnprocessableEntity
	switch registry.ErrorCode(err) {
	case registry.EINVALID:
		if d.Form.Errors, err = s.reviewProblems(c.UserContext(), v, err, req, form, r); err != nil {
			return err
		}
	case registry.ECONFLICT:
		status = fiber.StatusConflict
		d.Existing = registry.ErrorExistingReview(err)
		d.Conflict = d.Existing == ""
	case registry.ETOOMANY:
		status = fiber.StatusTooManyRequests
		d.TooMany = true
	default:
		return err
	}
	v.Data = d
	return s.render(c, status, "review_form", v)
}

// reviewIDForm is the form of a review id, as links carry it.
var reviewIDForm = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// reviewDone says what happens to a review once it is sent (or edited):
// moderation, publication with the product's next release, anonymity.
func (s *Server) reviewDone(c *fiber.Ctx) error {
	pid := c.Params("id")
	if err := s.store.ProductExists(c.UserContext(), pid); err != nil {
		return err
	}
	d := web.ReviewDoneData{ProductID: pid, Edited: c.Query("edited") == "1"}
	if id := c.Query("review"); reviewIDForm.MatchString(id) {
		// The same read as GET /api/v1/me/reviews/{id}: a review that is
		// not the reader's is not named.
		own, err := s.store.OwnReview(c.UserContext(), id, s.pageOf(c).user.ReviewerRef)
		switch {
		case err == nil && own.Review.ProductID == pid:
			d.ReviewID = id
			d.Published = own.Review.Status == registry.StatusPublished
		case err != nil && registry.ErrorCode(err) != registry.ENOTFOUND:
			return err
		}
	}
	return s.page(c, "products", "review_done", d)
}

// hasFieldError reports whether err lists a problem with field.
func hasFieldError(err error, field string) bool {
	for _, f := range registry.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}
