package registry

import (
	"context"
	"fmt"
	"testing"
)

func testRubric() *Rubric {
	return &Rubric{ID: "t", Version: 1, Dimensions: []Dimension{{ID: "d", Criteria: []Criterion{
		{ID: "d.a", Unknown: UnknownNone},
		{ID: "d.b", Unknown: UnknownWorst, NotApplicable: true},
	}}}}
}

func TestValidateAnswers(t *testing.T) {
	t.Parallel()
	two, nine := 2, 9
	for _, tc := range []struct {
		name    string
		answers []Answer
		fields  []string
	}{
		{"OK", []Answer{{Criterion: "d.a", Score: &two}, {Criterion: "d.b", NA: true}}, nil},
		{"Missing", []Answer{{Criterion: "d.a", Score: &two}}, []string{"answers"}},
		{"Broken", []Answer{{Criterion: "d.a", Unknown: true}, {Criterion: "d.b", Score: &nine, Evidence: []string{"ftp://x"}}},
			[]string{"answers[0].unknown", "answers[1].score", "answers[1].evidence[0]"}},
		{"DuplicateNotAlsoMissing", []Answer{{Criterion: "d.a", Score: &two}, {Criterion: "d.a", Score: &two}, {Criterion: "d.b", NA: true}},
			[]string{"answers[1].criterion"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateAnswers(context.Background(), testRubric(), tc.answers)
			var got []string
			for _, f := range ErrorFields(err) {
				got = append(got, f.Field)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.fields) {
				t.Fatalf("fields = %v, want %v (error %v)", got, tc.fields, err)
			}
			if (err != nil) != (tc.fields != nil) || (err != nil && ErrorCode(err) != EINVALID) {
				t.Fatalf("error = %v", err)
			}
		})
	}
}

// TestValidateAnswersBounded checks that a flood of mistakes lists
// MaxFieldErrors of them and counts the rest, and that the check stops
// when its context ends.
func TestValidateAnswersBounded(t *testing.T) {
	t.Parallel()
	answers := make([]Answer, 10000)
	for i := range answers {
		answers[i] = Answer{Criterion: fmt.Sprintf("no-%d", i)}
	}
	err := ValidateAnswers(context.Background(), testRubric(), answers)
	if n := len(ErrorFields(err)); n != MaxFieldErrors {
		t.Errorf("%d field errors listed, want %d", n, MaxFieldErrors)
	}
	if more := ErrorMore(err); more != len(answers)+2-MaxFieldErrors {
		t.Errorf("more = %d, want %d", more, len(answers)+2-MaxFieldErrors)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ValidateAnswers(ctx, testRubric(), answers); ErrorCode(err) != EUNAVAILABLE {
		t.Errorf("with its context ended: %v, want %s", err, EUNAVAILABLE)
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Mrs\u200b Jones":          "Mrs Jones",
		"Mr\u2060Evans":            "MrEvans",
		"\u202esenoj srM\u202c":    "senoj srM",
		"\ufeffStart":              "Start",
		"co\u00adoperate":          "cooperate",
		"Ysgol Gymraeg – ŵyr a ŷd": "Ysgol Gymraeg – ŵyr a ŷd",
		"lines\nand\ttabs stay":    "lines\nand\ttabs stay",
		"":                         "",
	}
	for in, want := range cases {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}
