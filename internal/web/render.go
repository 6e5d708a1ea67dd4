package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
)

//go:embed templates/*.html messages/*.json assets/*
var files embed.FS

// Files are the package's embedded files: templates, messages and assets.
// Tests read them; the server serves assets through Renderer.Asset.
var Files fs.FS = files

// Renderer renders the pages. It is safe for concurrent use.
type Renderer struct {
	cat    *Catalogue
	pages  map[string]*template.Template
	assets map[string]Asset
}

// Asset is a static file served with the pages.
type Asset struct {
	Name        string
	ContentType string
	Body        []byte
	// Version is a hash of Body: links carry it, so a changed file is
	// fetched afresh and an unchanged one may be cached for ever.
	Version string
}

// NewRenderer parses every template and loads the catalogue and assets.
// Templates are templates/*.html: layout.html and the partials (names
// starting with "_") are shared; every other file is a page, named by its
// file name without ".html", that defines "title" and "main".
func NewRenderer() (*Renderer, error) {
	cat, err := LoadCatalogue(files)
	if err != nil {
		return nil, err
	}
	r := &Renderer{cat: cat, pages: map[string]*template.Template{}, assets: map[string]Asset{}}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	var pages []string
	for _, n := range names {
		base := path.Base(n)
		switch {
		case base == "layout.html":
		case strings.HasPrefix(base, "_"):
			shared = append(shared, n)
		default:
			pages = append(pages, n)
		}
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, shared...)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		t, err := template.Must(base.Clone()).ParseFS(files, p)
		if err != nil {
			return nil, err
		}
		r.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	assets, err := fs.Glob(files, "assets/*")
	if err != nil {
		return nil, err
	}
	for _, a := range assets {
		body, err := fs.ReadFile(files, a)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		name := path.Base(a)
		r.assets[name] = Asset{Name: name, ContentType: contentType(name), Body: body, Version: hex.EncodeToString(sum[:6])}
	}
	return r, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}

// Catalogue returns the message catalogue.
func (r *Renderer) Catalogue() *Catalogue { return r.cat }

// Pages returns the names of every page template.
func (r *Renderer) Pages() []string {
	out := make([]string, 0, len(r.pages))
	for n := range r.pages {
		out = append(out, n)
	}
	return out
}

// Asset returns the asset called name, and whether there is one.
func (r *Renderer) Asset(name string) (Asset, bool) {
	a, ok := r.assets[name]
	return a, ok
}

// Render writes page with v. The page is rendered into a buffer first, so
// a template error leaves nothing half-written.
func (r *Renderer) Render(w io.Writer, page string, v *View) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("web: no page %q", page)
	}
	v.r = r
	if v.Lang == "" {
		v.Lang = English
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: page %s: %w", page, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// NewView starts a page's view in lang; the handler fills the rest.
func (r *Renderer) NewView(lang Lang) *View { return &View{Lang: lang, r: r} }
