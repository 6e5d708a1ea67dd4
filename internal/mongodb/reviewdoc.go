package mongodb

import (
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// reviewDoc is a review as stored. Short field names keep the documents
// compact (DESIGN §4): a review holds one answer per criterion.
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
	// Seq is the review's position in its product's publish sequence; it
	// names the page of published reviews that lists it.
	Seq int `bson:"sq,omitempty"`
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
	}
	if d.PublishedAt != nil {
		t := d.PublishedAt.UTC()
		r.PublishedAt = &t
	}
	return r
}

// publicDoc is a published review as kept in its product's pages: the full
// reviewer context is kept so it can be generalised with the counts at read
// time, but never the reviewer reference, subject, setting, conflict
// details or exact dates.
type publicDoc struct {
	ID             string      `bson:"id"`
	Seq            int         `bson:"sq"`
	RubricID       string      `bson:"ri"`
	RubricVersion  int         `bson:"rv"`
	Reviewer       contextDoc  `bson:"ctx"`
	Usage          usageDoc    `bson:"use"`
	Answers        []answerDoc `bson:"a"`
	Recommendation string      `bson:"rec"`
	Summary        string      `bson:"sum"`
	Month          string      `bson:"mo"`
}

func toPublicDoc(d *reviewDoc, seq int) publicDoc {
	month := ""
	if d.PublishedAt != nil {
		month = d.PublishedAt.UTC().Format("2006-01")
	}
	return publicDoc{
		ID: d.ID, Seq: seq, RubricID: d.RubricID, RubricVersion: d.RubricVersion,
		Reviewer:       contextDoc{Role: d.Reviewer.Role, Phase: d.Reviewer.Phase, Nation: d.Reviewer.Nation},
		Usage:          d.Usage,
		Answers:        d.Answers,
		Recommendation: d.Recommendation, Summary: d.Summary, Month: month,
	}
}

func (p *publicDoc) public(productID string, counts map[string]int, threshold int) *registry.PublicReview {
	ctx := registry.ReviewerContext{Role: p.Reviewer.Role, Phase: p.Reviewer.Phase, Nation: p.Reviewer.Nation}
	return &registry.PublicReview{
		ID: p.ID, ProductID: productID, RubricID: p.RubricID, RubricVersion: p.RubricVersion,
		Reviewer:       registry.Generalise(ctx, counts, threshold),
		Usage:          registry.Usage{Months: p.Usage.Months, Frequency: p.Usage.Frequency},
		Answers:        fromAnswerDocs(p.Answers),
		Recommendation: p.Recommendation, Summary: p.Summary, Month: p.Month,
	}
}
