package hints

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// set builds a set of lower-case words.
func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// stopwords are capitalised at the start of a sentence but never begin a
// name: determiners, pronouns, prepositions, conjunctions, and adjectives
// that describe a kind of school rather than name one.
var stopwords = set(
	"the", "a", "an", "this", "that", "these", "those", "our", "my", "your", "their", "his", "her", "its",
	"every", "each", "any", "all", "most", "many", "some", "other", "another", "both", "no", "few", "several",
	"such", "same", "which", "what", "whose", "in", "at", "for", "from", "to", "with", "by", "as", "of", "on",
	"and", "but", "or", "if", "when", "while", "because", "so", "i", "we", "you", "they", "he", "she", "it",
	"new", "old", "local", "nearby", "previous", "current", "former", "last", "next", "first", "one", "two",
	"typical", "average", "large", "small", "big", "busy", "rural", "urban", "whole", "entire", "like",
	"y", "yr", "'r", "’r", "ac", "ar", "o", "yn", "mae", "ei", "eu", "ein", "fy", "dy", "ym", "yng", "mewn",
	"we're", "i'm", "i’m", "we’re", "after", "before", "then", "also", "even", "only", "not", "about",
	"head", "deputy", "headteacher", "principal", "teacher", "teachers", "staff", "pupils", "students",
	"parents", "governors", "here", "there", "today", "yesterday", "since", "until", "during", "although",
)

// genericSchool are words that describe a kind of school (or are the school
// words themselves) and so cannot, alone, make a name.
var genericSchool = set(
	"school", "schools", "academy", "college", "university", "sixth", "form", "centre", "primary", "secondary",
	"high", "grammar", "infant", "infants", "junior", "juniors", "free", "middle", "community", "comprehensive",
	"catholic", "church", "cathedral", "c", "e", "ce", "preparatory", "prep", "nursery", "special", "independent",
	"state", "private", "public", "boarding", "day", "boys", "girls", "upper", "lower", "senior", "faith",
	"village", "forest", "summer", "sunday", "home", "online", "virtual", "international", "language",
	"welsh", "english", "scottish", "irish", "british", "uk", "welsh-medium", "english-medium", "mainstream",
	"maintained", "further", "higher", "education", "teaching", "learning", "thought", "trust", "multi",
	"feeder", "partner", "hub", "national", "federation", "studio", "technical", "training", "city", "county",
	"council", "pupil", "pupils", "student", "students", "staff", "teacher", "teachers", "support",
	// Welsh
	"ysgol", "coleg", "prifysgol", "gynradd", "uwchradd", "gyfun", "gymraeg", "cymraeg", "feithrin", "babanod",
	"iau", "arbennig", "eglwys", "ganol", "sul", "haf", "gatholig", "addysg", "bellach", "chweched",
	"dosbarth", "cenedlaethol", "bob", "pob", "oed", "ddwyieithog", "dwyieithog", "wladol", "breifat",
)

// trailingNoise are words that may follow a school's name in a sentence
// without being part of it ("at St Mary's English is…").
var trailingNoise = set(
	"english", "welsh", "maths", "math", "mathematics", "science", "history", "geography", "art", "music",
	"pe", "re", "french", "spanish", "german", "computing", "drama", "year", "key", "stage", "department",
	"staff", "teachers", "pupils", "students", "trust", "day",
)

// norm lower-cases a word and drops a possessive or plural apostrophe and a
// full stop: "Mary's" → "mary", "Infants'" → "infants", "St." → "st".
func norm(w string) string {
	w = strings.ToLower(w)
	for _, suffix := range []string{"'s", "’s", "'", "’", "."} {
		w = strings.TrimSuffix(w, suffix)
	}
	return w
}

// hasLower reports whether s has a lower-case letter.
func hasLower(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// lastRune is utf8.DecodeLastRuneInString.
func lastRune(s string) (rune, int) { return utf8.DecodeLastRuneInString(s) }

// wordSpan is a word of text and its byte offsets.
type wordSpan struct {
	w          string
	start, end int
}

// wordSpans splits text[start:end] into words with their offsets in text.
func wordSpans(text string, start, end int) []wordSpan {
	var out []wordSpan
	i := start
	for i < end {
		r, size := utf8.DecodeRuneInString(text[i:end])
		if isHSpace(r) {
			i += size
			continue
		}
		j := i
		for j < end {
			r, size := utf8.DecodeRuneInString(text[j:end])
			if isHSpace(r) {
				break
			}
			j += size
		}
		out = append(out, wordSpan{text[i:j], i, j})
		i = j
	}
	return out
}
