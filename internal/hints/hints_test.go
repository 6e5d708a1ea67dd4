package hints

import (
	"fmt"
	"strings"
	"testing"
)

// kt is an expected hint: its kind and text.
type kt struct{ kind, text string }

// detectCases are the detector's positive and negative examples, in English
// and Welsh. A row with no hints is a negative example.
var detectCases = []struct {
	name string
	text string
	want []kt
}{
	// Email addresses.
	{"email in a sentence", "Email me at jane.smith@stmarys.sch.uk for details.", []kt{{KindEmail, "jane.smith@stmarys.sch.uk"}}},
	{"email with plus and trailing full stop", "Write to head+reviews@example.org.", []kt{{KindEmail, "head+reviews@example.org"}}},
	{"email after dots", "Contact ...jane@x.com now", []kt{{KindEmail, "jane@x.com"}}},
	{"email inside a URL is merged as email", "https://example.com/contact?to=jane@example.com", []kt{{KindEmail, "https://example.com/contact?to=jane@example.com"}}},
	{"no email: email the vendor", "You have to email the vendor to get a DPIA.", nil},
	{"no email: at sign alone", "Pupils @ home @ 7pm", nil},

	// URLs.
	{"https URL drops closing bracket and full stop", "See (https://www.example.com/page?x=1).", []kt{{KindURL, "https://www.example.com/page?x=1"}}},
	{"www URL", "Our site is www.kingsway.example.co.uk, have a look", []kt{{KindURL, "www.kingsway.example.co.uk"}}},
	{"bare .sch.uk domain", "It is on kingsway.sch.uk somewhere", []kt{{KindURL, "kingsway.sch.uk"}}},
	{"bare .cymru and .wales domains", "ysgolycymer.cymru a caerdydd.wales", []kt{{KindURL, "ysgolycymer.cymru"}, {KindURL, "caerdydd.wales"}}},
	{"bare .gov.uk domain with path", "as in gov.uk/guidance/ai-in-schools.", []kt{{KindURL, "gov.uk/guidance/ai-in-schools"}}},
	{"no URL: abbreviations and versions", "e.g. the app, i.e. version 2.0 or 3.2.1, and 4.5/5", nil},
	{"no URL: file names and frameworks", "Upload report.pdf; built on Node.js and ASP.NET.", nil},
	{"upper-case scheme and www path", "HTTP://EXAMPLE.COM/x. Go to www.bbc.co.uk/bitesize.", []kt{{KindURL, "HTTP://EXAMPLE.COM/x"}, {KindURL, "www.bbc.co.uk/bitesize"}}},
	{"bare domain stops at an unknown TLD", "example.com.au", []kt{{KindURL, "example.com"}}},
	{"no URL: domain glued to a word", "foo_bar.com and x.co-op", nil},
	{"no URL: scheme with nothing after it", "type https:// then the address", nil},

	// Phone numbers.
	{"mobile with space", "Ring me on 07700 900123 after school.", []kt{{KindPhone, "07700 900123"}}},
	{"mobile with dashes", "07700-900-123", []kt{{KindPhone, "07700-900-123"}}},
	{"mobile in brackets", "(07700) 900123", []kt{{KindPhone, "(07700) 900123"}}},
	{"Cardiff landline in brackets", "Office: (029) 2087 4000.", []kt{{KindPhone, "(029) 2087 4000"}}},
	{"London landline", "020 7946 0018", []kt{{KindPhone, "020 7946 0018"}}},
	{"Aberystwyth landline", "ffoniwch 01970 622400 os gwelwch yn dda", []kt{{KindPhone, "01970 622400"}}},
	{"ten-digit 01 number", "016977 4567", []kt{{KindPhone, "016977 4567"}}},
	{"03 number", "Tel:0300 123 4567", []kt{{KindPhone, "0300 123 4567"}}},
	{"+44 mobile", "+44 7700 900123", []kt{{KindPhone, "+44 7700 900123"}}},
	{"+44 (0) landline", "+44 (0)29 2087 4000", []kt{{KindPhone, "+44 (0)29 2087 4000"}}},
	{"0044 and unspaced +44", "0044 20 7946 0018 or +447700900123", []kt{{KindPhone, "0044 20 7946 0018"}, {KindPhone, "+447700900123"}}},
	{"no phone: freephone", "the vendor's helpline is 0800 123 4567", nil},
	{"no phone: dates and times", "On 01/09/2024, 01-09-2024 10:30 and 01.09.2024 at 10:30", nil},
	{"no phone: years, scores, percentages, counts", "In 2024 it scored 3/5, 100% of 1,200 pupils, 45 staff, £3,500", nil},
	{"no phone: ISBN and long numbers", "ISBN 978-0-123456-47-2, order 012345678901234, ref 0123-4567-89", nil},
	{"no phone: short number", "Phone number 01234, room 101", nil},

	// Postcodes.
	{"Cardiff postcode", "Our school is in CF10 3AT.", []kt{{KindPostcode, "CF10 3AT"}}},
	{"Westminster postcode", "SW1A 1AA", []kt{{KindPostcode, "SW1A 1AA"}}},
	{"Bangor postcode", "ger Bangor, LL57 2DG", []kt{{KindPostcode, "LL57 2DG"}}},
	{"Belfast postcode", "BT1 1AA", []kt{{KindPostcode, "BT1 1AA"}}},
	{"lower-case postcode", "cf10 3at", []kt{{KindPostcode, "cf10 3at"}}},
	{"postcode without space", "CF103AT", []kt{{KindPostcode, "CF103AT"}}},
	{"no postcode: year groups and ordinals", "Y7 5th lesson, KS2 3rd term, ks2 3rd, S4 2nd", nil},
	{"no postcode: key stages and exams", "Year 7, KS2, KS3, GCSE, A Level, CA2", nil},
	{"no postcode: outward code alone", "somewhere in CF10", nil},
	{"Glasgow and London postcodes", "G1 1AA, EC1A 1BB, W1A 0AX", []kt{{KindPostcode, "G1 1AA"}, {KindPostcode, "EC1A 1BB"}, {KindPostcode, "W1A 0AX"}}},
	{"no postcode: glued to a word", "xCF10 3AT and CF10 3ATx", nil},

	// Titles with names.
	{"Mrs Patel", "Mrs Patel set it up.", []kt{{KindTitleName, "Mrs Patel"}}},
	{"Mr. O'Neill", "Ask Mr. O'Neill.", []kt{{KindTitleName, "Mr. O'Neill"}}},
	{"Ms Jones-Evans", "Ms Jones-Evans", []kt{{KindTitleName, "Ms Jones-Evans"}}},
	{"Dr Smith and Miss Williams", "Dr Smith and Miss Williams", []kt{{KindTitleName, "Dr Smith"}, {KindTitleName, "Miss Williams"}}},
	{"Mx Taylor", "Mx Taylor", []kt{{KindTitleName, "Mx Taylor"}}},
	{"Welsh patronymic", "Mr ap Rhys sy'n dysgu", []kt{{KindTitleName, "Mr ap Rhys"}}},
	{"title with initial", "Dr J. Smith wrote it", []kt{{KindTitleName, "Dr J. Smith"}}},
	{"title with first name and surname", "Mrs Jane Smith said so", []kt{{KindTitleName, "Mrs Jane Smith"}}},
	{"lower-case mrs", "mrs Patel", []kt{{KindTitleName, "mrs Patel"}}},
	{"curly apostrophe", "Dr O’Brien", []kt{{KindTitleName, "Dr O’Brien"}}},
	{"no title: Ms Word and Ms Teams", "We use Ms Word and Ms Teams daily.", nil},
	{"no title: Mr Men, Dr Frost Maths", "Mr Men books, then Dr Frost Maths.", nil},
	{"no title: Welsh county after Sir", "Mae'n boblogaidd yn Sir Benfro ac yn Sir Fynwy.", nil},
	{"no title: acronym after title", "Ms PE and Mr ICT", nil},
	{"title with particle of two words", "Mrs van der Berg", []kt{{KindTitleName, "Mrs van der Berg"}}},
	{"title with two initials", "Mr. J. R. Smith", []kt{{KindTitleName, "Mr. J. R. Smith"}}},
	{"title with no-break space", "Mrs\u00a0Patel", []kt{{KindTitleName, "Mrs\u00a0Patel"}}},
	{"no title: Miss Out", "Miss Out on nothing.", nil},
	{"no title: lower-case miss and ms", "pupils miss Google Classroom; 200 ms Latency", nil},

	// My name is.
	{"my name is", "My name is Jane Smith and I teach.", []kt{{KindMyName, "My name is Jane Smith"}}},
	{"my name's", "my name's Bob.", []kt{{KindMyName, "my name's Bob"}}},
	{"I am called", "I am called Siân.", []kt{{KindMyName, "I am called Siân"}}},
	{"I'm Jane from", "Hi, I'm Jane from Cardiff.", []kt{{KindMyName, "I'm Jane"}}},
	{"my name is with a title merges", "my name is Mrs Patel", []kt{{KindMyName, "my name is Mrs Patel"}}},
	{"Welsh fy enw i yw", "Fy enw i yw Siân Jones.", []kt{{KindMyName, "Fy enw i yw Siân Jones"}}},
	{"Welsh Fy enw i ydy", "Helo! Fy enw i ydy Dafydd.", []kt{{KindMyName, "Fy enw i ydy Dafydd"}}},
	{"written by", "Written by Jane Smith at Ysgol Example", []kt{{KindMyName, "Written by Jane Smith"}, {KindSchool, "Ysgol Example"}}},
	{"no name: written by a product", "Reports written by Google Gemini and written by ChatGPT, written by Jane.", nil},
	{"no name: my name is not important", "My name is not important here.", nil},
	{"no name: I'm Welsh from birth", "I'm Welsh from birth and I am Head of Science.", nil},
	{"no name: Welsh sentence about a teacher", "Athrawes ydw i. Dw i'n dysgu Cymraeg ym Mlwyddyn 7.", nil},

	// Schools and colleges.
	{"primary school", "I teach at Kingsway Primary School in Cardiff.", []kt{{KindSchool, "Kingsway Primary School"}}},
	{"high school with of", "Bishop of Llandaff High School", []kt{{KindSchool, "Bishop of Llandaff High School"}}},
	{"grammar school with numerals", "King Edward VI Grammar School", []kt{{KindSchool, "King Edward VI Grammar School"}}},
	{"infant and junior schools", "Kingsway Infant School and Kingsway Junior School", []kt{{KindSchool, "Kingsway Infant School"}, {KindSchool, "Kingsway Junior School"}}},
	{"free school", "Westminster Free School", []kt{{KindSchool, "Westminster Free School"}}},
	{"academy with its place", "I moved to Harris Academy Peckham last year.", []kt{{KindSchool, "Harris Academy Peckham"}}},
	{"academy without trailing pronoun", "Harris Academy I think", []kt{{KindSchool, "Harris Academy"}}},
	{"sixth form college", "Cardiff Sixth Form College", []kt{{KindSchool, "Cardiff Sixth Form College"}}},
	{"sixth form", "St David's Sixth Form", []kt{{KindSchool, "St David's Sixth Form"}}},
	{"university of", "University of South Wales", []kt{{KindSchool, "University of South Wales"}}},
	{"saint with more words", "At St Mary's Catholic Primary School we use it.", []kt{{KindSchool, "St Mary's Catholic Primary School"}}},
	{"saint alone", "St Mary's loved it.", []kt{{KindSchool, "St Mary's"}}},
	{"church in wales", "St Teilo's Church in Wales High School", []kt{{KindSchool, "St Teilo's Church in Wales High School"}}},
	{"leading stopwords and roles dropped", "Head of Kingsway Academy. Parents of Kingsway School.", []kt{{KindSchool, "Kingsway Academy"}, {KindSchool, "Kingsway School"}}},
	{"knight's school is a school", "Sir Thomas Jones School", []kt{{KindSchool, "Sir Thomas Jones School"}}},
	{"Ysgol Gymraeg Aberystwyth", "Rwy'n dysgu yn Ysgol Gymraeg Aberystwyth.", []kt{{KindSchool, "Ysgol Gymraeg Aberystwyth"}}},
	{"Ysgol y Cymer", "Ysgol y Cymer", []kt{{KindSchool, "Ysgol y Cymer"}}},
	{"Ysgol Gynradd", "yn Ysgol Gynradd Llanfair", []kt{{KindSchool, "Ysgol Gynradd Llanfair"}}},
	{"Ysgol with mutated words", "Ysgol Maes y Gwendraeth ac Ysgol Pen-y-Bryn", []kt{{KindSchool, "Ysgol Maes y Gwendraeth"}, {KindSchool, "Ysgol Pen-y-Bryn"}}},
	{"Coleg Cambria and Coleg Gwent", "Coleg Cambria a Coleg Gwent", []kt{{KindSchool, "Coleg Cambria"}, {KindSchool, "Coleg Gwent"}}},
	{"Coleg Sir Gâr", "Coleg Sir Gâr", []kt{{KindSchool, "Coleg Sir Gâr"}}},
	{"Coleg y Cymoedd", "Coleg y Cymoedd", []kt{{KindSchool, "Coleg y Cymoedd"}}},
	{"Prifysgol Bangor", "Prifysgol Bangor", []kt{{KindSchool, "Prifysgol Bangor"}}},
	{"Coleg with a'r", "Coleg Caerdydd a'r Fro", []kt{{KindSchool, "Coleg Caerdydd a'r Fro"}}},
	{"two Welsh schools joined by ac", "Ysgol Glan Clwyd ac Ysgol Bryn Elian", []kt{{KindSchool, "Ysgol Glan Clwyd"}, {KindSchool, "Ysgol Bryn Elian"}}},
	{"school in punctuation", "(Kingsway School) “Kingsway High School”, Cardiff, Kingsway Academy.", []kt{{KindSchool, "Kingsway School"}, {KindSchool, "Kingsway High School"}, {KindSchool, "Kingsway Academy"}}},
	{"St. and Saint", "St. Mary's and Saint Joseph's Catholic School", []kt{{KindSchool, "St. Mary's"}, {KindSchool, "Saint Joseph's Catholic School"}}},
	{"no school: lower-case generic", "The academy trust's policy says my school and primary school teachers must agree.", nil},
	{"no school: college-level", "college-level maths, University-level essays", nil},
	{"no school: capitalised generic", "Primary School teachers, Secondary School staff, Most Primary School heads, Sixth Form students.", nil},
	{"no school: kinds of school", "Forest School sessions, Sunday School, a Free School, the Academy, Our Academy, Whole School approach.", nil},
	{"no school: organisations that are not schools", "Khan Academy, Oak National Academy, the Chartered College of Teaching, Oxford University Press, an Open University course", nil},
	{"no school: programmes", "Apple Distinguished School status", nil},
	{"no school: saint's day and places", "St David's Day assembly at St Fagans, then St Albans.", nil},
	{"no school: acronym", "GCSE Academy and BBC School", nil},
	{"no school: Welsh lower-case", "Mae'r plant yn yr ysgol. Mae'r coleg yn ei ddefnyddio.", nil},
	{"no school: Welsh generic", "Ysgol Gymraeg yw hi. Ysgol Sul, Ysgol Haf, Coleg Cymraeg Cenedlaethol, Coleg Addysg Bellach.", nil},
	{"no school: Welsh place names", "Aberystwyth, Caerdydd, Pen-y-bont ar Ogwr, Merthyr Tudful, Y Fenni, Llanfairpwllgwyngyll", nil},

	// Ordinary review prose.
	{"prose: year groups and scores", "Brilliant for Year 7 and Year 8. GCSE results improved by 12% in 2024; I'd give it 3/5.", nil},
	{"prose: times and agencies", "Marking took 10:30 to 11:15. See the DfE guidance; Ofsted and the ICO agree.", nil},
	{"prose: product names", "Times Tables Rock Stars, Purple Mash, Seneca Learning, Sparx Maths, Google Classroom, Microsoft Teams, Hwb, Just2easy, Kahoot!", nil},
	{"prose: Welsh review", "Mae'r ap yn wych i ddisgyblion CA2 ac mae'n arbed amser i athrawon.", nil},

	// Several kinds, and merging.
	{"several kinds", "Mrs Patel at St Mary's, CF10 3AT, 07700 900123", []kt{{KindTitleName, "Mrs Patel"}, {KindSchool, "St Mary's"}, {KindPostcode, "CF10 3AT"}, {KindPhone, "07700 900123"}}},
	{"email and its domain merge", "jane@kingsway.sch.uk", []kt{{KindEmail, "jane@kingsway.sch.uk"}}},
	{"duplicates reported once", "Mrs Patel, Mrs Patel and Mrs Patel", []kt{{KindTitleName, "Mrs Patel"}}},
	{"empty text", "", nil},
}

func TestDetect(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range detectCases {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			got := Detect(tc.text)
			var gotKT []kt
			for _, h := range got {
				gotKT = append(gotKT, kt{h.Kind, h.Text})
				if h.Text != tc.text[h.Start:h.End] {
					t.Errorf("hint %+v: text is not text[Start:End] = %q", h, tc.text[h.Start:h.End])
				}
			}
			if fmt.Sprint(gotKT) != fmt.Sprint(tc.want) {
				t.Errorf("Detect(%q)\n got %v\nwant %v", tc.text, gotKT, tc.want)
			}
		})
	}
}

func TestDetectOffsets(t *testing.T) {
	text := "Hi, I'm Jane from Ysgol y Cymer — ffoniwch 01443 123456."
	got := Detect(text)
	if len(got) != 3 {
		t.Fatalf("got %d hints, want 3: %+v", len(got), got)
	}
	for i, want := range []string{"I'm Jane", "Ysgol y Cymer", "01443 123456"} {
		h := got[i]
		if start := strings.Index(text, want); h.Start != start || h.End != start+len(want) {
			t.Errorf("hint %d = %+v, want %q at [%d,%d)", i, h, want, start, start+len(want))
		}
	}
}

func TestDetectMergesOverlaps(t *testing.T) {
	// The title and the school overlap; the school wins and the hint
	// covers both. The email covers the URL of its domain.
	got := Detect("Sir Thomas Jones School: head@sirthomasjones.sch.uk")
	want := []kt{{KindSchool, "Sir Thomas Jones School"}, {KindEmail, "head@sirthomasjones.sch.uk"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %v", got, want)
	}
	for i, h := range got {
		if (kt{h.Kind, h.Text}) != want[i] {
			t.Errorf("hint %d = %+v, want %v", i, h, want[i])
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Start < got[i-1].End {
			t.Errorf("hints %d and %d overlap: %+v", i-1, i, got)
		}
	}
}

func TestDetectCap(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "reviewer%d@example.org ", i)
	}
	text := b.String()
	if all := detect(text, -1); len(all) != 100 {
		t.Fatalf("uncapped: got %d hints, want 100", len(all))
	}
	got := Detect(text)
	if len(got) != MaxHintsPerField {
		t.Fatalf("got %d hints, want %d", len(got), MaxHintsPerField)
	}
	if got[0].Text != "reviewer0@example.org" || got[MaxHintsPerField-1].Text != fmt.Sprintf("reviewer%d@example.org", MaxHintsPerField-1) {
		t.Errorf("the cap should keep the first hints in the text: first %q, last %q", got[0].Text, got[MaxHintsPerField-1].Text)
	}
}

func TestDetectDuplicatesDoNotHideHints(t *testing.T) {
	// Repeating one hint does not use up the cap.
	text := strings.Repeat("Mrs Patel ", 50) + "ffoniwch 07700 900123"
	got := Detect(text)
	want := []kt{{KindTitleName, "Mrs Patel"}, {KindPhone, "07700 900123"}}
	if len(got) != 2 || (kt{got[0].Kind, got[0].Text}) != want[0] || (kt{got[1].Kind, got[1].Text}) != want[1] {
		t.Fatalf("got %+v, want %v", got, want)
	}
}
