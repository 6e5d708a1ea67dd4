package rubric_test

import (
	"regexp"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// defaultV1Hash pins the published default rubric, version 1. A published
// version never changes: if this test fails, put the change in a new file
// (rubrics/default/v2.yaml) instead of editing v1.yaml.
const defaultV1Hash = "8da9b031009e57ece1917b96c1aec8e278e7ed402ce200e4a4e1ac340c491928"

// loadDefault returns the embedded default rubric, version 1.
func loadDefault(tb testing.TB) *registry.Rubric {
	tb.Helper()
	return rubrictest.Version(tb, "default", 1)
}

func TestDefaultRubric(t *testing.T) {
	t.Parallel()
	r := loadDefault(t)

	t.Run("Settings", func(t *testing.T) {
		t.Parallel()
		want := registry.RubricSettings{
			MinReviews:     3,
			Thresholds:     registry.RiskThresholds{Low: 75, Medium: 50, High: 25},
			ContestedBelow: 0.5,
		}
		if r.Settings != want {
			t.Errorf("settings = %+v, want %+v", r.Settings, want)
		}
		if r.Title == "" {
			t.Error("no title")
		}
	})

	t.Run("Dimensions", func(t *testing.T) {
		t.Parallel()
		want := []string{"pedagogy", "privacy", "workload", "autonomy"}
		if len(r.Dimensions) != len(want) {
			t.Fatalf("got %d dimensions, want %d", len(r.Dimensions), len(want))
		}
		for i, d := range r.Dimensions {
			if d.ID != want[i] {
				t.Errorf("dimensions[%d].id = %q, want %q", i, d.ID, want[i])
			}
			if len(d.Criteria) < 6 {
				t.Errorf("dimension %s has %d criteria, want at least 6", d.ID, len(d.Criteria))
			}
		}
	})

	t.Run("RedFlags", func(t *testing.T) {
		t.Parallel()
		idx := r.CriterionIndex()
		criteria := r.Criteria()
		tests := []struct {
			id       string
			severity string
			unknown  string // "" when any policy will do
		}{
			// The six practices that bar a privacy pass: an unclear answer is a risk.
			{"privacy.data-sale", registry.SeverityCritical, registry.UnknownWorst},
			{"privacy.third-party-marketing", registry.SeverityHigh, registry.UnknownWorst},
			{"privacy.targeted-ads", registry.SeverityHigh, registry.UnknownWorst},
			{"privacy.third-party-tracking", registry.SeverityHigh, registry.UnknownWorst},
			{"privacy.cross-site-tracking", registry.SeverityHigh, registry.UnknownWorst},
			{"privacy.profiling", registry.SeverityHigh, registry.UnknownWorst},
			{"privacy.emotion-recognition", registry.SeverityCritical, registry.UnknownWorst},
			{"autonomy.staff-monitoring", registry.SeverityHigh, registry.UnknownWorst},
			{"autonomy.human-decisions", registry.SeverityCritical, ""},
		}
		for _, tt := range tests {
			i, ok := idx[tt.id]
			if !ok {
				t.Errorf("%s: no such criterion", tt.id)
				continue
			}
			c := criteria[i]
			switch {
			case c.RedFlag == nil:
				t.Errorf("%s: no red flag", tt.id)
			case c.RedFlag.Severity != tt.severity:
				t.Errorf("%s: severity %q, want %q", tt.id, c.RedFlag.Severity, tt.severity)
			}
			if tt.unknown != "" && c.Unknown != tt.unknown {
				t.Errorf("%s: unknown %q, want %q", tt.id, c.Unknown, tt.unknown)
			}
			if c.Ask == "" {
				t.Errorf("%s: no ask", tt.id)
			}
		}
	})

	t.Run("PrivacyUnknownIsWorst", func(t *testing.T) {
		t.Parallel()
		for _, d := range r.Dimensions {
			if d.ID != "privacy" {
				continue
			}
			for _, c := range d.Criteria {
				if c.Unknown != registry.UnknownWorst {
					t.Errorf("%s: unknown %q, want worst", c.ID, c.Unknown)
				}
			}
		}
	})

	t.Run("Hash", func(t *testing.T) {
		t.Parallel()
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(r.Hash) {
			t.Fatalf("hash %q is not hex SHA-256", r.Hash)
		}
		if r.Hash != defaultV1Hash {
			t.Errorf("default v1 hash = %s, want %s: a published rubric changed; write a new version instead", r.Hash, defaultV1Hash)
		}
	})
}
