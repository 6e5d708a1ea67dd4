package hints

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// maxFuzzInput bounds the fuzzer's inputs: a summary is at most 5,000
// characters, up to 20,000 bytes.
const maxFuzzInput = 20000

func FuzzDetect(f *testing.F) {
	for _, tc := range detectCases {
		f.Add(tc.text)
	}
	for _, s := range []string{
		"\xff\xfeMrs \xffPatel",
		"Mrs\u00a0Patel at Ysgol\u00a0y\u00a0Cymer",
		"+44 (0)",
		"St Mary's Day's",
		"University of",
		"Harris Academy ",
		"...@...",
		"www.",
		"https://",
		strings.Repeat("Kingsway ", 50) + "School",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > maxFuzzInput {
			t.Skip()
		}
		checkHints(t, text, Detect(text), MaxHintsPerField)
		checkHints(t, text, detect(text, -1), -1)
	})
}

// checkHints checks hints found in text: in bounds, their text, known
// kinds, in order, not overlapping, distinct and within the cap.
func checkHints(t *testing.T, text string, hints []Hint, max int) {
	t.Helper()
	if max >= 0 && len(hints) > max {
		t.Fatalf("%d hints, more than %d", len(hints), max)
	}
	seen := map[kt]bool{}
	for i, h := range hints {
		if h.Start < 0 || h.End > len(text) || h.Start >= h.End {
			t.Fatalf("hint %d %+v out of bounds (len %d)", i, h, len(text))
		}
		if h.Text != text[h.Start:h.End] {
			t.Fatalf("hint %d %+v: Text is not text[Start:End] = %q", i, h, text[h.Start:h.End])
		}
		if _, ok := priority[h.Kind]; !ok {
			t.Fatalf("hint %d %+v: unknown kind", i, h)
		}
		if i > 0 && h.Start < hints[i-1].End {
			t.Fatalf("hints %d and %d overlap or are out of order: %+v %+v", i-1, i, hints[i-1], h)
		}
		if seen[kt{h.Kind, h.Text}] {
			t.Fatalf("hint %d %+v repeated", i, h)
		}
		seen[kt{h.Kind, h.Text}] = true
		if utf8.ValidString(text) && !utf8.ValidString(h.Text) {
			t.Fatalf("hint %d %+v splits a character", i, h)
		}
	}
}
