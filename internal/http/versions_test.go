package http

import (
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// withSecondVersion serves the default rubric's version 1 and a version 2
// that rewords one question.
func withSecondVersion(t *testing.T) envOption {
	v1 := rubrictest.Version(t, "default", 1)
	v2 := *v1
	v2.Version = 2
	v2.Dimensions = append([]registry.Dimension(nil), v1.Dimensions...)
	v2.Dimensions[0].Criteria = append([]registry.Criterion(nil), v1.Dimensions[0].Criteria...)
	v2.Dimensions[0].Criteria[0].Question += " (Version 2 wording.)"
	var err error
	if v2.Hash, err = rubric.Hash(&v2); err != nil {
		t.Fatal(err)
	}
	set, err := rubric.NewSet([]*registry.Rubric{v1, &v2})
	if err != nil {
		t.Fatal(err)
	}
	return func(o *mongodb.Options) { o.Rubrics = set }
}

func TestRubricVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff, withThreshold(3), withSecondVersion(t))
	if e.rubric.Version != 2 {
		t.Fatalf("default rubric is version %d, want the latest, 2", e.rubric.Version)
	}
	a := e.createProduct(t, "Versioned A")
	b := e.createProduct(t, "Versioned B")
	old := func() map[string]any {
		body := e.reviewBody(2)
		body["rubricVersion"] = 1
		return body
	}
	// a: 3 reviews under version 1, then 3 under version 2; b the other
	// way round. With threshold 3 the first three of each are public at
	// once and the other three with the release the sixth completes.
	for range 3 {
		e.submit(t, a, e.reviewerToken(t), old())
		e.submit(t, b, e.reviewerToken(t), e.reviewBody(4))
	}
	for range 3 {
		e.submit(t, a, e.reviewerToken(t), e.reviewBody(4))
		e.submit(t, b, e.reviewerToken(t), old())
	}

	t.Run("ReviewRecordsItsVersion", func(t *testing.T) {
		c := e.createProduct(t, "Versioned C")
		var out submittedJSON
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products/" + c + "/reviews", Token: e.reviewerToken(t), Body: old()}).json(t, &out)
		if out.RubricVersion != 1 {
			t.Fatalf("receipt = %+v", out)
		}
	})
	t.Run("LatestByDefault", func(t *testing.T) {
		var got assessmentJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + a + "/assessment"}).json(t, &got)
		if got.RubricVersion != 2 || got.Reviews != 3 {
			t.Fatalf("latest assessment: version %d, %d reviews; want 2, 3", got.RubricVersion, got.Reviews)
		}
	})
	t.Run("OlderVersionStillAssessable", func(t *testing.T) {
		var got assessmentJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + a + "/assessment?rubricVersion=1"}).json(t, &got)
		if got.RubricVersion != 1 || got.Reviews != 3 || got.Overall.Risk == "insufficient" {
			t.Fatalf("version 1 assessment: version %d, %d reviews, risk %s", got.RubricVersion, got.Reviews, got.Overall.Risk)
		}
	})
	t.Run("ComparisonSaysWhatWasLeftOut", func(t *testing.T) {
		var c comparisonJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/compare?products=" + a + "," + b}).json(t, &c)
		// a and b: 3 reviews each under version 1.
		if c.RubricVersion != 2 || c.LeftOut.OtherVersions != 6 || c.Products[0].Reviews != 3 || c.Products[1].Reviews != 3 {
			t.Fatalf("comparison: version %d, left out %d, reviews %d and %d", c.RubricVersion, c.LeftOut.OtherVersions, c.Products[0].Reviews, c.Products[1].Reviews)
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/compare?rubricVersion=1&products=" + a + "," + b}).json(t, &c)
		if c.RubricVersion != 1 || c.LeftOut.OtherVersions != 6 || c.Products[0].Reviews != 3 || c.Products[1].Reviews != 3 {
			t.Fatalf("version 1 comparison: left out %d, reviews %d and %d", c.LeftOut.OtherVersions, c.Products[0].Reviews, c.Products[1].Reviews)
		}
	})
	t.Run("RubricRoutes", func(t *testing.T) {
		var latest, first rubricJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/default"}).json(t, &latest)
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/default/versions/1"}).json(t, &first)
		if latest.Version != 2 || first.Version != 1 || latest.Hash == first.Hash {
			t.Fatalf("versions %d/%d hashes %s/%s", latest.Version, first.Version, latest.Hash, first.Hash)
		}
	})
}
