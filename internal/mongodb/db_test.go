package mongodb_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/embedded"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// TestMain stops the shared embedded server and removes its directory at the
// end.
func TestMain(m *testing.M) { mongodbtest.Main(m) }

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestOpen(t *testing.T) {
	t.Parallel()

	t.Run("Embedded", func(t *testing.T) {
		t.Parallel()
		ctx := ctxT(t)
		dir := t.TempDir()
		db := mongodbtest.OpenDir(t, dir)
		if !db.Embedded() {
			t.Fatal("Embedded() = false for a store opened on a data directory")
		}
		if db.Name() != mongodb.DefaultDatabase || db.Database().Name() != mongodb.DefaultDatabase {
			t.Errorf("database = %q, want %q", db.Name(), mongodb.DefaultDatabase)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if _, err := db.Collection("things").InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}}); err != nil {
			t.Fatalf("insert: %v", err)
		}
		if db.Client() == nil {
			t.Fatal("Client() = nil")
		}

		// The SQLite files live in <dir>/db, which only this user may enter.
		fi, err := os.Stat(filepath.Join(dir, "db"))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("db directory mode = %v, want 0700", perm)
		}
		if _, err := os.Stat(filepath.Join(dir, "db", mongodb.DefaultDatabase+".sqlite")); err != nil {
			t.Errorf("database file: %v", err)
		}

		if pid, held := embedded.Locked(dir); !held || pid != os.Getpid() {
			t.Errorf("Locked while open = (%d, %v), want (%d, true)", pid, held, os.Getpid())
		}
		if err := db.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := db.Close(ctx); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if pid, held := embedded.Locked(dir); held {
			t.Errorf("Locked after Close = (%d, true), want not held", pid)
		}
		// A closed store says it is unavailable rather than failing oddly.
		if err := db.Ping(ctx); registry.ErrorCode(err) != registry.EUNAVAILABLE {
			t.Errorf("Ping after Close = %v, want EUNAVAILABLE", err)
		}
	})

	t.Run("ErrNoDataDir", func(t *testing.T) {
		t.Parallel()
		_, err := mongodb.Open(ctxT(t), mongodb.Config{})
		if registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("Open without URI or data directory = %v, want EINVALID", err)
		}
	})

	t.Run("ErrBadURI", func(t *testing.T) {
		t.Parallel()
		_, err := mongodb.Open(ctxT(t), mongodb.Config{URI: "postgres://nope"})
		if registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("Open with a non-MongoDB URI = %v, want EINVALID", err)
		}
	})

	t.Run("ErrUnavailable", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// Port 1 on loopback: nothing listens there.
		_, err := mongodb.Open(ctx, mongodb.Config{URI: "mongodb://127.0.0.1:1/?connectTimeoutMS=500"})
		if registry.ErrorCode(err) != registry.EUNAVAILABLE {
			t.Fatalf("Open of an unreachable server = %v, want EUNAVAILABLE", err)
		}
	})
}

func TestOpen_Locked(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	dir := t.TempDir()
	if _, held := embedded.Locked(dir); held {
		t.Fatal("Locked on a fresh directory = true")
	}

	first, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir, Logger: mongodbtest.Logger(), Command: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(ctx)

	// A second open of the same directory, here from the same process, is
	// refused with a message naming the holder.
	_, err = mongodb.Open(ctx, mongodb.Config{DataDir: dir, Logger: mongodbtest.Logger(), Command: "reindex"})
	if registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("second Open = %v, want ECONFLICT", err)
	}
	abs, _ := filepath.Abs(dir)
	want := fmt.Sprintf(`data directory %q is in use by another registry process (pid %d, "serve"); stop it, or use the server's API`, abs, os.Getpid())
	if got := registry.ErrorMessage(err); got != want {
		t.Errorf("message:\n got %s\nwant %s", got, want)
	}
	if pid, held := embedded.Locked(dir); !held || pid != os.Getpid() {
		t.Errorf("Locked = (%d, %v), want (%d, true)", pid, held, os.Getpid())
	}

	// The refused Open left nothing behind: the first store still works, and
	// once it is closed the directory opens again.
	if _, err := first.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: 1}}); err != nil {
		t.Fatalf("first store after refused open: %v", err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	second := mongodbtest.OpenDir(t, dir)
	if n, err := second.Collection("c").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Fatalf("count after reopen = %d, %v; want 1", n, err)
	}
}

func TestOpen_Restart(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	dir := t.TempDir()
	specs := []mongodb.CollectionSpec{{Name: "products"}}

	db := mongodbtest.OpenDir(t, dir)
	if err := db.Prepare(ctx, specs); err != nil {
		t.Fatal(err)
	}
	docs := []any{
		bson.D{{Key: "_id", Value: "ai-tutor"}, {Key: "name", Value: "AI Tutor"}},
		bson.D{{Key: "_id", Value: "marker"}, {Key: "name", Value: "Marker"}},
	}
	if _, err := db.Collection("products").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}

	db = mongodbtest.OpenDir(t, dir)
	if err := db.Prepare(ctx, specs); err != nil { // idempotent across restarts
		t.Fatal(err)
	}
	var got struct {
		Name string `bson:"name"`
	}
	if err := db.Collection("products").FindOne(ctx, bson.D{{Key: "_id", Value: "marker"}}).Decode(&got); err != nil {
		t.Fatalf("find after restart: %v", err)
	}
	if got.Name != "Marker" {
		t.Errorf("name after restart = %q, want Marker", got.Name)
	}
	if n, err := db.Collection("products").CountDocuments(ctx, bson.D{}); err != nil || n != 2 {
		t.Errorf("count after restart = %d, %v; want 2", n, err)
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	a := mongodbtest.Open(t)
	b := mongodbtest.Open(t)
	if a.Name() == b.Name() || !strings.HasPrefix(a.Name(), "t_") {
		t.Fatalf("test databases %q and %q: want distinct t_ names", a.Name(), b.Name())
	}
	if a.Client() != b.Client() {
		t.Error("test databases do not share the client")
	}
	if _, err := a.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Collection("c").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("other test's database sees %d documents (%v), want 0", n, err)
	}
	// Closing a derived DB must not stop the shared server.
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Ping(ctx); err != nil {
		t.Fatalf("Ping after closing a derived DB: %v", err)
	}
	if c := a.WithDatabase("other"); c.Embedded() != a.Embedded() || c.Name() != "other" {
		t.Errorf("WithDatabase: embedded %v name %q", c.Embedded(), c.Name())
	}
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	db := mongodbtest.Open(t)
	specs := []mongodb.CollectionSpec{
		{Name: "tokens"},
		{Name: "claims", Indexes: nil},
	}
	specs = append(specs, mongodb.CollectionSpec{Name: "people", Indexes: []mongo.IndexModel{{
		Keys:    bson.D{{Key: "email", Value: 1}},
		Options: options.Index().SetUnique(true),
	}}})
	for i := range 2 { // the second run finds everything in place
		if err := db.Prepare(ctx, specs); err != nil {
			t.Fatalf("Prepare (run %d): %v", i+1, err)
		}
	}
	names, err := db.Database().ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if !contains(names, s.Name) {
			t.Errorf("collection %s missing after Prepare (have %v)", s.Name, names)
		}
	}
	people := db.Collection("people")
	if _, err := people.InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "email", Value: "a@example.org"}}); err != nil {
		t.Fatal(err)
	}
	_, err = people.InsertOne(ctx, bson.D{{Key: "_id", Value: 2}, {Key: "email", Value: "a@example.org"}})
	if err = mongodb.Translate(err, "person"); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Errorf("insert breaking the unique index = %v, want ECONFLICT", err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
