package rubric

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// decodeFile decodes one rubric file strictly. It walks the YAML node tree
// against the file shapes first, so that an unknown key or a value of the
// wrong type is reported with its path (yaml.v3 itself only gives a line), and
// then decodes the tree. It returns nil when there is nothing to check.
func decodeFile(data []byte, c *collector) *fileRubric {
	return decodeStrict[fileRubric](data, c, "rubric")
}

// decodeStrict decodes one file of one document into a T as decodeFile
// does; what names the file's kind in problems ("rubric", "translation").
func decodeStrict[T any](data []byte, c *collector, what string) *T {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			c.decodeProblem("", "empty file: want one "+what)
		} else {
			c.decodeProblem("", "invalid YAML: "+yamlMessage(err))
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		c.report("", "more than one YAML document: want one "+what+" per file")
	} else if !errors.Is(err, io.EOF) {
		c.report("", "invalid YAML after the first document: "+yamlMessage(err))
	}

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	c.walk(root, reflect.TypeFor[T](), "")

	var f T
	if err := root.Decode(&f); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			c.decodeProblem("", yamlMessage(err))
			return nil
		}
		// The walk reports every type error with its path; this is a safety
		// net should yaml.v3 reject something the walk let through.
		if len(c.problems) == 0 {
			for _, msg := range te.Errors {
				c.decodeProblem("", msg)
			}
		}
	}
	return &f
}

// walk checks node n against the Go type t that will receive it: mappings for
// structs (with known keys only, each once), sequences for slices, and scalars
// that decode into the field's type. It records the line of every path.
func (c *collector) walk(n *yaml.Node, t reflect.Type, path string) {
	c.lines[path] = n.Line
	if n.Kind == yaml.AliasNode {
		// A rubric is read by people: every value is written where it
		// applies. Refusing aliases also rules out alias bombs.
		c.decodeProblem(path, fmt.Sprintf("aliases (*%s) are not allowed: write the value out (line %d)", n.Value, n.Line))
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // absent; the rule checks say whether that is allowed
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.decodeProblem(path, fmt.Sprintf("want a mapping with the keys %s, got %s", strings.Join(yamlKeys(t), ", "), describe(n)))
			return
		}
		seen := make(map[string]int)
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinPath(path, k.Value)
			if line, dup := seen[k.Value]; dup {
				c.report(p, fmt.Sprintf("key given twice (lines %d and %d)", line, k.Line))
				continue
			}
			c.lines[p] = k.Line
			seen[k.Value] = k.Line
			kept = append(kept, k, v)
			field, ok := yamlField(t, k.Value)
			if !ok {
				c.report(p, fmt.Sprintf("unknown key (line %d); the keys here are %s", k.Line, strings.Join(yamlKeys(t), ", ")))
				continue
			}
			c.walk(v, field, p)
		}
		// yaml.v3 refuses a whole mapping with a repeated key; keep the first
		// so that the rest of the file is still checked.
		if len(kept) != len(n.Content) {
			n.Content = kept
		}
	case reflect.Map:
		// Keyed by id (a translation's dimensions and criteria): any key,
		// each once, every value of the map's element type.
		if n.Kind != yaml.MappingNode {
			c.decodeProblem(path, "want a mapping keyed by id, got "+describe(n))
			return
		}
		seen := make(map[string]int)
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				c.decodeProblem(path, fmt.Sprintf("want ids as keys, got %s (line %d)", describe(k), k.Line))
				return
			}
			p := joinPath(path, k.Value)
			if line, dup := seen[k.Value]; dup {
				c.report(p, fmt.Sprintf("key given twice (lines %d and %d)", line, k.Line))
				continue
			}
			c.lines[p] = k.Line
			seen[k.Value] = k.Line
			kept = append(kept, k, v)
			c.walk(v, t.Elem(), p)
		}
		if len(kept) != len(n.Content) {
			n.Content = kept
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.decodeProblem(path, "want a list, got "+describe(n))
			return
		}
		for i, e := range n.Content {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		want := describeType(t)
		if n.Kind != yaml.ScalarNode {
			c.decodeProblem(path, fmt.Sprintf("want %s, got %s", want, describe(n)))
			return
		}
		if !scalarFits(n, t) {
			c.decodeProblem(path, fmt.Sprintf("want %s, got %q (line %d)", want, n.Value, n.Line))
		}
	}
}

// scalarFits says whether scalar node n decodes into type t without loss:
// yaml.v3 alone would truncate 1.5 into an integer field.
func scalarFits(n *yaml.Node, t reflect.Type) bool {
	tag := n.ShortTag()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if tag != "!!int" {
			return false
		}
	case reflect.Float32, reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			return false
		}
	case reflect.Bool:
		if tag != "!!bool" {
			return false
		}
	}
	return n.Decode(reflect.New(t).Interface()) == nil
}

// yamlField returns the type of the field of struct t whose yaml key is key.
func yamlField(t reflect.Type, key string) (reflect.Type, bool) {
	for f := range t.Fields() {
		if yamlName(f) == key {
			return f.Type, true
		}
	}
	return nil, false
}

// yamlKeys lists the yaml keys of struct t in declaration order.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		keys = append(keys, yamlName(f))
	}
	return keys
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q (line %d)", n.Value, n.Line)
	default:
		return "something else"
	}
}

// describeType names what a scalar field wants, for messages.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	default:
		return "text"
	}
}

// yamlMessage drops yaml.v3's "yaml: " prefix.
func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
