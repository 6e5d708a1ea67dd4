package http

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

type reviewRequest struct {
	RubricID           string           `json:"rubricId,omitempty" validate:"omitempty,limit=id"`
	RubricVersion      *int             `json:"rubricVersion,omitempty" validate:"omitempty,min=1"` // nil: the latest; 0 is refused
	Reviewer           *reviewerRequest `json:"reviewer" validate:"required"`
	Usage              *usageRequest    `json:"usage" validate:"required"`
	Answers            []answerJSON     `json:"answers" validate:"required,min=1,limit=answers,dive"`
	Recommendation     string           `json:"recommendation" validate:"required,enum=recommendation"`
	Summary            string           `json:"summary" validate:"required,limit=summary"`
	ConflictOfInterest *conflictJSON    `json:"conflictOfInterest" validate:"required"`
}

type reviewerRequest struct {
	Role    string `json:"role" validate:"required,enum=role"`
	Phase   string `json:"phase" validate:"required,enum=phase"`
	Nation  string `json:"nation" validate:"required,enum=nation"`
	Subject string `json:"subject,omitempty" validate:"limit=subject"`
	Setting string `json:"setting,omitempty" validate:"omitempty,enum=setting"`
}

type usageRequest struct {
	Months    *int   `json:"months" validate:"required,min=0,limit=usageMonths"`
	Frequency string `json:"frequency" validate:"required,enum=frequency"`
}

type usageJSON struct {
	Months    int    `json:"months"`
	Frequency string `json:"frequency"`
}

type answerJSON struct {
	Criterion string   `json:"criterion" validate:"required,limit=id"`
	Score     *int     `json:"score,omitempty" validate:"omitempty,min=0,limit=score"`
	Unknown   bool     `json:"unknown,omitempty"`
	NA        bool     `json:"na,omitempty"`
	Comment   string   `json:"comment,omitempty" validate:"limit=comment"`
	Evidence  []string `json:"evidence,omitempty" validate:"limit=evidenceLinks,dive,weblink,limit=link"`
}

type conflictJSON struct {
	Declared *bool  `json:"declared" validate:"required"`
	Details  string `json:"details,omitempty" validate:"limit=conflict"`
}

type submittedJSON struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	ProductID     string `json:"productId"`
	RubricID      string `json:"rubricId"`
	RubricVersion int    `json:"rubricVersion"`
}

// contextJSON is a reviewer context; in public responses the generalised
// fields are left out.
type contextJSON struct {
	Role    string `json:"role,omitempty"`
	Phase   string `json:"phase,omitempty"`
	Nation  string `json:"nation,omitempty"`
	Subject string `json:"subject,omitempty"`
	Setting string `json:"setting,omitempty"`
}

// publicReviewJSON is a public listing entry: exactly what
// registry.PublicEntry decided the public may see.
type publicReviewJSON struct {
	ID             string        `json:"id"`
	Summary        string        `json:"summary"`
	Comments       []commentJSON `json:"comments"`
	Recommendation string        `json:"recommendation"`
	Month          string        `json:"month"`
}

type commentJSON struct {
	Criterion string `json:"criterion"`
	Comment   string `json:"comment"`
}

func toPublicReviewJSON(r registry.PublicReview) publicReviewJSON {
	out := publicReviewJSON{ID: r.ID, Summary: r.Summary, Comments: []commentJSON{}, Recommendation: r.Recommendation, Month: r.Month}
	for _, c := range r.Comments {
		out.Comments = append(out.Comments, commentJSON{Criterion: c.Criterion, Comment: c.Comment})
	}
	return out
}

// moderatedReviewJSON is a review as a moderator (or its author) sees it:
// everything but the reviewer reference.
type moderatedReviewJSON struct {
	ID                 string       `json:"id"`
	ProductID          string       `json:"productId"`
	RubricID           string       `json:"rubricId"`
	RubricVersion      int          `json:"rubricVersion"`
	Status             string       `json:"status"`
	Reviewer           contextJSON  `json:"reviewer"`
	Usage              usageJSON    `json:"usage"`
	Answers            []answerJSON `json:"answers"`
	Recommendation     string       `json:"recommendation"`
	Summary            string       `json:"summary"`
	ConflictOfInterest conflictOut  `json:"conflictOfInterest"`
	RejectReason       string       `json:"rejectReason,omitempty"`
	CreatedAt          time.Time    `json:"createdAt"`
	UpdatedAt          time.Time    `json:"updatedAt"`
	PublishedAt        *time.Time   `json:"publishedAt,omitempty"`
	// Redacted lists the fields a moderator redacted when publishing the
	// review (moderation.go): which, never what they held or who did it.
	Redacted []string `json:"redacted,omitempty"`
	// Publication is set where the review's standing with the public is
	// known (after a state change, and when its author or a moderator
	// reads it).
	Publication *publicationJSON `json:"publication,omitempty"`
	// Revises names the review this one revises; SupersededBy the
	// published revision that replaced this one (revisions.go).
	Revises      string `json:"revises,omitempty"`
	SupersededBy string `json:"supersededBy,omitempty"`
	// Revision is, for the review's author only, its pending revision or
	// its latest rejected one.
	Revision *moderatedReviewJSON `json:"revision,omitempty"`
}

// publicationJSON tells a review's author and moderators where it stands
// with respect to the public.
type publicationJSON struct {
	State   string `json:"state"`
	Waiting int    `json:"waiting,omitempty"`
	Needed  int    `json:"needed,omitempty"`
	Message string `json:"message"`
}

func toPublicationJSON(p registry.Publication) *publicationJSON {
	out := &publicationJSON{State: p.State, Waiting: p.Waiting, Needed: p.Needed}
	switch p.State {
	case registry.PublicationPublic:
		out.Message = "Public: in the product's listing and statistics."
	case registry.PublicationWaiting:
		out.Message = fmt.Sprintf("Public with the product's next release: %d of %d changes waiting.", p.Waiting, p.Needed)
	case registry.PublicationReplacing:
		out.Message = fmt.Sprintf("Public until the product's next release, which replaces it with its published revision: %d of %d changes waiting.", p.Waiting, p.Needed)
	case registry.PublicationLeaving:
		out.Message = fmt.Sprintf("Gone from the listing; its answers leave the statistics with the product's next release: %d of %d changes waiting.", p.Waiting, p.Needed)
	default:
		out.Message = "Not public."
	}
	return out
}

// withPublication converts a review for its author or a moderator, with
// its standing with the public.
func (s *Server) withPublication(c *fiber.Ctx, r *registry.Review) (moderatedReviewJSON, error) {
	out := toModerated(r)
	p, err := s.store.Publication(c.UserContext(), r.ID)
	if err != nil {
		return out, err
	}
	out.Publication = toPublicationJSON(p)
	return out, nil
}

type conflictOut struct {
	Declared bool   `json:"declared"`
	Details  string `json:"details,omitempty"`
}

func toAnswers(as []answerJSON) []registry.Answer {
	out := make([]registry.Answer, len(as))
	for i, a := range as {
		out[i] = registry.Answer{Criterion: a.Criterion, Score: a.Score, Unknown: a.Unknown, NA: a.NA, Comment: a.Comment, Evidence: a.Evidence}
	}
	return out
}

func fromAnswers(as []registry.Answer) []answerJSON {
	out := make([]answerJSON, len(as))
	for i, a := range as {
		out[i] = answerJSON{Criterion: a.Criterion, Score: a.Score, Unknown: a.Unknown, NA: a.NA, Comment: a.Comment, Evidence: a.Evidence}
	}
	return out
}

func toModerated(r *registry.Review) moderatedReviewJSON {
	return moderatedReviewJSON{
		ID: r.ID, ProductID: r.ProductID, RubricID: r.RubricID, RubricVersion: r.RubricVersion, Status: r.Status,
		Reviewer: contextJSON{Role: r.Reviewer.Role, Phase: r.Reviewer.Phase, Nation: r.Reviewer.Nation,
			Subject: r.Reviewer.Subject, Setting: r.Reviewer.Setting},
		Usage:          usageJSON{Months: r.Usage.Months, Frequency: r.Usage.Frequency},
		Answers:        fromAnswers(r.Answers),
		Recommendation: r.Recommendation, Summary: r.Summary,
		ConflictOfInterest: conflictOut{Declared: r.Conflict.Declared, Details: r.Conflict.Details},
		RejectReason:       r.RejectReason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PublishedAt: r.PublishedAt,
		Redacted: r.Redacted, Revises: r.Revises, SupersededBy: r.SupersededBy,
	}
}

// rubricFor resolves the rubric version a review is written against: the
// default rubric's latest version unless the request names one.
func (s *Server) rubricFor(req *reviewRequest) (*registry.Rubric, error) {
	id := req.RubricID
	if id == "" {
		id = s.rubrics.Default().ID
	}
	var r *registry.Rubric
	var err error
	if req.RubricVersion == nil {
		r, err = s.rubrics.Latest(id)
	} else {
		r, err = s.rubrics.Version(id, *req.RubricVersion)
	}
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		field := "rubricId"
		if req.RubricVersion != nil {
			field = "rubricVersion"
		}
		return nil, registry.Invalid("The rubric version is not known.", registry.FieldError{Field: field, Message: registry.ErrorMessage(err)})
	}
	return r, err
}

// idempotencyKey returns a submission's Idempotency-Key header ("" when
// there is none).
func idempotencyKey(c *fiber.Ctx) (string, error) {
	key := c.Get("Idempotency-Key")
	return key, checkIdempotencyKey(key)
}

// checkIdempotencyKey refuses a key longer than maxIdempotencyKey, as the
// header or the review page's hidden field.
func checkIdempotencyKey(key string) error {
	if len(key) > maxIdempotencyKey {
		return registry.Invalid("The Idempotency-Key is too long.", registry.FieldError{Field: "Idempotency-Key", Message: fmt.Sprintf("must be at most %d characters", maxIdempotencyKey)})
	}
	return nil
}

func (s *Server) submitReview(c *fiber.Ctx) error {
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	// The product must exist before the body is judged: a review of nothing
	// is a 404 whatever it says.
	if err := s.store.ProductExists(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	var req reviewRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	return s.submit(c, &req, key)
}

// submit stores a decoded review submission of the product in the path
// (storeSubmission) and answers with its receipt: 201, or 200 for a retry
// with the same Idempotency-Key.
func (s *Server) submit(c *fiber.Ctx, req *reviewRequest, key string) error {
	res, err := s.storeSubmission(c, c.Params("id"), req, key)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if !res.Created {
		status = fiber.StatusOK
	}
	out := res.Review
	return c.Status(status).JSON(submittedJSON{ID: out.ID, Status: out.Status, ProductID: out.ProductID,
		RubricID: out.RubricID, RubricVersion: out.RubricVersion})
}

// storeSubmission validates a decoded review submission of product pid
// against its rubric version, stores it (with key as its Idempotency-Key)
// and writes its audit entry: the one path of every submission, whatever
// its format (JSON, a filled workbook, the review page's form), so that
// the same rules, moderation and audit apply. The product is known to
// exist.
func (s *Server) storeSubmission(c *fiber.Ctx, pid string, req *reviewRequest, key string) (*registry.SubmitResult, error) {
	rv, bodyHash, err := s.reviewFrom(c, pid, req)
	if err != nil {
		return nil, err
	}
	res, err := s.store.SubmitReview(c.UserContext(), rv, key, bodyHash)
	if err != nil {
		return nil, err
	}
	if err := s.auditSubmission(c, res.Review, !res.Created); err != nil {
		return nil, err
	}
	return res, nil
}

// reviewFrom validates a decoded review (a submission, or an edit) against
// its rubric version and returns the review of product pid (an edit keeps
// its review's product) and the hash of the request body.
func (s *Server) reviewFrom(c *fiber.Ctx, pid string, req *reviewRequest) (*registry.Review, string, error) {
	// Free text is kept plain (registry.PlainText) before any rule or the
	// retry's hash sees it.
	req.Summary = registry.PlainText(req.Summary)
	if req.ConflictOfInterest != nil {
		req.ConflictOfInterest.Details = registry.PlainText(req.ConflictOfInterest.Details)
	}
	if req.Reviewer != nil {
		req.Reviewer.Subject = registry.PlainText(req.Reviewer.Subject)
	}
	for i := range req.Answers {
		req.Answers[i].Comment = registry.PlainText(req.Answers[i].Comment)
	}
	if err := validate(req); err != nil {
		return nil, "", err
	}
	if strings.TrimSpace(req.Summary) == "" {
		return nil, "", registry.Invalid("The request breaks one or more rules.",
			registry.FieldError{Field: "summary", Message: "is required: write a few words, not only spaces"})
	}
	r, err := s.rubricFor(req)
	if err != nil {
		return nil, "", err
	}
	answers := toAnswers(req.Answers)
	if err := registry.ValidateAnswers(c.UserContext(), r, answers); err != nil {
		return nil, "", err
	}
	canonical, err := json.Marshal(req)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(canonical)
	rv := &registry.Review{
		ProductID: pid, RubricID: r.ID, RubricVersion: r.Version, RubricHash: r.Hash,
		ReviewerRef: principal(c).ReviewerRef,
		Reviewer: registry.ReviewerContext{Role: req.Reviewer.Role, Phase: req.Reviewer.Phase, Nation: req.Reviewer.Nation,
			Subject: req.Reviewer.Subject, Setting: req.Reviewer.Setting},
		Usage:          registry.Usage{Months: *req.Usage.Months, Frequency: req.Usage.Frequency},
		Answers:        answers,
		Recommendation: req.Recommendation,
		Summary:        req.Summary,
		Conflict:       registry.Conflict{Declared: *req.ConflictOfInterest.Declared, Details: req.ConflictOfInterest.Details},
	}
	return rv, hex.EncodeToString(sum[:]), nil
}

func (s *Server) listPublishedReviews(c *fiber.Ctx) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.PublishedReviews(c.UserContext(), c.Params("id"), limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]publicReviewJSON, 0, len(page.Items))
	for _, r := range page.Items {
		items = append(items, toPublicReviewJSON(r))
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

type rejectRequest struct {
	Reason string `json:"reason" validate:"required,limit=reason"`
}

// reject rejects a pending review with a reason; If-Match must name the
// version read, as for a publication (reviewIfMatch).
func (s *Server) reject(c *fiber.Ctx) error {
	ifMatch, err := reviewIfMatch(c)
	if err != nil {
		return err
	}
	var req rejectRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	r, err := s.rejectReview(c, c.Params("id"), req, ifMatch)
	if err != nil {
		return err
	}
	return s.sendReview(c, r)
}

// rejectReview checks a rejection's rules, rejects the review id as the
// request's principal and writes its audit entry: the one path of a
// rejection, from the API or the moderation page.
func (s *Server) rejectReview(c *fiber.Ctx, id string, req rejectRequest, ifMatch *registry.IfMatch) (*registry.Review, error) {
	if err := validate(&req); err != nil {
		return nil, err
	}
	r, err := s.store.RejectReview(c.UserContext(), id, principal(c).ReviewerRef, req.Reason, ifMatch)
	if err != nil {
		return nil, err
	}
	if err := s.audit(c, registry.AuditReviewReject, "review:"+r.ID, map[string]any{"product": r.ProductID, "reason": req.Reason}); err != nil {
		return nil, err
	}
	return r, nil
}

// withdraw lets a review's author take it back, whatever their role.
// Anyone else gets 404 for a review the public cannot see (pending, or
// published and waiting for its product's next release), as getReview
// answers, so that a refusal never confirms a hidden review's id; 403 for
// a public one, whose id the product's listing shows.
func (s *Server) withdraw(c *fiber.Ctx) error {
	r, err := s.withdrawReview(c, c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendReview(c, r)
}

// withdrawReview withdraws review id for its author, for the API and the
// withdraw page alike, and writes its audit entry. Someone else's review
// is ENOTFOUND, unless it is public (then EFORBIDDEN says nothing new).
func (s *Server) withdrawReview(c *fiber.Ctx, id string) (*registry.Review, error) {
	r, err := s.store.Transition(c.UserContext(), id, registry.StatusWithdrawn, principal(c).ReviewerRef, "")
	if registry.ErrorCode(err) == registry.EFORBIDDEN {
		if p, perr := s.store.Publication(c.UserContext(), id); perr != nil || p.State != registry.PublicationPublic {
			return nil, registry.Errorf(registry.ENOTFOUND, "Review %q not found.", id)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.audit(c, registry.AuditReviewWithdraw, "review:"+r.ID, map[string]any{"product": r.ProductID}); err != nil {
		return nil, err
	}
	return r, nil
}

// sendReview answers with a review as its author or a moderator sees it,
// with its version as its ETag.
func (s *Server) sendReview(c *fiber.Ctx, r *registry.Review) error {
	out, err := s.withPublication(c, r)
	if err != nil {
		return err
	}
	if p := principal(c); p == nil || !p.Can(registry.RoleModerator) && (r.ReviewerRef == "" || p.ReviewerRef != r.ReviewerRef) {
		out.RejectReason = "" // a moderator's reason is for moderators and the review's author only
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderETag, etag(r.Version))
	return c.JSON(out)
}

// getReview shows one review to its author or to a moderator, with where it
// stands with the public. Anyone else gets 404, as if it did not exist:
// the public sees reviews only through the listing.
func (s *Server) getReview(c *fiber.Ctx) error {
	r, err := s.store.Review(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	p := principal(c)
	if r.ReviewerRef != p.ReviewerRef && !p.Can(registry.RoleModerator) {
		return registry.Errorf(registry.ENOTFOUND, "Review %q not found.", c.Params("id"))
	}
	return s.sendReview(c, r)
}

type tokenRequest struct {
	Role string `json:"role" validate:"required,enum=tokenRole"`
	Name string `json:"name" validate:"required,limit=tokenName"`
}

func (s *Server) createToken(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	secret, err := s.makeToken(c, req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": s.store.TokenID(secret), "token": secret, "role": req.Role, "name": req.Name})
}

// makeToken checks a token's rules, makes it (without an account) and
// writes its audit entry: the one path of an admin's token, from the API or
// the admin page. It returns the token's secret, shown once.
func (s *Server) makeToken(c *fiber.Ctx, req tokenRequest) (string, error) {
	if err := validate(&req); err != nil {
		return "", err
	}
	secret, err := s.store.CreateToken(c.UserContext(), req.Role, req.Name)
	if err != nil {
		return "", err
	}
	detail := map[string]any{"role": req.Role}
	if req.Role != registry.RoleReviewer {
		detail["name"] = req.Name // a reviewer token's name may name the person: never in the log
	}
	if err := s.audit(c, registry.AuditTokenCreate, "token", detail); err != nil {
		return "", err
	}
	return secret, nil
}
