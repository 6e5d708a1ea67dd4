package http

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// auditPageJSON is a page of GET /api/v1/audit as a client reads it.
type auditPageJSON struct {
	Items      []auditEntryJSON `json:"items"`
	NextCursor *string          `json:"nextCursor"`
}

// auditLog pages through the audit log as the admin with query (such as
// "action=review.publish") and returns every entry, newest first.
func (e *env) auditLog(t testing.TB, query string) []auditEntryJSON {
	t.Helper()
	var out []auditEntryJSON
	cursor := ""
	for range 1000 {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var page auditPageJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?limit=100&" + q, Token: testAdminToken}).json(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
	t.Fatal("the audit log does not end")
	return nil
}

// lastAuditSeq is the position of the newest entry, 0 for none.
func (e *env) lastAuditSeq(t testing.TB) int64 {
	t.Helper()
	var page auditPageJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?limit=1", Token: testAdminToken}).json(t, &page)
	if len(page.Items) == 0 {
		return 0
	}
	return page.Items[0].Seq
}

// auditSince returns the entries written after position seq.
func (e *env) auditSince(t testing.TB, seq int64) []auditEntryJSON {
	t.Helper()
	var out []auditEntryJSON
	for _, en := range e.auditLog(t, "") {
		if en.Seq > seq {
			out = append(out, en)
		}
	}
	return out
}

// reviewerRef is the reviewer reference of a token or session.
func (e *env) reviewerRef(t testing.TB, secret string) string {
	t.Helper()
	p, err := e.store.Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return p.ReviewerRef
}

// TestAuditEntries: each audited action writes exactly one entry, with the
// actor, target and detail it should have, after the change succeeded.
func TestAuditEntries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	reviewerTok := e.tokens[registry.RoleReviewer]
	officer := auditActorJSON{Role: registry.RoleOfficer, Kind: registry.CredentialToken}
	moderator := auditActorJSON{Role: registry.RoleModerator, Kind: registry.CredentialToken}
	admin := auditActorJSON{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	reviewerAccount := auditActorJSON{Role: registry.RoleReviewer}
	// author is a review's author: a pseudonym of their reference for the
	// review, which the check below takes from the entry once it has seen
	// that it is one (32 hex digits, not the reference).
	author := func(t testing.TB, secret string) auditActorJSON {
		return auditActorJSON{Role: registry.RoleReviewer, Reviewer: "pseudonym-of:" + e.reviewerRef(t, secret)}
	}
	// pending submits a review by a new reviewer token; declared says
	// whether it declares a conflict of interest.
	pending := func(t testing.TB, pid string, declared bool) (id, token string) {
		token = e.reviewerToken(t)
		body := e.reviewBody(3)
		body["summary"] = "Marked by Mrs Example at Ysgol Enghraifft, which is useful."
		if declared {
			body["conflictOfInterest"] = map[string]any{"declared": true, "details": "I ran a pilot."}
		}
		return e.submit(t, pid, token, body), token
	}
	type want struct {
		actor  auditActorJSON
		action registry.AuditAction
		target string
		detail map[string]any
	}
	// before is the newest entry before a case's request (mark, called by
	// each case after its setup).
	var before int64
	mark := func(t testing.TB) { before = e.lastAuditSeq(t) }
	cases := []struct {
		name   string
		action registry.AuditAction
		do     func(t *testing.T) want
	}{
		{"ProductCreate", registry.AuditProductCreate, func(t *testing.T) want {
			mark(t)
			pid := e.createProduct(t, "Audit Create")
			return want{officer, registry.AuditProductCreate, "product:" + pid, map[string]any{}}
		}},
		{"ProductUpdate", registry.AuditProductUpdate, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Update")
			mark(t)
			e.must(t, 200, request{Method: "PATCH", Path: "/api/v1/products/" + pid, Token: e.tokens[registry.RoleOfficer],
				Headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"},
				Body:    map[string]any{"vendor": "Other Vendor (fictional)", "name": "Audit Updated"}})
			return want{officer, registry.AuditProductUpdate, "product:" + pid, map[string]any{"fields": []any{"name", "vendor"}, "revision": float64(2)}}
		}},
		{"ReviewSubmit", registry.AuditReviewSubmit, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Submit")
			mark(t)
			id := e.submit(t, pid, reviewerTok, e.reviewBody(2))
			return want{author(t, reviewerTok), registry.AuditReviewSubmit, "review:" + id, map[string]any{"product": pid, "status": "pending"}}
		}},
		{"ReviewImport", registry.AuditReviewImport, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Import")
			form := e.downloadForm(t, e.rubric.ID, "?product="+pid)
			in, _ := formSample(e.rubric)
			tok := e.reviewerToken(t)
			var receipt submittedJSON
			mark(t)
			e.importForm(t, pid, tok, xlsxtest.FillWithExcelize(t, form, xlsxtest.LocateForm(t, form).Cells(t, in)), nil).json(t, &receipt)
			return want{author(t, tok), registry.AuditReviewImport, "review:" + receipt.ID, map[string]any{"product": pid, "status": "pending"}}
		}},
		{"ReviewPublish", registry.AuditReviewPublish, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Publish")
			id, _ := pending(t, pid, true)
			mark(t)
			e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id),
				Body: map[string]any{"acknowledgeConflict": true, "redactions": []map[string]any{{"field": "summary", "text": "[name removed] found it useful."}}}})
			return want{moderator, registry.AuditReviewPublish, "review:" + id, map[string]any{"product": pid,
				"redactedFields": []any{"summary"}, "conflictDeclared": true, "conflictAcknowledged": true}}
		}},
		{"ReviewReject", registry.AuditReviewReject, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Reject")
			id, _ := pending(t, pid, false)
			mark(t)
			e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id),
				Body: map[string]any{"reason": "Names a colleague."}})
			return want{moderator, registry.AuditReviewReject, "review:" + id, map[string]any{"product": pid, "reason": "Names a colleague."}}
		}},
		{"ReviewRejectLongestReason", registry.AuditReviewReject, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Reject Long")
			id, _ := pending(t, pid, false)
			reason := strings.Repeat("\U0001F600", registry.MaxReasonLength) // 4 bytes each
			mark(t)
			e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id),
				Body: map[string]any{"reason": reason}})
			return want{moderator, registry.AuditReviewReject, "review:" + id, map[string]any{"product": pid, "reason": reason}}
		}},
		{"ReviewWithdraw", registry.AuditReviewWithdraw, func(t *testing.T) want {
			pid := e.createProduct(t, "Audit Withdraw")
			id, tok := pending(t, pid, false)
			mark(t)
			e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/withdraw", Token: tok})
			return want{author(t, tok), registry.AuditReviewWithdraw, "review:" + id, map[string]any{"product": pid}}
		}},
		{"AdminTokenCreateReviewer", registry.AuditTokenCreate, func(t *testing.T) want {
			mark(t)
			e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]any{"role": "reviewer", "name": "Jane Example's laptop"}})
			return want{admin, registry.AuditTokenCreate, "token", map[string]any{"role": "reviewer"}}
		}},
		{"AdminTokenCreateStaff", registry.AuditTokenCreate, func(t *testing.T) want {
			mark(t)
			e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]any{"role": "moderator", "name": "queue bot"}})
			return want{admin, registry.AuditTokenCreate, "token", map[string]any{"role": "moderator", "name": "queue bot"}}
		}},
		{"AdminTokenRevoke", registry.AuditTokenRevoke, func(t *testing.T) want {
			session := e.signIn(t, e.signUp(t, registry.RoleReviewer, "audit-revoked"), strongPassword)
			_, id := e.personalToken(t, session, "to revoke")
			mark(t)
			e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/tokens/" + id, Token: testAdminToken})
			return want{admin, registry.AuditTokenRevoke, "token:" + id, map[string]any{}}
		}},
		{"InvitationCreate", registry.AuditInvitationCreate, func(t *testing.T) want {
			mark(t)
			_, id := e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 3, "expiresInDays": 10, "note": "for Jane Example"})
			return want{officer, registry.AuditInvitationCreate, "invitation:" + id, map[string]any{"role": "reviewer", "uses": float64(3), "expiresInDays": float64(10)}}
		}},
		{"InvitationRevoke", registry.AuditInvitationRevoke, func(t *testing.T) want {
			_, id := e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 1, "expiresInDays": 1})
			mark(t)
			e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/invitations/" + id, Token: e.tokens[registry.RoleOfficer]})
			return want{officer, registry.AuditInvitationRevoke, "invitation:" + id, map[string]any{}}
		}},
		{"AccountCreateReviewer", registry.AuditAccountCreate, func(t *testing.T) want {
			code, _ := e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 1, "expiresInDays": 1})
			mark(t)
			e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": "audit-new-rev", "password": strongPassword}})
			return want{reviewerAccount, registry.AuditAccountCreate, "account", map[string]any{"role": "reviewer"}}
		}},
		{"AccountCreateStaff", registry.AuditAccountCreate, func(t *testing.T) want {
			code, _ := e.invite(t, testAdminToken, map[string]any{"role": "moderator", "uses": 1, "expiresInDays": 1})
			mark(t)
			e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code, "handle": "Audit-Mod", "password": strongPassword}})
			return want{auditActorJSON{Role: registry.RoleModerator, Handle: "Audit-Mod"}, registry.AuditAccountCreate, "account:Audit-Mod", map[string]any{"role": "moderator"}}
		}},
		{"SessionCreateReviewer", registry.AuditSessionCreate, func(t *testing.T) want {
			h := e.signUp(t, registry.RoleReviewer, "audit-signin")
			mark(t)
			e.signIn(t, h, strongPassword)
			return want{reviewerAccount, registry.AuditSessionCreate, "account", map[string]any{}}
		}},
		{"SessionCreateStaff", registry.AuditSessionCreate, func(t *testing.T) want {
			h := e.signUp(t, registry.RoleOfficer, "audit-officer")
			mark(t)
			e.signIn(t, h, strongPassword)
			return want{auditActorJSON{Role: registry.RoleOfficer, Handle: h}, registry.AuditSessionCreate, "account:" + h, map[string]any{}}
		}},
		{"SessionDelete", registry.AuditSessionDelete, func(t *testing.T) want {
			h := e.signUp(t, registry.RoleAdmin, "audit-admin")
			s := e.signIn(t, h, strongPassword)
			mark(t)
			e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/sessions/current", Token: s})
			return want{auditActorJSON{Role: registry.RoleAdmin, Handle: h}, registry.AuditSessionDelete, "account:" + h, map[string]any{}}
		}},
		{"PasswordChange", registry.AuditPasswordChange, func(t *testing.T) want {
			s := e.signIn(t, e.signUp(t, registry.RoleReviewer, "audit-pw"), strongPassword)
			mark(t)
			e.must(t, 204, request{Method: "PUT", Path: "/api/v1/me/password", Token: s, Body: map[string]any{"current": strongPassword, "new": "another long passphrase 42"}})
			return want{reviewerAccount, registry.AuditPasswordChange, "account", map[string]any{}}
		}},
		{"PersonalTokenReviewer", registry.AuditTokenCreate, func(t *testing.T) want {
			s := e.signIn(t, e.signUp(t, registry.RoleReviewer, "audit-pt"), strongPassword)
			mark(t)
			e.personalToken(t, s, "Jane Example phone")
			return want{reviewerAccount, registry.AuditTokenCreate, "token", map[string]any{}}
		}},
		{"PersonalTokenStaff", registry.AuditTokenCreate, func(t *testing.T) want {
			h := e.signUp(t, registry.RoleModerator, "audit-pt-mod")
			session := e.signIn(t, h, strongPassword)
			mark(t)
			_, id := e.personalToken(t, session, "laptop")
			return want{auditActorJSON{Role: registry.RoleModerator, Handle: h}, registry.AuditTokenCreate, "token:" + id, map[string]any{"name": "laptop"}}
		}},
		{"PersonalTokenRevokeReviewer", registry.AuditTokenRevoke, func(t *testing.T) want {
			s := e.signIn(t, e.signUp(t, registry.RoleReviewer, "audit-ptr"), strongPassword)
			_, id := e.personalToken(t, s, "old")
			mark(t)
			e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id, Token: s})
			return want{reviewerAccount, registry.AuditTokenRevoke, "token", map[string]any{}}
		}},
	}
	seen := map[registry.AuditAction]bool{}
	for _, c := range cases {
		seen[c.action] = true
		t.Run(c.name, func(t *testing.T) {
			before = -1
			w := c.do(t)
			if before < 0 {
				t.Fatal("the case did not mark where its request begins")
			}
			if w.action != c.action {
				t.Fatalf("case of %s wrote %s", c.action, w.action)
			}
			got := e.auditSince(t, before)
			if len(got) != 1 {
				t.Fatalf("the request wrote %d entries, want 1: %+v", len(got), got)
			}
			en := got[0]
			if ref, ok := strings.CutPrefix(w.actor.Reviewer, "pseudonym-of:"); ok {
				if _, err := hex.DecodeString(en.Actor.Reviewer); err != nil || len(en.Actor.Reviewer) != 32 || en.Actor.Reviewer == ref {
					t.Errorf("the author is named %q; want a pseudonym, not the reference %q", en.Actor.Reviewer, ref)
				}
				w.actor.Reviewer = en.Actor.Reviewer
			}
			if en.Actor != w.actor || en.Action != string(w.action) || en.Target != w.target || fmt.Sprint(en.Detail) != fmt.Sprint(w.detail) {
				t.Errorf("entry %+v\nwant actor %+v action %s target %s detail %v", en, w.actor, w.action, w.target, w.detail)
			}
			if en.Time.IsZero() || en.Seq != before+1 {
				t.Errorf("entry at %d, time %v; want %d and a time", en.Seq, en.Time, before+1)
			}
			if strings.Contains(w.target, ":") {
				if n := len(e.auditLog(t, "action="+string(w.action)+"&target="+url.QueryEscape(w.target))); n != 1 {
					t.Errorf("%d entries of %s about %s, want 1", n, w.action, w.target)
				}
			}
		})
	}
	for _, a := range registry.AuditActions {
		if !seen[a] && a != registry.AuditReviewRevise && a != registry.AuditAccountDelete {
			t.Errorf("no case writes %s", a)
		}
	}
}

// TestAuditListing: the log is for admins only; its filters narrow it; its
// limit and cursor are checked and name the field at fault.
func TestAuditListing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pids []string
	for i := range 3 {
		pids = append(pids, e.createProduct(t, fmt.Sprintf("Audit List %d", i)))
	}
	e.must(t, 200, request{Method: "PATCH", Path: "/api/v1/products/" + pids[1], Token: e.tokens[registry.RoleOfficer],
		Headers: map[string]string{"If-Match": "*", "Content-Type": "application/merge-patch+json"}, Body: map[string]any{"name": "Renamed"}})

	t.Run("Roles", func(t *testing.T) {
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/audit"})
		for _, role := range []string{registry.RoleReviewer, registry.RoleOfficer, registry.RoleModerator} {
			e.must(t, 403, request{Method: "GET", Path: "/api/v1/audit", Token: e.tokens[role]})
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit", Token: testAdminToken})
	})
	t.Run("Filters", func(t *testing.T) {
		all := e.auditLog(t, "")
		if len(all) != 4 {
			t.Fatalf("%d entries, want 4", len(all))
		}
		creates := e.auditLog(t, "action=product.create")
		if len(creates) != 3 || creates[0].Target != "product:"+pids[2] || creates[2].Target != "product:"+pids[0] {
			t.Errorf("product.create lists %+v, want the three, newest first", creates)
		}
		about := e.auditLog(t, "target=product:"+pids[1])
		if len(about) != 2 || about[0].Action != "product.update" || about[1].Action != "product.create" {
			t.Errorf("product %s lists %+v", pids[1], about)
		}
		if both := e.auditLog(t, "action=product.update&target=product:"+pids[1]); len(both) != 1 {
			t.Errorf("both filters list %d entries, want 1", len(both))
		}
		if none := e.auditLog(t, "target=product:"+pids[0]+"&action=product.update"); len(none) != 0 {
			t.Errorf("an unmatched pair lists %+v", none)
		}
	})
	t.Run("Paging", func(t *testing.T) {
		var page auditPageJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?limit=3", Token: testAdminToken}).json(t, &page)
		if len(page.Items) != 3 || page.NextCursor == nil {
			t.Fatalf("first page %+v", page)
		}
		var rest auditPageJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?limit=3&cursor=" + url.QueryEscape(*page.NextCursor), Token: testAdminToken}).json(t, &rest)
		if len(rest.Items) != 1 || rest.NextCursor != nil || rest.Items[0].Seq != 1 {
			t.Errorf("second page %+v", rest)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		var page auditPageJSON
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?limit=1", Token: testAdminToken}).json(t, &page)
		cursor := url.QueryEscape(*page.NextCursor)
		for query, field := range map[string]string{
			"limit=0":                            "limit",
			"limit=101":                          "limit",
			"limit=ten":                          "limit",
			"action=review.eat":                  "action",
			"action=%24where":                    "action",
			"target=" + strings.Repeat("x", 201): "target",
			"cursor=zz":                          "cursor",
			"cursor=" + cursor + "&action=product.create": "cursor",
			"cursor=" + cursor + "&target=product:x":      "cursor",
			"actor=admin":                                 "actor",
		} {
			if fields := e.must(t, 422, request{Method: "GET", Path: "/api/v1/audit?" + query, Token: testAdminToken}).fields(t); !slices.Contains(fields, field) {
				t.Errorf("%s: fields %v, want %s", query, fields, field)
			}
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/audit?cursor=" + cursor, Token: testAdminToken})
	})
	t.Run("NoRouteChangesIt", func(t *testing.T) {
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if r := e.do(t, request{Method: method, Path: "/api/v1/audit", Token: testAdminToken, Uncontracted: true}); r.Status != 405 {
				t.Errorf("%s /api/v1/audit: %d, want 405", method, r.Status)
			}
		}
	})
}

// failingAudit is the real store whose audit log cannot be written.
type failingAudit struct{ *mongodb.Store }

func (failingAudit) AppendAudit(context.Context, *registry.AuditEntry) error {
	return registry.Errorf(registry.EUNAVAILABLE, "The store is busy; try again.")
}

// TestAuditWriteFails: when the entry cannot be written the request fails
// (5xx) although its change was made; nothing answers a change as done
// without its entry.
func TestAuditWriteFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv = New(Config{Store: failingAudit{e.store}, Rubrics: e.rubrics, Logger: mongodbtest.Logger()})
	r := e.do(t, request{Method: "POST", Path: "/api/v1/products", Token: e.tokens[registry.RoleOfficer], Body: productBody("Audit Fails")})
	if r.Status != 503 {
		t.Fatalf("status %d, want 503", r.Status)
	}
	if _, err := e.store.Product(context.Background(), "audit-fails"); err != nil {
		t.Fatalf("the product was not made: %v", err)
	}
}

// TestAuditLinksNoReviewer: an employer who becomes an admin (or reads a
// dump of the store without REGISTRY_SECRET) reads the whole audit log
// after a reviewer was invited with a note naming them, made an account,
// signed in from an address, made a named personal token, wrote, withdrew
// and had reviews published, changed their password and signed out. The
// handle, token names and ids, note, address and the reviewer's reference
// are in no entry and no stored document of the log at all; a review's
// author appears only as a pseudonym for that review: the submission and
// the withdrawal of one review share it, two reviews by the one author do
// not.
func TestAuditLinksNoReviewer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	e.reconfigure(Config{ClientIPHeader: "X-Forwarded-For"})
	pid := e.createProduct(t, "Audit Linkage")
	other := e.createProduct(t, "Audit Linkage Two")
	const note = "for Gwen Example, Ysgol Enghraifft"
	const handle, tokenName, address = "Quiet-Kestrel", "Gwen Example school laptop", "203.0.113.77"
	code, invitationID := e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 1, "expiresInDays": 7, "note": note})
	from := map[string]string{"X-Forwarded-For": address}
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Headers: from,
		Body: map[string]any{"invitation": code, "handle": handle, "password": strongPassword}})
	var sess sessionJSON
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/sessions", Headers: from, Body: map[string]any{"handle": handle, "password": strongPassword}}).json(t, &sess)
	tok, tokenID := e.personalToken(t, sess.Token, tokenName)
	ref := e.reviewerRef(t, tok)
	kept := e.submit(t, pid, tok, e.reviewBody(3))
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + kept + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, kept)})
	gone := e.submit(t, other, sess.Token, e.reviewBody(1))
	e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + gone + "/withdraw", Token: sess.Token})
	e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + tokenID, Token: sess.Token})
	e.must(t, 204, request{Method: "PUT", Path: "/api/v1/me/password", Token: sess.Token, Body: map[string]any{"current": strongPassword, "new": "another long passphrase 42"}})
	e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/sessions/current", Token: sess.Token})

	// Never in any entry; the invitation's id only in the entries of the
	// officer who made it.
	secrets := []string{handle, strings.ToLower(handle), tokenName, tokenID, note, code, address, sess.Token, tok}
	pseudonyms := map[string]string{} // entry's action and target → its actor
	for _, en := range e.auditLog(t, "") {
		raw := fmt.Sprintf("%+v", en)
		if found := hasAny(raw, secrets...); len(found) > 0 {
			t.Errorf("entry %d (%s) holds %q", en.Seq, en.Action, found)
		}
		if strings.Contains(raw, invitationID) && (en.Action != "invitation.create" || en.Actor.Role != registry.RoleOfficer) {
			t.Errorf("entry %d (%s) names the invitation", en.Seq, en.Action)
		}
		if strings.Contains(raw, ref) {
			t.Errorf("entry %d (%s) holds the reviewer reference", en.Seq, en.Action)
		}
		if en.Actor.Reviewer != "" {
			if !registry.AuditAction(en.Action).ByAuthor() || en.Actor.Handle != "" {
				t.Errorf("entry %d (%s) names a review's author: only a review's author's entries may", en.Seq, en.Action)
			}
			pseudonyms[en.Action+" "+en.Target] = en.Actor.Reviewer
		}
		if en.Actor.Role == registry.RoleReviewer && en.Actor.Reviewer == "" && (strings.Contains(en.Target, ":") || len(en.Detail) > 1) {
			t.Errorf("a reviewer's account event %d names its target or more: %+v", en.Seq, en)
		}
	}
	submitKept, submitGone, withdrawGone := pseudonyms["review.submit review:"+kept], pseudonyms["review.submit review:"+gone], pseudonyms["review.withdraw review:"+gone]
	if len(pseudonyms) != 3 || submitKept == "" || submitGone == "" {
		t.Fatalf("entries naming a review's author: %v; want two submissions and one withdrawal", pseudonyms)
	}
	if submitGone != withdrawGone {
		t.Errorf("the submission and the withdrawal of one review name its author as %q and %q, want one pseudonym", submitGone, withdrawGone)
	}
	if submitKept == submitGone {
		t.Errorf("two reviews by one author share the pseudonym %q: the log links them", submitKept)
	}
	// The dump: every stored document of the audit log (its collection is
	// "audit", internal/mongodb/audit.go), as bytes.
	cur, err := e.db.Collection("audit").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	pseudonymSeen := false
	for _, d := range docs {
		raw := string(d)
		pseudonymSeen = pseudonymSeen || strings.Contains(raw, submitKept)
		if found := hasAny(raw, append(secrets, ref)...); len(found) > 0 {
			t.Errorf("stored document %s holds %q", d.Lookup("_id"), found)
		}
	}
	if !pseudonymSeen {
		t.Fatal("no stored document holds a pseudonym: the dump search finds nothing")
	}
	// Nothing public holds the log.
	for _, path := range []string{"/api/v1/products", "/api/v1/products/" + pid, "/api/v1/products/" + pid + "/reviews", "/api/v1/products/" + pid + "/assessment"} {
		if body := string(e.must(t, 200, request{Method: "GET", Path: path}).Body); strings.Contains(body, submitKept) || strings.Contains(body, "review.submit") {
			t.Errorf("public %s holds the log", path)
		}
	}
	e.must(t, 401, request{Method: "GET", Path: "/api/v1/audit"})
}
