package registry

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// moderatedReview is a pending review with text in every free-text field
// but the second answer's comment.
func moderatedReview() *Review {
	return &Review{
		Summary:  "Written by Jane Smith at Ysgol Example.",
		Answers:  []Answer{{Criterion: "d.a", Comment: "Mrs Patel runs it."}, {Criterion: "d.b"}, {Criterion: "d.c", Comment: "Fine."}},
		Conflict: Conflict{Declared: true, Details: "I piloted it for the vendor at Ysgol Example."},
		Reviewer: ReviewerContext{Subject: "Welsh at Ysgol Example"},
	}
}

func TestTextFields(t *testing.T) {
	t.Parallel()
	var got []string
	for _, f := range TextFields(moderatedReview()) {
		got = append(got, fmt.Sprintf("%s/%d", f.Path, f.Max))
	}
	want := []string{"summary/5000", "answers[0].comment/2000", "answers[1].comment/2000", "answers[2].comment/2000",
		"conflictOfInterest.details/2000", "reviewer.subject/100"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func TestPublishRequestApply(t *testing.T) {
	t.Parallel()
	red := func(field, text string) Redaction { return Redaction{Field: field, Text: text} }
	for _, tc := range []struct {
		name   string
		req    PublishRequest
		fields []string // field paths of the error; nil: accepted
		paths  []string // redacted paths when accepted
		check  func(*Review) string
	}{
		{name: "ConflictNotAcknowledged", req: PublishRequest{}, fields: []string{"acknowledgeConflict"}},
		{name: "NothingRedacted", req: PublishRequest{AcknowledgeConflict: true}},
		{name: "Everything", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{
			red("reviewer.subject", "Welsh"), red("answers[2].comment", "Fine, mostly."), red("summary", "A teacher's review."),
			red("conflictOfInterest.details", "I piloted it for the vendor."), red("answers[0].comment", ""),
		}}, paths: []string{"summary", "answers[0].comment", "answers[2].comment", "conflictOfInterest.details", "reviewer.subject"},
			check: func(r *Review) string {
				if r.Summary != "A teacher's review." || r.Answers[0].Comment != "" || r.Answers[2].Comment != "Fine, mostly." ||
					r.Answers[1].Comment != "" || r.Conflict.Details != "I piloted it for the vendor." || r.Reviewer.Subject != "Welsh" {
					return fmt.Sprintf("%+v", r)
				}
				return ""
			}},
		{name: "SameTextIsNoRedaction", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{red("answers[2].comment", "Fine.")}}},
		{name: "UnknownField", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{
			red("title", "x"), red("answers[3].comment", "x"), red("answers[-1].comment", "x"), red("answers[01].comment", "x"), red("Summary", "x"),
		}}, fields: []string{"redactions[0].field", "redactions[1].field", "redactions[2].field", "redactions[3].field", "redactions[4].field"}},
		{name: "EmptyField", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{red("answers[1].comment", "x")}},
			fields: []string{"redactions[0].field"}},
		{name: "Duplicate", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{red("summary", "a"), red("summary", "b")}},
			fields: []string{"redactions[1].field"}},
		{name: "TooLong", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{
			red("summary", strings.Repeat("é", 5001)), red("answers[0].comment", strings.Repeat("é", 2001)),
			red("conflictOfInterest.details", strings.Repeat("a", 2001)), red("reviewer.subject", strings.Repeat("a", 101)),
		}}, fields: []string{"redactions[0].text", "redactions[1].text", "redactions[2].text", "redactions[3].text"}},
		{name: "AtTheLimits", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{
			red("summary", strings.Repeat("é", 5000)), red("answers[0].comment", strings.Repeat("é", 2000)),
			red("conflictOfInterest.details", strings.Repeat("a", 2000)), red("reviewer.subject", strings.Repeat("a", 100)),
		}}, paths: []string{"summary", "answers[0].comment", "conflictOfInterest.details", "reviewer.subject"}},
		{name: "EmptySummary", req: PublishRequest{AcknowledgeConflict: true, Redactions: []Redaction{red("summary", "")}},
			fields: []string{"redactions[0].text"}},
		{name: "MoreThanFields", req: PublishRequest{Redactions: make([]Redaction, 7)}, fields: []string{"acknowledgeConflict", "redactions"}},
		{name: "AllRulesAtOnce", req: PublishRequest{Redactions: []Redaction{red("nope", "x"), red("summary", ""), red("summary", "x")}},
			fields: []string{"acknowledgeConflict", "redactions[0].field", "redactions[1].text", "redactions[2].field"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := moderatedReview()
			paths, err := tc.req.Apply(r)
			var got []string
			for _, f := range ErrorFields(err) {
				got = append(got, f.Field)
			}
			if !reflect.DeepEqual(got, tc.fields) {
				t.Fatalf("error fields = %v, want %v (%v)", got, tc.fields, err)
			}
			if err != nil {
				if ErrorCode(err) != EINVALID {
					t.Errorf("code = %s", ErrorCode(err))
				}
				if !reflect.DeepEqual(r, moderatedReview()) {
					t.Errorf("a refused request changed the review: %+v", r)
				}
				return
			}
			if !reflect.DeepEqual(paths, tc.paths) {
				t.Errorf("redacted = %v, want %v", paths, tc.paths)
			}
			if tc.check != nil {
				if msg := tc.check(r); msg != "" {
					t.Errorf("review after redaction: %s", msg)
				}
			} else if len(tc.paths) == 0 && !reflect.DeepEqual(r, moderatedReview()) {
				t.Errorf("nothing redacted, yet the review changed: %+v", r)
			}
		})
	}
}
