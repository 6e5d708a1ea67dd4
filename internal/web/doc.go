// Package web owns the registry's pages: the html/template templates, the
// stylesheet and script served with them (embedded in the binary), the
// English and Welsh message catalogue and the view types handlers fill.
//
// It knows nothing of HTTP or storage: a handler in internal/http reads what
// a page shows through the same services and public conversions as the
// JSON API, puts it in a view and calls Renderer.Render. Every string a
// person reads comes from the catalogue (messages/*.json), in both
// languages; html/template escapes everything else.
package web
