package rubric_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/edtech-registry/registry/rubrics"
)

// loadSchema reads api/rubric.schema.json (JSON Schema draft 2020-12).
func loadSchema(tb testing.TB) *openapi3.Schema {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "api", "rubric.schema.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var s openapi3.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		tb.Fatalf("rubric.schema.json: %v", err)
	}
	return &s
}

// yamlToJSON turns a rubric file into the value a JSON decoder would give.
func yamlToJSON(tb testing.TB, data []byte) any {
	tb.Helper()
	var tree any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		tb.Fatal(err)
	}
	b, err := json.Marshal(tree)
	if err != nil {
		tb.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestSchema(t *testing.T) {
	t.Parallel()
	schema := loadSchema(t)
	data, err := rubrics.FS.ReadFile("default/v1.yaml")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("DefaultRubricValid", func(t *testing.T) {
		t.Parallel()
		if err := schema.VisitJSON(yamlToJSON(t, data), openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("default/v1.yaml does not match rubric.schema.json: %v", err)
		}
	})

	t.Run("TestRubricValid", func(t *testing.T) {
		t.Parallel()
		if err := schema.VisitJSON(yamlToJSON(t, mustYAML(t, validRubric())), openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("the valid test rubric does not match rubric.schema.json: %v", err)
		}
	})

	// The schema must not be vacuous: rules the loader enforces that a schema
	// can express are rejected by it too.
	broken := []struct {
		name   string
		mutate func(r obj)
	}{
		{"UnknownKey", func(r obj) { crit(r, 0, 0)["redflag"] = obj{"atOrBelow": 0} }},
		{"FourLevels", func(r obj) { c := crit(r, 1, 0); c["levels"] = c["levels"].([]any)[:4] }},
		{"LevelsOutOfOrder", func(r obj) { lvl(r, 0, 0, 2)["score"] = 3; lvl(r, 0, 0, 3)["score"] = 2 }},
		{"UnknownPolicy", func(r obj) { crit(r, 0, 0)["unknown"] = "zero" }},
		{"RedFlagAtTop", func(r obj) { crit(r, 0, 1)["redFlag"].(obj)["atOrBelow"] = 4 }},
		{"SeverityInvalid", func(r obj) { crit(r, 0, 1)["redFlag"].(obj)["severity"] = "medium" }},
		{"AskMissing", func(r obj) { delete(crit(r, 1, 0), "ask") }},
		{"NoReferences", func(r obj) { crit(r, 1, 0)["references"] = []any{} }},
		{"WeightZero", func(r obj) { dim(r, 0)["weight"] = 0 }},
		{"CriterionIDNoDot", func(r obj) { crit(r, 1, 0)["id"] = "beta" }},
		{"ContestedBelowOne", func(r obj) { settings(r)["contestedBelow"] = 1 }},
		{"VersionZero", func(r obj) { r["version"] = 0 }},
		{"BlankTitle", func(r obj) { r["title"] = " " }},
	}
	for _, tt := range broken {
		t.Run("Err"+tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRubric()
			tt.mutate(r)
			if err := schema.VisitJSON(yamlToJSON(t, mustYAML(t, r)), openapi3.EnableJSONSchema2020()); err == nil {
				t.Error("the schema accepted a broken rubric")
			}
		})
	}
}
