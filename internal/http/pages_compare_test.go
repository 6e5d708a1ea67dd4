package http

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// compareCell returns the text of a compare table's cell of a row for a
// product (cells that name their product with data-product).
func compareCell(p *page, row, product string) string {
	re := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(row) + `</th>(.*?)</tr>`)
	m := re.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	c := regexp.MustCompile(`(?s)<td[^>]*data-product="` + regexp.QuoteMeta(product) + `"[^>]*>(.*?)</td>`).FindStringSubmatch(m[1])
	if c == nil {
		return ""
	}
	return (&page{Body: c[1]}).text()
}

// checked reports whether the compare form's checkbox for product is
// ticked, and whether there is one.
func checked(p *page, product string) (ticked, offered bool) {
	m := regexp.MustCompile(`<input type="checkbox" id="[^"]*" name="products" value="` + regexp.QuoteMeta(product) + `"( checked)?>`).FindStringSubmatch(p.Body)
	if m == nil {
		return false, false
	}
	return m[1] != "", true
}

func TestComparePage(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	t.Run("Form", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/compare")
		checkPageHeaders(t, p)
		noInlineStyle(t, p)
		oneH1(t, p)
		if strings.Contains(p.Body, "error-summary") || strings.Contains(p.Body, `id="comparison"`) {
			t.Error("an empty form shows an error or a comparison")
		}
		for _, id := range []string{e.good, e.bad, e.few, e.quiet} {
			if ticked, offered := checked(p, id); !offered || ticked {
				t.Errorf("%s: offered %v ticked %v", id, offered, ticked)
			}
		}
		if !strings.Contains(p.Body, `<form method="get" action="/compare#comparison">`) || !strings.Contains(p.Body, `aria-current="page">Compare`) {
			t.Error("not a GET form, or compare is not the current link")
		}
		if !strings.Contains(p.Body, `<legend>Products to compare</legend>`) || !strings.Contains(p.Body, `<label for="products">`) {
			t.Error("the checkboxes have no legend or labels")
		}
	})
	t.Run("SideBySide", func(t *testing.T) {
		var api comparisonJSON
		e.must(t, 200, request{Method: "GET", Path: fmt.Sprintf("/api/v1/compare?products=%s,%s,%s", e.bad, e.good, e.few)}).json(t, &api)
		p := e.browser().mustGet(t, 200, fmt.Sprintf("/compare?products=%s&products=%s&products=%s", e.bad, e.good, e.few))
		checkPageHeaders(t, p)
		noInlineStyle(t, p)
		text := p.text()
		for _, cp := range api.Products {
			if got, want := compareCell(p, "Overall risk", cp.ProductID), riskWords[cp.Overall.Risk]; got != want {
				t.Errorf("%s: overall risk %q, JSON %q", cp.ProductID, got, want)
			}
			if got, want := compareCell(p, "Overall score", cp.ProductID), scoreText(cp.Overall.Score); got != want {
				t.Errorf("%s: overall score %q, JSON %q", cp.ProductID, got, want)
			}
			if ticked, _ := checked(p, cp.ProductID); !ticked {
				t.Errorf("%s is not ticked", cp.ProductID)
			}
			for _, f := range cp.Flags {
				if !strings.Contains(text, f.Title) || !strings.Contains(text, "Ask: "+f.Ask) {
					t.Errorf("%s: flag %s or its ask is missing", cp.ProductID, f.Criterion)
				}
			}
		}
		// Each dimension's row: the products' scores and risks in order.
		for i, d := range api.Products[0].Dimensions {
			row := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(d.Title) + `</th>(.*?)</tr>`).FindStringSubmatch(p.Body)
			if row == nil {
				t.Fatalf("no row for %s", d.Title)
			}
			var want []string
			for _, cp := range api.Products {
				cd := cp.Dimensions[i]
				cell := riskWords[cd.Risk]
				if cd.Score != nil {
					cell = scoreText(cd.Score) + " " + cell
				}
				want = append(want, cell)
			}
			if got := (&page{Body: row[1]}).text(); got != strings.Join(want, " ") {
				t.Errorf("row %s = %q, JSON %q", d.Title, got, strings.Join(want, " "))
			}
		}
		// Beside a comparison the form offers the chosen products only,
		// until it is asked for others.
		if _, offered := checked(p, e.quiet); offered || !strings.Contains(text, "To add other products, use Find") {
			t.Error("other products are offered beside a comparison")
		}
		found := e.browser().mustGet(t, 200, fmt.Sprintf("/compare?products=%s&products=%s&find=1", e.bad, e.good))
		if _, offered := checked(found, e.quiet); !offered {
			t.Error("Find does not offer the other products")
		}
		if ticked, _ := checked(found, e.bad); !ticked {
			t.Error("Find unticks the chosen products")
		}
		pack := p.linkNamed("The comparison pack (.xlsx)")
		want := "/api/v1/compare.xlsx?products=" + url.QueryEscape(e.bad+","+e.good+","+e.few)
		if pack != want {
			t.Fatalf("pack %q, want %q", pack, want)
		}
		if ct := e.must(t, 200, request{Method: "GET", Path: pack}).Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
			t.Errorf("pack Content-Type %q", ct)
		}
	})
	t.Run("CommaSeparated", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/compare?products="+e.good+","+e.bad)
		if compareCell(p, "Overall risk", e.bad) != "Critical risk" || compareCell(p, "Overall risk", e.good) != "Low risk" {
			t.Fatalf("not compared: %s", p.text())
		}
	})
	t.Run("Filtered", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, fmt.Sprintf("/compare?products=%s&products=%s&role=leader", e.bad, e.good))
		for _, id := range []string{e.bad, e.good} {
			if got := compareCell(p, "Overall risk", id); got != "Too few reviewers in this group to show" {
				t.Errorf("%s: %q", id, got)
			}
		}
		if !strings.Contains(p.text(), "Showing one group of reviewers: School or college leader.") || !strings.Contains(p.Body, `<option value="leader" selected>`) {
			t.Error("the page does not say which group it shows")
		}
		pack := p.linkNamed("The comparison pack (.xlsx)")
		if !strings.Contains(pack, "role=leader") {
			t.Fatalf("pack %q without the filter", pack)
		}
		e.must(t, 200, request{Method: "GET", Path: pack})
		teachers := e.browser().mustGet(t, 200, fmt.Sprintf("/compare?products=%s&products=%s&role=teacher", e.bad, e.good))
		var api comparisonJSON
		e.must(t, 200, request{Method: "GET", Path: fmt.Sprintf("/api/v1/compare?products=%s,%s&role=teacher", e.bad, e.good)}).json(t, &api)
		for _, cp := range api.Products {
			if got := compareCell(teachers, "Overall score", cp.ProductID); got != scoreText(cp.Overall.Score) {
				t.Errorf("teachers: %s score %q, JSON %s", cp.ProductID, got, scoreText(cp.Overall.Score))
			}
		}
	})
	many := make([]string, 21)
	for i := range many {
		many[i] = "products=p" + fmt.Sprint(i)
	}
	for name, tc := range map[string]struct {
		query, id, msg string
		ticked         []string
	}{
		"One":       {"products=" + e.good + "&compare=1", "products", "Tick more products: the fewest you can compare is 2", []string{e.good}},
		"None":      {"compare=1", "products", "Tick more products", nil},
		"TooMany":   {strings.Join(many, "&"), "products", "you can compare 20 at most. Ticked: 21", nil},
		"Unknown":   {"products=" + e.good + "&products=ghost-product", "products", "These products are not in the registry: ghost-product", []string{e.good}},
		"TwoGroups": {"products=" + e.good + "&products=" + e.bad + "&role=teacher&nation=wales", "filter-role", "Choose only one of role, phase and nation", []string{e.good, e.bad}},
	} {
		t.Run("Error/"+name, func(t *testing.T) {
			p := e.browser().mustGet(t, 422, "/compare?"+tc.query)
			checkPageHeaders(t, p)
			if !strings.Contains(p.Body, `class="error-summary"`) || !strings.Contains(p.Body, `href="#`+tc.id+`"`) || !strings.Contains(p.text(), tc.msg) {
				t.Fatalf("no error summary for #%s saying %q: %s", tc.id, tc.msg, p.text())
			}
			if !strings.Contains(p.Body, `id="`+tc.id+`-error"`) || !strings.Contains(p.Body, "form-group--error") {
				t.Error("the message is not beside its input")
			}
			if strings.Contains(p.Body, `id="comparison"`) {
				t.Error("a comparison is shown with an error")
			}
			for _, id := range tc.ticked {
				if ticked, _ := checked(p, id); !ticked {
					t.Errorf("%s is no longer ticked", id)
				}
			}
			if _, offered := checked(p, "ghost-product"); offered {
				t.Error("an unknown product is offered")
			}
		})
	}
	t.Run("FindKeepsTicked", func(t *testing.T) {
		// Narrowing the list with one product ticked is not an error, and
		// keeps it ticked though the search does not find it.
		p := e.browser().mustGet(t, 200, "/compare?q=quiet&find=1&products="+e.bad)
		if ticked, _ := checked(p, e.bad); !ticked {
			t.Error("the ticked product is gone")
		}
		if _, offered := checked(p, e.good); offered {
			t.Error("the search does not narrow the list")
		}
		if _, offered := checked(p, e.quiet); !offered {
			t.Error("the search's product is not offered")
		}
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy"
		p := b.mustGet(t, 200, fmt.Sprintf("/compare?products=%s&products=%s", e.bad, e.good))
		checkPageHeaders(t, p)
		welsh(t, p, "Cymharu cynhyrchion", "Ochr yn ochr", "Risg gritigol", "Y pecyn cymharu (.xlsx)")
		pack := p.linkNamed("Y pecyn cymharu (.xlsx)")
		if !strings.Contains(pack, "lang=cy") {
			t.Errorf("Welsh pack link %q", pack)
		}
		e.must(t, 200, request{Method: "GET", Path: pack})
		errp := b.mustGet(t, 422, "/compare?compare=1")
		welsh(t, errp, "Mae problem wedi codi", "Ticiwch ragor o gynhyrchion")
	})
}

// TestComparePageMore offers products a page at a time, keeping the ticked
// ones.
func TestComparePageMore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedProducts(t, "many", compareChoices+5)
	b := e.browser()
	p := b.mustGet(t, 200, "/compare?find=1&products=many-003&products=many-104")
	if ticked, _ := checked(p, "many-104"); !ticked {
		t.Fatal("a ticked product beyond the first offered is not kept")
	}
	m := regexp.MustCompile(`<button type="submit" class="button--secondary" name="after" value="([^"]+)">Show more products</button>`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no button to offer more products")
	}
	more := b.mustGet(t, 200, "/compare?products=many-003&after="+url.QueryEscape(m[1]))
	if _, offered := checked(more, "many-101"); !offered {
		t.Error("the next products are not offered")
	}
	if ticked, _ := checked(more, "many-003"); !ticked {
		t.Error("the ticked product is not kept")
	}
}
