package hints

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// particles come between a title and a surname: "Mr ap Rhys", "Ms de
// Souza", "Dr van der Berg".
var particles = set("ap", "ab", "ferch", "verch", "van", "von", "de", "da", "di", "du", "del", "della", "le", "la", "mac")

// titleWords are the titles, as they may be written.
var titleWords = []string{"Mrs", "Mr", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Revd", "Rev", "mrs", "mr", "mx"}

// titles are titleWords in lower case.
var titles = set("mrs", "mr", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "revd", "rev")

// notTitleNames are title-and-name pairs that are products, not people
// (lower case, the title without its full stop).
var notTitleNames = set(
	"ms word", "ms excel", "ms teams", "ms powerpoint", "ms office", "ms forms", "ms onenote", "ms outlook",
	"ms paint", "ms access", "ms edge", "ms publisher", "ms sway", "ms project", "ms dos", "ms windows",
	"ms sharepoint", "ms planner", "ms whiteboard", "ms stream", "ms copilot", "ms bookings",
	"mr men", "dr frost", "mr barton", "miss out",
)

// welshCounties follow "Sir" ("county") in Welsh: "Sir Benfro" is
// Pembrokeshire, not a knight.
var welshCounties = set(
	"gâr", "gar", "benfro", "fynwy", "ddinbych", "fôn", "fon", "gaerfyrddin", "feirionnydd", "frycheiniog",
	"drefaldwyn", "fflint", "forgannwg", "aberteifi", "gaernarfon", "faesyfed", "ceredigion", "conwy", "powys",
)

// findTitleNames reads, after a title and its optional full stop, up to two
// initials ("J.", "J"), an optional particle and one or two name words.
func findTitleNames(text string, add func(start, end int)) {
	next := 0
	for _, p := range wordStarts(text, titleWords...) {
		if p < next {
			continue
		}
		t := p
		for t < len(text) && isLetter(text[t]) {
			t++
		}
		title := strings.ToLower(text[p:t])
		if t < len(text) && text[t] == '.' {
			t++
		}
		for k := 0; k < 2; k++ {
			if w, ws := nextWord(text, t); ws >= 0 && isInitial(w) {
				t = ws + len(w)
			}
		}
		if w, ws := nextWord(text, t); ws >= 0 && particles[w] {
			t = ws + len(w)
			if w2, ws2 := nextWord(text, t); w == "van" && (w2 == "der" || w2 == "den") {
				t = ws2 + len(w2)
			}
		}
		_, words := readName(text, t, 2, nil, false)
		if len(words) == 0 {
			continue
		}
		// As a regexp's FindAll would, look for the next match after this
		// one, but after a rejected one only after its first name word: "Ms
		// Word Mrs Patel".
		next = words[0].end
		name := words[0].w
		if !hasLower(name) || stopwords[norm(name)] || titles[norm(name)] {
			continue
		}
		if notTitleNames[title+" "+norm(name)] || title == "sir" && welshCounties[norm(name)] {
			continue
		}
		end := words[0].end
		if len(words) > 1 {
			second := words[1].w
			if n := norm(second); hasLower(second) && !stopwords[n] && !trailingNoise[n] && !titles[n] {
				end = words[1].end
			}
		}
		end = trimRight(text, p, end)
		add(p, end)
		next = end
	}
}

// isInitial reports whether w is an initial: a capital letter and maybe a
// full stop.
func isInitial(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) && (size == len(w) || w[size:] == ".")
}

// trimRight drops apostrophes and hyphens left at the end of text[start:end]
// ("Jones'" → "Jones").
func trimRight(text string, start, end int) int {
	for end > start {
		r, size := lastRune(text[start:end])
		if r != '\'' && r != '’' && r != '-' {
			break
		}
		end -= size
	}
	return end
}

var (
	// myNameRE is a phrase naming oneself; a name follows.
	myNameRE = regexp.MustCompile(`^(?i:my` + sp + `name(?:` + sp + `is|'s|’s)|i` + sp + `am` + sp + `called|i['’]m` + sp + `called|fy` + sp + `enw(?:` + sp + `i)?` + sp + `(?:yw|ydy|ydi|ydyw))`)
	// writtenByRE is "written by"; a first name and a surname follow.
	writtenByRE = regexp.MustCompile(`^[Ww]ritten` + sp + `by`)
	// iAmRE is "I'm" or "I am"; a name and "from" follow.
	iAmRE = regexp.MustCompile(`^(?:[Ii]['’]m|I` + sp + `am)`)
)

// notNames are capitalised words that follow "I'm" without being a name.
var notNames = set(
	"welsh", "english", "scottish", "irish", "british", "head", "deputy", "originally", "based", "currently",
	"senco", "year", "key", "stage", "teacher", "lecturer", "assistant", "ta", "hlta", "slt", "mr", "mrs", "ms",
	"miss", "dr", "not", "just", "also", "still", "writing", "speaking", "back", "away", "home", "here", "new",
)

// brands write things too: "written by Google Gemini" names no person.
var brands = set(
	"google", "microsoft", "apple", "openai", "meta", "amazon", "chatgpt", "copilot", "gemini", "claude",
	"anthropic", "pearson", "oxford", "cambridge", "collins", "hodder", "twinkl", "oak", "bbc", "ofsted",
	"estyn", "jisc", "nesta", "unesco", "ai", "gpt",
)

func findMyNames(text string, add func(start, end int)) {
	lower := asciiLower(text)
	for _, p := range wordStarts(lower, "my", "i", "fy", "written") {
		if m := matchAt(text, myNameRE, p, 32); m != nil {
			if _, words := readName(text, m[1], 3, nil, false); len(words) > 0 {
				if end := nameEnd(text, words[0].start, words[len(words)-1].end, nil); end > 0 {
					add(p, end)
				}
			}
		}
		if m := matchAt(text, writtenByRE, p, 32); m != nil {
			if _, words := readName(text, m[1], 3, nil, false); len(words) > 1 && !brands[norm(words[0].w)] {
				if end := nameEnd(text, words[0].start, words[len(words)-1].end, notNames); end >= words[1].end {
					add(p, end)
				}
			}
		}
		if m := matchAt(text, iAmRE, p, 32); m != nil {
			end, words := readName(text, m[1], 2, nil, false)
			if w, ws := nextWord(text, end); len(words) > 0 && ws >= 0 && strings.HasPrefix(w, "from") && !alnumAfter(w, len("from")) {
				if end := nameEnd(text, words[0].start, end, notNames); end > 0 {
					add(p, end)
				}
			}
		}
	}
}

// nameEnd returns where the name in text[start:end] ends once trailing
// words that are not names are dropped, or 0 if its first word is not a
// name.
func nameEnd(text string, start, end int, exclude map[string]bool) int {
	ws := wordSpans(text, start, end)
	last := 0
	for i, w := range ws {
		n := norm(w.w)
		if !hasLower(w.w) && len([]rune(n)) > 1 || stopwords[n] || exclude[n] || i > 0 && trailingNoise[n] {
			break
		}
		last = trimRight(text, w.start, w.end)
	}
	return last
}
