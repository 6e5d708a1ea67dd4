package demo_test

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
)

// now is the fixed date the tests generate reviews against.
var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// testRubric builds a small rubric in code with every kind of criterion: each
// unknown policy, with and without "not applicable", with and without red
// flags, and a dimension no sample profile knows.
func testRubric() *registry.Rubric {
	levels := func() []registry.Level {
		var ls []registry.Level
		for s := range registry.Levels {
			ls = append(ls, registry.Level{Score: s, Label: "level", Descriptor: "what this level looks like"})
		}
		return ls
	}
	crit := func(id, title, unknown string, na bool, flag *registry.RedFlag) registry.Criterion {
		return registry.Criterion{ID: id, Title: title, Question: title + "?", Weight: 1, Levels: levels(), Unknown: unknown, NotApplicable: na, RedFlag: flag, Ask: "Ask for better."}
	}
	critical := &registry.RedFlag{AtOrBelow: 0, Severity: registry.SeverityCritical}
	high := &registry.RedFlag{AtOrBelow: 1, Severity: registry.SeverityHigh}
	return &registry.Rubric{
		ID: "test", Version: 3, Title: "Test rubric", Hash: strings.Repeat("ab", 32),
		Settings: registry.RubricSettings{MinReviews: 3, Thresholds: registry.RiskThresholds{Low: 75, Medium: 50, High: 25}, ContestedBelow: 0.5},
		Dimensions: []registry.Dimension{
			{ID: "pedagogy", Title: "Pedagogy", Weight: 1, Criteria: []registry.Criterion{
				crit("pedagogy.accuracy", "Accuracy", registry.UnknownIgnore, false, nil),
				crit("pedagogy.bias", "Bias in outputs", registry.UnknownIgnore, true, high),
				crit("pedagogy.personhood", "No implied personhood", registry.UnknownNone, true, high),
			}},
			{ID: "privacy", Title: "Privacy", Weight: 1, Criteria: []registry.Criterion{
				crit("privacy.data-sale", "No sale of data", registry.UnknownWorst, false, critical),
				crit("privacy.model-training", "Data not used to train models", registry.UnknownWorst, false, high),
				crit("privacy.emotion-recognition", "No emotion recognition", registry.UnknownWorst, true, critical),
			}},
			{ID: "workload", Title: "Workload", Weight: 1, Criteria: []registry.Criterion{
				crit("workload.time-saved", "Time saved", registry.UnknownNone, false, nil),
				crit("workload.alerts", "Who handles alerts", registry.UnknownIgnore, true, high),
			}},
			{ID: "autonomy", Title: "Professional autonomy", Weight: 1, Criteria: []registry.Criterion{
				crit("autonomy.staff-performance", "Not used to judge staff performance", registry.UnknownWorst, false, critical),
				crit("autonomy.override", "Educators can override", registry.UnknownNone, false, high),
			}},
			{ID: "equality", Title: "Equality", Weight: 1, Criteria: []registry.Criterion{
				crit("equality.fairness", "Fair to protected groups", registry.UnknownIgnore, true, nil),
			}},
		},
	}
}

func TestProducts(t *testing.T) {
	t.Parallel()
	products := demo.Products()
	if n := len(products); n < 15 || n > 20 {
		t.Errorf("got %d products, want about 18", n)
	}
	slug := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	website := regexp.MustCompile(`^https://[a-z0-9-]+\.example$`)
	ids := make(map[string]bool)
	categories := make(map[string]bool)
	checkList := func(t *testing.T, field string, values, allowed []string, required bool) {
		t.Helper()
		if required && len(values) == 0 {
			t.Errorf("%s is empty", field)
		}
		seen := make(map[string]bool)
		for _, v := range values {
			if !slices.Contains(allowed, v) {
				t.Errorf("%s: %q is not one of %v", field, v, allowed)
			}
			if seen[v] {
				t.Errorf("%s: %q repeated", field, v)
			}
			seen[v] = true
		}
	}
	// What the products share is checked here, so that each subtest, which
	// checks one product, also passes alone.
	for _, p := range products {
		if ids[p.ID] {
			t.Errorf("id %q repeated", p.ID)
		}
		ids[p.ID] = true
		categories[p.Category] = true
	}
	for _, c := range registry.Categories {
		if !categories[c] {
			t.Errorf("no product in category %q", c)
		}
	}
	for _, p := range products {
		t.Run(p.ID, func(t *testing.T) {
			if !slug.MatchString(p.ID) {
				t.Errorf("id %q is not a slug", p.ID)
			}
			if p.Name == "" || p.Hosting == "" {
				t.Errorf("name %q or hosting %q empty", p.Name, p.Hosting)
			}
			if !strings.HasSuffix(p.Vendor, "(fictional)") {
				t.Errorf("vendor %q does not say it is fictional", p.Vendor)
			}
			if !strings.Contains(p.Description, "Fictional sample product for demonstration.") {
				t.Errorf("description %q does not say it is fictional", p.Description)
			}
			if !website.MatchString(p.Website) {
				t.Errorf("website %q is not under .example", p.Website)
			}
			if !slices.Contains(registry.Categories, p.Category) {
				t.Errorf("category %q is not in the value list", p.Category)
			}
			checkList(t, "aiFeatures", p.AIFeatures, registry.AIFeatures, true)
			checkList(t, "usedBy", p.UsedBy, registry.ProductUsers, true)
			checkList(t, "dataProcessed", p.DataProcessed, registry.DataCategories, true)
			if a := p.AgeRange; a != nil && (a.Min < 0 || a.Max < a.Min) {
				t.Errorf("age range %+v", *a)
			}
			if p.Status != registry.ProductActive {
				t.Errorf("status %q", p.Status)
			}
		})
	}

	// Each call returns fresh copies.
	again := demo.Products()
	again[0].AIFeatures[0] = "changed"
	again[0].AgeRange.Min = 99
	if fresh := demo.Products(); fresh[0].AIFeatures[0] == "changed" || fresh[0].AgeRange.Min == 99 {
		t.Error("Products shares memory between calls")
	}
}

func TestReviewsDeterministic(t *testing.T) {
	t.Parallel()
	r := testRubric()
	a := demo.Reviews(r, demo.Products(), nil, 42, now)
	b := demo.Reviews(r, demo.Products(), nil, 42, now)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different reviews")
	}
	c := demo.Reviews(r, demo.Products(), nil, 43, now)
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed gave the same reviews")
	}

	// A product's reviews do not depend on the other products.
	products := demo.Products()
	alone := demo.Reviews(r, products[3:4], func(int) int { return demo.ReviewCount(3) }, 42, now)
	var same []*registry.Review
	for _, rv := range a {
		if rv.ProductID == products[3].ID {
			same = append(same, rv)
		}
	}
	if !reflect.DeepEqual(alone, same) {
		t.Error("a product's reviews changed with the other products")
	}
}

func TestReviewsCount(t *testing.T) {
	t.Parallel()
	products := demo.Products()
	reviews := demo.Reviews(testRubric(), products, nil, 1, now)
	if n := len(reviews); n < 250 || n > 500 {
		t.Errorf("got %d reviews, want a few hundred", n)
	}
	per := make(map[string]int)
	for _, rv := range reviews {
		per[rv.ProductID]++
	}
	few := 0
	want := 0
	for i, p := range products {
		want += demo.ReviewCount(i)
		if per[p.ID] != demo.ReviewCount(i) {
			t.Errorf("%s: %d reviews, want %d", p.ID, per[p.ID], demo.ReviewCount(i))
		}
		if per[p.ID] < 3 {
			few++
		} else if per[p.ID] < 8 || per[p.ID] > 40 {
			t.Errorf("%s: %d reviews, want 8–40", p.ID, per[p.ID])
		}
	}
	if len(reviews) != want {
		t.Errorf("got %d reviews, want %d", len(reviews), want)
	}
	if few != 2 {
		t.Errorf("%d products have fewer than 3 reviews, want 2", few)
	}

	custom := demo.Reviews(testRubric(), products[:3], func(i int) int { return i + 1 }, 1, now)
	if len(custom) != 6 {
		t.Errorf("perProduct 1+2+3: got %d reviews", len(custom))
	}
}

func TestReviewsValid(t *testing.T) {
	t.Parallel()
	checkReviews(t, testRubric(), demo.Reviews(testRubric(), demo.Products(), nil, 7, now))
}

// checkReviews checks that every review is a valid, published review of r.
func checkReviews(t *testing.T, r *registry.Rubric, reviews []*registry.Review) {
	t.Helper()
	criteria := r.Criteria()
	products := make(map[string]bool)
	for _, p := range demo.Products() {
		products[p.ID] = true
	}
	refs := make(map[string]bool)
	ids := make(map[string]bool)
	var unknowns, nas, comments, evidence, conflicts int
	recs := make(map[string]int)
	roles := make(map[string]int)
	for n, rv := range reviews {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("review %d (%s): "+format, append([]any{n, rv.ProductID}, args...)...)
		}
		if !products[rv.ProductID] {
			fail("unknown product")
		}
		if rv.RubricID != r.ID || rv.RubricVersion != r.Version || rv.RubricHash != r.Hash {
			fail("rubric %s v%d %s", rv.RubricID, rv.RubricVersion, rv.RubricHash)
		}
		if rv.Status != registry.StatusPublished {
			fail("status %q", rv.Status)
		}
		if !strings.HasPrefix(rv.ReviewerRef, "demo-") || refs[rv.ReviewerRef] {
			fail("reviewer ref %q missing the prefix or repeated", rv.ReviewerRef)
		}
		refs[rv.ReviewerRef] = true
		if rv.ID == "" || ids[rv.ID] {
			fail("id %q empty or repeated", rv.ID)
		}
		ids[rv.ID] = true

		c := rv.Reviewer
		if !slices.Contains(registry.ReviewerRoles, c.Role) || !slices.Contains(registry.Phases, c.Phase) || !slices.Contains(registry.Nations, c.Nation) {
			fail("reviewer context %+v", c)
		}
		if c.Setting != "" && !slices.Contains(registry.Settings, c.Setting) {
			fail("setting %q", c.Setting)
		}
		if c.Setting == "academy" && c.Nation != "england" {
			fail("an academy outside England")
		}
		roles[c.Role]++
		if rv.Usage.Months < 1 || rv.Usage.Months > 36 || !slices.Contains(registry.Frequencies, rv.Usage.Frequency) {
			fail("usage %+v", rv.Usage)
		}
		if !slices.Contains(registry.Recommendations, rv.Recommendation) {
			fail("recommendation %q", rv.Recommendation)
		}
		recs[rv.Recommendation]++
		if rv.Summary == "" || len(rv.Summary) > registry.MaxSummaryLength {
			fail("summary %q", rv.Summary)
		}
		if rv.Conflict.Declared {
			conflicts++
			if rv.Conflict.Details == "" {
				fail("conflict declared without details")
			}
		}
		earliest := now.Add(-demo.Span)
		if rv.CreatedAt.Before(earliest) || !rv.CreatedAt.Before(now) {
			fail("created %v outside the span", rv.CreatedAt)
		}
		if rv.PublishedAt == nil || rv.PublishedAt.Before(rv.CreatedAt) || rv.PublishedAt.After(now) || !rv.UpdatedAt.Equal(*rv.PublishedAt) {
			fail("published %v, created %v, updated %v", rv.PublishedAt, rv.CreatedAt, rv.UpdatedAt)
		}
		if n > 0 && rv.CreatedAt.Before(reviews[n-1].CreatedAt) {
			fail("not ordered by creation time")
		}

		if len(rv.Answers) != len(criteria) {
			fail("%d answers for %d criteria", len(rv.Answers), len(criteria))
			continue
		}
		answered := make(map[string]int)
		for k, a := range rv.Answers {
			answered[a.Criterion]++
			cr := criteria[k]
			if a.Criterion != cr.ID {
				fail("answer %d is for %q, want %q", k, a.Criterion, cr.ID)
			}
			kinds := 0
			if a.Score != nil {
				kinds++
				if *a.Score < 0 || *a.Score > registry.MaxScore {
					fail("%s: score %d", a.Criterion, *a.Score)
				}
			}
			if a.Unknown {
				kinds++
				unknowns++
				if cr.Unknown == registry.UnknownNone {
					fail("%s: unknown where the rubric allows none", a.Criterion)
				}
			}
			if a.NA {
				kinds++
				nas++
				if !cr.NotApplicable {
					fail("%s: not applicable where the rubric does not allow it", a.Criterion)
				}
			}
			if kinds != 1 {
				fail("%s: %d of score, unknown and na set", a.Criterion, kinds)
			}
			if a.Comment != "" {
				comments++
			}
			if len(a.Comment) > registry.MaxCommentLength || len(a.Evidence) > registry.MaxEvidenceLinks {
				fail("%s: comment or evidence too long", a.Criterion)
			}
			for _, link := range a.Evidence {
				evidence++
				if !regexp.MustCompile(`^https://[a-z0-9.-]+\.example/`).MatchString(link) {
					fail("%s: evidence %q", a.Criterion, link)
				}
			}
		}
		for _, cr := range criteria {
			if answered[cr.ID] != 1 {
				fail("criterion %q answered %d times", cr.ID, answered[cr.ID])
			}
		}
	}

	// The data should exercise every kind of answer and context.
	if len(reviews) > 100 {
		for name, n := range map[string]int{"unknown": unknowns, "na": nas, "comment": comments, "evidence": evidence, "conflict": conflicts} {
			if n == 0 {
				t.Errorf("no %s in %d reviews", name, len(reviews))
			}
		}
		for _, rec := range registry.Recommendations {
			if recs[rec] == 0 {
				t.Errorf("no %q recommendation", rec)
			}
		}
		if roles["teacher"] <= len(reviews)/3 {
			t.Errorf("teachers wrote %d of %d reviews, want the most", roles["teacher"], len(reviews))
		}
	}
}

// TestReviewsProfiles checks that the profiles make assessments differ: the
// well-run marking tool scores well and the staff-monitoring tool scores 0–1
// on its red-flag criteria about staff performance.
func TestReviewsProfiles(t *testing.T) {
	t.Parallel()
	r := testRubric()
	reviews := demo.Reviews(r, demo.Products(), nil, 11, now)
	idx := r.CriterionIndex()
	mean := func(product, criterion string) float64 {
		var sum, n float64
		for _, rv := range reviews {
			if rv.ProductID != product {
				continue
			}
			if s := rv.Answers[idx[criterion]].Score; s != nil {
				sum += float64(*s)
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%s: no scores for %s", product, criterion)
		}
		return sum / n
	}
	if m := mean("glasshouse-observer", "autonomy.staff-performance"); m > 1 {
		t.Errorf("staff-monitoring tool: mean %.2f on staff performance, want 0–1", m)
	}
	if m := mean("redpenny-marker", "autonomy.staff-performance"); m < 2.8 {
		t.Errorf("well-run marking tool: mean %.2f on staff performance, want high", m)
	}
	if q, p := mean("quillby-tutor", "pedagogy.accuracy"), mean("quillby-tutor", "privacy.model-training"); q-p < 1.5 {
		t.Errorf("strong-pedagogy, poor-privacy tutor: pedagogy %.2f, privacy %.2f", q, p)
	}
	recs := make(map[string]map[string]int)
	for _, rv := range reviews {
		if recs[rv.ProductID] == nil {
			recs[rv.ProductID] = make(map[string]int)
		}
		recs[rv.ProductID][rv.Recommendation]++
	}
	if g := recs["glasshouse-observer"]; g["not-recommended"] <= g["recommend"] {
		t.Errorf("staff-monitoring tool recommendations %v", g)
	}
	if g := recs["redpenny-marker"]; g["recommend"] <= g["not-recommended"] {
		t.Errorf("marking tool recommendations %v", g)
	}
}
