package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// TestIdempotencyRecords: a submission's idempotency record keeps the body
// only as a keyed hash (the plain SHA-256 of the body, which would confirm a
// guess of a redacted text from a dump, is nowhere in the store); a retry
// within the retention returns the first review; after it the key is
// forgotten and a retry is a new submission, refused with 409 naming the
// first review while it is pending, never a silent duplicate; the periodic
// repair deletes expired records.
func TestIdempotencyRecords(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk))
	pid := e.createProduct(t, "Idempotent Tool")
	body := e.reviewBody(3)
	body["summary"] = "Written at a school whose name the moderator will redact."
	submit := func(want int, key string) submittedJSON {
		t.Helper()
		var out submittedJSON
		e.must(t, want, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: e.tokens[registry.RoleReviewer],
			Headers: map[string]string{"Idempotency-Key": key}, Body: body}).json(t, &out)
		return out
	}
	first := submit(201, "key-one")

	// The server hashes the body it decoded, re-encoded.
	raw, _ := json.Marshal(body)
	var req reviewRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	canonical, _ := json.Marshal(&req)
	sum := sha256.Sum256(canonical)
	plain := hex.EncodeToString(sum[:])
	docs := e.snapshot(t)["idempotency"]
	if len(docs) != 1 {
		t.Fatalf("%d idempotency records, want 1", len(docs))
	}
	if strings.Contains(docs[0], plain) {
		t.Errorf("the idempotency record holds the plain SHA-256 of the body: %s", docs[0])
	}

	clk.Add(mongodb.IdempotencyRetention - time.Minute)
	if again := submit(200, "key-one"); again.ID != first.ID {
		t.Errorf("a retry within the retention: review %s, want the first, %s", again.ID, first.ID)
	}

	clk.Add(2 * time.Minute) // past the retention
	r := e.must(t, 409, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: e.tokens[registry.RoleReviewer],
		Headers: map[string]string{"Idempotency-Key": "key-one"}, Body: body})
	var problem struct {
		ExistingReview string `json:"existingReview"`
	}
	r.json(t, &problem)
	if problem.ExistingReview != first.ID {
		t.Errorf("a retry after the retention: existingReview %q, want the first review %s", problem.ExistingReview, first.ID)
	}

	t.Run("Swept", func(t *testing.T) {
		other := e.createProduct(t, "Idempotent Tool Two")
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products/" + other + "/reviews", Token: e.tokens[registry.RoleReviewer],
			Headers: map[string]string{"Idempotency-Key": "key-two"}, Body: body})
		if _, err := e.store.RepairStale(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(e.snapshot(t)["idempotency"]); n != 1 {
			t.Fatalf("%d idempotency records after a repair within the retention, want 1", n)
		}
		clk.Add(mongodb.IdempotencyRetention + time.Minute)
		if _, err := e.store.RepairStale(context.Background()); err != nil {
			t.Fatal(err)
		}
		if docs := e.snapshot(t)["idempotency"]; len(docs) != 0 {
			t.Errorf("idempotency records left after the retention and a repair: %v", docs)
		}
	})
}
