package web

import "time"

// The account pages' content: signing in and out, joining with an
// invitation, the account, its password, its reviews, its tokens and its
// data. A person sees only their own things here, so dates may be days.

// SignInData is the sign-in page's content.
type SignInData struct {
	Form *Form
	// Next is where to go once signed in: a path of this site.
	Next string
	// Wait is how many minutes to wait after too many attempts; 0 when
	// there is no need.
	Wait int
}

// JoinData is the page that redeems an invitation for an account.
type JoinData struct {
	Form *Form
	Wait int
}

// AccountData is the account's overview.
type AccountData struct {
	Handle string
	Role   string
}

// PasswordData is the page that changes the account's password.
type PasswordData struct {
	Form *Form
	Wait int
}

// MyReviewsData is a page of the signed-in person's own reviews, newest
// first.
type MyReviewsData struct {
	Items []MyReviewItem
	// Cursor is this page's cursor ("" on the first page); NextCursor the
	// next page's ("" on the last).
	Cursor, NextCursor string
}

// PageURL is the link to the list's page at cursor ("" for the first).
func (d MyReviewsData) PageURL(cursor string) string { return pageURL("/me/reviews", cursor) }

// MyReviewItem is one of the person's reviews in their list.
type MyReviewItem struct {
	ID          string
	ProductID   string
	ProductName string
	// Status is the review's status: pending, published, rejected,
	// withdrawn or superseded.
	Status       string
	RejectReason string
	// Redacted names, in words, the fields a moderator redacted.
	Redacted                          []string
	CreatedAt, UpdatedAt, PublishedAt time.Time
	// Revises is the review this one edits, when it is a revision.
	Revises     string
	CanEdit     bool
	CanWithdraw bool
}

// MyReviewData is one of the person's reviews as they see it.
type MyReviewData struct {
	Review MyReviewContent
	// Publication is where the review stands with the public.
	Publication MyPublication
	// Revision is the review's pending or latest rejected revision.
	Revision *MyReviewContent
}

// MyPublication tells where a review stands with the public: State is
// public, waiting, replacing, leaving or none; Waiting of Needed changes
// wait for the product's next release.
type MyPublication struct {
	State           string
	Waiting, Needed int
}

// MyReviewContent is a review in full, as its author wrote it (or a
// moderator redacted it).
type MyReviewContent struct {
	MyReviewItem
	RubricTitle    string
	RubricVersion  int
	Reviewer       MyReviewer
	UsageMonths    int
	Frequency      string
	Answers        []MyAnswer
	Recommendation string
	Summary        string
	Conflict       bool
	ConflictDetail string
}

// MyReviewer is the reviewer context the person gave.
type MyReviewer struct {
	Role, Phase, Nation, Subject, Setting string
}

// MyAnswer is the answer to one criterion.
type MyAnswer struct {
	Criterion string
	// Title is the criterion's title in the page's language. Scored
	// says a score was given: Score, whose label in the rubric is Level.
	Title    string
	Scored   bool
	Score    int
	Level    string
	Unknown  bool
	NA       bool
	Comment  string
	Evidence []string
}

// WithdrawData is the page that confirms a withdrawal.
type WithdrawData struct {
	Review MyReviewItem
}

// MyTokensData is the person's personal tokens and the form that makes
// one.
type MyTokensData struct {
	Items []MyToken
	Form  *Form
	// Max is the most tokens an account may hold.
	Max int
}

// MyToken is one personal token: never its secret.
type MyToken struct {
	ID   string
	Name string
	// CreatedOn and LastUsedOn are days; LastUsedOn is zero when it was
	// never used.
	CreatedOn, LastUsedOn time.Time
}

// MyDataData is the page about what the registry holds about the person,
// with the export and the deletion of the account.
type MyDataData struct {
	Form *Form
	Wait int
}
