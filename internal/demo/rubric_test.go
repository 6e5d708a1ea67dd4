package demo_test

import (
	"testing"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

// TestReviewsDefaultRubric checks the sample reviews against the rubrics the
// registry ships, as `registry serve --demo` uses them.
func TestReviewsDefaultRubric(t *testing.T) {
	t.Parallel()
	loaded, err := rubric.Load(rubrics.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range loaded {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			checkReviews(t, r, demo.Reviews(r, demo.Products(), nil, 2026, now))
		})
	}
}
