package assess

import "github.com/edtech-registry/registry/internal/registry"

// Item is one product to compare: its identity, its statistics under the
// comparison's rubric version (nil for none) and how many of its published
// reviews were written under other rubric versions and so are left out.
type Item struct {
	ProductID     string
	Name          string
	Vendor        string
	Stats         *registry.Stats
	OtherVersions int
}

// Compare assesses each item under rubric r with the same filter and
// threshold (see Assess) and lays the results side by side: products in the
// order given, and one row per criterion in rubric order with each product's
// mean and number of counted answers (nil and 0 where a product's filtered
// assessment is suppressed or nobody answered). It does not check the
// number of products; callers enforce the 2–20 limit.
func Compare(r *registry.Rubric, items []Item, f registry.AssessmentFilter, threshold int) *registry.Comparison {
	c := &registry.Comparison{RubricID: r.ID, RubricVersion: r.Version, Filter: f}
	for _, it := range items {
		s := it.Stats
		if s == nil {
			s = registry.NewStats(it.ProductID, r)
		}
		c.Products = append(c.Products, registry.ComparedProduct{
			ProductID:  it.ProductID,
			Name:       it.Name,
			Vendor:     it.Vendor,
			Assessment: Assess(r, s, f, threshold),
		})
		c.LeftOutOtherVersions += max(it.OtherVersions, 0)
	}

	i := 0
	for _, d := range r.Dimensions {
		for _, cr := range d.Criteria {
			row := registry.ComparedCriterion{ID: cr.ID, Title: cr.Title, Dimension: d.ID}
			for _, p := range c.Products {
				ca := p.Assessment.Criteria[i]
				row.Values = append(row.Values, registry.ComparedValue{ProductID: p.ProductID, Mean: ca.Mean, N: ca.N})
			}
			c.Criteria = append(c.Criteria, row)
			i++
		}
	}
	return c
}
