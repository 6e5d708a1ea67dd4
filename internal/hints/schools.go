package hints

import (
	"regexp"
	"strings"
)

// headRE is the word a school's name ends with, matched at a trigger.
var headRE = regexp.MustCompile(`^(?:Sixth` + sp + `Form(?:` + sp + `(?:College|Centre))?|School|Academy|College|University)\b`)

// notSchools are organisations named like schools that are not one
// (lower case, as they start a match once leading stopwords are dropped).
var notSchools = []string{
	"khan academy", "oak national academy", "oak academy", "code academy", "chartered college",
	"national college", "royal college", "apple distinguished school", "microsoft showcase school",
	"google reference school", "open college network", "open university",
}

// maxNameWords is the most words a school's name has before or after its
// school word.
const maxNameWords = 7

func findSchools(text string, add func(start, end int)) {
	findSuffixSchools(text, add)
	findSaintSchools(text, add)
	findWelshSchools(text, add)
}

// findSuffixSchools reads back from each school word ("Kingsway Primary
// School"), and on after "of" ("University of South Wales") or after an
// academy ("Harris Academy Peckham").
func findSuffixSchools(text string, add func(start, end int)) {
	for _, p := range wordStarts(text, "School", "Academy", "College", "University", "Sixth") {
		m := matchAt(text, headRE, p, 32)
		if m == nil {
			continue
		}
		start, end := p, m[1]
		if s, n := readNameBack(text, p, maxNameWords, englishConn); n > 0 {
			start = trimLeading(text, s, p)
		}
		if w, ws := nextWord(text, end); w == "of" {
			// Keep what follows "of" unless nothing of it is left.
			if e, words := readName(text, ws+len(w), maxNameWords, englishConn, false); len(words) > 0 {
				if e = trimTrailing(text, words[0].start, e); e > words[0].start {
					end = e
				}
			}
		} else if text[p:end] == "Academy" {
			if e, words := readName(text, end, 3, nil, false); len(words) > 0 {
				if e = trimTrailing(text, words[0].start, e); e > words[0].start {
					end = e
				}
			}
		}
		if followedBy(text, end, "Press") {
			continue // Oxford University Press
		}
		if isSchoolName(text, start, end) {
			add(start, end)
		}
	}
}

// findSaintSchools reads "St" or "Saint", a saint's name with its
// possessive, and the capitalised words after it ("St Mary's Catholic
// Primary School").
func findSaintSchools(text string, add func(start, end int)) {
	// The next match is looked for after this one, or after a rejected
	// one's saint ("St David's Day St Mary's").
	next := 0
	for _, p := range wordStarts(text, "St", "Saint") {
		if p < next {
			continue
		}
		i := p + 2
		if text[p:i] == "Sa" {
			i = p + len("Saint")
		} else if i < len(text) && text[i] == '.' {
			i++
		}
		end, words := readName(text, i, maxNameWords, englishConn, false)
		if len(words) == 0 || words[0].w == "St." {
			continue
		}
		next = words[0].end
		// The saint's name needs its possessive: "St Mary's" is a school,
		// "St Fagans" and "St Albans" are places ("St Cyres School" is
		// found by its school word).
		if saint := words[0].w; !hasLower(saint) || !possessive(saint) {
			continue
		}
		if len(words) > 1 && norm(words[1].w) == "day" {
			continue // St David's Day
		}
		if end = trimTrailing(text, words[0].end, end); end < words[0].end {
			end = words[0].end
		}
		if !isNotSchool(text[p:end]) {
			end = trimRight(text, p, end)
			add(p, end)
			next = end
		}
	}
}

// findWelshSchools reads Ysgol, Coleg or Prifysgol and the capitalised words
// after it ("Ysgol y Cymer").
func findWelshSchools(text string, add func(start, end int)) {
	next := 0
	for _, p := range wordStarts(text, "Ysgol", "Coleg", "Prifysgol") {
		if p < next {
			continue
		}
		i := p
		for i < len(text) && isLetter(text[i]) {
			i++
		}
		end, words := readName(text, i, maxNameWords-1, welshConn, true)
		if len(words) == 0 {
			continue
		}
		// A rejected name has only generic words, and so has any name
		// starting inside it: look for the next one after it.
		next = end
		if end = trimTrailing(text, words[0].start, end); end > p && isSchoolName(text, p, end) {
			add(p, end)
		}
	}
}

// trimLeading returns where a school's name in text[start:end] starts once
// leading stopwords and connectors are dropped ("In the Kingsway …").
func trimLeading(text string, start, end int) int {
	for _, w := range wordSpans(text, start, end) {
		if !stopwords[norm(w.w)] {
			return w.start
		}
	}
	return end
}

// trimTrailing returns where text[start:end] ends once trailing stopwords,
// subjects and the like are dropped ("… Peckham I think").
func trimTrailing(text string, start, end int) int {
	ws := wordSpans(text, start, end)
	for len(ws) > 0 {
		n := norm(ws[len(ws)-1].w)
		if !stopwords[n] && !trailingNoise[n] {
			break
		}
		ws = ws[:len(ws)-1]
	}
	if len(ws) == 0 {
		return start
	}
	return trimRight(text, start, ws[len(ws)-1].end)
}

// isNotSchool reports whether name starts with one of notSchools.
func isNotSchool(name string) bool {
	lower := strings.ToLower(name)
	for _, n := range notSchools {
		if strings.HasPrefix(lower, n) {
			return true
		}
	}
	return false
}

// followedBy reports whether text[end:] starts with white space and word.
func followedBy(text string, end int, word string) bool {
	rest := strings.TrimLeft(text[end:], " \t")
	return len(rest) < len(text[end:]) && strings.HasPrefix(rest, word)
}

// isSchoolName reports whether text[start:end] names a school: it holds a
// word that is neither generic nor a stopword and has a lower-case letter,
// and is not a known organisation that is not a school.
func isSchoolName(text string, start, end int) bool {
	if start >= end {
		return false
	}
	if isNotSchool(text[start:end]) {
		return false
	}
	for _, w := range wordSpans(text, start, end) {
		n := norm(w.w)
		if hasLower(w.w) && !genericSchool[n] && !stopwords[n] && n != "st" && n != "saint" && n != "of" {
			return true
		}
	}
	return false
}

// possessive reports whether w ends in 's or s'.
func possessive(w string) bool {
	for _, suffix := range []string{"'s", "’s", "s'", "s’"} {
		if strings.HasSuffix(w, suffix) {
			return true
		}
	}
	return false
}
