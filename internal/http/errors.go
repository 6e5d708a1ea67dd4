package http

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// statuses maps every registry error code to its HTTP status: the one place
// where that decision is made.
var statuses = map[string]int{
	registry.EBADREQUEST:   http.StatusBadRequest,
	registry.EINVALID:      http.StatusUnprocessableEntity,
	registry.EUNAUTHORIZED: http.StatusUnauthorized,
	registry.EFORBIDDEN:    http.StatusForbidden,
	registry.ENOTFOUND:     http.StatusNotFound,
	registry.ECONFLICT:     http.StatusConflict,
	registry.EPRECONDITION: http.StatusPreconditionFailed,
	registry.EPRECONDREQ:   http.StatusPreconditionRequired,
	registry.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	registry.ETOOMANY:      http.StatusTooManyRequests,
	registry.EUNAVAILABLE:  http.StatusServiceUnavailable,
	registry.EINTERNAL:     http.StatusInternalServerError,
}

// fiberCodes maps the errors Fiber itself raises back to registry codes.
var fiberCodes = map[int]string{
	http.StatusBadRequest:            registry.EBADREQUEST,
	http.StatusNotFound:              registry.ENOTFOUND,
	http.StatusMethodNotAllowed:      registry.ENOTFOUND,
	http.StatusRequestEntityTooLarge: registry.ETOOLARGE,
	http.StatusRequestTimeout:        registry.EUNAVAILABLE,
}

func statusOf(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail"`
	Errors []problemField `json:"errors"`
	// ExistingReview names the caller's own review that stands in the way
	// (a 409 of the one-active-review rule), so that they can withdraw it.
	ExistingReview string `json:"existingReview,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// handleError is Fiber's ErrorHandler: every error of every route ends
// here. Registry errors become problem documents with their status;
// anything else is logged in full and shown as "internal error".
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, ok := fiberCodes[fe.Code]
		if !ok {
			code = registry.EINTERNAL
		}
		msg := fe.Message
		if code == registry.ETOOLARGE {
			msg = tooLargeMessage(c)
		}
		err = &registry.Error{Code: code, Message: msg}
	}
	code := registry.ErrorCode(err)
	if code == registry.EINTERNAL {
		s.log.Error("internal error", "method", c.Method(), "path", c.Path(), "error", err)
	}
	status := statusOf(code)
	p := problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: registry.ErrorMessage(err),
		Errors: []problemField{},

		ExistingReview: registry.ErrorExistingReview(err),
	}
	for _, f := range registry.ErrorFields(err) {
		p.Errors = append(p.Errors, problemField{Field: f.Field, Message: f.Message})
	}
	if status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="registry"`)
	}
	c.Status(status)
	if err := c.JSON(p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return nil
}
