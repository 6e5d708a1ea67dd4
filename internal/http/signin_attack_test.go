package http

import (
	"fmt"
	"sync"
	"testing"

	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// Attacks on signing in: the limits hold under parallel attempts, a
// stranger who knows a handle cannot keep its owner out, and what was
// typed into the handle field is not kept.

// TestParallelSignInsFromOneAddress: the per-address limit takes an
// attempt before the password is hashed, so a burst of parallel guesses
// from one address is held to the limit, not let through because none of
// them had failed yet when each was checked.
func TestParallelSignInsFromOneAddress(t *testing.T) {
	t.Parallel()
	// Dear enough hashing, two at a time, that the burst is all waiting
	// for the hasher before the first guess fails.
	h := password.New(password.Params{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)
	e := newEnv(t, withHasher(h))
	e.reconfigure(Config{AddressFailures: 3})
	const n = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A different unknown handle each, so that only the address
			// limit can refuse them.
			st, _, err := e.rawDo(t, request{Method: "POST", Path: "/api/v1/sessions",
				Body: map[string]any{"handle": fmt.Sprintf("burst-%02d", i), "password": "a guess of twelve"}})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			counts[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[401] > 3 || counts[401]+counts[429] != n {
		t.Errorf("%d parallel guesses from one address answered %v: at most 3 may be checked (401), the rest 429", n, counts)
	}
	// A success gives its attempt back: the limit counts failures only.
	e2 := newEnv(t, withHasher(lightHasher()))
	e2.reconfigure(Config{AddressFailures: 2})
	e2.signUp(t, registry.RoleReviewer, "steady")
	for range 5 {
		e2.signIn(t, "steady", strongPassword)
	}
}

// TestLockoutSparesTheOwner: five wrong guesses for a handle from one
// address lock that address out of the handle (429 with Retry-After, as
// the issue asks), not the owner signing in from elsewhere; the owner's
// success does not wipe out the guesser's failures; and guesses from many
// addresses together stop at the handle's ceiling, for everyone.
func TestLockoutSparesTheOwner(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk), withHasher(lightHasher()))
	e.reconfigure(Config{ClientIPHeader: "X-Forwarded-For", Now: clk.Now})
	e.signUp(t, registry.RoleReviewer, "Wren")
	try := func(addr, pw string) *response {
		return e.do(t, request{Method: "POST", Path: "/api/v1/sessions", Headers: map[string]string{"X-Forwarded-For": addr},
			Body: map[string]any{"handle": "wren", "password": pw}})
	}
	const attacker, owner = "203.0.113.66", "198.51.100.20"
	for i := range registry.LoginFailures {
		if r := try(attacker, fmt.Sprintf("guess number %d", i)); r.Status != 401 {
			t.Fatalf("guess %d: %d, want 401", i+1, r.Status)
		}
	}
	r := try(attacker, strongPassword)
	if r.Status != 429 || r.Header.Get("Retry-After") != "900" {
		t.Fatalf("the guesser's next attempt, right password and all: %d, Retry-After %q; want 429, 900", r.Status, r.Header.Get("Retry-After"))
	}
	if r := try(owner, strongPassword); r.Status != 201 {
		t.Fatalf("the owner from another address: %d, want 201", r.Status)
	}
	if r := try(attacker, "guess after the owner"); r.Status != 429 {
		t.Errorf("the guesser after the owner's sign-in: %d, want 429 (a success forgets only its own address's failures)", r.Status)
	}

	t.Run("Ceiling", func(t *testing.T) {
		// More addresses join in until the handle has its ceiling of
		// failures: then nobody's attempt is checked, the owner's neither.
		for a := 1; a < registry.LoginHandleFailures/registry.LoginFailures; a++ {
			for i := range registry.LoginFailures {
				if r := try(fmt.Sprintf("192.0.2.%d", a), fmt.Sprintf("guess %d of %d", i, a)); r.Status != 401 {
					t.Fatalf("address %d, guess %d: %d, want 401", a, i+1, r.Status)
				}
			}
		}
		for _, addr := range []string{owner, "192.0.2.200"} {
			r := try(addr, strongPassword)
			if r.Status != 429 || r.Header.Get("Retry-After") == "" {
				t.Errorf("from %s after %d failures for the handle: %d, Retry-After %q; want 429 with Retry-After",
					addr, registry.LoginHandleFailures, r.Status, r.Header.Get("Retry-After"))
			}
		}
	})
}

// TestSignInRecordsHoldNoHandle: a failed sign-in's record names neither
// the handle as typed (people type passwords into it) nor the address.
func TestSignInRecordsHoldNoHandle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	e.reconfigure(Config{ClientIPHeader: "X-Forwarded-For"})
	e.signUp(t, registry.RoleReviewer, "heron")
	const typed, addr = "Hunter2-Marsh.1987", "203.0.113.77"
	for _, handle := range []string{typed, "heron"} {
		e.must(t, 401, request{Method: "POST", Path: "/api/v1/sessions", Headers: map[string]string{"X-Forwarded-For": addr},
			Body: map[string]any{"handle": handle, "password": "a wrong password"}})
	}
	docs := e.snapshot(t)["logins"]
	if len(docs) != 2 {
		t.Fatalf("%d sign-in records, want 2: %v", len(docs), docs)
	}
	for _, d := range docs {
		if found := hasAny(d, typed, "heron", addr); len(found) > 0 {
			t.Errorf("a sign-in record holds %v: %s", found, d)
		}
	}
}
