package http

// Editing one's own review: the review form prefilled from the review as
// its author sees it (the store call of GET /api/v1/me/reviews/{id}),
// posted through the same path as PUT /api/v1/reviews/{id} (revise), with
// the version of the review read as a hidden field: an edit of a review
// that changed since is refused (412) and the version saved now is shown.
// The store checks that version where it writes (registry.EditVersion), so
// an edit made between the page's check and its write (another tab, the
// API) makes it 412 too, never silently overwritten.

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// editTarget returns what an edit of the review own changes — the review
// itself when pending, its pending revision when it has one, else the
// published review (whose edit makes a revision) — and the form's version
// of it: the document's id and version, so that a revision made or
// changed meanwhile, a moderator's decision or another edit all change it.
// A review that cannot be edited is ECONFLICT (a superseded one naming its
// revision in ExistingReview).
func editTarget(own *registry.OwnReview) (*registry.Review, string, error) {
	r := own.Review
	switch r.Status {
	case registry.StatusPending:
	case registry.StatusPublished:
		if own.Revision != nil && own.Revision.Status == registry.StatusPending {
			r = own.Revision
		}
	case registry.StatusSuperseded:
		return nil, "", &registry.Error{Code: registry.ECONFLICT, ExistingReview: r.SupersededBy,
			Message: "This review was replaced by its published revision; edit that one."}
	default:
		return nil, "", registry.Errorf(registry.ECONFLICT, "The review is %s; it cannot be edited.", r.Status)
	}
	return r, r.ID + "." + strconv.Itoa(r.Version), nil
}

// editVersion reads the form's version (editTarget's "<id>.<version>") as
// the store's EditVersion; a missing or malformed one matches no review.
func editVersion(v string) *registry.EditVersion {
	id, n, ok := strings.Cut(v, ".")
	version, err := strconv.Atoi(n)
	if !ok || err != nil || id == "" {
		return &registry.EditVersion{Version: -1}
	}
	return &registry.EditVersion{ReviewID: id, Version: version}
}

// editForm shows the form to edit one of the reader's reviews, prefilled
// with it (or with its pending revision).
func (s *Server) editForm(c *fiber.Ctx) error {
	id := c.Params("id")
	own, err := s.store.OwnReview(c.UserContext(), id, s.pageOf(c).user.ReviewerRef)
	if err != nil {
		return err
	}
	target, version, err := editTarget(own)
	if next := registry.ErrorExistingReview(err); next != "" {
		return redirect(c, "/me/reviews/"+next+"/edit")
	} else if err != nil {
		return err
	}
	r, err := s.rubrics.Version(target.RubricID, target.RubricVersion)
	if err != nil {
		return err
	}
	v := s.view(c, "reviews", nil)
	d, err := s.editData(c, v, own.Review, r)
	if err != nil {
		return err
	}
	d.Form.Values = formOfReview(target)
	d.Version = version
	v.Data = d
	return s.render(c, fiber.StatusOK, "review_form", v)
}

// editData starts the edit form of review rv from rubric version r.
func (s *Server) editData(c *fiber.Ctx, v *web.View, rv *registry.Review, r *registry.Rubric) (*web.ReviewFormData, error) {
	p, err := s.store.Product(c.UserContext(), rv.ProductID)
	if err != nil {
		return nil, err
	}
	d := s.reviewData(v, r)
	d.Title, _ = v.T("review.edit.title", p.Name)
	d.ProductID, d.ProductName = p.ID, p.Name
	d.Edit, d.ReviewID = true, rv.ID
	d.Action = "/me/reviews/" + rv.ID + "/edit"
	d.Key = newFormKey()
	return d, nil
}

// errSameEdit stops an edit whose review changed since the form was read
// into exactly what the form says: a retried post of an edit already made.
var errSameEdit = errors.New("the review already says this")

// editPost edits one of the reader's reviews through the API's edit path.
func (s *Server) editPost(c *fiber.Ctx) error {
	id, ref := c.Params("id"), s.pageOf(c).user.ReviewerRef
	form, err := formBody(c)
	if err != nil {
		return err
	}
	key := form.Get(web.FieldKey)
	var (
		stored  *registry.Review // the review, as read by the edit path
		r       *registry.Rubric // the rubric version of the form
		req     *reviewRequest
		edited  *registry.Review    // the validated edit
		current *registry.OwnReview // the review now, when it changed
	)
	// changed compares the review as it is now with the version the form
	// was read at: nil when it is still that version, errSameEdit when it
	// changed into what the form says (a retried post), else EPRECONDITION
	// with the review now in current.
	changed := func(rv *registry.Review) error {
		own, err := s.store.OwnReview(c.UserContext(), id, ref)
		if err != nil {
			return err
		}
		target, version, err := editTarget(own)
		if err != nil || version == form.Get(web.FieldVersion) {
			return err
		}
		if sameContent(target, rv) {
			return errSameEdit
		}
		current = own
		return registry.Errorf(registry.EPRECONDITION, "The review changed since you read it.")
	}
	// The check before the store answers a retried post, and a stale form
	// without writing; the store checks the version again where it writes
	// (read), so an edit made between the two still makes this one 412.
	read := editVersion(form.Get(web.FieldVersion))
	_, err = s.revise(c, id, key, read, func(rv *registry.Review) (*reviewRequest, error) {
		stored, r = rv, s.formRubric(form)
		req = reviewRequestOfForm(form, r)
		if key == "" || checkIdempotencyKey(key) != nil {
			return nil, registry.Invalid("The form's key is missing or too long.", registry.FieldError{Field: "Idempotency-Key", Message: "is not a form key"})
		}
		return req, nil
	}, func(rv *registry.Review) error {
		edited = rv
		return changed(rv)
	})
	if registry.ErrorCode(err) == registry.EPRECONDITION && current == nil && edited != nil {
		// The store refused it: the review changed after the check.
		if cerr := changed(edited); cerr != nil {
			err = cerr
		}
	}
	if err == nil || errors.Is(err, errSameEdit) {
		return redirect(c, "/products/"+stored.ProductID+"/review/done?"+url.Values{"review": {id}, "edited": {"1"}}.Encode())
	}
	if stored == nil {
		return err // not the reader's, or not read
	}
	v := s.view(c, "reviews", nil)
	d, derr := s.editData(c, v, stored, r)
	if derr != nil {
		return derr
	}
	d.Form.Values = form
	d.Key, d.Version = key, form.Get(web.FieldVersion)
	if hasFieldError(err, "Idempotency-Key") {
		d.Key = newFormKey()
	}
	status := fiber.StatusUnprocessableEntity
	switch registry.ErrorCode(err) {
	case registry.EINVALID:
		if d.Form.Errors, err = s.reviewProblems(c.UserContext(), v, err, req, form, r); err != nil {
			return err
		}
	case registry.EPRECONDITION:
		if current == nil {
			return err
		}
		status = fiber.StatusPreconditionFailed
		target, version, _ := editTarget(current)
		d.Version = version
		if d.Changed, err = s.versionView(v, target); err != nil {
			return err
		}
	case registry.ETOOMANY:
		status = fiber.StatusTooManyRequests
		d.TooMany = true
	case registry.ECONFLICT:
		// What was typed is shown again, not lost behind an error page.
		status = fiber.StatusConflict
		d.Refused = true
	default:
		return err
	}
	v.Data = d
	return s.render(c, status, "review_form", v)
}

// versionView shows review rv as it is saved now, in the page's language.
func (s *Server) versionView(v *web.View, rv *registry.Review) (*web.ReviewVersion, error) {
	r, err := s.rubrics.Version(rv.RubricID, rv.RubricVersion)
	if err != nil {
		return nil, err
	}
	out := &web.ReviewVersion{Summary: rv.Summary}
	if slices.Contains(registry.Recommendations, rv.Recommendation) {
		out.Recommendation = rv.Recommendation
	}
	byCriterion := map[string]registry.Answer{}
	for _, a := range rv.Answers {
		byCriterion[a.Criterion] = a
	}
	for _, c := range s.rubrics.Localize(r, string(v.Lang)).Criteria() {
		a, ok := byCriterion[c.ID]
		var words string
		switch {
		case !ok:
			words, err = v.T("answer.none")
		case a.Score != nil && *a.Score >= 0 && *a.Score < len(c.Levels):
			// Worded as every other page words an answer (the "answer"
			// partial).
			words, err = v.T("answer.level", *a.Score, c.Levels[*a.Score].Label)
		case a.Score != nil:
			words, err = v.T("answer.score", *a.Score)
		case a.Unknown:
			words, err = v.T("answer.unknown")
		case a.NA:
			words, err = v.T("answer.na")
		default:
			words, err = v.T("answer.none")
		}
		if err != nil {
			return nil, err
		}
		out.Answers = append(out.Answers, web.ReviewVersionAnswer{Criterion: c.Title, Answer: words, Comment: a.Comment})
	}
	return out, nil
}

// sameContent reports whether a stored review says what rv says: the same
// context, usage, answers, recommendation, summary and declaration.
func sameContent(stored, rv *registry.Review) bool {
	if stored.RubricID != rv.RubricID || stored.RubricVersion != rv.RubricVersion ||
		stored.Reviewer != rv.Reviewer || stored.Usage != rv.Usage || stored.Conflict != rv.Conflict ||
		stored.Recommendation != rv.Recommendation || stored.Summary != rv.Summary || len(stored.Answers) != len(rv.Answers) {
		return false
	}
	byCriterion := map[string]registry.Answer{}
	for _, a := range stored.Answers {
		byCriterion[a.Criterion] = a
	}
	for _, b := range rv.Answers {
		a, ok := byCriterion[b.Criterion]
		if !ok || a.Unknown != b.Unknown || a.NA != b.NA || a.Comment != b.Comment ||
			(a.Score == nil) != (b.Score == nil) || a.Score != nil && *a.Score != *b.Score ||
			strings.Join(a.Evidence, "\n") != strings.Join(b.Evidence, "\n") {
			return false
		}
	}
	return true
}
