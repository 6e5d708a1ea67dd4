package registry

import (
	"context"
	"time"
)

// Value lists of a review, stored as written here (docs/storage.md, "Stored
// values and review states").
var (
	ReviewerRoles   = []string{"teacher", "support-staff", "leader", "specialist", "lecturer"}
	Phases          = []string{"early-years", "primary", "secondary", "special", "further", "higher"}
	Nations         = []string{"england", "scotland", "wales", "northern-ireland"}
	Settings        = []string{"maintained", "academy", "independent", "college", "university", "other"}
	Frequencies     = []string{"daily", "weekly", "monthly", "rarely"}
	Recommendations = []string{"recommend", "conditional", "not-recommended"}
)

// Review statuses.
const (
	StatusPending   = "pending"
	StatusPublished = "published"
	StatusRejected  = "rejected"
	StatusWithdrawn = "withdrawn"
)

// Limits on a review: texts in characters, lists in items. The API's
// validation (by name, see internal/http), the answers check, the review
// form and its reader all take them from here.
const (
	MaxCommentLength  = 2000
	MaxSummaryLength  = 5000
	MaxEvidenceLinks  = 5
	MaxLinkLength     = 2000 // one evidence link
	MaxUsageMonths    = 240
	MaxConflictLength = 2000
	MaxReasonLength   = 2000 // a moderator's reason for a rejection
	MaxSubjectLength  = 100
	MaxIDLength       = 100 // a rubric or criterion id as sent
	MaxAnswers        = 200 // answers in one submission, more than any rubric has criteria
)

// Review is one educator's structured review of a product against one rubric
// version. ReviewerRef is a keyed hash that identifies the reviewer's token
// to the registry only; it is never shown publicly.
type Review struct {
	ID             string
	ProductID      string
	RubricID       string
	RubricVersion  int
	RubricHash     string
	ReviewerRef    string
	Reviewer       ReviewerContext
	Usage          Usage
	Answers        []Answer
	Recommendation string
	Summary        string
	Conflict       Conflict
	Status         string
	RejectReason   string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	PublishedAt    *time.Time
	// Redacted lists the paths of the free-text fields a moderator
	// redacted when publishing the review ("summary",
	// "answers[3].comment"): which fields, never the text they held
	// (moderation.go).
	Redacted []string
	// Revises is the review this one revises (revision.go); SupersededBy
	// the revision that superseded this one. Empty when none.
	Revises      string
	SupersededBy string
	// Version is the review's version: 1 when submitted (0 for a review
	// stored before versions existed), one more with every edit of its
	// content by its author and every change of its status (a
	// publication's redactions included). It is the review's ETag: a
	// moderator publishes or rejects naming the version they read
	// (IfMatch).
	Version int
}

// ReviewerContext describes the reviewer's job without identifying them.
type ReviewerContext struct {
	Role    string
	Phase   string
	Nation  string
	Subject string
	Setting string
}

// Usage says how long and how often the reviewer used the product.
type Usage struct {
	Months    int
	Frequency string
}

// Answer is the answer to one criterion: a score, "don't know" or "not
// applicable".
type Answer struct {
	Criterion string
	Score     *int
	Unknown   bool
	NA        bool
	Comment   string
	Evidence  []string
}

// Conflict is a reviewer's conflict-of-interest declaration.
type Conflict struct {
	Declared bool
	Details  string
}

// CanTransition reports whether a review may move from one status to another
// (docs/storage.md, "Stored values and review states"): pending →
// published | rejected | withdrawn; published → withdrawn | rejected.
func CanTransition(from, to string) bool {
	switch from {
	case StatusPending:
		return to == StatusPublished || to == StatusRejected || to == StatusWithdrawn
	case StatusPublished:
		return to == StatusWithdrawn || to == StatusRejected
	}
	return false
}

// ReviewPage is one page of a product's public listing: releases newest
// first, each release's entries in the order of their random ids.
type ReviewPage struct {
	Items      []PublicReview
	NextCursor string
}

// QueuePage is one page of the moderation queue, oldest first.
type QueuePage struct {
	Items      []*Review
	NextCursor string
}

// OwnReviewPage is one page of a reviewer's own reviews, newest first.
type OwnReviewPage struct {
	Items      []*Review
	NextCursor string
}

// SubmitResult tells whether a submission created a review or found the one
// an earlier request with the same idempotency key created.
type SubmitResult struct {
	Review  *Review
	Created bool
}

// ReviewService stores reviews and moves them through their states.
type ReviewService interface {
	// SubmitReview stores a new review, pending or published as the server's
	// moderation setting says. With a non-empty idempotencyKey a retry from
	// the same reviewer returns the first review with Created false; the same
	// key with another product or body returns EINVALID. bodyHash identifies
	// the request body. Returns ECONFLICT if the reviewer already has an
	// active review of the product (naming it in ExistingReview), and
	// ETOOMANY if they have as many pending reviews as they may.
	SubmitReview(ctx context.Context, r *Review, idempotencyKey, bodyHash string) (*SubmitResult, error)
	// Review returns one review. Returns ENOTFOUND if it does not exist.
	Review(ctx context.Context, id string) (*Review, error)
	// Transition moves a review to status "to". reviewerRef, when not empty,
	// is the caller's: a withdrawal must be by the review's author, and a
	// publication or rejection must not be (nobody moderates their own
	// review). Returns ENOTFOUND, EFORBIDDEN for either, or ECONFLICT when
	// the current status does not allow the change. Moving to the status it
	// already has returns ECONFLICT and changes nothing.
	Transition(ctx context.Context, id, to, reviewerRef, reason string) (*Review, error)
	// PublishedReviews returns a page of a product's public listing: the
	// released reviews that are still published, as PublicEntry makes
	// them.
	PublishedReviews(ctx context.Context, productID string, limit int, cursor string) (*ReviewPage, error)
	// Publication tells where a review stands with respect to the public
	// (docs/anonymity.md), for its author and moderators. Returns
	// ENOTFOUND if the review does not exist.
	Publication(ctx context.Context, reviewID string) (Publication, error)
	// Queue returns a page of pending reviews, oldest first.
	Queue(ctx context.Context, limit int, cursor string) (*QueuePage, error)
	// OwnReviews returns a page of the reviews written by reviewerRef, in
	// every status, newest first.
	OwnReviews(ctx context.Context, reviewerRef string, limit int, cursor string) (*OwnReviewPage, error)
}
