package http

import (
	"sort"
	"strings"

	"github.com/edtech-registry/registry/internal/web"
)

// A review's free text on the moderation page: cut into pieces at its
// identity hints, so that the template marks them without building HTML.

// redactionMark replaces an identity hint in the text offered for
// publication when a field is redacted.
const redactionMark = "[…]"

// modText prepares a free-text field for the page: its pieces with every
// occurrence of each of its hints marked, its hints, and the text offered
// when it is redacted. The hints are the queue's (reviewHints): each is a
// path and a piece of that field's text, found at the first place it
// occurs (hints.Review reports a text once per field), so every place the
// same text occurs in the field is marked.
func modText(path, text string, found []hintJSON) *web.ModText {
	t := &web.ModText{Path: path, ID: fieldID(path), Text: text}
	var spans [][2]int
	for _, h := range found {
		if h.Field != path || h.Text == "" {
			continue
		}
		t.Hints = append(t.Hints, web.Hint{Kind: h.Kind, Text: h.Text})
		for i := 0; i < len(text); {
			j := strings.Index(text[i:], h.Text)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{i + j, i + j + len(h.Text)})
			i += j + 1
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var merged [][2]int
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], sp[1])
			continue
		}
		merged = append(merged, sp)
	}
	var repl strings.Builder
	at := 0
	for _, sp := range merged {
		if sp[0] > at {
			t.Pieces = append(t.Pieces, web.TextPiece{Text: text[at:sp[0]]})
			repl.WriteString(text[at:sp[0]])
		}
		t.Pieces = append(t.Pieces, web.TextPiece{Text: text[sp[0]:sp[1]], Mark: true})
		repl.WriteString(redactionMark)
		at = sp[1]
	}
	if at < len(text) {
		t.Pieces = append(t.Pieces, web.TextPiece{Text: text[at:]})
		repl.WriteString(text[at:])
	}
	t.Replacement = repl.String()
	if len(merged) == 0 {
		t.Replacement = redactionMark
	}
	return t
}

// fieldID turns a field's path into an HTML id stem:
// "answers[3].comment" → "answers-3-comment".
func fieldID(path string) string {
	return strings.Trim(strings.NewReplacer("[", "-", "].", "-", "]", "", ".", "-").Replace(path), "-")
}
