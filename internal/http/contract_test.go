package http

// The contract checker: HTTP tests hand every exchange they make to
// checkExchange, which fails the test when the response is not what
// api/openapi.yaml promises (an undocumented status, a missing header, a
// body with a missing, mistyped or extra field), and hand the app's route
// table to checkRoutesDocumented, which fails for every API route the
// contract does not describe. This file depends on nothing else in the
// package, so that it compiles while the app is being written.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/edtech-registry/registry/api"
)

// Media types the contract's responses use besides application/json.
const (
	contractProblemMIME = "application/problem+json"
	contractXLSXMIME    = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// contractState is the parsed, validated contract and its router, built
// once per test binary: parsing and validating the document takes longer
// than most tests.
var contractState struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// contractLoad parses and validates api.OpenAPI and builds a router over it,
// once. The body decoders are registered here because openapi3filter keeps
// them in a process-wide table.
func contractLoad() (*openapi3.T, routers.Router, error) {
	contractState.once.Do(func() {
		openapi3filter.RegisterBodyDecoder(contractProblemMIME, openapi3filter.JSONBodyDecoder)
		// Workbooks are opaque bytes to the contract (type: string, format: binary).
		openapi3filter.RegisterBodyDecoder(contractXLSXMIME, openapi3filter.FileBodyDecoder)

		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			contractState.err = fmt.Errorf("parse api/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			contractState.err = fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			contractState.err = fmt.Errorf("build a router over api/openapi.yaml: %w", err)
			return
		}
		contractState.doc, contractState.router = doc, router
	})
	return contractState.doc, contractState.router, contractState.err
}

// loadContract returns the parsed and validated contract, api/openapi.yaml,
// and stops the test if it does not parse or is not a valid OpenAPI 3
// document. It is cached for the whole test binary and safe to call from
// parallel tests; callers must not modify the document.
func loadContract(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, _, err := contractLoad()
	if err != nil {
		tb.Fatalf("contract: %v", err)
	}
	return doc
}

// checkExchange fails the test unless the response to req is one the
// contract describes: the method and path must be an operation of the
// contract, the status one of its documented responses, the required
// headers present and valid, and the body valid against the schema of its
// content type (response objects allow no fields besides the documented
// ones). A problem+json body's status must also equal the HTTP status.
//
// The request itself is not validated (tests send bad requests on purpose);
// reqBody is only printed when the check fails. respBody is the response
// body as read by the caller; resp.Body is not read.
func checkExchange(tb testing.TB, req *nethttp.Request, reqBody []byte, resp *nethttp.Response, respBody []byte) {
	tb.Helper()
	loadContract(tb)
	if err := contractExchangeError(req, resp, respBody); err != nil {
		tb.Errorf("contract: %s %s answered %d, which api/openapi.yaml does not allow:\n%v\nrequest body: %s\nresponse body: %s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, err, contractExcerpt(reqBody), contractExcerpt(respBody))
	}
}

// contractExchangeError returns why the exchange breaks the contract, or nil.
func contractExchangeError(req *nethttp.Request, resp *nethttp.Response, respBody []byte) error {
	_, router, err := contractLoad()
	if err != nil {
		return err
	}

	// A HEAD is checked as the GET it mirrors, headers and status only.
	lookup, head := req, req.Method == nethttp.MethodHead
	if head {
		lookup = req.Clone(req.Context())
		lookup.Method = nethttp.MethodGet
	}
	route, pathParams, err := router.FindRoute(lookup)
	if err != nil {
		return fmt.Errorf("%s %s is not an operation of the contract: %w", req.Method, req.URL.Path, err)
	}

	reqInput := &openapi3filter.RequestValidationInput{
		Request:    lookup,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			ExcludeRequestBody: true,
		},
	}
	header := resp.Header
	if header == nil {
		header = nethttp.Header{}
	}
	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 resp.StatusCode,
		Header:                 header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			ExcludeResponseBody:   head,
			MultiError:            true,
		},
	}
	respInput.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), respInput); err != nil {
		return errors.New(contractDescribe(err))
	}

	if !head && contractIsProblem(header.Get("Content-Type")) {
		var p struct {
			Status int `json:"status"`
		}
		if err := json.Unmarshal(respBody, &p); err != nil {
			return fmt.Errorf("problem body: %w", err)
		}
		if p.Status != resp.StatusCode {
			return fmt.Errorf("problem body says status %d, the response is %d", p.Status, resp.StatusCode)
		}
	}
	return nil
}

// contractIsProblem reports whether a Content-Type is problem+json.
func contractIsProblem(contentType string) bool {
	base, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(base), contractProblemMIME)
}

// contractDescribe turns a validation error into one line per problem,
// naming the JSON pointer of each offending value rather than printing the
// whole schema, which is what SchemaError.Error does.
func contractDescribe(err error) string {
	var lines []string
	var walk func(err error)
	walk = func(err error) {
		var multi openapi3.MultiError
		var schemaErr *openapi3.SchemaError
		var respErr *openapi3filter.ResponseError
		switch {
		case errors.As(err, &respErr) && respErr.Err != nil:
			lines = append(lines, respErr.Reason)
			walk(respErr.Err)
		case errors.As(err, &multi):
			for _, e := range multi {
				walk(e)
			}
		case errors.As(err, &schemaErr):
			field := "/" + strings.Join(schemaErr.JSONPointer(), "/")
			lines = append(lines, fmt.Sprintf("  at %s: %s", field, schemaErr.Reason))
		default:
			lines = append(lines, err.Error())
		}
	}
	walk(err)
	return strings.Join(lines, "\n")
}

// contractExcerpt returns a body short enough for a failure message.
func contractExcerpt(b []byte) string {
	const max = 2000
	if len(b) == 0 {
		return "(empty)"
	}
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// checkRoutesDocumented fails the test once for every route the contract
// does not describe. routes are (method, Fiber path) pairs such as
// {"GET", "/api/v1/products/:id/reviews"}, typically from
// app.GetRoutes(true) (true leaves out middleware mounted with Use).
// Parameters match whatever their names (":id" matches "{productId}").
// HEAD routes (Fiber adds one for every GET), routes outside /api/ other
// than /healthz and /readyz (pages, /metrics, static files) and wildcard
// catch-alls ("/api/*") are not checked.
func checkRoutesDocumented(tb testing.TB, routes [][2]string) {
	tb.Helper()
	doc := loadContract(tb)
	for _, r := range contractMissingRoutes(doc, routes) {
		tb.Errorf("contract: route %s is not described in api/openapi.yaml", r)
	}
}

// contractParam matches a path parameter in either syntax: an OpenAPI
// "{name}", or a Fiber ":name" with an optional "?" and "<constraint>".
var contractParam = regexp.MustCompile(`\{[^}/]*\}|:[^/<?]+(<[^>]*>)?\??`)

// contractPathKey reduces a path to a form in which parameter names do not
// matter: every parameter becomes "{}".
func contractPathKey(path string) string {
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
	}
	return contractParam.ReplaceAllString(path, "{}")
}

// contractMissingRoutes returns "METHOD path" for each route in routes that
// checkRoutesDocumented checks and the contract lacks, sorted, without
// duplicates.
func contractMissingRoutes(doc *openapi3.T, routes [][2]string) []string {
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[strings.ToUpper(method)+" "+contractPathKey(path)] = true
		}
	}
	var missing []string
	for _, r := range routes {
		method, path := strings.ToUpper(r[0]), r[1]
		if method == nethttp.MethodHead || strings.ContainsAny(path, "*+") {
			continue
		}
		if !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" {
			continue
		}
		if !documented[method+" "+contractPathKey(path)] {
			missing = append(missing, method+" "+path)
		}
	}
	slices.Sort(missing)
	return slices.Compact(missing)
}

// TestContractIsValid checks the contract itself: it is a valid OpenAPI
// document, every operation follows the API's conventions, and the checker
// accepts hand-written exchanges that follow it and rejects ones that do
// not.
func TestContractIsValid(t *testing.T) {
	t.Parallel()
	doc := loadContract(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}

	t.Run("Conventions", func(t *testing.T) {
		t.Parallel()
		ids := map[string]string{}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				name := method + " " + path
				if op.OperationID == "" {
					t.Errorf("%s: no operationId", name)
				} else if other, ok := ids[op.OperationID]; ok {
					t.Errorf("%s: operationId %q is also used by %s", name, op.OperationID, other)
				}
				ids[op.OperationID] = name
				public := op.Security != nil && len(*op.Security) == 0
				if !public && op.Responses.Status(nethttp.StatusUnauthorized) == nil {
					t.Errorf("%s: needs a token but documents no 401", name)
				}
				if public && op.Responses.Status(nethttp.StatusUnauthorized) != nil {
					t.Errorf("%s: is public but documents a 401", name)
				}
				for status, ref := range op.Responses.Map() {
					if status < "400" {
						continue
					}
					content := ref.Value.Content
					if len(content) != 1 || content.Get(contractProblemMIME) == nil {
						t.Errorf("%s: response %s is not application/problem+json only", name, status)
					}
				}
			}
		}
	})

	const product = `{"id":"maths-tutor","name":"Maths Tutor","vendor":"Acme Learning","website":"https://example.com",
		"category":"tutoring","description":"An adaptive maths tutor.","aiFeatures":["adaptive","generative"],
		"usedBy":["pupils","staff"],"ageRange":{"min":7,"max":11},"dataProcessed":["contact","academic","usage"],
		"hosting":"UK","status":"active","revision":2,"createdAt":"2026-11-02T10:00:00Z",
		"updatedAt":"2026-11-03T09:30:00.123456789Z"}`
	const publicReview = `{"id":"r7Kq2","summary":"Useful, with care.",
		"comments":[{"criterion":"privacy.data-sale","comment":"See the policy."}],
		"recommendation":"conditional","month":"2026-11"}`
	const moderated = `{"id":"r7Kq2","productId":"maths-tutor","rubricId":"educator","rubricVersion":1,"status":"published",
		"reviewer":{"role":"teacher","phase":"primary","nation":"wales"},"usage":{"months":6,"frequency":"weekly"},
		"answers":[{"criterion":"privacy.data-sale","score":1,"comment":"See the policy.","evidence":["https://example.com/p"]},
		{"criterion":"workload.marking","unknown":true},{"criterion":"autonomy.override","na":true}],
		"recommendation":"conditional","summary":"Useful, with care.","conflictOfInterest":{"declared":false},
		"createdAt":"2026-11-02T10:00:00Z","updatedAt":"2026-11-03T10:00:00Z","publishedAt":"2026-11-03T10:00:00Z",
		"publication":{"state":"waiting","waiting":2,"needed":5,"message":"Public with the product's next release: 2 of 5 changes waiting."}}`
	const assessment = `{"productId":"maths-tutor","rubricId":"educator","rubricVersion":1,"reviews":6,"suppressed":false,
		"overall":{"risk":"high","score":48.5},
		"dimensions":[{"id":"privacy","title":"Privacy","score":40,"risk":"high","agreement":0.7,"contested":false,
		"flags":[{"criterion":"privacy.data-sale","title":"Data sale","severity":"critical","share":0.5,
		"ask":"No sale of pupil data.","provisional":false}]}],
		"criteria":[{"id":"privacy.data-sale","dimension":"privacy","mean":1.5,"sd":0.5,"n":6,"unknown":0,"na":0,
		"distribution":[1,2,3,0,0],"redFlagHits":3,"flagged":true,"agreement":null,"contested":false}],
		"breakdowns":{"role":[{"key":"teacher","reviews":5,"suppressed":false,"dimensions":[{"id":"privacy","score":42,"risk":"high"}]},
		{"key":"leader","reviews":1,"suppressed":true,"dimensions":[]}],"phase":[],"nation":[]}}`
	const problem404 = `{"type":"about:blank","title":"Not Found","status":404,"detail":"No product \"nope\"."}`
	const problem422 = `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"Invalid review.",
		"errors":[{"field":"answers[3].score","message":"must be 0 to 4"}]}`
	jsonCT := map[string]string{"Content-Type": "application/json"}
	problemCT := map[string]string{"Content-Type": "application/problem+json; charset=utf-8"}
	withETag := map[string]string{"Content-Type": "application/json", "ETag": `"2"`}
	reviewETag := map[string]string{"Content-Type": "application/json", "ETag": `"1"`}

	tests := []struct {
		name           string
		method, target string
		status         int
		header         map[string]string
		body           string
		ok             bool
	}{
		{"Product", "GET", "/api/v1/products/maths-tutor", 200, withETag, product, true},
		{"ProductNoAgeRange", "GET", "/api/v1/products/maths-tutor", 200, withETag,
			strings.Replace(product, `{"min":7,"max":11}`, "null", 1), true},
		{"ProductCreated", "POST", "/api/v1/products", 201,
			map[string]string{"Content-Type": "application/json", "ETag": `"1"`, "Location": "/api/v1/products/maths-tutor"},
			strings.Replace(product, `"revision":2`, `"revision":1`, 1), true},
		{"ProductPage", "GET", "/api/v1/products?limit=1", 200, jsonCT, `{"items":[` + product + `],"nextCursor":"abc"}`, true},
		{"ProductLastPage", "GET", "/api/v1/products", 200, jsonCT, `{"items":[],"nextCursor":null}`, true},
		{"NotFound", "GET", "/api/v1/products/nope", 404, problemCT, problem404, true},
		{"Unprocessable", "POST", "/api/v1/products/maths-tutor/reviews", 422, problemCT, problem422, true},
		{"PublicReviews", "GET", "/api/v1/products/maths-tutor/reviews", 200, jsonCT,
			`{"items":[` + publicReview + `],"nextCursor":null}`, true},
		{"ReviewReceipt", "POST", "/api/v1/products/maths-tutor/reviews", 201,
			map[string]string{"Content-Type": "application/json", "Location": "/api/v1/reviews/r7Kq2"},
			`{"id":"r7Kq2","status":"pending","productId":"maths-tutor","rubricId":"educator","rubricVersion":1}`, true},
		{"Assessment", "GET", "/api/v1/products/maths-tutor/assessment?role=teacher", 200, jsonCT, assessment, true},
		{"Health", "GET", "/healthz", 200, jsonCT, `{"status":"ok"}`, true},
		{"OpenAPI", "GET", "/api/openapi.yaml", 200, map[string]string{"Content-Type": "application/yaml"},
			string(api.OpenAPI), true},
		{"HeadProduct", "HEAD", "/api/v1/products/maths-tutor", 200, withETag, "", true},

		{"ErrProductMissingName", "GET", "/api/v1/products/maths-tutor", 200, withETag,
			strings.Replace(product, `"name":"Maths Tutor",`, "", 1), false},
		{"ErrProductExtraField", "GET", "/api/v1/products/maths-tutor", 200, withETag,
			strings.Replace(product, `"hosting"`, `"owner":"x","hosting"`, 1), false},
		{"ErrProductBadEnum", "GET", "/api/v1/products/maths-tutor", 200, withETag,
			strings.Replace(product, `"tutoring"`, `"tutor"`, 1), false},
		{"ErrProductNoETag", "GET", "/api/v1/products/maths-tutor", 200, jsonCT, product, false},
		{"ErrProductUnquotedETag", "GET", "/api/v1/products/maths-tutor", 200,
			map[string]string{"Content-Type": "application/json", "ETag": "2"}, product, false},
		{"ErrCreatedNoLocation", "POST", "/api/v1/products", 201, withETag, product, false},
		{"ErrNoNextCursor", "GET", "/api/v1/products", 200, jsonCT, `{"items":[]}`, false},
		{"ErrPublicReviewLeaksReviewerRef", "GET", "/api/v1/products/maths-tutor/reviews", 200, jsonCT,
			`{"items":[` + strings.Replace(publicReview, `"summary"`, `"reviewerRef":"k1","summary"`, 1) + `],"nextCursor":null}`, false},
		{"ErrPublicReviewLeaksContext", "GET", "/api/v1/products/maths-tutor/reviews", 200, jsonCT,
			`{"items":[` + strings.Replace(publicReview, `"summary"`, `"reviewer":{"role":"teacher"},"summary"`, 1) + `],"nextCursor":null}`, false},
		{"ErrPublicReviewLeaksScores", "GET", "/api/v1/products/maths-tutor/reviews", 200, jsonCT,
			`{"items":[` + strings.Replace(publicReview, `"comment":"See the policy."`, `"comment":"See the policy.","score":1`, 1) + `],"nextCursor":null}`, false},
		{"ErrPublicReviewExactTime", "GET", "/api/v1/products/maths-tutor/reviews", 200, jsonCT,
			`{"items":[` + strings.Replace(publicReview, `"2026-11"`, `"2026-11-05T10:00:00Z"`, 1) + `],"nextCursor":null}`, false},
		{"ModeratedReview", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag, moderated, true},
		{"ErrModeratedReviewNoETag", "GET", "/api/v1/reviews/r7Kq2", 200, jsonCT, moderated, false},
		{"ErrAnswerScoreAndUnknown", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag,
			strings.Replace(moderated, `"unknown":true`, `"unknown":true,"score":2`, 1), false},
		{"ErrAnswerUnknownFalse", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag,
			strings.Replace(moderated, `"unknown":true`, `"unknown":false`, 1), false},
		{"ErrAnswerNAAndUnknown", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag,
			strings.Replace(moderated, `"na":true`, `"na":true,"unknown":true`, 1), false},
		{"ErrAnswerNoKind", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag,
			strings.Replace(moderated, `,"na":true`, ``, 1), false},
		{"ErrAnswerUnknownField", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag,
			strings.Replace(moderated, `"na":true`, `"na":true,"note":"x"`, 1), false},
		{"ErrPublicationUnknownState", "GET", "/api/v1/reviews/r7Kq2", 200, reviewETag,
			strings.Replace(moderated, `"state":"waiting"`, `"state":"soon"`, 1), false},
		{"ErrAssessmentNullRisk", "GET", "/api/v1/products/maths-tutor/assessment", 200, jsonCT,
			strings.Replace(assessment, `"risk":"high","score":48.5`, `"risk":null,"score":48.5`, 1), false},
		{"ErrDistributionLength", "GET", "/api/v1/products/maths-tutor/assessment", 200, jsonCT,
			strings.Replace(assessment, `[1,2,3,0,0]`, `[1,2,3,0]`, 1), false},
		{"ErrProblemAsJSON", "GET", "/api/v1/products/nope", 404, jsonCT, problem404, false},
		{"ErrProblemStatusDiffers", "GET", "/api/v1/products/nope", 404, problemCT,
			strings.Replace(problem404, `"status":404`, `"status":400`, 1), false},
		{"ErrProblemMissingTitle", "GET", "/api/v1/products/nope", 404, problemCT,
			strings.Replace(problem404, `"title":"Not Found",`, "", 1), false},
		{"ErrUndocumentedStatus", "GET", "/api/v1/products/maths-tutor", 418, problemCT,
			strings.Replace(problem404, "404", "418", 1), false},
		{"ErrUndocumentedPath", "GET", "/api/v1/nope", 404, problemCT, problem404, false},
		{"ErrUndocumentedMethod", "DELETE", "/api/v1/products/maths-tutor", 404, problemCT, problem404, false},
		{"ErrOpenAPIAsText", "GET", "/api/openapi.yaml", 200, map[string]string{"Content-Type": "text/plain"},
			string(api.OpenAPI), false},
	}
	for _, tt := range tests {
		t.Run("Exchange/"+tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.target, nil)
			resp := &nethttp.Response{StatusCode: tt.status, Header: nethttp.Header{}}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			err := contractExchangeError(req, resp, []byte(tt.body))
			if tt.ok && err != nil {
				t.Errorf("valid exchange rejected:\n%v", err)
			} else if !tt.ok && err == nil {
				t.Errorf("invalid exchange accepted")
			}
		})
	}

	t.Run("Routes", func(t *testing.T) {
		t.Parallel()
		routes := [][2]string{
			{"GET", "/healthz"},
			{"GET", "/readyz"},
			{"GET", "/metrics"},
			{"GET", "/products/:id"},
			{"GET", "/api/openapi.yaml"},
			{"GET", "/api/v1/products"},
			{"HEAD", "/api/v1/products"},
			{"POST", "/api/v1/products"},
			{"GET", "/api/v1/products/:id"},
			{"PATCH", "/api/v1/products/:id/"},
			{"get", "/api/v1/products/:productID/reviews"},
			{"POST", "/api/v1/products/:id/reviews"},
			{"GET", "/api/v1/rubrics/:id/versions/:version<int>"},
			{"POST", "/api/v1/reviews/:id/withdraw"},
			{"GET", "/api/*"},
			{"DELETE", "/api/v1/products/:id"},
			{"GET", "/api/v1/nope"},
			{"GET", "/api/v1/nope"},
			{"POST", "/api/v1/reviews/:id"},
		}
		want := []string{"DELETE /api/v1/products/:id", "GET /api/v1/nope", "POST /api/v1/reviews/:id"}
		if got := contractMissingRoutes(doc, routes); !slices.Equal(got, want) {
			t.Errorf("missing routes = %q, want %q", got, want)
		}
	})
}
