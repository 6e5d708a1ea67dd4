package http

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// FuzzShapeWalk checks the shape walk against encoding/json on any valid
// JSON: the walk never panics, a body it passes decodes into the request
// type, and a body the decoder refuses (a wrong type, an unknown field) is
// one it reports. Run with -fuzz to explore; plain `go test` runs the seeds.
func FuzzShapeWalk(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `"x"`, `{"answers":[{"criterion":"a","score":1}]}`,
		`{"answers":[{"criterion":1,"score":"x","evidence":[1,2]}],"unknown":{"a":[1,{"b":"}"}]}}`,
		`{"usage":{"months":4.0},"rubricVersion":1e0,"reviewer":{"role":"teacher"}}`,
		`{"summary":"a\"b\\","$set":{"x":1},"a.b":2,"answers":[null,{},{"na":true,"unknown":false}]}`,
		`{"conflictOfInterest":{"declared":"yes"},"usage":{"months":-3},"rubricVersion":99999999999}`,
		`{"re\u0063ommendation":"recommend","answers":[{"comment":"\u00e9","evidence":["https://x"]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) || len(bytes.TrimSpace(body)) == 0 {
			return
		}
		var shaped reviewRequest
		err := decodeShape(context.Background(), body, &shaped)
		var decoded reviewRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		decErr := dec.Decode(&decoded)
		if err == nil && decErr != nil {
			t.Fatalf("the walk passed %s, which the decoder refuses: %v", body, decErr)
		}
	})
}
