package mongodbtest

import (
	"context"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// StoreOptions returns opts completed as every test store needs: the
// rubrics shipped with the registry unless opts names others, and Logger
// unless opts names a logger.
func StoreOptions(tb testing.TB, opts mongodb.Options) mongodb.Options {
	tb.Helper()
	if opts.Rubrics == nil {
		opts.Rubrics = rubrictest.Set(tb)
	}
	if opts.Logger == nil {
		opts.Logger = Logger()
	}
	return opts
}

// Store returns a store ready for requests on a database of its own (see
// Open), opened with StoreOptions(tb, opts), and the DB under it, for tests
// that read or damage documents directly or open another store on the same
// data with OpenStore. The database is dropped when the test ends.
func Store(tb testing.TB, opts mongodb.Options) (*mongodb.Store, *mongodb.DB) {
	tb.Helper()
	db := Open(tb)
	return OpenStore(tb, db, opts), db
}

// OpenStore opens a store with StoreOptions(tb, opts) over db, which may
// already hold another store's data: a second server on the same data, or
// a restart with other settings. A test that expects the opening to fail
// calls mongodb.NewStore with StoreOptions itself.
func OpenStore(tb testing.TB, db *mongodb.DB, opts mongodb.Options) *mongodb.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := mongodb.NewStore(ctx, db, StoreOptions(tb, opts))
	if err != nil {
		tb.Fatalf("open a store on test database %s: %v", db.Name(), err)
	}
	return s
}
