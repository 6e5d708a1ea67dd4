package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// decode reads a JSON request body (see jsonBody: 415 for another media
// type) into dst (a pointer to a request struct) and validates it. Broken
// JSON is EBADREQUEST (400). Well-formed JSON with an unknown field, a "$"
// key, a value of the wrong type or a broken validation rule is EINVALID
// (422) listing the problems by JSON path: at most registry.MaxFieldErrors
// of them, with a count of the rest. The request's deadline bounds the
// work. Request bodies only ever land in typed structs, so no user input
// can become a MongoDB operator.
func decode(c *fiber.Ctx, dst any) error {
	if err := decodeBody(c, dst); err != nil {
		return err
	}
	return validate(dst)
}

// decodeBody is decode without the validation rules, for handlers that
// validate later (a review submission, shared with the form import).
func decodeBody(c *fiber.Ctx, dst any) error {
	body, err := jsonBody(c, jsonTypes)
	if err != nil {
		return err
	}
	if err := decodeShape(c.UserContext(), body, dst); err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		// decodeShape has checked names and types; anything left is still
		// the caller's input, never ours.
		return registry.Invalid("The request body does not match the expected shape.", registry.FieldError{Field: "(body)", Message: err.Error()})
	}
	return nil
}

// errTooSlow is what a check returns when the request's deadline ends
// before it does.
var errTooSlow = registry.Errorf(registry.EUNAVAILABLE, "The request took too long to check.")

// decodeShape checks that body is one JSON value whose names and types fit
// dst's type, without decoding into it (see shapeWalk).
func decodeShape(ctx context.Context, body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return registry.Errorf(registry.EBADREQUEST, "The request body is empty; send a JSON object.")
	}
	if !json.Valid(body) {
		var syntax *json.SyntaxError
		var v any
		err := json.Unmarshal(body, &v)
		if errors.As(err, &syntax) {
			return registry.Errorf(registry.EBADREQUEST, "The request body is not valid JSON (at byte %d): %s.", syntax.Offset, syntax.Error())
		}
		return registry.Errorf(registry.EBADREQUEST, "The request body is not valid JSON.")
	}
	w := &shapeWalk{ctx: ctx, b: body}
	if err := w.value(reflect.TypeOf(dst).Elem(), 0); err != nil {
		return err
	}
	return w.errs.Err("The request body does not match the expected shape.")
}

var fieldCache sync.Map // reflect.Type → map[string]jsonField

// jsonField is what the shape walk knows of a struct field: its type and,
// for a slice, the most items its rules allow (the "limit=NAME" of its
// validate tag before "dive"), so that an over-long array is refused before
// it is decoded.
type jsonField struct {
	typ      reflect.Type
	maxItems int
}

// jsonFields maps a struct's JSON names to its fields.
func jsonFields(t reflect.Type) map[string]jsonField {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]jsonField)
	}
	m := map[string]jsonField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := jsonName(f)
		if name == "-" {
			continue
		}
		jf := jsonField{typ: f.Type}
		if f.Type.Kind() == reflect.Slice {
			rules, _, _ := strings.Cut(f.Tag.Get("validate"), ",dive")
			for _, r := range strings.Split(rules, ",") {
				if name, ok := strings.CutPrefix(r, "limit="); ok {
					jf.maxItems = limits[name]
				}
			}
		}
		m[name] = jf
	}
	fieldCache.Store(t, m)
	return m
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

var (
	validateOnce sync.Once
	validatorV   *validator.Validate
)

// enums are the value lists validated by name ("enum=role"), so each list
// has one source: the registry package.
var enums = map[string][]string{
	"role":           registry.ReviewerRoles,
	"phase":          registry.Phases,
	"nation":         registry.Nations,
	"setting":        registry.Settings,
	"frequency":      registry.Frequencies,
	"recommendation": registry.Recommendations,
	"category":       registry.Categories,
	"aiFeature":      registry.AIFeatures,
	"user":           registry.ProductUsers,
	"data":           registry.DataCategories,
	"tokenRole":      registry.Roles,
	"productStatus":  registry.ProductStatuses,
	"deleteMode":     registry.DeleteModes,
}

// limits are the upper bounds validated by name ("limit=summary"): the
// characters of a text, the items of a list or the largest number, so each
// has one source, the registry package. A name missing here is a
// programming error, found by the tests of every request type.
var limits = map[string]int{
	"id":             registry.MaxIDLength,
	"answers":        registry.MaxAnswers,
	"score":          registry.MaxScore,
	"comment":        registry.MaxCommentLength,
	"evidenceLinks":  registry.MaxEvidenceLinks,
	"link":           registry.MaxLinkLength,
	"summary":        registry.MaxSummaryLength,
	"subject":        registry.MaxSubjectLength,
	"usageMonths":    registry.MaxUsageMonths,
	"conflict":       registry.MaxConflictLength,
	"reason":         registry.MaxReasonLength,
	"tokenName":      registry.MaxTokenNameLength,
	"productName":    registry.MaxProductNameLength,
	"website":        registry.MaxWebsiteLength,
	"description":    registry.MaxDescriptionLength,
	"hosting":        registry.MaxHostingLength,
	"productList":    registry.MaxProductListItems,
	"age":            registry.MaxAge,
	"invitationUses": registry.MaxInvitationUses,
	"invitationDays": registry.MaxInvitationDays,
	"note":           registry.MaxNote,
	"credential":     registry.MaxCredentialInput,
	"password":       registry.MaxPassword,
	"redactions":     registry.MaxRedactions,
	"fieldPath":      registry.MaxFieldPath,
}

// withinLimit reports whether a field is within limits[name]: a string's
// characters, a slice's items or an integer's value.
func withinLimit(f reflect.Value, name string) bool {
	bound, ok := limits[name]
	if !ok {
		panic("http: unknown limit " + strconv.Quote(name))
	}
	switch f.Kind() {
	case reflect.String:
		return utf8.RuneCountInString(f.String()) <= bound
	case reflect.Slice:
		return f.Len() <= bound
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int() <= int64(bound)
	}
	panic("http: limit " + strconv.Quote(name) + " on a field of kind " + f.Kind().String())
}

func theValidator() *validator.Validate {
	validateOnce.Do(func() {
		v := validator.New(validator.WithRequiredStructEnabled())
		v.RegisterTagNameFunc(func(f reflect.StructField) string { return jsonName(f) })
		_ = v.RegisterValidation("enum", func(fl validator.FieldLevel) bool {
			return slices.Contains(enums[fl.Param()], fl.Field().String())
		})
		_ = v.RegisterValidation("weblink", func(fl validator.FieldLevel) bool {
			return registry.IsWebLink(fl.Field().String())
		})
		_ = v.RegisterValidation("slug", func(fl validator.FieldLevel) bool {
			return registry.IsSlug(fl.Field().String())
		})
		_ = v.RegisterValidation("limit", func(fl validator.FieldLevel) bool {
			return withinLimit(fl.Field(), fl.Param())
		})
		validatorV = v
	})
	return validatorV
}

// validate runs the struct's validate tags and turns failures into one
// field list with JSON paths (at most registry.MaxFieldErrors, counting the
// rest). The shape walk has bounded every array the rules dive into, so the
// validator's own work is small.
func validate(dst any) error {
	err := theValidator().Struct(dst)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	var errs registry.FieldErrors
	for _, fe := range verrs {
		if !errs.Room() {
			errs.Count()
			continue
		}
		errs.Add(fieldPath(fe.Namespace()), ruleMessage(fe))
	}
	return errs.Err("The request breaks one or more rules.")
}

// fieldPath drops the struct name validator puts first:
// "submitReviewRequest.answers[3].score" → "answers[3].score".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "enum":
		return "must be one of: " + strings.Join(enums[fe.Param()], ", ")
	case "min":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return "must have at least " + fe.Param() + " item(s) or character(s)"
		}
		return "must be at least " + fe.Param()
	case "limit":
		n := strconv.Itoa(limits[fe.Param()])
		switch fe.Kind() {
		case reflect.String:
			return "must be at most " + n + " characters"
		case reflect.Slice:
			return "must have at most " + n + " item(s)"
		}
		return "must be at most " + n
	case "gtefield":
		return "must not be less than " + fe.Param()
	case "weblink":
		return "must be an http or https link"
	case "slug":
		return "must be lowercase letters, digits and single hyphens (at most 64 characters)"
	case "unique":
		return "must not repeat a value"
	}
	return "breaks the rule " + fe.Tag()
}
