package http

import (
	"fmt"
	"strings"
	"testing"
)

// scoredBody is a review scoring every criterion `score`, except those
// given in over.
func (e *env) scoredBody(role string, score int, over map[string]int) map[string]any {
	b := e.reviewBody(score)
	b["reviewer"].(map[string]any)["role"] = role
	for _, a := range answers(b) {
		if s, ok := over[a["criterion"].(string)]; ok {
			a["score"] = s
		}
	}
	return b
}

func TestAssessment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff, withThreshold(3))
	good := e.createProduct(t, "Good Tool")
	bad := e.createProduct(t, "Data Seller")
	few := e.createProduct(t, "Barely Reviewed")
	// Three reviews, public at once: fewer than the threshold are public
	// before each (docs/anonymity.md), so each makes its own release.
	for range 3 {
		e.submit(t, good, e.reviewerToken(t), e.scoredBody("teacher", 4, nil))
	}
	// Three teachers, one leader and two specialists; two teachers say it
	// sells data. The first three are public at once, the other three
	// with the release the sixth completes. The hidden roles (1 + 2) reach the threshold of 3, so the
	// teachers can be shown without exposing anyone by subtraction.
	e.submit(t, bad, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 0}))
	e.submit(t, bad, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 1}))
	e.submit(t, bad, e.reviewerToken(t), e.scoredBody("teacher", 3, nil))
	e.submit(t, bad, e.reviewerToken(t), e.scoredBody("leader", 3, nil))
	e.submit(t, bad, e.reviewerToken(t), e.scoredBody("specialist", 3, nil))
	e.submit(t, bad, e.reviewerToken(t), e.scoredBody("specialist", 3, nil))
	e.submit(t, few, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 0}))
	e.submit(t, few, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 0}))

	get := func(t testing.TB, pid, query string) assessmentJSON {
		var a assessmentJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment" + query}).json(t, &a)
		return a
	}
	t.Run("AllTopMarks", func(t *testing.T) {
		a := get(t, good, "")
		if a.Reviews != 3 || a.Overall.Risk != "low" || a.Overall.Score == nil {
			t.Fatalf("assessment = %+v", a.Overall)
		}
		for _, d := range a.Dimensions {
			if d.Score == nil || *d.Score != 100 || d.Risk != "low" || len(d.Flags) != 0 {
				t.Errorf("dimension %+v", d)
			}
		}
		// Bayesian shrinkage: (5·50 + 3·100)/(5+3) = 68.75
		if got := *a.Overall.Score; got < 68.7 || got > 68.8 {
			t.Errorf("overall score = %v, want 68.75 to one decimal", got)
		}
	})
	t.Run("RedFlagCarriesAsk", func(t *testing.T) {
		a := get(t, bad, "")
		if a.Overall.Risk != "critical" {
			t.Fatalf("overall risk = %s, want critical", a.Overall.Risk)
		}
		var found bool
		for _, d := range a.Dimensions {
			for _, f := range d.Flags {
				if f.Criterion == "privacy.data-sale" {
					found = true
					if d.ID != "privacy" || d.Risk != "critical" || f.Severity != "critical" || f.Ask == "" || f.Provisional || f.Share < 0.333 || f.Share > 0.334 {
						t.Errorf("flag %+v on %s (%s)", f, d.ID, d.Risk)
					}
				}
			}
		}
		if !found {
			t.Fatal("the data-sale red flag is not listed")
		}
		for _, c := range a.Criteria {
			if c.ID == "privacy.data-sale" {
				if c.N != 6 || c.RedFlagHits != 2 || !c.Flagged || c.Distribution[0] != 1 || c.Distribution[1] != 1 || c.Distribution[3] != 4 {
					t.Errorf("criterion %+v", c)
				}
			}
		}
	})
	t.Run("InsufficientButFlagged", func(t *testing.T) {
		a := get(t, few, "")
		if a.Overall.Risk != "insufficient" || a.Overall.Score != nil {
			t.Fatalf("overall = %+v", a.Overall)
		}
		var provisional bool
		for _, d := range a.Dimensions {
			if d.Score != nil {
				t.Errorf("dimension %s graded with 2 reviews", d.ID)
			}
			for _, f := range d.Flags {
				provisional = provisional || (f.Criterion == "privacy.data-sale" && f.Provisional)
			}
		}
		if !provisional {
			t.Error("a red flag from 2 of 2 reviewers is not listed as provisional")
		}
	})
	t.Run("Breakdowns", func(t *testing.T) {
		a := get(t, bad, "")
		cells := map[string]breakdownJSON{}
		for _, b := range a.Breakdowns["role"] {
			cells[b.Key] = b
		}
		if b := cells["teacher"]; b.Suppressed || b.Reviews != 3 || len(b.Dimensions) != 4 {
			t.Errorf("teacher cell = %+v", b)
		}
		if b := cells["leader"]; !b.Suppressed || b.Reviews != 0 || len(b.Dimensions) != 0 {
			t.Errorf("a lone leader is not suppressed: %+v", b)
		}
		if len(a.Breakdowns["phase"]) == 0 || len(a.Breakdowns["nation"]) == 0 {
			t.Error("phase or nation breakdown missing")
		}
	})
	t.Run("Filtered", func(t *testing.T) {
		a := get(t, bad, "?role=teacher")
		if a.Suppressed || a.Reviews != 3 {
			t.Fatalf("filtered = %+v", a)
		}
		s := get(t, bad, "?role=leader")
		if !s.Suppressed || s.Reviews != 0 || s.Overall.Score != nil {
			t.Fatalf("a filter on one leader shows numbers: %+v", s)
		}
		for _, c := range s.Criteria {
			if c.N != 0 || c.Mean != nil {
				t.Fatalf("suppressed criterion has numbers: %+v", c)
			}
		}
	})
	for _, q := range []string{"?role=teacher&phase=primary", "?role=headmaster", "?nation=france", "?rubricVersion=7"} {
		t.Run("Invalid"+q, func(t *testing.T) {
			e.must(t, 422, request{Method: "GET", Path: "/api/v1/products/" + bad + "/assessment" + q}).problem(t)
		})
	}
	t.Run("NotFound", func(t *testing.T) {
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/products/nope/assessment"})
	})

	t.Run("Compare", func(t *testing.T) {
		var c comparisonJSON
		e.must(t, 200, request{Method: "GET", Path: fmt.Sprintf("/api/v1/compare?products=%s,%s,%s", bad, good, few)}).json(t, &c)
		if len(c.Products) != 3 || c.Products[0].ProductID != bad || c.Products[1].ProductID != good || c.Products[2].ProductID != few {
			t.Fatalf("products out of order: %+v", c.Products)
		}
		if c.Products[0].Name != "Data Seller" || c.Products[0].Overall.Risk != "critical" || len(c.Products[0].Flags) == 0 || c.Products[0].Flags[0].Ask == "" {
			t.Errorf("compared product = %+v", c.Products[0])
		}
		if c.RubricID != "default" || c.RubricVersion != 1 || c.LeftOut.OtherVersions != 0 {
			t.Errorf("comparison header = %s %d %d", c.RubricID, c.RubricVersion, c.LeftOut.OtherVersions)
		}
		if len(c.Criteria) != len(e.rubric.Criteria()) || len(c.Criteria[0].Values) != 3 {
			t.Fatalf("criteria rows = %d", len(c.Criteria))
		}
		for _, row := range c.Criteria {
			if row.ID == "privacy.data-sale" && (row.Values[1].Mean == nil || *row.Values[1].Mean != 4 || row.Values[1].N != 3) {
				t.Errorf("data-sale row = %+v", row.Values[1])
			}
		}
	})
	t.Run("CompareFiltered", func(t *testing.T) {
		var c comparisonJSON
		e.must(t, 200, request{Method: "GET", Path: fmt.Sprintf("/api/v1/compare?products=%s,%s&role=leader", bad, good)}).json(t, &c)
		for _, p := range c.Products {
			if !p.Suppressed {
				t.Errorf("%s not suppressed for leaders", p.ProductID)
			}
		}
	})
	t.Run("CompareUnknown", func(t *testing.T) {
		r := e.must(t, 404, request{Method: "GET", Path: "/api/v1/compare?products=" + good + ",ghost-one,ghost-two"})
		if d := r.problem(t).Detail; !strings.Contains(d, "ghost-one") || !strings.Contains(d, "ghost-two") {
			t.Errorf("detail %q does not name each unknown id", d)
		}
	})
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("p%d", i)
	}
	for name, q := range map[string]string{
		"One":        good,
		"SameTwice":  good + "," + good,
		"None":       "",
		"TooMany":    strings.Join(many, ","),
		"TwoFilters": good + "," + bad + "&role=teacher&nation=wales",
	} {
		t.Run("CompareInvalid/"+name, func(t *testing.T) {
			e.must(t, 422, request{Method: "GET", Path: "/api/v1/compare?products=" + q}).problem(t)
		})
	}
}
