package rubric

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// A translation (an overlay) gives a rubric version's texts in another
// language: the file v<N>.<lang>.yaml (or .yml) beside the rubric file
// v<N>.yaml of the same folder, where lang is a language code of two or
// three lowercase letters ("cy" for Welsh). It holds the rubric's title and
// description, each dimension's title and description, keyed by dimension
// id, and each criterion's title, question, guidance, five level labels and
// descriptors and ask, keyed by criterion id:
//
//	title: …
//	description: …
//	dimensions:
//	  pedagogy: {title: …, description: …}
//	criteria:
//	  pedagogy.thinking:
//	    title: …
//	    question: …
//	    guidance: …
//	    levels:
//	      - {score: 0, label: …, descriptor: …}
//	      … (scores 0 to 4, in order)
//	    ask: …
//
// Every text the rubric file has must be translated, and nothing else: an
// unknown id or key, a missing or empty text, a text the rubric file does
// not have, or levels other than five are problems, as in a rubric file. A
// translation changes no id, weight, rule or reference, so the rubric's
// hash (of the rubric file alone) is the same in every language.

// overlayName matches a translation's file name: its version and language.
var overlayName = regexp.MustCompile(`^v([1-9][0-9]*)\.([a-z]{2,3})\.(?i:ya?ml)$`)

// overlayOf returns the version and language a file name says a
// translation is of, and whether it names a translation at all.
func overlayOf(name string) (version int, lang string, ok bool) {
	m := overlayName.FindStringSubmatch(path.Base(name))
	if m == nil {
		return 0, "", false
	}
	v, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	return v, m[2], true
}

// baseFiles lists the names a translation's rubric file may have.
func baseFiles(name string, version int) []string {
	dir := path.Dir(name)
	return []string{
		path.Join(dir, fmt.Sprintf("v%d.yaml", version)),
		path.Join(dir, fmt.Sprintf("v%d.yml", version)),
	}
}

// overlay is a checked translation: the rubric it translates and its
// localized copy.
type overlay struct {
	file      string
	lang      string
	base      *registry.Rubric
	localized *registry.Rubric
}

// parseOverlay checks one translation file against the rubric it
// translates (nil when the rubric file is broken: then only the
// translation's own shape is checked) and returns the localized copy of
// base, nil when there are problems.
func parseOverlay(name string, data []byte, base *registry.Rubric, baseFile string) (*registry.Rubric, Problems) {
	c := newCollector(name)
	f := decodeStrict[fileOverlay](data, c, "translation")
	if f == nil {
		return nil, c.problems
	}
	var out *registry.Rubric
	if base != nil {
		out = localize(f, base, baseFile, c)
	}
	c.sortByLine()
	if len(c.problems) > 0 {
		return nil, c.problems
	}
	return out, nil
}

// localize checks a decoded translation against base (from the file
// baseFile) and returns a deep copy of base with the translated texts.
func localize(f *fileOverlay, base *registry.Rubric, baseFile string, c *collector) *registry.Rubric {
	out := cloneRubric(base)
	tr := translator{c: c, baseFile: baseFile}
	out.Title = tr.text("title", f.Title, base.Title)
	out.Description = tr.text("description", f.Description, base.Description)

	dims := make(map[string]*registry.Dimension, len(out.Dimensions))
	crits := make(map[string]*registry.Criterion)
	var dimIDs, critIDs []string
	for i := range out.Dimensions {
		d := &out.Dimensions[i]
		dims[d.ID] = d
		dimIDs = append(dimIDs, d.ID)
		for j := range d.Criteria {
			crits[d.Criteria[j].ID] = &d.Criteria[j]
			critIDs = append(critIDs, d.Criteria[j].ID)
		}
	}

	if f.Dimensions == nil {
		c.add("dimensions", fmt.Sprintf("missing (the titles of the dimensions of %s: %s)", baseFile, strings.Join(dimIDs, ", ")))
	}
	for _, id := range sortedKeys(f.Dimensions) {
		if _, ok := dims[id]; !ok {
			c.add("dimensions."+id, fmt.Sprintf("unknown dimension: %s has the dimensions %s", baseFile, strings.Join(dimIDs, ", ")))
		}
	}
	for _, id := range dimIDs {
		d, p := dims[id], "dimensions."+id
		fd, ok := f.Dimensions[id]
		if !ok || fd == nil {
			if f.Dimensions != nil {
				c.add(p, fmt.Sprintf("missing: dimension %q of %s has no translation", id, baseFile))
			}
			continue
		}
		d.Title = tr.text(p+".title", fd.Title, d.Title)
		d.Description = tr.text(p+".description", fd.Description, d.Description)
	}

	if f.Criteria == nil {
		c.add("criteria", fmt.Sprintf("missing (the texts of the %d criteria of %s, keyed by criterion id)", len(critIDs), baseFile))
	}
	for _, id := range sortedKeys(f.Criteria) {
		if _, ok := crits[id]; !ok {
			c.add("criteria."+id, fmt.Sprintf("unknown criterion: %s has no criterion %q", baseFile, id))
		}
	}
	for _, id := range critIDs {
		cr, p := crits[id], "criteria."+id
		fc, ok := f.Criteria[id]
		if !ok || fc == nil {
			if f.Criteria != nil {
				c.add(p, fmt.Sprintf("missing: criterion %q of %s has no translation", id, baseFile))
			}
			continue
		}
		cr.Title = tr.text(p+".title", fc.Title, cr.Title)
		cr.Question = tr.text(p+".question", fc.Question, cr.Question)
		cr.Guidance = tr.text(p+".guidance", fc.Guidance, cr.Guidance)
		cr.Ask = tr.text(p+".ask", fc.Ask, cr.Ask)
		if fc.Levels == nil {
			c.add(p+".levels", fmt.Sprintf("missing (want %d levels, scores 0-%d, each with its label and descriptor)", registry.Levels, registry.MaxScore))
			continue
		}
		if len(fc.Levels) != len(cr.Levels) {
			c.add(p+".levels", fmt.Sprintf("want %d levels (scores 0-%d), got %d", len(cr.Levels), registry.MaxScore, len(fc.Levels)))
		}
		for i, fl := range fc.Levels {
			lp := fmt.Sprintf("%s.levels[%d]", p, i)
			switch {
			case fl.Score == nil:
				c.add(lp+".score", fmt.Sprintf("missing (want %d)", i))
			case *fl.Score != i:
				c.add(lp+".score", fmt.Sprintf("want %d (levels run from 0 to %d in order), got %d", i, registry.MaxScore, *fl.Score))
			}
			if i >= len(cr.Levels) {
				continue
			}
			l := &cr.Levels[i]
			l.Label = tr.text(lp+".label", fl.Label, l.Label)
			l.Descriptor = tr.text(lp+".descriptor", fl.Descriptor, l.Descriptor)
		}
	}
	return out
}

// translator checks the texts of one translation file.
type translator struct {
	c        *collector
	baseFile string
}

// text returns the translation of the rubric file's text orig found at
// path: required, and not empty, when orig is not empty; absent when orig
// is.
func (tr translator) text(path string, t *string, orig string) string {
	switch {
	case orig == "" && t != nil && text(*t) != "":
		tr.c.add(path, fmt.Sprintf("%s has no text here to translate: leave it out", tr.baseFile))
		return ""
	case orig == "":
		return ""
	case t == nil:
		tr.c.add(path, fmt.Sprintf("missing (%s has a text here to translate)", tr.baseFile))
	case text(*t) == "":
		tr.c.add(path, "empty: write the translation")
	default:
		return text(*t)
	}
	return orig
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// cloneRubric returns a deep copy of r: nothing it holds is shared with r.
func cloneRubric(r *registry.Rubric) *registry.Rubric {
	out := *r
	out.Dimensions = make([]registry.Dimension, len(r.Dimensions))
	for i, d := range r.Dimensions {
		d.Criteria = make([]registry.Criterion, len(d.Criteria))
		for j, cr := range r.Dimensions[i].Criteria {
			cr.Levels = slices.Clone(cr.Levels)
			cr.References = slices.Clone(cr.References)
			if cr.RedFlag != nil {
				rf := *cr.RedFlag
				cr.RedFlag = &rf
			}
			d.Criteria[j] = cr
		}
		out.Dimensions[i] = d
	}
	return &out
}
