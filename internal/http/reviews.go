package http

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

type reviewRequest struct {
	RubricID           string           `json:"rubricId,omitempty" validate:"omitempty,max=100"`
	RubricVersion      *int             `json:"rubricVersion,omitempty" validate:"omitempty,min=1"` // nil: the latest; 0 is refused
	Reviewer           *reviewerRequest `json:"reviewer" validate:"required"`
	Usage              *usageRequest    `json:"usage" validate:"required"`
	Answers            []answerJSON     `json:"answers" validate:"required,min=1,max=200,dive"`
	Recommendation     string           `json:"recommendation" validate:"required,enum=recommendation"`
	Summary            string           `json:"summary" validate:"required,runes=5000"`
	ConflictOfInterest *conflictJSON    `json:"conflictOfInterest" validate:"required"`
}

type reviewerRequest struct {
	Role    string `json:"role" validate:"required,enum=role"`
	Phase   string `json:"phase" validate:"required,enum=phase"`
	Nation  string `json:"nation" validate:"required,enum=nation"`
	Subject string `json:"subject,omitempty" validate:"runes=100"`
	Setting string `json:"setting,omitempty" validate:"omitempty,enum=setting"`
}

type usageRequest struct {
	Months    *int   `json:"months" validate:"required,min=0,max=240"`
	Frequency string `json:"frequency" validate:"required,enum=frequency"`
}

type usageJSON struct {
	Months    int    `json:"months"`
	Frequency string `json:"frequency"`
}

type answerJSON struct {
	Criterion string   `json:"criterion" validate:"required,max=100"`
	Score     *int     `json:"score,omitempty" validate:"omitempty,min=0,max=4"`
	Unknown   bool     `json:"unknown,omitempty"`
	NA        bool     `json:"na,omitempty"`
	Comment   string   `json:"comment,omitempty" validate:"runes=2000"`
	Evidence  []string `json:"evidence,omitempty" validate:"max=5,dive,weblink,max=2000"`
}

type conflictJSON struct {
	Declared *bool  `json:"declared" validate:"required"`
	Details  string `json:"details,omitempty" validate:"runes=2000"`
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

type publicReviewJSON struct {
	ID             string       `json:"id"`
	ProductID      string       `json:"productId"`
	RubricID       string       `json:"rubricId"`
	RubricVersion  int          `json:"rubricVersion"`
	Reviewer       contextJSON  `json:"reviewer"`
	Usage          usageJSON    `json:"usage"`
	Answers        []answerJSON `json:"answers"`
	Recommendation string       `json:"recommendation"`
	Summary        string       `json:"summary"`
	Month          string       `json:"month"`
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

func (s *Server) submitReview(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		return registry.Invalid("The Idempotency-Key is too long.", registry.FieldError{Field: "Idempotency-Key", Message: "must be at most 200 characters"})
	}
	// The product must exist before the body is judged: a review of nothing
	// is a 404 whatever it says.
	if err := s.store.ProductExists(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	var req reviewRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.rubricFor(&req)
	if err != nil {
		return err
	}
	answers := toAnswers(req.Answers)
	if err := registry.ValidateAnswers(c.UserContext(), r, answers); err != nil {
		return err
	}
	canonical, err := json.Marshal(req)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(canonical)
	rv := &registry.Review{
		ProductID: c.Params("id"), RubricID: r.ID, RubricVersion: r.Version, RubricHash: r.Hash,
		ReviewerRef: principal(c).ReviewerRef,
		Reviewer: registry.ReviewerContext{Role: req.Reviewer.Role, Phase: req.Reviewer.Phase, Nation: req.Reviewer.Nation,
			Subject: req.Reviewer.Subject, Setting: req.Reviewer.Setting},
		Usage:          registry.Usage{Months: *req.Usage.Months, Frequency: req.Usage.Frequency},
		Answers:        answers,
		Recommendation: req.Recommendation,
		Summary:        req.Summary,
		Conflict:       registry.Conflict{Declared: *req.ConflictOfInterest.Declared, Details: req.ConflictOfInterest.Details},
	}
	res, err := s.store.SubmitReview(c.UserContext(), rv, key, hex.EncodeToString(sum[:]))
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
		items = append(items, publicReviewJSON{
			ID: r.ID, ProductID: r.ProductID, RubricID: r.RubricID, RubricVersion: r.RubricVersion,
			Reviewer: contextJSON{Role: r.Reviewer.Role, Phase: r.Reviewer.Phase, Nation: r.Reviewer.Nation},
			Usage:    usageJSON{Months: r.Usage.Months, Frequency: r.Usage.Frequency},
			Answers:  fromAnswers(r.Answers), Recommendation: r.Recommendation, Summary: r.Summary, Month: r.Month,
		})
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

func (s *Server) queue(c *fiber.Ctx) error {
	if st := c.Query("status", registry.StatusPending); st != registry.StatusPending {
		return registry.Invalid("Only the queue of pending reviews can be listed.", registry.FieldError{Field: "status", Message: "must be pending"})
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	page, err := s.store.Queue(c.UserContext(), limit, c.Query("cursor"))
	if err != nil {
		return err
	}
	items := make([]moderatedReviewJSON, 0, len(page.Items))
	for _, r := range page.Items {
		items = append(items, toModerated(r))
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": cursorJSON(page.NextCursor)})
}

type rejectRequest struct {
	Reason string `json:"reason" validate:"required,runes=2000"`
}

func (s *Server) publish(c *fiber.Ctx) error {
	r, err := s.store.Transition(c.UserContext(), c.Params("id"), registry.StatusPublished, "", "")
	if err != nil {
		return err
	}
	return c.JSON(toModerated(r))
}

func (s *Server) reject(c *fiber.Ctx) error {
	var req rejectRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.store.Transition(c.UserContext(), c.Params("id"), registry.StatusRejected, "", req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toModerated(r))
}

// withdraw lets a review's author take it back, whatever their role.
func (s *Server) withdraw(c *fiber.Ctx) error {
	r, err := s.store.Transition(c.UserContext(), c.Params("id"), registry.StatusWithdrawn, principal(c).ReviewerRef, "")
	if err != nil {
		return err
	}
	return c.JSON(toModerated(r))
}

type tokenRequest struct {
	Role string `json:"role" validate:"required,enum=tokenRole"`
	Name string `json:"name" validate:"required,runes=200"`
}

func (s *Server) createToken(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	secret, err := s.store.CreateToken(c.UserContext(), req.Role, req.Name)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": secret, "role": req.Role, "name": req.Name})
}
