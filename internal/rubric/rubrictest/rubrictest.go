// Package rubrictest gives tests the rubrics shipped with the registry (the
// files embedded in package rubrics, with their translations), loaded and
// checked once per test binary.
//
// The set is shared by every test of the binary, as a server shares its one
// set between all requests: treat it and its rubrics as read-only, and copy
// a rubric before changing it (a test of a rubric version that does not
// exist builds its own set with rubric.NewSet).
package rubrictest

import (
	"sync"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

var load = sync.OnceValues(func() (*rubric.Set, error) {
	return rubric.LoadSet(rubrics.FS)
})

// Set returns the shipped rubric set, failing the test if the shipped
// files do not load.
func Set(tb testing.TB) *rubric.Set {
	tb.Helper()
	set, err := load()
	if err != nil {
		tb.Fatalf("load the shipped rubrics:\n%v", err)
	}
	return set
}

// Default returns the latest version of the shipped default rubric.
func Default(tb testing.TB) *registry.Rubric {
	tb.Helper()
	return Set(tb).Default()
}

// Version returns one version of a shipped rubric, failing the test if
// there is no such version.
func Version(tb testing.TB, id string, version int) *registry.Rubric {
	tb.Helper()
	r, err := Set(tb).Version(id, version)
	if err != nil {
		tb.Fatalf("shipped rubric %s version %d: %v", id, version, err)
	}
	return r
}
