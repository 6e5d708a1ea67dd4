package http

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// reviewsPageSize is the number of published reviews a product's page
// shows: the API's default page.
const reviewsPageSize = registry.DefaultPageLimit

// productPage shows a product: its details, its public assessment (of all
// reviewers, or of one group), its published reviews and its downloads.
// It reads what GET /api/v1/products/{id}/assessment and
// GET /api/v1/products/{id}/reviews read, through the same functions.
func (s *Server) productPage(c *fiber.Ctx) error {
	v := s.view(c, "products", nil)
	form := &web.Form{}
	f, r, err := s.pageFilter(c, v, form)
	if err != nil {
		return err
	}
	// The assessment and the page of reviews are independent reads (as
	// the two JSON routes are): made side by side, the page waits for
	// the longer, not for both.
	ctx, id, cursor := c.UserContext(), c.Params("id"), c.Query("cursor")
	var reviews *registry.ReviewPage
	var rerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		reviews, rerr = s.store.PublishedReviews(ctx, id, reviewsPageSize, cursor)
	}()
	p, a, err := s.assessProduct(ctx, id, f, r)
	<-done
	if err != nil {
		return err
	}
	if rerr != nil {
		return rerr
	}
	lr, words := s.wordsOf(r, v.Lang)
	pt := &pageText{v: v}
	version := c.Query("rubricVersion")
	if form.HasErrors() {
		version = "" // pageFilter fell back to every reviewer under the default rubric
	}
	d := &web.ProductData{
		Product: web.ProductDetails{ID: p.ID, Name: p.Name, Vendor: p.Vendor, Category: p.Category,
			Description: p.Description, Website: p.Website, Archived: p.Status == registry.ProductArchived},
		// The form keeps what was chosen, valid or not, for correcting;
		// the numbers are of the group pageFilter applied.
		Filter:     groupFilter(c, pt),
		Group:      appliedGroup(f, pt),
		Form:       form,
		Assessment: s.assessmentView(a, lr, words, pt),
		WriteURL:   "/products/" + url.PathEscape(p.ID) + "/review",
		// The workbook holds what the page shows: the same filter and
		// rubric version.
		AssessmentURL: workbookURL(v.Lang, "/api/v1/products/"+url.PathEscape(p.ID)+"/assessment.xlsx",
			"rubricVersion", version, "role", f.Role, "phase", f.Phase, "nation", f.Nation),
		ReviewFormURL:     workbookURL(v.Lang, "/api/v1/rubrics/"+url.PathEscape(lr.ID)+"/template.xlsx", "product", p.ID),
		ReviewsCursor:     cursor,
		NextReviewsCursor: reviews.NextCursor,
	}
	for _, pr := range reviews.Items {
		d.Reviews = append(d.Reviews, publicReviewView(toPublicReviewJSON(pr), words, pt))
	}
	if pt.err != nil {
		return pt.err
	}
	v.Data = d
	status := fiber.StatusOK
	if form.HasErrors() {
		status = fiber.StatusUnprocessableEntity
	}
	return s.render(c, status, "product", v)
}

// appliedGroup names the group a filter applies, or none.
func appliedGroup(f registry.AssessmentFilter, pt *pageText) web.Group {
	var g web.Group
	switch {
	case f.Role != "":
		g = web.Group{Kind: registry.GroupRole, Value: f.Role}
	case f.Phase != "":
		g = web.Group{Kind: registry.GroupPhase, Value: f.Phase}
	case f.Nation != "":
		g = web.Group{Kind: registry.GroupNation, Value: f.Nation}
	default:
		return g
	}
	g.Label = groupLabel(g.Kind, g.Value, pt)
	return g
}

// assessmentView shows an assessment in the words of lr (the assessed
// rubric, localized).
func (s *Server) assessmentView(a *registry.Assessment, lr *registry.Rubric, w rubricWords, pt *pageText) web.AssessmentView {
	av := web.AssessmentView{RubricTitle: lr.Title, RubricVersion: a.RubricVersion, Reviews: a.Reviews,
		Suppressed: a.Suppressed, MinReviews: lr.Settings.MinReviews,
		Threshold: registry.AnonymityThreshold(s.store.Threshold()),
		Risk:      riskJSON(a.Overall.Risk), Score: a.Overall.Score, Overall: pt.show(a.Overall.Score, a.Overall.Risk)}
	if a.Suppressed {
		return av
	}
	av.Insufficient = a.Overall.Risk == registry.RiskInsufficient
	av.Dimensions = dimensionViews(a.Dimensions, w, pt)
	var bars []web.ChartInput
	for _, d := range av.Dimensions {
		bars = append(bars, web.ChartInput{Label: d.Title, Score: d.Score, Risk: d.Risk, Shown: d.Shown})
	}
	av.Chart = web.NewChart(bars)
	for _, c := range a.Criteria {
		if c.Contested {
			av.Contested = append(av.Contested, web.CriterionView{ID: c.ID, Title: w.criterion(c.ID, c.ID),
				Dimension: w.dimension(c.Dimension, c.Dimension), Agreement: c.Agreement})
		}
	}
	av.Flags = flagViews(a.Dimensions, w)
	for _, kind := range registry.GroupKinds {
		cells, ok := a.Breakdowns[kind]
		if !ok {
			continue
		}
		bv := web.BreakdownView{Kind: kind}
		if g, ok := groupKindOf(kind); ok {
			bv.Label = pt.t(g.label)
		}
		for _, b := range cells {
			cell := web.BreakdownCell{Key: b.Key, Label: groupLabel(kind, b.Key, pt), Reviews: b.Reviews, Suppressed: b.Suppressed}
			for _, bd := range b.Dimensions {
				cell.Dimensions = append(cell.Dimensions, web.DimensionView{ID: bd.ID, Title: w.dimension(bd.ID, bd.ID),
					Score: bd.Score, Risk: riskJSON(bd.Risk), Shown: pt.show(bd.Score, bd.Risk)})
			}
			bv.Cells = append(bv.Cells, cell)
		}
		av.Breakdowns = append(av.Breakdowns, bv)
	}
	return av
}

// publicReviewView shows a published review: what the API's listing
// entry holds (toPublicReviewJSON), nothing more, with the criteria named
// in the page's words and the release's month as a date to write out.
func publicReviewView(j publicReviewJSON, w rubricWords, pt *pageText) web.PublicReviewView {
	out := web.PublicReviewView{ID: j.ID, Summary: j.Summary, Recommendation: j.Recommendation}
	if m, err := time.Parse("2006-01", j.Month); err == nil {
		out.Month = m
	}
	month, err := pt.v.Month(out.Month)
	pt.keep(err)
	out.Heading = pt.t("product.recommendation." + j.Recommendation)
	out.Published = pt.t("product.review.month", month)
	out.Ref = pt.t("product.review.ref", j.ID)
	for _, c := range j.Comments {
		out.Comments = append(out.Comments, web.CommentView{Criterion: w.criterion(c.Criterion, c.Criterion), Comment: c.Comment})
	}
	return out
}
