package http

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/registry"
)

// The attacks of docs/anonymity.md, run from public reads alone: an
// employer who knows its staff's roles, phases and nations, reads every
// public output and polls it. The attacker code below reads whatever the
// public API offers (it looks for scores and reviewer context in every
// listing entry), so a public output that starts to carry them again makes
// these tests fail.

// publicEntry is what the attacker can extract from one listing entry.
type publicEntry struct {
	ID      string
	Context string // whatever reviewer context the entry shows, "" if none
	Vector  []int  // per criterion: levels 0..4, unknown, na; nil if no scores shown
}

// attacker reads public outputs only: it never sends a token.
type attacker struct {
	e *env
}

// listing reads every page of a product's public listing.
func (a attacker) listing(t testing.TB, pid string) []map[string]any {
	t.Helper()
	var all []map[string]any
	cursor := ""
	for range 1000 {
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"nextCursor"`
		}
		a.e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/reviews?limit=100" + cursor}).json(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	t.Fatal("the listing never ends")
	return nil
}

// entries extracts per-review scores and context wherever the listing
// shows them.
func (a attacker) entries(t testing.TB, pid string, criteria []string) []publicEntry {
	var out []publicEntry
	for _, it := range a.listing(t, pid) {
		pe := publicEntry{ID: fmt.Sprint(it["id"])}
		if ctx, ok := it["reviewer"].(map[string]any); ok && len(ctx) > 0 {
			b, _ := json.Marshal(ctx)
			pe.Context = string(b)
		}
		if answers, ok := it["answers"].([]any); ok {
			vec := make([]int, len(criteria)*7)
			scored := false
			for _, raw := range answers {
				ans, _ := raw.(map[string]any)
				i := slices.Index(criteria, fmt.Sprint(ans["criterion"]))
				if i < 0 {
					continue
				}
				switch {
				case ans["score"] != nil:
					vec[i*7+int(ans["score"].(float64))]++
					scored = true
				case ans["unknown"] == true:
					vec[i*7+5]++
					scored = true
				case ans["na"] == true:
					vec[i*7+6]++
					scored = true
				}
			}
			if scored {
				pe.Vector = vec
			}
		}
		out = append(out, pe)
	}
	return out
}

// groupVector reads a filtered assessment and returns its answer counts per
// criterion and its number of reviews; ok is false when it is suppressed.
func (a attacker) groupVector(t testing.TB, pid, kind, value string, criteria []string) (vec []int, n int, ok bool) {
	var as assessmentJSON
	a.e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment?" + kind + "=" + value}).json(t, &as)
	if as.Suppressed {
		return nil, 0, false
	}
	vec = make([]int, len(criteria)*7)
	for _, c := range as.Criteria {
		i := slices.Index(criteria, c.ID)
		copy(vec[i*7:], c.Distribution)
		vec[i*7+5], vec[i*7+6] = c.Unknown, c.NA
	}
	return vec, as.Reviews, true
}

// pin is a group the linkage attack matched to exactly one set of listed
// reviews.
type pin struct {
	Group   string
	Reviews []string
}

// linkage is the subset-matching attack; candidates counts the public
// filtered groups it aims at. For every filtered assessment the API shows, it looks for the sets of listed reviews whose answers add
// up to that group's answer counts. A group matched by exactly one set is
// pinned: the attacker then knows which reviews (and so which texts) are
// in it, and by intersecting pinned groups, small hidden ones.
func (a attacker) linkage(t testing.TB, pid string) (pins []pin, candidates int) {
	criteria := a.e.criterionIDs()
	listed := a.entries(t, pid, criteria)
	var vecs []publicEntry
	for _, pe := range listed {
		if pe.Vector != nil {
			vecs = append(vecs, pe)
		}
	}
	for _, kind := range registry.GroupKinds {
		for _, value := range groupValues(kind) {
			target, n, ok := a.groupVector(t, pid, kind, value, criteria)
			if !ok || n == 0 {
				continue
			}
			candidates++
			if len(vecs) <= n { // nothing to match, or a group of everyone listed: it tells nothing
				continue
			}
			if sets := matchSubsets(vecs, target, n, 2); len(sets) == 1 {
				pins = append(pins, pin{Group: kind + "=" + value, Reviews: sets[0]})
			}
		}
	}
	return pins, candidates
}

func groupValues(kind string) []string {
	switch kind {
	case registry.GroupRole:
		return registry.ReviewerRoles
	case registry.GroupPhase:
		return registry.Phases
	}
	return registry.Nations
}

// matchSubsets finds up to max sets of n entries whose vectors sum to
// target, by depth-first search pruned on any count going negative.
func matchSubsets(entries []publicEntry, target []int, n, max int) [][]string {
	var found [][]string
	rest := slices.Clone(target)
	var chosen []string
	var walk func(from int)
	walk = func(from int) {
		if len(found) >= max {
			return
		}
		if len(chosen) == n {
			if !slices.ContainsFunc(rest, func(v int) bool { return v != 0 }) {
				found = append(found, slices.Clone(chosen))
			}
			return
		}
		for i := from; i <= len(entries)-(n-len(chosen)); i++ {
			v := entries[i].Vector
			ok := true
			for j, x := range v {
				if rest[j] -= x; rest[j] < 0 {
					ok = false
				}
			}
			if ok {
				chosen = append(chosen, entries[i].ID)
				walk(i + 1)
				chosen = chosen[:len(chosen)-1]
			}
			for j, x := range v {
				rest[j] += x
			}
		}
	}
	walk(0)
	return found
}

// view is every public output about a product, as text: the listing, its
// assessment unfiltered and under every filter, and its column of a
// comparison with another product; and every public page about it
// (pageView), in English and Welsh.
func (a attacker) view(t testing.TB, pid, other string) map[string]string {
	t.Helper()
	out := map[string]string{}
	get := func(path string) string {
		return string(a.e.must(t, 200, request{Method: "GET", Path: path}).Body)
	}
	b, _ := json.Marshal(a.listing(t, pid))
	out["listing"] = string(b)
	out["assessment"] = get("/api/v1/products/" + pid + "/assessment")
	for _, kind := range registry.GroupKinds {
		for _, value := range groupValues(kind) {
			out[kind+"="+value] = get("/api/v1/products/" + pid + "/assessment?" + kind + "=" + value)
			var cmp comparisonJSON
			a.e.must(t, 200, request{Method: "GET", Path: "/api/v1/compare?products=" + pid + "," + other + "&" + kind + "=" + value}).json(t, &cmp)
			b, _ := json.Marshal(cmp.Products[0])
			out["compare "+kind+"="+value] = string(b) + fmt.Sprint(cmp.LeftOut)
		}
	}
	var cmp comparisonJSON
	a.e.must(t, 200, request{Method: "GET", Path: "/api/v1/compare?products=" + pid + "," + other}).json(t, &cmp)
	b, _ = json.Marshal(cmp.Products[0])
	out["compare"] = string(b) + fmt.Sprint(cmp.LeftOut)
	a.pageView(t, pid, other, out)
	return out
}

// diff names the public outputs that differ between two views.
func diff(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (e *env) criterionIDs() []string {
	var ids []string
	for _, c := range e.rubric.Criteria() {
		ids = append(ids, c.ID)
	}
	return ids
}

// contextBody is a review with the given context and a score pattern that
// differs from review to review (seed), as real answers do.
func (e *env) contextBody(role, phase, nation string, seed int) map[string]any {
	b := e.reviewBody(2)
	b["reviewer"] = map[string]any{"role": role, "phase": phase, "nation": nation}
	x := uint32(seed)*2654435761 + 1
	for _, a := range answers(b) {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		a["score"] = int(x % 5)
	}
	b["summary"] = fmt.Sprintf("Review number %d of this product, in the reviewer's own words.", seed)
	return b
}

// TestLinkageAttack is the scenario of docs/anonymity.md: 6 teachers (5
// primary, 1 secondary) and 6 leaders (5 secondary, 1 primary). Filtered
// assessments by phase are shown (6 each); if the listing carried each
// review's answers, matching subsets of them against the phase counts
// would single out the secondary teacher and the primary leader.
func TestLinkageAttack(t *testing.T) {
	for _, moderation := range []bool{false, true} {
		t.Run(fmt.Sprintf("Moderation=%v", moderation), func(t *testing.T) {
			t.Parallel()
			var e *env
			if moderation {
				e = newEnv(t)
			} else {
				e = newEnv(t, moderationOff)
			}
			pid := e.createProduct(t, "Linkage Target")
			seed := 0
			for _, g := range []struct {
				n           int
				role, phase string
			}{{5, "teacher", "primary"}, {1, "teacher", "secondary"}, {5, "leader", "secondary"}, {1, "leader", "primary"}} {
				for range g.n {
					seed++
					id := e.submit(t, pid, e.reviewerToken(t), e.contextBody(g.role, g.phase, "england", seed))
					if moderation {
						e.publish(t, id)
					}
				}
			}
			a := attacker{e: e}
			var as assessmentJSON
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment?phase=secondary"}).json(t, &as)
			if as.Suppressed {
				t.Fatal("the secondary group should be public: the attack needs a target")
			}
			pins, candidates := a.linkage(t, pid)
			if candidates == 0 {
				t.Fatal("no filtered group is public: the attack has nothing to aim at")
			}
			if len(pins) > 0 {
				t.Errorf("the linkage attack pinned %d group(s) to listed reviews: %+v", len(pins), pins)
			}
			for _, pe := range a.entries(t, pid, e.criterionIDs()) {
				if pe.Vector != nil || pe.Context != "" {
					t.Errorf("listing entry %s shows scores (%v) or reviewer context (%q)", pe.ID, pe.Vector != nil, pe.Context)
				}
			}
			// The product page shows exactly the public entries: nothing
			// the attack could match.
			a.checkPageEntries(t, pid)
		})
	}
}

// TestLinkageAttackFindsPlantedVectors shows the attack is real: given the
// answer vectors the listing used to show, it pins the hidden groups.
func TestLinkageAttackFindsPlantedVectors(t *testing.T) {
	t.Parallel()
	// Two criteria, three reviews a, b, c; the group {a, c} has counts
	// that only a and c together make.
	vec := func(s1, s2 int) []int {
		v := make([]int, 14)
		v[s1]++
		v[7+s2]++
		return v
	}
	entries := []publicEntry{{ID: "a", Vector: vec(0, 1)}, {ID: "b", Vector: vec(1, 1)}, {ID: "c", Vector: vec(2, 3)}}
	target := make([]int, 14)
	for _, pe := range []publicEntry{entries[0], entries[2]} {
		for i, x := range pe.Vector {
			target[i] += x
		}
	}
	sets := matchSubsets(entries, target, 2, 2)
	if len(sets) != 1 || strings.Join(sets[0], ",") != "a,c" {
		t.Fatalf("matchSubsets = %v, want exactly [[a c]]", sets)
	}
	entries = append(entries, publicEntry{ID: "d", Vector: vec(0, 1)}) // a twin of a: two matches
	if sets := matchSubsets(entries, target, 2, 2); len(sets) != 2 {
		t.Fatalf("with a twin, matchSubsets = %v, want 2 sets", sets)
	}
}

// author is one reviewer's token and the review they wrote.
type author struct {
	token, review string
}

// publishNew submits a review as a new reviewer and, with moderation on,
// publishes it as the moderator.
func (e *env) publishNew(t testing.TB, product string, moderation bool, body map[string]any) author {
	t.Helper()
	tok := e.reviewerToken(t)
	id := e.submit(t, product, tok, body)
	if moderation {
		e.publish(t, id)
	}
	return author{token: tok, review: id}
}

// publication reads where a review stands, as its author.
func (e *env) publication(t testing.TB, a author) publicationJSON {
	t.Helper()
	var r moderatedReviewJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + a.review, Token: a.token}).json(t, &r)
	if r.Publication == nil {
		t.Fatalf("review %s: no publication standing", a.review)
	}
	return *r.Publication
}

// listedIDs returns the ids of a product's public listing, in order.
func (a attacker) listedIDs(t testing.TB, pid string) []string {
	var ids []string
	for _, it := range a.listing(t, pid) {
		ids = append(ids, fmt.Sprint(it["id"]))
	}
	return ids
}

// TestDifferencingAttack is the polling attacker of docs/anonymity.md: it
// snapshots every public output about a product before and after each
// publication. Into a product whose breakdowns are shown, one review (a
// group of one: the only specialist) is published, then up to k−1 more:
// after each, every public number and the listing are unchanged. The k-th
// makes the release: all k appear together, in the order of their random
// ids, dated by the release's month. A withdrawal leaves the listing at
// once and the statistics only with the next release.
func TestDifferencingAttack(t *testing.T) {
	for _, moderation := range []bool{true, false} {
		t.Run(fmt.Sprintf("Moderation=%v", moderation), func(t *testing.T) {
			t.Parallel()
			var e *env
			if moderation {
				e = newEnv(t)
			} else {
				e = newEnv(t, moderationOff)
			}
			k := e.store.Threshold()
			pid := e.createProduct(t, "Differencing Target")
			other := e.createProduct(t, "Comparison Partner")
			a := attacker{e: e}
			var base []author
			for i := range 2 * k {
				role, phase, nation := "teacher", "primary", "england"
				if i%2 == 1 {
					role, phase, nation = "leader", "secondary", "wales"
				}
				base = append(base, e.publishNew(t, pid, moderation, e.contextBody(role, phase, nation, i+1)))
			}
			var as assessmentJSON
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &as)
			if as.Reviews != 2*k || as.Breakdowns["role"][0].Suppressed {
				t.Fatalf("setup: %d public reviews (want %d) and the teacher cell suppressed=%v", as.Reviews, 2*k, as.Breakdowns["role"][0].Suppressed)
			}
			for _, au := range base {
				if p := e.publication(t, au); p.State != "public" {
					t.Fatalf("setup: review %s is %+v, want public", au.review, p)
				}
			}

			v0 := a.view(t, pid, other)
			var added []author
			for i := range k {
				au := e.publishNew(t, pid, moderation, e.contextBody("specialist", "special", "scotland", 100+i))
				added = append(added, au)
				v := a.view(t, pid, other)
				if i < k-1 {
					if d := diff(v0, v); len(d) > 0 {
						t.Fatalf("after %d publication(s) the public outputs %v changed; they may change only with a release of %d", i+1, d, k)
					}
					p := e.publication(t, au)
					if p.State != "waiting" || p.Waiting != i+1 || p.Needed != k || !strings.Contains(p.Message, fmt.Sprintf("%d of %d", i+1, k)) {
						t.Errorf("publication %d: the author sees %+v, want waiting %d of %d", i+1, p, i+1, k)
					}
					continue
				}
				// The k-th: the release.
				e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &as)
				if as.Reviews != 3*k {
					t.Errorf("after the release the assessment counts %d reviews, want %d", as.Reviews, 3*k)
				}
				if d := diff(v0, v); !slices.ContainsFunc(d, func(k string) bool { return isPage(k) && !isListing(k) }) {
					t.Errorf("the release changed %v but no page's numbers: the pages do not show the public state", d)
				}
				listed := a.listedIDs(t, pid)
				var ids []string
				for _, au := range added {
					ids = append(ids, au.review)
					if p := e.publication(t, au); p.State != "public" {
						t.Errorf("after the release review %s is %+v, want public", au.review, p)
					}
				}
				slices.Sort(ids)
				slices.Reverse(ids)
				if len(listed) != 3*k || !slices.Equal(listed[:k], ids) {
					t.Errorf("the release's entries should lead the listing in descending id order:\nlisted %v\nwant   %v", listed[:min(k, len(listed))], ids)
				}
				for _, it := range a.listing(t, pid)[:k] {
					if it["month"] != time.Now().UTC().Format("2006-01") {
						t.Errorf("entry %v is dated %v, want the release's month", it["id"], it["month"])
					}
				}
			}

			// A withdrawal leaves the listing at once (in the JSON and on
			// the product pages) and nothing else.
			v1 := a.view(t, pid, other)
			gone := base[0]
			e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + gone.review + "/withdraw", Token: gone.token})
			if slices.Contains(a.listedIDs(t, pid), gone.review) {
				t.Error("a withdrawn review is still listed")
			}
			d := diff(v1, a.view(t, pid, other))
			if !slices.Contains(d, "listing") || !slices.ContainsFunc(d, isPage) || slices.ContainsFunc(d, func(k string) bool { return !isListing(k) }) {
				t.Errorf("a withdrawal changed %v; only the listing (JSON and pages) may change before the next release", d)
			}
			if p := e.publication(t, gone); p.State != "leaving" || p.Waiting != 1 {
				t.Errorf("the withdrawn review is %+v, want leaving with 1 change waiting", p)
			}
			// The withdrawal and k−1 publications make the next release.
			v2 := a.view(t, pid, other)
			for i := range k - 1 {
				e.publishNew(t, pid, moderation, e.contextBody("teacher", "primary", "england", 200+i))
				if i < k-2 {
					if d := diff(v2, a.view(t, pid, other)); len(d) > 0 {
						t.Fatalf("publication %d after the withdrawal changed %v", i+1, d)
					}
				}
			}
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment"}).json(t, &as)
			if as.Reviews != 3*k-1+k-1 {
				t.Errorf("after the second release the assessment counts %d reviews, want %d", as.Reviews, 3*k-1+k-1)
			}
			if p := e.publication(t, gone); p.State != "none" {
				t.Errorf("after the release the withdrawn review is %+v, want none", p)
			}
		})
	}
}

// TestReleaseCancelledByWithdrawal: a review withdrawn before the release
// that would have made it public was never public: its waiting change
// goes, and the public outputs never move.
func TestReleaseCancelledByWithdrawal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.store.Threshold()
	pid := e.createProduct(t, "Cancelled")
	other := e.createProduct(t, "Partner")
	for i := range k {
		e.publishNew(t, pid, true, e.contextBody("teacher", "primary", "england", i+1))
	}
	a := attacker{e: e}
	v0 := a.view(t, pid, other)
	au := e.publishNew(t, pid, true, e.contextBody("leader", "special", "wales", 50))
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + au.review + "/withdraw", Token: au.token})
	if p := e.publication(t, au); p.State != "none" {
		t.Errorf("withdrawn before its release, the review is %+v, want none", p)
	}
	for i := range k - 1 {
		e.publishNew(t, pid, true, e.contextBody("teacher", "primary", "england", 60+i))
	}
	if d := diff(v0, a.view(t, pid, other)); len(d) > 0 {
		t.Errorf("k−1 changes (the cancelled one does not count) changed %v", d)
	}
}

// TestReviewVisibleToAuthorAndModeratorsOnly: GET /api/v1/reviews/{id} is
// for the review's author and moderators; anyone else is told it does not
// exist.
func TestReviewVisibleToAuthorAndModeratorsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Private")
	tok := e.reviewerToken(t)
	id := e.submit(t, pid, tok, e.reviewBody(2))
	path := "/api/v1/reviews/" + id
	var r moderatedReviewJSON
	e.must(t, 200, request{Method: "GET", Path: path, Token: tok}).json(t, &r)
	if r.ID != id || r.Status != "pending" || r.Publication == nil || r.Publication.State != "none" {
		t.Errorf("the author sees %+v", r)
	}
	e.must(t, 200, request{Method: "GET", Path: path, Token: e.tokens[registry.RoleModerator]})
	e.must(t, 404, request{Method: "GET", Path: path, Token: e.reviewerToken(t)})
	e.must(t, 404, request{Method: "GET", Path: path, Token: e.tokens[registry.RoleOfficer]})
	e.must(t, 401, request{Method: "GET", Path: path})
}

// TestDemoDataResistsAttacks seeds the shipped demo data and runs both
// attacks on every product. Linkage: no listing entry carries scores or
// context, so the subset-matching attack pins no group (on the demo data
// as it stood before releases it pinned five). Differencing: new reviews
// are published one at a time; the public outputs change only when the
// author's review turns public, and then by a release of at least k
// changes (or while fewer than k reviews were public).
func TestDemoDataResistsAttacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	products := demo.Products()
	reviews := demo.Reviews(e.rubric, products, nil, 2026, time.Now())
	if _, err := e.store.Seed(context.Background(), products, reviews); err != nil {
		t.Fatal(err)
	}
	k := e.store.Threshold()
	a := attacker{e: e}
	criteria := e.criterionIDs()
	targets := 0
	defer func() {
		if targets == 0 {
			t.Error("no filtered group of the demo data is public: the linkage attack had nothing to aim at")
		}
	}()
	for i, p := range products {
		pins, candidates := a.linkage(t, p.ID)
		if len(pins) > 0 {
			t.Errorf("%s: the linkage attack pinned %+v", p.ID, pins)
		}
		targets += candidates
		for _, pe := range a.entries(t, p.ID, criteria) {
			if pe.Vector != nil || pe.Context != "" {
				t.Fatalf("%s: listing entry %s shows scores or context", p.ID, pe.ID)
			}
		}
		a.checkPageEntries(t, p.ID)

		other := products[(i+1)%len(products)].ID
		var before assessmentJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + p.ID + "/assessment"}).json(t, &before)
		v0 := a.view(t, p.ID, other)
		for n := 1; ; n++ {
			if n > k {
				t.Fatalf("%s: %d publications and no release", p.ID, n-1)
			}
			au := e.publishNew(t, p.ID, true, e.contextBody("specialist", "further", "northern-ireland", 1000*i+n))
			d := diff(v0, a.view(t, p.ID, other))
			pub := e.publication(t, au)
			if pub.State == "waiting" {
				if len(d) > 0 {
					t.Fatalf("%s: publication %d is still waiting but the public outputs %v changed", p.ID, n, d)
				}
				continue
			}
			var after assessmentJSON
			e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + p.ID + "/assessment"}).json(t, &after)
			if step := after.Reviews - before.Reviews; before.Reviews >= k && step < k {
				t.Errorf("%s: a release moved the public statistics by %d reviews, fewer than %d", p.ID, step, k)
			}
			break
		}
	}
}

// TestForgedListingCursor: a listing's cursor carries a position the
// client must not choose (reading from forged positions would show where
// entries were withdrawn); the server takes back only cursors it signed.
func TestForgedListingCursor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff)
	pid := e.createProduct(t, "Cursor Target")
	for i := range 3 {
		e.publishNew(t, pid, false, e.contextBody("teacher", "primary", "england", i+1))
	}
	var page struct {
		NextCursor *string `json:"nextCursor"`
	}
	path := "/api/v1/products/" + pid + "/reviews?limit=1"
	e.must(t, 200, request{Method: "GET", Path: path}).json(t, &page)
	if page.NextCursor == nil {
		t.Fatal("no cursor after the first of three entries")
	}
	e.must(t, 200, request{Method: "GET", Path: path + "&cursor=" + *page.NextCursor})
	raw, sig, _ := strings.Cut(*page.NextCursor, ".")
	pos, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("cursor %q: %v", *page.NextCursor, err)
	}
	forged := base64.RawURLEncoding.EncodeToString([]byte(string(pos) + "0")) // another position
	for name, c := range map[string]string{
		"PositionOnly":     forged,
		"OtherPosition":    forged + "." + sig,
		"Unsigned":         raw,
		"SignatureChanged": raw + "." + base64.RawURLEncoding.EncodeToString([]byte("not the signature")),
	} {
		t.Run(name, func(t *testing.T) {
			if fields := e.must(t, 422, request{Method: "GET", Path: path + "&cursor=" + c}).fields(t); len(fields) != 1 || fields[0] != "cursor" {
				t.Errorf("fields = %v, want [cursor]", fields)
			}
		})
	}
}

// TestPublicOutputsHoldNoAccountData: after a scenario with an invitation
// and its note, accounts, sessions, named personal tokens and reviews
// written through them and released, no public response holds a handle, a
// token name, the invitation's note or the exact time of a review.
func TestPublicOutputsHoldNoAccountData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withThreshold(3))
	pid := e.createProduct(t, "Account Scan")
	other := e.createProduct(t, "Account Scan Partner")
	const note = "staff room of Ysgol Gyfun Enghraifft"
	code, _ := e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 10, "expiresInDays": 30, "note": note})
	handles := []string{"Owl-Reviewer7", "Badger.Reviewer8", "Heron_Rev9", "Vole-Rev10", "Stoat-Rev11", "Otter-Rev12"}
	tokenNames := []string{"Jane Smith laptop", "Head of Maths phone"}
	var secrets []string
	for i, h := range handles {
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": h, "password": strongPassword}})
		s := e.signIn(t, h, strongPassword)
		if i < len(tokenNames) {
			s, _ = e.personalToken(t, s, tokenNames[i])
		}
		secrets = append(secrets, s)
	}
	var ids, created []string
	for i, s := range secrets {
		id := e.submit(t, pid, s, e.contextBody("teacher", "primary", "wales", i+1))
		e.publish(t, id)
		ids = append(ids, id)
	}
	for i, s := range secrets { // the first three at once, the next three as one release
		id := ids[i]
		var r moderatedReviewJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: s}).json(t, &r)
		if r.Publication == nil || r.Publication.State != "public" {
			t.Fatalf("setup: review %d is %+v, want public", i, r.Publication)
		}
		created = append(created, r.CreatedAt.Format(time.RFC3339Nano), r.CreatedAt.UTC().Format(time.RFC3339Nano))
	}

	a := attacker{e: e}
	outputs := a.view(t, pid, other)
	for _, path := range []string{"/api/v1/products", "/api/v1/products/" + pid, "/api/v1/products/" + pid + "/reviews",
		"/api/v1/rubrics", "/api/v1/products?q=account"} {
		outputs[path] = string(e.must(t, 200, request{Method: "GET", Path: path}).Body)
	}
	if !strings.Contains(outputs["listing"], "Review number 1") {
		t.Fatal("setup: the reviews are not in the public listing")
	}
	needles := append(append(append([]string{note}, handles...), tokenNames...), created...)
	for name, body := range outputs {
		if found := hasAny(body, needles...); len(found) > 0 {
			t.Errorf("public output %q holds %q", name, found)
		}
	}
}
