package registry

// The public face of a review, and the release rule that decides when a
// product's public state may change (docs/anonymity.md).

// PublicReview is a published review as anyone may see it: its text, its
// recommendation, the month of the release that made it public and its
// random id. Nothing else: no per-criterion scores (they could be matched
// against filtered counts), no reviewer context, no usage, no rubric
// version, no exact dates. Make one only with PublicEntry.
type PublicReview struct {
	ID             string
	Summary        string
	Comments       []PublicComment
	Recommendation string
	Month          string // the release's month, "2026-11"
}

// PublicComment is a reviewer's comment on one criterion.
type PublicComment struct {
	Criterion string
	Comment   string
}

// PublicEntry decides what of a review the public sees, given the month of
// the release that made it public. Every public output — the JSON listing,
// the workbooks, the web pages — gets its entries from this function.
func PublicEntry(r *Review, releaseMonth string) PublicReview {
	p := PublicReview{ID: r.ID, Summary: r.Summary, Recommendation: r.Recommendation, Month: releaseMonth}
	for _, a := range r.Answers {
		if a.Comment != "" {
			p.Comments = append(p.Comments, PublicComment{Criterion: a.Criterion, Comment: a.Comment})
		}
	}
	return p
}

// ReleaseDue reports whether waiting changes (publications, withdrawals and
// take-downs not yet public) under one rubric version of a product are
// released now, given how many reviews the product's public statistics
// count and how many different reviewers made the waiting changes: once
// changes by at least threshold reviewers wait, or at once while the
// product's public state shows no breakdown (fewer than threshold public
// reviews), since then no group's numbers are shown that one change could
// reveal.
func ReleaseDue(public, waiting, threshold int) bool {
	return waiting > 0 && (waiting >= threshold || public < threshold)
}

// Publication states of a review, as its author and moderators see them.
const (
	// PublicationPublic: the review is in the public listing and
	// statistics.
	PublicationPublic = "public"
	// PublicationWaiting: published by moderation, public with the
	// product's next release.
	PublicationWaiting = "waiting"
	// PublicationLeaving: withdrawn or taken down; gone from the listing,
	// its answers leave the statistics with the next release.
	PublicationLeaving = "leaving"
	// PublicationNone: not public, and counted nowhere public.
	PublicationNone = "none"
)

// Publication tells a review's author and moderators where the review
// stands with respect to the public: changes by Waiting of the Needed
// reviewers are waiting for the next release of the review's rubric
// version of the product.
type Publication struct {
	State   string
	Waiting int
	Needed  int
}
