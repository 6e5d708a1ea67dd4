package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// maxProblemBytes bounds the answer to a body full of mistakes: 100 field
// errors with their paths and messages, and the rest counted.
const maxProblemBytes = 32 << 10

// amplifiedBody returns a review whose answers are made by answer(i) until
// the body is close to the 1 MiB limit (or count answers are made, when
// count > 0).
func (e *env) amplifiedBody(t testing.TB, count int, answer func(i int) any) []byte {
	t.Helper()
	body := e.reviewBody(2)
	var list []any
	body["answers"] = &list
	for i := 0; count == 0 || i < count; i++ {
		list = append(list, answer(i))
		if count == 0 && i%64 == 0 {
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > MaxBodyBytes-64<<10 {
				break
			}
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxBodyBytes {
		t.Fatalf("the body is %d bytes, over the limit", len(b))
	}
	return b
}

// TestErrorAmplification sends bodies of up to 1 MiB made of mistakes, one
// for each check a submission goes through (the JSON shape walk, the
// validation rules, the rubric's answer checks), and requires a small 422:
// at most 100 field errors, a count of the rest, and nothing stored.
func TestErrorAmplification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Amplified")
	crit := e.rubric.Criteria()
	ones := make([]int, 100)
	for i := range ones {
		ones[i] = 1
	}
	unknown := map[string]int{}
	for i := range 600 {
		unknown[fmt.Sprintf("x%d", i)] = 0
	}
	for _, tc := range []struct {
		name string
		body func(t testing.TB, e *env) []byte
	}{
		// A thousand answers of wrong types, each with a hundred wrong
		// evidence links: the shape walk.
		{"WrongTypes", func(t testing.TB, e *env) []byte {
			return e.amplifiedBody(t, 0, func(int) any { return map[string]any{"criterion": 1, "score": "x", "evidence": ones} })
		}},
		// Answers with hundreds of unknown members each: the shape walk.
		{"UnknownMembers", func(t testing.TB, e *env) []byte {
			return e.amplifiedBody(t, 0, func(int) any { return unknown })
		}},
		// Well-shaped answers that break every rule: the validator.
		{"BrokenRules", func(t testing.TB, e *env) []byte {
			long := strings.Repeat("é", registry.MaxCommentLength+1)
			return e.amplifiedBody(t, 200, func(int) any {
				return map[string]any{"criterion": strings.Repeat("c", 101), "score": 9, "comment": long,
					"evidence": []string{"ftp://a", "ftp://b", "ftp://c", "ftp://d", "ftp://e"}}
			})

		}},
		// Valid answers that do not fit the rubric: its answer checks.
		{"NotTheRubric", func(t testing.TB, e *env) []byte {
			return e.amplifiedBody(t, 200, func(i int) any {
				if i < len(crit) {
					return map[string]any{"criterion": crit[i].ID, "score": 2, "unknown": true, "na": true}
				}
				return map[string]any{"criterion": fmt.Sprintf("no-such-criterion-%d", i), "score": 2}
			})

		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body(t, e)
			token := e.reviewerToken(t)
			before := e.snapshot(t)
			r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: token, Body: body})
			p := r.problem(t)
			if len(p.Errors) == 0 || len(p.Errors) > registry.MaxFieldErrors {
				t.Errorf("%d field errors listed, want 1 to %d", len(p.Errors), registry.MaxFieldErrors)
			}
			if p.MoreErrors <= 0 {
				t.Errorf("moreErrors = %d, want the count of the errors left out", p.MoreErrors)
			}
			if len(r.Body) > maxProblemBytes {
				t.Errorf("the answer is %d bytes, want at most %d", len(r.Body), maxProblemBytes)
			}
			if !bytes.Contains(r.Body, []byte(`"moreErrors"`)) {
				t.Errorf("no moreErrors member in %s", r.Body[:min(len(r.Body), 300)])
			}
			t.Logf("%d-byte body: %d errors listed, %d more, %d-byte answer", len(body), len(p.Errors), p.MoreErrors, len(r.Body))
			e.unchanged(t, before, "a body of mistakes")
		})
	}
}

// TestShapeWalkStopsAtDeadline checks that the request's deadline bounds
// the JSON shape walk: with its context ended, a large body is refused as
// too slow to check rather than walked to its end.
func TestShapeWalkStopsAtDeadline(t *testing.T) {
	t.Parallel()
	body := []byte(`{"answers":[` + strings.Repeat(`{"criterion":1},`, 50000) + `{}]}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var dst reviewRequest
	if err := decodeShape(ctx, body, &dst); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Fatalf("decodeShape with its context ended: %v, want %s", err, registry.EUNAVAILABLE)
	}
	err := decodeShape(context.Background(), body, &dst)
	if n := len(registry.ErrorFields(err)); n != registry.MaxFieldErrors || registry.ErrorMore(err) == 0 {
		t.Fatalf("decodeShape: %d fields listed, %d more", n, registry.ErrorMore(err))
	}
}
