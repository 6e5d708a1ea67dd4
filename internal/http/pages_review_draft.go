package http

// Drafts of the review form (registry.DraftService): saved with the "Save
// draft" button, by the page's script every half minute while the form
// changes (the same post, with the header autosaveHeader), and whenever a
// submission fails; restored by the form; deleted once the review is
// stored. A draft is its author's alone and never public.

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// autosaveHeader marks a draft saved by the page's script: it is answered
// with a status alone (204 when saved), not a page.
const autosaveHeader = "X-Registry-Autosave"

// saveDraftPost saves the posted form as the reader's draft of product p
// and comes back to the form (or, for the script, answers 204).
func (s *Server) saveDraftPost(c *fiber.Ctx, p *registry.Product, form url.Values) error {
	r := s.formRubric(form)
	err := s.store.SaveDraft(c.UserContext(), s.pageOf(c).user, p.ID, draftValues(form, r))
	if c.Get(autosaveHeader) != "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
		if err != nil {
			return c.SendStatus(statusOf(registry.ErrorCode(err)))
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
	if err == nil {
		return redirect(c, "/products/"+p.ID+"/review?draft=saved")
	}
	status := statusOf(registry.ErrorCode(err))
	v := s.view(c, "products", nil)
	d := s.newReviewData(v, p, r)
	d.Form.Values = form
	d.Key = form.Get(web.FieldKey)
	switch registry.ErrorCode(err) {
	case registry.ETOOMANY:
		d.DraftTooMany = true
	case registry.ETOOLARGE:
		d.DraftFailed = true
	default:
		return err
	}
	v.Data = d
	return s.render(c, status, "review_form", v)
}

// keepDraft saves a form whose submission failed as the reader's draft of
// product pid, and says in d whether it was kept.
func (s *Server) keepDraft(c *fiber.Ctx, pid string, form url.Values, r *registry.Rubric, d *web.ReviewFormData) {
	err := s.store.SaveDraft(c.UserContext(), s.pageOf(c).user, pid, draftValues(form, r))
	switch registry.ErrorCode(err) {
	case "":
		d.DraftKept = true
	case registry.ETOOMANY:
		d.DraftTooMany = true
	default:
		if registry.ErrorCode(err) == registry.EINTERNAL {
			s.log.Error("draft not saved", "error", err)
		}
		d.DraftFailed = true
	}
}

// dropDraft deletes the reader's draft of product pid once its review is
// stored. A failure is logged, not shown: the review is stored, and a draft
// left behind carries the submission's key, so sending it again unchanged
// is a retry of the same submission (and changed, the one-active-review
// rule's conflict).
func (s *Server) dropDraft(c *fiber.Ctx, pid string) {
	if err := s.store.DeleteDraft(c.UserContext(), s.pageOf(c).user.AccountID, pid); err != nil {
		s.log.Warn("draft not deleted after its review was stored", "error", err)
	}
}
