package http

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

func TestPersonalTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, registry.RoleReviewer, "Lapwing")
	s := e.signIn(t, "Lapwing", strongPassword)

	var made personalTokenJSON
	r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/me/tokens", Headers: cookie(s), Body: map[string]any{"name": "marking laptop"}})
	r.json(t, &made)
	if made.Role != registry.RoleReviewer || made.Name != "marking laptop" || !strings.HasPrefix(made.Token, "edr_") ||
		!strings.HasPrefix(made.ID, "tok_") || made.CreatedOn != time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("token = %+v", made)
	}
	if strings.Contains(made.ID, made.Token) || strings.Contains(made.ID, strings.TrimPrefix(made.Token, "edr_")[:8]) {
		t.Error("the public id shows the secret")
	}
	if st := e.authStatus(t, made.Token); st != 200 {
		t.Fatalf("the personal token answers %d", st)
	}

	t.Run("List", func(t *testing.T) {
		var list struct {
			Items []tokenInfoJSON `json:"items"`
		}
		r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/tokens", Token: made.Token})
		r.json(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != made.ID || list.Items[0].Name != "marking laptop" {
			t.Errorf("list = %+v", list.Items)
		}
		if strings.Contains(string(r.Body), made.Token) {
			t.Error("the list shows the secret")
		}
		if lu := list.Items[0].LastUsedOn; lu == nil || *lu != time.Now().UTC().Format(time.DateOnly) {
			t.Errorf("lastUsedOn = %v, want today", lu)
		}
	})
	t.Run("OnlyFromASession", func(t *testing.T) {
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/me/tokens", Token: made.Token, Body: map[string]any{"name": "minted"}})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/me/tokens", Token: e.tokens[registry.RoleReviewer], Body: map[string]any{"name": "x"}})
		e.must(t, 403, request{Method: "GET", Path: "/api/v1/me/tokens", Token: e.tokens[registry.RoleReviewer]})
		e.must(t, 403, request{Method: "GET", Path: "/api/v1/me/tokens", Token: testAdminToken})
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/me/tokens"})
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/me/tokens", Body: map[string]any{"name": "x"}})
	})
	t.Run("Validation", func(t *testing.T) {
		for body, field := range map[string]string{`{}`: "name", `{"name":""}`: "name", `{"name":"x","role":"admin"}`: "role",
			`{"name":"` + strings.Repeat("n", 201) + `"}`: "name", `{"name":7}`: "name"} {
			r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/me/tokens", Token: s, Body: body})
			if !fieldNamed(r.fields(t), field) {
				t.Errorf("%s: fields = %v, want %s", body, r.fields(t), field)
			}
		}
	})
	t.Run("Cap", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "hoarder")
		hs := e.signIn(t, "hoarder", strongPassword)
		for range registry.MaxPersonalTokens {
			e.personalToken(t, hs, "one of many")
		}
		e.must(t, 409, request{Method: "POST", Path: "/api/v1/me/tokens", Token: hs, Body: map[string]any{"name": "one too many"}})
	})
	t.Run("Revoke", func(t *testing.T) {
		secret, id := e.personalToken(t, s, "to revoke")
		e.signUp(t, registry.RoleReviewer, "stranger")
		ss := e.signIn(t, "stranger", strongPassword)
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id, Token: ss})
		e.must(t, 403, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id, Token: e.tokens[registry.RoleReviewer]})
		e.must(t, 401, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id})
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id, Token: s})
		if st := e.authStatus(t, secret); st != 401 {
			t.Errorf("a revoked token answers %d on its next request", st)
		}
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id, Token: s})
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/me/tokens/tok_nothing", Token: s})
	})
}

func TestAdminTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, registry.RoleModerator, "Mod-Heron")
	e.signUp(t, registry.RoleReviewer, "Shy-Vole")
	modToken, modID := e.personalToken(t, e.signIn(t, "Mod-Heron", strongPassword), "moderation desk")
	_, volID := e.personalToken(t, e.signIn(t, "Shy-Vole", strongPassword), "vole's phone")
	e.authStatus(t, modToken)

	all := func() (map[string]tokenInfoJSON, string) {
		out := map[string]tokenInfoJSON{}
		cursor, bodies := "", ""
		for range 20 {
			var page struct {
				Items      []tokenInfoJSON `json:"items"`
				NextCursor *string         `json:"nextCursor"`
			}
			r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/tokens?limit=2" + cursor, Token: testAdminToken})
			r.json(t, &page)
			bodies += string(r.Body)
			for _, it := range page.Items {
				out[it.ID] = it
			}
			if page.NextCursor == nil {
				break
			}
			cursor = "&cursor=" + *page.NextCursor
		}
		return out, bodies
	}
	tokens, bodies := all()
	if len(tokens) != 5 { // reviewer, officer, moderator test tokens and two personal ones
		t.Errorf("the admin lists %d tokens, want 5: %+v", len(tokens), tokens)
	}
	if m := tokens[modID]; m.Owner != "Mod-Heron" || m.Role != registry.RoleModerator || m.Name != "moderation desk" ||
		m.LastUsedOn == nil || *m.LastUsedOn != time.Now().UTC().Format(time.DateOnly) {
		t.Errorf("the moderator's token = %+v, want its owner's handle and today as last used", m)
	}
	if v := tokens[volID]; v.Owner != "" || v.Name != "vole's phone" {
		t.Errorf("the reviewer's token = %+v, want no owner", v)
	}
	if strings.Contains(bodies, "Shy-Vole") || strings.Contains(strings.ToLower(bodies), "shy-vole") {
		t.Error("the admin's list names a reviewer's handle")
	}
	if regexp.MustCompile(`\d{2}:\d{2}`).MatchString(bodies) {
		t.Errorf("the admin's list shows a time of day: %s", bodies)
	}

	t.Run("CreatedWithID", func(t *testing.T) {
		// The admin's new token names its public id, by which it is revoked.
		var made struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken,
			Body: map[string]any{"role": registry.RoleReviewer, "name": "revocable"}}).json(t, &made)
		if made.ID == "" || e.authStatus(t, made.Token) != 200 {
			t.Fatalf("a new token: id %q", made.ID)
		}
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/tokens/" + made.ID, Token: testAdminToken})
		if st := e.authStatus(t, made.Token); st != 401 {
			t.Errorf("the token revoked by the id it was made with: %d, want 401", st)
		}
	})
	t.Run("Roles", func(t *testing.T) {
		for _, role := range []string{registry.RoleReviewer, registry.RoleOfficer, registry.RoleModerator} {
			e.must(t, 403, request{Method: "GET", Path: "/api/v1/tokens", Token: e.tokens[role]})
			e.must(t, 403, request{Method: "DELETE", Path: "/api/v1/tokens/" + volID, Token: e.tokens[role]})
		}
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/tokens"})
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/tokens?cursor=tok_x", Token: testAdminToken})
	})
	t.Run("Revoke", func(t *testing.T) {
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/tokens/" + modID, Token: testAdminToken})
		if st := e.authStatus(t, modToken); st != 401 {
			t.Errorf("a token the admin revoked answers %d", st)
		}
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/tokens/" + modID, Token: testAdminToken})
		if listed, _ := all(); listed[modID].ID != "" {
			t.Error("a revoked token is still listed")
		}
		// A token made without an account, by the admin's route.
		var made struct {
			Token string `json:"token"`
		}
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/tokens", Token: testAdminToken, Body: map[string]any{"role": "officer", "name": "regional office"}}).json(t, &made)
		listed, _ := all()
		var id string
		for _, it := range listed {
			if it.Name == "regional office" {
				id = it.ID
			}
		}
		if id == "" {
			t.Fatal("a token from POST /api/v1/tokens is not listed")
		}
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/tokens/" + id, Token: testAdminToken})
		if st := e.authStatus(t, made.Token); st != 401 {
			t.Errorf("revoked: %d", st)
		}
	})
}

// TestTokensMadeBeforePublicIDs: a token stored before tokens had public
// ids gets one when the store opens, and can be listed and revoked.
func TestTokensMadeBeforePublicIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	hash := strings.Repeat("ab", 32)
	if _, err := e.db.Collection("tokens").InsertOne(ctx, map[string]any{"_id": hash, "role": "reviewer", "name": "from last year", "t": time.Now()}); err != nil {
		t.Fatal(err)
	}
	reopened := e.node(t)
	var page struct {
		Items []tokenInfoJSON `json:"items"`
	}
	reopened.must(t, 200, request{Method: "GET", Path: "/api/v1/tokens", Token: testAdminToken}).json(t, &page)
	var id string
	for _, it := range page.Items {
		if it.Name == "from last year" {
			id = it.ID
		}
	}
	if id == "" {
		t.Fatalf("the old token is not listed: %+v", page.Items)
	}
	reopened.must(t, 204, request{Method: "DELETE", Path: "/api/v1/tokens/" + id, Token: testAdminToken})
	if n, _ := e.db.Collection("tokens").CountDocuments(ctx, map[string]any{"_id": hash}); n != 0 {
		t.Error("the old token was not deleted")
	}
}

// TestRevocationAcrossNodes: a token revoked, a session signed out or
// ended by a password change on one node is refused there at once and on
// another node over the same store once that node's cache lifetime has
// passed.
func TestRevocationAcrossNodes(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	a := newEnv(t, withClock(clk))
	b := a.node(t, withClock(clk))
	a.signUp(t, registry.RoleReviewer, "two-nodes")
	sa := a.signIn(t, "two-nodes", strongPassword)
	tok, id := a.personalToken(t, sa, "both nodes")
	tok2, _ := a.personalToken(t, sa, "ended by the password change")
	sb := b.signIn(t, "two-nodes", strongPassword)
	sc := b.signIn(t, "two-nodes", strongPassword)
	for _, c := range []string{tok, tok2, sb, sc} {
		if st := b.authStatus(t, c); st != 200 { // cached on b
			t.Fatalf("setup: %d", st)
		}
	}

	a.must(t, 204, request{Method: "DELETE", Path: "/api/v1/me/tokens/" + id, Token: sa})
	a.must(t, 204, request{Method: "DELETE", Path: "/api/v1/sessions/current", Token: sb})
	a.must(t, 204, request{Method: "PUT", Path: "/api/v1/me/password", Token: sa,
		Body: map[string]any{"current": strongPassword, "new": "a different long passphrase"}})
	for name, c := range map[string]string{"token": tok, "signed-out session": sb, "ended session": sc, "ended token": tok2} {
		if st := a.authStatus(t, c); st != 401 {
			t.Errorf("the %s on the node that revoked it: %d, want 401", name, st)
		}
		if st := b.authStatus(t, c); st != 200 {
			t.Errorf("the %s on the other node within its cache lifetime: %d (the bound, not a requirement)", name, st)
		}
	}
	clk.Add(mongodb.DefaultCredentialCacheTTL + time.Second)
	for name, c := range map[string]string{"token": tok, "signed-out session": sb, "ended session": sc, "ended token": tok2} {
		if st := b.authStatus(t, c); st != 401 {
			t.Errorf("the %s on the other node after the cache lifetime: %d, want 401", name, st)
		}
	}
	if st := b.authStatus(t, sa); st != 200 {
		t.Errorf("the session that changed the password: %d on the other node, want 200", st)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	e.signUp(t, registry.RoleReviewer, "Curlew")
	s1 := e.signIn(t, "Curlew", strongPassword)
	s2 := e.signIn(t, "Curlew", strongPassword)
	tok, _ := e.personalToken(t, s1, "script")
	const next = "salt marsh in november"
	put := func(want int, token string, body any) *response {
		return e.must(t, want, request{Method: "PUT", Path: "/api/v1/me/password", Token: token, Body: body})
	}

	t.Run("Rules", func(t *testing.T) {
		for _, pw := range []string{"short", "Password1234", strongPassword, "curlew-is-my-name"} {
			r := put(422, s1, map[string]any{"current": strongPassword, "new": pw})
			if f := r.fields(t); len(f) != 1 || f[0] != "new" {
				t.Errorf("new %q: fields %v", pw, f)
			}
		}
		r := put(422, s1, map[string]any{"current": strongPassword})
		if !fieldNamed(r.fields(t), "new") {
			t.Errorf("fields %v", r.fields(t))
		}
		put(422, s1, map[string]any{"current": strongPassword, "new": next, "confirm": next})
		put(403, e.tokens[registry.RoleReviewer], map[string]any{"current": strongPassword, "new": next})
		put(401, "", map[string]any{"current": strongPassword, "new": next})
	})
	t.Run("WrongCurrent", func(t *testing.T) {
		r := put(422, s1, map[string]any{"current": "not my password", "new": next})
		if f := r.fields(t); len(f) != 1 || f[0] != "current" {
			t.Errorf("fields %v, want current", f)
		}
	})
	t.Run("Change", func(t *testing.T) {
		put(204, s1, map[string]any{"current": strongPassword, "new": next})
		if st := e.authStatus(t, s1); st != 200 {
			t.Errorf("the session that changed it: %d", st)
		}
		if st := e.authStatus(t, s2); st != 401 {
			t.Errorf("another session: %d, want 401", st)
		}
		if st := e.authStatus(t, tok); st != 401 {
			t.Errorf("the account's token: %d, want 401 (a password change ends the account's tokens)", st)
		}
		var mine struct {
			Items []tokenInfoJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/tokens", Token: s1}).json(t, &mine)
		if len(mine.Items) != 0 {
			t.Errorf("tokens listed after the change: %v", mine.Items)
		}
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "Curlew", "password": strongPassword}})
		s3 := e.signIn(t, "curlew", next)
		// From a token, every session ends and every other token; the
		// token that made the change goes on.
		tok2, _ := e.personalToken(t, s1, "changer")
		tok3, id3 := e.personalToken(t, s1, "bystander")
		put(204, tok2, map[string]any{"current": next, "new": strongPassword + " again"})
		for _, s := range []string{s1, s3, tok3} {
			if st := e.authStatus(t, s); st != 401 {
				t.Errorf("a session or token after a change by token: %d, want 401", st)
			}
		}
		if st := e.authStatus(t, tok2); st != 200 {
			t.Errorf("the token that changed the password: %d, want 200", st)
		}
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/tokens/" + id3, Token: testAdminToken})
	})
	t.Run("WrongCurrentLocksOut", func(t *testing.T) {
		e.signUp(t, registry.RoleReviewer, "guessed")
		gs := e.signIn(t, "guessed", strongPassword)
		for range 5 {
			put(422, gs, map[string]any{"current": "a guess of mine", "new": next})
		}
		r := put(429, gs, map[string]any{"current": strongPassword, "new": next})
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}

// TestReviewerIsAPerson: an account's sessions and tokens are one reviewer:
// one active review per product across them, and nobody moderates their own
// review from any of them.
func TestReviewerIsAPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Person Test")
	e.signUp(t, registry.RoleReviewer, "one-person")
	s := e.signIn(t, "one-person", strongPassword)
	tok, _ := e.personalToken(t, s, "second device")

	first := e.submit(t, pid, tok, e.reviewBody(2))
	r := e.must(t, 409, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: s, Body: e.reviewBody(3)})
	if p := r.problem(t); p.ExistingReview != first {
		t.Errorf("a second review from the account's session: existingReview %q, want %q", p.ExistingReview, first)
	}
	var own struct {
		Items []moderatedReviewJSON `json:"items"`
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/reviews", Headers: cookie(s)}).json(t, &own)
	if len(own.Items) != 1 || own.Items[0].ID != first {
		t.Errorf("the session's own reviews = %v, want the token's review", own.Items)
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + first, Token: s})

	t.Run("NobodyModeratesTheirOwn", func(t *testing.T) {
		e.signUp(t, registry.RoleModerator, "mod-person")
		ms := e.signIn(t, "mod-person", strongPassword)
		mt, _ := e.personalToken(t, ms, "moderation")
		id := e.submit(t, pid, ms, e.reviewBody(1))
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: mt, Headers: e.readTag(t, id)})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/reject", Token: ms, Headers: e.readTag(t, id), Body: map[string]any{"reason": "mine"}})
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + id + "/publish", Token: e.tokens[registry.RoleModerator], Headers: e.readTag(t, id)})
		// The account's moderator may moderate others' reviews.
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/reviews/" + first + "/publish", Token: mt, Headers: e.readTag(t, first)})
	})
	t.Run("TokensWithoutAccountsAreTheirOwnReviewer", func(t *testing.T) {
		a, b := e.reviewerToken(t), e.reviewerToken(t)
		e.submit(t, pid, a, e.reviewBody(2))
		e.submit(t, pid, b, e.reviewBody(2))
	})
}
