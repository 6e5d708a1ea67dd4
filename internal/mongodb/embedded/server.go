// Package embedded runs the registry's embedded store: a MongoDB-compatible
// server (FerretDB on SQLite) in this process, listening only on 127.0.0.1,
// with its files in a data directory that one process at a time may hold.
//
// Package mongodb starts it when no MongoDB URI is given and talks to it
// through the MongoDB driver like to any other server; this package owns
// what is particular to it: FerretDB's start-up and logging, the data
// directory's lock file, and the SQLite index that FerretDB's own _id lookups
// need (docs/storage.md, "The embedded store").
package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// sqliteDirName is the folder under the data directory that holds FerretDB's
// SQLite files, one <database>.sqlite per database.
const sqliteDirName = "db"

// ferretNewMu serialises ferretdb.New, which writes a package-level variable
// (the build-info "package" name) that two embedded servers started at the
// same time in one process, as tests do, would race on.
var ferretNewMu sync.Mutex

// Server is a FerretDB instance running in this process on the SQLite
// handler, and the lock on its data directory. Its methods are safe for
// concurrent use.
type Server struct {
	uri       string
	dir       string // the data directory
	sqliteDir string
	lock      *dirLock
	stop      context.CancelFunc
	done      chan struct{}

	once sync.Once
	err  error
}

// Start takes the lock on dataDir, creating the directory if needed, and
// starts FerretDB with its SQLite files in dataDir/db, listening only on a
// random port of 127.0.0.1: it has no authentication, so it must not be
// reachable from another machine. command names what this process is doing
// ("serve", "reindex", …) in the lock file, so that a second process can say
// who holds the directory.
//
// When another process (or another Server in this one) holds dataDir, the
// error is an ECONFLICT *registry.Error naming it.
func Start(dataDir, command string, logger *slog.Logger) (_ *Server, err error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", dataDir, err)
	}
	sqliteDir := filepath.Join(dir, sqliteDirName)
	// 0700: the files hold reviewer references and token hashes, and the
	// server that reads them has no authentication of its own.
	if err := os.MkdirAll(sqliteDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := acquireLock(dir, command)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = lock.release()
		}
	}()

	// FerretDB logs every connection and command; only its warnings and
	// errors are worth an operator's attention.
	quiet := slog.New(ferretLogHandler{h: logger.Handler()}).With("component", "ferretdb")

	// FerretDB wants a directory URI ending in "/". It passes the query on
	// to every SQLite connection it opens, where the driver runs each
	// _pragma (scrub.go says why this one).
	u := url.URL{Scheme: "file", Path: sqliteDir + "/", RawQuery: sqlitePragmas}
	ferretNewMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: u.String(),
		Logger:    quiet,
	})
	ferretNewMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start embedded store in %s: %w", sqliteDir, err)
	}

	// The listener is bound by New, so the URI is known before Run; Run
	// serves until its context is cancelled and then closes the SQLite files.
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{uri: f.MongoDBURI(), dir: dir, sqliteDir: sqliteDir, lock: lock, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx) // always nil
	}()
	return s, nil
}

// URI is the MongoDB URI the server listens on. FerretDB reports itself as
// a standalone server: the driver will not retry writes, and a write concern
// is ignored.
func (s *Server) URI() string { return s.uri }

// Dir is the data directory, made absolute.
func (s *Server) Dir() string { return s.dir }

// Close stops the server, waits until ctx ends for it to close its
// connections and SQLite files, and releases the data directory. Calling it
// again does nothing and returns the first call's result. ctx bounds the wait
// (ShutdownTimeout when it has no deadline); on shutdown pass a fresh
// context, not the cancelled one that announced it, or the SQLite files are
// not closed cleanly (SQLite recovers them on the next start, but it takes
// longer).
func (s *Server) Close(ctx context.Context) error {
	s.once.Do(func() {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, ShutdownTimeout)
			defer cancel()
		}
		s.stop()
		var errs []error
		select {
		case <-s.done:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("stop embedded store: %w", ctx.Err()))
		}
		// Released even if the server did not stop in time: its listener is
		// already closed, so it can no longer accept writes that another
		// process would miss.
		errs = append(errs, s.lock.release())
		s.err = errors.Join(errs...)
	})
	return s.err
}

// ferretLogHandler passes FerretDB's warnings and errors to the
// application's handler (same format and destination) and drops the rest.
//
// FerretDB logs every command at debug level, and raises its dump of a
// command's response (two records, "Response header: …" and "Response
// message: …") to warning whenever the command fails — for every
// createCollection of a collection that exists, every stage it does not
// implement, even the endSessions the driver sends when disconnecting. The
// driver returns those failures to the caller, who translates and reports
// them, so the dumps are dropped too unless FerretDB logs them as errors
// (when it closes the connection).
type ferretLogHandler struct {
	h slog.Handler
}

func (f ferretLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && f.h.Enabled(ctx, l)
}

func (f ferretLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelError &&
		(strings.HasPrefix(r.Message, "Response header: ") || strings.HasPrefix(r.Message, "Response message:")) {
		return nil
	}
	return f.h.Handle(ctx, r)
}

func (f ferretLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return ferretLogHandler{h: f.h.WithAttrs(attrs)}
}

func (f ferretLogHandler) WithGroup(name string) slog.Handler {
	return ferretLogHandler{h: f.h.WithGroup(name)}
}

// ShutdownTimeout bounds how long Close waits for the server when the
// caller's context has no deadline.
const ShutdownTimeout = 30 * time.Second
