package hints

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Where the detectors look. Nothing is searched for across the whole text:
// an unanchored regexp search runs Go's automaton from every byte, and most
// of a review holds nothing of interest. Each detector first finds the
// places where a match can start or must pass (a title, "St", "Ysgol", a
// school word, "my", "@", "://", a "0" or "+" starting a number, a letter
// followed by a digit) with strings.Index or one pass over the bytes, and
// reads from there: a small regexp anchored at that place (phrases, phone
// numbers, postcodes), word by word (names, scan.go) or byte by byte (email
// addresses, URLs). Every read stops after a bounded number of words or
// bytes, so the work is linear in the length of the text.

// sp, in a regexp, is a run of horizontal white space (tabs, spaces,
// no-break spaces): hints do not cross lines.
const sp = `[\t\p{Zs}]+`

// snapSlack is how far the end of what an anchored regexp may read moves
// to reach white space.
const snapSlack = 16

// matchAt returns the submatch indexes (offsets into text) of re, which
// must start with ^, matched at p reading at most about limit bytes, or nil.
func matchAt(text string, re *regexp.Regexp, p, limit int) []int {
	m := re.FindStringSubmatchIndex(text[p:snapEnd(text, p+limit)])
	for i := range m {
		if m[i] >= 0 {
			m[i] += p
		}
	}
	return m
}

// snapEnd moves e forward to white space (or the end of text) if that is
// near, or else to the start of a character.
func snapEnd(text string, e int) int {
	if e >= len(text) {
		return len(text)
	}
	for i := e; i < len(text) && i <= e+snapSlack; i++ {
		if isSpace(text[i]) {
			return i
		}
	}
	for e < len(text) && !utf8.RuneStart(text[e]) {
		e++
	}
	return e
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// indexAll returns every position in text of each of the literals.
func indexAll(text string, literals ...string) []int {
	var ps []int
	for _, lit := range literals {
		for i := 0; ; {
			j := strings.Index(text[i:], lit)
			if j < 0 {
				break
			}
			ps = append(ps, i+j)
			i += j + len(lit)
		}
	}
	return ps
}

// wordStarts returns the positions in text of each of the literals where
// they start a word (nothing alphanumeric just before them) and end one
// (no letter just after them), in order.
func wordStarts(text string, literals ...string) []int {
	var ps []int
	for _, lit := range literals {
		for _, p := range indexAll(text, lit) {
			end := p + len(lit)
			if alnumBefore(text, p) {
				continue
			}
			if r, _ := utf8.DecodeRuneInString(text[end:]); end < len(text) && unicode.IsLetter(r) {
				continue
			}
			ps = append(ps, p)
		}
	}
	sort.Ints(ps)
	return ps
}

// asciiLower returns text with ASCII letters in lower case and every other
// byte as it was, so that offsets into it are offsets into text.
func asciiLower(text string) string {
	b := []byte(text)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// alnumBefore reports whether a letter, digit or underscore ends text[:p].
func alnumBefore(text string, p int) bool {
	if p <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:p])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// alnumAfter reports whether a letter, digit or underscore starts text[p:].
func alnumAfter(text string, p int) bool {
	if p >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[p:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
