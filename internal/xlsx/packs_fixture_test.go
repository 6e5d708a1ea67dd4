package xlsx

import (
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// testInfo is the making of every test workbook.
var testInfo = Info{Generated: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), Version: "test"}

// fixtureReview is a review scoring every criterion score, except those
// in over.
func fixtureReview(r *registry.Rubric, role, phase, nation string, score int, over map[string]int) *registry.Review {
	rv := &registry.Review{Reviewer: registry.ReviewerContext{Role: role, Phase: phase, Nation: nation}}
	for _, c := range r.Criteria() {
		s := score
		if o, ok := over[c.ID]; ok {
			s = o
		}
		rv.Answers = append(rv.Answers, registry.Answer{Criterion: c.ID, Score: &s})
	}
	return rv
}

// fixtureStats tallies reviews as the store's statistics would.
func fixtureStats(r *registry.Rubric, productID string, reviews ...*registry.Review) *registry.Stats {
	s := registry.NewStats(productID, r)
	idx := r.CriterionIndex()
	for _, rv := range reviews {
		s.Add(idx, rv, 1)
	}
	return s
}

// fixture is a registry's worth of assessed products, with the injection
// payloads in every user-text field.
type fixture struct {
	r        *registry.Rubric
	products []*registry.Product
	stats    []*registry.Stats
	comments []Comments
}

const fixtureThreshold = 3

func newFixture(t testing.TB) *fixture {
	t.Helper()
	r := rubrictest.Default(t)
	fx := &fixture{r: r}
	mk := func(id string, i int) *registry.Product {
		return &registry.Product{ID: id, Name: injections[i%len(injections)], Vendor: injections[(i+1)%len(injections)],
			Website: "https://" + id + ".example", Category: "tutoring", Description: injections[(i+2)%len(injections)],
			AIFeatures: []string{"generative", "adaptive"}, UsedBy: []string{"pupils", "staff"},
			AgeRange: &registry.AgeRange{Min: 7, Max: 11}, DataProcessed: []string{"contact", "academic", "biometric"}, Hosting: "UK"}
	}
	// Seller: six reviews, two of them say it sells data (a critical red
	// flag); teachers, a leader and two specialists.
	seller := fixtureStats(r, "seller",
		fixtureReview(r, "teacher", "primary", "england", 3, map[string]int{"privacy.data-sale": 0}),
		fixtureReview(r, "teacher", "primary", "england", 3, map[string]int{"privacy.data-sale": 1}),
		fixtureReview(r, "teacher", "primary", "wales", 2, nil),
		fixtureReview(r, "leader", "secondary", "england", 4, nil),
		fixtureReview(r, "specialist", "secondary", "scotland", 1, nil),
		fixtureReview(r, "specialist", "primary", "england", 3, map[string]int{"pedagogy.accuracy": 0}),
	)
	// Good: four reviews, top marks and one 3.
	good := fixtureStats(r, "good",
		fixtureReview(r, "teacher", "primary", "england", 4, nil),
		fixtureReview(r, "teacher", "primary", "england", 4, nil),
		fixtureReview(r, "teacher", "primary", "england", 3, nil),
		fixtureReview(r, "teacher", "primary", "england", 4, nil),
	)
	// Few: two reviews, both say it sells data: a provisional flag.
	few := fixtureStats(r, "few",
		fixtureReview(r, "teacher", "primary", "england", 2, map[string]int{"privacy.data-sale": 0}),
		fixtureReview(r, "teacher", "primary", "england", 2, map[string]int{"privacy.data-sale": 0}),
	)
	fx.products = []*registry.Product{mk("seller", 0), mk("good", 3), mk("few", 5)}
	fx.stats = []*registry.Stats{seller, good, few}
	for i, p := range fx.products {
		c := Comments{ProductID: p.ID, Name: p.Name}
		if i == 0 {
			for j, text := range injections {
				c.Entries = append(c.Entries, registry.PublicReview{ID: "entry" + string(rune('a'+j)), Summary: text,
					Recommendation: "conditional", Month: "2026-11",
					Comments: []registry.PublicComment{{Criterion: "privacy.data-sale", Comment: text}}})
			}
			c.More = true
		}
		fx.comments = append(fx.comments, c)
	}
	return fx
}

// comparison compares the fixture's products under a filter.
func (fx *fixture) comparison(f registry.AssessmentFilter) ComparisonPack {
	var items []assess.Item
	for i, p := range fx.products {
		items = append(items, assess.Item{ProductID: p.ID, Name: p.Name, Vendor: p.Vendor, Stats: fx.stats[i], OtherVersions: i})
	}
	return ComparisonPack{Comparison: assess.Compare(fx.r, items, f, fixtureThreshold), Rubric: fx.r,
		Threshold: fixtureThreshold, Comments: fx.comments, Info: testInfo}
}

// assessment is the fixture's product i's assessment pack.
func (fx *fixture) assessment(i int, f registry.AssessmentFilter) AssessmentPack {
	return AssessmentPack{Product: fx.products[i], Assessment: assess.Assess(fx.r, fx.stats[i], f, fixtureThreshold),
		Rubric: fx.r, Threshold: fixtureThreshold, Comments: fx.comments[i], Info: testInfo}
}
