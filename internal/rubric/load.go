package rubric

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// Load reads every rubric file (*.yaml or *.yml, in any folder; names starting
// with a dot are skipped) under fsys, checks each against the rules, checks
// that no two files define the same rubric id and version, and returns the
// rubrics ordered by id and version, each with its Hash set.
//
// A file named v<N>.<lang>.yaml (or .yml; lang two or three lowercase
// letters, "cy") is not a rubric file but a translation of the rubric file
// v<N>.yaml beside it (see overlay.go for its form): Load checks it as
// strictly, and its problems are Load's, but returns the rubrics only.
// LoadSet serves the translations too.
//
// When anything is wrong Load returns no rubrics and a Problems error listing
// every problem found, each naming the file, the path inside it and what is
// wrong. A file system with no rubric files is a problem too.
func Load(fsys fs.FS) ([]*registry.Rubric, error) {
	l, ps := load(fsys)
	if len(ps) > 0 {
		return nil, ps
	}
	return l.rubrics, nil
}

// LoadSet reads and checks rubric files and their translations as Load does
// and returns a Set that serves both: Localize gives a rubric in a
// language it has a translation into.
func LoadSet(fsys fs.FS) (*Set, error) {
	l, ps := load(fsys)
	if len(ps) > 0 {
		return nil, ps
	}
	s, err := NewSet(l.rubrics)
	if err != nil {
		return nil, err
	}
	for _, o := range l.overlays {
		s.addLocalized(o.base, o.lang, o.localized)
	}
	return s, nil
}

// loaded is what load found: the rubrics, ordered by id and version, and
// the translations.
type loaded struct {
	rubrics  []*registry.Rubric
	overlays []overlay
}

func load(fsys fs.FS) (loaded, Problems) {
	var problems Problems
	var files, overlayFiles []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			problems = append(problems, Problem{File: name, Message: err.Error()})
			return nil
		}
		if name != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(path.Ext(name)); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			if _, _, ok := overlayOf(name); ok {
				overlayFiles = append(overlayFiles, name)
			} else {
				files = append(files, name)
			}
		}
		return nil
	})
	if err != nil {
		problems = append(problems, Problem{File: ".", Message: err.Error()})
	}
	if len(files) == 0 && len(problems) == 0 {
		problems = append(problems, Problem{File: ".", Message: "no rubric files (*.yaml or *.yml) found"})
	}

	type key struct {
		id      string
		version int
	}
	definedIn := make(map[key]string)
	var rubrics []*registry.Rubric
	valid := make(map[string]*registry.Rubric) // file → its rubric, when it has no problems
	read := make(map[string]bool)              // every rubric file read
	for _, name := range files {
		read[name] = true
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			problems = append(problems, Problem{File: name, Message: err.Error()})
			continue
		}
		r, ps := parse(name, data)
		problems = append(problems, ps...)
		if r == nil || r.ID == "" || r.Version < 1 {
			continue
		}
		k := key{r.ID, r.Version}
		if first, dup := definedIn[k]; dup {
			problems = append(problems, Problem{File: name, Path: "version",
				Message: fmt.Sprintf("rubric %q version %d is already defined in %s", r.ID, r.Version, first)})
			continue
		}
		definedIn[k] = name
		rubrics = append(rubrics, r)
		if len(ps) == 0 {
			valid[name] = r
		}
	}

	var overlays []overlay
	translatedIn := make(map[string]string) // base file and language → the translation's file
	for _, name := range overlayFiles {
		version, lang, _ := overlayOf(name)
		candidates := baseFiles(name, version)
		baseFile := ""
		for _, b := range candidates {
			if read[b] {
				baseFile = b
				break
			}
		}
		if baseFile == "" {
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf(
				"no rubric file %s beside this translation: a file v<N>.<language>.yaml translates the rubric file v<N>.yaml of its folder",
				path.Base(candidates[0]))})
			continue
		}
		base := valid[baseFile] // nil when the rubric file is broken: its problems are listed
		if base != nil && base.Version != version {
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf(
				"%s holds version %d of rubric %q, not version %d: name the rubric file v%d.yaml",
				baseFile, base.Version, base.ID, version, base.Version)})
			base = nil
		}
		k := baseFile + " " + lang
		if first, dup := translatedIn[k]; dup {
			problems = append(problems, Problem{File: name, Message: fmt.Sprintf(
				"the %q translation of %s is already in %s", lang, baseFile, first)})
			continue
		}
		translatedIn[k] = name
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			problems = append(problems, Problem{File: name, Message: err.Error()})
			continue
		}
		localized, ps := parseOverlay(name, data, base, baseFile)
		problems = append(problems, ps...)
		if localized != nil {
			overlays = append(overlays, overlay{file: name, lang: lang, base: base, localized: localized})
		}
	}
	if len(problems) > 0 {
		return loaded{}, problems
	}
	slices.SortFunc(rubrics, compareRubrics)
	return loaded{rubrics: rubrics, overlays: overlays}, nil
}

// Parse reads and checks one rubric file; name is used in problems only. It
// returns the rubric with its Hash set, or a Problems error listing everything
// wrong with the file.
func Parse(name string, data []byte) (*registry.Rubric, error) {
	r, ps := parse(name, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return r, nil
}

// parse returns the rubric a file describes (possibly broken, or nil when the
// file could not be read as one) and the file's problems. The hash is set
// when there are no problems.
func parse(name string, data []byte) (*registry.Rubric, Problems) {
	c := newCollector(name)
	f := decodeFile(data, c)
	if f == nil {
		return nil, c.problems
	}
	r := convert(f, c)
	if len(c.problems) == 0 {
		h, err := Hash(r)
		if err != nil {
			// Unreachable after the checks, which rule out NaN and infinities.
			c.report("", "cannot compute the hash: "+err.Error())
		}
		r.Hash = h
	}
	c.sortByLine()
	return r, c.problems
}

func compareRubrics(a, b *registry.Rubric) int {
	return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Version, b.Version))
}
