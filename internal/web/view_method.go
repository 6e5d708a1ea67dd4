package web

import "html/template"

// MethodData is the method page: docs/method.md, rendered by Markdown.
// The method is written in English only, for now: a Welsh page says so
// and marks the text as English.
type MethodData struct {
	Body template.HTML
}
