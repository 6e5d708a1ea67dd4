package registry

import "testing"

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"QuillMark Tutor":       "quillmark-tutor",
		"  Hello,  World!! ":    "hello-world",
		"Ünïcode Ëdtech 2":      "n-code-dtech-2",
		"$ne":                   "ne",
		"":                      "product",
		"---":                   "product",
		"A.I. Marking (Pro) v2": "a-i-marking-pro-v2",
	}
	for in, want := range tests {
		if got := Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got := Slugify(in); !IsSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a slug", in, got)
		}
	}
}

func TestIsSlug(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"a": true, "a-b-1": true, "A": false, "a--b": false, "-a": false, "a.b": false, "$x": false} {
		if got := IsSlug(s); got != want {
			t.Errorf("IsSlug(%q) = %v, want %v", s, got, want)
		}
	}
}
