package http

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
)

var (
	chartScoreRE = regexp.MustCompile(`<text class="chart__label chart__value"[^>]*data-score="([^"]*)">`)
	chartBarRE   = regexp.MustCompile(`<rect class="chart__bar chart__bar--([a-z]+)"`)
	tableScoreRE = regexp.MustCompile(`<td class="num" data-score="([^"]*)">`)
	svgRE        = regexp.MustCompile(`(?s)<svg [^>]*>.*?</svg>`)
)

// section returns the part of a page from the element with id to the next
// h2, or "".
func (p *page) section(id string) string {
	i := strings.Index(p.Body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := p.Body[i:]
	if j := strings.Index(rest[1:], "<h2"); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

// checkAssessmentShown fails the test unless the product page p shows the
// numbers of the JSON assessment a: overall risk and score, and each
// dimension's score and risk in the chart and in the table alike.
func checkAssessmentShown(t *testing.T, p *page, a assessmentJSON) {
	t.Helper()
	text := p.text()
	overall := "Overall: " + riskWords[a.Overall.Risk]
	if a.Overall.Score != nil {
		overall += " Score: " + scoreText(a.Overall.Score) + " out of 100"
	}
	if !strings.Contains(text, overall) {
		t.Errorf("the page does not say %q", overall)
	}
	if !strings.Contains(text, fmt.Sprintf("Published reviews this rests on: %d", a.Reviews)) {
		t.Errorf("the page does not give the number of reviews, %d", a.Reviews)
	}
	var want []string
	var risks []string
	for _, d := range a.Dimensions {
		want = append(want, scoreText(d.Score))
		risks = append(risks, d.Risk)
	}
	var chart, table, bars []string
	for _, m := range chartScoreRE.FindAllStringSubmatch(p.Body, -1) {
		chart = append(chart, m[1])
	}
	for _, m := range tableScoreRE.FindAllStringSubmatch(p.Body, -1) {
		table = append(table, m[1])
	}
	for _, m := range chartBarRE.FindAllStringSubmatch(p.Body, -1) {
		bars = append(bars, m[1])
	}
	if !slices.Equal(chart, want) || !slices.Equal(table, want) {
		t.Errorf("dimension scores: chart %v, table %v, JSON %v", chart, table, want)
	}
	if !slices.Equal(bars, risks) {
		t.Errorf("the bars' risks %v, the JSON's %v", bars, risks)
	}
	dims := p.section("dimensions")
	for _, d := range a.Dimensions {
		row := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(d.Title) + `</th>(.*?)</tr>`).FindStringSubmatch(dims)
		if row == nil {
			t.Errorf("no table row for %s", d.Title)
			continue
		}
		if rt := (&page{Body: row[1]}).text(); !strings.HasPrefix(rt, scoreText(d.Score)+" "+riskWords[d.Risk]) {
			t.Errorf("row %s = %q; JSON score %s risk %s", d.Title, rt, scoreText(d.Score), d.Risk)
		}
	}
	svg := svgRE.FindString(p.Body)
	if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `aria-labelledby="dimensions-chart-title"`) || !strings.Contains(svg, `<title id="dimensions-chart-title">`) {
		t.Errorf("the chart is not a named image: %.300s", svg)
	}
	for _, d := range a.Dimensions {
		if !strings.Contains(svg, d.Title+" "+scoreText(d.Score)+" ("+riskWords[d.Risk]+")") {
			t.Errorf("the chart's title does not give %s", d.Title)
		}
	}
}

func TestProductPage(t *testing.T) {
	t.Parallel()
	e := newPublicEnv(t)
	t.Run("Details", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/products/"+e.quiet)
		checkPageHeaders(t, p)
		noInlineStyle(t, p)
		oneH1(t, p)
		text := p.text()
		for _, want := range []string{"Quiet Product", "Vendor Hush Ltd", "Category Planning", "Suggests lesson sequences from a scheme of work."} {
			if !strings.Contains(text, want) {
				t.Errorf("the page does not say %q", want)
			}
		}
		if !strings.Contains(p.Body, `<a href="https://quietproduct.example" rel="noopener noreferrer">https://quietproduct.example</a>`) {
			t.Error("the website is not a plain link with rel=noopener noreferrer")
		}
		if !strings.Contains(p.Body, `aria-current="page">Products`) {
			t.Error("the products link is not the current one")
		}
		if got := p.linkNamed("Write a review"); got != "/products/"+e.quiet+"/review" {
			t.Errorf("write a review links to %q", got)
		}
		if !strings.Contains(text, "No reviews of this product have been published yet.") || !strings.Contains(text, "No red flags.") {
			t.Errorf("an unreviewed product: %s", text)
		}
	})
	t.Run("NumbersAreTheJSONs", func(t *testing.T) {
		for _, id := range []string{e.good, e.bad} {
			p := e.browser().mustGet(t, 200, "/products/"+id)
			checkAssessmentShown(t, p, e.assessmentOf(t, id, ""))
		}
	})
	t.Run("RedFlagsWithAsks", func(t *testing.T) {
		a := e.assessmentOf(t, e.bad, "")
		flags := e.browser().mustGet(t, 200, "/products/"+e.bad).cards()
		n := 0
		for _, d := range a.Dimensions {
			for _, f := range d.Flags {
				n++
				card, ok := flags[f.Title]
				if !ok {
					t.Errorf("flag %s is not shown; cards %v", f.Title, flags)
					continue
				}
				for _, want := range []string{riskWords[f.Severity], d.Title, "Ask: " + f.Ask, fmt.Sprintf("level: %d%%", int(f.Share*100+0.5))} {
					if !strings.Contains(card, want) {
						t.Errorf("flag card %q lacks %q", card, want)
					}
				}
			}
		}
		if n == 0 {
			t.Fatal("the fixture has no flag")
		}
	})
	t.Run("InsufficientExplained", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/products/"+e.few)
		text := p.text()
		for _, want := range []string{"Not enough reviews yet", "Why no scores are shown yet", "Reviews needed for a grade: 3. Published reviews so far: 2.", "Provisional"} {
			if !strings.Contains(text, want) {
				t.Errorf("the page does not say %q", want)
			}
		}
		if strings.Contains(p.Body, "<svg") || strings.Contains(p.Body, "data-score") {
			t.Error("scores are drawn for a product without a grade")
		}
	})
	t.Run("SuppressedGroupsSaidInWords", func(t *testing.T) {
		a := e.assessmentOf(t, e.bad, "")
		p := e.browser().mustGet(t, 200, "/products/"+e.bad)
		voices := p.section("voices")
		labels := map[string]string{"teacher": "Teacher", "support-staff": "Support staff", "leader": "School or college leader", "specialist": "Specialist", "lecturer": "Lecturer"}
		for _, b := range a.Breakdowns["role"] {
			row := regexp.MustCompile(`(?s)<th scope="row">` + labels[b.Key] + `</th>(.*?)</tr>`).FindStringSubmatch(voices)
			if row == nil {
				t.Fatalf("no row for %s", b.Key)
			}
			rt := (&page{Body: row[1]}).text()
			if b.Suppressed != (rt == "Too few reviewers in this group to show") {
				t.Errorf("%s: suppressed %v, row %q", b.Key, b.Suppressed, rt)
			}
			if !b.Suppressed {
				want := fmt.Sprint(b.Reviews)
				for _, d := range b.Dimensions {
					want += " " + scoreText(d.Score) + " " + riskWords[d.Risk]
				}
				if rt != want {
					t.Errorf("%s: row %q, JSON %q", b.Key, rt, want)
				}
			}
		}
		if !strings.Contains(voices, "By phase") || !strings.Contains(voices, "By nation") {
			t.Error("the phase and nation breakdowns are missing")
		}
	})
	t.Run("Filtered", func(t *testing.T) {
		p := e.browser().mustGet(t, 200, "/products/"+e.bad+"?role=teacher")
		checkAssessmentShown(t, p, e.assessmentOf(t, e.bad, "?role=teacher"))
		if !strings.Contains(p.text(), "Showing one group of reviewers: Teacher.") || !strings.Contains(p.Body, `<option value="teacher" selected>`) {
			t.Error("the page does not say which group it shows")
		}
		if got := p.linkNamed("The assessment as a workbook (.xlsx)"); !strings.Contains(got, "role=teacher") {
			t.Errorf("the workbook %q is not the group's", got)
		}
	})
	t.Run("FilteredSuppressed", func(t *testing.T) {
		if a := e.assessmentOf(t, e.bad, "?role=leader"); !a.Suppressed {
			t.Fatal("the fixture's leader is not suppressed")
		}
		p := e.browser().mustGet(t, 200, "/products/"+e.bad+"?role=leader")
		text := p.text()
		if !strings.Contains(text, "Too few reviewers in this group to show") || strings.Contains(p.Body, "<svg") || strings.Contains(text, "Published reviews this rests on") {
			t.Errorf("a suppressed group shows something: %s", text)
		}
		if strings.Contains(p.section("flags"), `class="card"`) {
			t.Error("a suppressed group's flags are shown")
		}
	})
	for name, tc := range map[string]struct{ query, id, msg string }{
		"TwoGroups": {"?role=teacher&phase=primary", "filter-role", "Choose only one of role, phase and nation"},
		"BadNation": {"?nation=france", "filter-nation", "Choose a nation from the list"},
	} {
		t.Run("FilterInvalid/"+name, func(t *testing.T) {
			p := e.browser().mustGet(t, 422, "/products/"+e.bad+tc.query)
			checkPageHeaders(t, p)
			if !strings.Contains(p.Body, `href="#`+tc.id+`"`) || !strings.Contains(p.Body, `id="`+tc.id+`-error"`) || !strings.Contains(p.text(), tc.msg) {
				t.Fatalf("no error summary for #%s saying %q: %s", tc.id, tc.msg, p.text())
			}
			// Every reviewer's numbers are shown meanwhile.
			checkAssessmentShown(t, p, e.assessmentOf(t, e.bad, ""))
		})
	}
	t.Run("UnknownRubricVersion", func(t *testing.T) {
		e.browser().mustGet(t, 422, "/products/"+e.bad+"?rubricVersion=9")
	})
	t.Run("NotFound", func(t *testing.T) {
		p := e.browser().mustGet(t, 404, "/products/no-such-product")
		checkPageHeaders(t, p)
		if !strings.Contains(p.text(), "Page not found") {
			t.Errorf("not the error page: %s", p.text())
		}
	})
	t.Run("Downloads", func(t *testing.T) {
		for _, lang := range []string{"en", "cy"} {
			b := e.browser()
			b.lang = lang
			p := b.mustGet(t, 200, "/products/"+e.bad)
			wb, form := p.linkNamed("The assessment as a workbook (.xlsx)"), p.linkNamed("The review form to fill in offline (.xlsx)")
			if lang == "cy" {
				wb, form = p.linkNamed("Yr asesiad fel llyfr gwaith (.xlsx)"), p.linkNamed("Y ffurflen adolygu i'w llenwi all-lein (.xlsx)")
			}
			wantWB := "/api/v1/products/" + e.bad + "/assessment.xlsx"
			wantForm := "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?product=" + e.bad
			if lang == "cy" {
				wantWB += "?lang=cy"
				wantForm = "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?lang=cy&product=" + e.bad
			}
			if wb != wantWB || form != wantForm {
				t.Fatalf("%s: links %q and %q, want %q and %q", lang, wb, form, wantWB, wantForm)
			}
			for _, link := range []string{wb, form} {
				r := e.must(t, 200, request{Method: "GET", Path: link})
				if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
					t.Errorf("%s: Content-Type %q", link, ct)
				}
			}
		}
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.browser()
		b.lang = "cy"
		p := b.mustGet(t, 200, "/products/"+e.bad)
		checkPageHeaders(t, p)
		welsh(t, p, "Asesiad", "Risg gritigol", "Baneri coch", "Lleisiau fesul rôl, cyfnod a gwlad", "Rhy ychydig o adolygwyr yn y grŵp hwn i'w dangos", "Ysgrifennu adolygiad")
		few := b.mustGet(t, 200, "/products/"+e.few)
		welsh(t, few, "Pam nad oes sgorau i'w gweld eto")
	})
}

// TestProductPageReviews checks the published reviews a product's page
// lists: the API's entries, paged as the API pages them, anonymised.
func TestProductPageReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff, withThreshold(3))
	// 25 published reviews through the store's bulk load (two pages).
	p := demo.Products()[0]
	p.ID, p.Name = "busy-tool", "Busy Tool"
	reviews := demo.Reviews(e.rubric, []*registry.Product{p}, func(int) int { return 25 }, 1, time.Now())
	if _, err := e.store.Seed(context.Background(), []*registry.Product{p}, reviews); err != nil {
		t.Fatal(err)
	}
	// Three reviewers with accounts, handles and named tokens review
	// another product through the API.
	quiet := e.createProduct(t, "Small Tool")
	var members []member
	for i := range 3 {
		m := e.newMember(t, fmt.Sprintf("reviewer-handle-%d", i), fmt.Sprintf("laptop-token-%d", i))
		body := e.reviewBody(3)
		body["summary"] = fmt.Sprintf("Summary number %d of a member.", i)
		answers(body)[0]["comment"] = fmt.Sprintf("A comment by member %d.", i)
		e.submit(t, quiet, m.token, body)
		members = append(members, m)
	}
	idsOf := func(p *page) []string {
		var ids []string
		for _, m := range regexp.MustCompile(`Reference: ([A-Za-z0-9_-]+)`).FindAllStringSubmatch(p.text(), -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	t.Run("PagedAsTheAPI", func(t *testing.T) {
		var api struct {
			Items      []publicReviewJSON `json:"items"`
			NextCursor *string            `json:"nextCursor"`
		}
		b := e.browser()
		pg := b.mustGet(t, 200, "/products/busy-tool")
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/busy-tool/reviews"}).json(t, &api)
		var want []string
		for _, it := range api.Items {
			want = append(want, it.ID)
		}
		if got := idsOf(pg); len(got) != reviewsPageSize || !slices.Equal(got, want) {
			t.Fatalf("first page %v, API %v", got, want)
		}
		for _, it := range api.Items {
			if !strings.Contains(pg.text(), it.Summary) {
				t.Errorf("the page lacks the summary %q", it.Summary)
			}
		}
		next := pg.linkNamed("Next page")
		if !strings.Contains(next, "cursor=") || !strings.HasSuffix(next, "#reviews") {
			t.Fatalf("next page %q", next)
		}
		pg2 := b.mustGet(t, 200, next)
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/busy-tool/reviews?cursor=" + url.QueryEscape(*api.NextCursor)}).json(t, &api)
		want = want[:0]
		for _, it := range api.Items {
			want = append(want, it.ID)
		}
		if got := idsOf(pg2); len(got) == 0 || !slices.Equal(got, want) {
			t.Fatalf("second page %v, API %v", got, want)
		}
		if pg2.linkNamed("Next page") != "" || pg2.linkNamed("First page") == "" {
			t.Error("the last page's links")
		}
	})
	t.Run("Anonymised", func(t *testing.T) {
		pg := e.browser().mustGet(t, 200, "/products/"+quiet)
		text := pg.text()
		for i := range members {
			if !strings.Contains(text, fmt.Sprintf("Summary number %d of a member.", i)) || !strings.Contains(text, fmt.Sprintf("A comment by member %d.", i)) {
				t.Fatalf("review %d is not listed: %s", i, text)
			}
		}
		now := time.Now().UTC()
		if !strings.Contains(text, "Published: "+monthText(now)) {
			t.Errorf("no release month %q", monthText(now))
		}
		var leaks []string
		for _, m := range members {
			leaks = append(leaks, m.handle, "laptop-token")
		}
		// Exact dates, in the forms a page or the JSON would write them,
		// and the reviewer context the public never sees.
		leaks = append(leaks, now.Format("2006-01-02"), now.Format("2 January 2006"), now.Format("January 2, 2006"), now.Format("15:04"),
			"maths", "maintained", "weekly")
		if found := hasAny(pg.Body, leaks...); len(found) > 0 {
			t.Errorf("the page shows %v", found)
		}
		// Only what the public listing holds: no per-criterion scores.
		if strings.Contains(pg.section("reviews"), "data-score") {
			t.Error("a review shows scores")
		}
	})
}
