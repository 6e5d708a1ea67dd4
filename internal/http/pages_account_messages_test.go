package http

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFieldMessagesAreTheAPIs fails when a message fieldMessages words in
// the page's language is no longer written, word for word, by the code
// that refuses the input (the registry's rules, the password rules, the
// store): the page would then fall back to the field's general words
// without anyone noticing.
func TestFieldMessagesAreTheAPIs(t *testing.T) {
	t.Parallel()
	var sources strings.Builder
	for _, dir := range []string{"../registry", "../password", "../mongodb"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sources.Write(b)
		}
	}
	src := sources.String()
	if len(src) == 0 {
		t.Fatal("no sources read")
	}
	for msg, key := range fieldMessages {
		if msg == msgConfirmDiffers || msg == msgSamePassword {
			continue // the pages' own, and a constant both sides share
		}
		if !strings.Contains(src, `"`+msg) {
			t.Errorf("%q (worded by %s) is not written by the registry, the password rules or the store any more", msg, key)
		}
	}
}
