package xlsx

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Lang is the language of a workbook's fixed labels: sheet titles, column
// headers, notes, instructions and the words that stand for values (risk
// levels, yes and no, the DPIA's lists). The rubric's own texts come from
// the rubric the workbook is given, so a workbook in Welsh is made from the
// rubric localized into Welsh (registry.RubricService.Localize). Sheet
// names, table names, ids and the API's codes (roles, phases, categories)
// are the same in every language.
type Lang string

// The workbooks' languages.
const (
	English Lang = "en"
	Welsh   Lang = "cy"
)

// Langs lists the workbooks' languages, the default first.
var Langs = []Lang{English, Welsh}

// ParseLang returns the language a code names ("en" or "cy"; "" is
// English), and whether it names one.
func ParseLang(s string) (Lang, bool) {
	switch Lang(s) {
	case "", English:
		return English, true
	case Welsh:
		return Welsh, true
	}
	return English, false
}

// labelsJSON is the catalogue of the workbooks' fixed labels: a key, then
// its text in each language ({"en": …, "cy": …}). A text with fmt verbs
// has the same verbs in every language (%[2]s may reorder them).
//
//go:embed labels.json
var labelsJSON []byte

// labels maps a key to its text by language.
var labels = func() map[string]map[Lang]string {
	var m map[string]map[Lang]string
	if err := json.Unmarshal(labelsJSON, &m); err != nil {
		// The catalogue is part of the binary; TestLabels catches this.
		panic("xlsx: labels.json: " + err.Error())
	}
	return m
}()

// t returns the text of key in l, formatted with args; English where l
// has none, and the key itself for a key the catalogue lacks (TestLabels
// fails for both).
func (l Lang) t(key string, args ...any) string {
	texts := labels[key]
	s, ok := texts[l]
	if !ok || s == "" {
		s, ok = texts[English]
	}
	if !ok {
		s = key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// tag is the language's BCP 47 tag for a workbook's document properties.
func (l Lang) tag() string {
	if l == Welsh {
		return "cy-GB"
	}
	return "en-GB"
}

// orEnglish is l, or English for the zero value.
func (l Lang) orEnglish() Lang {
	if l == "" {
		return English
	}
	return l
}
