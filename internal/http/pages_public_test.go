package http

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
)

// publicEnv is a registry with products in every state a public page
// shows, reviewed through the API with moderation off and an anonymity
// threshold of 3 (as TestAssessment's):
//
//   - good: three teachers give top marks (low risk, score 68.8);
//   - bad: six reviews, two of them saying it sells data (critical, a red
//     flag with its ask); three teachers are shown by role, the lone
//     leader and the two specialists are not;
//   - few: two reviews, both raising the data-sale flag (insufficient,
//     the flag provisional);
//   - quiet: no reviews, a planning product found by its description.
type publicEnv struct {
	*env
	good, bad, few, quiet string
}

func newPublicEnv(t *testing.T) *publicEnv {
	t.Helper()
	e := &publicEnv{env: newEnv(t, moderationOff, withThreshold(3))}
	e.good = e.createProduct(t, "Good Tool")
	e.bad = e.createProduct(t, "Data Seller")
	e.few = e.createProduct(t, "Barely Reviewed")
	quiet := productBody("Quiet Product")
	quiet["category"], quiet["vendor"] = "planning", "Hush Ltd"
	quiet["description"] = "Suggests lesson sequences from a scheme of work."
	var p productJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: quiet}).json(t, &p)
	e.quiet = p.ID
	for range 3 {
		e.submit(t, e.good, e.reviewerToken(t), e.scoredBody("teacher", 4, nil))
	}
	e.submit(t, e.bad, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 0}))
	e.submit(t, e.bad, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 1}))
	e.submit(t, e.bad, e.reviewerToken(t), e.scoredBody("teacher", 3, nil))
	e.submit(t, e.bad, e.reviewerToken(t), e.scoredBody("leader", 3, nil))
	e.submit(t, e.bad, e.reviewerToken(t), e.scoredBody("specialist", 3, nil))
	e.submit(t, e.bad, e.reviewerToken(t), e.scoredBody("specialist", 3, nil))
	e.submit(t, e.few, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 0}))
	e.submit(t, e.few, e.reviewerToken(t), e.scoredBody("teacher", 3, map[string]int{"privacy.data-sale": 0}))
	return e
}

// assessmentOf reads a product's assessment from the API.
func (e *env) assessmentOf(t testing.TB, id, query string) assessmentJSON {
	t.Helper()
	var a assessmentJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + id + "/assessment" + query}).json(t, &a)
	return a
}

// seedProducts stores n products without reviews, with ids prefix-000…,
// through the store's bulk load.
func (e *env) seedProducts(t testing.TB, prefix string, n int) {
	t.Helper()
	var ps []*registry.Product
	for i := range n {
		p := demo.Products()[0]
		p.ID, p.Name, p.Vendor = fmt.Sprintf("%s-%03d", prefix, i), fmt.Sprintf("Seeded %s %03d", prefix, i), "Seed Vendor"
		p.Category, p.Description = "other", "A seeded product."
		ps = append(ps, p)
	}
	if _, err := e.store.Seed(context.Background(), ps, nil); err != nil {
		t.Fatal(err)
	}
}

// scoreText is a score as a page writes it.
func scoreText(s *float64) string {
	if s == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *s)
}

// riskWords are the English words of the risk levels.
var riskWords = map[string]string{"low": "Low risk", "medium": "Medium risk", "high": "High risk",
	"critical": "Critical risk", "insufficient": "Not enough reviews yet"}

var cardRE = regexp.MustCompile(`(?s)<li class="card">(.*?)</li>`)

// cards returns the text of each card of a list, keyed by its heading's
// text.
func (p *page) cards() map[string]string {
	out := map[string]string{}
	for _, m := range cardRE.FindAllStringSubmatch(p.Body, -1) {
		text := (&page{Body: m[1]}).text()
		h := regexp.MustCompile(`(?s)<h3>(.*?)</h3>`).FindStringSubmatch(m[1])
		if h == nil {
			continue
		}
		out[(&page{Body: h[1]}).text()] = text
	}
	return out
}

// linkNamed returns the href of the link whose text is text, or "".
func (p *page) linkNamed(text string) string {
	for _, m := range regexp.MustCompile(`(?s)<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>`).FindAllStringSubmatch(p.Body, -1) {
		if (&page{Body: m[2]}).text() == text {
			return html.UnescapeString(m[1])
		}
	}
	return ""
}

// noInlineStyle fails the test if a page has a style attribute, a style
// element or a script with a body.
func noInlineStyle(t testing.TB, p *page) {
	t.Helper()
	if regexp.MustCompile(`(?i)\sstyle\s*=|<style|<script[^>]*>[^<]`).MatchString(p.Body) {
		t.Errorf("the page has inline style or script")
	}
}

// oneH1 fails the test unless the page has exactly one h1.
func oneH1(t testing.TB, p *page) {
	t.Helper()
	if n := strings.Count(p.Body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
}

// welsh fails the test unless the page is in Welsh and says want.
func welsh(t testing.TB, p *page, want ...string) {
	t.Helper()
	if !strings.Contains(p.Body, `<html lang="cy">`) {
		t.Errorf("the page is not marked Welsh")
	}
	for _, w := range want {
		if !strings.Contains(p.text(), w) {
			t.Errorf("the Welsh page does not say %q", w)
		}
	}
}

func TestProductsPage(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	t.Run("ListWithRisks", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/")
		checkPageHeaders(t, p)
		noInlineStyle(t, p)
		oneH1(t, p)
		if !strings.Contains(p.Body, `aria-current="page">Products`) {
			t.Error("the products link is not the current one")
		}
		cards := p.cards()
		if len(cards) != 4 {
			t.Fatalf("cards %v", cards)
		}
		for name, id := range map[string]string{"Good Tool": e.good, "Data Seller": e.bad, "Barely Reviewed": e.few, "Quiet Product": e.quiet} {
			a := e.assessmentOf(t, id, "")
			card := cards[name]
			if !strings.Contains(card, riskWords[a.Overall.Risk]) {
				t.Errorf("%s: card %q lacks its risk %q", name, card, riskWords[a.Overall.Risk])
			}
			if a.Overall.Score != nil && !strings.Contains(card, "Score: "+scoreText(a.Overall.Score)+" out of 100") {
				t.Errorf("%s: card %q lacks its score %s", name, card, scoreText(a.Overall.Score))
			}
			if a.Overall.Score == nil && strings.Contains(card, "Score:") {
				t.Errorf("%s: card %q has a score", name, card)
			}
			if !strings.Contains(card, fmt.Sprintf("Reviews: %d", a.Reviews)) {
				t.Errorf("%s: card %q lacks its number of reviews", name, card)
			}
		}
		for _, class := range []string{"risk risk--low", "risk risk--critical", "risk risk--insufficient"} {
			if !strings.Contains(p.Body, `class="`+class+`"`) {
				t.Errorf("no %q", class)
			}
		}
		if !strings.Contains(cards["Good Tool"], "Score: 68.8 out of 100") {
			t.Errorf("good: %q", cards["Good Tool"])
		}
	})
	search := func(t *testing.T, query string, want ...string) *page {
		t.Helper()
		p := e.browser().mustGet(t, 200, "/"+query)
		var got []string
		for name := range p.cards() {
			got = append(got, name)
		}
		if strings.Join(sorted(got), ",") != strings.Join(sorted(want), ",") {
			t.Fatalf("%s: products %v, want %v", query, got, want)
		}
		return p
	}
	t.Run("SearchName", func(t *testing.T) { search(t, "?q=data+SELLER", "Data Seller") })
	t.Run("SearchVendor", func(t *testing.T) { search(t, "?q=hush", "Quiet Product") })
	t.Run("SearchDescription", func(t *testing.T) { search(t, "?q=lesson+sequences", "Quiet Product") })
	t.Run("SearchCategory", func(t *testing.T) { search(t, "?q=plann", "Quiet Product") })
	t.Run("FilterCategory", func(t *testing.T) {
		p := search(t, "?category=planning", "Quiet Product")
		if !strings.Contains(p.Body, `<option value="planning" selected>`) {
			t.Error("the category chosen is not selected")
		}
	})
	t.Run("FilterRisk", func(t *testing.T) {
		search(t, "?risk=critical", "Data Seller")
		search(t, "?risk=low", "Good Tool")
		p := search(t, "?risk=insufficient", "Barely Reviewed", "Quiet Product")
		if !strings.Contains(p.Body, `<option value="insufficient" selected>`) {
			t.Error("the risk chosen is not selected")
		}
	})
	t.Run("SearchAndFilters", func(t *testing.T) {
		search(t, "?q=tool&risk=low&category=tutoring", "Good Tool")
		search(t, "?q=tool&risk=critical")
	})
	t.Run("EmptySaysSo", func(t *testing.T) {
		p := search(t, "?q=no+such+thing")
		if !strings.Contains(p.text(), "No products match your search") {
			t.Errorf("empty results: %s", p.text())
		}
	})
	for name, tc := range map[string]struct{ query, id, msg string }{
		"Risk":     {"?risk=dreadful", "risk", "Choose a risk from the list"},
		"Category": {"?category=toaster", "category", "Choose a category from the list"},
		"LongText": {"?q=" + strings.Repeat("a", registry.MaxSearchLength+1), "q", "Search text must be 200 characters or fewer"},
		"NotText":  {"?q=%ff", "q", "Search text must be plain text"},
	} {
		t.Run("Invalid"+name, func(t *testing.T) {
			p := e.browser().mustGet(t, 422, "/"+tc.query)
			checkPageHeaders(t, p)
			if !strings.Contains(p.Body, `class="error-summary"`) || !strings.Contains(p.Body, `href="#`+tc.id+`"`) || !strings.Contains(p.text(), tc.msg) {
				t.Fatalf("no error summary linking #%s saying %q: %s", tc.id, tc.msg, p.text())
			}
			if !strings.Contains(p.Body, `id="`+tc.id+`-error"`) {
				t.Errorf("no message beside #%s", tc.id)
			}
		})
	}
	t.Run("BadCursor", func(t *testing.T) {
		p := e.browser().mustGet(t, 422, "/?cursor=forged")
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("Content-Type %q", ct)
		}
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy"
		p := b.mustGet(t, 200, "/")
		checkPageHeaders(t, p)
		welsh(t, p, "Cynhyrchion technoleg addysg AI", "Risg isel", "Risg gritigol", "Dim digon o adolygiadau eto", "Sgôr: 68.8 allan o 100", "Tiwtora")
	})
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestProductsPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff, withThreshold(3))
	// 130 products without reviews, then (last in id order) one with a
	// low risk: a risk filter has to look past the unreviewed ones.
	e.seedProducts(t, "bulk", 130)
	body := productBody("Zebra Tool")
	body["id"] = "zz-zebra"
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: body})
	for range 3 {
		e.submit(t, "zz-zebra", e.reviewerToken(t), e.scoredBody("teacher", 4, nil))
	}
	t.Run("NextPageKeepsFilters", func(t *testing.T) {
		b := e.browser()
		seen := map[string]bool{}
		p := b.mustGet(t, 200, "/?category=other&q=seeded")
		for pages := 1; ; pages++ {
			cards := p.cards()
			if len(cards) > productsPageSize {
				t.Fatalf("page %d has %d products", pages, len(cards))
			}
			for name := range cards {
				if seen[name] {
					t.Fatalf("%s listed twice", name)
				}
				seen[name] = true
			}
			next := p.linkNamed("Next page")
			if next == "" {
				break
			}
			if !strings.Contains(next, "category=other") || !strings.Contains(next, "q=seeded") || !strings.Contains(next, "cursor=") {
				t.Fatalf("next page %q does not keep the filters", next)
			}
			if pages > 1 && p.linkNamed("First page") == "" {
				t.Errorf("page %d has no link to the first", pages)
			}
			p = b.mustGet(t, 200, next)
		}
		if len(seen) != 130 {
			t.Fatalf("%d products listed, want 130", len(seen))
		}
	})
	t.Run("RiskFilterIsBounded", func(t *testing.T) {
		b := e.browser()
		p := b.mustGet(t, 200, "/?risk=low")
		if len(p.cards()) != 0 {
			t.Fatalf("cards %v", p.cards())
		}
		// One request looks at riskScanReads pages of products, says so,
		// and goes on from there.
		want := fmt.Sprintf("Products checked for this page: %d", riskScanReads*productsPageSize)
		if !strings.Contains(p.text(), want) || !strings.Contains(p.text(), "None of the products checked so far match") {
			t.Fatalf("the page does not say how far it looked: %s", p.text())
		}
		next := p.linkNamed("Next page")
		if !strings.Contains(next, "risk=low") {
			t.Fatalf("next %q", next)
		}
		p = b.mustGet(t, 200, next)
		if cards := p.cards(); len(cards) != 1 || !strings.Contains(cards["Zebra Tool"], "Low risk") {
			t.Fatalf("second page: %v", cards)
		}
		if p.linkNamed("Next page") != "" {
			t.Error("a next page after the last product")
		}
	})
}

// sameMonth is a month and year as a page writes it.
func monthText(t time.Time) string { return t.Format("January 2006") }
