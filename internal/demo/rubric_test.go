package demo_test

import (
	"testing"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// TestReviewsDefaultRubric checks the sample reviews against the rubrics the
// registry ships, as `registry serve --demo` uses them.
func TestReviewsDefaultRubric(t *testing.T) {
	t.Parallel()
	for _, r := range rubrictest.Set(t).All() {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			checkReviews(t, r, demo.Reviews(r, demo.Products(), nil, 2026, now))
		})
	}
}
