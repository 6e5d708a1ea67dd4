package web

import (
	"bytes"
	"html/template"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Markdown renders a document of the registry's docs (CommonMark with
// GitHub's tables) as HTML to put inside a page whose own h1 names it:
//
//   - raw HTML in the source is left out, never passed through, and links
//     to javascript: and other dangerous schemes lose their address
//     (goldmark's defaults, which are kept);
//   - every heading moves one level down (# becomes h2), under the page's
//     h1, and gets an id for links to its section;
//   - a link to another document of the docs (a relative "x.md") is not
//     served as a page, so it becomes its text; one to a section of the
//     document itself ("self.md#part", where self is the document's own
//     file name) becomes "#part";
//   - tables scroll sideways on a narrow screen, their header cells have
//     scope="col", and no cell has a style attribute (the pages' policy
//     forbids inline style).
func Markdown(src []byte, self string) (template.HTML, error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Table),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(docTransformer{self: self}, 100)),
		),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(tableRenderer{}, 100))),
	)
	var buf bytes.Buffer
	if err := md.Convert(src, &buf); err != nil {
		return "", err
	}
	// The HTML is goldmark's, from the registry's own embedded docs, with
	// raw HTML left out: safe to put in a page as it is.
	return template.HTML(buf.String()), nil //nolint:gosec // see above
}

// docTransformer moves headings down a level and rewrites links between
// documents.
type docTransformer struct{ self string }

func (t docTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var unwrap []*ast.Link
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			n.Level = min(n.Level+1, 6)
		case *ast.Link:
			dest := string(n.Destination)
			u, err := url.Parse(dest)
			if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasSuffix(u.Path, ".md") {
				break
			}
			if path.Base(u.Path) == t.self && u.Fragment != "" {
				n.Destination = []byte("#" + u.Fragment)
				break
			}
			unwrap = append(unwrap, n)
		}
		return ast.WalkContinue, nil
	})
	for _, l := range unwrap {
		parent := l.Parent()
		for c := l.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, l, c)
			c = next
		}
		parent.RemoveChild(parent, l)
	}
}

// tableRenderer draws tables without style attributes, in a wrapper that
// scrolls, with scoped header cells.
type tableRenderer struct{}

func (tableRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(east.KindTable, func(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			_, _ = w.WriteString("<div class=\"table-wrap\" tabindex=\"0\">\n<table>\n")
		} else {
			_, _ = w.WriteString("</table>\n</div>\n")
		}
		return ast.WalkContinue, nil
	})
	reg.Register(east.KindTableCell, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		header := n.Parent().Kind() == east.KindTableHeader
		switch {
		case entering && header:
			_, _ = w.WriteString(`<th scope="col">`)
		case entering:
			_, _ = w.WriteString("<td>")
		case header:
			_, _ = w.WriteString("</th>\n")
		default:
			_, _ = w.WriteString("</td>\n")
		}
		return ast.WalkContinue, nil
	})
}
