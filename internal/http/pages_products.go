package http

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// productsPageSize is the number of products a page of the list shows.
const productsPageSize = registry.DefaultPageLimit

// riskLevels are the choices of the list's risk filter, best first.
var riskLevels = []string{registry.RiskLow, registry.RiskMedium, registry.RiskHigh, registry.RiskCritical, registry.RiskInsufficient}

// riskScanReads bounds the work of a risk filter. No index can serve it:
// a product's risk is computed from its statistics, not stored on it. So
// the filter reads the list in id order, a store page at a time (with the
// search and the category, which the store filters), assesses each
// product and keeps those of the risk asked for. One request reads at
// most riskScanReads store pages of at most productsPageSize products
// (so at most riskScanReads·productsPageSize statistics documents, by
// _id), shows what matched, and gives the position it stopped at as the
// next page's cursor; the page says when it stopped before a full page.
const riskScanReads = 5

// productsPage is the home page: search, filters and a page of products,
// each with the overall risk and score of its public assessment.
func (s *Server) productsPage(c *fiber.Ctx) error {
	v := s.view(c, "products", nil)
	pt := &pageText{v: v}
	d := &web.ProductsData{Query: c.Query("q"), Category: c.Query("category"), Risk: c.Query("risk"),
		Cursor: c.Query("cursor"), Categories: registry.Categories, Risks: riskLevels, Form: &web.Form{}}
	v.Data = d
	check := func(ok bool, id, key string, args ...any) error {
		if ok {
			return nil
		}
		msg, err := v.T(key, args...)
		d.Form.Add(id, msg)
		return err
	}
	// The API's own rules for the search and the category (listProducts).
	if err := check(searchShort(d.Query), "q", "products.error.q.long", registry.MaxSearchLength); err != nil {
		return err
	}
	if err := check(searchText(d.Query), "q", "products.error.q.text"); err != nil {
		return err
	}
	if err := check(d.Category == "" || slices.Contains(registry.Categories, d.Category), "category", "products.error.category"); err != nil {
		return err
	}
	if err := check(d.Risk == "" || slices.Contains(riskLevels, d.Risk), "risk", "products.error.risk"); err != nil {
		return err
	}
	if d.Form.HasErrors() {
		// A form with errors shows them and no list: what was asked for
		// cannot be searched.
		if !utf8.ValidString(d.Query) {
			d.Query = strings.ToValidUTF8(d.Query, "")
		}
		return s.render(c, fiber.StatusUnprocessableEntity, "home", v)
	}

	ctx, r := c.UserContext(), s.rubrics.Default()
	f := registry.ProductFilter{Query: d.Query, Category: d.Category, Limit: productsPageSize, Cursor: d.Cursor}
	if d.Risk == "" {
		page, err := s.store.Products(ctx, f)
		if err != nil {
			return err
		}
		if d.Items, err = s.productSummaries(ctx, page.Items, r, pt); err != nil {
			return err
		}
		if pt.err != nil {
			return pt.err
		}
		d.NextCursor = page.NextCursor
		return s.render(c, fiber.StatusOK, "home", v)
	}

	// A risk filter: see riskScanReads. Each store read asks for no more
	// products than the page still lacks, so the page never overflows and
	// the cursor is exactly where the looking stopped.
	for read := 0; read < riskScanReads && len(d.Items) < productsPageSize; read++ {
		f.Limit = productsPageSize - len(d.Items)
		page, err := s.store.Products(ctx, f)
		if err != nil {
			return err
		}
		items, err := s.productSummaries(ctx, page.Items, r, pt)
		if err != nil {
			return err
		}
		d.Checked += len(items)
		for _, it := range items {
			if it.Risk == d.Risk {
				d.Items = append(d.Items, it)
			}
		}
		f.Cursor = page.NextCursor
		if f.Cursor == "" {
			break
		}
	}
	if pt.err != nil {
		return pt.err
	}
	d.NextCursor = f.Cursor
	d.Partial = d.NextCursor != "" && len(d.Items) < productsPageSize
	return s.render(c, fiber.StatusOK, "home", v)
}
