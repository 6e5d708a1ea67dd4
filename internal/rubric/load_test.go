package rubric_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/edtech-registry/registry/internal/rubric"
)

// obj is a rubric (or part of one) built in memory, then written as YAML.
type obj = map[string]any

func level(score int) obj {
	return obj{"score": score, "label": fmt.Sprintf("Level %d", score), "descriptor": fmt.Sprintf("What level %d looks like.", score)}
}

func criterion(id string) obj {
	return obj{
		"id":            id,
		"title":         "Title of " + id,
		"question":      "Question of " + id + "?",
		"guidance":      "Guidance.",
		"weight":        1,
		"unknown":       "ignore",
		"notApplicable": false,
		"levels":        []any{level(0), level(1), level(2), level(3), level(4)},
		"ask":           "An ask.",
		"references":    []any{"UK GDPR Art. 28"},
	}
}

// validRubric returns a small rubric that breaks no rule: dimension alpha
// with criteria alpha.one and alpha.two, dimension beta with beta.one.
func validRubric() obj {
	flagged := criterion("alpha.two")
	flagged["redFlag"] = obj{"atOrBelow": 1, "severity": "high"}
	return obj{
		"id":      "test",
		"version": 1,
		"title":   "Test rubric",
		"settings": obj{
			"minReviews":     3,
			"thresholds":     obj{"low": 75, "medium": 50, "high": 25},
			"contestedBelow": 0.5,
		},
		"dimensions": []any{
			obj{"id": "alpha", "title": "Alpha", "weight": 1, "criteria": []any{criterion("alpha.one"), flagged}},
			obj{"id": "beta", "title": "Beta", "weight": 2, "criteria": []any{criterion("beta.one")}},
		},
	}
}

func dim(r obj, i int) obj { return r["dimensions"].([]any)[i].(obj) }

func crit(r obj, d, c int) obj { return dim(r, d)["criteria"].([]any)[c].(obj) }

func lvl(r obj, d, c, l int) obj { return crit(r, d, c)["levels"].([]any)[l].(obj) }

func settings(r obj) obj { return r["settings"].(obj) }

func thresholds(r obj) obj { return settings(r)["thresholds"].(obj) }

func mustYAML(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// problems returns the Problems in err, failing the test when err is not one.
func problems(tb testing.TB, err error) rubric.Problems {
	tb.Helper()
	var ps rubric.Problems
	if !errors.As(err, &ps) {
		tb.Fatalf("error %v (%T) is not rubric.Problems", err, err)
	}
	return ps
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"test/v1.yaml":    {Data: mustYAML(t, validRubric())},
		"other/v1.yml":    {Data: mustYAML(t, func() obj { r := validRubric(); r["id"] = "other"; return r }())},
		".drafts/x.yaml":  {Data: []byte("not: [a rubric")},
		"test/README.md":  {Data: []byte("# not a rubric")},
		"test/.old.yaml":  {Data: []byte("broken: [")},
		"test/v2.yaml":    {Data: mustYAML(t, func() obj { r := validRubric(); r["version"] = 2; return r }())},
		"test/notes.json": {Data: []byte("{}")},
	}
	rs, err := rubric.Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s/%d", r.ID, r.Version))
		if len(r.Hash) != 64 {
			t.Errorf("%s v%d: hash %q", r.ID, r.Version, r.Hash)
		}
	}
	if want := "other/1 test/1 test/2"; strings.Join(got, " ") != want {
		t.Errorf("loaded %v, want %s", got, want)
	}

	r := rs[1]
	c := r.Dimensions[0].Criteria[1]
	if c.ID != "alpha.two" || c.RedFlag == nil || c.RedFlag.AtOrBelow != 1 || c.RedFlag.Severity != "high" {
		t.Errorf("alpha.two decoded as %+v", c)
	}
	if len(c.Levels) != 5 || c.Levels[4].Score != 4 || c.Levels[4].Label != "Level 4" {
		t.Errorf("levels decoded as %+v", c.Levels)
	}
	if r.Dimensions[1].Weight != 2 || r.Settings.Thresholds.Medium != 50 {
		t.Errorf("rubric decoded as %+v", r)
	}
}

// TestLoadRules breaks one rule at a time and checks the problem names the
// file, the path and the fault.
func TestLoadRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(r obj)
		path   string
		msg    string
		more   bool // other problems may follow from the same fault
	}{
		{"IDMissing", func(r obj) { delete(r, "id") }, "id", "missing", false},
		{"IDNotSlug", func(r obj) { r["id"] = "Test Rubric" }, "id", `want lowercase letters, digits and single hyphens, got "Test Rubric"`, false},
		{"VersionMissing", func(r obj) { delete(r, "version") }, "version", "want a whole number >= 1, got 0", false},
		{"VersionNegative", func(r obj) { r["version"] = -2 }, "version", "want a whole number >= 1, got -2", false},
		{"TitleMissing", func(r obj) { r["title"] = "  " }, "title", "missing", false},
		{"SettingsMissing", func(r obj) { delete(r, "settings") }, "settings", "missing", false},
		{"MinReviewsZero", func(r obj) { settings(r)["minReviews"] = 0 }, "settings.minReviews", "want a whole number >= 1, got 0", false},
		{"ThresholdsMissing", func(r obj) { delete(settings(r), "thresholds") }, "settings.thresholds", "missing", false},
		{"ThresholdHighZero", func(r obj) { thresholds(r)["high"] = 0 }, "settings.thresholds.high", "want a score above 0, got 0", false},
		{"ThresholdLowAbove100", func(r obj) { thresholds(r)["low"] = 101 }, "settings.thresholds.low", "want a score of at most 100, got 101", false},
		{"ThresholdsOutOfOrder", func(r obj) { thresholds(r)["high"] = 60 }, "settings.thresholds", "want 0 < high < medium < low <= 100, got high 60, medium 50, low 75", false},
		{"ThresholdsEqual", func(r obj) { thresholds(r)["medium"] = 75 }, "settings.thresholds", "want 0 < high < medium < low <= 100", false},
		{"ContestedBelowOne", func(r obj) { settings(r)["contestedBelow"] = 1 }, "settings.contestedBelow", "want an agreement between 0 and 1 (both excluded), got 1", false},
		{"ContestedBelowMissing", func(r obj) { delete(settings(r), "contestedBelow") }, "settings.contestedBelow", "got 0", false},
		{"NoDimensions", func(r obj) { r["dimensions"] = []any{} }, "dimensions", "want at least one dimension", false},
		{"DimensionIDMissing", func(r obj) { delete(dim(r, 0), "id") }, "dimensions[0].id", "missing", true},
		{"DimensionIDNotSlug", func(r obj) { dim(r, 1)["id"] = "Beta_2" }, "dimensions[1].id", `got "Beta_2"`, true},
		{"DimensionIDDuplicate", func(r obj) {
			dim(r, 1)["id"] = "alpha"
			crit(r, 1, 0)["id"] = "alpha.three"
		}, "dimensions[1].id", `"alpha" is already the id of dimensions[0]`, false},
		{"DimensionTitleMissing", func(r obj) { delete(dim(r, 1), "title") }, "dimensions[1].title", "missing", false},
		{"DimensionWeightZero", func(r obj) { dim(r, 1)["weight"] = 0 }, "dimensions[1].weight", "want a number above 0, got 0", false},
		{"DimensionWeightNegative", func(r obj) { dim(r, 0)["weight"] = -1 }, "dimensions[0].weight", "want a number above 0, got -1", false},
		{"DimensionWeightInfinite", func(r obj) { dim(r, 0)["weight"] = math.Inf(1) }, "dimensions[0].weight", "want a number above 0, got +Inf", false},
		{"CriterionWeightNaN", func(r obj) { crit(r, 0, 0)["weight"] = math.NaN() }, "dimensions[0].criteria[0].weight", "want a number above 0, got NaN", false},
		{"DimensionNoCriteria", func(r obj) { dim(r, 1)["criteria"] = []any{} }, "dimensions[1].criteria", "want at least one criterion", false},
		{"CriterionIDMissing", func(r obj) { delete(crit(r, 0, 0), "id") }, "dimensions[0].criteria[0].id", "missing", false},
		{"CriterionIDOtherDimension", func(r obj) { crit(r, 0, 0)["id"] = "gamma.one" }, "dimensions[0].criteria[0].id", `want "alpha." followed by lowercase letters, digits and single hyphens (for example "alpha.data-sale"), got "gamma.one"`, false},
		{"CriterionIDNoSlug", func(r obj) { crit(r, 1, 0)["id"] = "beta" }, "dimensions[1].criteria[0].id", `got "beta"`, false},
		{"CriterionIDBadSlug", func(r obj) { crit(r, 1, 0)["id"] = "beta.One" }, "dimensions[1].criteria[0].id", `got "beta.One"`, false},
		{"CriterionIDDuplicate", func(r obj) { crit(r, 0, 1)["id"] = "alpha.one" }, "dimensions[0].criteria[1].id", `"alpha.one" is already the id of dimensions[0].criteria[0]`, false},
		{"CriterionTitleMissing", func(r obj) { delete(crit(r, 0, 0), "title") }, "dimensions[0].criteria[0].title", "missing", false},
		{"CriterionQuestionMissing", func(r obj) { crit(r, 1, 0)["question"] = "" }, "dimensions[1].criteria[0].question", "missing", false},
		{"CriterionWeightMissing", func(r obj) { delete(crit(r, 1, 0), "weight") }, "dimensions[1].criteria[0].weight", "want a number above 0, got 0", false},
		{"FourLevels", func(r obj) {
			c := crit(r, 1, 0)
			c["levels"] = c["levels"].([]any)[:4]
		}, "dimensions[1].criteria[0].levels", "want 5 levels (scores 0-4), got 4", false},
		{"SixLevels", func(r obj) {
			c := crit(r, 0, 1)
			c["levels"] = append(c["levels"].([]any), level(5))
		}, "dimensions[0].criteria[1].levels", "want 5 levels (scores 0-4), got 6", true},
		{"LevelsOutOfOrder", func(r obj) {
			lvl(r, 0, 0, 2)["score"] = 3
			lvl(r, 0, 0, 3)["score"] = 2
		}, "dimensions[0].criteria[0].levels[2].score", "want 2 (levels run from 0 to 4 in order), got 3", true},
		{"LevelScoreMissing", func(r obj) { delete(lvl(r, 1, 0, 0), "score") }, "dimensions[1].criteria[0].levels[0].score", "missing (want 0)", false},
		{"LevelLabelMissing", func(r obj) { delete(lvl(r, 1, 0, 4), "label") }, "dimensions[1].criteria[0].levels[4].label", "missing", false},
		{"LevelDescriptorBlank", func(r obj) { lvl(r, 0, 1, 1)["descriptor"] = "\n" }, "dimensions[0].criteria[1].levels[1].descriptor", "missing", false},
		{"UnknownMissing", func(r obj) { delete(crit(r, 0, 0), "unknown") }, "dimensions[0].criteria[0].unknown", "missing (want worst, ignore or none)", false},
		{"UnknownInvalid", func(r obj) { crit(r, 0, 0)["unknown"] = "zero" }, "dimensions[0].criteria[0].unknown", `want worst, ignore or none, got "zero"`, false},
		{"NotApplicableMissing", func(r obj) { delete(crit(r, 1, 0), "notApplicable") }, "dimensions[1].criteria[0].notApplicable", "missing (want true or false)", false},
		{"RedFlagAtTop", func(r obj) { crit(r, 0, 1)["redFlag"].(obj)["atOrBelow"] = 4 }, "dimensions[0].criteria[1].redFlag.atOrBelow", "want a level from 0 to 3, got 4", false},
		{"RedFlagNegative", func(r obj) { crit(r, 0, 1)["redFlag"].(obj)["atOrBelow"] = -1 }, "dimensions[0].criteria[1].redFlag.atOrBelow", "want a level from 0 to 3, got -1", false},
		{"RedFlagLevelMissing", func(r obj) { delete(crit(r, 0, 1)["redFlag"].(obj), "atOrBelow") }, "dimensions[0].criteria[1].redFlag.atOrBelow", "missing (want a level from 0 to 3)", false},
		{"RedFlagSeverityInvalid", func(r obj) { crit(r, 0, 1)["redFlag"].(obj)["severity"] = "medium" }, "dimensions[0].criteria[1].redFlag.severity", `want high or critical, got "medium"`, false},
		{"RedFlagSeverityMissing", func(r obj) { delete(crit(r, 0, 1)["redFlag"].(obj), "severity") }, "dimensions[0].criteria[1].redFlag.severity", "missing (want high or critical)", false},
		{"AskMissingWithRedFlag", func(r obj) { delete(crit(r, 0, 1), "ask") }, "dimensions[0].criteria[1].ask", "missing (what an officer should ask", false},
		{"AskMissingWithoutRedFlag", func(r obj) { crit(r, 1, 0)["ask"] = "" }, "dimensions[1].criteria[0].ask", "missing", false},
		{"ReferencesMissing", func(r obj) { delete(crit(r, 1, 0), "references") }, "dimensions[1].criteria[0].references", "want at least one reference", false},
		{"ReferencesEmpty", func(r obj) { crit(r, 1, 0)["references"] = []any{} }, "dimensions[1].criteria[0].references", "want at least one reference", false},
		{"ReferenceBlank", func(r obj) { crit(r, 1, 0)["references"] = []any{"UK GDPR Art. 5", " "} }, "dimensions[1].criteria[0].references[1]", "empty reference", false},

		// Strict decoding: unknown keys and values of the wrong type.
		{"UnknownTopKey", func(r obj) { r["colour"] = "red" }, "colour", "unknown key (line 1); the keys here are id, version, title, description, settings, dimensions", false},
		{"UnknownCriterionKey", func(r obj) { crit(r, 0, 0)["redflag"] = obj{"atOrBelow": 0} }, "dimensions[0].criteria[0].redflag", "unknown key", false},
		{"UnknownLevelKey", func(r obj) { lvl(r, 1, 0, 2)["colour"] = "amber" }, "dimensions[1].criteria[0].levels[2].colour", "unknown key", false},
		{"VersionNotNumber", func(r obj) { r["version"] = "one" }, "version", `want a whole number, got "one"`, false},
		{"VersionFraction", func(r obj) { r["version"] = 1.5 }, "version", `want a whole number, got "1.5"`, false},
		{"WeightText", func(r obj) { dim(r, 0)["weight"] = "heavy" }, "dimensions[0].weight", `want a number, got "heavy"`, false},
		{"ScoreText", func(r obj) { lvl(r, 0, 0, 0)["score"] = "zero" }, "dimensions[0].criteria[0].levels[0].score", `want a whole number, got "zero"`, false},
		{"NotApplicableText", func(r obj) { crit(r, 0, 0)["notApplicable"] = "sometimes" }, "dimensions[0].criteria[0].notApplicable", `want true or false, got "sometimes"`, false},
		{"LevelsNotList", func(r obj) { crit(r, 0, 0)["levels"] = obj{"0": "bad"} }, "dimensions[0].criteria[0].levels", "want a list, got a mapping", false},
		{"SettingsNotMapping", func(r obj) { r["settings"] = []any{3} }, "settings", "want a mapping with the keys minReviews, thresholds, contestedBelow, got a list", false},
		{"TitleNotText", func(r obj) { r["title"] = []any{"a", "b"} }, "title", "want text, got a list", false},
		{"ReferencesNotList", func(r obj) { crit(r, 0, 0)["references"] = "UK GDPR" }, "dimensions[0].criteria[0].references", `want a list, got "UK GDPR"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := validRubric()
			tt.mutate(r)
			_, err := rubric.Load(fstest.MapFS{"test/v1.yaml": {Data: mustYAML(t, r)}})
			if err == nil {
				t.Fatal("Load succeeded, want a problem")
			}
			ps := problems(t, err)
			found := false
			for _, p := range ps {
				if p.File == "test/v1.yaml" && p.Path == tt.path && strings.Contains(p.Message, tt.msg) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem at %s containing %q; got:\n%v", tt.path, tt.msg, err)
			}
			if !tt.more && len(ps) != 1 {
				t.Errorf("got %d problems, want 1:\n%v", len(ps), err)
			}
			if want := "test/v1.yaml: " + tt.path + ": "; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		})
	}
}

// TestLoadFiles covers problems of whole files, written as raw text.
func TestLoadFiles(t *testing.T) {
	t.Parallel()
	valid := string(mustYAML(t, validRubric()))
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []string // the start of each line of the error, in order
	}{
		{"Empty", fstest.MapFS{"a/v1.yaml": {Data: []byte("# nothing here\n")}},
			[]string{"a/v1.yaml: empty file: want one rubric"}},
		{"InvalidYAML", fstest.MapFS{"a/v1.yaml": {Data: []byte("id: test\ntitle: [unclosed\n")}},
			[]string{"a/v1.yaml: invalid YAML: "}},
		{"NotAMapping", fstest.MapFS{"a/v1.yaml": {Data: []byte("- id: test\n")}},
			[]string{"a/v1.yaml: want a mapping with the keys id, version, title, description, settings, dimensions, got a list"}},
		{"TwoDocuments", fstest.MapFS{"a/v1.yaml": {Data: []byte(valid + "---\n" + valid)}},
			[]string{"a/v1.yaml: more than one YAML document: want one rubric per file"}},
		{"DuplicateKey", fstest.MapFS{"a/v1.yaml": {Data: []byte(valid + "title: Again\n")}},
			[]string{"a/v1.yaml: title: key given twice (lines "}},
		{"Alias", fstest.MapFS{"a/v1.yaml": {Data: []byte(strings.Replace(valid, "title: Test rubric", "title: &t Test rubric\ndescription: *t", 1))}},
			[]string{"a/v1.yaml: description: aliases (*t) are not allowed"}},
		{"NoRubricFiles", fstest.MapFS{"README.md": {Data: []byte("# rubrics")}},
			[]string{".: no rubric files (*.yaml or *.yml) found"}},
		{"SameVersionTwice", fstest.MapFS{"a/v1.yaml": {Data: []byte(valid)}, "b/v1.yaml": {Data: []byte(valid)}},
			[]string{`b/v1.yaml: version: rubric "test" version 1 is already defined in a/v1.yaml`}},
		{"EveryProblemOfEveryFile", fstest.MapFS{
			"a/v1.yaml": {Data: []byte(strings.Replace(strings.Replace(valid, "title: Test rubric", "title: ''", 1), "minReviews: 3", "minReviews: 0", 1))},
			"b/v1.yaml": {Data: []byte(strings.Replace(valid, "version: 1", "version: 2\nextra: true", 1))},
		}, []string{
			// In file order: yaml.Marshal sorts keys, so settings comes before title.
			"a/v1.yaml: settings.minReviews: want a whole number >= 1, got 0",
			"a/v1.yaml: title: missing",
			"b/v1.yaml: extra: unknown key",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, err := rubric.Load(tt.files)
			if err == nil {
				t.Fatalf("Load returned %d rubrics and no error", len(rs))
			}
			if rs != nil {
				t.Errorf("Load returned rubrics with an error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d does not start %q in:\n%v", i+1, w, err)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		r, err := rubric.Parse("x.yaml", mustYAML(t, validRubric()))
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != "test" || len(r.Hash) != 64 {
			t.Errorf("got %s with hash %q", r.ID, r.Hash)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		t.Parallel()
		r := validRubric()
		delete(r, "title")
		_, err := rubric.Parse("x.yaml", mustYAML(t, r))
		if got, want := fmt.Sprint(err), "x.yaml: title: missing"; got != want {
			t.Errorf("error %q, want %q", got, want)
		}
	})
}
