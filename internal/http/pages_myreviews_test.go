package http

import (
	"regexp"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// myReview submits a review of product by the browser's account, with a
// comment on the first criterion, and returns its id.
func (e *env) myReview(t testing.TB, b *browser, product string) string {
	t.Helper()
	body := e.reviewBody(3)
	answers(body)[0]["comment"] = "Marks fractions well, explains little."
	answers(body)[0]["evidence"] = []string{"https://evidence.example/fractions"}
	return e.submit(t, product, b.session(), body)
}

func TestMyReviewsPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	criteria := e.rubric.Criteria()

	t.Run("List", func(t *testing.T) {
		b := e.pageMember(t, "list-linnet")
		p := b.mustGet(t, 200, "/me/reviews")
		wantText(t, p, "My reviews", "You have not written a review yet")
		pid := e.createProduct(t, "Fraction Friend")
		id := e.myReview(t, b, pid)
		p = b.mustGet(t, 200, "/me/reviews")
		checkPageHeaders(t, p)
		wantText(t, p, "Your review of Fraction Friend", "Waiting for moderation", "Submitted", "View", "Edit", "Withdraw")
		for _, link := range []string{`href="/me/reviews/` + id + `"`, `href="/me/reviews/` + id + `/edit"`, `href="/me/reviews/` + id + `/withdraw"`} {
			if !strings.Contains(p.Body, link) {
				t.Errorf("no link %s", link)
			}
		}
		if !strings.Contains(p.Body, `href="/me/reviews" aria-current="page"`) {
			t.Error("my reviews is not marked as the current section")
		}
	})
	t.Run("Paged", func(t *testing.T) {
		b := e.pageMember(t, "paged-pipit")
		for i := range registry.DefaultPageLimit + 1 {
			// Published, as a reviewer may have only so many pending.
			e.publish(t, e.myReview(t, b, e.createProduct(t, "Paged Product "+string(rune('A'+i)))))
		}
		p := b.mustGet(t, 200, "/me/reviews")
		if n := strings.Count(p.Body, `class="card"`); n != registry.DefaultPageLimit {
			t.Fatalf("%d reviews on the first page", n)
		}
		m := regexp.MustCompile(`href="(/me/reviews\?cursor=[^"]+)"`).FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatal("no link to the next page")
		}
		next := b.mustGet(t, 200, strings.ReplaceAll(m[1], "&amp;", "&"))
		if n := strings.Count(next.Body, `class="card"`); n != 1 {
			t.Errorf("%d reviews on the second page", n)
		}
		wantText(t, next, "First page", "Paged Product A")
	})
	t.Run("OneReview", func(t *testing.T) {
		b := e.pageMember(t, "view-vireo")
		pid := e.createProduct(t, "Reading Robot")
		id := e.myReview(t, b, pid)
		p := b.mustGet(t, 200, "/me/reviews/"+id)
		checkPageHeaders(t, p)
		wantText(t, p, "Your review of Reading Robot", "Waiting for moderation", "Not public",
			criteria[0].Title, criteria[len(criteria)-1].Title, "Level 3: ", "Marks fractions well, explains little.",
			"Teacher", "Primary", "England", "maths", "Every week", "Recommend with conditions",
			"Useful for practice, but the data terms are unclear.", "None declared")
		if !strings.Contains(p.Body, `href="https://evidence.example/fractions" rel="noopener noreferrer nofollow"`) {
			t.Error("the evidence is not linked")
		}
	})
	t.Run("RejectedWithReasonNoModerator", func(t *testing.T) {
		b := e.pageMember(t, "reject-rook")
		e.signUp(t, registry.RoleModerator, "mod-jane-doe")
		mod := e.signIn(t, "mod-jane-doe", strongPassword)
		id := e.myReview(t, b, e.createProduct(t, "Essay Engine"))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: mod, Headers: e.readTag(t, id),
			Body: map[string]any{"reason": "It names a pupil."}})
		for _, path := range []string{"/me/reviews", "/me/reviews/" + id} {
			p := b.mustGet(t, 200, path)
			wantText(t, p, "Rejected by a moderator", "Moderator's reason", "It names a pupil.")
			noText(t, p, "mod-jane-doe", "/edit", "/withdraw")
		}
	})
	t.Run("PublishedWithRedactions", func(t *testing.T) {
		b := e.pageMember(t, "redact-raven")
		id := e.myReview(t, b, e.createProduct(t, "Quiz Quokka"))
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id),
			Body: map[string]any{"redactions": []any{map[string]any{"field": "answers[0].comment", "text": "[removed]"}}}})
		p := b.mustGet(t, 200, "/me/reviews/"+id)
		wantText(t, p, "Published", "Removed by a moderator before publication", "Comment on "+criteria[0].Title, "[removed]")
		if !strings.Contains(p.text(), "Published, and public with the product's next release") && !strings.Contains(p.text(), "Public: in the product's list") {
			t.Errorf("no standing with the public: %s", p.text())
		}
		wantText(t, b.mustGet(t, 200, "/me/reviews"), "Comment on "+criteria[0].Title)
	})
	t.Run("PendingRevision", func(t *testing.T) {
		b := e.pageMember(t, "revise-redpoll")
		id := e.myReview(t, b, e.createProduct(t, "Maths Mole"))
		e.publish(t, id)
		body := e.reviewBody(2)
		body["summary"] = "Second thoughts: the data terms are worse than I thought."
		e.must(t, 200, request{Method: "PUT", Path: "/api/v1/reviews/" + id, Token: b.session(), Body: body})
		p := b.mustGet(t, 200, "/me/reviews/"+id)
		wantText(t, p, "Your edit, waiting for moderation", "Second thoughts: the data terms are worse than I thought.", "Level 2: ",
			"Useful for practice, but the data terms are unclear.")
	})
	t.Run("SomeoneElsesIsNotFound", func(t *testing.T) {
		owner := e.pageMember(t, "owner-ouzel")
		other := e.pageMember(t, "other-oriole")
		pending := e.myReview(t, owner, e.createProduct(t, "Private Pony"))
		published := e.myReview(t, owner, e.createProduct(t, "Public Puffin"))
		e.publish(t, published)
		other.mustGet(t, 200, "/me/reviews")
		for _, id := range []string{pending, published, "no-such-review"} {
			for _, path := range []string{"/me/reviews/" + id, "/me/reviews/" + id + "/withdraw"} {
				p := other.mustGet(t, 404, path)
				checkPageHeaders(t, p)
				wantText(t, p, "Page not found")
				noText(t, p, "owner-ouzel", "Private Pony", "Public Puffin")
			}
			if p := other.post(t, "/me/reviews/"+id+"/withdraw", nil); p.Status != 404 {
				t.Errorf("withdrawing someone else's review %s: %d, want 404", id, p.Status)
			}
		}
		noText(t, other.mustGet(t, 200, "/me/reviews"), "Private Pony", "Public Puffin", "owner-ouzel")
		if s := e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews/" + pending, Token: owner.session()}); !strings.Contains(string(s.Body), `"status":"pending"`) {
			t.Errorf("the review changed: %s", s.Body)
		}
	})
	t.Run("Withdraw", func(t *testing.T) {
		b := e.pageMember(t, "withdraw-wagtail")
		id := e.myReview(t, b, e.createProduct(t, "Spelling Sparrow"))
		e.publish(t, id)
		p := b.mustGet(t, 200, "/me/reviews/"+id+"/withdraw")
		checkPageHeaders(t, p)
		wantText(t, p, "Withdraw your review of Spelling Sparrow?", "leaves the product's list of reviews now", "You cannot undo this")
		seq := e.lastAuditSeq(t)
		r := b.post(t, "/me/reviews/"+id+"/withdraw", nil)
		wantRedirect(t, r, "/me/reviews")
		e.wantAudit(t, seq, registry.AuditReviewWithdraw)
		list := b.follow(t, r)
		wantText(t, list, "Your review was withdrawn.", "Withdrawn")
		if strings.Contains(list.Body, `href="/me/reviews/`+id+`/withdraw"`) {
			t.Error("a withdrawn review offers to be withdrawn")
		}
		again := b.mustGet(t, 409, "/me/reviews/"+id+"/withdraw")
		wantText(t, again, "This review cannot be withdrawn")
		if strings.Contains(again.Body, `action="/me/reviews/`+id+`/withdraw"`) {
			t.Error("the form is offered for a withdrawn review")
		}
	})
	t.Run("WithdrawNeedsItsToken", func(t *testing.T) {
		b := e.pageMember(t, "token-thrush")
		id := e.myReview(t, b, e.createProduct(t, "Token Toucan"))
		b.mustGet(t, 200, "/me/reviews/"+id+"/withdraw")
		refusedWithoutToken(t, b, "/me/reviews/"+id+"/withdraw", nil)
		wantText(t, b.mustGet(t, 200, "/me/reviews/"+id), "Waiting for moderation")
	})
	t.Run("Welsh", func(t *testing.T) {
		b := e.pageMember(t, "welsh-wigeon")
		id := e.myReview(t, b, e.createProduct(t, "Welsh Whale"))
		b.lang = "cy"
		p := b.mustGet(t, 200, "/me/reviews")
		if !strings.Contains(p.Body, `<html lang="cy">`) {
			t.Fatal("not Welsh")
		}
		wantText(t, p, "Fy adolygiadau", "Eich adolygiad o Welsh Whale", "Yn aros am gymedroli")
		wantText(t, b.mustGet(t, 200, "/me/reviews/"+id), "Eich atebion", "Lefel 3: ", "Athro", "Cynradd", "Lloegr", "Bob wythnos", "Argymell gydag amodau")
		wantText(t, b.mustGet(t, 200, "/me/reviews/"+id+"/withdraw"), "Tynnu eich adolygiad o Welsh Whale yn ôl?", "Tynnu fy adolygiad yn ôl")
	})
}
