package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRedactions bounds the redactions one publication may list before
// they are checked: one per answer's comment, the summary, the conflict's
// details and the reviewer's subject.
const MaxRedactions = MaxAnswers + 3

// MaxFieldPath bounds a field path as sent ("answers[3].comment").
const MaxFieldPath = 100

// Paths of a review's free-text fields, as the API names them.
const (
	FieldSummary         = "summary"
	FieldConflictDetails = "conflictOfInterest.details"
	FieldSubject         = "reviewer.subject"
)

// AnswerCommentField is the path of the comment of answer i:
// "answers[3].comment".
func AnswerCommentField(i int) string { return "answers[" + strconv.Itoa(i) + "].comment" }

// TextField is one free-text field of a review: its path as the API names
// it, its text and the most characters it may hold.
type TextField struct {
	Path string
	Text string
	Max  int
}

// TextFields returns every free-text field a reviewer wrote in r, empty or
// not: the summary, each answer's comment, the conflict-of-interest details
// and the subject, in that order. They are what the moderation queue scans
// for identity hints and what a moderator may redact; nothing else in a
// review is free text a reviewer wrote (evidence links are checked web
// addresses, shown to moderators and the author only).
func TextFields(r *Review) []TextField {
	out := make([]TextField, 0, len(r.Answers)+3)
	out = append(out, TextField{Path: FieldSummary, Text: r.Summary, Max: MaxSummaryLength})
	for i, a := range r.Answers {
		out = append(out, TextField{Path: AnswerCommentField(i), Text: a.Comment, Max: MaxCommentLength})
	}
	out = append(out,
		TextField{Path: FieldConflictDetails, Text: r.Conflict.Details, Max: MaxConflictLength},
		TextField{Path: FieldSubject, Text: r.Reviewer.Subject, Max: MaxSubjectLength})
	return out
}

// Redaction replaces the text of one free-text field of a review when it is
// published.
type Redaction struct {
	Field string
	Text  string
}

// PublishRequest is a moderator's decision to publish a pending review:
// the fields to redact, and whether they acknowledge the conflict of
// interest the reviewer declared.
type PublishRequest struct {
	Redactions          []Redaction
	AcknowledgeConflict bool
	// IfMatch names the versions of the review the moderator read: the
	// publication is refused unless the review is still at one of them,
	// and without it (nil).
	IfMatch *IfMatch
}

// IfMatch names the versions of a review a moderator read (the If-Match of
// a publication or rejection): the decision applies to one of those
// versions or to none. An empty list matches no version.
type IfMatch struct {
	Versions []int
}

// Check returns EPRECONDITION unless version is one of m's, and
// EPRECONDREQ for a nil m: a moderator's decision on a pending review names
// the version it is about.
func (m *IfMatch) Check(version int) error {
	if m == nil {
		return Errorf(EPRECONDREQ, "Send If-Match with the ETag of the review as you read it (GET /api/v1/reviews/{id}, or the queue item's etag): a decision on a pending review applies to the text you read, not to an edit made since.")
	}
	if slices.Contains(m.Versions, version) {
		return nil
	}
	return Errorf(EPRECONDITION, "The review changed since you read it (its ETag is now \"%d\"): read it again, and decide on what it says now.", version)
}

// Apply checks the request against r, the pending review it publishes, and
// replaces the text of the redacted fields in r. It returns the paths of
// the fields whose text changed, in the order of TextFields (a redaction
// with the field's own text changes nothing and is not listed).
//
// Rules, each an EINVALID field error: at most one redaction per free-text
// field of r ("redactions"); each names a free-text field of r that holds
// text ("redactions[i].field"), at most once; its text fits the field's
// limit, and a summary stays non-empty ("redactions[i].text"); a declared
// conflict of interest is acknowledged ("acknowledgeConflict"). On an error
// r is unchanged.
func (p *PublishRequest) Apply(r *Review) ([]string, error) {
	for i := range p.Redactions {
		p.Redactions[i].Text = PlainText(p.Redactions[i].Text)
	}
	fields := TextFields(r)
	var errs FieldErrors
	if r.Conflict.Declared && !p.AcknowledgeConflict {
		errs.Add("acknowledgeConflict", "the reviewer declared a conflict of interest; read it and acknowledge it with true")
	}
	if len(p.Redactions) > len(fields) {
		errs.Add("redactions", fmt.Sprintf("at most %d redactions, one per free-text field of this review", len(fields)))
		return nil, errs.Err("The publication cannot be made as asked.")
	}
	index := make(map[string]int, len(fields))
	for i, f := range fields {
		index[f.Path] = i
	}
	changed := make([]bool, len(fields))
	seen := make(map[string]int, len(p.Redactions))
	for i, red := range p.Redactions {
		at := "redactions[" + strconv.Itoa(i) + "]"
		k, ok := index[red.Field]
		switch {
		case !ok:
			errs.Add(at+".field", "not a free-text field of this review; use summary, answers[N].comment (N below the number of answers), "+FieldConflictDetails+" or "+FieldSubject)
			continue
		case fields[k].Text == "":
			errs.Add(at+".field", "this field of the review is empty; there is nothing to redact")
			continue
		}
		if first, dup := seen[red.Field]; dup {
			errs.Add(at+".field", fmt.Sprintf("redacted already by redactions[%d]; redact each field once", first))
			continue
		}
		seen[red.Field] = i
		switch n := utf8.RuneCountInString(red.Text); {
		case n > fields[k].Max:
			errs.Add(at+".text", fmt.Sprintf("must be at most %d characters, as the field allows", fields[k].Max))
		case strings.TrimSpace(red.Text) == "" && red.Field == FieldSummary:
			errs.Add(at+".text", "a summary cannot be empty; write what may be published")
		}
		changed[k] = red.Text != fields[k].Text
	}
	if err := errs.Err("The publication cannot be made as asked."); err != nil {
		return nil, err
	}
	for _, red := range p.Redactions {
		k := index[red.Field]
		if !changed[k] {
			continue
		}
		switch {
		case red.Field == FieldSummary:
			r.Summary = red.Text
		case red.Field == FieldConflictDetails:
			r.Conflict.Details = red.Text
		case red.Field == FieldSubject:
			r.Reviewer.Subject = red.Text
		default:
			r.Answers[k-1].Comment = red.Text // answers follow the summary
		}
	}
	var paths []string
	for k, f := range fields {
		if changed[k] {
			paths = append(paths, f.Path)
		}
	}
	return paths, nil
}

// QueueFilter narrows the moderation queue: to reviews with identity hints,
// to reviews with a declared conflict of interest, or (both set) to reviews
// with both.
type QueueFilter struct {
	Hints    bool
	Conflict bool
}

// ModerationService is the moderation queue with its filters, and
// publication with redactions.
type ModerationService interface {
	// ModerationQueue returns a page of pending reviews, oldest first,
	// narrowed by filter. Its cost follows the pages read, not the length
	// of the queue: a page may hold fewer than limit reviews, or none, and
	// still have a next cursor.
	ModerationQueue(ctx context.Context, filter QueueFilter, limit int, cursor string) (*QueuePage, error)
	// PublishReview publishes a pending review as Transition does, after
	// applying req (PublishRequest.Apply) to it: the published review
	// holds the redacted text only, and the list of redacted fields.
	// callerRef is the moderator's reviewer reference (nobody publishes
	// their own review). Returns ENOTFOUND, EFORBIDDEN, ECONFLICT as
	// Transition, EPRECONDITION when the review is no longer at a version
	// req.IfMatch names, and EINVALID for a request Apply refuses; either
	// way nothing changes.
	PublishReview(ctx context.Context, id, callerRef string, req PublishRequest) (*Review, error)
	// RejectReview rejects a review with reason as Transition does: a
	// pending one only while it is still at one of the versions ifMatch
	// names (EPRECONDREQ without ifMatch, EPRECONDITION when it changed);
	// a published one (a take-down) with or without ifMatch, which is
	// checked when given. Refused, it changes nothing.
	RejectReview(ctx context.Context, id, callerRef, reason string, ifMatch *IfMatch) (*Review, error)
}
