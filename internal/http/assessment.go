package http

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/assess"
	"github.com/edtech-registry/registry/internal/registry"
)

// Comparison bounds.
const (
	minCompare = 2
	maxCompare = 20
)

type assessmentJSON struct {
	ProductID     string                     `json:"productId"`
	RubricID      string                     `json:"rubricId"`
	RubricVersion int                        `json:"rubricVersion"`
	Reviews       int                        `json:"reviews"`
	Suppressed    bool                       `json:"suppressed"`
	Overall       overallJSON                `json:"overall"`
	Dimensions    []dimensionAssessmentJSON  `json:"dimensions"`
	Criteria      []criterionAssessmentJSON  `json:"criteria"`
	Breakdowns    map[string][]breakdownJSON `json:"breakdowns"`
}

type overallJSON struct {
	Risk  string   `json:"risk"`
	Score *float64 `json:"score"`
}

type dimensionAssessmentJSON struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Score     *float64   `json:"score"`
	Risk      string     `json:"risk"`
	Agreement *float64   `json:"agreement"`
	Contested bool       `json:"contested"`
	Flags     []flagJSON `json:"flags"`
}

type flagJSON struct {
	Criterion   string  `json:"criterion"`
	Title       string  `json:"title"`
	Dimension   string  `json:"dimension,omitempty"`
	Severity    string  `json:"severity"`
	Share       float64 `json:"share"`
	Ask         string  `json:"ask"`
	Provisional bool    `json:"provisional"`
}

type criterionAssessmentJSON struct {
	ID           string   `json:"id"`
	Dimension    string   `json:"dimension"`
	Mean         *float64 `json:"mean"`
	SD           *float64 `json:"sd"`
	N            int      `json:"n"`
	Unknown      int      `json:"unknown"`
	NA           int      `json:"na"`
	Distribution []int    `json:"distribution"`
	RedFlagHits  int      `json:"redFlagHits"`
	Flagged      bool     `json:"flagged"`
	Agreement    *float64 `json:"agreement"`
	Contested    bool     `json:"contested"`
}

type breakdownJSON struct {
	Key        string                   `json:"key"`
	Reviews    int                      `json:"reviews"`
	Suppressed bool                     `json:"suppressed"`
	Dimensions []breakdownDimensionJSON `json:"dimensions"`
}

type breakdownDimensionJSON struct {
	ID    string   `json:"id"`
	Score *float64 `json:"score"`
	Risk  string   `json:"risk"`
}

// riskJSON shows a withheld risk (a suppressed group) as "insufficient":
// there are too few reviewers to say anything, which is the truth, and it
// reveals nothing about them.
func riskJSON(risk string) string {
	if risk == "" {
		return registry.RiskInsufficient
	}
	return risk
}

func toDimensionsJSON(ds []registry.DimensionAssessment) []dimensionAssessmentJSON {
	out := make([]dimensionAssessmentJSON, 0, len(ds))
	for _, d := range ds {
		dj := dimensionAssessmentJSON{ID: d.ID, Title: d.Title, Score: d.Score, Risk: riskJSON(d.Risk),
			Agreement: d.Agreement, Contested: d.Contested, Flags: []flagJSON{}}
		for _, f := range d.Flags {
			dj.Flags = append(dj.Flags, toFlagJSON(f, ""))
		}
		out = append(out, dj)
	}
	return out
}

// toFlagJSON converts a red flag; dimension is set where the flag is listed
// apart from its dimension (a comparison's flat list).
func toFlagJSON(f registry.Flag, dimension string) flagJSON {
	return flagJSON{Criterion: f.Criterion, Title: f.Title, Dimension: dimension, Severity: f.Severity,
		Share: f.Share, Ask: f.Ask, Provisional: f.Provisional}
}

func toAssessmentJSON(a *registry.Assessment) assessmentJSON {
	out := assessmentJSON{ProductID: a.ProductID, RubricID: a.RubricID, RubricVersion: a.RubricVersion,
		Reviews: a.Reviews, Suppressed: a.Suppressed,
		Overall:    overallJSON{Risk: riskJSON(a.Overall.Risk), Score: a.Overall.Score},
		Dimensions: toDimensionsJSON(a.Dimensions), Criteria: []criterionAssessmentJSON{},
		Breakdowns: map[string][]breakdownJSON{}}
	for _, c := range a.Criteria {
		out.Criteria = append(out.Criteria, criterionAssessmentJSON{ID: c.ID, Dimension: c.Dimension, Mean: c.Mean,
			SD: c.SD, N: c.N, Unknown: c.Unknown, NA: c.NA, Distribution: c.Distribution[:],
			RedFlagHits: c.RedFlagHits, Flagged: c.Flagged, Agreement: c.Agreement, Contested: c.Contested})
	}
	for _, kind := range registry.GroupKinds {
		cells := []breakdownJSON{}
		for _, b := range a.Breakdowns[kind] {
			bj := breakdownJSON{Key: b.Key, Reviews: b.Reviews, Suppressed: b.Suppressed, Dimensions: []breakdownDimensionJSON{}}
			for _, d := range b.Dimensions {
				bj.Dimensions = append(bj.Dimensions, breakdownDimensionJSON{ID: d.ID, Score: d.Score, Risk: riskJSON(d.Risk)})
			}
			cells = append(cells, bj)
		}
		out.Breakdowns[kind] = cells
	}
	return out
}

// filterParams reads ?role=|phase=|nation= (at most one) and
// ?rubricVersion=.
func (s *Server) filterParams(c *fiber.Ctx) (registry.AssessmentFilter, *registry.Rubric, error) {
	f := registry.AssessmentFilter{Role: c.Query("role"), Phase: c.Query("phase"), Nation: c.Query("nation")}
	var fields []registry.FieldError
	set := 0
	for _, p := range []struct{ name, value, enum string }{{"role", f.Role, "role"}, {"phase", f.Phase, "phase"}, {"nation", f.Nation, "nation"}} {
		if p.value == "" {
			continue
		}
		set++
		if theValidator().Var(p.value, "enum="+p.enum) != nil {
			fields = append(fields, registry.FieldError{Field: p.name, Message: "must be one of: " + strings.Join(enums[p.enum], ", ")})
		}
	}
	if set > 1 {
		fields = append(fields, registry.FieldError{Field: "role", Message: "give at most one of role, phase or nation"})
	}
	r := s.rubrics.Default()
	if raw := c.Query("rubricVersion"); raw != "" {
		v, err := strconv.Atoi(raw)
		var version *registry.Rubric
		if err == nil {
			version, err = s.rubrics.Version(r.ID, v)
		}
		if err != nil {
			fields = append(fields, registry.FieldError{Field: "rubricVersion", Message: "no such version of rubric " + r.ID})
		}
		r = version
	}
	if len(fields) > 0 {
		return f, nil, registry.Invalid("The query parameters are not valid.", fields...)
	}
	return f, r, nil
}

func (s *Server) assessment(c *fiber.Ctx) error {
	_, a, _, err := s.productAssessment(c)
	if err != nil {
		return err
	}
	return c.JSON(toAssessmentJSON(a))
}

// productAssessment reads the product of the path and assesses it under
// the request's rubric version and filter: the JSON assessment and the
// assessment workbook share it.
func (s *Server) productAssessment(c *fiber.Ctx) (*registry.Product, *registry.Assessment, *registry.Rubric, error) {
	f, r, err := s.filterParams(c)
	if err != nil {
		return nil, nil, nil, err
	}
	p, a, err := s.assessProduct(c.UserContext(), c.Params("id"), f, r)
	if err != nil {
		return nil, nil, nil, err
	}
	return p, a, r, nil
}

// assessProduct reads a product and assesses it under r and f: every public
// assessment of one product (the JSON, the workbook, the product page) is
// made here.
func (s *Server) assessProduct(ctx context.Context, id string, f registry.AssessmentFilter, r *registry.Rubric) (*registry.Product, *registry.Assessment, error) {
	p, err := s.store.Product(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.assessStats(ctx, p.ID, f, r)
	if err != nil {
		return nil, nil, err
	}
	return p, a, nil
}

// assessStats assesses a product already read (its statistics document,
// by _id, is the one read): assessProduct and the pages' product list.
func (s *Server) assessStats(ctx context.Context, id string, f registry.AssessmentFilter, r *registry.Rubric) (*registry.Assessment, error) {
	st, err := s.store.Stats(ctx, id, r)
	if err != nil {
		return nil, err
	}
	return assess.Assess(r, st, f, s.store.Threshold()), nil
}

// compareFanOut bounds the concurrent store reads of one comparison.
const compareFanOut = 8

// compareItems reads each product's document, statistics and version counts
// (all by _id), several products at a time: the reads are independent, and
// a comparison's latency is then a few round trips rather than sixty.
// Returns ENOTFOUND naming every unknown id.
func (s *Server) compareItems(ctx context.Context, ids []string, r *registry.Rubric) ([]assess.Item, error) {
	items := make([]assess.Item, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, compareFanOut)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			items[i], errs[i] = s.compareItem(ctx, id, r)
		}()
	}
	wg.Wait()
	var missing []string
	for i, err := range errs {
		switch {
		case registry.ErrorCode(err) == registry.ENOTFOUND:
			missing = append(missing, ids[i])
		case err != nil:
			return nil, err
		}
	}
	if len(missing) > 0 {
		return nil, &unknownProductsError{err: registry.Errorf(registry.ENOTFOUND, "Unknown product(s): %s.", strings.Join(missing, ", ")), ids: missing}
	}
	return items, nil
}

// unknownProductsError is a comparison's ENOTFOUND with the unknown ids,
// for the compare page to name each and keep the others chosen.
type unknownProductsError struct {
	err *registry.Error
	ids []string
}

func (e *unknownProductsError) Error() string { return e.err.Error() }
func (e *unknownProductsError) Unwrap() error { return e.err }

func (s *Server) compareItem(ctx context.Context, id string, r *registry.Rubric) (assess.Item, error) {
	p, err := s.store.Product(ctx, id)
	if err != nil {
		return assess.Item{}, err
	}
	st, err := s.store.Stats(ctx, id, r)
	if err != nil {
		return assess.Item{}, err
	}
	counts, err := s.store.PublishedCounts(ctx, id)
	if err != nil {
		return assess.Item{}, err
	}
	other := 0
	for k, n := range counts {
		if k != registry.VersionKey(r.ID, r.Version) {
			other += n
		}
	}
	return assess.Item{ProductID: p.ID, Name: p.Name, Vendor: p.Vendor, Stats: st, OtherVersions: other}, nil
}

type comparedProductJSON struct {
	ProductID  string                    `json:"productId"`
	Name       string                    `json:"name"`
	Vendor     string                    `json:"vendor"`
	Reviews    int                       `json:"reviews"`
	Suppressed bool                      `json:"suppressed"`
	Overall    overallJSON               `json:"overall"`
	Dimensions []dimensionAssessmentJSON `json:"dimensions"`
	Flags      []flagJSON                `json:"flags"`
}

type comparedCriterionJSON struct {
	ID        string              `json:"id"`
	Title     string              `json:"title"`
	Dimension string              `json:"dimension"`
	Values    []comparedValueJSON `json:"values"`
}

type comparedValueJSON struct {
	ProductID string   `json:"productId"`
	Mean      *float64 `json:"mean"`
	N         int      `json:"n"`
}

type comparisonJSON struct {
	RubricID      string                  `json:"rubricId"`
	RubricVersion int                     `json:"rubricVersion"`
	Products      []comparedProductJSON   `json:"products"`
	Criteria      []comparedCriterionJSON `json:"criteria"`
	LeftOut       struct {
		OtherVersions int `json:"otherVersions"`
	} `json:"leftOut"`
}

// compare puts 2–20 products side by side. It reads two small documents per
// product by _id (product, statistics) plus its review index: the cost
// follows the products asked for, not the registry's size.
func (s *Server) compare(c *fiber.Ctx) error {
	cmp, _, err := s.comparison(c)
	if err != nil {
		return err
	}
	out := comparisonJSON{RubricID: cmp.RubricID, RubricVersion: cmp.RubricVersion,
		Products: []comparedProductJSON{}, Criteria: []comparedCriterionJSON{}}
	out.LeftOut.OtherVersions = cmp.LeftOutOtherVersions
	for _, p := range cmp.Products {
		a := p.Assessment
		pj := comparedProductJSON{ProductID: p.ProductID, Name: p.Name, Vendor: p.Vendor, Reviews: a.Reviews,
			Suppressed: a.Suppressed, Overall: overallJSON{Risk: riskJSON(a.Overall.Risk), Score: a.Overall.Score},
			Dimensions: toDimensionsJSON(a.Dimensions), Flags: []flagJSON{}}
		for _, d := range a.Dimensions {
			for _, fl := range d.Flags {
				pj.Flags = append(pj.Flags, toFlagJSON(fl, d.ID))
			}
		}
		out.Products = append(out.Products, pj)
	}
	for _, cr := range cmp.Criteria {
		cj := comparedCriterionJSON{ID: cr.ID, Title: cr.Title, Dimension: cr.Dimension, Values: []comparedValueJSON{}}
		for _, v := range cr.Values {
			cj.Values = append(cj.Values, comparedValueJSON{ProductID: v.ProductID, Mean: v.Mean, N: v.N})
		}
		out.Criteria = append(out.Criteria, cj)
	}
	return c.JSON(out)
}

// comparison reads the parameters of a comparison (products, rubric
// version, at most one filter) and compares the products: the JSON
// comparison and the comparison pack share it, and so their parameters,
// filters and errors.
func (s *Server) comparison(c *fiber.Ctx) (*registry.Comparison, *registry.Rubric, error) {
	f, r, err := s.filterParams(c)
	if err != nil {
		return nil, nil, err
	}
	cmp, err := s.compareProducts(c.UserContext(), productIDs(c.Query("products")), f, r)
	if err != nil {
		return nil, nil, err
	}
	return cmp, r, nil
}

// productIDs reads product ids separated by commas, each once, in the
// order given.
func productIDs(values ...string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// compareProducts compares 2–20 distinct products under r and f: the JSON
// comparison, the comparison pack and the compare page are made here.
// Returns EINVALID for too few or too many ids, ENOTFOUND naming every
// unknown one.
func (s *Server) compareProducts(ctx context.Context, ids []string, f registry.AssessmentFilter, r *registry.Rubric) (*registry.Comparison, error) {
	if len(ids) < minCompare || len(ids) > maxCompare {
		return nil, registry.Invalid("Compare between 2 and 20 distinct products.",
			registry.FieldError{Field: "products", Message: "give 2 to 20 distinct product ids, separated by commas"})
	}
	items, err := s.compareItems(ctx, ids, r)
	if err != nil {
		return nil, err
	}
	return assess.Compare(r, items, f, s.store.Threshold()), nil
}
