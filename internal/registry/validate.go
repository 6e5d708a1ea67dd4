package registry

import (
	"fmt"
	"net/url"
	"strings"
)

// ValidateAnswers checks a review's answers against a rubric version: every
// criterion answered exactly once, exactly one of score, unknown or na per
// answer, unknown and na only where the criterion allows them, scores in
// range, comments within the limit and evidence links http(s) only. It
// returns one FieldError per broken rule, with JSON paths such as
// "answers[3].score".
func ValidateAnswers(r *Rubric, answers []Answer) []FieldError {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	byID := make(map[string]*Criterion)
	for _, d := range r.Dimensions {
		for i := range d.Criteria {
			byID[d.Criteria[i].ID] = &d.Criteria[i]
		}
	}
	seen := make(map[string]int)
	for i, a := range answers {
		path := fmt.Sprintf("answers[%d]", i)
		c, ok := byID[a.Criterion]
		if !ok {
			add(path+".criterion", "unknown criterion %q for rubric %s version %d", a.Criterion, r.ID, r.Version)
			continue
		}
		if first, dup := seen[a.Criterion]; dup {
			add(path+".criterion", "criterion %q is already answered at answers[%d]", a.Criterion, first)
			continue
		}
		seen[a.Criterion] = i
		kinds := 0
		if a.Score != nil {
			kinds++
			if *a.Score < 0 || *a.Score > MaxScore {
				add(path+".score", "must be between 0 and %d", MaxScore)
			}
		}
		if a.Unknown {
			kinds++
			if c.Unknown == UnknownNone {
				add(path+".unknown", "criterion %q needs an answer: \"don't know\" is not allowed", c.ID)
			}
		}
		if a.NA {
			kinds++
			if !c.NotApplicable {
				add(path+".na", "criterion %q does not allow \"not applicable\"", c.ID)
			}
		}
		if kinds != 1 {
			add(path, "give exactly one of score, unknown: true or na: true")
		}
		if n := len([]rune(a.Comment)); n > MaxCommentLength {
			add(path+".comment", "must be at most %d characters (got %d)", MaxCommentLength, n)
		}
		if len(a.Evidence) > MaxEvidenceLinks {
			add(path+".evidence", "at most %d links", MaxEvidenceLinks)
		}
		for j, link := range a.Evidence {
			if !IsWebLink(link) {
				add(fmt.Sprintf("%s.evidence[%d]", path, j), "must be an http or https link")
			}
		}
	}
	for _, d := range r.Dimensions {
		for _, c := range d.Criteria {
			if _, ok := seen[c.ID]; !ok && !answeredBadly(answers, c.ID) {
				add("answers", "criterion %q is not answered", c.ID)
			}
		}
	}
	return errs
}

// answeredBadly reports whether some answer names the criterion, so a
// duplicate or broken answer is not also reported as missing.
func answeredBadly(answers []Answer, id string) bool {
	for _, a := range answers {
		if a.Criterion == id {
			return true
		}
	}
	return false
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
