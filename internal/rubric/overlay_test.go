package rubric_test

import (
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
	"github.com/edtech-registry/registry/rubrics"
)

func overlayCriterion(id string) obj {
	var levels []any
	for i := range registry.Levels {
		levels = append(levels, obj{"score": i, "label": fmt.Sprintf("Lefel %d", i), "descriptor": fmt.Sprintf("Sut olwg sydd ar lefel %d.", i)})
	}
	return obj{
		"title":    "Teitl " + id,
		"question": "Cwestiwn " + id + "?",
		"guidance": "Arweiniad.",
		"levels":   levels,
		"ask":      "Cais.",
	}
}

// validOverlay translates validRubric into Welsh: every text it has, and
// nothing else.
func validOverlay() obj {
	return obj{
		"title":      "Cyfeireb prawf",
		"dimensions": obj{"alpha": obj{"title": "Alffa"}, "beta": obj{"title": "Beta (cy)"}},
		"criteria": obj{
			"alpha.one": overlayCriterion("alpha.one"),
			"alpha.two": overlayCriterion("alpha.two"),
			"beta.one":  overlayCriterion("beta.one"),
		},
	}
}

func ocrit(o obj, id string) obj { return o["criteria"].(obj)[id].(obj) }

func olvl(o obj, id string, l int) obj { return ocrit(o, id)["levels"].([]any)[l].(obj) }

// withOverlay is a file system of validRubric as test/v1.yaml and the
// overlay as test/v1.cy.yaml.
func withOverlay(tb testing.TB, o obj) fstest.MapFS {
	return fstest.MapFS{
		"test/v1.yaml":    {Data: mustYAML(tb, validRubric())},
		"test/v1.cy.yaml": {Data: mustYAML(tb, o)},
	}
}

func TestOverlayLocalize(t *testing.T) {
	t.Parallel()
	set, err := rubric.LoadSet(withOverlay(t, validOverlay()))
	if err != nil {
		t.Fatalf("LoadSet: %v", err)
	}
	r, err := set.Version("test", 1)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := rubric.Load(fstest.MapFS{"test/v1.yaml": {Data: mustYAML(t, validRubric())}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash != plain[0].Hash || !reflect.DeepEqual(r, plain[0]) {
		t.Fatalf("the rubric loaded with its translation differs from the rubric alone:\n%+v\n%+v", r, plain[0])
	}
	cy := set.Localize(r, "cy")

	t.Run("Texts", func(t *testing.T) {
		t.Parallel()
		if cy == r {
			t.Fatal("Localize(cy) returned the English rubric")
		}
		c := cy.Dimensions[0].Criteria[1]
		for what, got := range map[string]string{
			"title": cy.Title, "dimension": cy.Dimensions[1].Title, "criterion": c.Title, "question": c.Question,
			"guidance": c.Guidance, "label": c.Levels[3].Label, "descriptor": c.Levels[4].Descriptor, "ask": c.Ask,
		} {
			want := map[string]string{
				"title": "Cyfeireb prawf", "dimension": "Beta (cy)", "criterion": "Teitl alpha.two", "question": "Cwestiwn alpha.two?",
				"guidance": "Arweiniad.", "label": "Lefel 3", "descriptor": "Sut olwg sydd ar lefel 4.", "ask": "Cais.",
			}[what]
			if got != want {
				t.Errorf("%s = %q, want %q", what, got, want)
			}
		}
		if r.Dimensions[0].Criteria[1].Title != "Title of alpha.two" {
			t.Errorf("the English rubric changed: %q", r.Dimensions[0].Criteria[1].Title)
		}
	})

	t.Run("SameRules", func(t *testing.T) {
		t.Parallel()
		// Everything but the words is r's: blank the words of both and compare.
		if cy.ID != r.ID || cy.Version != r.Version || cy.Hash != r.Hash {
			t.Errorf("localized %s v%d hash %s, want %s v%d hash %s", cy.ID, cy.Version, cy.Hash, r.ID, r.Version, r.Hash)
		}
		if !reflect.DeepEqual(withoutWords(cy), withoutWords(r)) {
			t.Errorf("the translation changed more than words:\n%+v\n%+v", withoutWords(cy), withoutWords(r))
		}
	})

	t.Run("DeepCopy", func(t *testing.T) {
		t.Parallel()
		rc, cc := &r.Dimensions[0].Criteria[1], &cy.Dimensions[0].Criteria[1]
		if &r.Dimensions[0] == &cy.Dimensions[0] || rc == cc || &rc.Levels[0] == &cc.Levels[0] ||
			rc.RedFlag == cc.RedFlag || &rc.References[0] == &cc.References[0] {
			t.Error("the translation shares memory with the rubric")
		}
	})

	t.Run("Cheap", func(t *testing.T) {
		t.Parallel()
		if set.Localize(r, "cy") != cy {
			t.Error("Localize made a new copy on a second call")
		}
		if set.Localize(cy, "cy") != cy {
			t.Error("Localize of the translation is not the translation")
		}
	})

	t.Run("NoTranslation", func(t *testing.T) {
		t.Parallel()
		for _, lang := range []string{"en", "fr", ""} {
			if got := set.Localize(r, lang); got != r {
				t.Errorf("Localize(%q) = %p, want the rubric itself", lang, got)
			}
		}
		other := *r
		other.Hash = strings.Repeat("0", 64)
		if got := set.Localize(&other, "cy"); got != &other {
			t.Error("Localize translated a rubric of another hash")
		}
		if got := mustSet(t, r).Localize(r, "cy"); got != r {
			t.Error("a Set made by NewSet has translations")
		}
		if got := set.Languages(r); !slices.Equal(got, []string{"cy"}) {
			t.Errorf("Languages = %q", got)
		}
	})
}

// withoutWords returns a copy of r with every translatable text blanked.
func withoutWords(r *registry.Rubric) registry.Rubric {
	c := *r
	c.Title, c.Description = "", ""
	c.Dimensions = nil
	for _, d := range r.Dimensions {
		d.Title, d.Description = "", ""
		var crits []registry.Criterion
		for _, cr := range d.Criteria {
			cr.Title, cr.Question, cr.Guidance, cr.Ask = "", "", "", ""
			var levels []registry.Level
			for _, l := range cr.Levels {
				l.Label, l.Descriptor = "", ""
				levels = append(levels, l)
			}
			cr.Levels = levels
			crits = append(crits, cr)
		}
		d.Criteria = crits
		c.Dimensions = append(c.Dimensions, d)
	}
	return c
}

// TestOverlayRules breaks a translation one way at a time: the problem
// names the translation's file, the path in it and the fault, and Load
// and LoadSet both refuse.
func TestOverlayRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(o obj)
		path   string
		msg    string
		more   bool // other problems may follow from the same fault
	}{
		{"UnknownCriterion", func(o obj) { o["criteria"].(obj)["alpha.nine"] = overlayCriterion("alpha.nine") },
			"criteria.alpha.nine", `unknown criterion: test/v1.yaml has no criterion "alpha.nine"`, false},
		{"MissingCriterion", func(o obj) { delete(o["criteria"].(obj), "beta.one") },
			"criteria.beta.one", `missing: criterion "beta.one" of test/v1.yaml has no translation`, false},
		{"NullCriterion", func(o obj) { o["criteria"].(obj)["beta.one"] = nil }, "criteria.beta.one", "missing", false},
		{"CriteriaMissing", func(o obj) { delete(o, "criteria") }, "criteria", "missing (the texts of the 3 criteria", false},
		{"CriteriaNotMapping", func(o obj) { o["criteria"] = []any{"alpha.one"} }, "criteria", "want a mapping keyed by id, got a list", false},
		{"CriterionNotMapping", func(o obj) { o["criteria"].(obj)["alpha.one"] = "Teitl" }, "criteria.alpha.one", `want a mapping with the keys title, question, guidance, levels, ask, got "Teitl"`, false},
		{"UnknownCriterionKey", func(o obj) { ocrit(o, "alpha.one")["references"] = []any{"GDPR"} },
			"criteria.alpha.one.references", "unknown key (line", false},
		{"WeightGiven", func(o obj) { ocrit(o, "alpha.one")["weight"] = 2 }, "criteria.alpha.one.weight", "unknown key", false},
		{"UnknownTopKey", func(o obj) { o["id"] = "test" }, "id", "; the keys here are title, description, dimensions, criteria", false},
		{"UnknownLevelKey", func(o obj) { olvl(o, "beta.one", 2)["colour"] = "amber" }, "criteria.beta.one.levels[2].colour", "unknown key", false},
		{"TitleMissing", func(o obj) { delete(ocrit(o, "alpha.one"), "title") }, "criteria.alpha.one.title", "missing (test/v1.yaml has a text here to translate)", false},
		{"QuestionEmpty", func(o obj) { ocrit(o, "alpha.two")["question"] = "  " }, "criteria.alpha.two.question", "empty: write the translation", false},
		{"GuidanceMissing", func(o obj) { delete(ocrit(o, "beta.one"), "guidance") }, "criteria.beta.one.guidance", "missing", false},
		{"AskMissing", func(o obj) { delete(ocrit(o, "alpha.two"), "ask") }, "criteria.alpha.two.ask", "missing", false},
		{"AskNotText", func(o obj) { ocrit(o, "alpha.two")["ask"] = []any{"a"} }, "criteria.alpha.two.ask", "want text, got a list", false},
		{"LevelsMissing", func(o obj) { delete(ocrit(o, "alpha.one"), "levels") }, "criteria.alpha.one.levels", "missing (want 5 levels", false},
		{"FourLevels", func(o obj) { c := ocrit(o, "beta.one"); c["levels"] = c["levels"].([]any)[:4] },
			"criteria.beta.one.levels", "want 5 levels (scores 0-4), got 4", false},
		{"SixLevels", func(o obj) {
			c := ocrit(o, "beta.one")
			c["levels"] = append(c["levels"].([]any), obj{"score": 5, "label": "Lefel 5", "descriptor": "Gormod."})
		}, "criteria.beta.one.levels", "want 5 levels (scores 0-4), got 6", true},
		{"LevelScoreMissing", func(o obj) { delete(olvl(o, "alpha.one", 0), "score") }, "criteria.alpha.one.levels[0].score", "missing (want 0)", false},
		{"LevelsOutOfOrder", func(o obj) { olvl(o, "alpha.one", 1)["score"] = 2; olvl(o, "alpha.one", 2)["score"] = 1 },
			"criteria.alpha.one.levels[1].score", "want 1 (levels run from 0 to 4 in order), got 2", true},
		{"LabelMissing", func(o obj) { delete(olvl(o, "alpha.two", 4), "label") }, "criteria.alpha.two.levels[4].label", "missing", false},
		{"DescriptorEmpty", func(o obj) { olvl(o, "alpha.two", 3)["descriptor"] = "" }, "criteria.alpha.two.levels[3].descriptor", "empty", false},
		{"RubricTitleMissing", func(o obj) { delete(o, "title") }, "title", "missing", false},
		{"DescriptionNotInRubric", func(o obj) { o["description"] = "Disgrifiad." }, "description",
			"test/v1.yaml has no text here to translate: leave it out", false},
		{"DimensionMissing", func(o obj) { delete(o["dimensions"].(obj), "beta") }, "dimensions.beta",
			`missing: dimension "beta" of test/v1.yaml has no translation`, false},
		{"DimensionsMissing", func(o obj) { delete(o, "dimensions") }, "dimensions", "missing (the titles of the dimensions of test/v1.yaml: alpha, beta)", false},
		{"UnknownDimension", func(o obj) { o["dimensions"].(obj)["gamma"] = obj{"title": "Gama"} }, "dimensions.gamma",
			"unknown dimension: test/v1.yaml has the dimensions alpha, beta", false},
		{"DimensionTitleEmpty", func(o obj) { o["dimensions"].(obj)["alpha"] = obj{"title": ""} }, "dimensions.alpha.title", "empty", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOverlay()
			tt.mutate(o)
			fsys := withOverlay(t, o)
			_, err := rubric.Load(fsys)
			if err == nil {
				t.Fatal("Load succeeded, want a problem")
			}
			ps := problems(t, err)
			found := false
			for _, p := range ps {
				if p.File == "test/v1.cy.yaml" && p.Path == tt.path && strings.Contains(p.Message, tt.msg) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem at %s containing %q; got:\n%v", tt.path, tt.msg, err)
			}
			if !tt.more && len(ps) != 1 {
				t.Errorf("got %d problems, want 1:\n%v", len(ps), err)
			}
			if want := "test/v1.cy.yaml: " + tt.path + ": "; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if s, err := rubric.LoadSet(fsys); err == nil || s != nil {
				t.Errorf("LoadSet = %v, %v; want a problem", s, err)
			}
		})
	}
}

// TestOverlayFiles covers problems of whole translation files and of
// where they are.
func TestOverlayFiles(t *testing.T) {
	t.Parallel()
	valid := string(mustYAML(t, validRubric()))
	overlay := string(mustYAML(t, validOverlay()))
	v2 := strings.Replace(valid, "version: 1", "version: 2", 1)
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []string // the start of each line of the error, in order
	}{
		{"NoRubricFile", fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)}, "test/v2.cy.yaml": {Data: []byte(overlay)}},
			[]string{"test/v2.cy.yaml: no rubric file v2.yaml beside this translation"}},
		{"OtherFolder", fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)}, "other/v1.cy.yaml": {Data: []byte(overlay)}},
			[]string{"other/v1.cy.yaml: no rubric file v1.yaml beside this translation"}},
		{"OtherVersion", fstest.MapFS{"test/v1.yaml": {Data: []byte(v2)}, "test/v1.cy.yaml": {Data: []byte(overlay)}},
			[]string{`test/v1.cy.yaml: test/v1.yaml holds version 2 of rubric "test", not version 1`}},
		{"Twice", fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)}, "test/v1.cy.yaml": {Data: []byte(overlay)}, "test/v1.cy.yml": {Data: []byte(overlay)}},
			[]string{`test/v1.cy.yml: the "cy" translation of test/v1.yaml is already in test/v1.cy.yaml`}},
		{"Empty", fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)}, "test/v1.cy.yaml": {Data: []byte("# nothing yet\n")}},
			[]string{"test/v1.cy.yaml: empty file: want one translation"}},
		{"TwoDocuments", fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)}, "test/v1.cy.yaml": {Data: []byte(overlay + "---\n" + overlay)}},
			[]string{"test/v1.cy.yaml: more than one YAML document: want one translation per file"}},
		{"DuplicateCriterion", fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)},
			"test/v1.cy.yaml": {Data: []byte(strings.Replace(overlay, "criteria:\n",
				"criteria:\n"+indent(string(mustYAML(t, obj{"beta.one": overlayCriterion("beta.one")})), "    "), 1))}},
			[]string{"test/v1.cy.yaml: criteria.beta.one: key given twice (lines "}},
		// A broken rubric file is reported once; its translation is not
		// checked against it.
		{"BrokenRubric", fstest.MapFS{"test/v1.yaml": {Data: []byte(strings.Replace(valid, "title: Test rubric", "title: ''", 1))},
			"test/v1.cy.yaml": {Data: []byte(overlay)}},
			[]string{"test/v1.yaml: title: missing"}},
		{"OnlyTranslations", fstest.MapFS{"test/v1.cy.yaml": {Data: []byte(overlay)}},
			[]string{".: no rubric files (*.yaml or *.yml) found", "test/v1.cy.yaml: no rubric file v1.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := rubric.Load(tt.files)
			if err == nil {
				t.Fatal("Load returned no error")
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

	t.Run("NotTranslations", func(t *testing.T) {
		t.Parallel()
		// Only v<N>.<two or three lowercase letters>.yaml is a translation:
		// other names stay rubric files, as before translations existed.
		other := strings.Replace(valid, "id: test", "id: other", 1)
		rs, err := rubric.Load(fstest.MapFS{"test/v1.yaml": {Data: []byte(valid)}, "test/v1.draft.yaml": {Data: []byte(other)},
			"test/cy.yaml": {Data: []byte(strings.Replace(other, "id: other", "id: third", 1))}})
		if err != nil || len(rs) != 3 {
			t.Fatalf("Load = %d rubrics, %v; want 3", len(rs), err)
		}
	})
}

func indent(s, pad string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestDefaultRubricWelsh checks the shipped Welsh translation of the
// default rubric: every text of every criterion is there, in Welsh (not a
// copy of the English), and the rubric's hash and rules are unchanged.
func TestDefaultRubricWelsh(t *testing.T) {
	t.Parallel()
	set := rubrictest.Set(t)
	r := loadDefault(t)
	cy := set.Localize(r, "cy")
	if cy == r {
		t.Fatal("the default rubric has no Welsh translation (rubrics/default/v1.cy.yaml)")
	}
	if cy.Hash != defaultV1Hash || r.Hash != defaultV1Hash {
		t.Errorf("hashes %s (Welsh) and %s (English), want both %s", cy.Hash, r.Hash, defaultV1Hash)
	}
	if !reflect.DeepEqual(withoutWords(cy), withoutWords(r)) {
		t.Error("the Welsh translation changed more than words")
	}
	same := func(where, en, got string) {
		t.Helper()
		switch {
		case strings.TrimSpace(got) == "":
			t.Errorf("%s: no Welsh text", where)
		case got == en:
			t.Errorf("%s: the Welsh is the English text %q", where, en)
		}
	}
	same("title", r.Title, cy.Title)
	same("description", r.Description, cy.Description)
	for i, d := range r.Dimensions {
		cd := cy.Dimensions[i]
		same(d.ID+" title", d.Title, cd.Title)
		same(d.ID+" description", d.Description, cd.Description)
		for j, c := range d.Criteria {
			cc := cd.Criteria[j]
			same(c.ID+" title", c.Title, cc.Title)
			same(c.ID+" question", c.Question, cc.Question)
			same(c.ID+" guidance", c.Guidance, cc.Guidance)
			same(c.ID+" ask", c.Ask, cc.Ask)
			if len(cc.Levels) != registry.Levels {
				t.Errorf("%s: %d levels in Welsh", c.ID, len(cc.Levels))
				continue
			}
			for l, lv := range c.Levels {
				same(fmt.Sprintf("%s level %d label", c.ID, l), lv.Label, cc.Levels[l].Label)
				same(fmt.Sprintf("%s level %d descriptor", c.ID, l), lv.Descriptor, cc.Levels[l].Descriptor)
			}
		}
	}
	data, err := fs.ReadFile(rubrics.FS, "default/v1.cy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "awaits\n# review by a Welsh-speaking educator") {
		t.Error("v1.cy.yaml's header does not say that it awaits review by a Welsh-speaking educator")
	}
}

// TestOverlayKeepsHash loads the shipped rubrics with and without the
// Welsh translation: the default rubric's hash is the same.
func TestOverlayKeepsHash(t *testing.T) {
	t.Parallel()
	english := fstest.MapFS{}
	err := fs.WalkDir(rubrics.FS, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".cy.yaml") {
			return err
		}
		data, err := fs.ReadFile(rubrics.FS, name)
		english[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := english["default/v1.yaml"]; !ok || len(english) == 0 {
		t.Fatal("no default/v1.yaml")
	}
	alone, err := rubric.Load(english)
	if err != nil {
		t.Fatal(err)
	}
	both, err := rubric.LoadSet(rubrics.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, err := both.Version("default", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(both.Languages(r), "cy") {
		t.Fatal("the shipped set has no Welsh default rubric")
	}
	for _, a := range alone {
		if a.ID == "default" && a.Version == 1 && (a.Hash != r.Hash || a.Hash != defaultV1Hash || both.Localize(r, "cy").Hash != a.Hash) {
			t.Errorf("hash without the translation %s, with it %s (Welsh copy %s), pinned %s", a.Hash, r.Hash, both.Localize(r, "cy").Hash, defaultV1Hash)
		}
	}
}
