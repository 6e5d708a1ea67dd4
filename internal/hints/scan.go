package hints

import (
	"unicode"
	"unicode/utf8"
)

// Names are read word by word rather than with a regexp: a capitalised
// word, then white space, then another, with a connector ("of", "y") between
// two of them. Every read is bounded: a name has a bounded number of words
// (maxNameWords), and a word longer than nameLimit bytes ends it.

// nameLimit is the most bytes a word of a name, or the white space before
// it, may have.
const nameLimit = 128

// isHSpace reports whether r is horizontal white space: names do not cross
// lines.
func isHSpace(r rune) bool { return r == '\t' || unicode.Is(unicode.Zs, r) }

// nextWord returns the word after the horizontal white space that starts
// text[i:], and where it starts; -1 if text[i:] does not start with white
// space followed by a word of at most nameLimit bytes.
func nextWord(text string, i int) (string, int) {
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isHSpace(r) {
			break
		}
		j += size
	}
	if j == i || j == len(text) || j-i > nameLimit {
		return "", -1
	}
	k := j
	for k < len(text) && k-j <= nameLimit {
		r, size := utf8.DecodeRuneInString(text[k:])
		if unicode.IsSpace(r) {
			break
		}
		k += size
	}
	if k-j > nameLimit {
		return "", -1
	}
	return text[j:k], j
}

// prevWord returns the word before the horizontal white space that ends
// text[:i], and where it starts; -1 if text[:i] does not end with a word of
// at most nameLimit bytes and white space.
func prevWord(text string, i int) (string, int) {
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if !isHSpace(r) {
			break
		}
		j -= size
	}
	if j == i || j == 0 || i-j > nameLimit {
		return "", -1
	}
	k := j
	for k > 0 && j-k <= nameLimit {
		r, size := utf8.DecodeLastRuneInString(text[:k])
		if unicode.IsSpace(r) {
			break
		}
		k -= size
	}
	if j-k > nameLimit {
		return "", -1
	}
	return text[k:j], k
}

// isWordRune reports whether r may be inside a capitalised word: letters,
// marks, apostrophes and hyphens ("O'Neill", "Mary's", "Jones-Evans").
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.M, r) || r == '\'' || r == '’' || r == '-'
}

// capPrefix returns the length of the capitalised word w starts with (an
// upper-case letter and word runes), or 0.
func capPrefix(w string) int {
	r, size := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return 0
	}
	n := size
	for n < len(w) {
		r, size := utf8.DecodeRuneInString(w[n:])
		if !isWordRune(r) {
			break
		}
		n += size
	}
	return n
}

// capSuffix returns where the capitalised word w ends with starts ("(Kingsway"
// → 1), or -1.
func capSuffix(w string) int {
	k := len(w)
	for k > 0 {
		r, size := utf8.DecodeLastRuneInString(w[:k])
		if !isWordRune(r) {
			break
		}
		k -= size
	}
	// w[k:] is made of word runes; skip leading apostrophes and hyphens.
	for k < len(w) {
		r, size := utf8.DecodeRuneInString(w[k:])
		if unicode.IsUpper(r) {
			return k
		}
		if unicode.IsLetter(r) || unicode.Is(unicode.M, r) {
			return -1
		}
		k += size
	}
	return -1
}

// isNameWord reports whether w is a whole capitalised word, or "St.".
func isNameWord(w string) bool {
	return w == "St." || w != "" && capPrefix(w) == len(w)
}

// connFunc reports whether w joins the name word before it to next.
type connFunc func(w, next string) bool

// englishConn joins the words of an English name: "Bishop of Llandaff", "Pen
// y Dre", "Church in Wales".
func englishConn(w, next string) bool {
	switch w {
	case "of", "the", "upon", "y", "yr", "&":
		return true
	case "in":
		return next == "Wales"
	}
	return false
}

// welshConn joins the words of a Welsh name: "Ysgol y Cymer", "Coleg
// Caerdydd a'r Fro", "Maes y Gwendraeth". "a" and "ac" ("and") are left
// out: they join two names more often than they sit inside one.
func welshConn(w, next string) bool {
	switch w {
	case "y", "yr", "'r", "’r", "ar", "o", "a'r", "a’r":
		return true
	}
	return false
}

// readName reads a name forward from i, where the word before it ends: at
// most max capitalised words, with a connector (when conn is not nil)
// between two of them, or before the first when lead is set. A word with
// punctuation after it ("Cymer,") ends the name. It returns where the name
// ends (i if there is none) and its words.
func readName(text string, i, max int, conn connFunc, lead bool) (int, []wordSpan) {
	end := i
	var words []wordSpan
	for len(words) < max {
		w, ws := nextWord(text, end)
		if ws < 0 {
			break
		}
		if n := nameWordPrefix(w); n > 0 {
			words = append(words, wordSpan{w[:n], ws, ws + n})
			end = ws + n
			if n < len(w) {
				break
			}
			continue
		}
		if conn == nil || len(words) == 0 && !lead {
			break
		}
		w2, ws2 := nextWord(text, ws+len(w))
		if ws2 < 0 || !conn(w, w2) {
			break
		}
		n := nameWordPrefix(w2)
		if n == 0 {
			break
		}
		words = append(words, wordSpan{w2[:n], ws2, ws2 + n})
		end = ws2 + n
		if n < len(w2) {
			break
		}
	}
	return end, words
}

// nameWordPrefix is capPrefix, but takes "St." whole.
func nameWordPrefix(w string) int {
	if len(w) >= 3 && w[:3] == "St." {
		return 3
	}
	return capPrefix(w)
}

// readNameBack reads a name backward from h, where the word after it
// starts, as readName would read it forward: at most max words, with a
// connector between two of them. A word with punctuation before it
// ("(Kingsway") ends the name. It returns where the name starts (h if there
// is none) and how many words it has.
func readNameBack(text string, h, max int, conn connFunc) (int, int) {
	start, words := h, 0
	right := ""
	for words < max {
		w, ws := prevWord(text, start)
		if ws < 0 {
			break
		}
		if isNameWord(w) {
			start, right = ws, w
			words++
			continue
		}
		if k := capSuffix(w); k > 0 {
			start = ws + k
			words++
			break
		}
		if words == 0 || !conn(w, right) {
			break
		}
		w2, ws2 := prevWord(text, ws)
		if ws2 < 0 {
			break
		}
		if isNameWord(w2) {
			start, right = ws2, w2
			words++
			continue
		}
		if k := capSuffix(w2); k > 0 {
			start = ws2 + k
			words++
		}
		break
	}
	return start, words
}
