package http

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// compareChoices is the number of products the compare form offers at a
// time, beside those already chosen.
const compareChoices = registry.MaxPageLimit

// comparePage puts 2–20 products side by side, through compareProducts as
// GET /api/v1/compare does. Its form is a GET form that works without
// script: products are checkboxes (the parameter "products" repeated; a
// value may also hold ids separated by commas, as the API's does), with a
// search to narrow the products offered, the group filter, and a button
// to offer more. Too few or too many products, an unknown one, or a
// broken filter are said on the page, beside the form.
func (s *Server) comparePage(c *fiber.Ctx) error {
	v := s.view(c, "compare", nil)
	pt := &pageText{v: v}
	form := &web.Form{}
	d := &web.CompareData{Form: form, Query: c.Query("q"), Min: minCompare, Max: maxCompare, Filter: groupFilter(c, pt)}
	v.Data = d
	var raw []string
	for _, b := range c.Context().QueryArgs().PeekMulti("products") {
		raw = append(raw, string(b))
	}
	ids := productIDs(raw...)
	f, r, err := s.pageFilter(c, v, form)
	if err != nil {
		return err
	}
	add := func(id, key string, args ...any) error {
		msg, err := v.T(key, args...)
		form.Add(id, msg)
		return err
	}
	ctx := c.UserContext()
	known := map[string]web.CompareChoice{}
	unknown := map[string]bool{}
	// A comparison is made once two products are chosen, or when the
	// Compare button asks for one (and then too few is an error).
	if !form.HasErrors() && (len(ids) >= minCompare || c.Query("compare") != "") {
		cmp, err := s.compareProducts(ctx, ids, f, r)
		var ue *unknownProductsError
		switch {
		case err == nil:
			d.Result, d.Group = s.comparisonView(cmp, r, pt), appliedGroup(f, pt)
			for _, p := range cmp.Products {
				known[p.ProductID] = web.CompareChoice{ID: p.ProductID, Name: p.Name, Vendor: p.Vendor}
			}
			d.PackURL = workbookURL(v.Lang, "/api/v1/compare.xlsx", "products", strings.Join(ids, ","),
				"rubricVersion", c.Query("rubricVersion"), "role", f.Role, "phase", f.Phase, "nation", f.Nation)
		case errors.As(err, &ue):
			for _, id := range ue.ids {
				unknown[id] = true
			}
			if err := add("products", "compare.error.unknown", strings.Join(ue.ids, ", ")); err != nil {
				return err
			}
		case registry.ErrorCode(err) == registry.EINVALID && len(ids) > maxCompare:
			if err := add("products", "compare.error.many", maxCompare, len(ids)); err != nil {
				return err
			}
		case registry.ErrorCode(err) == registry.EINVALID:
			if err := add("products", "compare.error.few", minCompare); err != nil {
				return err
			}
		default:
			return err
		}
	}

	// The products offered: the search's, by the API's rules for it.
	// Beside a comparison only the chosen ones are, unless the form asked
	// for others (Find, or more): a comparison then reads no more than
	// the JSON comparison does.
	pf := registry.ProductFilter{Query: d.Query, Limit: compareChoices, Cursor: c.Query("after")}
	if !searchShort(pf.Query) || !searchText(pf.Query) {
		if err := add("compare-q", "compare.error.q", registry.MaxSearchLength); err != nil {
			return err
		}
		d.Query, pf.Query = strings.ToValidUTF8(d.Query, ""), ""
	}
	page := &registry.ProductPage{}
	d.OthersHidden = d.Result != nil && c.Query("find") == "" && pf.Cursor == "" && pf.Query == ""
	if !d.OthersHidden {
		if page, err = s.store.Products(ctx, pf); err != nil {
			return err
		}
	}
	for _, p := range page.Items {
		if _, ok := known[p.ID]; !ok {
			known[p.ID] = web.CompareChoice{ID: p.ID, Name: p.Name, Vendor: p.Vendor}
		}
	}
	// The chosen products first, still chosen (an unknown one is left
	// out, so that sending the form again compares the others), then the
	// others offered.
	chosen := map[string]bool{}
	for _, id := range ids {
		if unknown[id] {
			continue
		}
		ch, ok := known[id]
		if !ok {
			ch = web.CompareChoice{ID: id, Name: id}
		}
		ch.Checked = true
		chosen[id] = true
		d.Choices = append(d.Choices, ch)
	}
	for _, p := range page.Items {
		if !chosen[p.ID] {
			d.Choices = append(d.Choices, known[p.ID])
		}
	}
	d.MoreCursor = page.NextCursor
	if pt.err != nil {
		return pt.err
	}
	status := fiber.StatusOK
	if form.HasErrors() {
		status = fiber.StatusUnprocessableEntity
	}
	return s.render(c, status, "compare", v)
}

// comparisonView shows a comparison in the page's words.
func (s *Server) comparisonView(cmp *registry.Comparison, r *registry.Rubric, pt *pageText) *web.ComparisonView {
	lr, w := s.wordsOf(r, pt.v.Lang)
	cv := &web.ComparisonView{RubricTitle: lr.Title, RubricVersion: cmp.RubricVersion,
		Threshold: registry.AnonymityThreshold(s.store.Threshold()), LeftOut: cmp.LeftOutOtherVersions}
	for _, d := range lr.Dimensions {
		cv.Dimensions = append(cv.Dimensions, d.Title)
	}
	for _, p := range cmp.Products {
		a := p.Assessment
		cv.Products = append(cv.Products, web.ComparedView{ID: p.ProductID, Name: p.Name, Vendor: p.Vendor,
			Reviews: a.Reviews, Suppressed: a.Suppressed,
			Insufficient: !a.Suppressed && a.Overall.Risk == registry.RiskInsufficient,
			Risk:         riskJSON(a.Overall.Risk), Score: a.Overall.Score, Overall: pt.show(a.Overall.Score, a.Overall.Risk),
			Dimensions: dimensionViews(a.Dimensions, w, pt), Flags: flagViews(a.Dimensions, w)})
	}
	return cv
}
