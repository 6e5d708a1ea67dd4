package rubric

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// slug is the form of rubric and dimension ids and of the part of a
// criterion id after the dot: they appear in URLs and in stored reviews.
var slug = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

const slugForm = "lowercase letters, digits and single hyphens"

// convert checks every rule of one decoded file and returns the rubric it
// describes. Problems go to c; the rubric is only usable when there are none.
func convert(f *fileRubric, c *collector) *registry.Rubric {
	r := &registry.Rubric{
		ID:          text(f.ID),
		Version:     f.Version,
		Title:       text(f.Title),
		Description: text(f.Description),
	}
	checkSlug(c, "id", r.ID)
	if r.Version < 1 {
		c.add("version", fmt.Sprintf("want a whole number >= 1, got %d", r.Version))
	}
	required(c, "title", r.Title)
	r.Settings = convertSettings(f.Settings, c)

	if len(f.Dimensions) == 0 {
		c.add("dimensions", "want at least one dimension")
	}
	dimensionAt := make(map[string]string) // id → path of its first use
	criterionAt := make(map[string]string)
	for i, fd := range f.Dimensions {
		p := fmt.Sprintf("dimensions[%d]", i)
		d := registry.Dimension{
			ID:          text(fd.ID),
			Title:       text(fd.Title),
			Description: text(fd.Description),
			Weight:      fd.Weight,
		}
		if checkSlug(c, p+".id", d.ID) {
			if first, dup := dimensionAt[d.ID]; dup {
				c.add(p+".id", fmt.Sprintf("%q is already the id of %s", d.ID, first))
			} else {
				dimensionAt[d.ID] = p
			}
		}
		required(c, p+".title", d.Title)
		checkWeight(c, p+".weight", d.Weight)
		if len(fd.Criteria) == 0 {
			c.add(p+".criteria", "want at least one criterion")
		}
		for j, fc := range fd.Criteria {
			cp := fmt.Sprintf("%s.criteria[%d]", p, j)
			cr := convertCriterion(fc, d.ID, cp, c)
			if cr.ID != "" {
				if first, dup := criterionAt[cr.ID]; dup {
					c.add(cp+".id", fmt.Sprintf("%q is already the id of %s", cr.ID, first))
				} else {
					criterionAt[cr.ID] = cp
				}
			}
			d.Criteria = append(d.Criteria, cr)
		}
		r.Dimensions = append(r.Dimensions, d)
	}
	return r
}

func convertSettings(fs *fileSettings, c *collector) registry.RubricSettings {
	if fs == nil {
		c.add("settings", "missing (want minReviews, thresholds and contestedBelow)")
		return registry.RubricSettings{}
	}
	s := registry.RubricSettings{MinReviews: fs.MinReviews, ContestedBelow: fs.ContestedBelow}
	if s.MinReviews < 1 {
		c.add("settings.minReviews", fmt.Sprintf("want a whole number >= 1, got %d", s.MinReviews))
	}
	if !(s.ContestedBelow > 0 && s.ContestedBelow < 1) {
		c.add("settings.contestedBelow", fmt.Sprintf("want an agreement between 0 and 1 (both excluded), got %g", s.ContestedBelow))
	}
	t := fs.Thresholds
	if t == nil {
		c.add("settings.thresholds", "missing (want low, medium and high on the 0-100 scale)")
		return s
	}
	s.Thresholds = registry.RiskThresholds{Low: t.Low, Medium: t.Medium, High: t.High}
	// The negated comparisons also catch NaN.
	switch {
	case !(t.High > 0):
		c.add("settings.thresholds.high", fmt.Sprintf("want a score above 0, got %g", t.High))
	case !(t.Low <= 100):
		c.add("settings.thresholds.low", fmt.Sprintf("want a score of at most 100, got %g", t.Low))
	case !(t.High < t.Medium && t.Medium < t.Low):
		c.add("settings.thresholds", fmt.Sprintf("want 0 < high < medium < low <= 100, got high %g, medium %g, low %g", t.High, t.Medium, t.Low))
	}
	return s
}

func convertCriterion(fc fileCriterion, dimension, p string, c *collector) registry.Criterion {
	cr := registry.Criterion{
		ID:            text(fc.ID),
		Title:         text(fc.Title),
		Question:      text(fc.Question),
		Guidance:      text(fc.Guidance),
		Weight:        fc.Weight,
		Unknown:       text(fc.Unknown),
		NotApplicable: fc.NotApplicable != nil && *fc.NotApplicable,
		Ask:           text(fc.Ask),
	}
	switch _, name, ok := strings.Cut(cr.ID, "."); {
	case cr.ID == "":
		c.add(p+".id", "missing")
	case !ok || !strings.HasPrefix(cr.ID, dimension+".") || !slug.MatchString(name):
		c.add(p+".id", fmt.Sprintf("want %q followed by %s (for example %q), got %q",
			dimension+".", slugForm, dimension+".data-sale", cr.ID))
	}
	required(c, p+".title", cr.Title)
	required(c, p+".question", cr.Question)
	checkWeight(c, p+".weight", cr.Weight)

	if len(fc.Levels) != registry.Levels {
		c.add(p+".levels", fmt.Sprintf("want %d levels (scores 0-%d), got %d", registry.Levels, registry.MaxScore, len(fc.Levels)))
	}
	for i, fl := range fc.Levels {
		lp := fmt.Sprintf("%s.levels[%d]", p, i)
		l := registry.Level{Score: i, Label: text(fl.Label), Descriptor: text(fl.Descriptor)}
		switch {
		case fl.Score == nil:
			c.add(lp+".score", fmt.Sprintf("missing (want %d)", i))
		case *fl.Score != i:
			c.add(lp+".score", fmt.Sprintf("want %d (levels run from 0 to %d in order), got %d", i, registry.MaxScore, *fl.Score))
		}
		required(c, lp+".label", l.Label)
		required(c, lp+".descriptor", l.Descriptor)
		cr.Levels = append(cr.Levels, l)
	}

	switch cr.Unknown {
	case registry.UnknownWorst, registry.UnknownIgnore, registry.UnknownNone:
	case "":
		c.add(p+".unknown", "missing (want worst, ignore or none)")
	default:
		c.add(p+".unknown", fmt.Sprintf("want worst, ignore or none, got %q", cr.Unknown))
	}
	if fc.NotApplicable == nil {
		c.add(p+".notApplicable", "missing (want true or false)")
	}

	if fr := fc.RedFlag; fr != nil {
		rf := &registry.RedFlag{Severity: text(fr.Severity)}
		switch {
		case fr.AtOrBelow == nil:
			c.add(p+".redFlag.atOrBelow", fmt.Sprintf("missing (want a level from 0 to %d)", registry.MaxScore-1))
		case *fr.AtOrBelow < 0 || *fr.AtOrBelow >= registry.MaxScore:
			// At the top level every answer would be flagged.
			c.add(p+".redFlag.atOrBelow", fmt.Sprintf("want a level from 0 to %d, got %d", registry.MaxScore-1, *fr.AtOrBelow))
		default:
			rf.AtOrBelow = *fr.AtOrBelow
		}
		switch rf.Severity {
		case registry.SeverityHigh, registry.SeverityCritical:
		case "":
			c.add(p+".redFlag.severity", "missing (want high or critical)")
		default:
			c.add(p+".redFlag.severity", fmt.Sprintf("want high or critical, got %q", rf.Severity))
		}
		cr.RedFlag = rf
	}

	if cr.Ask == "" {
		c.add(p+".ask", "missing (what an officer should ask the employer or vendor for when this criterion is flagged)")
	}
	if len(fc.References) == 0 {
		c.add(p+".references", "want at least one reference (a short citation of the framework the criterion draws on)")
	}
	for i, ref := range fc.References {
		ref = text(ref)
		if ref == "" {
			c.add(fmt.Sprintf("%s.references[%d]", p, i), "empty reference")
		}
		cr.References = append(cr.References, ref)
	}
	return cr
}

// checkSlug reports a missing or malformed id and says whether it is well
// formed.
func checkSlug(c *collector, path, id string) bool {
	switch {
	case id == "":
		c.add(path, "missing")
	case !slug.MatchString(id):
		c.add(path, fmt.Sprintf("want %s, got %q", slugForm, id))
	default:
		return true
	}
	return false
}

func checkWeight(c *collector, path string, w float64) {
	if !(w > 0) || math.IsInf(w, 1) {
		c.add(path, fmt.Sprintf("want a number above 0, got %g", w))
	}
}

func required(c *collector, path, s string) {
	if s == "" {
		c.add(path, "missing")
	}
}

// text trims surrounding white space, so that the trailing newline a YAML
// block scalar keeps (">" against ">-") changes nothing.
func text(s string) string {
	return strings.TrimSpace(s)
}
