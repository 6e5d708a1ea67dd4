package http

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/hints"
	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/embedded/embeddedtest"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// queueItem is an item of the moderation queue as a test reads it.
type queueItem struct {
	moderatedReviewJSON
	Hints *[]hintJSON `json:"hints"`
}

// queuePage is one page of GET /api/v1/reviews.
type queuePage struct {
	Items      []queueItem `json:"items"`
	NextCursor *string     `json:"nextCursor"`
}

// queueAll lists the moderation queue with a query ("hints=true"),
// following cursors, as the moderator.
func (e *env) queueAll(t testing.TB, query string) []queueItem {
	t.Helper()
	var all []queueItem
	cursor := ""
	for range 1000 {
		var page queuePage
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?limit=7&" + query + cursor, Token: e.tokens[registry.RoleModerator]}).json(t, &page)
		for _, it := range page.Items {
			if it.Hints == nil {
				t.Fatalf("queue item %s has no hints list", it.ID)
			}
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	t.Fatal("no end to the pages")
	return nil
}

func queueIDs(items []queueItem) []string {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

// publishWith publishes a review as the moderator with a body, as read
// just before.
func (e *env) publishWith(t testing.TB, id string, body any) *response {
	t.Helper()
	return e.publishRead(t, id, e.readTag(t, id), body)
}

// publishRead publishes a review as the moderator with a body, naming the
// version read (readTag): a test that compares the store before and after
// reads it first.
func (e *env) publishRead(t testing.TB, id string, read map[string]string, body any) *response {
	t.Helper()
	return e.do(t, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: read, Body: body})
}

// identifying is a summary naming a teacher and a school.
const identifying = "I asked Mrs Patel at Ysgol Gymraeg Aberystwyth before we signed up."

func TestIdentityHints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Hinted")

	named := e.reviewBody(2)
	named["summary"] = identifying
	answers(named)[3]["comment"] = "Write to head@ysgol.example.sch.uk for the minutes."
	namedID := e.submit(t, pid, e.reviewerToken(t), named)

	cleanID := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(3))

	conflicted := e.reviewBody(1)
	conflicted["conflictOfInterest"] = map[string]any{"declared": true, "details": "I was paid for a pilot."}
	conflictID := e.submit(t, pid, e.reviewerToken(t), conflicted)

	both := e.reviewBody(4)
	both["conflictOfInterest"] = map[string]any{"declared": true, "details": "My name is Gareth Evans and I sold it."}
	bothID := e.submit(t, pid, e.reviewerToken(t), both)

	t.Run("HintsOfEachReview", func(t *testing.T) {
		byID := map[string]queueItem{}
		for _, it := range e.queueAll(t, "") {
			byID[it.ID] = it
		}
		want := []hintJSON{
			{Field: "summary", Kind: "title-name", Text: "Mrs Patel"},
			{Field: "summary", Kind: "school", Text: "Ysgol Gymraeg Aberystwyth"},
			{Field: "answers[3].comment", Kind: "email", Text: "head@ysgol.example.sch.uk"},
		}
		if got := *byID[namedID].Hints; !slices.Equal(got, want) {
			t.Errorf("hints of the review naming a teacher and a school = %+v, want %+v", got, want)
		}
		for _, id := range []string{cleanID, conflictID} {
			if got := *byID[id].Hints; len(got) != 0 {
				t.Errorf("hints of a clean review = %+v, want none", got)
			}
		}
		if got := *byID[bothID].Hints; len(got) != 1 || got[0].Field != "conflictOfInterest.details" || got[0].Kind != "my-name" {
			t.Errorf("hints of the conflict details = %+v", got)
		}
		raw := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?limit=100", Token: e.tokens[registry.RoleModerator]})
		if !strings.Contains(string(raw.Body), `"hints":[]`) {
			t.Errorf("a clean review's hints are not an empty list: %s", raw.Body)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{namedID, cleanID, conflictID, bothID}},
			{"hints=false&conflict=false", []string{namedID, cleanID, conflictID, bothID}},
			{"hints=true", []string{namedID, bothID}},
			{"conflict=true", []string{conflictID, bothID}},
			{"hints=true&conflict=true", []string{bothID}},
			{"status=pending&hints=true", []string{namedID, bothID}},
		} {
			if got := queueIDs(e.queueAll(t, tc.query)); !slices.Equal(got, tc.want) {
				t.Errorf("?%s lists %v, want %v", tc.query, got, tc.want)
			}
		}
	})
	t.Run("FilteredPaging", func(t *testing.T) {
		var p1, p2 queuePage
		mod := e.tokens[registry.RoleModerator]
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?hints=true&limit=1", Token: mod}).json(t, &p1)
		if len(p1.Items) != 1 || p1.Items[0].ID != namedID || p1.NextCursor == nil {
			t.Fatalf("page 1 = %+v", p1)
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews?hints=true&limit=1&cursor=" + *p1.NextCursor, Token: mod}).json(t, &p2)
		if len(p2.Items) != 1 || p2.Items[0].ID != bothID || p2.NextCursor != nil {
			t.Fatalf("page 2 = %+v", p2)
		}
	})
	t.Run("BadFilters", func(t *testing.T) {
		mod := e.tokens[registry.RoleModerator]
		for query, fields := range map[string][]string{
			"hints=yes":                    {"hints"},
			"conflict=1":                   {"conflict"},
			"hints=TRUE&conflict=":         {"hints"},
			"status=published&hints=maybe": {"status", "hints"},
			"hints=true&hints=false":       {"hints"},
		} {
			r := e.must(t, 422, request{Method: "GET", Path: "/api/v1/reviews?" + query, Token: mod})
			if got := r.fields(t); !slices.Equal(got, fields) {
				t.Errorf("?%s: fields %v, want %v", query, got, fields)
			}
		}
		e.must(t, 403, request{Method: "GET", Path: "/api/v1/reviews?hints=true", Token: e.tokens[registry.RoleOfficer]})
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/reviews?conflict=true"})
	})
	t.Run("HintsAreBounded", func(t *testing.T) {
		pid := e.createProduct(t, "Many Hints")
		body := e.reviewBody(1)
		var summary strings.Builder
		for i := range 40 {
			fmt.Fprintf(&summary, "Mail teacher%d@school.example.org. ", i)
		}
		body["summary"] = summary.String()
		for i, a := range answers(body) {
			a["comment"] = fmt.Sprintf("Ask Mrs Patel%c or Mr Jones%c or Dr Evans%c.", 'a'+rune(i%26), 'a'+rune(i%26), 'a'+rune(i%26))
		}
		id := e.submit(t, pid, e.reviewerToken(t), body)
		var got []hintJSON
		for _, it := range e.queueAll(t, "hints=true") {
			if it.ID == id {
				got = *it.Hints
			}
		}
		perField := map[string]int{}
		for _, h := range got {
			perField[h.Field]++
		}
		if len(got) != hints.MaxHintsPerReview || perField["summary"] != hints.MaxHintsPerField {
			t.Errorf("%d hints, %d in the summary; want %d and %d", len(got), perField["summary"], hints.MaxHintsPerReview, hints.MaxHintsPerField)
		}
	})
}

// redactionEnv is a review, pending, whose summary and fourth comment name
// people, with the sentences the tests look for.
type redactionEnv struct {
	*env
	pid, id, author  string
	summary, comment string // unique original sentences
}

func newRedactionEnv(t *testing.T, e *env, name string) *redactionEnv {
	t.Helper()
	re := &redactionEnv{env: e, pid: e.createProduct(t, name), author: e.reviewerToken(t)}
	re.summary = "Quillon Featherstonehaugh at Ysgol Bro " + strings.ReplaceAll(name, " ", "") + " wrote this review."
	re.comment = "Ask Mrs Oyelaran-" + strings.ReplaceAll(name, " ", "") + " in the maths office."
	body := e.reviewBody(2)
	body["summary"] = re.summary
	answers(body)[3]["comment"] = re.comment
	answers(body)[5]["comment"] = "Works offline."
	re.id = e.submit(t, re.pid, re.author, body)
	return re
}

// storeHolds reports whether any document of the test's database holds
// text.
func (e *env) storeHolds(t testing.TB, text string) []string {
	t.Helper()
	var where []string
	for coll, docs := range e.snapshot(t) {
		for _, d := range docs {
			if strings.Contains(d, text) {
				where = append(where, coll)
				break
			}
		}
	}
	return where
}

func TestRedactionValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	re := newRedactionEnv(t, e, "Redaction Rules")
	long := func(n int) string { return strings.Repeat("ŵ", n) }
	red := func(field, text string) map[string]any { return map[string]any{"field": field, "text": text} }
	many := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = red(fmt.Sprintf("answers[%d].comment", i), "x")
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"UnknownField", map[string]any{"redactions": []any{red("title", "x")}}, 422, []string{"redactions[0].field"}},
		{"AnswerOutOfRange", map[string]any{"redactions": []any{red("answers[32].comment", "x")}}, 422, []string{"redactions[0].field"}},
		{"NotAPath", map[string]any{"redactions": []any{red("answers[3].score", "x"), red("answers[3]", "x"), red("answers[ 3].comment", "x")}}, 422,
			[]string{"redactions[0].field", "redactions[1].field", "redactions[2].field"}},
		{"EmptyFieldOfTheReview", map[string]any{"redactions": []any{red("answers[4].comment", "x")}}, 422, []string{"redactions[0].field"}},
		{"Duplicate", map[string]any{"redactions": []any{red("summary", "A teacher."), red("answers[3].comment", "x"), red("summary", "A teacher.")}}, 422,
			[]string{"redactions[2].field"}},
		{"SummaryTooLong", map[string]any{"redactions": []any{red("summary", long(5001))}}, 422, []string{"redactions[0].text"}},
		{"CommentTooLong", map[string]any{"redactions": []any{red("answers[3].comment", long(2001))}}, 422, []string{"redactions[0].text"}},
		{"SubjectTooLong", map[string]any{"redactions": []any{red("reviewer.subject", long(101))}}, 422, []string{"redactions[0].text"}},
		{"EmptySummary", map[string]any{"redactions": []any{red("summary", "")}}, 422, []string{"redactions[0].text"}},
		{"MoreThanTheReviewsFields", map[string]any{"redactions": many(36)}, 422, []string{"redactions"}},
		{"MoreThanAnyReviewsFields", map[string]any{"redactions": many(204)}, 422, []string{"redactions"}},
		{"TextMissing", map[string]any{"redactions": []any{map[string]any{"field": "summary"}}}, 422, []string{"redactions[0].text"}},
		{"FieldMissing", map[string]any{"redactions": []any{map[string]any{"text": "x"}}}, 422, []string{"redactions[0].field"}},
		{"UnknownKey", map[string]any{"redact": []any{}}, 422, []string{"redact"}},
		{"WrongType", map[string]any{"redactions": "summary"}, 422, []string{"redactions"}},
		{"Operator", map[string]any{"redactions": []any{map[string]any{"field": "summary", "text": "x", "$set": 1}}}, 422, []string{"redactions[0].$set"}},
		{"BrokenJSON", `{"redactions": [`, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := re
			read := e.readTag(t, re.id)
			before := e.snapshot(t)
			r := e.publishRead(t, re.id, read, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.fields != nil {
				if got := r.fields(t); !slices.Equal(got, tc.fields) {
					t.Errorf("fields %v, want %v", got, tc.fields)
				}
			}
			e.unchanged(t, before, "a refused publication")
		})
	}
	t.Run("OwnReviewWithRedactions", func(t *testing.T) {
		// Nobody moderates their own review: the moderator's own, redacted
		// or not, is refused (403) before its body is judged.
		e := re
		body := e.reviewBody(3)
		body["summary"] = "A moderator's own review."
		own := e.submit(t, e.createProduct(t, "Moderator's Own"), e.tokens[registry.RoleModerator], body)
		read := e.readTag(t, own)
		before := e.snapshot(t)
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + own + "/publish", Token: e.tokens[registry.RoleModerator], Headers: read,
			Body: map[string]any{"redactions": []any{red("summary", "Redacted.")}}})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + own + "/publish", Token: e.tokens[registry.RoleModerator], Headers: read,
			Body: map[string]any{"redactions": []any{red("nope", "")}}})
		e.unchanged(t, before, "a moderator publishing their own review")
	})
	t.Run("MediaType", func(t *testing.T) {
		e := re
		read := e.readTag(t, re.id)
		before := e.snapshot(t)
		e.must(t, 415, request{Method: "POST", Path: "/api/v1/reviews/" + re.id + "/publish", Token: e.tokens[registry.RoleModerator],
			Body: `{"redactions":[]}`, Headers: map[string]string{"Content-Type": "text/plain", "If-Match": read["If-Match"]}})
		e.unchanged(t, before, "a publication in another media type")
	})
}

func TestConflictAcknowledgement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Conflicted")
	body := e.reviewBody(2)
	body["conflictOfInterest"] = map[string]any{"declared": true, "details": "I advised the vendor."}
	id := e.submit(t, pid, e.reviewerToken(t), body)
	t.Run("Refused", func(t *testing.T) {
		read := e.readTag(t, id)
		before := e.snapshot(t)
		for _, b := range []any{nil, map[string]any{}, map[string]any{"acknowledgeConflict": false}} {
			r := e.publishRead(t, id, read, b)
			if r.Status != 422 {
				t.Fatalf("body %v: status %d, want 422: %s", b, r.Status, r.Body)
			}
			if got := r.fields(t); !slices.Equal(got, []string{"acknowledgeConflict"}) {
				t.Errorf("body %v: fields %v", b, got)
			}
		}
		r := e.publishRead(t, id, read, map[string]any{"redactions": []any{map[string]any{"field": "nope", "text": "x"}}})
		if got := r.fields(t); !slices.Equal(got, []string{"acknowledgeConflict", "redactions[0].field"}) {
			t.Errorf("fields %v: every broken rule is named at once", got)
		}
		e.unchanged(t, before, "a publication without the acknowledgement")
	})
	t.Run("Acknowledged", func(t *testing.T) {
		id := e.submit(t, e.createProduct(t, "Conflicted Too"), e.reviewerToken(t), body)
		var out moderatedReviewJSON
		r := e.publishWith(t, id, map[string]any{"acknowledgeConflict": true})
		if r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		r.json(t, &out)
		if out.Status != "published" || out.Redacted != nil || !out.ConflictOfInterest.Declared {
			t.Errorf("published = %+v", out)
		}
	})
	t.Run("NoConflictNeedsNoAcknowledgement", func(t *testing.T) {
		id := e.submit(t, e.createProduct(t, "Unconflicted"), e.reviewerToken(t), e.reviewBody(3))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id)})
	})
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	re := newRedactionEnv(t, e, "Redacted Tool")
	const summary, comment = "A primary teacher's review: useful, with unclear data terms.", "Ask the maths office."
	if where := e.storeHolds(t, re.summary); len(where) == 0 {
		t.Fatal("the original summary is in no document before publication: the check below cannot fail")
	}
	// The queue shows the original, with its hints, to moderators.
	var hinted bool
	for _, it := range e.queueAll(t, "hints=true") {
		hinted = hinted || (it.ID == re.id && it.Summary == re.summary && len(*it.Hints) > 0)
	}
	if !hinted {
		t.Fatal("the review is not in the queue with its hints")
	}

	var out moderatedReviewJSON
	r := e.publishWith(t, re.id, map[string]any{"redactions": []any{
		map[string]any{"field": "answers[3].comment", "text": comment},
		map[string]any{"field": "summary", "text": summary},
		map[string]any{"field": "answers[5].comment", "text": "Works offline."}, // unchanged: no redaction
	}})
	if r.Status != 200 {
		t.Fatalf("publish: status %d: %s", r.Status, r.Body)
	}
	r.json(t, &out)
	wantRedacted := []string{"summary", "answers[3].comment"}

	t.Run("Response", func(t *testing.T) {
		if out.Status != "published" || out.Summary != summary || out.Answers[3].Comment != comment || !slices.Equal(out.Redacted, wantRedacted) {
			t.Errorf("published = %+v", out)
		}
	})
	t.Run("AuthorSeesWhichFields", func(t *testing.T) {
		e := re
		var got moderatedReviewJSON
		raw := e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + re.id, Token: re.author})
		raw.json(t, &got)
		if got.Summary != summary || got.Answers[3].Comment != comment || !slices.Equal(got.Redacted, wantRedacted) {
			t.Errorf("the author sees %+v", got)
		}
		var own moderatedReviewJSON
		for _, it := range e.ownReviews(t, re.author, "10") {
			if it.ID == re.id {
				own = it
			}
		}
		if own.Summary != summary || !slices.Equal(own.Redacted, wantRedacted) {
			t.Errorf("the author's list shows %+v", own)
		}
		// Which fields, never who: the author's view names no token, role
		// or moderator.
		var keys map[string]any
		raw.json(t, &keys)
		for k := range keys {
			if strings.Contains(strings.ToLower(k), "moderat") || strings.Contains(strings.ToLower(k), "by") {
				t.Errorf("the author's view has %q", k)
			}
		}
		for _, tok := range []string{e.tokens[registry.RoleModerator], "test moderator"} {
			if strings.Contains(string(raw.Body), tok) {
				t.Errorf("the author's view holds %q", tok)
			}
		}
	})
	t.Run("PublicSeesOnlyTheRedactedText", func(t *testing.T) {
		e := re
		listing := e.published(t, re.pid)
		if len(listing) != 1 || listing[0].Summary != summary {
			t.Fatalf("listing = %+v", listing)
		}
		var comments []string
		for _, c := range listing[0].Comments {
			comments = append(comments, c.Comment)
		}
		if !slices.Contains(comments, comment) {
			t.Errorf("listed comments %v lack the redacted one", comments)
		}
		var assessment map[string]any
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/products/" + re.pid + "/assessment"}).json(t, &assessment)
		if n, _ := assessment["reviews"].(float64); n != 1 {
			t.Errorf("the assessment counts %v reviews, want the redacted one", assessment["reviews"])
		}
		public := []string{"/api/v1/products/" + re.pid + "/reviews", "/api/v1/products/" + re.pid + "/assessment",
			"/api/v1/compare?products=" + re.pid + "," + e.createProduct(t, "Compared")}
		for _, path := range public {
			body := string(e.must(t, 200, request{Method: "GET", Path: path}).Body)
			for _, original := range []string{re.summary, re.comment} {
				if strings.Contains(body, original) {
					t.Errorf("%s holds the original %q", path, original)
				}
			}
		}
		wb := xlsxtest.Read(t, e.must(t, 200, request{Method: "GET", Path: "/api/v1/compare.xlsx?products=" + re.pid + "," + e.createProduct(t, "Compared Too")}).Body)
		seen := false
		for _, sheet := range wb.Sheets() {
			for _, row := range wb.Rows(t, sheet) {
				for _, cell := range row {
					seen = seen || cell == summary
					if strings.Contains(cell, re.summary) || strings.Contains(cell, re.comment) {
						t.Errorf("the comparison pack's %s sheet holds the original text", sheet)
					}
				}
			}
		}
		if !seen {
			t.Error("the comparison pack does not show the redacted summary")
		}
	})
	t.Run("OriginalInNoDocument", func(t *testing.T) {
		e := re
		for _, original := range []string{re.summary, re.comment} {
			if where := e.storeHolds(t, original); len(where) > 0 {
				t.Errorf("%q is still stored in %v", original, where)
			}
		}
		if where := e.storeHolds(t, `"red":["summary","answers[3].comment"]`); !slices.Equal(where, []string{"reviews"}) {
			t.Errorf("the redacted fields are recorded in %v, want the review", where)
		}
	})
	t.Run("NotAgain", func(t *testing.T) {
		e := re
		before := e.snapshot(t)
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/reviews/" + re.id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, re.id),
			Body: map[string]any{"redactions": []any{map[string]any{"field": "summary", "text": "Again."}}}})
		e.unchanged(t, before, "a second publication")
	})
	t.Run("UnredactedHasNoList", func(t *testing.T) {
		e := re
		id := e.submit(t, e.createProduct(t, "Unredacted"), e.reviewerToken(t), e.reviewBody(3))
		r := e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id)})
		var m map[string]json.RawMessage
		r.json(t, &m)
		if _, ok := m["redacted"]; ok {
			t.Errorf("a review published as written lists redactions: %s", r.Body)
		}
	})
}

// newEnvInDir is newEnv on an embedded store of its own in dir, so that a
// test can read the store's files.
func newEnvInDir(t *testing.T, dir string) *env {
	t.Helper()
	set := rubrictest.Set(t)
	db := mongodbtest.OpenDir(t, dir)
	o := mongodb.Options{Moderation: true, AdminToken: testAdminToken, Rubrics: set, Logger: mongodbtest.Logger()}
	ctx := context.Background()
	store, err := mongodb.NewStore(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, store: store, rubric: set.Default(), rubrics: set, tokens: map[string]string{registry.RoleAdmin: testAdminToken}}
	e.srv = New(Config{Store: store, Rubrics: set, Logger: mongodbtest.Logger()})
	for _, role := range []string{registry.RoleReviewer, registry.RoleOfficer, registry.RoleModerator} {
		if e.tokens[role], err = store.CreateToken(ctx, role, "test "+role); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// TestRedactedTextLeavesTheStoreFiles: the original text of a redacted
// review is in the embedded store's files while the review is pending, and
// in none of them (database files, -wal, -shm) once it is published with
// redactions; the published text is.
func TestRedactedTextLeavesTheStoreFiles(t *testing.T) {
	t.Parallel()
	if os.Getenv(mongodbtest.EnvURI) != "" {
		t.Log("the store under test is MongoDB; this test reads the embedded store's files in a directory of its own")
	}
	dir := t.TempDir()
	e := newEnvInDir(t, dir)
	re := newRedactionEnv(t, e, "Scrubbed Files")
	originals := []string{re.summary, re.comment}
	for _, text := range originals {
		if got := embeddedtest.FilesHolding(t, dir, text); len(got) == 0 {
			t.Fatalf("%q is in no file before publication: the search cannot fail", text)
		}
	}
	e.queueAll(t, "hints=true") // a moderator reads it first
	const summary = "A teacher's review, redacted for the files test."
	r := e.publishWith(t, re.id, map[string]any{"redactions": []any{
		map[string]any{"field": "summary", "text": summary},
		map[string]any{"field": "answers[3].comment", "text": "Ask the office."},
	}})
	if r.Status != 200 {
		t.Fatalf("publish: status %d: %s", r.Status, r.Body)
	}
	for _, text := range originals {
		if got := embeddedtest.FilesHolding(t, dir, text); len(got) > 0 {
			t.Errorf("%q is still in %v after publication with redactions", text, got)
		}
	}
	if got := embeddedtest.FilesHolding(t, dir, summary); len(got) == 0 {
		t.Error("the published summary is in no file: the search does not see the store's content")
	}
}
