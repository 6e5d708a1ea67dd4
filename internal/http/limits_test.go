package http

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/edtech-registry/registry/internal/registry"
)

// requestTypes are the request bodies the API validates.
var requestTypes = []any{reviewRequest{}, productRequest{}, rejectRequest{}, tokenRequest{},
	invitationRequest{}, accountRequest{}, sessionRequest{}, passwordRequest{}, publishRequest{}, personalTokenRequest{},
	deleteAccountRequest{}}

// TestLimitsHaveOneSource checks the validate tags of every request body:
// bounds are limits named after registry constants ("limit=summary"),
// never numbers that could drift from them; every named limit exists; and
// every list has one before "dive", so the shape walk refuses an over-long
// array before decoding it.
func TestLimitsHaveOneSource(t *testing.T) {
	t.Parallel()
	used := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := path + "." + jsonName(f)
			tag := f.Tag.Get("validate")
			for _, rule := range strings.Split(tag, ",") {
				key, param, _ := strings.Cut(rule, "=")
				switch key {
				case "max", "len", "lt", "lte", "runes":
					t.Errorf("%s: rule %q is a number; name a registry limit instead (limit=…)", name, rule)
				case "limit":
					if _, ok := limits[param]; !ok {
						t.Errorf("%s: unknown limit %q", name, param)
					}
					used[param] = true
				}
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Slice {
				before, _, _ := strings.Cut(tag, ",dive")
				if !slices.ContainsFunc(strings.Split(before, ","), func(r string) bool { return strings.HasPrefix(r, "limit=") }) {
					t.Errorf("%s: a list without a limit before dive (%q)", name, tag)
				}
				if jsonFields(typ)[jsonName(f)].maxItems <= 0 {
					t.Errorf("%s: the shape walk does not bound the list", name)
				}
			}
			check(name, f.Type)
		}
	}
	for _, v := range requestTypes {
		check(reflect.TypeOf(v).Name(), reflect.TypeOf(v))
	}
	for name := range limits {
		if !used[name] {
			t.Errorf("limit %q is used by no request field", name)
		}
	}
}

// TestLimitRule checks the limit rule at and over each bound, for each kind
// of field, and the message that names the bound.
func TestLimitRule(t *testing.T) {
	t.Parallel()
	v := theValidator()
	for _, tc := range []struct {
		name       string
		ok, over   any
		limit, msg string
	}{
		{"Characters", strings.Repeat("é", registry.MaxSummaryLength), strings.Repeat("é", registry.MaxSummaryLength+1), "summary", "must be at most 5000 characters"},
		{"Items", make([]string, registry.MaxEvidenceLinks), make([]string, registry.MaxEvidenceLinks+1), "evidenceLinks", "must have at most 5 item(s)"},
		{"Number", registry.MaxUsageMonths, registry.MaxUsageMonths + 1, "usageMonths", "must be at most 240"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := v.Var(tc.ok, "limit="+tc.limit); err != nil {
				t.Errorf("at the limit: %v", err)
			}
			err := v.Var(tc.over, "limit="+tc.limit)
			if err == nil {
				t.Fatal("over the limit: accepted")
			}
			var verrs validator.ValidationErrors
			if !errors.As(err, &verrs) || len(verrs) != 1 {
				t.Fatalf("over the limit: %v", err)
			}
			if got := ruleMessage(verrs[0]); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
		})
	}
}
