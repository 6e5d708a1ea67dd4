package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Catalogue holds every message of the interface in every language of
// Langs, keyed by a dotted name ("product.assessment.title"). Messages are
// fmt formats; a translation may reorder its arguments with explicit
// indexes (%[2]s), and must use the same arguments as the English.
type Catalogue struct {
	msgs map[string]map[Lang]string
}

// messageFile is one catalogue file: key → language → text.
type messageFile map[string]map[string]string

// LoadCatalogue reads every messages/*.json file of fsys. It fails, naming
// each problem, when a key is defined twice, lacks a language of Langs
// (or has an empty text), has a language that is not one of them, or when
// a translation's format arguments differ from the English one's.
func LoadCatalogue(fsys fs.FS) (*Catalogue, error) {
	names, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("web: no message files")
	}
	c := &Catalogue{msgs: map[string]map[Lang]string{}}
	definedIn := map[string]string{}
	var problems []string
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var f messageFile
		if err := json.Unmarshal(data, &f); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path.Base(name), err))
			continue
		}
		for key, texts := range f {
			if prev, ok := definedIn[key]; ok {
				problems = append(problems, fmt.Sprintf("%s: %q is already defined in %s", path.Base(name), key, prev))
				continue
			}
			definedIn[key] = path.Base(name)
			m := map[Lang]string{}
			for lang, text := range texts {
				l, ok := ParseLang(lang)
				if !ok || string(l) != lang {
					problems = append(problems, fmt.Sprintf("%s: %q has a text in %q, which is not a language of the interface", path.Base(name), key, lang))
					continue
				}
				m[l] = text
			}
			for _, l := range Langs {
				if strings.TrimSpace(m[l]) == "" {
					problems = append(problems, fmt.Sprintf("%s: %q has no %s text", path.Base(name), key, l))
				}
			}
			if en, cy := m[English], m[Welsh]; en != "" && cy != "" && !sameVerbs(en, cy) {
				problems = append(problems, fmt.Sprintf("%s: %q: the Welsh text's format arguments %v differ from the English %v", path.Base(name), key, verbs(cy), verbs(en)))
			}
			c.msgs[key] = m
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("web: message catalogue:\n  %s", strings.Join(problems, "\n  "))
	}
	return c, nil
}

// verbRE matches a fmt verb, with an optional explicit argument index.
var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs lists a format's verbs as "index:verb" (index counted as fmt
// does), sorted, leaving out "%%".
func verbs(format string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		v := m[0]
		if strings.HasSuffix(v, "%") {
			continue
		}
		i := next
		if m[1] != "" {
			fmt.Sscanf(m[1], "[%d]", &i)
		}
		out = append(out, fmt.Sprintf("%d:%c", i, v[len(v)-1]))
		next = i + 1
	}
	sort.Strings(out)
	return out
}

func sameVerbs(a, b string) bool { return slices.Equal(verbs(a), verbs(b)) }

// Keys returns every key of the catalogue, sorted.
func (c *Catalogue) Keys() []string {
	keys := make([]string, 0, len(c.msgs))
	for k := range c.msgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether the catalogue defines key.
func (c *Catalogue) Has(key string) bool { _, ok := c.msgs[key]; return ok }

// T returns the message key in lang, formatted with args. A key the
// catalogue lacks is an error, so a page that names one fails to render
// (and its test fails) rather than showing a key to a reader.
func (c *Catalogue) T(lang Lang, key string, args ...any) (string, error) {
	m, ok := c.msgs[key]
	if !ok {
		return "", fmt.Errorf("web: no message %q", key)
	}
	text := m[lang]
	if text == "" {
		text = m[English]
	}
	if len(args) == 0 {
		return text, nil
	}
	return fmt.Sprintf(text, args...), nil
}
