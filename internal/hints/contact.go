package hints

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// findEmails reads out from each "@": back over the local part, forward
// over the domain's labels, which must end in letters.
func findEmails(text string, add func(start, end int)) {
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		start := i
		for start > 0 && isLocalChar(text[start-1]) {
			start--
		}
		for start < i && text[start] == '.' {
			start++
		}
		if start == i {
			continue
		}
		end := i + 1
		for end < len(text) && isDomainChar(text[end]) {
			end++
		}
		labels := strings.Split(text[i+1:end], ".")
		valid := 0
		for valid < len(labels) && isLabel(labels[valid]) {
			valid++
		}
		for k := valid; k >= 2; k-- {
			if isAlpha(labels[k-1]) && len(labels[k-1]) >= 2 {
				add(start, i+1+len(strings.Join(labels[:k], ".")))
				break
			}
		}
		i = end - 1
	}
}

// bareTLDs are the top-level domains after which a bare name.tld is a URL,
// in lower case only.
var bareTLDs = set("com", "org", "net", "edu", "gov", "uk", "ie", "eu", "io", "ai", "app", "dev", "co", "info",
	"tech", "education", "school", "academy", "online", "site", "blog", "cymru", "wales", "scot", "london")

// urlTrail is punctuation that ends a sentence rather than a URL.
const urlTrail = `.,;:!?'")]}>’”`

// findURLs finds addresses after a scheme or "www.", up to white space, and
// bare domains: runs of labels and dots whose last label is in bareTLDs.
func findURLs(text string, add func(start, end int)) {
	lower := asciiLower(text)
	covered := 0
	ps := append(indexAll(lower, "://"), indexAll(lower, "www.")...)
	sort.Ints(ps)
	for _, p := range ps {
		if p < covered {
			continue
		}
		start, from := p, p+len("www.")
		if strings.HasPrefix(lower[p:], "://") {
			switch {
			case strings.HasSuffix(lower[:p], "https"):
				start = p - len("https")
			case strings.HasSuffix(lower[:p], "http"):
				start = p - len("http")
			case strings.HasSuffix(lower[:p], "ftp"):
				start = p - len("ftp")
			default:
				continue
			}
			from = p + len("://")
		}
		if alnumBefore(text, start) {
			continue
		}
		end := urlEnd(text, from)
		covered = end
		if end > from {
			add(start, end)
		}
	}
	for i := 0; i < len(text); {
		if !isDomainChar(text[i]) {
			i++
			continue
		}
		end, dot := i, false
		for end < len(text) && isDomainChar(text[end]) {
			dot = dot || text[end] == '.'
			end++
		}
		next := end
		if !dot {
			i = next
			continue
		}
		// A run glued to a word ("x_tool.com", "étool.com") is not a
		// domain.
		if d := bareDomainEnd(text, i, end); d > 0 && !alnumBefore(text, i) {
			e := d
			if d == end && end < len(text) && text[end] == '/' {
				e = urlEnd(text, end)
				next = max(next, e)
			}
			start := i
			for text[start] == '.' || text[start] == '-' {
				start++
			}
			add(start, max(e, d))
		}
		i = next
	}
}

// bareDomainEnd returns where the bare domain in the run text[i:end] of
// domain characters ends, or 0: its labels from the first up to the last
// one in bareTLDs, at least two.
func bareDomainEnd(text string, i, end int) int {
	for i < end && (text[i] == '.' || text[i] == '-') {
		i++
	}
	labels := strings.Split(text[i:end], ".")
	valid := 0
	for valid < len(labels) && isLabel(labels[valid]) {
		valid++
	}
	for k := valid; k >= 2; k-- {
		if bareTLDs[labels[k-1]] {
			return i + len(strings.Join(labels[:k], "."))
		}
	}
	return 0
}

// urlEnd returns where a URL whose address starts at from ends: at white
// space or <>"` , less trailing punctuation.
func urlEnd(text string, from int) int {
	end := from
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if unicode.IsSpace(r) || strings.ContainsRune("<>\"`", r) {
			break
		}
		end += size
	}
	for end > from {
		r, size := lastRune(text[from:end])
		if !strings.ContainsRune(urlTrail, r) {
			break
		}
		end -= size
	}
	return end
}

func isLocalChar(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("._%+-", c) >= 0
}

func isDomainChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '.' || c == '-' }

// isLabel reports whether s is a domain label: letters, digits and inner
// hyphens.
func isLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}

// phoneRE finds candidate UK numbers; checkPhone decides.
var phoneRE = regexp.MustCompile(`^(?:\+44|0044)[ \-]?(?:\(0\)[ \-]?)?[1237](?:[ \-]?\d){8,9}|^\(?0[1237](?:[ \-)]{0,2}\d){8,9}`)

func findPhones(text string, add func(start, end int)) {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '+',
			c == '(' && i+1 < len(text) && text[i+1] == '0',
			c == '0' && (i == 0 || !isDigit(text[i-1]) && text[i-1] != '('):
			if m := matchAt(text, phoneRE, i, 40); m != nil && checkPhone(text, m[0], m[1]) {
				add(m[0], m[1])
			}
		}
	}
}

// checkPhone reports whether text[start:end], a phoneRE match, is a UK
// number standing on its own.
func checkPhone(text string, start, end int) bool {
	if end < len(text) && isDigit(text[end]) {
		return false // part of a longer number
	}
	if start > 0 {
		switch p := text[start-1]; {
		case isDigit(p) || isLetter(p) || p == '.' || p == '/' || p == '+':
			return false
		case p == '-' && start > 1 && isDigit(text[start-2]):
			return false
		}
	}
	s := text[start:end]
	international := false
	for _, prefix := range []string{"+44", "0044"} {
		if strings.HasPrefix(s, prefix) {
			s = strings.TrimLeft(s[len(prefix):], " -")
			s = strings.TrimPrefix(s, "(0)")
			international = true
			break
		}
	}
	// Digit groups between separators.
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '(' || r == ')' })
	digits := strings.Join(groups, "")
	if international {
		digits = "0" + digits
	}
	if len(groups) > 1 {
		first := len(groups[0])
		if international {
			first++ // the 0 the prefix replaces
		}
		if first < 3 {
			return false // "01-09-2024"
		}
		for _, g := range groups[1:] {
			if len(g) < 2 {
				return false
			}
		}
	}
	switch len(digits) {
	case 11:
		return true
	case 10:
		// Some 01 numbers have 10 digits, written 01xxx xxxxx or
		// 01xxxx xxxx.
		if digits[1] != '1' {
			return false
		}
		if international || len(groups) == 1 {
			return true
		}
		return len(groups) == 2 && (len(groups[0]) == 5 || len(groups[0]) == 6)
	}
	return false
}

var postcodeRE = regexp.MustCompile(`(?i)^(?:GIR[ \t]?0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])[ \t]?[0-9][ABD-HJLNP-UW-Z]{2})\b`)

func findPostcodes(text string, add func(start, end int)) {
	// A postcode starts a word with one or two letters and a digit, or is
	// GIR 0AA.
	for i := 0; i < len(text); i++ {
		start := -1
		switch {
		case !isDigit(text[i]) || i == 0 || !isLetter(text[i-1]):
		case !alnumBefore(text, i-1):
			start = i - 1
		case i >= 2 && isLetter(text[i-2]) && !alnumBefore(text, i-2):
			start = i - 2
		}
		if start < 0 && (text[i] == 'G' || text[i] == 'g') && !alnumBefore(text, i) {
			start = i // GIR 0AA
		}
		if start < 0 {
			continue
		}
		m := matchAt(text, postcodeRE, start, 16)
		if m == nil || alnumAfter(text, m[1]) || !checkPostcode(text[m[0]:m[1]]) {
			continue
		}
		add(m[0], m[1])
		i = m[1] - 1
	}
}

// checkPostcode rejects mixed case ("Y7 5th"), lower-case ordinals ("ks2
// 3rd") and lower-case postcodes without their space.
func checkPostcode(s string) bool {
	upper, lower := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		}
	}
	if upper && lower {
		return false
	}
	if lower {
		if !strings.ContainsAny(s, " \t") {
			return false
		}
		switch s[len(s)-2:] {
		case "st", "nd", "rd", "th":
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
