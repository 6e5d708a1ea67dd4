package http

// The public pages: the products (/), a product (/products/{id}), the
// comparison (/compare) and the method (/method). They read the same
// documents through the same functions as the JSON API (assessProduct,
// assessStats, compareProducts, PublishedReviews with toPublicReviewJSON),
// so a page shows what the API shows, by the same disclosure rules. This
// file registers them and holds what they share; each page has its own
// file (pages_products.go, pages_product.go, pages_compare.go,
// pages_method.go).

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// publicPages registers the public pages.
func (s *Server) publicPages(r fiber.Router) {
	r.Get("/", s.productsPage)
	r.Get("/products/:id", s.productPage)
	r.Get("/compare", s.comparePage)
	r.Get("/method", s.methodPage)
}

// workbookURL is the address of one of the API's workbooks linked from a
// page in lang: path with the query's name and value pairs (empty values
// left out), and lang=cy on a Welsh page: workbooks follow the language of
// the page they are downloaded from.
func workbookURL(lang web.Lang, path string, pairs ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	if lang == web.Welsh {
		q.Set("lang", string(lang))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// pageText writes a page's words from the catalogue in the page's
// language, keeping the first error (a key the catalogue lacks), so that
// building a view reads as a list of look-ups checked once at the end.
// Handlers write the words of a page's long loops here, once, so that the
// templates print fields there rather than call the view's methods.
type pageText struct {
	v   *web.View
	err error
}

func (p *pageText) keep(err error) {
	if p.err == nil {
		p.err = err
	}
}

// t is View.T.
func (p *pageText) t(key string, args ...any) string {
	s, err := p.v.T(key, args...)
	p.keep(err)
	return s
}

// show is View.Show.
func (p *pageText) show(score *float64, risk string) web.Shown {
	s, err := p.v.Show(score, riskJSON(risk))
	p.keep(err)
	return s
}

// groupKind is a kind of group of reviewers and its words in the
// catalogue: the kind's label, the filter's choice of every group, the
// filter's message about a value not in the list, and the prefix of the
// labels of its values.
type groupKind struct {
	kind, label, all, invalid, prefix string
	values                            []string
}

// groupKinds are the kinds of groups, in the filter's order.
var groupKinds = []groupKind{
	{registry.GroupRole, "label.role", "product.group.role.all", "product.filter.error.role", "role.", registry.ReviewerRoles},
	{registry.GroupPhase, "label.phase", "product.group.phase.all", "product.filter.error.phase", "phase.", registry.Phases},
	{registry.GroupNation, "label.nation", "product.group.nation.all", "product.filter.error.nation", "nation.", registry.Nations},
}

// groupKindOf returns the kind of groups called kind.
func groupKindOf(kind string) (groupKind, bool) {
	for _, g := range groupKinds {
		if g.kind == kind {
			return g, true
		}
	}
	return groupKind{}, false
}

// groupLabel names a group of reviewers ("role", "teacher") in the page's
// language.
func groupLabel(kind, value string, pt *pageText) string {
	if g, ok := groupKindOf(kind); ok {
		return pt.t(g.prefix + value)
	}
	return value
}

// groupFilter is the filter form's state: the group asked for (as asked,
// valid or not) and the choices.
func groupFilter(c *fiber.Ctx, pt *pageText) web.GroupFilter {
	f := web.GroupFilter{Role: c.Query("role"), Phase: c.Query("phase"), Nation: c.Query("nation")}
	for _, g := range groupKinds {
		sel := web.GroupSelect{Kind: g.kind, Label: pt.t(g.label), All: pt.t(g.all)}
		for _, value := range g.values {
			sel.Options = append(sel.Options, web.Option{Value: value, Label: pt.t(g.prefix + value),
				Selected: c.Query(g.kind) == value})
		}
		f.Selects = append(f.Selects, sel)
	}
	return f
}

// pageFilter reads the page's filter with filterParams, the API's own
// reading of it. A filter that breaks its rules (two groups, or a value
// not in the lists) is said in form, beside the filter's inputs, and the
// page shows every reviewer's numbers instead; any other error is
// returned.
func (s *Server) pageFilter(c *fiber.Ctx, v *web.View, form *web.Form) (registry.AssessmentFilter, *registry.Rubric, error) {
	f, r, err := s.filterParams(c)
	if err == nil {
		return f, r, nil
	}
	if registry.ErrorCode(err) != registry.EINVALID {
		return f, nil, err
	}
	var set []string
	for _, kind := range registry.GroupKinds {
		if c.Query(kind) != "" {
			set = append(set, kind)
		}
	}
	if len(set) > 1 {
		msg, terr := v.T("product.filter.error.one")
		if terr != nil {
			return f, nil, terr
		}
		form.Add("filter-"+set[0], msg)
	} else {
		for _, fe := range registry.ErrorFields(err) {
			g, ok := groupKindOf(fe.Field)
			if !ok {
				// A rubric version that does not exist: the form has no
				// input for it, so the page is an error page.
				return f, nil, err
			}
			msg, terr := v.T(g.invalid)
			if terr != nil {
				return f, nil, terr
			}
			form.Add("filter-"+fe.Field, msg)
		}
	}
	return registry.AssessmentFilter{}, s.rubrics.Default(), nil
}

// rubricWords are the titles and asks of a rubric in the page's language,
// by id: assessments carry the rubric's own words, pages show these.
type rubricWords struct {
	dims  map[string]string
	crits map[string]registry.Criterion
}

// wordsOf returns r's words in lang (s.rubrics.Localize).
func (s *Server) wordsOf(r *registry.Rubric, lang web.Lang) (*registry.Rubric, rubricWords) {
	lr := s.rubrics.Localize(r, string(lang))
	w := rubricWords{dims: map[string]string{}, crits: map[string]registry.Criterion{}}
	for _, d := range lr.Dimensions {
		w.dims[d.ID] = d.Title
		for _, c := range d.Criteria {
			w.crits[c.ID] = c
		}
	}
	return lr, w
}

func (w rubricWords) dimension(id, fallback string) string {
	if t, ok := w.dims[id]; ok && t != "" {
		return t
	}
	return fallback
}

func (w rubricWords) criterion(id, fallback string) string {
	if c, ok := w.crits[id]; ok && c.Title != "" {
		return c.Title
	}
	return fallback
}

func (w rubricWords) ask(id, fallback string) string {
	if c, ok := w.crits[id]; ok && c.Ask != "" {
		return c.Ask
	}
	return fallback
}

// dimensionViews shows an assessment's dimensions in the page's words.
func dimensionViews(ds []registry.DimensionAssessment, w rubricWords, pt *pageText) []web.DimensionView {
	out := make([]web.DimensionView, 0, len(ds))
	for _, d := range ds {
		out = append(out, web.DimensionView{ID: d.ID, Title: w.dimension(d.ID, d.Title), Score: d.Score,
			Risk: riskJSON(d.Risk), Agreement: d.Agreement, Contested: d.Contested, Shown: pt.show(d.Score, d.Risk)})
	}
	return out
}

// flagViews lists an assessment's red flags, dimension by dimension, in
// the page's words.
func flagViews(ds []registry.DimensionAssessment, w rubricWords) []web.FlagView {
	var out []web.FlagView
	for _, d := range ds {
		for _, f := range d.Flags {
			out = append(out, web.FlagView{Criterion: f.Criterion, Title: w.criterion(f.Criterion, f.Title),
				Dimension: w.dimension(d.ID, d.Title), Severity: f.Severity, Share: f.Share,
				Ask: w.ask(f.Criterion, f.Ask), Provisional: f.Provisional})
		}
	}
	return out
}

// pageFanOut bounds the concurrent store reads of one page's list.
const pageFanOut = compareFanOut

// productSummaries assesses each product (unfiltered, under r) as
// GET /products/{id}/assessment does, several at a time: one statistics
// document each, by _id.
func (s *Server) productSummaries(ctx context.Context, products []*registry.Product, r *registry.Rubric, pt *pageText) ([]web.ProductSummary, error) {
	out := make([]web.ProductSummary, len(products))
	errs := make([]error, len(products))
	sem := make(chan struct{}, pageFanOut)
	var wg sync.WaitGroup
	for i, p := range products {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a, err := s.assessStats(ctx, p.ID, registry.AssessmentFilter{}, r)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = web.ProductSummary{ID: p.ID, Name: p.Name, Vendor: p.Vendor, Category: p.Category,
				Description: excerpt(p.Description, descriptionExcerpt), Archived: p.Status == registry.ProductArchived,
				Risk: riskJSON(a.Overall.Risk), Score: a.Overall.Score, Reviews: a.Reviews}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i := range out {
		out[i].Shown = pt.show(out[i].Score, out[i].Risk)
		out[i].CategoryLabel = pt.t("category." + out[i].Category)
	}
	return out, nil
}

// descriptionExcerpt is the most of a description a list shows, in
// characters.
const descriptionExcerpt = 240

// excerpt shortens s to at most n characters, at a space where it can,
// with an ellipsis when it was cut.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}
