package http

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestInvisibleCharactersCannotHideHints: a reviewer who splits a name, a
// school or a phone number with invisible characters (a zero-width space,
// a word joiner, text reversed by a bidi mark) to slip it past the
// identity-hint detector finds them gone: the text is stored plain, the
// queue shows its hints and the moderator sees what readers would.
func TestInvisibleCharactersCannotHideHints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Invisible Ink")
	body := e.reviewBody(2)
	body["summary"] = "Mrs\u200b Jones at Ysgol\u2060 Bro Teifi set it up; ring 01234\u200b 567890."
	id := e.submit(t, pid, e.tokens[registry.RoleReviewer], body)
	var found *queueItem
	for _, it := range e.queueAll(t, "hints=true") {
		if it.ID == id {
			found = &it
		}
	}
	if found == nil {
		t.Fatal("the review is not among those with identity hints")
	}
	if strings.ContainsAny(found.Summary, "\u200b\u2060") {
		t.Errorf("the summary kept its invisible characters: %q", found.Summary)
	}
	kinds := map[string]bool{}
	for _, h := range *found.Hints {
		kinds[h.Kind] = true
	}
	if len(kinds) < 2 {
		t.Errorf("hints %+v: want the name, the school and the number found", found.Hints)
	}
}

// TestSummaryOfSpaces: a summary of nothing but spaces is no summary, from
// a submission or from a moderator's redaction.
func TestSummaryOfSpaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Blank Page")
	t.Run("Submission", func(t *testing.T) {
		body := e.reviewBody(2)
		body["summary"] = "   \u200b "
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: e.reviewerToken(t), Body: body})
		if fields := r.fields(t); len(fields) != 1 || fields[0] != "summary" {
			t.Fatalf("fields %v, want summary", fields)
		}
	})
	t.Run("Redaction", func(t *testing.T) {
		id := e.submit(t, pid, e.reviewerToken(t), e.reviewBody(2))
		h := e.readTag(t, id)
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: h,
			Body: map[string]any{"redactions": []map[string]any{{"field": "summary", "text": "  "}}}})
		if fields := r.fields(t); len(fields) != 1 || fields[0] != "redactions[0].text" {
			t.Fatalf("fields %v, want redactions[0].text", fields)
		}
	})
}
