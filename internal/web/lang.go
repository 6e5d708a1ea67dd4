package web

import (
	"golang.org/x/text/language"
)

// Lang is a language of the interface, as a BCP 47 tag.
type Lang string

// The interface's languages.
const (
	English Lang = "en"
	Welsh   Lang = "cy"
)

// Langs lists the interface's languages, the default first.
var Langs = []Lang{English, Welsh}

// LangCookie remembers the language a person chose with the switch.
const LangCookie = "registry_lang"

var matcher = language.NewMatcher([]language.Tag{language.English, language.MustParse("cy")})

// ParseLang returns the language a value names, and whether it names one.
func ParseLang(s string) (Lang, bool) {
	switch Lang(s) {
	case English, Welsh:
		return Lang(s), true
	}
	return English, false
}

// Negotiate picks the page's language: the one chosen with the switch
// (its cookie) when it names one, else the best match of the browser's
// Accept-Language, else English.
func Negotiate(cookie, acceptLanguage string) Lang {
	if l, ok := ParseLang(cookie); ok {
		return l
	}
	if acceptLanguage == "" {
		return English
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}

// Other returns the language the switch offers on a page in l.
func (l Lang) Other() Lang {
	if l == Welsh {
		return English
	}
	return Welsh
}
