package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"runtime"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// clients is the number of concurrent submitters.
const clients = 16

// submitProducts is the number of products reviews are spread over.
const submitProducts = 100

// perToken is the number of reviews each client submits with one reviewer
// token: a reviewer may hold one active review per product and at most
// this many pending reviews, so each client moves to a fresh token then.
const perToken = mongodb.DefaultMaxPending

// parallelism makes b.RunParallel start clients goroutines whatever
// GOMAXPROCS is (exactly 16 on 2 cores).
func parallelism() int {
	procs := runtime.GOMAXPROCS(0)
	return (clients + procs - 1) / procs
}

// BenchmarkSubmit compares submitting reviews through the HTTP API
// (moderation on, so each lands in the queue) with inserting the same
// review-shaped document straight into a collection of the same store, in
// one run. Both report reviews/s; raw-insert also reports the API's rate as
// a percentage of its own ("api-%-of-raw"; the target is at least 70).
func BenchmarkSubmit(b *testing.B) {
	var api float64
	b.Run("api", func(b *testing.B) { api = benchSubmitAPI(b) })
	b.Run("raw-insert", func(b *testing.B) {
		raw := benchSubmitRaw(b)
		if api > 0 && raw > 0 {
			b.ReportMetric(100*api/raw, "api-%-of-raw")
		}
	})
}

// reviewAnswers answers every criterion of r with a score, a few with a
// comment, as a teacher's review would.
func reviewAnswers(r *registry.Rubric) []map[string]any {
	var out []map[string]any
	for i, c := range r.Criteria() {
		a := map[string]any{"criterion": c.ID, "score": 1 + i%4}
		if i%5 == 0 {
			a["comment"] = "Checked against the vendor's published terms and our own use over a term."
		}
		out = append(out, a)
	}
	return out
}

const benchSummary = "Useful for practice in class and at home. The data terms are unclear about training, " +
	"so we asked the vendor and are waiting for an answer before we widen its use."

// reviewBody is the JSON body every API submission sends.
func reviewBody(tb testing.TB, r *registry.Rubric) []byte {
	body, err := json.Marshal(map[string]any{
		"reviewer":           map[string]any{"role": "teacher", "phase": "primary", "nation": "england", "subject": "maths", "setting": "maintained"},
		"usage":              map[string]any{"months": 6, "frequency": "weekly"},
		"answers":            reviewAnswers(r),
		"recommendation":     "conditional",
		"summary":            benchSummary,
		"conflictOfInterest": map[string]any{"declared": false},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

func benchSubmitAPI(b *testing.B) float64 {
	r := newReg(b, true)
	return submitParallel(b, r, submitSetup(b, r))
}

// submitSetup creates the submitProducts products that submissions go to
// and returns their ids.
func submitSetup(tb testing.TB, r *reg) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	ids := make([]string, submitProducts)
	for i := range ids {
		ids[i] = fmt.Sprintf("submit-%03d", i)
		if err := r.store.CreateProduct(ctx, benchProduct(ids[i])); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

// newReviewerToken creates a reviewer token on r's store.
func newReviewerToken(tb testing.TB, r *reg) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	tok, err := r.store.CreateToken(ctx, registry.RoleReviewer, "bench reviewer")
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// submitParallel submits b.N reviews of the products ids to r through the
// API from clients concurrent keep-alive clients and reports (and returns)
// the rate in reviews/s.
func submitParallel(b *testing.B, r *reg, ids []string) float64 {
	// Each client uses up at most one token per perToken reviews, plus the
	// one it stops in.
	pool := make(chan string, b.N/perToken+clients+1)
	for range cap(pool) {
		pool <- newReviewerToken(b, r)
	}
	body := reviewBody(b, r.rubric)

	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := newClient(b)
		token, used, next := <-pool, 0, 0
		for pb.Next() {
			if used == perToken {
				token, used = <-pool, 0
			}
			if err := submitOne(c, r, ids[next%len(ids)], token, body); err != nil {
				b.Error(err)
				return
			}
			used++
			next++
		}
	})
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "reviews/s")
	return rate
}

// submitOne posts body as a review of product to r with the reviewer token
// and returns an error unless the review was stored as pending.
func submitOne(c *nethttp.Client, r *reg, product, token string, body []byte) error {
	url := r.base + "/api/v1/products/" + product + "/reviews"
	req, err := nethttp.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != nethttp.StatusCreated || !bytes.Contains(out, []byte(`"pending"`)) {
		return fmt.Errorf("POST %s: %d %.300s (%v)", url, resp.StatusCode, out, err)
	}
	return nil
}

// randomHex returns n random bytes in hex, like the store's ids.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func benchSubmitRaw(b *testing.B) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db := mongodbtest.Open(b)
	// The same indexes as the collection a submission inserts the pending
	// review into (the moderation queue: unique reviewer+product), and on
	// the embedded store the same _id expression index Prepare adds.
	if err := db.Prepare(ctx, []mongodb.CollectionSpec{mongodb.QueueSpec("rawreviews")}); err != nil {
		b.Fatal(err)
	}
	coll := db.Collection("rawreviews")
	template := rawTemplate(b)

	b.SetParallelism(parallelism())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rv := *template
		next := 0
		for pb.Next() {
			now := time.Now().UTC().Truncate(time.Millisecond)
			rv.ID = randomHex(12)
			rv.ProductID = fmt.Sprintf("submit-%03d", next%submitProducts)
			rv.ReviewerRef = randomHex(16)
			rv.CreatedAt, rv.UpdatedAt = now, now
			next++
			if _, err := coll.InsertOne(context.Background(), mongodb.PendingDocument(&rv)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "reviews/s")
	return rate
}

// rawTemplate is the review the API benchmark submits (default rubric), as
// the store receives it.
func rawTemplate(tb testing.TB) *registry.Review {
	r := rubrictest.Default(tb)
	rv := &registry.Review{
		RubricID: r.ID, RubricVersion: r.Version, RubricHash: r.Hash,
		Reviewer:       registry.ReviewerContext{Role: "teacher", Phase: "primary", Nation: "england", Subject: "maths", Setting: "maintained"},
		Usage:          registry.Usage{Months: 6, Frequency: "weekly"},
		Recommendation: "conditional",
		Summary:        benchSummary,
		Conflict:       registry.Conflict{Declared: false},
	}
	for _, a := range reviewAnswers(r) {
		s := a["score"].(int)
		c, _ := a["comment"].(string)
		rv.Answers = append(rv.Answers, registry.Answer{Criterion: a["criterion"].(string), Score: &s, Comment: c})
	}
	return rv
}
