// Package mongodbtest opens stores for tests: against the MongoDB named by
// the MONGODB_URI environment variable when it is set, otherwise against an
// embedded FerretDB server started in the test binary.
//
// REGISTRY_TEST_STORE_POLICY chooses the stores' write policy
// (mongodb.Policy): "gate" or "conditional"; empty chooses as the store does
// (the gate on the embedded server, conditional with MONGODB_URI). With
// "conditional" on the embedded server the MongoDB code paths run against a
// server whose updates are not atomic: correct for one writer at a time, so
// a test that needs concurrent updates of one document to have one winner
// calls NeedsAtomicWrites, which skips it in that run only.
//
// The embedded server is started once per test binary, on first use, in a
// temporary data directory: starting one takes a moment, and the data
// directory lock allows only one server per directory anyway. Each test gets
// its own randomly named database on it (dropped when the test ends), so
// tests can run in parallel without seeing each other's documents.
//
// The shared server outlives any one test, so no test's Cleanup can stop it.
// A package that wants its temporary directory removed calls Main from
// TestMain; otherwise the process exit stops the server (SQLite loses nothing
// acknowledged) and the directory is left to the system's temp cleaning.
package mongodbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
)

// EnvURI names the environment variable that points the tests at a real
// MongoDB deployment instead of the embedded server.
const EnvURI = "MONGODB_URI"

// EnvPolicy names the environment variable that chooses the stores' write
// policy: "gate", "conditional", or empty (or "auto") for the store's own
// choice.
const EnvPolicy = "REGISTRY_TEST_STORE_POLICY"

// timeout bounds start-up, database drops and closes in helpers.
const timeout = time.Minute

var shared struct {
	once sync.Once
	db   *mongodb.DB
	dir  string // temporary data directory; empty with MONGODB_URI
	err  error
}

// Open returns a store on a database of its own for the calling test, on the
// shared server, and drops that database when the test ends. Prepare the
// collections it needs with (*mongodb.DB).Prepare as usual. Closing it is not
// needed and does nothing.
func Open(tb testing.TB) *mongodb.DB {
	tb.Helper()
	base := sharedDB(tb)
	db := base.WithDatabase(DatabaseName())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := db.Database().Drop(ctx); err != nil {
			tb.Errorf("drop test database %s: %v", db.Name(), err)
		}
	})
	return db
}

// OpenDir opens a complete embedded store of its own on the data directory
// dir, for tests of what survives a restart (open, write, Close, OpenDir
// again, read) or of the directory lock. It is closed when the test ends if
// the test has not closed it; Close may be called early and more than once.
func OpenDir(tb testing.TB, dir string) *mongodb.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	policy, err := Policy()
	if err != nil {
		tb.Fatal(err)
	}
	db, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir, Logger: Logger(), Command: "test " + tb.Name(), Policy: policy})
	if err != nil {
		tb.Fatalf("open embedded store in %s: %v", dir, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := db.Close(ctx); err != nil {
			tb.Errorf("close embedded store: %v", err)
		}
	})
	return db
}

// Main runs the tests of a package and then stops the shared server and
// removes its temporary directory. Call it from TestMain:
//
//	func TestMain(m *testing.M) { mongodbtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if shared.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		if err := shared.db.Close(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "mongodbtest: close shared store:", err)
		}
		cancel()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// Policy returns the write policy EnvPolicy asks for (mongodb.PolicyAuto
// when it is empty), or an error naming the variable when it is not a
// policy.
func Policy() (mongodb.Policy, error) {
	p, err := mongodb.ParsePolicy(os.Getenv(EnvPolicy))
	if err != nil {
		return p, fmt.Errorf("%s: %w", EnvPolicy, err)
	}
	return p, nil
}

// NeedsAtomicWrites skips the calling test (or subtest) when the stores run
// the conditional-write policy on the embedded server: there nothing makes
// concurrent updates of one document have one winner (the server's updates
// are not atomic, and the policy does not hold the write gate), so a test
// that drives them at once would fail for a reason production on MongoDB
// does not have. what says what the test does at once; it goes into the
// reason given for the skip. It never skips against a real MongoDB or under
// the gate policy.
func NeedsAtomicWrites(tb testing.TB, what string) {
	tb.Helper()
	p, err := Policy()
	if err != nil {
		tb.Fatal(err)
	}
	if os.Getenv(EnvURI) == "" && p == mongodb.PolicyConditional {
		tb.Skipf("%s: needs atomic concurrent updates, which the embedded server lacks when the write gate is off (%s=conditional)", what, EnvPolicy)
	}
}

// DatabaseName returns a fresh random database name ("t_" and 12 hex digits),
// short and plain enough for both MongoDB and FerretDB's SQLite file names.
func DatabaseName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "t_" + hex.EncodeToString(b)
}

// Logger is the logger the helpers give the stores: warnings and errors on
// stderr. The stores' info messages and the embedded server's chatter stay out
// of test output; a real problem is still seen.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// sharedDB starts (once) and returns the binary's shared store, failing the
// test if it could not be started.
func sharedDB(tb testing.TB) *mongodb.DB {
	tb.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		policy, err := Policy()
		if err != nil {
			shared.err = err
			return
		}
		cfg := mongodb.Config{URI: os.Getenv(EnvURI), Logger: Logger(), Command: "test", Policy: policy}
		if cfg.URI == "" {
			dir, err := os.MkdirTemp("", "registry-mongodbtest-")
			if err != nil {
				shared.err = err
				return
			}
			shared.dir, cfg.DataDir = dir, dir
		}
		shared.db, shared.err = mongodb.Open(ctx, cfg)
	})
	if shared.err != nil {
		tb.Fatalf("open shared test store: %v", shared.err)
	}
	return shared.db
}
