package web

import "time"

// QueueData is the moderation queue page: one page of pending reviews,
// oldest first, narrowed by its filters.
type QueueData struct {
	Items []QueueItem
	// Hints and Conflict are the filters: only reviews with identity
	// hints, only reviews with a declared conflict of interest.
	Hints, Conflict bool
	// Cursor is this page's cursor ("" on the first page); NextCursor the
	// next page's ("" on the last).
	Cursor, NextCursor string
	// Done confirms the decision just made ("published", "rejected"), or
	// is "".
	Done string
}

// PageURL is the link to the queue's page at cursor ("" for the first),
// with the same filters.
func (d *QueueData) PageURL(cursor string) string {
	return pageURL("/moderation", cursor, "hints", flag(d.Hints), "conflict", flag(d.Conflict))
}

// flag is a filter's value in a link: "true", or "" (left out) for false.
func flag(on bool) string {
	if on {
		return "true"
	}
	return ""
}

// Filtered reports whether a filter narrows the queue.
func (d *QueueData) Filtered() bool { return d.Hints || d.Conflict }

// QueueItem is a pending review in the queue.
type QueueItem struct {
	ID          string
	ProductID   string
	ProductName string
	Submitted   time.Time
	// DaysWaiting is how many whole days it has waited since it was
	// submitted.
	DaysWaiting int
	// Hints counts its identity hints.
	Hints    int
	Conflict bool
	// Revision is set when it revises a published review.
	Revision bool
}

// ModerateData is the page of one review as a moderator reads it, with
// the forms that publish or reject it.
type ModerateData struct {
	ID string
	// Version is the review's version as read: the publication or
	// rejection posts it back, and is refused if the review changed since.
	Version     int
	Status      string
	ProductID   string
	ProductName string
	// RubricTitle and RubricVersion name the rubric version it answers.
	RubricTitle   string
	RubricVersion int
	Submitted     time.Time
	Updated       time.Time
	// Revises is the review this one revises, or "".
	Revises string

	Role, Phase, Nation, Setting string
	Subject                      *ModText // nil when the reviewer gave none
	UsageMonths                  int
	Frequency                    string
	Recommendation               string
	Summary                      *ModText

	Sections []ModSection

	ConflictDeclared bool
	ConflictDetails  *ModText // nil when there are none

	// Hints counts the identity hints of the whole review.
	Hints int
	// Fields are the free-text fields that hold text, in the order the
	// API names them: what a moderator may redact.
	Fields []*ModText

	// RejectReason and Redacted are set for a review that was rejected or
	// published with redactions (which fields, never what they held).
	RejectReason string
	Redacted     []string

	// Own is set when the moderator wrote the review: someone else must
	// decide on it.
	Own bool
	// Changed is set when a decision was refused because the review
	// changed since it was read: the page shows the new version.
	Changed bool
	// Publish and Reject hold what a refused publication or rejection
	// posted, and what was wrong with it; nil when none was.
	Publish *Form
	Reject  *Form
}

// Pending reports whether a moderator may still decide on the review.
func (d *ModerateData) Pending() bool { return d.Status == "pending" }

// Errors returns the form whose errors the page summarises: the refused
// publication's or rejection's.
func (d *ModerateData) Errors() *Form {
	if d.Publish.HasErrors() {
		return d.Publish
	}
	return d.Reject
}

// Redacting reports whether the publication form has t's redaction
// checked: as posted when it was refused, else not.
func (d *ModerateData) Redacting(t *ModText) bool { return d.Publish.Checked("redact", t.Path) }

// RedactText is the text the publication form offers for t when it is
// redacted: as posted when it was refused, else t.Replacement.
func (d *ModerateData) RedactText(t *ModText) string {
	if d.Publish != nil {
		return d.Publish.Value(t.RedactName())
	}
	return t.Replacement
}

// ModSection is the answers of one dimension of the rubric.
type ModSection struct {
	Title   string
	Answers []ModAnswer
}

// ModAnswer is one answer of a review.
type ModAnswer struct {
	Criterion string
	Title     string
	// Scored is set when a level was chosen (not "don't know" or "not
	// applicable"): Score is the level, Level its label in the rubric.
	Scored  bool
	Score   int
	Level   string
	Unknown bool
	NA      bool
	Comment *ModText // nil when there is none
	// Evidence are the web addresses the reviewer gave.
	Evidence []string
}

// ModText is one free-text field of a review, split into pieces so that
// its identity hints can be marked without building HTML: the template
// writes each piece, escaped, inside <mark> or not.
type ModText struct {
	// Path is the field as the API names it ("answers[3].comment"): the
	// value of its redaction checkbox.
	Path string
	// ID is the field's HTML id stem ("answers-3-comment").
	ID string
	// Kind says which field it is ("summary", "comment", "conflict",
	// "subject"); Title is the criterion's title for a comment.
	Kind  string
	Title string
	Text  string
	// Pieces are Text cut at the edges of its hints.
	Pieces []TextPiece
	// Hints are the identity hints found in it.
	Hints []Hint
	// Replacement is the text offered for publication when the field is
	// redacted: the text with each hint replaced by "[…]", or "[…]" alone
	// for a field without hints.
	Replacement string
}

// TextPiece is a piece of a text; Mark is set for a hint.
type TextPiece struct {
	Text string
	Mark bool
}

// Hint is an identity hint: text that may name a person or a school.
type Hint struct {
	Kind string
	Text string
}

// RedactName is the form field that carries a redacted field's text.
func (t *ModText) RedactName() string { return "text:" + t.Path }
