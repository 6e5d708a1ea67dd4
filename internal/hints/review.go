package hints

// Field is one free-text field of a review: its path as the API names it
// ("summary", "answers[3].comment", "conflict.details") and its text.
type Field struct {
	Path string
	Text string
}

// FieldHint is a hint found in one field of a review, as the moderation
// queue shows it.
type FieldHint struct {
	Field string
	Kind  string
	Text  string
}

// Review returns the hints in a review's free-text fields, field by field in
// the order given and, within a field, in the order they appear. Each field
// contributes at most MaxHintsPerField distinct hints (a kind and text is
// reported once per field), and the whole review at most MaxHintsPerReview.
// Empty fields are skipped.
func Review(fields []Field) []FieldHint {
	var out []FieldHint
	for _, f := range fields {
		if f.Text == "" {
			continue
		}
		for _, h := range Detect(f.Text) {
			if len(out) == MaxHintsPerReview {
				return out
			}
			out = append(out, FieldHint{Field: f.Path, Kind: h.Kind, Text: h.Text})
		}
	}
	return out
}
