package web

import (
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	t.Parallel()
	src := "# Title\n\n## Part one\n\nText with <script>alert(1)</script> and <b onclick=\"x()\">bold</b>.\n\n" +
		"<div style=\"color:red\">raw block</div>\n\n" +
		"[evil](javascript:alert(1)) [other doc](anonymity.md#4-releases) [this doc](method.md#part-one) [site](https://example.org/)\n\n" +
		"| a | b |\n|:--|--:|\n| 1 | 2 |\n"
	out, err := Markdown([]byte(src), "method.md")
	if err != nil {
		t.Fatal(err)
	}
	html := string(out)
	for _, bad := range []string{"<script", "onclick", "style=", "<div style", "javascript:", `href="anonymity.md`, "<h1"} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML has %q:\n%s", bad, html)
		}
	}
	for _, want := range []string{`<h2 id="title">Title</h2>`, `<h3 id="part-one">Part one</h3>`, "other doc", `<a href="#part-one">this doc</a>`,
		`<a href="https://example.org/">site</a>`, `<div class="table-wrap" tabindex="0">`, `<th scope="col">a</th>`, "<td>2</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q:\n%s", want, html)
		}
	}
}

func TestChart(t *testing.T) {
	t.Parallel()
	s := func(f float64) *float64 { return &f }
	c := NewChart([]ChartInput{{Label: "A", Score: s(75), Risk: "low"}, {Label: "B"}, {Label: "C", Score: s(120), Risk: "critical"}})
	if len(c.Bars) != 3 {
		t.Fatalf("bars %d", len(c.Bars))
	}
	if c.Bars[0].BarWidth != 150 || c.Bars[1].BarWidth != 0 || c.Bars[2].BarWidth != c.ScaleEnd() {
		t.Errorf("widths %d %d %d", c.Bars[0].BarWidth, c.Bars[1].BarWidth, c.Bars[2].BarWidth)
	}
	if c.Bars[1].Risk != "insufficient" {
		t.Errorf("a bar without a risk has risk %q", c.Bars[1].Risk)
	}
	if c.Bars[1].BarY <= c.Bars[0].BarY || c.Height <= c.AxisBottom || c.Bars[2].ValueX+150 > c.Width {
		t.Errorf("layout %+v", c)
	}
}
