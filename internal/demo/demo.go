// Package demo makes clearly fictional sample data for `registry serve
// --demo`: products in every category and a few hundred published reviews
// whose scores follow a profile per product, so that assessments,
// comparisons, red flags, breakdowns and the "insufficient" state all have
// something to show.
//
// Everything is invented: vendors end in "(fictional)", descriptions say so,
// websites use the reserved .example domain and reviewer references start
// with "demo-". The package does no I/O and is deterministic: the same seed
// and time give the same data.
package demo

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// Span is how far back before "now" the sample reviews are spread: about 18
// months, with more reviews in recent months.
const Span = 18 * 30 * 24 * time.Hour

// profile is how a product's reviewers see it: a mean level (0–4) per
// dimension, how much reviewers differ, how often they don't know or find a
// criterion not applicable, and sentences specific to the product.
type profile struct {
	pedagogy, privacy, workload, autonomy float64
	// practices is the level of the privacy practices that are either done
	// or not (sale of data, marketing, targeted ads, tracking, profiling,
	// emotion recognition): a product that does not do them scores high
	// there whatever its other privacy scores. Zero means the privacy level.
	practices float64
	// spread is the standard deviation of a single answer around its mean.
	spread float64
	// unknown and na are the base rates of "don't know" and "not applicable".
	unknown, na float64
	overrides   []override
	shifts      []shift
	notes       []note   // product-specific summary sentences
	remarks     []remark // product-specific comments
}

// Tones of a product-specific summary sentence: praise never appears in a
// "not-recommended" review, worry never in a "recommend" one.
const (
	mixed = iota
	praise
	worry
)

// note is a product-specific summary sentence and its tone.
type note struct {
	tone int
	text string
}

// override sets the level of the criteria of one dimension whose id or title
// contains one of the keywords. Keywords rather than ids keep the profiles
// working with any rubric that names its criteria sensibly.
type override struct {
	dim      string
	keywords []string
	level    float64
	spread   float64
}

// shift moves one role's view of one dimension, so that breakdowns by role
// differ (leaders tend to like the tools that monitor their staff).
type shift struct {
	role  string
	dim   string
	delta float64
}

// remark is a product-specific comment for low (0–1) or high (3–4) scores.
type remark struct {
	dim  string
	high bool
	text string
}

// fallback is the profile of a product that is not one of the samples.
var fallback = profile{pedagogy: 2.5, privacy: 2.3, workload: 2.4, autonomy: 2.6, spread: 0.9, unknown: 0.12, na: 0.05}

// level returns the profile's mean level for a dimension id; a dimension
// the profile does not know gets the mean of the four.
func (p *profile) level(dim string) float64 {
	switch dim {
	case "pedagogy":
		return p.pedagogy
	case "privacy":
		return p.privacy
	case "workload":
		return p.workload
	case "autonomy":
		return p.autonomy
	}
	return (p.pedagogy + p.privacy + p.workload + p.autonomy) / 4
}

// target returns the mean and spread of one criterion's answers by a
// reviewer in the given role.
func (p *profile) target(dim string, c *registry.Criterion, role string) (mean, spread float64) {
	mean, spread = p.level(dim), p.spread
	text := strings.ToLower(c.ID + " " + c.Title)
	matched := false
	for _, o := range p.overrides {
		if o.dim == dim && containsAny(text, o.keywords) {
			mean, spread, matched = o.level, o.spread, true
			break
		}
	}
	if !matched && dim == "privacy" && p.practices > 0 && containsAny(text, practiceWords) {
		mean, spread = p.practices, min(spread, 0.55)
	}
	for _, s := range p.shifts {
		if s.role == role && s.dim == dim {
			mean += s.delta
		}
	}
	return mean, spread
}

// practiceWords pick out the criteria about privacy practices a product
// either has or has not.
var practiceWords = []string{"sale", "sell", "marketing", "advert", "targeted", "tracking", "profil", "emotion"}

// containsAny reports whether s contains one of words.
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// profileFor returns the profile of a sample product by id, or the fallback.
func profileFor(id string) *profile {
	for i := range catalogue {
		if catalogue[i].product.ID == id {
			return &catalogue[i].profile
		}
	}
	return &fallback
}

// Reviews returns published reviews of products answering every criterion of
// r, perProduct(i) of them for products[i] (ReviewCount when perProduct is
// nil), dated within Span before now and ordered by creation time. The data
// depends only on r, the products, the counts, seed and now; each product's
// reviews depend only on its own id and count, not on the other products.
//
// Each review has a distinct ReviewerRef ("demo-" and 16 hex digits), so the
// one-active-review rule holds, and a random-looking ID that a store
// assigning its own ids may replace.
func Reviews(r *registry.Rubric, products []*registry.Product, perProduct func(i int) int, seed uint64, now time.Time) []*registry.Review {
	if perProduct == nil {
		perProduct = ReviewCount
	}
	now = now.UTC().Truncate(time.Second)
	g := generator{rubric: r, now: now, refs: make(map[string]bool), ids: make(map[string]bool)}
	for _, d := range r.Dimensions {
		for range d.Criteria {
			g.dims = append(g.dims, d.ID)
		}
	}
	g.criteria = r.Criteria()

	var out []*registry.Review
	for i, p := range products {
		rng := rand.New(rand.NewPCG(seed, idHash(p.ID)))
		prof := profileFor(p.ID)
		for range perProduct(i) {
			out = append(out, g.review(rng, p, prof))
		}
	}
	slices.SortStableFunc(out, func(a, b *registry.Review) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// idHash gives each product its own random stream.
func idHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// generator holds what every review shares.
type generator struct {
	rubric   *registry.Rubric
	criteria []registry.Criterion
	dims     []string // the dimension id of each criterion
	now      time.Time
	refs     map[string]bool
	ids      map[string]bool
}

// review makes one review of p.
func (g *generator) review(rng *rand.Rand, p *registry.Product, prof *profile) *registry.Review {
	ctx := reviewer(rng, p)
	// Some reviewers are harsher or kinder than others on everything.
	personal := rng.NormFloat64() * 0.35

	unknownRate := prof.unknown
	if ctx.Role == "support-staff" {
		unknownRate *= 1.3
	}
	commentRate := 0.08 + rng.Float64()*0.3 // some reviewers write a lot, some almost nothing

	answers := make([]registry.Answer, len(g.criteria))
	for k := range g.criteria {
		c := &g.criteria[k]
		dim := g.dims[k]
		a := registry.Answer{Criterion: c.ID}
		// Educators often cannot see a vendor's data practices.
		u := unknownRate
		if dim == "privacy" {
			u = min(1.5*u, 0.6)
		}
		switch {
		case c.Unknown != registry.UnknownNone && rng.Float64() < u:
			a.Unknown = true
			if rng.Float64() < 0.35 {
				a.Comment = pick(rng, pool(unknownComments, dim))
			}
		case c.NotApplicable && rng.Float64() < prof.na:
			a.NA = true
			if rng.Float64() < 0.3 {
				a.Comment = pick(rng, naComments)
			}
		default:
			mean, spread := prof.target(dim, c, ctx.Role)
			s := score(mean+personal+rng.NormFloat64()*spread, rng)
			a.Score = &s
			if rng.Float64() < commentRate {
				a.Comment = comment(rng, prof, dim, s)
				if rng.Float64() < 0.12 {
					a.Evidence = evidence(rng, p)
				}
			}
		}
		answers[k] = a
	}

	rec := recommendation(g.criteria, answers)
	created := g.now.Add(-time.Duration(math.Pow(rng.Float64(), 1.4)*float64(Span-2*time.Hour)) - 2*time.Hour).Truncate(time.Second)
	published := created.Add(time.Hour + time.Duration(rng.Int64N(int64(95*time.Hour)))).Truncate(time.Second)
	if published.After(g.now) {
		published = g.now
	}

	rv := &registry.Review{
		ID:             g.unique(rng, g.ids, "", 2),
		ProductID:      p.ID,
		RubricID:       g.rubric.ID,
		RubricVersion:  g.rubric.Version,
		RubricHash:     g.rubric.Hash,
		ReviewerRef:    g.unique(rng, g.refs, "demo-", 1),
		Reviewer:       ctx,
		Usage:          usage(rng, p),
		Answers:        answers,
		Recommendation: rec,
		Summary:        summary(rng, prof, rec),
		Status:         registry.StatusPublished,
		CreatedAt:      created,
		UpdatedAt:      published,
		PublishedAt:    &published,
	}
	if rng.Float64() < 0.03 {
		rv.Conflict = registry.Conflict{Declared: true, Details: pick(rng, conflicts)}
	}
	return rv
}

// unique returns prefix followed by words×16 random hex digits not yet in
// seen, and records it.
func (g *generator) unique(rng *rand.Rand, seen map[string]bool, prefix string, words int) string {
	for {
		b := make([]byte, 8*words)
		for i := range words {
			binary.BigEndian.PutUint64(b[8*i:], rng.Uint64())
		}
		s := prefix + hex.EncodeToString(b)
		if !seen[s] {
			seen[s] = true
			return s
		}
	}
}

// score rounds a drawn level to a valid score; a value exactly between two
// levels goes either way.
func score(x float64, rng *rand.Rand) int {
	s := int(math.Floor(x + rng.Float64()*0.2 + 0.4))
	return max(0, min(registry.MaxScore, s))
}

// recommendation follows the reviewer's own scores: a critical red flag or a
// low mean means not recommended; a high red flag or a middling mean means
// conditional.
func recommendation(criteria []registry.Criterion, answers []registry.Answer) string {
	var sum, n, critical, high int
	for k, a := range answers {
		if a.Score == nil {
			continue
		}
		sum += *a.Score
		n++
		if f := criteria[k].RedFlag; f != nil && *a.Score <= f.AtOrBelow {
			if f.Severity == registry.SeverityCritical {
				critical++
			} else {
				high++
			}
		}
	}
	if n == 0 {
		return "conditional"
	}
	mean := float64(sum) / float64(n)
	switch {
	case critical > 0 || mean < 1.6:
		return "not-recommended"
	case high > 0 || mean < 2.7:
		return "conditional"
	}
	return "recommend"
}

// comment picks a comment for a score on a dimension, preferring the
// product's own remarks half of the time when one fits.
func comment(rng *rand.Rand, prof *profile, dim string, s int) string {
	band := bandMid
	switch {
	case s <= 1:
		band = bandLow
	case s >= 3:
		band = bandHigh
	}
	if band != bandMid && rng.Float64() < 0.5 {
		var fit []string
		for _, r := range prof.remarks {
			if r.dim == dim && r.high == (band == bandHigh) {
				fit = append(fit, r.text)
			}
		}
		if len(fit) > 0 {
			return pick(rng, fit)
		}
	}
	bands, ok := comments[dim]
	if !ok {
		bands = comments[""]
	}
	return pick(rng, bands[band])
}

// pool returns a dimension's list from m, or the "" list for a dimension m
// does not name.
func pool(m map[string][]string, dim string) []string {
	if l, ok := m[dim]; ok {
		return l
	}
	return m[""]
}

// evidence returns one link, rarely two, on the product's website.
func evidence(rng *rand.Rand, p *registry.Product) []string {
	base := strings.TrimSuffix(p.Website, "/")
	if !strings.HasPrefix(base, "https://") || !strings.HasSuffix(base, ".example") {
		base = "https://evidence.example/" + p.ID
	}
	links := []string{base + pick(rng, evidencePaths)}
	if rng.Float64() < 0.2 {
		if l := base + pick(rng, evidencePaths); l != links[0] {
			links = append(links, l)
		}
	}
	return links
}

// summary is one to three sentences: often one about the product itself,
// then general ones that match the recommendation.
func summary(rng *rand.Rand, prof *profile, rec string) string {
	var parts []string
	var fit []string
	for _, n := range prof.notes {
		switch {
		case n.tone == praise && rec == "not-recommended", n.tone == worry && rec == "recommend":
			continue
		}
		fit = append(fit, n.text)
	}
	if len(fit) > 0 && rng.Float64() < 0.7 {
		parts = append(parts, pick(rng, fit))
	}
	general := summaries[rec]
	want := 1 + rng.IntN(3)
	for _, i := range rng.Perm(len(general)) {
		if len(parts) >= want {
			break
		}
		parts = append(parts, general[i])
	}
	return strings.Join(parts, " ")
}

// reviewer draws a realistic reviewer context: mostly teachers, mostly
// primary and secondary, mostly England, with phases that fit the product's
// age range.
func reviewer(rng *rand.Rand, p *registry.Product) registry.ReviewerContext {
	var c registry.ReviewerContext
	c.Phase = phase(rng, p.AgeRange)
	switch c.Phase {
	case "further", "higher":
		c.Role = weighted(rng, []string{"lecturer", "support-staff", "leader", "specialist"}, []int{65, 15, 10, 10})
	default:
		c.Role = weighted(rng, []string{"teacher", "support-staff", "leader", "specialist"}, []int{60, 20, 12, 8})
	}
	c.Nation = weighted(rng, registry.Nations, []int{70, 14, 9, 7})
	c.Setting = setting(rng, c.Phase, c.Nation)
	c.Subject = subject(rng, c.Role, c.Phase)
	return c
}

// phaseAges are the pupils' ages each phase covers.
var phaseAges = map[string][2]int{
	"early-years": {2, 5},
	"primary":     {4, 11},
	"secondary":   {11, 18},
	"special":     {2, 19},
	"further":     {16, 19},
	"higher":      {18, 99},
}

// phase draws a phase that overlaps the product's age range.
func phase(rng *rand.Rand, ages *registry.AgeRange) string {
	names := registry.Phases
	weights := []int{6, 38, 36, 7, 9, 4}
	if ages != nil {
		fit := make([]int, len(weights))
		total := 0
		for i, name := range names {
			a := phaseAges[name]
			if ages.Min <= a[1] && ages.Max >= a[0] {
				fit[i] = weights[i]
				total += weights[i]
			}
		}
		if total > 0 {
			weights = fit
		}
	}
	return weighted(rng, names, weights)
}

// setting draws the kind of institution; academies exist only in England.
// One reviewer in ten leaves it out.
func setting(rng *rand.Rand, phase, nation string) string {
	if rng.Float64() < 0.1 {
		return ""
	}
	switch phase {
	case "further":
		return weighted(rng, []string{"college", "other"}, []int{92, 8})
	case "higher":
		return weighted(rng, []string{"university", "college"}, []int{90, 10})
	}
	if nation == "england" {
		if phase == "early-years" {
			return weighted(rng, []string{"maintained", "independent", "other"}, []int{50, 30, 20})
		}
		return weighted(rng, []string{"maintained", "academy", "independent", "other"}, []int{45, 45, 7, 3})
	}
	return weighted(rng, []string{"maintained", "independent", "other"}, []int{88, 8, 4})
}

// subject draws an optional subject or specialism.
func subject(rng *rand.Rand, role, phase string) string {
	switch role {
	case "teacher":
		switch phase {
		case "secondary":
			if rng.Float64() < 0.85 {
				return pick(rng, secondarySubjects)
			}
		case "primary":
			if rng.Float64() < 0.3 {
				return pick(rng, primarySubjects)
			}
		}
	case "lecturer":
		pool := furtherSubjects
		if phase == "higher" {
			pool = higherSubjects
		}
		if rng.Float64() < 0.8 {
			return pick(rng, pool)
		}
	case "support-staff":
		if rng.Float64() < 0.4 {
			return pick(rng, supportSubjects)
		}
	case "specialist":
		if rng.Float64() < 0.7 {
			return pick(rng, specialistSubjects)
		}
	}
	return ""
}

// usage draws months of use (1–36, mostly under a year and a half) and a
// frequency that suits the kind of product.
func usage(rng *rand.Rand, p *registry.Product) registry.Usage {
	months := 1 + min(rng.IntN(36), rng.IntN(36))
	weights := []int{30, 42, 18, 10}
	switch p.Category {
	case "monitoring", "analytics", "tutoring":
		weights = []int{50, 32, 12, 6}
	case "planning", "marking":
		weights = []int{20, 55, 18, 7}
	case "administration":
		weights = []int{25, 35, 30, 10}
	}
	return registry.Usage{Months: months, Frequency: weighted(rng, registry.Frequencies, weights)}
}

// pick returns a random element of a non-empty list.
func pick(rng *rand.Rand, list []string) string {
	return list[rng.IntN(len(list))]
}

// weighted returns names[i] with probability weights[i] / sum(weights).
func weighted(rng *rand.Rand, names []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return names[i]
		}
		n -= w
	}
	return names[len(names)-1]
}
