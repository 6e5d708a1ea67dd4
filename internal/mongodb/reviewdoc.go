package mongodb

import (
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// reviewDoc is a review as stored. Short field names keep the documents
// compact (docs/storage.md, "The embedded store"): a review holds one
// answer per criterion.
type reviewDoc struct {
	ID             string      `bson:"_id"`
	ProductID      string      `bson:"p"`
	RubricID       string      `bson:"ri"`
	RubricVersion  int         `bson:"rv"`
	RubricHash     string      `bson:"rh"`
	ReviewerRef    string      `bson:"by"`
	Reviewer       contextDoc  `bson:"ctx"`
	Usage          usageDoc    `bson:"use"`
	Answers        []answerDoc `bson:"a"`
	Recommendation string      `bson:"rec"`
	Summary        string      `bson:"sum"`
	Conflict       conflictDoc `bson:"coi"`
	Status         string      `bson:"st"`
	RejectReason   string      `bson:"rr,omitempty"`
	CreatedAt      time.Time   `bson:"ct"`
	UpdatedAt      time.Time   `bson:"ut"`
	PublishedAt    *time.Time  `bson:"pt,omitempty"`
	// Seq is the review's position in its product's public listing,
	// given when a release makes it public; it names the page that lists
	// it.
	Seq int `bson:"sq,omitempty"`
	// ReleasedIn is the number of the product's release that made the
	// review public (0: not yet); RemovedIn the release that took its
	// answers out of the public statistics after it was withdrawn or taken
	// down (0: not yet). The review counts in the public statistics while
	// ReleasedIn > 0 and RemovedIn == 0. ReleaseMonth is the month of the
	// release that made it public, the only date the public sees.
	ReleasedIn   int    `bson:"rin,omitempty"`
	RemovedIn    int    `bson:"rout,omitempty"`
	ReleaseMonth string `bson:"rmo,omitempty"`
	// Act is set on pending reviews in the queue only: reviewer + product,
	// under a unique index, so a reviewer has one pending review of a
	// product.
	Act string `bson:"act,omitempty"`
	// QSeq is the review's entry in the moderation queue's pages
	// (queuepages.go), kept when it leaves the queue so the entry can be
	// marked gone.
	QSeq int `bson:"qs,omitempty"`
	// Auto says the review was submitted with moderation off, to be
	// published at once.
	Auto bool `bson:"au,omitempty"`
	// Slot and ListN are the review's slot among its author's pending
	// reviews and its place in their list of reviews (reviewers.go), each
	// plus one.
	Slot  int `bson:"sl,omitempty"`
	ListN int `bson:"ln,omitempty"`
	// QFlags are the flags of the review's queue entry (queueFlags,
	// moderation.go), kept so that the queue's pages can be rebuilt.
	QFlags int `bson:"qf,omitempty"`
	// Redacted lists the free-text fields a moderator redacted when
	// publishing the review (redact.go): their paths, never the text.
	Redacted []string `bson:"red,omitempty"`
	// Revises is the review this one revises (revisions.go);
	// SupersededBy the revision whose publication superseded this one;
	// Next the newest revision submitted of this one (for its author's
	// view only: a revision is found by its author's pending slots).
	Revises      string `bson:"of,omitempty"`
	SupersededBy string `bson:"sby,omitempty"`
	Next         string `bson:"nx,omitempty"`
	// Detached marks a superseded review of a deleted account that was
	// still listed when the account was deleted: the release that takes it
	// out of the public state also empties its free text
	// (datarights_delete.go).
	Detached bool `bson:"dx,omitempty"`
	// Version is the review's version (registry.Review.Version): 1 when
	// submitted, absent (0) on reviews stored before versions existed,
	// one more with every edit in place and every change of status.
	Version int `bson:"vn,omitempty"`
}

type contextDoc struct {
	Role    string `bson:"role"`
	Phase   string `bson:"phase"`
	Nation  string `bson:"nation"`
	Subject string `bson:"subject,omitempty"`
	Setting string `bson:"setting,omitempty"`
}

type usageDoc struct {
	Months    int    `bson:"m"`
	Frequency string `bson:"f"`
}

type answerDoc struct {
	Criterion string   `bson:"c"`
	Score     *int     `bson:"s,omitempty"`
	Unknown   bool     `bson:"u,omitempty"`
	NA        bool     `bson:"na,omitempty"`
	Comment   string   `bson:"m,omitempty"`
	Evidence  []string `bson:"e,omitempty"`
}

type conflictDoc struct {
	Declared bool   `bson:"d"`
	Details  string `bson:"x,omitempty"`
}

func toReviewDoc(r *registry.Review) *reviewDoc {
	d := &reviewDoc{
		ID: r.ID, ProductID: r.ProductID, RubricID: r.RubricID, RubricVersion: r.RubricVersion,
		RubricHash: r.RubricHash, ReviewerRef: r.ReviewerRef,
		Reviewer: contextDoc{Role: r.Reviewer.Role, Phase: r.Reviewer.Phase, Nation: r.Reviewer.Nation,
			Subject: r.Reviewer.Subject, Setting: r.Reviewer.Setting},
		Usage:          usageDoc{Months: r.Usage.Months, Frequency: r.Usage.Frequency},
		Answers:        toAnswerDocs(r.Answers),
		Recommendation: r.Recommendation, Summary: r.Summary,
		Conflict: conflictDoc{Declared: r.Conflict.Declared, Details: r.Conflict.Details},
		Status:   r.Status, RejectReason: r.RejectReason,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PublishedAt: r.PublishedAt,
		Redacted: r.Redacted, Revises: r.Revises, SupersededBy: r.SupersededBy, Version: max(r.Version, 1),
	}
	return d
}

func toAnswerDocs(as []registry.Answer) []answerDoc {
	out := make([]answerDoc, len(as))
	for i, a := range as {
		out[i] = answerDoc{Criterion: a.Criterion, Score: a.Score, Unknown: a.Unknown, NA: a.NA, Comment: a.Comment, Evidence: a.Evidence}
	}
	return out
}

func fromAnswerDocs(ds []answerDoc) []registry.Answer {
	out := make([]registry.Answer, len(ds))
	for i, a := range ds {
		out[i] = registry.Answer{Criterion: a.Criterion, Score: a.Score, Unknown: a.Unknown, NA: a.NA, Comment: a.Comment, Evidence: a.Evidence}
	}
	return out
}

func (d *reviewDoc) review() *registry.Review {
	r := &registry.Review{
		ID: d.ID, ProductID: d.ProductID, RubricID: d.RubricID, RubricVersion: d.RubricVersion,
		RubricHash: d.RubricHash, ReviewerRef: d.ReviewerRef,
		Reviewer: registry.ReviewerContext{Role: d.Reviewer.Role, Phase: d.Reviewer.Phase, Nation: d.Reviewer.Nation,
			Subject: d.Reviewer.Subject, Setting: d.Reviewer.Setting},
		Usage:          registry.Usage{Months: d.Usage.Months, Frequency: d.Usage.Frequency},
		Answers:        fromAnswerDocs(d.Answers),
		Recommendation: d.Recommendation, Summary: d.Summary,
		Conflict: registry.Conflict{Declared: d.Conflict.Declared, Details: d.Conflict.Details},
		Status:   d.Status, RejectReason: d.RejectReason,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		Redacted: d.Redacted, Revises: d.Revises, SupersededBy: d.SupersededBy, Version: d.Version,
	}
	if d.PublishedAt != nil {
		t := d.PublishedAt.UTC()
		r.PublishedAt = &t
	}
	return r
}

// inPublicStats reports whether the review's answers are counted in its
// product's public statistics.
func (d *reviewDoc) inPublicStats() bool { return d.ReleasedIn > 0 && d.RemovedIn == 0 }

// listed reports whether the review is in its product's public listing: a
// released review that is published, or superseded by its revision and not
// yet taken out by the release that makes the revision public.
func (d *reviewDoc) listed() bool {
	switch d.Status {
	case registry.StatusPublished:
		return d.ReleasedIn > 0
	case registry.StatusSuperseded:
		return d.ReleasedIn > 0 && d.RemovedIn == 0
	}
	return false
}

// entryDoc is a public listing entry as kept in its product's pages:
// exactly what registry.PublicEntry made of the review, and its listing
// position.
type entryDoc struct {
	ID             string       `bson:"id"`
	Seq            int          `bson:"sq"`
	Summary        string       `bson:"sum"`
	Comments       []commentDoc `bson:"cm,omitempty"`
	Recommendation string       `bson:"rec"`
	Month          string       `bson:"mo"`
}

type commentDoc struct {
	Criterion string `bson:"c"`
	Comment   string `bson:"m"`
}

// toEntryDoc makes the listing entry of a released review.
func toEntryDoc(d *reviewDoc) entryDoc {
	p := registry.PublicEntry(d.review(), d.ReleaseMonth)
	e := entryDoc{ID: p.ID, Seq: d.Seq, Summary: p.Summary, Recommendation: p.Recommendation, Month: p.Month}
	for _, c := range p.Comments {
		e.Comments = append(e.Comments, commentDoc{Criterion: c.Criterion, Comment: c.Comment})
	}
	return e
}

func (e *entryDoc) public() registry.PublicReview {
	p := registry.PublicReview{ID: e.ID, Summary: e.Summary, Recommendation: e.Recommendation, Month: e.Month}
	for _, c := range e.Comments {
		p.Comments = append(p.Comments, registry.PublicComment{Criterion: c.Criterion, Comment: c.Comment})
	}
	return p
}
