package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// TestCatalogueComplete loads the real catalogue: it fails when any key
// lacks English or Welsh, or when a translation's arguments differ.
func TestCatalogueComplete(t *testing.T) {
	t.Parallel()
	c, err := LoadCatalogue(Files)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys()) < 50 {
		t.Fatalf("only %d keys", len(c.Keys()))
	}
}

// templateKeyRE finds the literal keys templates look up.
var templateKeyRE = regexp.MustCompile(`\bT "([^"]+)"`)

// TestTemplatesUseKnownKeys fails for a literal key a template names that
// the catalogue lacks (keys built at run time fail when the page renders).
func TestTemplatesUseKnownKeys(t *testing.T) {
	t.Parallel()
	c, err := LoadCatalogue(Files)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(Files, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, n := range names {
		b, err := fs.ReadFile(Files, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateKeyRE.FindAllStringSubmatch(string(b), -1) {
			seen++
			if !c.Has(m[1]) {
				t.Errorf("%s: no message %q", n, m[1])
			}
		}
	}
	if seen == 0 {
		t.Fatal("no keys found in the templates")
	}
}

func TestCatalogueProblems(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		files map[string]string
		want  string
	}{
		"MissingWelsh":  {map[string]string{"a.json": `{"k": {"en": "Hello"}}`}, `"k" has no cy text`},
		"EmptyEnglish":  {map[string]string{"a.json": `{"k": {"en": " ", "cy": "Helo"}}`}, `"k" has no en text`},
		"OtherLanguage": {map[string]string{"a.json": `{"k": {"en": "Hi", "cy": "Hi", "fr": "Salut"}}`}, `not a language of the interface`},
		"Twice":         {map[string]string{"a.json": `{"k": {"en": "Hi", "cy": "Hi"}}`, "b.json": `{"k": {"en": "Hi", "cy": "Hi"}}`}, `already defined in a.json`},
		"Arguments":     {map[string]string{"a.json": `{"k": {"en": "%d of %s", "cy": "%s o %d"}}`}, `format arguments`},
		"Broken":        {map[string]string{"a.json": `{"k": `}, `a.json`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, body := range tc.files {
				fsys["messages/"+n] = &fstest.MapFile{Data: []byte(body)}
			}
			_, err := LoadCatalogue(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	t.Run("ReorderedArgumentsAreFine", func(t *testing.T) {
		fsys := fstest.MapFS{"messages/a.json": &fstest.MapFile{Data: []byte(`{"k": {"en": "%d of %s", "cy": "%[2]s: %[1]d"}}`)}}
		c, err := LoadCatalogue(fsys)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := c.T(Welsh, "k", 3, "x"); got != "x: 3" {
			t.Fatalf("got %q", got)
		}
	})
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cookie, accept string
		want           Lang
	}{
		{"", "", English},
		{"", "cy", Welsh},
		{"", "cy-GB,en;q=0.8", Welsh},
		{"", "fr-FR,de", English},
		{"", "en-GB,cy;q=0.5", English},
		{"en", "cy", English},
		{"cy", "en", Welsh},
		{"xx", "cy", Welsh},
		{"", ";;;garbage", English},
	}
	for _, tc := range cases {
		if got := Negotiate(tc.cookie, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.cookie, tc.accept, got, tc.want)
		}
	}
}
