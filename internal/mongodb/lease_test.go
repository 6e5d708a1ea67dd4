package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// Tests of the leases that keep reindex and servers apart (lease.go). Two
// processes cannot open one embedded data directory, so each "process" here
// is a store of its own on one shared test database.

// anotherStore opens a second store on db, as another process would; now
// is its clock (time.Now when nil).
func anotherStore(t *testing.T, db *mongodb.DB, now func() time.Time) *mongodb.Store {
	t.Helper()
	s, err := mongodb.NewStore(testCtx(t), db, mongodb.Options{Rubrics: defaultRubrics(t), Logger: mongodbtest.Logger(), Now: now})
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s
}

// release releases a lease and fails the test on error.
func release(t *testing.T, l *mongodb.Lease) {
	t.Helper()
	if err := l.Release(testCtx(t)); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

// leaseIDs returns the _ids of the leases stored.
func leaseIDs(t *testing.T, db *mongodb.DB) []string {
	t.Helper()
	cur, err := db.Collection(mongodb.ColLeases).Find(testCtx(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(testCtx(t), &docs); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}

// refused fails the test unless err is an ECONFLICT saying each of wants.
func refused(t *testing.T, what string, err error, wants ...string) {
	t.Helper()
	if registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("%s: %v, want ECONFLICT", what, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not say %q", what, err, w)
		}
	}
}

func TestReindexLeaseRefusedWhileServersRun(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	host, _ := os.Hostname()
	a, err := s.AcquireServerLease(ctx, "serve")
	if err != nil {
		t.Fatalf("first server's lease: %v", err)
	}
	b, err := anotherStore(t, db, nil).AcquireServerLease(ctx, "serve")
	if err != nil {
		t.Fatalf("second server's lease: %v", err)
	}

	reindexer := anotherStore(t, db, nil)
	_, err = reindexer.AcquireReindexLease(ctx)
	refused(t, "reindex while two servers run", err, "2 registry servers are running against this database",
		"serve on host "+host+", pid "+fmt.Sprint(os.Getpid())+", started ",
		"stop them, or wait up to 60 s after they stop, then run reindex again")
	if ids := leaseIDs(t, db); len(ids) != 2 || slices.Contains(ids, "reindex") {
		t.Errorf("leases after the refusal: %v, want the two servers' only", ids)
	}

	release(t, a)
	_, err = reindexer.AcquireReindexLease(ctx)
	refused(t, "reindex while one server runs", err, "1 registry server is running", "stop it, or wait up to 60 s after it stops")

	release(t, b)
	r, err := reindexer.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatalf("reindex once the servers stopped: %v", err)
	}
	if ids := leaseIDs(t, db); len(ids) != 1 || ids[0] != "reindex" {
		t.Errorf("leases while reindex runs: %v, want [reindex]", ids)
	}
	release(t, r)
	if ids := leaseIDs(t, db); len(ids) != 0 {
		t.Errorf("leases after reindex: %v, want none", ids)
	}
}

func TestServerLeaseRefusedWhileReindexRuns(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	r, err := s.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatalf("reindex lease: %v", err)
	}
	server := anotherStore(t, db, nil)
	_, err = server.AcquireServerLease(ctx, "serve")
	refused(t, "server start during reindex", err, "registry reindex is running against this database (reindex on host",
		"start the server when it has finished, or up to 60 s after it stopped")
	_, err = anotherStore(t, db, nil).AcquireReindexLease(ctx)
	refused(t, "a second reindex", err, "Another registry reindex is running against this database")
	if ids := leaseIDs(t, db); len(ids) != 1 || ids[0] != "reindex" {
		t.Errorf("leases after the refusals: %v, want [reindex]", ids)
	}

	release(t, r)
	l, err := server.AcquireServerLease(ctx, "serve")
	if err != nil {
		t.Fatalf("server start after reindex: %v", err)
	}
	release(t, l)
}

func TestExpiredLeasesDoNotBlock(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	// A process whose clock is two lease lifetimes behind writes leases
	// that are already expired: what a killed process leaves after
	// LeaseTTL.
	dead := anotherStore(t, db, func() time.Time { return time.Now().Add(-2 * mongodb.LeaseTTL) })
	oldServer, err := dead.AcquireServerLease(ctx, "serve")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatalf("reindex with an expired server lease: %v", err)
	}
	if ids := leaseIDs(t, db); len(ids) != 1 || ids[0] != "reindex" {
		t.Errorf("leases: %v, want the expired server lease deleted and [reindex] left", ids)
	}
	release(t, r)
	release(t, oldServer)

	oldReindex, err := dead.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.AcquireServerLease(ctx, "serve")
	if err != nil {
		t.Fatalf("server start with an expired reindex lease: %v", err)
	}
	release(t, l)
	r, err = s.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatalf("reindex taking over an expired reindex lease: %v", err)
	}
	// The expired lease's holder lets go of it: that must not delete the
	// lease that took its place.
	release(t, oldReindex)
	if ids := leaseIDs(t, db); len(ids) != 1 || ids[0] != "reindex" {
		t.Errorf("leases after the old holder let go: %v, want [reindex]", ids)
	}
	_, err = anotherStore(t, db, nil).AcquireServerLease(ctx, "serve")
	refused(t, "server start after the take-over", err, "registry reindex is running")
	release(t, r)
}

func TestLeaseRenewedAndReleased(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	const ttl = 600 * time.Millisecond
	mongodb.SetLeaseTTL(s, ttl)
	l, err := s.AcquireServerLease(ctx, "serve")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * ttl) // renewed every ttl/3, so live throughout
	var doc struct {
		Until time.Time `bson:"until"`
	}
	coll := db.Collection(mongodb.ColLeases)
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: leaseIDs(t, db)[0]}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Until.After(time.Now()) {
		t.Errorf("the lease expired at %s although its holder runs", doc.Until)
	}
	_, err = anotherStore(t, db, nil).AcquireReindexLease(ctx)
	refused(t, "reindex while the renewed lease is live", err, "1 registry server is running")
	if l.Err() != nil {
		t.Errorf("a renewed lease reports %v", l.Err())
	}
	release(t, l)
	if err := l.Release(ctx); err != nil {
		t.Errorf("a second Release: %v", err)
	}
	if ids := leaseIDs(t, db); len(ids) != 0 {
		t.Errorf("leases after Release: %v, want none", ids)
	}
}

// TestLeaseLost: a reindex whose lease another process took over (after
// it expired) learns it at the next renewal, and its Watch context ends;
// letting go of it does not delete the other holder's lease.
func TestLeaseLost(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	mongodb.SetLeaseTTL(s, 600*time.Millisecond)
	l, err := s.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	watched, stop := l.Watch(ctx)
	defer stop()
	// What a take-over leaves: the lease document is another holder's.
	takeOver := bson.D{{Key: "$set", Value: bson.D{{Key: "tok", Value: "another holder"}, {Key: "pid", Value: -1}}}}
	if _, err := db.Collection(mongodb.ColLeases).UpdateOne(ctx, bson.D{{Key: "_id", Value: "reindex"}}, takeOver); err != nil {
		t.Fatal(err)
	}
	select {
	case <-watched.Done():
	case <-time.After(time.Minute):
		t.Fatal("the watch context did not end when the lease was lost")
	}
	if cause := context.Cause(watched); l.Err() == nil || !errors.Is(cause, l.Err()) {
		t.Errorf("cause %v, Err %v: want the loss", cause, l.Err())
	}
	release(t, l)
	// Letting go of the lost lease leaves the other holder's.
	var doc struct {
		PID int `bson:"pid"`
	}
	if err := db.Collection(mongodb.ColLeases).FindOne(ctx, bson.D{{Key: "_id", Value: "reindex"}}).Decode(&doc); err != nil || doc.PID != -1 {
		t.Errorf("the other holder's lease after the release: pid %d, %v; want it there", doc.PID, err)
	}
}

// TestLeaseRacingStarters starts a server and a reindex at the same time,
// again and again: never do both get their lease.
func TestLeaseRacingStarters(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	reindexer := anotherStore(t, db, nil)
	for round := range 20 {
		var server, reindex *mongodb.Lease
		var serr, rerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); server, serr = s.AcquireServerLease(ctx, "serve") }()
		go func() { defer wg.Done(); reindex, rerr = reindexer.AcquireReindexLease(ctx) }()
		wg.Wait()
		for _, err := range []error{serr, rerr} {
			if err != nil && registry.ErrorCode(err) != registry.ECONFLICT {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if server != nil && reindex != nil {
			t.Fatalf("round %d: a server and a reindex both hold their leases", round)
		}
		for _, l := range []*mongodb.Lease{server, reindex} {
			if l != nil {
				release(t, l)
			}
		}
	}
}
