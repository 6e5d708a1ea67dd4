package http

// The review form and the review it stands for: a posted form becomes the
// same reviewRequest a JSON submission decodes to (reviewRequestOfForm), so
// that it goes through the same validation and store path; a stored review
// becomes the form's values for an edit (formOfReview); the problems the
// validation finds, named by JSON paths, become messages beside the form's
// inputs (reviewFormErrors).

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// newFormKey returns a random key for a review form: the Idempotency-Key
// of its submission, so that a double click or a retried post stores one
// review.
func newFormKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// reviewFormFields are the review form's fields besides its criteria's.
var reviewFormFields = []string{
	web.FieldRole, web.FieldPhase, web.FieldNation, web.FieldSetting, web.FieldSubject, web.FieldMonths,
	web.FieldFrequency, web.FieldRecommendation, web.FieldSummary, web.FieldConflict, web.FieldConflictDetail,
	web.FieldKey, web.FieldRubric, web.FieldRubricVersion,
}

// formFields lists every field of the review form made from rubric r.
func formFields(r *registry.Rubric) []string {
	out := slices.Clone(reviewFormFields)
	for _, c := range r.Criteria() {
		out = append(out, web.AnswerField(c.ID), web.CommentField(c.ID), web.EvidenceField(c.ID))
	}
	return out
}

// draftValues returns the fields of the review form made from r that hold
// something, for a draft: nothing else that was posted (the form token,
// the button) is kept.
func draftValues(form url.Values, r *registry.Rubric) map[string]string {
	out := map[string]string{}
	for _, name := range formFields(r) {
		if v := form.Get(name); v != "" {
			out[name] = v
		}
	}
	return out
}

// valuesOf turns a draft's values into a form's.
func valuesOf(m map[string]string) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = []string{v}
	}
	return out
}

// formRubric returns the rubric version a posted form names in its hidden
// fields; the default rubric's latest when it names none, or one that is
// not known (the submission then fails on it, as a JSON one would).
func (s *Server) formRubric(form url.Values) *registry.Rubric {
	req := reviewRequest{RubricID: form.Get(web.FieldRubric)}
	if v, err := strconv.Atoi(form.Get(web.FieldRubricVersion)); err == nil {
		req.RubricVersion = &v
	}
	if r, err := s.rubricFor(&req); err == nil {
		return r
	}
	return s.rubrics.Default()
}

// reviewRequestOfForm is the submission a posted review form stands for, its
// answers in the order of the criteria of r (the rubric version the form
// was made from). What cannot be read (a number of months that is not a
// whole number, no choice made) is left out, so that the submission's own
// rules report it.
func reviewRequestOfForm(form url.Values, r *registry.Rubric) *reviewRequest {
	text := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	req := &reviewRequest{
		RubricID: form.Get(web.FieldRubric),
		Reviewer: &reviewerRequest{Role: form.Get(web.FieldRole), Phase: form.Get(web.FieldPhase), Nation: form.Get(web.FieldNation),
			Subject: text(web.FieldSubject), Setting: form.Get(web.FieldSetting)},
		Usage:              &usageRequest{Frequency: form.Get(web.FieldFrequency)},
		Recommendation:     form.Get(web.FieldRecommendation),
		Summary:            text(web.FieldSummary),
		ConflictOfInterest: &conflictJSON{Details: text(web.FieldConflictDetail)},
	}
	if v, err := strconv.Atoi(form.Get(web.FieldRubricVersion)); err == nil {
		req.RubricVersion = &v
	}
	if n, err := strconv.Atoi(text(web.FieldMonths)); err == nil {
		req.Usage.Months = &n
	}
	switch form.Get(web.FieldConflict) {
	case "yes":
		req.ConflictOfInterest.Declared = new(bool)
		*req.ConflictOfInterest.Declared = true
	case "no":
		req.ConflictOfInterest.Declared = new(bool)
	}
	for _, c := range r.Criteria() {
		a := answerJSON{Criterion: c.ID, Comment: text(web.CommentField(c.ID)), Evidence: links(form.Get(web.EvidenceField(c.ID)))}
		switch v := form.Get(web.AnswerField(c.ID)); v {
		case "":
		case web.AnswerUnknown:
			a.Unknown = true
		case web.AnswerNA:
			a.NA = true
		default:
			if n, err := strconv.Atoi(v); err == nil {
				a.Score = &n
			}
		}
		req.Answers = append(req.Answers, a)
	}
	return req
}

// links reads evidence links entered one on each line.
func links(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// formOfReview returns the review form's values for a stored review (an
// edit), with the rubric version it was written against.
func formOfReview(r *registry.Review) map[string][]string {
	v := url.Values{}
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	set(web.FieldRole, r.Reviewer.Role)
	set(web.FieldPhase, r.Reviewer.Phase)
	set(web.FieldNation, r.Reviewer.Nation)
	set(web.FieldSetting, r.Reviewer.Setting)
	set(web.FieldSubject, r.Reviewer.Subject)
	set(web.FieldMonths, strconv.Itoa(r.Usage.Months))
	set(web.FieldFrequency, r.Usage.Frequency)
	set(web.FieldRecommendation, r.Recommendation)
	set(web.FieldSummary, r.Summary)
	set(web.FieldConflict, "no")
	if r.Conflict.Declared {
		set(web.FieldConflict, "yes")
	}
	set(web.FieldConflictDetail, r.Conflict.Details)
	set(web.FieldRubric, r.RubricID)
	set(web.FieldRubricVersion, strconv.Itoa(r.RubricVersion))
	for _, a := range r.Answers {
		switch {
		case a.Score != nil:
			set(web.AnswerField(a.Criterion), strconv.Itoa(*a.Score))
		case a.Unknown:
			set(web.AnswerField(a.Criterion), web.AnswerUnknown)
		case a.NA:
			set(web.AnswerField(a.Criterion), web.AnswerNA)
		}
		set(web.CommentField(a.Criterion), a.Comment)
		set(web.EvidenceField(a.Criterion), strings.Join(a.Evidence, "\n"))
	}
	return v
}

// pageOrder lists the review form's inputs in the order of the page.
func pageOrder(criteria []registry.Criterion) []string {
	out := []string{web.FieldRole, web.FieldPhase, web.FieldNation, web.FieldSetting, web.FieldSubject, web.FieldMonths, web.FieldFrequency}
	for _, c := range criteria {
		out = append(out, web.AnswerField(c.ID), web.CommentField(c.ID), web.EvidenceField(c.ID))
	}
	return append(out, web.FieldRecommendation, web.FieldSummary, web.FieldConflict, web.FieldConflictDetail, web.FieldSubmit)
}

// answerPath matches the path of a problem with an answer:
// "answers[3].score" → "3", ".score".
var answerPath = regexp.MustCompile(`^answers\[(\d+)\](.*)$`)

// reviewFormErrors turns the field errors of a refused submission (JSON paths,
// such as "answers[3].score") into messages beside the form's inputs, in
// the page's language: one per input, in the order found. criteria are the
// criteria of the submission's answers, in order (localized: their titles
// are named); form is what was posted, which tells a missing answer from a
// wrong one. A problem with no input of its own (the rubric version, the
// form's key) is a message at the submit button.
func reviewFormErrors(v *web.View, err error, form url.Values, criteria []registry.Criterion) ([]web.FieldError, error) {
	var out []web.FieldError
	seen := map[string]bool{}
	for _, fe := range registry.ErrorFields(err) {
		id, key, args := formProblem(fe.Field, form, criteria)
		if seen[id] {
			continue
		}
		seen[id] = true
		msg, err := v.T(key, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, web.FieldError{ID: id, Message: msg})
	}
	// The summary lists the problems in the order of the form.
	order := map[string]int{}
	for i, id := range pageOrder(criteria) {
		order[id] = i
	}
	slices.SortStableFunc(out, func(a, b web.FieldError) int { return order[a.ID] - order[b.ID] })
	if len(out) == 0 {
		msg, err := v.T("review.error.form")
		if err != nil {
			return nil, err
		}
		out = append(out, web.FieldError{ID: web.FieldSubmit, Message: msg})
	}
	return out, nil
}

// reviewProblems lists, in the page's language and beside the form's
// inputs, the problems of a review the rules refused (EINVALID): those
// err names and those of its answers against the rubric version r
// (withAnswerProblems).
func (s *Server) reviewProblems(ctx context.Context, v *web.View, err error, req *reviewRequest, form url.Values, r *registry.Rubric) ([]web.FieldError, error) {
	err = withAnswerProblems(ctx, err, req, r)
	return reviewFormErrors(v, err, form, s.rubrics.Localize(r, string(v.Lang)).Criteria())
}

// formProblem returns the input a problem at a JSON path is about, and the
// message key (and its arguments) that says what is wrong with it.
func formProblem(path string, form url.Values, criteria []registry.Criterion) (id, key string, args []any) {
	long := func(name string, limit int) bool {
		return utf8.RuneCountInString(strings.TrimSpace(form.Get(name))) > limit
	}
	switch path {
	case "reviewer", "reviewer.role":
		return web.FieldRole, "review.error.role", nil
	case "reviewer.phase":
		return web.FieldPhase, "review.error.phase", nil
	case "reviewer.nation":
		return web.FieldNation, "review.error.nation", nil
	case "reviewer.setting":
		return web.FieldSetting, "review.error.setting", nil
	case "reviewer.subject":
		if long(web.FieldSubject, registry.MaxSubjectLength) {
			return web.FieldSubject, "review.error.subject", []any{registry.MaxSubjectLength}
		}
		return web.FieldSubject, "review.error.generic", nil
	case "usage", "usage.months":
		return web.FieldMonths, "review.error.months", []any{registry.MaxUsageMonths}
	case "usage.frequency":
		return web.FieldFrequency, "review.error.frequency", nil
	case "recommendation":
		return web.FieldRecommendation, "review.error.recommendation", nil
	case "summary":
		switch {
		case strings.TrimSpace(form.Get(web.FieldSummary)) == "":
			return web.FieldSummary, "review.error.summary", nil
		case long(web.FieldSummary, registry.MaxSummaryLength):
			return web.FieldSummary, "review.error.summary.long", []any{registry.MaxSummaryLength}
		}
		return web.FieldSummary, "review.error.generic", nil
	case "conflictOfInterest", "conflictOfInterest.declared":
		return web.FieldConflict, "review.error.conflict", nil
	case "conflictOfInterest.details":
		if long(web.FieldConflictDetail, registry.MaxConflictLength) {
			return web.FieldConflictDetail, "review.error.conflict.long", []any{registry.MaxConflictLength}
		}
		return web.FieldConflictDetail, "review.error.generic", nil
	}
	m := answerPath.FindStringSubmatch(path)
	if m == nil {
		return web.FieldSubmit, "review.error.form", nil
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || i >= len(criteria) {
		return web.FieldSubmit, "review.error.form", nil
	}
	c := criteria[i]
	switch suffix := m[2]; {
	case suffix == ".comment":
		if long(web.CommentField(c.ID), registry.MaxCommentLength) {
			return web.CommentField(c.ID), "review.error.comment", []any{c.Title, registry.MaxCommentLength}
		}
		return web.CommentField(c.ID), "review.error.generic", nil
	case suffix == ".evidence" && len(links(form.Get(web.EvidenceField(c.ID)))) > registry.MaxEvidenceLinks:
		return web.EvidenceField(c.ID), "review.error.evidence.many", []any{c.Title, registry.MaxEvidenceLinks}
	case strings.HasPrefix(suffix, ".evidence"):
		return web.EvidenceField(c.ID), "review.error.evidence.link", []any{c.Title}
	case form.Get(web.AnswerField(c.ID)) == "":
		return web.AnswerField(c.ID), "review.error.answer", []any{c.Title}
	}
	return web.AnswerField(c.ID), "review.error.answer.invalid", []any{c.Title}
}

// withAnswerProblems adds to a refused submission's problems those of its
// answers against the rubric r, which the submission's own rules may not
// have reached (registry.ValidateAnswers runs only once the request's rules
// pass): a form shows every problem at once, not one kind after the other.
// The rules are the submission's own; nothing is refused that a JSON
// submission would not refuse.
func withAnswerProblems(ctx context.Context, err error, req *reviewRequest, r *registry.Rubric) error {
	if registry.ErrorCode(err) != registry.EINVALID {
		return err
	}
	fields := registry.ErrorFields(err)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.Field] = true
	}
	more := registry.ErrorFields(registry.ValidateAnswers(ctx, r, toAnswers(req.Answers)))
	all := slices.Clone(fields)
	for _, f := range more {
		if !seen[f.Field] {
			all = append(all, f)
		}
	}
	if len(all) == len(fields) {
		return err
	}
	return registry.Invalid(registry.ErrorMessage(err), all...)
}
