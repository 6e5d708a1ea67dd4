package http

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk))
	e.signUp(t, registry.RoleReviewer, "Kestrel-42")

	t.Run("Session", func(t *testing.T) {
		var out sessionJSON
		r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "kestrel-42", "password": strongPassword}})
		r.json(t, &out)
		if out.Handle != "Kestrel-42" || out.Role != registry.RoleReviewer || !strings.HasPrefix(out.Token, "eds_") {
			t.Errorf("session = %+v", out)
		}
		if !out.ExpiresAt.Equal(clk.Now().Add(7*24*time.Hour)) || !out.IdleExpiresAt.Equal(clk.Now().Add(12*time.Hour)) {
			t.Errorf("expiresAt %v, idleExpiresAt %v; want 7 days and 12 hours from %v", out.ExpiresAt, out.IdleExpiresAt, clk.Now())
		}
		c := r.Header.Get("Set-Cookie")
		for _, want := range []string{SessionCookie + "=" + out.Token, "path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(c, want) {
				t.Errorf("Set-Cookie %q lacks %q", c, want)
			}
		}
		if strings.Contains(c, "secure") || strings.Contains(c, "Secure") {
			t.Errorf("Set-Cookie %q is Secure on plain HTTP without the setting", c)
		}
		// The cookie and the bearer token both work.
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/tokens", Headers: cookie(out.Token)})
		e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/tokens", Token: out.Token})
		// The secret is stored only as its hash.
		for coll, docs := range e.snapshot(t) {
			for _, d := range docs {
				if strings.Contains(d, out.Token) {
					t.Errorf("collection %s holds the session secret", coll)
				}
			}
		}
	})
	t.Run("SecureCookie", func(t *testing.T) {
		body := map[string]any{"handle": "Kestrel-42", "password": strongPassword}
		r := e.must(t, 201, request{Method: "POST", Path: "/api/v1/sessions", Body: body, Headers: map[string]string{"X-Forwarded-Proto": "https"}})
		if c := r.Header.Get("Set-Cookie"); !strings.Contains(strings.ToLower(c), "secure") {
			t.Errorf("behind TLS, Set-Cookie %q is not Secure", c)
		}
		secure := *e
		secure.reconfigure(Config{SecureCookies: true})
		r = secure.must(t, 201, request{Method: "POST", Path: "/api/v1/sessions", Body: body})
		if c := r.Header.Get("Set-Cookie"); !strings.Contains(strings.ToLower(c), "secure") {
			t.Errorf("with SecureCookies, Set-Cookie %q is not Secure", c)
		}
	})
	t.Run("WrongCredentials", func(t *testing.T) {
		wrong := e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "Kestrel-42", "password": "not the password at all"}})
		unknown := e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "nobody-here", "password": "not the password at all"}})
		if wrong.problem(t).Detail != unknown.problem(t).Detail {
			t.Errorf("a wrong password (%q) and an unknown handle (%q) answer differently", wrong.problem(t).Detail, unknown.problem(t).Detail)
		}
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": strings.Repeat("x", 100), "password": "whatever it is"}})
	})
	t.Run("Shape", func(t *testing.T) {
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "Kestrel-42"}})
		if !fieldNamed(r.fields(t), "password") {
			t.Errorf("fields = %v", r.fields(t))
		}
		r = e.must(t, 422, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "Kestrel-42", "password": "x", "remember": true}})
		if !fieldNamed(r.fields(t), "remember") {
			t.Errorf("fields = %v", r.fields(t))
		}
		e.must(t, 400, request{Method: "POST", Path: "/api/v1/sessions", Body: "{"})
		r = e.must(t, 422, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": map[string]any{"$ne": ""}, "password": "x"}})
		if !fieldNamed(r.fields(t), "handle") {
			t.Errorf("an operator as handle: fields = %v", r.fields(t))
		}
	})
	t.Run("SurvivesRestart", func(t *testing.T) {
		s := e.signIn(t, "Kestrel-42", strongPassword)
		restarted := e.node(t, withClock(clk))
		if st := restarted.authStatus(t, s); st != 200 {
			t.Errorf("a session on a restarted store: %d", st)
		}
	})
}

// TestUnknownHandleHashes: an unknown handle costs a password hash, as a
// wrong password does.
func TestUnknownHandleHashes(t *testing.T) {
	t.Parallel()
	h := lightHasher()
	e := newEnv(t, withHasher(h))
	e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "no-such-person", "password": "a guess of twelve"}})
	if h.Peak() != 1 {
		t.Errorf("an unknown handle ran %d hashes at most at once, want 1 (the dummy)", h.Peak())
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, registry.RoleReviewer, "wren")
	s := e.signIn(t, "wren", strongPassword)
	other := e.signIn(t, "wren", strongPassword)

	e.must(t, 403, request{Method: "DELETE", Path: "/api/v1/sessions/current", Token: e.tokens[registry.RoleReviewer]})
	e.must(t, 401, request{Method: "DELETE", Path: "/api/v1/sessions/current"})
	r := e.must(t, 204, request{Method: "DELETE", Path: "/api/v1/sessions/current", Headers: cookie(s)})
	if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, SessionCookie+"=;") || !strings.Contains(c, "expires=") {
		t.Errorf("sign-out does not clear the cookie: %q", c)
	}
	if st := e.authStatus(t, s); st != 401 {
		t.Errorf("a signed-out session answers %d, want 401", st)
	}
	e.must(t, 401, request{Method: "DELETE", Path: "/api/v1/sessions/current", Headers: cookie(s)})
	if st := e.authStatus(t, other); st != 200 {
		t.Errorf("the account's other session answers %d after one signed out", st)
	}
}

// TestSessionExpiry: a session ends 12 hours after its last use and 7 days
// after it began, whichever is first; its last use is written at most once
// a minute.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	t.Run("Idle", func(t *testing.T) {
		t.Parallel()
		clk := newTestClock()
		e := newEnv(t, withClock(clk))
		e.signUp(t, registry.RoleReviewer, "idle-owl")
		s := e.signIn(t, "idle-owl", strongPassword)
		clk.Add(11 * time.Hour)
		if st := e.authStatus(t, s); st != 200 {
			t.Fatalf("after 11 idle hours: %d", st)
		}
		clk.Add(11 * time.Hour)
		if st := e.authStatus(t, s); st != 200 {
			t.Fatalf("11 hours after its last use: %d", st)
		}
		clk.Add(12*time.Hour + time.Second)
		if st := e.authStatus(t, s); st != 401 {
			t.Errorf("12 hours after its last use: %d, want 401", st)
		}
	})
	t.Run("Absolute", func(t *testing.T) {
		t.Parallel()
		clk := newTestClock()
		e := newEnv(t, withClock(clk))
		e.signUp(t, registry.RoleReviewer, "busy-owl")
		s := e.signIn(t, "busy-owl", strongPassword)
		for i := range 27 { // every 6 hours for 6 days 18 hours
			clk.Add(6 * time.Hour)
			if st := e.authStatus(t, s); st != 200 {
				t.Fatalf("used every 6 hours, after %d hours: %d", 6*(i+1), st)
			}
		}
		clk.Add(6 * time.Hour) // 7 days
		if st := e.authStatus(t, s); st != 401 {
			t.Errorf("7 days after it began: %d, want 401", st)
		}
	})
	t.Run("SeenAtMostOnceAMinute", func(t *testing.T) {
		t.Parallel()
		clk := newTestClock()
		e := newEnv(t, withClock(clk))
		e.signUp(t, registry.RoleReviewer, "quiet-owl")
		s := e.signIn(t, "quiet-owl", strongPassword)
		seen := func() time.Time {
			var d struct {
				Seen time.Time `bson:"seen"`
			}
			if err := e.db.Collection("sessions").FindOne(context.Background(), map[string]any{"_id": mongodb.HashToken(s)}).Decode(&d); err != nil {
				t.Fatal(err)
			}
			return d.Seen
		}
		start := seen()
		clk.Add(30 * time.Second)
		e.authStatus(t, s)
		if !seen().Equal(start) {
			t.Error("a use within a minute wrote the session")
		}
		clk.Add(31 * time.Second)
		e.authStatus(t, s)
		if !seen().Equal(clk.Now()) {
			t.Errorf("a use after a minute did not record it: seen %v, now %v", seen(), clk.Now())
		}
	})
}

// TestLockout: after 5 failed sign-ins for one handle within 15 minutes,
// further attempts (even with the right password, on any node) get 429 with
// Retry-After until the oldest leaves the window; unknown handles alike.
func TestLockout(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk), withHasher(lightHasher()))
	e.signUp(t, registry.RoleReviewer, "Magpie")
	other := e.node(t, withClock(clk), withHasher(lightHasher()))
	try := func(e *env, handle, pw string) *response {
		return e.do(t, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": handle, "password": pw}})
	}
	retryAfter := func(r *response) int {
		n, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil {
			t.Fatalf("Retry-After %q: %v", r.Header.Get("Retry-After"), err)
		}
		return n
	}
	for i := range 5 {
		if i == 3 {
			clk.Add(5 * time.Minute) // the first three are 5 minutes older
		}
		if r := try(e, "magpie", fmt.Sprintf("wrong guess number %d", i)); r.Status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.Status)
		}
	}
	r := try(e, "Magpie", strongPassword)
	if r.Status != 429 {
		t.Fatalf("the right password after 5 failures: %d, want 429", r.Status)
	}
	if n := retryAfter(r); n != 600 {
		t.Errorf("Retry-After = %d, want 600 (the oldest failure leaves the 15-minute window in 10 minutes)", n)
	}
	if r := try(other, "MAGPIE", strongPassword); r.Status != 429 {
		t.Errorf("on another node: %d, want 429", r.Status)
	}
	clk.Add(10 * time.Minute) // the first three have left the window; two remain
	if r := try(e, "Magpie", strongPassword); r.Status != 201 {
		t.Fatalf("after the window: %d, want 201", r.Status)
	}
	// A success forgets the failures.
	for i := range 4 {
		try(e, "Magpie", fmt.Sprintf("another wrong guess %d", i))
	}
	if r := try(e, "Magpie", strongPassword); r.Status != 201 {
		t.Errorf("4 failures after a success: %d, want 201", r.Status)
	}

	t.Run("UnknownHandle", func(t *testing.T) {
		for range 5 {
			try(e, "ghost-handle", "some guess of length")
		}
		r := try(e, "ghost-handle", "some guess of length")
		if r.Status != 429 || retryAfter(r) != 900 {
			t.Errorf("an unknown handle after 5 failures: %d, Retry-After %q; want 429, 900", r.Status, r.Header.Get("Retry-After"))
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		// 20 guesses at once: at most 5 are checked.
		mongodbtest.NeedsAtomicWrites(t, "20 concurrent sign-in attempts counted in one document")
		e.signUp(t, registry.RoleReviewer, "crowded")
		var wg sync.WaitGroup
		var mu sync.Mutex
		counts := map[int]int{}
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, _, err := e.rawDo(t, request{Method: "POST", Path: "/api/v1/sessions", Body: map[string]any{"handle": "crowded", "password": fmt.Sprintf("concurrent guess %02d", i)}})
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				counts[st]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if counts[401] > 5 || counts[401]+counts[429] != 20 {
			t.Errorf("20 concurrent guesses answered %v: at most 5 may be checked (401), the rest 429", counts)
		}
	})
}

// TestAddressLimit: failed sign-ins from one address are limited on the
// node (429 with Retry-After), other addresses are not; the limit remembers
// a bounded number of addresses however many are sprayed.
func TestAddressLimit(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk), withHasher(lightHasher()))
	e.reconfigure(Config{ClientIPHeader: "X-Forwarded-For", AddressFailures: 3, TrackedAddresses: 50, Now: clk.Now})
	from := func(addr string) map[string]string {
		return map[string]string{"X-Forwarded-For": "198.51.100.7, " + addr}
	}
	for i := range 3 {
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Headers: from("203.0.113.5"),
			Body: map[string]any{"handle": fmt.Sprintf("someone-%d", i), "password": "a guess of twelve"}})
	}
	r := e.must(t, 429, request{Method: "POST", Path: "/api/v1/sessions", Headers: from("203.0.113.5"),
		Body: map[string]any{"handle": "someone-else", "password": "a guess of twelve"}})
	if r.Header.Get("Retry-After") != "900" {
		t.Errorf("Retry-After = %q, want 900", r.Header.Get("Retry-After"))
	}
	// Redeeming codes counts too, and is refused alike.
	e.must(t, 429, request{Method: "POST", Path: "/api/v1/accounts", Headers: from("203.0.113.5"),
		Body: map[string]any{"invitation": "edi_nothing", "handle": "someone", "password": strongPassword}})
	// Another address, and the same /64 of IPv6.
	e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Headers: from("203.0.113.6"),
		Body: map[string]any{"handle": "someone", "password": "a guess of twelve"}})
	for i := range 3 {
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Headers: from(fmt.Sprintf("2001:db8:1:2::%x", i+1)),
			Body: map[string]any{"handle": fmt.Sprintf("v6-someone-%d", i), "password": "a guess of twelve"}})
	}
	e.must(t, 429, request{Method: "POST", Path: "/api/v1/sessions", Headers: from("2001:db8:1:2:ffff::9"),
		Body: map[string]any{"handle": "someone", "password": "a guess of twelve"}})
	clk.Add(15 * time.Minute)
	e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Headers: from("203.0.113.5"),
		Body: map[string]any{"handle": "someone", "password": "a guess of twelve"}})

	t.Run("Bounded", func(t *testing.T) {
		for i := range 120 {
			e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Headers: from(fmt.Sprintf("192.0.2.%d", i)),
				Body: map[string]any{"handle": fmt.Sprintf("sprayed-%d", i), "password": "a guess of twelve"}})
		}
		if n := e.srv.addrLimit.size(); n > 50 {
			t.Errorf("the limit remembers %d addresses, more than its bound 50", n)
		}
	})
}

func TestAddressLimiterBound(t *testing.T) {
	t.Parallel()
	now := time.Now()
	l := newAddressLimiter(2, 1000, func() time.Time { return now })
	for i := range 100000 {
		l.fail(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if i%10000 == 0 && l.size() > 1000 {
			t.Fatalf("after %d addresses the limit remembers %d", i+1, l.size())
		}
	}
	if l.size() != 1000 {
		t.Errorf("size = %d, want 1000", l.size())
	}
	// The most recent addresses are remembered; the limit applies to them.
	l.fail("10.1.134.159")
	if err := l.check("10.1.134.159"); registry.ErrorCode(err) != registry.ETOOMANY || registry.ErrorRetryAfter(err) != 900 {
		t.Errorf("a recent address failing twice: %v", err)
	}
	// Each address keeps at most limit times.
	for range 1000 {
		l.fail("10.1.134.159")
	}
	el := l.byKey["10.1.134.159"]
	if n := len(el.Value.(*addressEntry).failures); n > 2 {
		t.Errorf("an address keeps %d failure times, more than the limit 2", n)
	}
}
