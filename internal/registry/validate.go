package registry

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateAnswers checks a review's answers against a rubric version: every
// criterion answered exactly once, exactly one of score, unknown or na per
// answer, unknown and na only where the criterion allows them, scores in
// range, comments within the limit and evidence links http(s) only. It
// returns nil, or an EINVALID *Error listing the broken rules with JSON
// paths such as "answers[3].score" (at most MaxFieldErrors of them, counting
// the rest), or EUNAVAILABLE when ctx ends before the check does.
func ValidateAnswers(ctx context.Context, r *Rubric, answers []Answer) error {
	var errs FieldErrors
	// add lists a problem of answers[i] (suffix names the member), building
	// its path and message only while there is room for them.
	add := func(i int, suffix, format string, args ...any) {
		if !errs.Room() {
			errs.Count()
			return
		}
		field := "answers"
		if i >= 0 {
			field = fmt.Sprintf("answers[%d]%s", i, suffix)
		}
		errs.Add(field, fmt.Sprintf(format, args...))
	}
	byID := make(map[string]*Criterion)
	for _, d := range r.Dimensions {
		for i := range d.Criteria {
			byID[d.Criteria[i].ID] = &d.Criteria[i]
		}
	}
	seen := make(map[string]int)   // criterion → the answer that answers it
	named := make(map[string]bool) // criteria some answer names, well or badly
	for i, a := range answers {
		if i%256 == 0 && ctx.Err() != nil {
			return Errorf(EUNAVAILABLE, "The request took too long to check.")
		}
		c, ok := byID[a.Criterion]
		if !ok {
			add(i, ".criterion", "unknown criterion %q for rubric %s version %d", a.Criterion, r.ID, r.Version)
			continue
		}
		named[c.ID] = true
		if first, dup := seen[a.Criterion]; dup {
			add(i, ".criterion", "criterion %q is already answered at answers[%d]", a.Criterion, first)
			continue
		}
		seen[a.Criterion] = i
		kinds := 0
		if a.Score != nil {
			kinds++
			if *a.Score < 0 || *a.Score > MaxScore {
				add(i, ".score", "must be between 0 and %d", MaxScore)
			}
		}
		if a.Unknown {
			kinds++
			if c.Unknown == UnknownNone {
				add(i, ".unknown", "criterion %q needs an answer: \"don't know\" is not allowed", c.ID)
			}
		}
		if a.NA {
			kinds++
			if !c.NotApplicable {
				add(i, ".na", "criterion %q does not allow \"not applicable\"", c.ID)
			}
		}
		if kinds != 1 {
			add(i, "", "give exactly one of score, unknown: true or na: true")
		}
		if n := utf8.RuneCountInString(a.Comment); n > MaxCommentLength {
			add(i, ".comment", "must be at most %d characters (got %d)", MaxCommentLength, n)
		}
		if len(a.Evidence) > MaxEvidenceLinks {
			add(i, ".evidence", "at most %d links", MaxEvidenceLinks)
		}
		for j, link := range a.Evidence {
			if IsWebLink(link) {
				continue
			}
			if errs.Room() {
				errs.Add(fmt.Sprintf("answers[%d].evidence[%d]", i, j), "must be an http or https link")
			} else {
				errs.Count()
			}
		}
	}
	for _, d := range r.Dimensions {
		for _, c := range d.Criteria {
			// A duplicate or broken answer is not also reported as missing.
			if !named[c.ID] {
				add(-1, "", "criterion %q is not answered", c.ID)
			}
		}
	}
	return errs.Err("The answers do not fit the rubric.")
}

// IsWebLink reports whether s is an absolute http or https URL with a host.
func IsWebLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

// PlainText returns s without Unicode format characters (category Cf:
// zero-width spaces and joiners, the marks that reverse text, soft
// hyphens, byte-order marks). They are invisible, so a reader never misses
// them, and they would hide a name or a number from the identity-hint
// detector ("Mrs\u200b Jones") or make text read differently from how it
// is stored. Reviews keep plain text.
func PlainText(s string) string {
	if strings.IndexFunc(s, isFormat) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isFormat(r) {
			return -1
		}
		return r
	}, s)
}

func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }
