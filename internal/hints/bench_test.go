package hints

import (
	"strings"
	"testing"
)

// benchReview is a 5,000-character review (registry.MaxSummaryLength) of
// ordinary prose in English and Welsh with a few identifying details.
var benchReview = func() string {
	paragraphs := []string{
		"We trialled the tool with Year 7 and Year 8 for a term. Marking took 10:30 to 11:15 on Mondays before, and about half that after; I'd give it 3/5 overall. ",
		"The academy trust's policy says every primary school teacher must complete the DPIA, and the DfE guidance agrees. GCSE and KS2 groups used it too. ",
		"Mae'r disgyblion yn yr ysgol yn hoffi'r ap, ond mae'r coleg lleol yn poeni am ddata. Mae'n wych i CA2 a CA3. ",
		"Contact Mrs Patel at Kingsway Primary School, CF10 3AT, on 029 2087 4000 or jane.patel@kingsway.sch.uk, or see www.kingsway.example.co.uk. ",
		"Pupils in Ysgol Gymraeg Aberystwyth and Coleg Cambria exported work to Ms Word and Google Classroom; 100% of 1,200 pupils logged in. ",
	}
	var b strings.Builder
	for i := 0; b.Len() < 5000; i++ {
		b.WriteString(paragraphs[i%len(paragraphs)])
	}
	return b.String()[:5000]
}()

func BenchmarkDetect(b *testing.B) {
	b.SetBytes(int64(len(benchReview)))
	b.ReportAllocs()
	for b.Loop() {
		Detect(benchReview)
	}
}

// adversarial are texts built to make a detector work hard: every word a
// trigger, long runs without white space, names as long as they may be.
var adversarial = map[string]string{
	"titles":       "Mr Mrs Dr ",
	"saints":       "St Mary's ",
	"heads":        "Kingsway School ",
	"long-name":    "Aaaa Bbbb Cccc Dddd Eeee Ffff Gggg Hhhh of ",
	"welsh":        "Ysgol y Coleg ",
	"ats":          "a@b.c@",
	"dots":         "a.co.",
	"schemes":      "http://www.",
	"digits":       "07700 ",
	"postcodes":    "A1 A1A ",
	"my-name":      "my name is I am called ",
	"one-word":     "x",
	"capital-word": "X",
}

// BenchmarkDetectAdversarial runs Detect over 20,000 bytes (the longest
// field, 5,000 four-byte characters) of each adversarial text; the time
// per byte should match BenchmarkDetect's order of magnitude.
func BenchmarkDetectAdversarial(b *testing.B) {
	for name, unit := range adversarial {
		text := strings.Repeat(unit, 20000/len(unit)+1)[:20000]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Detect(text)
			}
		})
	}
}
