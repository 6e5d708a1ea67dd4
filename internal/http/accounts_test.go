package http

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

func TestCreateInvitation(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk))
	officer := e.tokens[registry.RoleOfficer]

	t.Run("OfficerInvitesReviewers", func(t *testing.T) {
		var out invitationCreatedJSON
		r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/invitations", Token: officer,
			Body: map[string]any{"uses": 30, "expiresInDays": 14, "note": "branch meeting, March"}})
		r.json(t, &out)
		if out.Role != registry.RoleReviewer || out.Uses != 30 || out.Note != "branch meeting, March" {
			t.Errorf("invitation = %+v", out)
		}
		if !strings.HasPrefix(out.Code, "edi_"+out.ID) || len(out.Code) < 4+16+32 {
			t.Errorf("code %q does not carry its id %q and at least 128 random bits", out.Code, out.ID)
		}
		if want := clk.Now().Add(14 * 24 * time.Hour); !out.ExpiresAt.Equal(want) {
			t.Errorf("expiresAt = %v, want %v", out.ExpiresAt, want)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("the code may be cached")
		}
		// Only its hash is kept.
		for coll, docs := range e.snapshot(t) {
			for _, d := range docs {
				if strings.Contains(d, out.Code) {
					t.Errorf("collection %s holds the code: %s", coll, d)
				}
			}
		}
	})
	t.Run("OnlyAdminsInviteStaff", func(t *testing.T) {
		for _, role := range []string{registry.RoleOfficer, registry.RoleModerator, registry.RoleAdmin} {
			e.must(t, 403, request{Method: "POST", Path: "/api/v1/invitations", Token: officer,
				Body: map[string]any{"role": role, "uses": 1, "expiresInDays": 1}})
			var out invitationCreatedJSON
			e.must(t, 201, request{Method: "POST", Path: "/api/v1/invitations", Token: testAdminToken,
				Body: map[string]any{"role": role, "uses": 1, "expiresInDays": 1}}).json(t, &out)
			if out.Role != role {
				t.Errorf("admin's invitation has role %q, want %q", out.Role, role)
			}
		}
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/invitations", Token: officer,
			Body: map[string]any{"role": "reviewer", "uses": 1, "expiresInDays": 1}})
	})
	t.Run("Roles", func(t *testing.T) {
		body := map[string]any{"uses": 1, "expiresInDays": 1}
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/invitations", Body: body})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/invitations", Token: e.tokens[registry.RoleReviewer], Body: body})
		e.must(t, 403, request{Method: "POST", Path: "/api/v1/invitations", Token: e.tokens[registry.RoleModerator], Body: body})
	})
	t.Run("Validation", func(t *testing.T) {
		cases := map[string]struct {
			body  map[string]any
			field string
		}{
			"NoUses":       {map[string]any{"expiresInDays": 1}, "uses"},
			"ZeroUses":     {map[string]any{"uses": 0, "expiresInDays": 1}, "uses"},
			"TooManyUses":  {map[string]any{"uses": 501, "expiresInDays": 1}, "uses"},
			"NoExpiry":     {map[string]any{"uses": 1}, "expiresInDays"},
			"ZeroDays":     {map[string]any{"uses": 1, "expiresInDays": 0}, "expiresInDays"},
			"TooManyDays":  {map[string]any{"uses": 1, "expiresInDays": 91}, "expiresInDays"},
			"UnknownRole":  {map[string]any{"role": "boss", "uses": 1, "expiresInDays": 1}, "role"},
			"LongNote":     {map[string]any{"uses": 1, "expiresInDays": 1, "note": strings.Repeat("é", 201)}, "note"},
			"UnknownField": {map[string]any{"uses": 1, "expiresInDays": 1, "email": "a@b.example"}, "email"},
			"WrongType":    {map[string]any{"uses": "5", "expiresInDays": 1}, "uses"},
			"Operator":     {map[string]any{"uses": 1, "expiresInDays": 1, "$where": "1"}, "$where"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/invitations", Token: testAdminToken, Body: tc.body})
				if fields := r.fields(t); !fieldNamed(fields, tc.field) {
					t.Errorf("fields = %v, want %q", fields, tc.field)
				}
			})
		}
		e.must(t, 400, request{Method: "POST", Path: "/api/v1/invitations", Token: testAdminToken, Body: `{"uses":`})
		e.must(t, 415, request{Method: "POST", Path: "/api/v1/invitations", Token: testAdminToken, Body: "uses=1",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	})
}

func TestListAndRevokeInvitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.tokens[registry.RoleOfficer]
	otherOfficer, err := e.store.CreateToken(context.Background(), registry.RoleOfficer, "second officer")
	if err != nil {
		t.Fatal(err)
	}
	code1, own1 := e.invite(t, officer, map[string]any{"uses": 3, "expiresInDays": 5, "note": "for the maths department"})
	code2, own2 := e.invite(t, officer, map[string]any{"uses": 2, "expiresInDays": 5})
	_, others := e.invite(t, otherOfficer, map[string]any{"uses": 1, "expiresInDays": 5})
	_, admins := e.invite(t, testAdminToken, map[string]any{"role": "moderator", "uses": 1, "expiresInDays": 5})
	e.must(t, 201, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code1, "handle": "first-reader", "password": strongPassword}})

	list := func(token, query string) (items []invitationJSON, next *string, body string) {
		var page struct {
			Items      []invitationJSON `json:"items"`
			NextCursor *string          `json:"nextCursor"`
		}
		r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/invitations" + query, Token: token})
		r.json(t, &page)
		return page.Items, page.NextCursor, string(r.Body)
	}
	t.Run("OfficerSeesTheirOwn", func(t *testing.T) {
		items, next, body := list(officer, "")
		if len(items) != 2 || next != nil {
			t.Fatalf("the officer sees %d invitations (next %v), want their 2", len(items), next)
		}
		for _, it := range items {
			if it.CreatedBy != "test officer" {
				t.Errorf("createdBy = %q, want the officer token's name", it.CreatedBy)
			}
			switch it.ID {
			case own1:
				if it.Uses != 3 || it.UsesLeft != 2 || it.Note != "for the maths department" {
					t.Errorf("invitation 1 = %+v, want 3 uses, 2 left, its note", it)
				}
			case own2:
				if it.UsesLeft != 2 {
					t.Errorf("invitation 2 = %+v", it)
				}
			default:
				t.Errorf("the officer sees another's invitation %s", it.ID)
			}
		}
		if strings.Contains(body, code1) || strings.Contains(body, code2) {
			t.Error("the list shows a code")
		}
	})
	t.Run("AdminSeesAllPaged", func(t *testing.T) {
		var all []string
		cursor := ""
		for range 10 {
			items, next, _ := list(testAdminToken, "?limit=1"+cursor)
			for _, it := range items {
				all = append(all, it.ID)
			}
			if next == nil {
				break
			}
			cursor = "&cursor=" + *next
		}
		if len(all) != 4 {
			t.Errorf("the admin paged through %v, want 4 invitations", all)
		}
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/invitations?cursor=" + own1, Token: testAdminToken})
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/invitations?limit=0", Token: testAdminToken})
		e.must(t, 422, request{Method: "GET", Path: "/api/v1/invitations?role=reviewer", Token: testAdminToken})
	})
	t.Run("Roles", func(t *testing.T) {
		e.must(t, 401, request{Method: "GET", Path: "/api/v1/invitations"})
		e.must(t, 403, request{Method: "GET", Path: "/api/v1/invitations", Token: e.tokens[registry.RoleReviewer]})
		e.must(t, 403, request{Method: "DELETE", Path: "/api/v1/invitations/" + own2, Token: e.tokens[registry.RoleModerator]})
		e.must(t, 401, request{Method: "DELETE", Path: "/api/v1/invitations/" + own2})
	})
	t.Run("Revoke", func(t *testing.T) {
		e.must(t, 403, request{Method: "DELETE", Path: "/api/v1/invitations/" + others, Token: officer})
		e.must(t, 403, request{Method: "DELETE", Path: "/api/v1/invitations/" + admins, Token: officer})
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/invitations/" + own2, Token: officer})
		e.must(t, 404, request{Method: "DELETE", Path: "/api/v1/invitations/" + own2, Token: officer})
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/invitations/" + others, Token: testAdminToken})
		// A revoked invitation's code is refused.
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{"invitation": code2, "handle": "late-reader", "password": strongPassword}})
		if !fieldNamed(r.fields(t), "invitation") {
			t.Errorf("fields = %v", r.fields(t))
		}
		// The account it made stays.
		e.must(t, 201, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "first-reader", "password": strongPassword}})
	})
	t.Run("CreatedByAnAccount", func(t *testing.T) {
		e.signUp(t, registry.RoleOfficer, "union-rep")
		s := e.signIn(t, "union-rep", strongPassword)
		_, id := e.invite(t, s, map[string]any{"uses": 1, "expiresInDays": 1})
		items, _, _ := list(s, "")
		if len(items) != 1 || items[0].ID != id || items[0].CreatedBy != "union-rep" {
			t.Errorf("an officer account's invitations = %+v, want its one, created by its handle", items)
		}
		e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/invitations/" + id, Token: s})
	})
}

func TestCreateAccount(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk))
	code, id := e.invite(t, testAdminToken, map[string]any{"role": "moderator", "uses": 10, "expiresInDays": 1})
	post := func(want int, body map[string]any) *response {
		return e.must(t, want, request{Method: "POST", Path: "/api/v1/accounts", Body: body})
	}
	usesLeft := func() int {
		var page struct {
			Items []invitationJSON `json:"items"`
		}
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/invitations", Token: testAdminToken}).json(t, &page)
		for _, it := range page.Items {
			if it.ID == id {
				return it.UsesLeft
			}
		}
		return -1
	}

	t.Run("Redeem", func(t *testing.T) {
		var a accountJSON
		r := post(201, map[string]any{"invitation": code, "handle": "Heron.Watch", "password": strongPassword})
		r.json(t, &a)
		if a.Handle != "Heron.Watch" || a.Role != registry.RoleModerator {
			t.Errorf("account = %+v, want the handle as written and the invitation's role", a)
		}
		if n := usesLeft(); n != 9 {
			t.Errorf("uses left = %d, want 9", n)
		}
		var doc bson.M
		if err := e.db.Collection("accounts").FindOne(context.Background(), bson.D{{Key: "_id", Value: "heron.watch"}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		pw, _ := doc["pw"].(string)
		if !strings.HasPrefix(pw, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(pw, strongPassword) {
			t.Errorf("stored password %q is not an argon2id hash with the OWASP parameters", pw)
		}
		for k := range doc {
			if k != "_id" && k != "h" && k != "role" && k != "aid" && k != "pw" && k != "gen" && k != "t" {
				t.Errorf("the account stores %q", k)
			}
		}
	})
	t.Run("HandleTakenIgnoringCase", func(t *testing.T) {
		post(201, map[string]any{"invitation": code, "handle": "Taken.Handle", "password": strongPassword})
		before := usesLeft()
		r := post(409, map[string]any{"invitation": code, "handle": "taken.HANDLE", "password": strongPassword})
		if !fieldNamed(r.fields(t), "handle") {
			t.Errorf("fields = %v, want handle", r.fields(t))
		}
		if usesLeft() != before {
			t.Error("a refused redemption used the invitation up")
		}
	})
	t.Run("HandleRules", func(t *testing.T) {
		for _, h := range []string{"ab", strings.Repeat("a", 33), "jane@school.example", "jane smith", "-jane", "jane.", "jané", "", "a/b"} {
			r := post(422, map[string]any{"invitation": code, "handle": h, "password": strongPassword})
			if !fieldNamed(r.fields(t), "handle") {
				t.Errorf("handle %q: fields = %v, want handle", h, r.fields(t))
			}
		}
		r := post(422, map[string]any{"invitation": code, "handle": "j.smith@trust.example", "password": strongPassword})
		if p := r.problem(t); !strings.Contains(p.Errors[0].Message, "email") {
			t.Errorf("an email address as handle: %q", p.Errors[0].Message)
		}
		post(201, map[string]any{"invitation": code, "handle": "a-b_c.9", "password": strongPassword})
		post(201, map[string]any{"invitation": code, "handle": strings.Repeat("z", 32), "password": strongPassword})
	})
	t.Run("PasswordRules", func(t *testing.T) {
		for _, pw := range []string{"eleven char", "Password1234", "qwertyuiop12", "aaaaaaaaaaaaaaa", "my-handle-is-Otter99!", "Summer2026!!"} {
			r := post(422, map[string]any{"invitation": code, "handle": "Otter99", "password": pw})
			if f := r.fields(t); len(f) != 1 || f[0] != "password" {
				t.Errorf("password %q: fields = %v, want password", pw, f)
			}
		}
		// Both wrong: both named.
		r := post(422, map[string]any{"invitation": code, "handle": "x", "password": "short"})
		if f := r.fields(t); !fieldNamed(f, "handle") || !fieldNamed(f, "password") {
			t.Errorf("fields = %v, want handle and password", f)
		}
	})
	t.Run("Shape", func(t *testing.T) {
		r := post(422, map[string]any{"invitation": code, "handle": "shape-test", "password": strongPassword, "email": "x@y.example"})
		if !fieldNamed(r.fields(t), "email") {
			t.Errorf("fields = %v", r.fields(t))
		}
		r = post(422, map[string]any{"handle": "shape-test"})
		if f := r.fields(t); !fieldNamed(f, "invitation") || !fieldNamed(f, "password") {
			t.Errorf("fields = %v", f)
		}
	})
	t.Run("BadCodes", func(t *testing.T) {
		for name, c := range map[string]string{
			"Malformed":  "not-a-code",
			"UnknownID":  "edi_0123456789abcdef" + strings.Repeat("A", 32),
			"WrongCode":  code[:len(code)-4] + "AAAA",
			"OperatorID": "edi_{\"$gt\":\"\"}" + strings.Repeat("A", 32),
		} {
			t.Run(name, func(t *testing.T) {
				r := post(422, map[string]any{"invitation": c, "handle": "bad-code", "password": strongPassword})
				if !fieldNamed(r.fields(t), "invitation") {
					t.Errorf("fields = %v", r.fields(t))
				}
			})
		}
	})
	t.Run("UsedUp", func(t *testing.T) {
		one, _ := e.invite(t, testAdminToken, map[string]any{"uses": 1, "expiresInDays": 1})
		post(201, map[string]any{"invitation": one, "handle": "only-one", "password": strongPassword})
		r := post(409, map[string]any{"invitation": one, "handle": "second-one", "password": strongPassword})
		if !fieldNamed(r.fields(t), "invitation") {
			t.Errorf("fields = %v", r.fields(t))
		}
		// A used-up code tells nothing about handles: a taken one gets
		// the same answer as a free one.
		taken := post(409, map[string]any{"invitation": one, "handle": "only-one", "password": strongPassword})
		if !fieldNamed(taken.fields(t), "invitation") || fieldNamed(taken.fields(t), "handle") {
			t.Errorf("a used-up code with a taken handle: fields = %v, want only the invitation", taken.fields(t))
		}
	})
	t.Run("Expired", func(t *testing.T) {
		soon, _ := e.invite(t, testAdminToken, map[string]any{"uses": 5, "expiresInDays": 1})
		clk.Add(24*time.Hour + time.Second)
		r := post(422, map[string]any{"invitation": soon, "handle": "too-late", "password": strongPassword})
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "invitation" || !strings.Contains(p.Errors[0].Message, "expired") {
			t.Errorf("problem = %+v", p)
		}
	})
}

// TestConcurrentRedemption: 20 people redeem a one-use invitation at once;
// exactly one account is made.
func TestConcurrentRedemption(t *testing.T) {
	mongodbtest.NeedsAtomicWrites(t, "20 concurrent redemptions of one invitation")
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	code, _ := e.invite(t, testAdminToken, map[string]any{"uses": 1, "expiresInDays": 1})
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, err := e.rawDo(t, request{Method: "POST", Path: "/api/v1/accounts",
				Body: map[string]any{"invitation": code, "handle": "racer-" + string(rune('a'+i)), "password": strongPassword}})
			if err != nil {
				t.Error(err)
			}
			statuses[i] = st
		}()
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		switch st {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("a redemption answered %d", st)
		}
	}
	if created != 1 {
		t.Errorf("%d redemptions of a one-use invitation succeeded, want 1 (statuses %v)", created, statuses)
	}
	count, err := e.db.Collection("accounts").CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Errorf("%d accounts stored, want 1", count)
	}
}
