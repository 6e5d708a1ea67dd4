package password

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/edtech-registry/registry/internal/registry"
)

// The rules a new password must meet follow NIST SP 800-63B §5.1.1.2
// (memorized secrets): a minimum length, no composition rules, and a check
// against values known to be commonly used, expected or compromised —
// dictionary words, repetitive or sequential characters, and context-specific
// words such as the service's name or the user's own name. The lists below
// were written for this registry from public facts rather than copied from a
// file: the top of the NCSC's 2019 analysis of the 100,000 most common
// passwords in Have I Been Pwned (strings of digits such as 123456 and
// 123456789, "qwerty", "password", "1q2w3e4r"; first names such as ashley,
// michael, daniel, jessica and charlie; football clubs such as liverpool,
// chelsea, arsenal and everton; bands and artists such as blink182,
// metallica and slipknot; characters such as superman, naruto, pokemon and
// batman), the yearly "worst passwords" lists of password-manager vendors
// (iloveyou, sunshine, princess, football, monkey, dragon, letmein,
// welcome, trustno1, whatever), and keyboard layouts.

//go:embed common.txt
var commonFile string

// common is the embedded list of long common passwords.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonFile, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()

// baseWords are words that, with digits or symbols added, make most common
// passwords ("Password123!", "Summer2026!!", "Liverpool1892"), and words
// of this registry's own context (NIST's "context-specific words").
var baseWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		password passwort motdepasse qwerty qwertz azerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm letmein
		welcome iloveyou ihateyou admin administrator root login access secret default changeme guest
		hello test testing monkey dragon shadow master sunshine princess freedom whatever trustno trustnoi
		qazwsx football baseball soccer rugby cricket hockey superman batman spiderman starwars pokemon naruto
		tinkerbell michael jennifer charlie ashley daniel jessica jordan hunter thomas george harry oliver
		liverpool chelsea arsenal everton manutd tottenham celtic rangers blink metallica slipknot eminem
		summer winter spring autumn january february march april june july august september october
		november december monday friday computer internet google facebook london cardiff wales england
		scotland ireland britain cymru teacher teaching school student pupil classroom education union
		registry edtech review reviewer moderator officer headteacher
	`) {
		baseWords[w] = true
	}
}

// keyboardWalks are rows and columns of common keyboards, typed in order.
var keyboardWalks = []string{
	"1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./", "qwertzuiop", "azertyuiop",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp",
	"zaq12wsxcde34rfvbgt56yhnmju78ik,.lo90;/p-", "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0",
	"qwertyuiopasdfghjklzxcvbnm", "1234567890qwertyuiopasdfghjklzxcvbnm",
}

// Check returns the problem with a new password, or "" when there is none.
// handle is the account's handle (the password may not contain it).
func Check(pw, handle string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < registry.MinPassword:
		return "must be at least 12 characters"
	case n > registry.MaxPassword:
		return "must be at most 256 characters"
	}
	lower := strings.ToLower(pw)
	squeezed := strings.Join(strings.Fields(lower), "")
	switch {
	case squeezed == "":
		return "must not be only spaces"
	case common[lower] || common[squeezed]:
		return "is one of the most common passwords; choose another"
	case handle != "" && strings.Contains(squeezed, strings.ToLower(handle)):
		return "must not contain your handle"
	case repeats(squeezed):
		return "repeats a short pattern; choose something less predictable"
	case sequence(squeezed):
		return "is a sequence of characters; choose something less predictable"
	case walk(squeezed):
		return "follows a row of the keyboard; choose something less predictable"
	case commonStem(squeezed):
		return "is a common word with digits or symbols added; choose something less predictable"
	}
	return ""
}

// repeats reports whether s is one unit of at most half its length
// repeated ("aaaaaaaaaaaa", "abcabcabcabc", "passwordpassword").
func repeats(s string) bool {
	r := []rune(s)
	for unit := 1; unit <= len(r)/2; unit++ {
		if len(r)%unit != 0 {
			continue
		}
		same := true
		for i := unit; i < len(r) && same; i++ {
			same = r[i] == r[i-unit]
		}
		if same {
			return true
		}
	}
	return false
}

// sequence reports whether s climbs or falls one character at a time
// ("123456789012" counts 0 after 9; "abcdefghijkl", "zyxwvutsrqpo").
func sequence(s string) bool {
	r := []rune(s)
	if len(r) < 2 {
		return false
	}
	step := func(a, b rune) int {
		switch {
		case a == '9' && b == '0':
			return 1
		case a == '0' && b == '9':
			return -1
		}
		return int(b - a)
	}
	d := step(r[0], r[1])
	if d != 1 && d != -1 {
		return false
	}
	for i := 2; i < len(r); i++ {
		if step(r[i-1], r[i]) != d {
			return false
		}
	}
	return true
}

// walk reports whether s is typed along one of keyboardWalks, forwards or
// backwards.
func walk(s string) bool {
	for _, w := range keyboardWalks {
		if strings.Contains(w, s) || strings.Contains(reverse(w), s) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// commonStem reports whether s, without the digits and symbols around it
// and with common letter substitutions undone ("p@ssw0rd"), is a base word,
// a base word repeated or two base words, or nothing at all.
func commonStem(s string) bool {
	isPad := func(r rune) bool {
		return !(r >= 'a' && r <= 'z') && r < utf8.RuneSelf && !strings.ContainsRune("@$", r)
	}
	stem := strings.TrimFunc(s, isPad)
	if stem == "" {
		return true
	}
	for _, variant := range []string{deleet(stem, 'i'), deleet(stem, 'l')} {
		v := strings.TrimFunc(variant, func(r rune) bool { return !(r >= 'a' && r <= 'z') && r < utf8.RuneSelf })
		if v == "" || baseWords[v] || repeats(v) {
			return true
		}
		for i := 3; i <= len(v)-3; i++ {
			if baseWords[v[:i]] && baseWords[v[i:]] {
				return true
			}
		}
	}
	return false
}

// deleet undoes the usual letter substitutions ("p@55w0rd" → "password");
// one stands for the letter "1" is read as.
func deleet(s string, one rune) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '4':
			return 'a'
		case '3':
			return 'e'
		case '0':
			return 'o'
		case '$', '5':
			return 's'
		case '7':
			return 't'
		case '!', '|':
			return 'i'
		case '1':
			return one
		case '8':
			return 'b'
		}
		return r
	}, s)
}
