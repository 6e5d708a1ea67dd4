package hints

import (
	"fmt"
	"strings"
	"testing"
)

func TestReview(t *testing.T) {
	got := Review([]Field{
		{Path: "summary", Text: "Written by Jane Smith at Ysgol Example. Mrs Patel agreed; Mrs Patel is our DPO."},
		{Path: "answers[0].comment", Text: ""},
		{Path: "answers[3].comment", Text: "Pupils liked it; 3/5 in Year 7."},
		{Path: "answers[4].comment", Text: "Ring 07700 900123 or Mrs Patel."},
		{Path: "conflict.details", Text: "I'm Jane from Kingsway Primary School."},
	})
	want := []FieldHint{
		{"summary", KindMyName, "Written by Jane Smith"},
		{"summary", KindSchool, "Ysgol Example"},
		{"summary", KindTitleName, "Mrs Patel"},
		{"answers[4].comment", KindPhone, "07700 900123"},
		{"answers[4].comment", KindTitleName, "Mrs Patel"},
		{"conflict.details", KindMyName, "I'm Jane"},
		{"conflict.details", KindSchool, "Kingsway Primary School"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestReviewEmpty(t *testing.T) {
	if got := Review(nil); got != nil {
		t.Errorf("Review(nil) = %v, want nil", got)
	}
	if got := Review([]Field{{Path: "summary", Text: "Good for Year 7; 4/5."}}); got != nil {
		t.Errorf("got %v, want no hints", got)
	}
}

func TestReviewCaps(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "teacher%d@example.org, ", i)
	}
	text := b.String()
	var fields []Field
	for i := 0; i < 10; i++ {
		fields = append(fields, Field{Path: fmt.Sprintf("answers[%d].comment", i), Text: text})
	}
	got := Review(fields)
	if len(got) != MaxHintsPerReview {
		t.Fatalf("got %d hints, want the review's cap %d", len(got), MaxHintsPerReview)
	}
	perField := map[string]int{}
	for _, h := range got {
		perField[h.Field]++
	}
	for i := 0; i < MaxHintsPerReview/MaxHintsPerField; i++ {
		path := fmt.Sprintf("answers[%d].comment", i)
		if perField[path] != MaxHintsPerField {
			t.Errorf("%s: %d hints, want the field's cap %d", path, perField[path], MaxHintsPerField)
		}
	}
	if len(perField) != MaxHintsPerReview/MaxHintsPerField {
		t.Errorf("hints from %d fields, want the first %d", len(perField), MaxHintsPerReview/MaxHintsPerField)
	}
}
