// Package mongodb is the registry's storage: it implements the registry's
// services over the official MongoDB Go driver and owns everything bson.
//
// With a MongoDB URI it connects to that server (in production, a replica set
// with majority write concern, so the driver's retryable writes apply). With
// none it starts an embedded MongoDB-compatible server in this process —
// FerretDB on SQLite, files under the data directory (package embedded) — and
// talks to it through the same driver, so development, tests and production
// share one code path.
//
// The embedded server differs from MongoDB in ways the stores must respect
// (see docs/storage.md, "The embedded store"): its updates are not atomic,
// so by default (PolicyGate) every read-modify-write holds the write gate
// ([DB.Lock]), where on MongoDB (PolicyConditional) conditions go in the
// filters (see Policy); only a filter
// of exactly {_id: …} is answered by SQLite, every other filter decodes the
// whole collection in Go; no transactions, $lookup, $facet, $expr, text or
// TTL indexes. Only one process may open an embedded data directory at a
// time: the embedded server holds a lock file and says who holds it.
package mongodb

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/edtech-registry/registry/internal/mongodb/embedded"
	"github.com/edtech-registry/registry/internal/registry"
)

// DefaultDatabase is the database used when Config.Database is empty.
const DefaultDatabase = "registry"

// connectTimeout bounds the first ping of Open when the caller's context has
// no deadline, so a wrong URI fails in seconds rather than hanging start-up.
const connectTimeout = 20 * time.Second

// Config says which store to open.
type Config struct {
	// URI of a MongoDB deployment ("mongodb://…" or "mongodb+srv://…"). Empty
	// starts the embedded store in DataDir.
	URI string
	// DataDir holds the embedded store's files (in DataDir/db) and its lock
	// file. Required when URI is empty, ignored otherwise.
	DataDir string
	// Database is the database name; DefaultDatabase when empty.
	Database string
	// Logger receives the store's own messages and the embedded server's
	// warnings; slog.Default() when nil.
	Logger *slog.Logger
	// Command names what this process is doing ("serve", "reindex", …). It is
	// recorded in the embedded data directory's lock file so that a second
	// process can say who holds it; the program's name when empty.
	Command string
	// Policy is how read-modify-writes get one winner (see Policy). The
	// zero value chooses: the write gate on the embedded store, conditions
	// in the filters with a URI.
	Policy Policy
}

// DB is an open store: a driver client, one database, and (for the embedded
// store) the in-process server, the data directory lock and the write gate.
// Its methods are safe for concurrent use.
type DB struct {
	client   *mongo.Client
	database *mongo.Database
	gates    *gates // one per database name, shared by WithDatabase
	gate     *gate  // this database's
	policy   Policy // never PolicyAuto
	log      *slog.Logger

	// server is the embedded server; nil on MongoDB.
	server *embedded.Server

	// Set only on the DB returned by Open; nil on those made by WithDatabase,
	// whose Close does nothing.
	owner *resources
}

// resources are what the DB returned by Open owns and Close releases.
type resources struct {
	once   sync.Once
	err    error
	server *embedded.Server // nil with a URI
}

// Open connects to the store described by cfg and checks that it answers.
//
// With no URI it takes the data directory's lock, starts the embedded server
// and connects to it. Returns ECONFLICT if another process (or another open
// DB in this one) holds the data directory, EINVALID if there is neither a URI
// nor a data directory (or the policy is unknown), and EUNAVAILABLE if the
// server does not answer.
// ctx bounds the start-up only (20 seconds when it has no deadline).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	dbName := cfg.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	if cfg.Policy < PolicyAuto || cfg.Policy > PolicyConditional {
		return nil, registry.Errorf(registry.EINVALID, "Unknown store policy %d.", int(cfg.Policy))
	}
	if cfg.URI != "" {
		return openRemote(ctx, cfg.URI, dbName, cfg.Policy.resolve(false), log)
	}
	if cfg.DataDir == "" {
		return nil, registry.Errorf(registry.EINVALID, "Give either a MongoDB URI or a data directory for the embedded store.")
	}
	return openEmbedded(ctx, cfg, dbName, log)
}

func openRemote(ctx context.Context, uri, dbName string, policy Policy, log *slog.Logger) (*DB, error) {
	opts := options.Client().ApplyURI(uri).SetAppName("edtech-registry")
	// Acknowledged by a majority, so a write survives a primary failover; an
	// explicit w= in the URI wins.
	if opts.WriteConcern == nil {
		opts.SetWriteConcern(writeconcern.Majority())
	}
	client, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	log.Info("store connected", "kind", "mongodb", "database", dbName, "policy", policy.String())
	gs := newGates()
	return &DB{
		client:   client,
		database: client.Database(dbName),
		gates:    gs,
		gate:     gs.get(dbName),
		policy:   policy,
		log:      log,
		owner:    &resources{},
	}, nil
}

func openEmbedded(ctx context.Context, cfg Config, dbName string, log *slog.Logger) (_ *DB, err error) {
	command := cfg.Command
	if command == "" {
		command = filepath.Base(os.Args[0])
	}
	server, err := embedded.Start(cfg.DataDir, command, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = server.Close(context.WithoutCancel(ctx))
		}
	}()
	client, err := connect(ctx, options.Client().ApplyURI(server.URI()).SetAppName("edtech-registry"))
	if err != nil {
		return nil, err
	}
	policy := cfg.Policy.resolve(true)
	log.Info("store started", "kind", "embedded", "dir", server.Dir(), "database", dbName, "policy", policy.String())
	gs := newGates()
	return &DB{
		client:   client,
		database: client.Database(dbName),
		gates:    gs,
		gate:     gs.get(dbName),
		policy:   policy,
		log:      log,
		server:   server,
		owner:    &resources{server: server},
	}, nil
}

// connect creates a client and pings the primary, so Open fails at once on a
// wrong address rather than on the first request.
func connect(ctx context.Context, opts *options.ClientOptions) (*mongo.Client, error) {
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, registry.Errorf(registry.EINVALID, "The MongoDB URI is not valid: %v", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, connectTimeout)
		defer cancel()
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, translate(err, "store")
	}
	return client, nil
}

// Close disconnects, stops the embedded server, waits for it to close its
// files and releases the data directory. Calling it again does nothing and
// returns the first call's result. On a DB made by WithDatabase it does
// nothing: close the DB it came from. ctx bounds the wait (30 seconds when it
// has no deadline); on shutdown pass a fresh context, not the cancelled one
// that announced it, or the SQLite files are not closed cleanly (SQLite
// recovers them on the next open, but it takes longer).
func (db *DB) Close(ctx context.Context) error {
	r := db.owner
	if r == nil {
		return nil
	}
	r.once.Do(func() {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, embedded.ShutdownTimeout)
			defer cancel()
		}
		errs := []error{db.client.Disconnect(ctx)}
		if r.server != nil {
			errs = append(errs, r.server.Close(ctx))
		}
		r.err = errors.Join(errs...)
	})
	return r.err
}

// WithDatabase returns a DB for another database on the same connection,
// sharing the client, the policy and (when embedded) the running server. Its
// write gate is the one every DB of this client uses for that database name.
// Tests use it to give each test its own database on one embedded server,
// which a second Open could not do while the first holds the data directory.
func (db *DB) WithDatabase(name string) *DB {
	return &DB{
		client:   db.client,
		database: db.client.Database(name),
		gates:    db.gates,
		gate:     db.gates.get(name),
		policy:   db.policy,
		log:      db.log,
		server:   db.server,
	}
}

// Ping checks that the store answers, for readiness probes. Returns
// EUNAVAILABLE if it does not.
func (db *DB) Ping(ctx context.Context) error {
	return translate(db.client.Ping(ctx, readpref.Primary()), "store")
}

// Embedded reports whether this is the in-process FerretDB server. How the
// store writes depends on its Policy, not on this: it is for messages and
// for tests of the server itself.
func (db *DB) Embedded() bool { return db.server != nil }

// Policy returns the policy the store was opened with (never PolicyAuto).
func (db *DB) Policy() Policy { return db.policy }

// Client returns the driver client.
func (db *DB) Client() *mongo.Client { return db.client }

// Database returns the driver handle of the DB's database.
func (db *DB) Database() *mongo.Database { return db.database }

// Name returns the database name.
func (db *DB) Name() string { return db.database.Name() }

// Collection returns the named collection of the DB's database.
func (db *DB) Collection(name string) *mongo.Collection { return db.database.Collection(name) }

// CollectionSpec is a collection the registry uses and the indexes it needs.
type CollectionSpec struct {
	Name    string
	Indexes []mongo.IndexModel
}

// Prepare creates the collections and indexes in specs where they are
// missing; it is idempotent and meant to run at start-up. On the embedded
// store it also adds the _id expression index that FerretDB's own lookups
// need (see package embedded) to every collection of the database.
//
// Stores should list every collection they write here: one created later by
// a first insert would miss that index until the next start.
func (db *DB) Prepare(ctx context.Context, specs []CollectionSpec) error {
	for _, spec := range specs {
		err := db.database.CreateCollection(ctx, spec.Name)
		if err != nil && !isNamespaceExists(err) {
			return translate(err, "collection "+spec.Name)
		}
		// One index per call: FerretDB 1.24 panics (and drops the
		// connection) when one createIndexes command lists two or more
		// indexes that all exist already, as they do on every restart.
		for _, idx := range spec.Indexes {
			if _, err := db.Collection(spec.Name).Indexes().CreateOne(ctx, idx); err != nil {
				return translate(err, "indexes of "+spec.Name)
			}
		}
	}
	if db.server != nil {
		return db.server.Prepare(ctx, db.Name())
	}
	return nil
}
