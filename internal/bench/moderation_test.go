package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/hints"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// BenchmarkModeration measures the identity hints of the moderation queue
// and the choice of computing them when the queue is listed rather than
// storing them with each pending review:
//
//   - detect/typical and detect/largest: hints.Review over every free-text
//     field of one review (a demo review with a name and a school in its
//     summary; the largest review the default rubric allows, every field
//     full of prose with hints), reporting the bytes of text. Computing
//     at listing costs this per listed review; the submission pays it once
//     too, for the queue entry's flags;
//   - read/pending+N-hints: a raw read by _id, through the driver, of that
//     pending review's document as the store keeps it, with N hints added
//     as a stored field would hold them (N = 0, 10, 100): storing them costs
//     the difference per listed review, on every listing;
//   - publish/interleaved: POST /api/v1/reviews/{id}/publish as written
//     and with the summary redacted, alternately, reporting each one's
//     median ("ms-as-written", "ms-redacted"): a redacting publication
//     adds the checkpoint of the embedded store's log;
//   - queue/all and queue/hints: GET /api/v1/reviews?limit=20 and the
//     same with ?hints=true in a queue of 1,000 pending reviews without
//     hints followed by 20 with them: the filtered page reads the 51 pages
//     of entries and only the 20 matching reviews.
func BenchmarkModeration(b *testing.B) {
	set := rubrictest.Set(b)
	rub := set.Default()
	now := time.Now()
	product := benchProduct("hinted-0000")
	typical := demo.Reviews(rub, []*registry.Product{product}, func(int) int { return 1 }, 7, now)[0]
	typical.Summary = "I asked Mrs Patel at Ysgol Gymraeg Aberystwyth before we signed up. " + typical.Summary
	largest := largestReview(typical)

	for _, tc := range []struct {
		name string
		r    *registry.Review
	}{{"typical", typical}, {"largest", largest}} {
		b.Run("detect/"+tc.name, func(b *testing.B) {
			fields := textFields(tc.r)
			size := 0
			for _, f := range fields {
				size += len(f.Text)
			}
			b.SetBytes(int64(size))
			var n int
			for b.Loop() {
				n = len(hints.Review(fields))
			}
			b.ReportMetric(float64(n), "hints")
		})
	}

	r := newReg(b, true)
	seedPending(b, r, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	hinted := demo.Reviews(rub, []*registry.Product{product}, func(int) int { return 20 }, 9, now)
	for _, rv := range hinted {
		rv.Status, rv.PublishedAt = registry.StatusPending, nil
		rv.Summary = typical.Summary
	}
	if _, err := r.store.Seed(ctx, []*registry.Product{product}, hinted); err != nil {
		b.Fatal(err)
	}

	// The pending document of one hinted review, as the store keeps it.
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	c := adminClient(b)
	_, body, err := get(c, r.base+"/api/v1/reviews?hints=true&limit=1")
	if err != nil || json.Unmarshal(body, &page) != nil || len(page.Items) != 1 {
		b.Fatalf("no hinted review in the queue: %s (%v)", body, err)
	}
	var doc bson.D
	if err := r.db.Collection("queue").FindOne(ctx, bson.D{{Key: "_id", Value: page.Items[0].ID}}).Decode(&doc); err != nil {
		b.Fatal(err)
	}
	found := hints.Review(textFields(largest))
	scratch := r.db.Collection("bench_stored_hints")
	for _, n := range []int{0, 10, 100} {
		stored := bson.A{}
		for _, h := range found[:n] {
			stored = append(stored, bson.D{{Key: "f", Value: h.Field}, {Key: "k", Value: h.Kind}, {Key: "t", Value: h.Text}})
		}
		d := append(bson.D{{Key: "_id", Value: fmt.Sprint(n)}}, doc[1:]...)
		if n > 0 {
			d = append(d, bson.E{Key: "hints", Value: stored})
		}
		if _, err := scratch.InsertOne(ctx, d); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("read/pending+%d-hints", n), func(b *testing.B) {
			var size int
			for b.Loop() {
				raw, err := scratch.FindOne(context.Background(), bson.D{{Key: "_id", Value: fmt.Sprint(n)}}).Raw()
				if err != nil {
					b.Fatal(err)
				}
				size = len(raw)
			}
			b.ReportMetric(float64(size), "bytes/doc")
		})
	}

	b.Run("publish/interleaved", func(b *testing.B) {
		ids := pendingReviews(b, r, 1000)
		hc := newClient(b)
		// Demo reviewers sometimes declare a conflict of interest.
		const plainBody = `{"acknowledgeConflict":true}`
		const redact = `{"acknowledgeConflict":true,"redactions":[{"field":"summary","text":"Redacted by a moderator."}]}`
		publish := func(body string) time.Duration {
			if len(ids) == 0 {
				b.Fatal("no pending reviews left; run with a shorter -benchtime")
			}
			id, version := ids[0].ID, ids[0].Version
			ids = ids[1:]
			req, err := nethttp.NewRequest("POST", r.base+"/api/v1/reviews/"+id+"/publish", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", fmt.Sprintf("%q", fmt.Sprint(version))) // the version listed, as the queue's etag names it
			req.Header.Set("Authorization", "Bearer "+adminToken)
			start := time.Now()
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			d := time.Since(start)
			if resp.StatusCode != 200 || (body == redact) != bytes.Contains(out, []byte(`"redacted":["summary"]`)) {
				b.Fatalf("publish %s: %d %.300s", id, resp.StatusCode, out)
			}
			return d
		}
		var plain, redacted []time.Duration
		turn := 0
		for b.Loop() {
			if turn%2 == 0 {
				plain = append(plain, publish(plainBody))
				redacted = append(redacted, publish(redact))
			} else {
				redacted = append(redacted, publish(redact))
				plain = append(plain, publish(plainBody))
			}
			turn++
		}
		mp, mr := median(plain), median(redacted)
		b.ReportMetric(float64(mp.Microseconds())/1000, "ms-as-written")
		b.ReportMetric(float64(mr.Microseconds())/1000, "ms-redacted")
	})

	for _, q := range []struct{ name, query string }{{"all", ""}, {"hints", "&hints=true"}} {
		b.Run("queue/"+q.name, func(b *testing.B) {
			url := r.base + "/api/v1/reviews?limit=20" + q.query
			var page struct {
				Items []struct {
					Hints []any `json:"hints"`
				} `json:"items"`
			}
			status, body, err := get(c, url)
			if err != nil || status != 200 || json.Unmarshal(body, &page) != nil || len(page.Items) != 20 {
				b.Fatalf("GET %s: %d %.300s (%v)", url, status, body, err)
			}
			for _, it := range page.Items {
				if q.query != "" && len(it.Hints) == 0 {
					b.Fatalf("GET %s lists a review without hints", url)
				}
			}
			for b.Loop() {
				mustGet(b, c, url)
			}
		})
	}
}

// pendingReviews returns the first n pending reviews, oldest first.
func pendingReviews(tb testing.TB, r *reg, n int) []*registry.Review {
	tb.Helper()
	var ids []*registry.Review
	cursor := ""
	for len(ids) < n {
		page, err := r.store.Queue(context.Background(), registry.MaxPageLimit, cursor)
		if err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return ids[:min(n, len(ids))]
}

// textFields is what the queue scans of a review.
func textFields(r *registry.Review) []hints.Field {
	var out []hints.Field
	for _, f := range registry.TextFields(r) {
		out = append(out, hints.Field{Path: f.Path, Text: f.Text})
	}
	return out
}

// largestReview is r with every free-text field at its limit, in prose
// with a few identifying details per paragraph.
func largestReview(r *registry.Review) *registry.Review {
	para := "We used it with Year 8 for a term; marking took half the time. Contact Mrs Patel at Kingsway " +
		"Primary School on 029 2087 4000 or jane.patel@kingsway.sch.uk. Pupils at Ysgol y Cymer liked it. "
	fill := func(n int) string { return strings.Repeat(para, n/len(para)+1)[:n] }
	out := *r
	out.Summary = fill(registry.MaxSummaryLength)
	out.Answers = append([]registry.Answer(nil), r.Answers...)
	for i := range out.Answers {
		out.Answers[i].Comment = fill(registry.MaxCommentLength)
	}
	out.Conflict = registry.Conflict{Declared: true, Details: fill(registry.MaxConflictLength)}
	out.Reviewer.Subject = fill(registry.MaxSubjectLength)
	return &out
}
