package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/embedded"
	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
)

// startMongoDBCompatible starts a MongoDB-compatible server (the embedded
// server, FerretDB on SQLite in a temporary folder) on 127.0.0.1 for the
// calling test and returns its URI. Commands given it with --mongodb-uri
// use the store's MongoDB policy, as against a real deployment: no data
// directory lock held by them, conditions in filters, leases between
// processes. It stops when the test ends.
func startMongoDBCompatible(t *testing.T) string {
	t.Helper()
	srv, err := embedded.Start(t.TempDir(), "test "+t.Name(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("start the embedded server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopWait)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("stop the embedded server: %v", err)
		}
	})
	return srv.URI()
}

// rawDB connects to the registry's database at uri, for a test that reads
// or damages documents directly.
func rawDB(t *testing.T, uri string) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(mongodb.DefaultDatabase)
}

// count counts a collection's documents.
func count(t *testing.T, db *mongo.Database, coll string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	n, err := db.Collection(coll).CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatalf("count %s: %v", coll, err)
	}
	return n
}

// TestReindexRefusedWhileServing runs a server against a MongoDB-compatible
// server (the MongoDB policy, where no data directory lock keeps two
// processes apart) and shows that reindex is refused, naming the server,
// and rebuilds nothing while the server runs; that the server's lease is
// gone once it stops cleanly; that reindex then runs; and that a server
// does not start while a reindex holds its lease.
func TestReindexRefusedWhileServing(t *testing.T) {
	uri := startMongoDBCompatible(t)
	admin := randomSecret("admin-")
	env := map[string]string{"REGISTRY_ADMIN_TOKEN": admin, "MONGODB_URI": uri}
	raw := rawDB(t, uri)
	host, _ := os.Hostname()

	srv := launch(t, env, nil, "serve", "--addr", "127.0.0.1:0", "--moderation", "off")
	srv.waitListening(t)
	product := srv.createProduct(t, admin, "Lease Tutor")
	reviewer := srv.createToken(t, admin, "reviewer", "lease reviewer")
	srv.submitReview(t, http.StatusCreated, product, reviewer)
	if n := srv.assessedReviews(t, product); n != 1 {
		t.Fatalf("assessment counts %d reviews, want 1", n)
	}
	if n := count(t, raw, "leases"); n != 1 {
		t.Fatalf("%d leases while one server runs, want 1", n)
	}
	// Statistics a reindex would rebuild.
	if _, err := raw.Collection("stats").DeleteMany(context.Background(), bson.D{}); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := runCommand(t, env, "reindex")
	if err == nil {
		t.Fatalf("reindex while a server runs: no error\nstdout: %s\nstderr: %s", stdout, stderr)
	}
	for _, want := range []string{
		"1 registry server is running against this database",
		fmt.Sprintf("serve on host %s, pid %d, started ", host, os.Getpid()),
		"stop it, or wait up to 60 s after it stops, then run reindex again",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("reindex error %q does not say %q", err, want)
		}
	}
	if strings.Contains(stdout, "done") || strings.Contains(stderr, "products (") {
		t.Errorf("the refused reindex reported work:\nstdout: %s\nstderr: %s", stdout, stderr)
	}
	if n := count(t, raw, "stats"); n != 0 {
		t.Errorf("the refused reindex rebuilt %d statistics records", n)
	}
	if n := count(t, raw, "leases"); n != 1 {
		t.Errorf("%d leases after the refused reindex, want the server's only", n)
	}

	srv.stop(t)
	if n := count(t, raw, "leases"); n != 0 {
		t.Errorf("%d leases after the server stopped cleanly, want none", n)
	}
	stdout, stderr, err = runCommand(t, env, "reindex")
	if err != nil {
		t.Fatalf("reindex after the server stopped: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "1 product(s)") || count(t, raw, "stats") != 1 {
		t.Errorf("reindex did not rebuild the statistics: %q, %d records", stdout, count(t, raw, "stats"))
	}
	if n := count(t, raw, "leases"); n != 0 {
		t.Errorf("%d leases after reindex, want none", n)
	}

	// A reindex holding its lease (here through the store, as the command
	// does) keeps a server from starting.
	ctx, cancel := context.WithTimeout(context.Background(), startWait)
	defer cancel()
	db, err := mongodb.Open(ctx, mongodb.Config{URI: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	set := rubrictest.Set(t)
	store, err := mongodb.NewStore(ctx, db, mongodb.Options{Rubrics: set, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	lease, err := store.AcquireReindexLease(ctx)
	if err != nil {
		t.Fatalf("reindex lease: %v", err)
	}
	refused := launch(t, env, nil, "serve", "--addr", "127.0.0.1:0")
	err = refused.wait(t)
	if err == nil || !strings.Contains(err.Error(), "registry reindex is running against this database (reindex on host "+host) ||
		!strings.Contains(err.Error(), "start the server when it has finished, or up to 60 s after it stopped") {
		t.Errorf("serve while a reindex runs: %v, want a refusal naming the reindex", err)
	}
	if listening.MatchString(refused.stdout.String()) {
		t.Error("the server listened while a reindex held its lease")
	}
	if err := lease.Release(ctx); err != nil {
		t.Fatal(err)
	}
	startServer(t, "", env, nil).stop(t)
}
