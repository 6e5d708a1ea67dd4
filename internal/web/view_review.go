package web

import (
	"strconv"
	"strings"
	"time"
)

// The review form's fields. Their names are also the ids of their inputs
// (a radio group's first input; the others add "-<value>"), so that an
// error summary links to them; a criterion's fields add its id with "."
// replaced by "_" (criterion ids are "<dimension>.<slug>" and slugs have no
// "_", so no two criteria share a field).
const (
	FieldRole           = "role"
	FieldPhase          = "phase"
	FieldNation         = "nation"
	FieldSetting        = "setting"
	FieldSubject        = "subject"
	FieldMonths         = "months"
	FieldFrequency      = "frequency"
	FieldRecommendation = "recommendation"
	FieldSummary        = "summary"
	FieldConflict       = "conflict"
	FieldConflictDetail = "conflict-details"
	// FieldKey is the hidden random key that makes a retried post of the
	// form one submission (its Idempotency-Key).
	FieldKey = "key"
	// FieldRubric and FieldRubricVersion name the rubric version the form
	// was made from.
	FieldRubric        = "rubric"
	FieldRubricVersion = "rubric-version"
	// FieldVersion is the edit form's hidden version of the review read.
	FieldVersion = "version"
	// FieldAction is the submit buttons' name: ActionSubmit,
	// ActionDraft, ActionDiscard.
	FieldAction = "action"
	// FieldSubmit is the id of the submit button, which the error summary
	// links to for a problem with the form as a whole.
	FieldSubmit = "submit"
)

// The review form's actions (the value of the button pressed).
const (
	ActionSubmit  = "submit"
	ActionDraft   = "draft"
	ActionDiscard = "discard"
)

// Answer values of a criterion besides its scores.
const (
	AnswerUnknown = "unknown"
	AnswerNA      = "na"
)

// criterionField is a criterion's part of its fields' names.
func criterionField(criterionID string) string { return strings.ReplaceAll(criterionID, ".", "_") }

// AnswerField is the name (and id) of a criterion's answer.
func AnswerField(criterionID string) string { return "answer-" + criterionField(criterionID) }

// CommentField is the name (and id) of a criterion's comment.
func CommentField(criterionID string) string { return "comment-" + criterionField(criterionID) }

// EvidenceField is the name (and id) of a criterion's evidence links, one
// on each line.
func EvidenceField(criterionID string) string { return "evidence-" + criterionField(criterionID) }

// ReviewFormData is the review form: a new review of a product, or an
// edit of one's own review.
type ReviewFormData struct {
	// Title is the page's heading.
	Title       string
	ProductID   string
	ProductName string
	// Action is the path the form posts to.
	Action string
	// Edit is set for an edit of ReviewID: it keeps no drafts.
	Edit     bool
	ReviewID string
	// Form holds what was entered and what is wrong with it.
	Form *Form
	// The hidden fields: the submission's key, the rubric version and,
	// for an edit, the version of the review it edits.
	Key           string
	RubricID      string
	RubricVersion int
	Version       string
	// RubricTitle names the rubric the questions come from.
	RubricTitle string
	// RubricLang is the language of the rubric's texts when it is not the
	// page's (a rubric without a translation into it), else "".
	RubricLang string
	Dimensions []ReviewDimension
	// The choices of the reviewer's context, usage and recommendation.
	Roles, Phases, Nations, Settings, Frequencies, Recommendations, Conflicts []string
	// Limits shown in the hints.
	MaxComment, MaxSummary, MaxEvidence, MaxConflict int

	// DraftRestored is when the draft shown was saved (zero when none
	// was restored).
	DraftRestored time.Time
	// DraftSaved, DraftDiscarded say the draft was just saved or
	// discarded; DraftKept that a failed submission was saved as one;
	// DraftTooMany and DraftFailed that it could not be.
	DraftSaved, DraftDiscarded, DraftKept, DraftTooMany, DraftFailed bool
	// Existing is the author's active review of the product that stopped
	// the submission (the one-active-review rule); Conflict is set when
	// its id is not known.
	Existing string
	Conflict bool
	// TooMany says the author has as many pending reviews as they may.
	TooMany bool
	// Refused says an edit was refused because the review cannot be
	// edited now (moderated, replaced, withdrawn, or its last edit not
	// public yet).
	Refused bool
	// Changed is the version saved now of a review that changed after
	// the edit form was read.
	Changed *ReviewVersion
}

// ReviewDimension is a dimension of the rubric: a heading, and its
// criteria.
type ReviewDimension struct {
	ID          string
	Title       string
	Description string
	Criteria    []ReviewCriterion
}

// ReviewCriterion is one question of the form.
type ReviewCriterion struct {
	ID       string
	Title    string
	Question string
	Guidance string
	Levels   []ReviewLevel
	// Unknown is the criterion's "don't know" policy ("worst" or
	// "ignore"), or "" when "don't know" is not offered.
	Unknown string
	// NotApplicable says "not applicable" is offered.
	NotApplicable bool
}

// ReviewLevel is one anchored level of a criterion.
type ReviewLevel struct {
	Score      int
	Label      string
	Descriptor string
}

// Value is the level's answer value.
func (l ReviewLevel) Value() string { return strconv.Itoa(l.Score) }

// AnswerID is the name and id of the criterion's answer.
func (c ReviewCriterion) AnswerID() string { return AnswerField(c.ID) }

// CommentID is the name and id of the criterion's comment.
func (c ReviewCriterion) CommentID() string { return CommentField(c.ID) }

// EvidenceID is the name and id of the criterion's evidence links.
func (c ReviewCriterion) EvidenceID() string { return EvidenceField(c.ID) }

// QuestionID is the id of the criterion's question, which describes its
// fieldset.
func (c ReviewCriterion) QuestionID() string { return "question-" + criterionField(c.ID) }

// GuidanceID is the id of the criterion's guidance, which describes its
// fieldset.
func (c ReviewCriterion) GuidanceID() string { return "guidance-" + criterionField(c.ID) }

// ReviewVersion is a review as it is stored now, shown beside an edit that
// was refused because it changed.
type ReviewVersion struct {
	Recommendation string // a value of Recommendations
	Summary        string
	Answers        []ReviewVersionAnswer
}

// ReviewVersionAnswer is one criterion's answer in a ReviewVersion: Answer
// is its words (a level's score and label, or the catalogue's "don't
// know", "not applicable" or "no answer").
type ReviewVersionAnswer struct {
	Criterion string
	Answer    string
	Comment   string
}

// ReviewDoneData is the page shown after a review was sent or edited.
type ReviewDoneData struct {
	ProductID string
	// ReviewID is the review's id when it is the reader's (for a link to
	// it), else "".
	ReviewID string
	// Edited says changes to a review were saved, not a new one sent.
	Edited bool
	// Published says the review is already published (moderation is off).
	Published bool
}
