package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// decode reads a JSON request body into dst (a pointer to a request
// struct) and validates it. Broken JSON is EBADREQUEST (400). Well-formed
// JSON with an unknown field, a "$" key, a value of the wrong type or a
// broken validation rule is EINVALID (422) listing every problem by JSON
// path. Request bodies only ever land in typed structs, so no user input
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
	body := c.Body()
	if err := decodeShape(body, dst); err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst); err != nil {
		// decodeShape has checked names and types; anything left is still
		// the caller's input, never ours.
		return registry.Invalid("The request body does not match the expected shape.", registry.FieldError{Field: "(body)", Message: err.Error()})
	}
	return nil
}

// decodeShape checks that body is one JSON value whose names and types fit
// dst's type, without decoding into it.
func decodeShape(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return registry.Errorf(registry.EBADREQUEST, "The request body is empty; send a JSON object.")
	}
	if !json.Valid(body) {
		var syntax *json.SyntaxError
		var v any
		err := json.Unmarshal(body, &v)
		if ok := asSyntax(err, &syntax); ok {
			return registry.Errorf(registry.EBADREQUEST, "The request body is not valid JSON (at byte %d): %s.", syntax.Offset, syntax.Error())
		}
		return registry.Errorf(registry.EBADREQUEST, "The request body is not valid JSON.")
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return registry.Errorf(registry.EBADREQUEST, "The request body is not valid JSON.")
	}
	if fields := shape(generic, reflect.TypeOf(dst).Elem(), ""); len(fields) > 0 {
		return registry.Invalid("The request body does not match the expected shape.", fields...)
	}
	return nil
}

func asSyntax(err error, target **json.SyntaxError) bool {
	se, ok := err.(*json.SyntaxError)
	if ok {
		*target = se
	}
	return ok
}

// shape checks a decoded JSON value against a Go type the way the decoder
// would, but reports every unknown field, "$" key and type mismatch with
// its JSON path.
func shape(v any, t reflect.Type, path string) []registry.FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil // null leaves the zero value; rules catch required fields
	}
	bad := func(want string) []registry.FieldError {
		return []registry.FieldError{{Field: orRoot(path), Message: "must be " + want}}
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("an object")
		}
		fields := jsonFields(t)
		var errs []registry.FieldError
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := joinPath(path, k)
			if strings.HasPrefix(k, "$") || strings.Contains(k, ".") {
				errs = append(errs, registry.FieldError{Field: p, Message: "field names may not start with \"$\" or contain \".\""})
				continue
			}
			ft, ok := fields[k]
			if !ok {
				errs = append(errs, registry.FieldError{Field: p, Message: "unknown field"})
				continue
			}
			errs = append(errs, shape(obj[k], ft, p)...)
		}
		return errs
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return bad("an array")
		}
		var errs []registry.FieldError
		for i, e := range arr {
			errs = append(errs, shape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return errs
	case reflect.String:
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return bad("true or false")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(json.Number)
		if !ok {
			return bad("an integer")
		}
		// Only integer syntax: the decoder refuses 4.0 or 4e0 for an int.
		f, err := n.Float64()
		if err != nil || strings.ContainsAny(n.String(), ".eE") || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
			return bad("an integer")
		}
	case reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return bad("a number")
		}
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps a struct's JSON names to field types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := jsonName(f)
		if name == "-" {
			continue
		}
		m[name] = f.Type
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
		_ = v.RegisterValidation("runes", func(fl validator.FieldLevel) bool {
			var max int
			_, _ = fmt.Sscan(fl.Param(), &max)
			return len([]rune(fl.Field().String())) <= max
		})
		validatorV = v
	})
	return validatorV
}

// validate runs the struct's validate tags and turns failures into one
// field list with JSON paths.
func validate(dst any) error {
	err := theValidator().Struct(dst)
	if err == nil {
		return nil
	}
	verrs, ok := err.(validator.ValidationErrors)
	if !ok {
		return err
	}
	fields := make([]registry.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, registry.FieldError{Field: fieldPath(fe.Namespace()), Message: ruleMessage(fe)})
	}
	return registry.Invalid("The request breaks one or more rules.", fields...)
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
	case "max":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return "must have at most " + fe.Param() + " item(s) or character(s)"
		}
		return "must be at most " + fe.Param()
	case "runes":
		return "must be at most " + fe.Param() + " characters"
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
