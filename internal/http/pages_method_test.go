package http

import (
	"strings"
	"testing"
)

func TestMethodPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("English", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/method")
		checkPageHeaders(t, p)
		noInlineStyle(t, p)
		oneH1(t, p)
		text := p.text()
		for _, want := range []string{"How assessments are made", "How the registry turns reviews into scores and risks", "A worked example"} {
			if !strings.Contains(text, want) {
				t.Errorf("the page does not say %q", want)
			}
		}
		for _, want := range []string{`<div class="method" lang="en">`, `<h3 id="10-a-worked-example">`, `<th scope="col">`, `aria-current="page">Method`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(p.Body, `href="anonymity.md`) {
			t.Error("a link to a document that is not served")
		}
		if strings.Contains(text, "This explanation of the method is in English for now") {
			t.Error("the English page has the Welsh page's note")
		}
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy"
		p := b.mustGet(t, 200, "/method")
		checkPageHeaders(t, p)
		welsh(t, p, "Sut y gwneir asesiadau", "Mae'r esboniad hwn o'r dull yn Saesneg am y tro.")
		if !strings.Contains(p.Body, `<div class="method" lang="en">`) {
			t.Error("the English text is not marked as English")
		}
	})
}
