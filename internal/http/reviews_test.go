package http

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestSubmitReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Review Target")
	path := "/api/v1/products/" + pid + "/reviews"
	crit := e.rubric.Criteria()
	// Criteria with particular policies, found in the rubric rather than
	// hard-coded, so the test follows the rubric.
	var noUnknown, noNA, allowsNA, allowsUnknown = -1, -1, -1, -1
	for i, c := range crit {
		if c.Unknown == registry.UnknownNone && noUnknown < 0 {
			noUnknown = i
		}
		if c.Unknown != registry.UnknownNone && allowsUnknown < 0 {
			allowsUnknown = i
		}
		if !c.NotApplicable && noNA < 0 {
			noNA = i
		}
		if c.NotApplicable && allowsNA < 0 {
			allowsNA = i
		}
	}

	t.Run("OK", func(t *testing.T) {
		body := e.reviewBody(3)
		if allowsUnknown >= 0 {
			answers(body)[allowsUnknown] = map[string]any{"criterion": crit[allowsUnknown].ID, "unknown": true}
		}
		if allowsNA >= 0 && allowsNA != allowsUnknown {
			answers(body)[allowsNA] = map[string]any{"criterion": crit[allowsNA].ID, "na": true, "comment": "We do not use this part.", "evidence": []string{"https://example.org/policy"}}
		}
		r := e.must(t, 201, request{Method: "POST", Path: path, Token: e.tokens[registry.RoleReviewer], Body: body})
		var out submittedJSON
		r.json(t, &out)
		if out.Status != "pending" || out.ProductID != pid || out.RubricID != e.rubric.ID || out.RubricVersion != e.rubric.Version || len(out.ID) < 16 {
			t.Fatalf("receipt = %+v", out)
		}
	})
	t.Run("SecondActiveReview", func(t *testing.T) {
		tok := e.reviewerToken(t)
		e.submit(t, pid, tok, e.reviewBody(3))
		before := e.snapshot(t)
		e.must(t, 409, request{Method: "POST", Path: path, Token: tok, Body: e.reviewBody(2)}).problem(t)
		e.unchanged(t, before, "a second active review")
	})
	t.Run("AnyRoleMaySubmit", func(t *testing.T) {
		e.must(t, 201, request{Method: "POST", Path: path, Token: e.tokens[registry.RoleModerator], Body: e.reviewBody(2)})
	})
	t.Run("NoToken", func(t *testing.T) {
		e.must(t, 401, request{Method: "POST", Path: path, Body: e.reviewBody(2)})
	})
	t.Run("UnknownProduct", func(t *testing.T) {
		e.must(t, 404, request{Method: "POST", Path: "/api/v1/products/nope/reviews", Token: e.reviewerToken(t), Body: e.reviewBody(2)})
	})
	t.Run("BrokenJSON", func(t *testing.T) {
		e.must(t, 400, request{Method: "POST", Path: path, Token: e.reviewerToken(t), Body: `{"answers": [}`})
	})

	long := strings.Repeat("é", registry.MaxCommentLength+1)
	invalid := []struct {
		name   string
		edit   func(b map[string]any)
		fields []string
	}{
		{"ScoreTooHigh", func(b map[string]any) { answers(b)[3]["score"] = 5 }, []string{"answers[3].score"}},
		{"ScoreNegative", func(b map[string]any) { answers(b)[0]["score"] = -1 }, []string{"answers[0].score"}},
		{"ScoreNotInteger", func(b map[string]any) { answers(b)[2]["score"] = 2.5 }, []string{"answers[2].score"}},
		{"ScoreAsDecimal", func(b map[string]any) { answers(b)[2]["score"] = json.Number("4.0") }, []string{"answers[2].score"}},
		{"ScoreAsString", func(b map[string]any) { answers(b)[2]["score"] = "3" }, []string{"answers[2].score"}},
		{"MissingCriterion", func(b map[string]any) { b["answers"] = answers(b)[1:] }, []string{"answers"}},
		{"DuplicateCriterion", func(b map[string]any) {
			as := answers(b)
			as[1] = map[string]any{"criterion": as[0]["criterion"], "score": 2}
		}, []string{"answers[1].criterion", "answers"}},
		{"UnknownCriterion", func(b map[string]any) { answers(b)[0]["criterion"] = "pedagogy.nonsense" }, []string{"answers[0].criterion", "answers"}},
		{"ScoreAndUnknown", func(b map[string]any) { answers(b)[allowsUnknown]["unknown"] = true }, []string{"answers[" + itoa(allowsUnknown) + "]"}},
		{"NoAnswer", func(b map[string]any) { answers(b)[0] = map[string]any{"criterion": answers(b)[0]["criterion"]} }, []string{"answers[0]"}},
		{"CommentTooLong", func(b map[string]any) { answers(b)[0]["comment"] = long }, []string{"answers[0].comment"}},
		{"TooManyLinks", func(b map[string]any) {
			answers(b)[0]["evidence"] = []string{"https://a.example", "https://b.example", "https://c.example", "https://d.example", "https://e.example", "https://f.example"}
		}, []string{"answers[0].evidence"}},
		{"LinkNotHTTP", func(b map[string]any) {
			answers(b)[0]["evidence"] = []string{"https://ok.example", "ftp://files.example/x"}
		}, []string{"answers[0].evidence[1]"}},
		{"JavascriptLink", func(b map[string]any) { answers(b)[0]["evidence"] = []string{"javascript:alert(1)"} }, []string{"answers[0].evidence[0]"}},
		{"BadRole", func(b map[string]any) { b["reviewer"].(map[string]any)["role"] = "headmaster" }, []string{"reviewer.role"}},
		{"BadPhase", func(b map[string]any) { b["reviewer"].(map[string]any)["phase"] = "nursery" }, []string{"reviewer.phase"}},
		{"BadNation", func(b map[string]any) { b["reviewer"].(map[string]any)["nation"] = "france" }, []string{"reviewer.nation"}},
		{"BadSetting", func(b map[string]any) { b["reviewer"].(map[string]any)["setting"] = "garage" }, []string{"reviewer.setting"}},
		{"MissingReviewer", func(b map[string]any) { delete(b, "reviewer") }, []string{"reviewer"}},
		{"MonthsTooMany", func(b map[string]any) { b["usage"].(map[string]any)["months"] = 241 }, []string{"usage.months"}},
		{"MonthsNegative", func(b map[string]any) { b["usage"].(map[string]any)["months"] = -1 }, []string{"usage.months"}},
		{"MonthsMissing", func(b map[string]any) { delete(b["usage"].(map[string]any), "months") }, []string{"usage.months"}},
		{"BadFrequency", func(b map[string]any) { b["usage"].(map[string]any)["frequency"] = "hourly" }, []string{"usage.frequency"}},
		{"BadRecommendation", func(b map[string]any) { b["recommendation"] = "maybe" }, []string{"recommendation"}},
		{"MissingSummary", func(b map[string]any) { delete(b, "summary") }, []string{"summary"}},
		{"MissingConflict", func(b map[string]any) { delete(b, "conflictOfInterest") }, []string{"conflictOfInterest"}},
		{"ConflictWithoutDeclared", func(b map[string]any) { b["conflictOfInterest"] = map[string]any{"details": "x"} }, []string{"conflictOfInterest.declared"}},
		{"UnknownRubricVersion", func(b map[string]any) { b["rubricVersion"] = 99 }, []string{"rubricVersion"}},
		{"UnknownRubric", func(b map[string]any) { b["rubricId"] = "other" }, []string{"rubricId"}},
		{"UnknownField", func(b map[string]any) { b["reviewerName"] = "Ms Smith" }, []string{"reviewerName"}},
		{"OperatorInAnswer", func(b map[string]any) { answers(b)[0]["score"] = map[string]any{"$gt": 0} }, []string{"answers[0].score"}},
		{"OperatorKeyInReviewer", func(b map[string]any) { b["reviewer"].(map[string]any)["$where"] = "1" }, []string{"reviewer.$where"}},
		{"OperatorAsCriterion", func(b map[string]any) { answers(b)[0]["criterion"] = map[string]any{"$ne": ""} }, []string{"answers[0].criterion"}},
	}
	if noUnknown >= 0 {
		invalid = append(invalid, struct {
			name   string
			edit   func(b map[string]any)
			fields []string
		}{"UnknownNotAllowed", func(b map[string]any) {
			answers(b)[noUnknown] = map[string]any{"criterion": crit[noUnknown].ID, "unknown": true}
		}, []string{"answers[" + itoa(noUnknown) + "].unknown"}})
	}
	if noNA >= 0 {
		invalid = append(invalid, struct {
			name   string
			edit   func(b map[string]any)
			fields []string
		}{"NANotAllowed", func(b map[string]any) {
			answers(b)[noNA] = map[string]any{"criterion": crit[noNA].ID, "na": true}
		}, []string{"answers[" + itoa(noNA) + "].na"}})
	}
	for _, tc := range invalid {
		t.Run("Invalid/"+tc.name, func(t *testing.T) {
			body := e.reviewBody(2)
			tc.edit(body)
			tok := e.reviewerToken(t)
			before := e.snapshot(t)
			r := e.must(t, 422, request{Method: "POST", Path: path, Token: tok, Body: body})
			if got := r.fields(t); !slices.Equal(got, tc.fields) {
				t.Errorf("fields = %v, want %v", got, tc.fields)
			}
			e.unchanged(t, before, tc.name)
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestSubmitReviewIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Idem")
	other := e.createProduct(t, "Idem Other")
	tok := e.reviewerToken(t)
	key := map[string]string{"Idempotency-Key": "key-1"}
	body := e.reviewBody(3)

	var first, again submittedJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: tok, Body: body, Headers: key}).json(t, &first)
	before := e.snapshot(t)
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: tok, Body: body, Headers: key}).json(t, &again)
	e.unchanged(t, before, "an idempotent retry")
	if again != first {
		t.Fatalf("retry = %+v, first = %+v", again, first)
	}
	t.Run("SameKeyOtherBody", func(t *testing.T) {
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: tok, Body: e.reviewBody(1), Headers: key})
		if got := r.fields(t); !slices.Equal(got, []string{"Idempotency-Key"}) {
			t.Errorf("fields = %v", got)
		}
		e.unchanged(t, before, "a reused key")
	})
	t.Run("SameKeyOtherProduct", func(t *testing.T) {
		e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + other + "/reviews", Token: tok, Body: body, Headers: key})
		e.unchanged(t, before, "a reused key on another product")
	})
	t.Run("SameKeyOtherReviewer", func(t *testing.T) {
		var out submittedJSON
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: e.reviewerToken(t), Body: body, Headers: key}).json(t, &out)
		if out.ID == first.ID {
			t.Fatal("another reviewer's key returned the first reviewer's review")
		}
	})
	t.Run("KeyTooLong", func(t *testing.T) {
		e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: e.reviewerToken(t), Body: body,
			Headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}})

	})
}

func TestModeration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Moderated")
	mod := e.tokens[registry.RoleModerator]
	author := e.reviewerToken(t)
	conflicted := e.reviewBody(1)
	conflicted["conflictOfInterest"] = map[string]any{"declared": true, "details": "I advised the vendor in 2025."}
	a := e.submit(t, pid, author, e.reviewBody(3))
	b := e.submit(t, pid, e.reviewerToken(t), conflicted)
	c := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(2))

	queue := func(t testing.TB, token string) []moderatedReviewJSON {
		var out struct {
			Items []moderatedReviewJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?status=pending", Token: token}).json(t, &out)
		return out.Items
	}
	t.Run("Queue", func(t *testing.T) {
		items := queue(t, mod)
		if len(items) != 3 || items[0].ID != a || items[1].ID != b || items[2].ID != c {
			t.Fatalf("queue = %v", items)
		}
		if !items[1].ConflictOfInterest.Declared || items[1].ConflictOfInterest.Details == "" {
			t.Errorf("conflict of interest not shown to the moderator: %+v", items[1].ConflictOfInterest)
		}
		if items[0].Reviewer.Subject != "maths" {
			t.Errorf("moderator sees reviewer %+v", items[0].Reviewer)
		}
	})
	t.Run("QueuePaging", func(t *testing.T) {
		var p1, p2 struct {
			Items      []moderatedReviewJSON `json:"items"`
			NextCursor *string               `json:"nextCursor"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?limit=2", Token: mod}).json(t, &p1)
		if len(p1.Items) != 2 || p1.NextCursor == nil {
			t.Fatalf("page 1 = %+v", p1)
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?limit=2&cursor=" + *p1.NextCursor, Token: mod}).json(t, &p2)
		if len(p2.Items) != 1 || p2.Items[0].ID != c || p2.NextCursor != nil {
			t.Fatalf("page 2 = %+v", p2)
		}
	})
	t.Run("QueueForbidden", func(t *testing.T) {
		e.must(t, 403, request{Method: "GET", Path: "/api/v1/reviews?status=pending", Token: e.tokens[registry.RoleOfficer]})
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/reviews?status=pending"})
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/reviews?status=published", Token: mod})
	})
	t.Run("NothingPublicWhilePending", func(t *testing.T) {
		if n := len(e.published(t, pid)); n != 0 {
			t.Fatalf("%d pending reviews are public", n)
		}
	})
	t.Run("PublishForbidden", func(t *testing.T) {
		before := e.snapshot(t)
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + a + "/publish", Token: author, Headers: e.readTag(t, a)})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + a + "/reject", Token: e.tokens[registry.RoleOfficer], Headers: e.readTag(t, a), Body: map[string]string{"reason": "x"}})
		e.unchanged(t, before, "forbidden transitions")
	})
	// own gives a subtest that moves a review through its states a product
	// and a pending review of its own, with the author's token.
	own := func(t *testing.T, name string) (pid, author, id string) {
		t.Helper()
		pid = e.createProduct(t, name)
		author = e.reviewerToken(t)
		return pid, author, e.submit(t, pid, author, e.reviewBody(3))
	}
	t.Run("Publish", func(t *testing.T) {
		pid, _, id := own(t, "Publish")
		var out moderatedReviewJSON
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: e.readTag(t, id)}).json(t, &out)
		if out.Status != "published" || out.PublishedAt == nil {
			t.Fatalf("published = %+v", out)
		}
		if n := len(e.published(t, pid)); n != 1 {
			t.Fatalf("%d published reviews listed, want 1", n)
		}
	})
	t.Run("RetriedPublishChangesNothing", func(t *testing.T) {
		_, _, id := own(t, "Retried Publish")
		e.publish(t, id)
		before := e.snapshot(t)
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: e.readTag(t, id)}).problem(t)
		e.unchanged(t, before, "a retried publish")
	})
	t.Run("RejectNeedsReason", func(t *testing.T) {
		before := e.snapshot(t)
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/reviews/" + b + "/reject", Token: mod, Headers: e.readTag(t, b), Body: map[string]string{}})
		if got := r.fields(t); !slices.Equal(got, []string{"reason"}) {
			t.Errorf("fields = %v", got)
		}
		e.unchanged(t, before, "a reject without reason")
	})
	t.Run("Reject", func(t *testing.T) {
		_, _, id := own(t, "Reject")
		var out moderatedReviewJSON
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod, Headers: e.readTag(t, id), Body: map[string]string{"reason": "Undeclared commercial interest."}}).json(t, &out)
		if out.Status != "rejected" || out.RejectReason == "" {
			t.Fatalf("rejected = %+v", out)
		}
		before := e.snapshot(t)
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod, Headers: e.readTag(t, id), Body: map[string]string{"reason": "again"}})
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: e.readTag(t, id)})
		e.unchanged(t, before, "transitions out of rejected")
	})
	t.Run("WithdrawByOtherForbidden", func(t *testing.T) {
		_, _, id := own(t, "Withdraw By Other")
		e.publish(t, id)
		other := e.reviewerToken(t)
		before := e.snapshot(t)
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: other})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: mod})
		e.unchanged(t, before, "a withdrawal by someone else")
	})
	t.Run("WithdrawPublished", func(t *testing.T) {
		pid, author, id := own(t, "Withdraw Published")
		e.publish(t, id)
		var out moderatedReviewJSON
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: author}).json(t, &out)
		if out.Status != "withdrawn" {
			t.Fatalf("withdrawn = %+v", out)
		}
		if n := len(e.published(t, pid)); n != 0 {
			t.Fatalf("%d reviews listed after withdrawal", n)
		}
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: author})
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mod, Headers: e.readTag(t, id)})
	})
	t.Run("NewReviewAfterWithdrawal", func(t *testing.T) {
		pid, author, id := own(t, "Reviewed Again")
		e.publish(t, id)
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: author})
		e.submit(t, pid, author, e.reviewBody(4))
	})
	t.Run("PublishedThenRejected", func(t *testing.T) {
		pid, _, id := own(t, "Taken Down")
		e.publish(t, id)
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod, Headers: e.readTag(t, id), Body: map[string]string{"reason": "Taken down after a complaint."}})
		if n := len(e.published(t, pid)); n != 0 {
			t.Fatalf("%d reviews listed after a take-down", n)
		}
	})
	t.Run("WithdrawPending", func(t *testing.T) {
		tok := e.reviewerToken(t)
		id := e.submit(t, pid, tok, e.reviewBody(2))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: tok})
		for _, it := range queue(t, mod) {
			if it.ID == id {
				t.Fatal("a withdrawn review is still in the queue")
			}
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		e.must(t, 404, request{Method: "POST", Path: "/api/v1/reviews/nope/publish", Token: mod})
		e.must(t, 404, request{Method: "POST", Path: "/api/v1/reviews/nope/withdraw", Token: author})
	})
}

// published lists every published review of a product, following cursors.
func (e *env) published(t testing.TB, pid string) []publicReviewJSON {
	t.Helper()
	var all []publicReviewJSON
	cursor := ""
	for range 1000 {
		var page struct {
			Items      []publicReviewJSON `json:"items"`
			NextCursor *string            `json:"nextCursor"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/reviews?limit=7" + cursor}).json(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	t.Fatal("no end to the pages")
	return nil
}

// TestPublicEntry checks what a public listing entry holds: its summary,
// its comments with their criteria, its recommendation, its release month
// and its id, and nothing else — no scores, no reviewer context, no usage,
// no evidence links, no conflict details, no exact dates.
func TestPublicEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, moderationOff)
	pid := e.createProduct(t, "Entry")
	body := e.reviewBody(3)
	body["reviewer"] = map[string]any{"role": "specialist", "phase": "special", "nation": "wales", "subject": "history", "setting": "academy"}
	body["conflictOfInterest"] = map[string]any{"declared": true, "details": "I piloted it for the vendor"}
	as := answers(body)
	as[0]["comment"] = "Marking suggestions ignore the mark scheme."
	as[0]["evidence"] = []string{"https://intranet.school.example/minutes"}
	as[2]["comment"] = "No way to switch off the chatbot."
	id := e.submit(t, pid, e.reviewerToken(t), body)

	r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + pid + "/reviews"})
	var page struct {
		Items []map[string]any `json:"items"`
	}
	r.json(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("%d entries listed, want 1", len(page.Items))
	}
	var keys []string
	for k := range page.Items[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"comments", "id", "month", "recommendation", "summary"}; !slices.Equal(keys, want) {
		t.Errorf("a public entry has the fields %v, want exactly %v", keys, want)
	}
	var entry publicReviewJSON
	b, _ := json.Marshal(page.Items[0])
	if err := json.Unmarshal(b, &entry); err != nil {
		t.Fatal(err)
	}
	want := []commentJSON{{Criterion: e.rubric.Criteria()[0].ID, Comment: "Marking suggestions ignore the mark scheme."},
		{Criterion: e.rubric.Criteria()[2].ID, Comment: "No way to switch off the chatbot."}}
	if entry.ID != id || entry.Summary != body["summary"] || entry.Recommendation != "conditional" || !slices.Equal(entry.Comments, want) {
		t.Errorf("entry = %+v, want id %s, the summary, conditional and comments %v", entry, id, want)
	}
	if entry.Month != time.Now().UTC().Format("2006-01") {
		t.Errorf("month = %q, want the release's month", entry.Month)
	}
	for _, leak := range []string{"specialist", "wales", "history", "academy", "vendor", "intranet", `"score"`, "weekly", "createdAt"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("the public listing contains %q: %s", leak, r.Body)
		}
	}
	t.Run("UnknownProduct", func(t *testing.T) {
		e.must(t, 404, request{Method: "GET", Path: "/api/v1/products/nope/reviews"})
	})
	t.Run("BadCursor", func(t *testing.T) {
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/products/" + pid + "/reviews?cursor=zz"})
	})
}
