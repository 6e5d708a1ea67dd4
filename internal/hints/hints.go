// Package hints finds text in a review that may identify a person or a
// school: email addresses, phone numbers, UK postcodes, URLs, titles with
// names, "my name is …" and school or college names, in English and Welsh.
//
// A hint is a prompt for a moderator, not a verdict: the moderator reads it
// before publishing and may redact the field. The detector therefore prefers
// precision to recall. Every pattern needs a strong anchor (an "@", a dialling
// prefix, a title, a school word) and is checked after matching against lists
// of generic words, so that ordinary review prose ("my school", "primary
// school teachers", "Year 7", "3/5", "Ms Word") raises nothing. What each kind
// catches and misses is on its constant.
//
// The package is pure: standard library only, no I/O. Detect takes time
// linear in the length of its input: each pattern is tried only where a
// match can start (a title, "@", a school word…), each try reads a bounded
// number of words or bytes, and the few regexps are RE2 (see matchAt). Its
// output is bounded too: at most MaxHintsPerField distinct hints per field,
// not overlapping, so their texts together are never longer than the field
// itself.
package hints

import (
	"sort"
)

// Kinds of hint. Where hints overlap they are merged into one, whose kind
// is the first of the overlapping kinds in this order: email, url, phone,
// postcode, my-name, school, title-name.
const (
	// KindEmail is an email address: local@domain.tld with an ASCII domain
	// of at least two labels. It misses addresses written out to dodge
	// filters ("jane at school dot org") and internationalised domains.
	KindEmail = "email"

	// KindURL is a web address: anything after http://, https://, ftp://
	// or www., and bare domains ending in a common top-level domain (.com,
	// .org, .net, .uk and its .sch.uk, .gov.uk, .ac.uk, .co.uk…, .cymru,
	// .wales, .scot, .io, .ai and a few more; see bareTLDs) written in
	// lower case. A link to a vendor's site is flagged like any other: the
	// detector cannot tell it from a school's or a teacher's own page.
	// It misses bare domains under other top-level domains and "Capital.COM"
	// spellings (so "ASP.NET" is not a URL).
	KindURL = "url"

	// KindPhone is a UK phone number: 07… mobiles, 01…, 02… and 03…
	// numbers, and the same after +44 or 0044 (with an optional "(0)"),
	// with spaces, dashes or brackets between digit groups; 10 or 11
	// digits as UK numbering allows. The area code's first group must have
	// at least three digits, so dates ("01-09-2024"), years, scores ("3/5"),
	// times, percentages and counts are not phone numbers. It misses 08…
	// and 09… numbers (freephone and premium lines belong to organisations,
	// not people), numbers from other countries, and numbers split into
	// single digits.
	KindPhone = "phone"

	// KindPostcode is a full UK postcode in the official format (the
	// outward code with its letter restrictions, an optional space, the
	// inward code: "CF10 3AT", "SW1A 1AA", "LL57 2DG", "BT1 1AA", "GIR
	// 0AA"), in upper or lower case but not mixed, so that "Y7 5th" and
	// "KS2 3rd" are not postcodes; a lower-case postcode needs its space.
	// It misses outward codes on their own ("CF10"), which name a district
	// rather than a street.
	KindPostcode = "postcode"

	// KindMyName is a reviewer naming themselves: "my name is Jane Smith",
	// "my name's …", "I am called …", "I'm called …", "I'm Jane from …"
	// (the hint is "I'm Jane") and the Welsh "fy enw i yw …" / "fy enw i
	// ydy …" (with or without "i", and "ydi", "ydyw"), followed by one to
	// three capitalised words, and "written by" followed by two or three
	// ("Written by Jane Smith", but not "written by Google Gemini").
	// "My name is not important" is not a hint. It misses names written in
	// lower case and sign-offs ("Regards, Jane").
	KindMyName = "my-name"

	// KindSchool is the name of a school, college or university:
	// capitalised words before School, Academy, College, University or
	// Sixth Form ("Kingsway Primary School", "Harris Academy Peckham",
	// "Cardiff Sixth Form College", "Bishop of Llandaff High School",
	// "University of South Wales"); "St" or "Saint" and a possessive ("St
	// Mary's", "St Teilo's Church in Wales High School"); and the Welsh
	// Ysgol, Coleg and Prifysgol followed by capitalised words ("Ysgol
	// Gymraeg Aberystwyth", "Ysgol y Cymer", "Coleg Cambria", "Prifysgol
	// Bangor"). Not hints: a name made only of generic words ("Primary
	// School", "Forest School", "the Academy", "Ysgol Gynradd", "Coleg
	// Cymraeg Cenedlaethol"); anything in lower case ("my school", "yn yr
	// ysgol"); a few well-known organisations that are not schools ("Khan
	// Academy", "Oak National Academy", "the Chartered College of Teaching",
	// "Oxford University Press", "an Open University course"); a saint's day
	// ("St David's Day"); and places named after a saint, written without a
	// possessive ("St Fagans", "St Albans"). It misses names written in lower
	// case and names without one of those words ("Kingsway Primary", "St
	// Cyres"), and it flags the rare place written with a possessive ("St
	// David's" for St Davids) and other institutions named after a saint
	// ("St Mary's Hospital").
	KindSchool = "school"

	// KindTitleName is a title followed by a capitalised name: Mr, Mrs, Ms,
	// Miss, Mx, Dr, Prof, Professor, Sir, Dame, Rev, Revd (with or without a
	// full stop; "mr", "mrs" and "mx" also in lower case), optional
	// initials, an optional particle (ap, ab, ferch, van, de, le…) and one
	// or two name words: "Mrs Patel", "Mr. O'Neill", "Ms Jones-Evans",
	// "Mr ap Rhys", "Dr J. Smith". The name must contain a lower-case letter,
	// so acronyms are not names. Not hints: Microsoft products written with
	// "Ms" ("Ms Word", "Ms Teams"), "Mr Men", the maths sites "Dr Frost" and
	// "Mr Barton", "Miss Out", and Welsh counties after "Sir" ("Sir Benfro",
	// "Sir Gâr").
	// It misses names in lower case and "Miss" and "Ms" in lower case (the
	// verb, the unit).
	KindTitleName = "title-name"
)

// MaxHintsPerField is the most hints Detect returns for one text, and Review
// for one field.
const MaxHintsPerField = 20

// MaxHintsPerReview is the most hints Review returns for a whole review.
const MaxHintsPerReview = 100

// Kinds returns every kind, in the order that decides the kind of merged
// hints.
func Kinds() []string {
	return []string{KindEmail, KindURL, KindPhone, KindPostcode, KindMyName, KindSchool, KindTitleName}
}

// Hint is one piece of text that may identify someone. Start and End are
// byte offsets into the text given to Detect, and Text == text[Start:End].
type Hint struct {
	Kind  string
	Text  string
	Start int
	End   int
}

// span is a candidate hint before merging.
type span struct {
	kind       string
	start, end int
}

// priority orders the kinds for merging: lower wins.
var priority = func() map[string]int {
	m := map[string]int{}
	for i, k := range Kinds() {
		m[k] = i
	}
	return m
}()

// Detect returns the hints in text, in the order they appear. Overlapping
// candidates are merged into one hint covering all of them (the kind decided
// by Kinds' order), and a kind and text found more than once is reported once,
// at its first occurrence. At most MaxHintsPerField hints are returned: the
// first ones in the text.
func Detect(text string) []Hint {
	return detect(text, MaxHintsPerField)
}

// detect is Detect with a cap (max < 0: none).
func detect(text string, max int) []Hint {
	var spans []span
	for _, d := range detectors {
		if d.pre != nil && !d.pre(text) {
			continue
		}
		d.find(text, func(start, end int) {
			if start < 0 || end > len(text) || start >= end {
				return
			}
			spans = append(spans, span{d.kind, start, end})
		})
	}
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	var out []Hint
	seen := map[[2]string]bool{}
	emit := func(s span) bool {
		h := Hint{Kind: s.kind, Text: text[s.start:s.end], Start: s.start, End: s.end}
		key := [2]string{h.Kind, h.Text}
		if seen[key] {
			return true
		}
		seen[key] = true
		out = append(out, h)
		return max < 0 || len(out) < max
	}
	cur := spans[0]
	for _, s := range spans[1:] {
		if s.start < cur.end {
			if s.end > cur.end {
				cur.end = s.end
			}
			if priority[s.kind] < priority[cur.kind] {
				cur.kind = s.kind
			}
			continue
		}
		if !emit(cur) {
			return out
		}
		cur = s
	}
	emit(cur)
	return out
}
