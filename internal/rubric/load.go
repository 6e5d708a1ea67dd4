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
// When anything is wrong Load returns no rubrics and a Problems error listing
// every problem found, each naming the file, the path inside it and what is
// wrong. A file system with no rubric files is a problem too.
func Load(fsys fs.FS) ([]*registry.Rubric, error) {
	var problems Problems
	var files []string
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
			files = append(files, name)
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
	for _, name := range files {
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
	}
	if len(problems) > 0 {
		return nil, problems
	}
	slices.SortFunc(rubrics, compareRubrics)
	return rubrics, nil
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
