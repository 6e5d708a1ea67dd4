// Package registry holds the domain of the educator AI Edtech review registry:
// rubrics, products, reviews, statistics, assessments and the one error type
// every layer returns. It depends on the standard library only.
package registry

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status in one place.
const (
	EBADREQUEST   = "bad_request"         // the request could not be read (broken JSON, bad header syntax)
	EINVALID      = "invalid"             // well-formed input that breaks a rule
	EUNAUTHORIZED = "unauthorized"        // missing or unknown token
	EFORBIDDEN    = "forbidden"           // the token's role may not do this
	ENOTFOUND     = "not_found"           // no such product, review, rubric or route
	ECONFLICT     = "conflict"            // a unique thing is taken or a state does not allow the change
	EPRECONDITION = "precondition_failed" // If-Match does not match the current revision
	EPRECONDREQ   = "precondition_required"
	ETOOLARGE     = "too_large"
	ETOOMANY      = "too_many"
	EUNAVAILABLE  = "unavailable" // the store cannot be reached
	EINTERNAL     = "internal"
	EUNSUPPORTED  = "unsupported_media_type" // a body in a media type or content coding the route does not take
	EMETHOD       = "method_not_allowed"     // the path exists, but not with this method
	ETIMEOUT      = "request_timeout"        // the request (its head or body) did not arrive in time
	EHEADERS      = "headers_too_large"      // the request line or headers are larger than the server reads
)

// FieldError names one broken rule by the JSON path of the offending value,
// for example "answers[3].score".
type FieldError struct {
	Field   string
	Message string
}

// Error is the registry's one error type. Code is machine-readable, Message is
// safe to show to the caller, Fields lists field-level problems for EINVALID
// (at most MaxFieldErrors of them) and More counts those left out.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// ExistingReview names, to its author, the review that stands in the
	// way of a request (the active review of an ECONFLICT of the
	// one-active-review rule), so that they can withdraw it.
	ExistingReview string
	// More counts the field errors left out of Fields (which holds at most
	// MaxFieldErrors).
	More int
	// RetryAfter, when positive, is how many seconds the caller should wait
	// before trying again (ETOOMANY, EUNAVAILABLE): the HTTP layer sends it
	// as Retry-After.
	RetryAfter int
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("registry error: code=%s message=%s fields=%v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("registry error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the given field errors.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of the *Error in err's chain,
// or "Internal error." for anything else, whose text may hold internals.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorMore returns how many field errors the *Error in err's chain left
// out of its list.
func ErrorMore(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.More
	}
	return 0
}

// ErrorFields returns the field errors of the *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorExistingReview returns the ExistingReview of the *Error in err's
// chain, or "".
func ErrorExistingReview(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.ExistingReview
	}
	return ""
}

// ErrorRetryAfter returns the RetryAfter of the *Error in err's chain, or 0.
func ErrorRetryAfter(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
