package mongodb

import (
	"fmt"

	"github.com/edtech-registry/registry/internal/registry"
)

// Policy is how a store makes every read-modify-write have one winner. It
// is chosen once, when the store opens (Config.Policy), and every place that
// depends on it asks the DB's policy (docs/storage.md, "Concurrency: the
// write policy").
type Policy int

const (
	// PolicyAuto chooses when the store opens: PolicyGate on the embedded
	// server, PolicyConditional with a MongoDB URI.
	PolicyAuto Policy = iota
	// PolicyGate: one process holds the store. Every read-modify-write is
	// serialised by the in-process write gate (gate.go); conditions are
	// checked in Go under the gate, and filters are exact _ids. Repair may
	// rebuild a product from its reviews, and repairs every unfinished
	// transition at start-up.
	PolicyGate
	// PolicyConditional: other processes may write. Every conditional
	// write puts its condition in the filter and retries or gives up when
	// another writer got there first; the gate does nothing. Repair only
	// finishes what an unfinished transition recorded (idempotently), and
	// only once it is old enough not to be still running.
	PolicyConditional
)

// String returns the policy's name, as ParsePolicy reads it.
func (p Policy) String() string {
	switch p {
	case PolicyAuto:
		return "auto"
	case PolicyGate:
		return "gate"
	case PolicyConditional:
		return "conditional"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy reads a policy's name: "gate", "conditional", or "auto" (or
// empty) for PolicyAuto. Anything else is EINVALID.
func ParsePolicy(name string) (Policy, error) {
	switch name {
	case "", "auto":
		return PolicyAuto, nil
	case "gate":
		return PolicyGate, nil
	case "conditional":
		return PolicyConditional, nil
	}
	return PolicyAuto, registry.Errorf(registry.EINVALID, "Unknown store policy %q: use gate, conditional or auto.", name)
}

// resolve returns the policy a store opened with p uses: PolicyAuto becomes
// PolicyGate on the embedded server and PolicyConditional on MongoDB.
func (p Policy) resolve(embedded bool) Policy {
	switch {
	case p != PolicyAuto:
		return p
	case embedded:
		return PolicyGate
	}
	return PolicyConditional
}

// The questions the store asks its policy. Each names what the code that
// asks it relies on, not which server it talks to.

// serialised reports whether the write gate serialises read-modify-writes
// (gate.go): a holder of a key sees no other writer of its documents, in
// this process or any other.
func (p Policy) serialised() bool { return p == PolicyGate }

// filterConditions reports whether a conditional write carries its
// condition in the filter (guarded, deleteHeld). Otherwise the caller holds
// the gate and has checked it in Go, and the filter is an exact _id.
func (p Policy) filterConditions() bool { return p != PolicyGate }

// oneProcess reports whether no other process writes the store: repair may
// then rebuild a product from its reviews while nothing else changes them,
// repair at start-up every unfinished transition whatever its age, and
// reindex work from one snapshot.
func (p Policy) oneProcess() bool { return p == PolicyGate }
