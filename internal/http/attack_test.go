package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

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
func (a attacker) listing(pid string) []map[string]any {
	a.e.t.Helper()
	var all []map[string]any
	cursor := ""
	for range 1000 {
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"nextCursor"`
		}
		a.e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/reviews?limit=100" + cursor}).json(a.e.t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	a.e.t.Fatal("the listing never ends")
	return nil
}

// entries extracts per-review scores and context wherever the listing
// shows them.
func (a attacker) entries(pid string, criteria []string) []publicEntry {
	var out []publicEntry
	for _, it := range a.listing(pid) {
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
func (a attacker) groupVector(pid, kind, value string, criteria []string) (vec []int, n int, ok bool) {
	var as assessmentJSON
	a.e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment?" + kind + "=" + value}).json(a.e.t, &as)
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

// linkage is the subset-matching attack: for every filtered assessment
// the API shows, it looks for the sets of listed reviews whose answers add
// up to that group's answer counts. A group matched by exactly one set is
// pinned: the attacker then knows which reviews (and so which texts) are
// in it, and by intersecting pinned groups, small hidden ones.
func (a attacker) linkage(pid string) (pins []pin, candidates int) {
	criteria := a.e.criterionIDs()
	listed := a.entries(pid, criteria)
	var vecs []publicEntry
	for _, pe := range listed {
		if pe.Vector != nil {
			vecs = append(vecs, pe)
		}
	}
	for _, kind := range registry.GroupKinds {
		for _, value := range groupValues(kind) {
			target, n, ok := a.groupVector(pid, kind, value, criteria)
			if !ok || n == 0 || len(vecs) <= n { // a group of everyone listed tells nothing
				continue
			}
			candidates++
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
// comparison with another product.
func (a attacker) view(pid, other string) map[string]string {
	a.e.t.Helper()
	out := map[string]string{}
	get := func(path string) string {
		return string(a.e.must(200, request{Method: "GET", Path: path}).Body)
	}
	b, _ := json.Marshal(a.listing(pid))
	out["listing"] = string(b)
	out["assessment"] = get("/api/v1/products/" + pid + "/assessment")
	for _, kind := range registry.GroupKinds {
		for _, value := range groupValues(kind) {
			out[kind+"="+value] = get("/api/v1/products/" + pid + "/assessment?" + kind + "=" + value)
			var cmp comparisonJSON
			a.e.must(200, request{Method: "GET", Path: "/api/v1/compare?products=" + pid + "," + other + "&" + kind + "=" + value}).json(a.e.t, &cmp)
			b, _ := json.Marshal(cmp.Products[0])
			out["compare "+kind+"="+value] = string(b) + fmt.Sprint(cmp.LeftOut)
		}
	}
	var cmp comparisonJSON
	a.e.must(200, request{Method: "GET", Path: "/api/v1/compare?products=" + pid + "," + other}).json(a.e.t, &cmp)
	b, _ = json.Marshal(cmp.Products[0])
	out["compare"] = string(b) + fmt.Sprint(cmp.LeftOut)
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
			pid := e.createProduct("Linkage Target")
			seed := 0
			for _, g := range []struct {
				n           int
				role, phase string
			}{{5, "teacher", "primary"}, {1, "teacher", "secondary"}, {5, "leader", "secondary"}, {1, "leader", "primary"}} {
				for range g.n {
					seed++
					id := e.submit(pid, e.reviewerToken(), e.contextBody(g.role, g.phase, "england", seed))
					if moderation {
						e.publish(id)
					}
				}
			}
			a := attacker{e: e}
			var as assessmentJSON
			e.must(200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/assessment?phase=secondary"}).json(t, &as)
			if as.Suppressed {
				t.Fatal("the secondary group should be public: the attack needs a target")
			}
			pins, _ := a.linkage(pid)
			if len(pins) > 0 {
				t.Errorf("the linkage attack pinned %d group(s) to listed reviews: %+v", len(pins), pins)
			}
			for _, pe := range a.entries(pid, e.criterionIDs()) {
				if pe.Vector != nil || pe.Context != "" {
					t.Errorf("listing entry %s shows scores (%v) or reviewer context (%q)", pe.ID, pe.Vector != nil, pe.Context)
				}
			}
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
