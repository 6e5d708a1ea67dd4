package http

import (
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// The pages are a public output like the JSON (docs/anonymity.md §8): the
// attacker reads them too. pageView adds every public page about a
// product to the attacker's view, so that the differencing tests compare
// them byte for byte between snapshots; pageEntries reads the published
// reviews off the product page, for the linkage test.

// pageLangs are the languages the attacker reads the pages in.
var pageLangs = []web.Lang{web.English, web.Welsh}

// pageFilters are the queries of every filter a public page takes, the
// unfiltered one ("") first: each group (role, phase, nation) and each
// version of the default rubric.
func (a attacker) pageFilters() []string {
	out := []string{""}
	for _, kind := range registry.GroupKinds {
		for _, value := range groupValues(kind) {
			out = append(out, kind+"="+value)
		}
	}
	r := a.e.rubrics.Default()
	for v := 1; v <= r.Version; v++ {
		if _, err := a.e.rubrics.Version(r.ID, v); err == nil {
			out = append(out, fmt.Sprintf("rubricVersion=%d", v))
		}
	}
	return out
}

// pageRequest is a page to read, in a language.
type pageRequest struct {
	path string
	lang web.Lang
}

// attackerFanOut is how many pages the attacker reads at a time: the
// view reads some fifty pages, and reading two at a time takes about a
// third less time than one at a time (more gain nothing on two cores).
const attackerFanOut = 2

// publicPages reads pages as an anonymous visitor whose browser asks for
// each page's language, several at a time, and returns their bodies. A
// public page is the same for every visitor: it sets no cookie and holds
// no form token (a page with a form that needs one is not public), so two
// snapshots of it can be compared byte for byte.
func (a attacker) publicPages(t testing.TB, reqs []pageRequest) []string {
	t.Helper()
	pages := make([]*page, len(reqs))
	errs := make([]error, len(reqs))
	sem := make(chan struct{}, attackerFanOut)
	var wg sync.WaitGroup
	for i, rq := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			req := httptest.NewRequest("GET", rq.path, nil)
			req.Header.Set("Accept-Language", string(rq.lang))
			resp, err := a.e.srv.App().Test(req, -1)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			pages[i], errs[i] = &page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}, err
		}()
	}
	wg.Wait()
	out := make([]string, len(reqs))
	for i, rq := range reqs {
		p := pages[i]
		switch {
		case errs[i] != nil:
			t.Fatalf("GET %s (%s): %v", rq.path, rq.lang, errs[i])
		case p.Status != 200:
			t.Fatalf("GET %s (%s): status %d; body %s", rq.path, rq.lang, p.Status, p.text())
		case len(p.Header.Values("Set-Cookie")) > 0:
			t.Fatalf("the public page %s (%s) sets cookies %q: a public page must be the same for every visitor", rq.path, rq.lang, p.Header.Values("Set-Cookie"))
		case strings.Contains(p.Body, `name="`+web.CSRFField+`"`):
			t.Fatalf("the public page %s (%s) holds a form token: a public page must be the same for every visitor", rq.path, rq.lang)
		case langOf(p.Body) != string(rq.lang):
			t.Fatalf("the public page %s is in %q, want %s", rq.path, langOf(p.Body), rq.lang)
		}
		out[i] = p.Body
	}
	return out
}

// publicPage reads one page as publicPages does.
func (a attacker) publicPage(t testing.TB, path string, lang web.Lang) string {
	t.Helper()
	return a.publicPages(t, []pageRequest{{path, lang}})[0]
}

// The product page's published reviews: from its "reviews" heading to
// its "downloads" heading.
const (
	reviewsStart = `<h2 id="reviews">`
	reviewsEnd   = `<h2 id="downloads">`
)

// splitProductPage cuts a product page into its published reviews (with
// their pager) and the rest (the product, its assessment, its downloads):
// the reviews are the listing, which a withdrawal changes at once; the
// rest changes only with a release.
func splitProductPage(t testing.TB, path, body string) (rest, reviews string) {
	t.Helper()
	i, j := strings.Index(body, reviewsStart), strings.Index(body, reviewsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no reviews section between %q and %q", path, reviewsStart, reviewsEnd)
	}
	return body[:i] + body[j:], body[i:j]
}

var nextLinkRE = regexp.MustCompile(`<a href="([^"]*)" rel="next">`)

// productReviewPages reads the product page at path and every further
// page of its reviews (following the pager's "next" link), and returns
// the first page's body and each page's reviews section.
func (a attacker) productReviewPages(t testing.TB, path string, lang web.Lang) (first string, sections []string) {
	t.Helper()
	return a.reviewPagesFrom(t, path, lang, a.publicPage(t, path, lang))
}

// reviewPagesFrom is productReviewPages given the first page's body.
func (a attacker) reviewPagesFrom(t testing.TB, path string, lang web.Lang, body string) (first string, sections []string) {
	t.Helper()
	first = body
	for range 1000 {
		_, reviews := splitProductPage(t, path, body)
		sections = append(sections, reviews)
		m := nextLinkRE.FindStringSubmatch(reviews)
		if m == nil {
			return first, sections
		}
		next := html.UnescapeString(m[1])
		body = a.publicPage(t, next, lang)
	}
	t.Fatalf("%s: the reviews never end", path)
	return "", nil
}

// pageView adds to out every public page about product pid: the product
// page unfiltered (with every page of its reviews) and under every filter
// (with its first page of reviews, the same reviews), in English and
// Welsh; the products list, and a search that finds the product (showing
// its risk) in both languages; the comparison of pid with other,
// unfiltered and under every filter. A product page's reviews are keyed
// "page <lang> listing …": they are the listing, which a withdrawal
// changes at once. The list, and the comparison under a filter, are read
// in English only: a Welsh page is the English one's template in other
// words, and the catalogue refuses a translation whose arguments differ
// (web.LoadCatalogue), so it shows the same numbers; and the list
// assesses every product, each read the most costly of the view.
func (a attacker) pageView(t testing.TB, pid, other string, out map[string]string) {
	t.Helper()
	var p productJSON
	a.e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid}).json(t, &p)
	compare := "/compare?products=" + url.QueryEscape(pid) + "&products=" + url.QueryEscape(other)
	search := "/?q=" + url.QueryEscape(p.Name)
	var products, others []pageRequest
	for _, lang := range pageLangs {
		for _, q := range a.pageFilters() {
			path, cmp := "/products/"+pid, compare
			if q != "" {
				path, cmp = path+"?"+q, cmp+"&"+q
			}
			products = append(products, pageRequest{path, lang})
			if lang == web.English || q == "" {
				others = append(others, pageRequest{cmp, lang})
			}
		}
		others = append(others, pageRequest{search, lang})
	}
	others = append(others, pageRequest{"/", web.English})
	bodies := a.publicPages(t, append(slices.Clone(products), others...))
	key := func(rq pageRequest) string { return fmt.Sprintf("page %s %s", rq.lang, rq.path) }
	for i, rq := range products {
		// Every page of the reviews unfiltered; under a filter (the same
		// reviews, the filter kept in the pager's links) the first.
		rest, reviews := splitProductPage(t, rq.path, bodies[i])
		if !strings.Contains(rq.path, "?") {
			_, sections := a.reviewPagesFrom(t, rq.path, rq.lang, bodies[i])
			reviews = strings.Join(sections, "\n")
		}
		out[key(rq)] = rest
		out["page "+string(rq.lang)+" listing "+rq.path] = reviews
	}
	for i, rq := range others {
		body := bodies[len(products)+i]
		switch {
		case strings.HasPrefix(rq.path, "/compare") && !strings.Contains(body, `id="comparison"`):
			t.Fatalf("%s (%s): no comparison", rq.path, rq.lang)
		case rq.path == search && !strings.Contains(body, `<a href="/products/`+pid+`">`):
			t.Fatalf("%s (%s): the search does not find the product", rq.path, rq.lang)
		}
		out[key(rq)] = body
	}
}

// isListing reports whether a key of the attacker's view names the
// listing, in the JSON or on a product page.
func isListing(key string) bool {
	return key == "listing" || strings.HasPrefix(key, "page en listing ") || strings.HasPrefix(key, "page cy listing ")
}

// isPage reports whether a key of the attacker's view names a page.
func isPage(key string) bool { return strings.HasPrefix(key, "page ") }

// pageEntry is what a product page shows of one published review.
type pageEntry struct {
	Heading  string      // the recommendation, in words
	Meta     string      // the release's month and the random id
	Summary  string      // the summary
	Comments [][2]string // criterion (its title) and comment
}

// reviewCardRE finds the cards of a list (each a published review in the
// product page's reviews section).
var reviewCardRE = regexp.MustCompile(`(?s)<li class="card">.*?</li>`)

// node is an element of a review card.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	text     string // the element's own text, when it has no elements
}

// parseCard reads one card's HTML into its element tree; text beside
// elements (other than white space) is an error: it would be something a
// card shows outside the fields it is allowed.
func parseCard(card string) (*node, error) {
	d := xml.NewDecoder(strings.NewReader(card))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := &node{name: x.Name.Local, attrs: x.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("more than one card")
				}
				root = n
			} else {
				top := stack[len(stack)-1]
				if strings.TrimSpace(top.text) != "" {
					return nil, fmt.Errorf("<%s> holds text beside elements: %q", top.name, top.text)
				}
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("</%s> closes nothing", x.Name.Local)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(x)) != "" {
					return nil, fmt.Errorf("text outside the card: %q", string(x))
				}
				continue
			}
			top := stack[len(stack)-1]
			if len(top.children) > 0 && strings.TrimSpace(string(x)) != "" {
				return nil, fmt.Errorf("<%s> holds text beside elements: %q", top.name, string(x))
			}
			top.text += string(x)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no card")
	}
	return root, nil
}

// is reports whether n is element name with exactly the attributes
// attrs ("name=value") and, when leaf, no element inside.
func (n *node) is(name string, leaf bool, attrs ...string) error {
	var got []string
	for _, a := range n.attrs {
		got = append(got, a.Name.Local+"="+a.Value)
	}
	if n.name != name || !slices.Equal(got, attrs) {
		return fmt.Errorf("<%s %s>, want <%s %s>", n.name, strings.Join(got, " "), name, strings.Join(attrs, " "))
	}
	if leaf && len(n.children) > 0 {
		return fmt.Errorf("<%s> holds <%s>, want text only", n.name, n.children[0].name)
	}
	return nil
}

// readCard reads a published review's card. A card holds exactly: a
// heading (the recommendation), a line with the release's month and the
// review's id, the summary and, when there are comments, a list of
// criterion and comment pairs. Any other element, attribute or text is an
// error: it would be something of a review the public listing does not
// hold (a score, a role, a date).
func readCard(card string) (pageEntry, error) {
	root, err := parseCard(card)
	if err != nil {
		return pageEntry{}, err
	}
	if err := root.is("li", false, "class=card"); err != nil {
		return pageEntry{}, err
	}
	want := []struct {
		name  string
		attrs []string
		to    *string
	}{{"h3", nil, nil}, {"p", []string{"class=muted"}, nil}, {"p", nil, nil}}
	var e pageEntry
	want[0].to, want[1].to, want[2].to = &e.Heading, &e.Meta, &e.Summary
	ch := root.children
	if len(ch) < len(want) || len(ch) > len(want)+1 {
		return e, fmt.Errorf("the card has %d elements, want %d or %d", len(ch), len(want), len(want)+1)
	}
	for i, w := range want {
		if err := ch[i].is(w.name, true, w.attrs...); err != nil {
			return e, fmt.Errorf("element %d: %w", i+1, err)
		}
		*w.to = strings.TrimSpace(ch[i].text)
	}
	if len(ch) == len(want) {
		return e, nil
	}
	dl := ch[len(want)]
	if err := dl.is("dl", false, "class=summary"); err != nil {
		return e, err
	}
	if len(dl.children)%2 != 0 {
		return e, fmt.Errorf("the comments hold %d elements, want pairs", len(dl.children))
	}
	for i := 0; i < len(dl.children); i += 2 {
		if err := dl.children[i].is("dt", true); err != nil {
			return e, err
		}
		if err := dl.children[i+1].is("dd", true); err != nil {
			return e, err
		}
		e.Comments = append(e.Comments, [2]string{strings.TrimSpace(dl.children[i].text), strings.TrimSpace(dl.children[i+1].text)})
	}
	return e, nil
}

// pageEntries reads every published review off the product page (all its
// pages of reviews) in lang.
func (a attacker) pageEntries(t testing.TB, pid string, lang web.Lang) []pageEntry {
	t.Helper()
	_, sections := a.productReviewPages(t, "/products/"+pid, lang)
	var out []pageEntry
	for _, s := range sections {
		for _, card := range reviewCardRE.FindAllString(s, -1) {
			pe, err := readCard(card)
			if err != nil {
				t.Fatalf("/products/%s (%s): a review's card shows more than the public entry: %v\n%s", pid, lang, err, card)
			}
			out = append(out, pe)
		}
	}
	return out
}

// publicEntryOnPage is how the product page in lang must show the public
// listing entry it (as the API answers it): its fields, in the page's
// words, and nothing else.
func (e *env) publicEntryOnPage(t testing.TB, it map[string]any, lang web.Lang) pageEntry {
	t.Helper()
	v := e.srv.pages.NewView(lang)
	tr := func(key string, args ...any) string {
		s, err := v.T(key, args...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	m, err := time.Parse("2006-01", fmt.Sprint(it["month"]))
	if err != nil {
		t.Fatalf("entry %v: month %v", it["id"], it["month"])
	}
	month, err := v.Month(m)
	if err != nil {
		t.Fatal(err)
	}
	want := pageEntry{Heading: tr("product.recommendation." + fmt.Sprint(it["recommendation"])),
		Meta:    tr("product.review.month", month) + " · " + tr("product.review.ref", fmt.Sprint(it["id"])),
		Summary: fmt.Sprint(it["summary"])}
	_, words := e.srv.wordsOf(e.rubric, lang)
	comments, _ := it["comments"].([]any)
	for _, raw := range comments {
		c, _ := raw.(map[string]any)
		id := fmt.Sprint(c["criterion"])
		want.Comments = append(want.Comments, [2]string{words.criterion(id, id), fmt.Sprint(c["comment"])})
	}
	return want
}

// checkPageEntries is the linkage attack's first step through the pages:
// the product page's published reviews, in English and Welsh, must be
// exactly the public listing's entries (text, recommendation, month, id),
// in its order, and show nothing else — no per-review score and no
// reviewer context (role, phase, nation, usage) to match against the
// filtered assessments.
func (a attacker) checkPageEntries(t testing.TB, pid string) {
	t.Helper()
	listing := a.listing(t, pid)
	for _, lang := range pageLangs {
		got := a.pageEntries(t, pid, lang)
		if len(got) != len(listing) {
			t.Fatalf("/products/%s (%s) shows %d reviews, the public listing %d", pid, lang, len(got), len(listing))
		}
		for i, it := range listing {
			if want := a.e.publicEntryOnPage(t, it, lang); !entryEqual(got[i], want) {
				t.Errorf("/products/%s (%s), review %d:\n shows %+v\n want  %+v (the public entry)", pid, lang, i+1, got[i], want)
			}
		}
	}
}

func entryEqual(a, b pageEntry) bool {
	return a.Heading == b.Heading && a.Meta == b.Meta && a.Summary == b.Summary && slices.Equal(a.Comments, b.Comments)
}

// TestPageEntryCheckFindsPlantedContext shows the page check is real: a
// card that carried a score, a reviewer's context or a date beside the
// public entry's fields is refused.
func TestPageEntryCheckFindsPlantedContext(t *testing.T) {
	t.Parallel()
	good := `<li class="card">
    <h3>Recommended</h3>
    <p class="muted">Published: March 2026 · Reference: abc</p>
    <p>It works &amp; it&#39;s safe.</p>
    <dl class="summary">
      <dt>Data sale</dt><dd>None found.</dd>
      </dl>
  </li>`
	e, err := readCard(good)
	if err != nil {
		t.Fatalf("the template's own card is refused: %v", err)
	}
	if want := (pageEntry{Heading: "Recommended", Meta: "Published: March 2026 · Reference: abc", Summary: "It works & it's safe.",
		Comments: [][2]string{{"Data sale", "None found."}}}); !entryEqual(e, want) {
		t.Fatalf("read %+v, want %+v", e, want)
	}
	for name, planted := range map[string]string{
		"ContextParagraph": strings.Replace(good, "<p>It works", "<p>Teacher · Primary · Wales</p><p>It works", 1),
		"ScoreAttribute":   strings.Replace(good, "<dd>None", `<dd data-score="3">None`, 1),
		"ScoreElement":     strings.Replace(good, "<dd>None found.</dd>", "<dd>None found. <span>3 of 4</span></dd>", 1),
		"TextBeside":       strings.Replace(good, "<h3>", "Teacher <h3>", 1),
		"DatedMeta":        strings.Replace(good, `class="muted"`, `class="muted" title="2026-03-05"`, 1),
		"UsageTerm":        strings.Replace(good, "</dl>", "<dt>Usage</dt><dd>Weekly</dd><dt>Role</dt></dl>", 1),
		"Footer":           strings.Replace(good, "</dl>", "</dl><p>Weekly, 6 months</p>", 1),
	} {
		if _, err := readCard(planted); err == nil {
			t.Errorf("%s: a card with a planted field is read as a public entry", name)
		}
	}
	// A planted comment pair is well formed: the comparison with the
	// public entry refuses it.
	planted, err := readCard(strings.Replace(good, "</dl>", "<dt>Role</dt><dd>Teacher</dd></dl>", 1))
	if err != nil {
		t.Fatal(err)
	}
	if entryEqual(planted, e) {
		t.Error("a card with a planted pair equals the public entry")
	}
}
