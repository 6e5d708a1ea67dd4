package registry

import "context"

// Revisions (docs/storage.md, "Revise a review"). A review's author may edit
// it: a pending review is replaced in place; a published one gets a revision,
// a review of its own that refers to the review it revises (Review.Revises)
// and waits for moderation like a submission while the published text stays
// public. Once the revision is published, the review it revises is
// superseded: it stays in the public listing and statistics until the
// product's next release, which takes its answers out and the revision's in.
const (
	// StatusSuperseded is the status of a published review whose revision
	// was published: public until the release that makes the revision
	// public, then gone. Final.
	StatusSuperseded = "superseded"
	// PublicationReplacing: a superseded review still public; the
	// product's next release replaces it with its revision.
	PublicationReplacing = "replacing"
)

// OwnReview is one of a reviewer's reviews as its author sees it: the review,
// where it stands with the public, and its latest revision (pending, or
// rejected with the reason) when it has one that was not published.
type OwnReview struct {
	Review      *Review
	Publication Publication
	// Revision is the review's pending or rejected revision, nil when
	// there is none.
	Revision *Review
	// Unchanged says an edit was a retry (the same Idempotency-Key and
	// body) of one already made that changed nothing: there is nothing new
	// to record.
	Unchanged bool
}

// EditVersion names what an author read before editing a review: the
// document the edit changes — the review itself when it is pending or
// published without a pending revision, else its pending revision — and
// that document's version (Review.Version). A revision made, changed or
// moderated since, or an edit of the review in place, changes one or the
// other.
type EditVersion struct {
	ReviewID string
	Version  int
}

// Matches reports whether the document the edit changes, id at version,
// is the one read.
func (v *EditVersion) Matches(id string, version int) bool {
	return v.ReviewID == id && v.Version == version
}

// RevisionService edits reviews for their authors.
type RevisionService interface {
	// ReviseReview replaces the content of review id, written by
	// authorRef, with r's (r names no product; the review's is kept): a
	// pending review is changed in place, a published one gets a revision
	// that waits for moderation (or replaces the pending revision it has).
	// With a non-empty idempotencyKey, a retry with the same body changes
	// nothing more; the key with another body or review is EINVALID. With
	// read, the edit is refused (EPRECONDITION, nothing written) unless
	// what it changes is still the version read, checked where it is
	// written; nil checks nothing (the last edit wins).
	// Returns ENOTFOUND for a review that does not exist or is another
	// reviewer's, ECONFLICT for one that cannot be edited.
	ReviseReview(ctx context.Context, id, authorRef string, r *Review, idempotencyKey, bodyHash string, read *EditVersion) (*OwnReview, error)
	// OwnReview returns review id as its author sees it. ENOTFOUND for a
	// review that does not exist or is not authorRef's.
	OwnReview(ctx context.Context, id, authorRef string) (*OwnReview, error)
}
