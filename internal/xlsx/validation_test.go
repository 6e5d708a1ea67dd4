package xlsx

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// TestValidationTextsFitExcel reads every data validation of the review
// form, in English and Welsh, and fails for a title or message longer than
// Excel allows (it would offer to repair the workbook and drop them): the
// criteria's titles, in Welsh above all, are longer than a title may be.
func TestValidationTextsFitExcel(t *testing.T) {
	t.Parallel()
	en, cy := welshRubric(t)
	forms := map[string][]byte{"en": nil, "cy": welshTemplate(t, nil)}
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, en, nil, formInfo); err != nil {
		t.Fatal(err)
	}
	forms["en"] = buf.Bytes()
	long := 0
	for _, c := range cy.Criteria() {
		if utf8.RuneCountInString(c.Title) > maxValidationTitle {
			long++
		}
	}
	if long == 0 {
		t.Fatal("no Welsh criterion title is longer than a validation's title may be: the test shows nothing")
	}
	for lang, b := range forms {
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, sheet := range f.GetSheetList() {
			dvs, err := f.GetDataValidations(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for _, dv := range dvs {
				seen++
				for _, c := range []struct {
					what string
					s    *string
					max  int
				}{{"prompt title", dv.PromptTitle, maxValidationTitle}, {"prompt", dv.Prompt, maxPrompt},
					{"error title", dv.ErrorTitle, maxValidationTitle}, {"error", dv.Error, maxErrorMessage}} {
					if c.s != nil && utf8.RuneCountInString(*c.s) > c.max {
						t.Errorf("%s %s %s: %s of %d characters (at most %d): %q", lang, sheet, dv.Sqref, c.what, utf8.RuneCountInString(*c.s), c.max, *c.s)
					}
				}
			}
		}
		if seen < 32 {
			t.Errorf("%s: only %d validations read", lang, seen)
		}
		f.Close()
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"short", 32, "short"}, {"Mesurau diogelu pan fo llawer yn y fantol", 32, "Mesurau diogelu pan fo llawer y…"}, {"ŵŵŵŵ", 3, "ŵŵ…"}} {
		if got := clip(tc.in, tc.n); got != tc.want || utf8.RuneCountInString(got) > tc.n {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
