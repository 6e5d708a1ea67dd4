package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
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

// embeddedServer is a FerretDB instance running in this process on the SQLite
// handler.
type embeddedServer struct {
	uri       string
	sqliteDir string
	stop      context.CancelFunc
	done      chan struct{}
}

// startEmbedded starts FerretDB with its SQLite files in sqliteDir, listening
// only on a random port of 127.0.0.1: it has no authentication, so it must not
// be reachable from another machine.
func startEmbedded(sqliteDir string, logger *slog.Logger) (*embeddedServer, error) {
	// FerretDB logs every connection and command; only its warnings and
	// errors are worth an operator's attention.
	quiet := slog.New(ferretLogHandler{h: logger.Handler()}).With("component", "ferretdb")

	u := url.URL{Scheme: "file", Path: sqliteDir + "/"} // FerretDB wants a directory URI ending in "/"
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
	s := &embeddedServer{uri: f.MongoDBURI(), sqliteDir: sqliteDir, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx) // always nil
	}()
	return s, nil
}

// shutdown stops the server and waits, until ctx ends, for it to close its
// connections and SQLite files.
func (s *embeddedServer) shutdown(ctx context.Context) error {
	s.stop()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop embedded store: %w", ctx.Err())
	}
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

// shutdownTimeout bounds how long Close waits for the embedded server when the
// caller's context has no deadline.
const shutdownTimeout = 30 * time.Second
