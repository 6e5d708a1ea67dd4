package rubric

import (
	"cmp"
	"iter"
	"slices"
	"strings"
)

// Problem is one thing wrong with a rubric file.
type Problem struct {
	// File is the file's path inside the loaded file system, for example
	// "default/v1.yaml".
	File string
	// Path locates the offending value inside the file, in the file's own key
	// names, for example "dimensions[1].criteria[2].levels". It is empty when
	// the problem concerns the whole file.
	Path string
	// Message says what is wrong.
	Message string
}

// String formats the problem as "file: path: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the error Load returns when rubric files are broken: every
// problem found, in file order.
type Problems []Problem

// Error lists every problem, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// collector gathers the problems of one file. Paths whose value could not be
// decoded are remembered so that the rule checks, which see a zero value
// there, do not report the same value a second time.
type collector struct {
	file     string
	problems Problems
	broken   map[string]bool
	lines    map[string]int // path → line of its value in the file
}

func newCollector(file string) *collector {
	return &collector{file: file, broken: make(map[string]bool), lines: make(map[string]int)}
}

// sortByLine orders the problems as they appear in the file. A problem at a
// missing value sorts at the line of the nearest value that contains it.
func (c *collector) sortByLine() {
	slices.SortStableFunc(c.problems, func(a, b Problem) int {
		return cmp.Compare(c.lineOf(a.Path), c.lineOf(b.Path))
	})
}

func (c *collector) lineOf(path string) int {
	for p := range ancestry(path) {
		if line, ok := c.lines[p]; ok {
			return line
		}
	}
	return 0
}

// decodeProblem records a value that could not be decoded.
func (c *collector) decodeProblem(path, msg string) {
	c.broken[path] = true
	c.problems = append(c.problems, Problem{File: c.file, Path: path, Message: msg})
}

// add records a broken rule, unless the value at path (or one containing it)
// could not be decoded in the first place.
func (c *collector) add(path, msg string) {
	for p := range ancestry(path) {
		if c.broken[p] {
			return
		}
	}
	c.problems = append(c.problems, Problem{File: c.file, Path: path, Message: msg})
}

// report records a problem that leaves the value usable (an unknown or
// repeated key), so the rule checks still run.
func (c *collector) report(path, msg string) {
	c.problems = append(c.problems, Problem{File: c.file, Path: path, Message: msg})
}

// ancestry yields path and every path containing it, up to the whole file
// (""): "a[1].b", "a[1]", "a", "".
func ancestry(path string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for p := path; ; {
			if !yield(p) || p == "" {
				return
			}
			p = p[:max(strings.LastIndexAny(p, ".["), 0)]
		}
	}
}
