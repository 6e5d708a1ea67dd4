package http

import (
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestTakenHandleIsNoFreeOracle: whoever holds a live invitation code (one
// of many uses, handed out at a branch meeting) learns from 409 "is taken"
// whether a handle has an account. Without a limit they can try every
// handle they can think of (a colleague's initials, name) for free: a
// refusal for a taken handle must count against the address like a refused
// code.
func TestTakenHandleIsNoFreeOracle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHasher(lightHasher()))
	e.signUp(t, registry.RoleReviewer, "jsmith")
	code, _ := e.invite(t, e.tokens[registry.RoleOfficer], map[string]any{"uses": 50, "expiresInDays": 7})
	statuses := map[int]int{}
	for range DefaultAddressFailures + 1 {
		res := e.do(t, request{Method: "POST", Path: "/api/v1/accounts",
			Body: map[string]any{"invitation": code, "handle": "JSmith", "password": strongPassword}})
		statuses[res.Status]++
	}
	if statuses[429] == 0 {
		t.Errorf("%d probes of a taken handle from one address: %v, never 429", DefaultAddressFailures+1, statuses)
	}
}
