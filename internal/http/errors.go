package http

import (
	"errors"
	"net/http"
	"strconv"

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
	registry.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	registry.EMETHOD:       http.StatusMethodNotAllowed,
	registry.ETIMEOUT:      http.StatusRequestTimeout,
	registry.EHEADERS:      http.StatusRequestHeaderFieldsTooLarge,
}

// fiberCodes maps the errors Fiber and fasthttp raise themselves (mostly
// before any route runs: a broken request line, a head too large or too
// slow, a body announced too large) to registry codes that keep their
// status. fasthttp reports a request line or headers beyond
// ReadBufferSize, however long the URI, as 431, never 414. Its 502 means the
// client's connection failed while the head was read; that is the
// client's side, so 400.
var fiberCodes = map[int]string{
	http.StatusBadRequest:                  registry.EBADREQUEST,
	http.StatusNotFound:                    registry.ENOTFOUND,
	http.StatusMethodNotAllowed:            registry.EMETHOD,
	http.StatusRequestTimeout:              registry.ETIMEOUT,
	http.StatusRequestEntityTooLarge:       registry.ETOOLARGE,
	http.StatusUnsupportedMediaType:        registry.EUNSUPPORTED,
	http.StatusRequestHeaderFieldsTooLarge: registry.EHEADERS,
	http.StatusBadGateway:                  registry.EBADREQUEST,
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
	// MoreErrors counts the field errors left out of Errors, which lists
	// at most registry.MaxFieldErrors.
	MoreErrors int `json:"moreErrors,omitempty"`
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
	// An error Fiber or fasthttp raised before any route ran (a head too
	// large, too slow or broken) is a problem document wherever it was
	// going: its path may not even have been read. A page's own errors
	// are pages.
	page := !errors.As(err, &fe) && isPagePath(c.Path())
	if errors.As(err, &fe) {
		code, ok := fiberCodes[fe.Code]
		if !ok {
			code = registry.EINTERNAL
		}
		msg := fe.Message
		switch code {
		case registry.ETOOLARGE:
			msg = tooLargeMessage(c)
		case registry.EHEADERS:
			msg = "The request line and headers are larger than 4 KiB."
		case registry.ETIMEOUT:
			msg = "The request did not arrive in time."
		case registry.ENOTFOUND:
			msg = "No route for " + c.Method() + " " + c.Path() + "."
		}
		err = &registry.Error{Code: code, Message: msg}
	}
	code := registry.ErrorCode(err)
	if code == registry.EINTERNAL {
		s.log.Error("internal error", "method", c.Method(), "path", c.Path(), "error", err)
	}
	status := statusOf(code)
	if page {
		if n := registry.ErrorRetryAfter(err); n > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(n))
		}
		return s.pageError(c, status, err)
	}
	p := problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: registry.ErrorMessage(err),
		Errors: []problemField{},

		ExistingReview: registry.ErrorExistingReview(err),
	}
	fields, more := registry.ErrorFields(err), registry.ErrorMore(err)
	if len(fields) > registry.MaxFieldErrors {
		fields, more = fields[:registry.MaxFieldErrors], more+len(fields)-registry.MaxFieldErrors
	}
	for _, f := range fields {
		p.Errors = append(p.Errors, problemField{Field: f.Field, Message: f.Message})
	}
	p.MoreErrors = more
	if status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="registry"`)
	}
	if n := registry.ErrorRetryAfter(err); n > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(n))
	}
	c.Status(status)
	if err := c.JSON(p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return nil
}
