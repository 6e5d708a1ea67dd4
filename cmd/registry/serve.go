package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	apphttp "github.com/edtech-registry/registry/internal/http"
	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

// shutdownTimeout bounds how long in-flight requests may take to finish
// after a stop signal.
const shutdownTimeout = 15 * time.Second

// demoSeed makes the demo data the same on every machine.
const demoSeed = 2026

// config is the server's configuration: flags, each with an environment twin.
type config struct {
	addr       string
	dataDir    string
	mongoURI   string
	moderation bool
	demo       bool
	rubricDir  string
	threshold  int
	maxPending int
	adminToken string
	secret     string
	logLevel   string
	// secureCookies and clientIPHeader configure sessions behind a proxy.
	secureCookies  bool
	clientIPHeader string
}

// storeFlags are shared by every command that opens the store.
func storeFlags(fs *flag.FlagSet, cfg *config, getenv func(string) string) {
	fs.StringVar(&cfg.dataDir, "data", envOr(getenv, "REGISTRY_DATA", "./data"), "embedded store's data `directory` (REGISTRY_DATA)")
	fs.StringVar(&cfg.mongoURI, "mongodb-uri", getenv("MONGODB_URI"), "MongoDB `URI`; empty runs the embedded store (MONGODB_URI)")
	fs.StringVar(&cfg.rubricDir, "rubrics", getenv("REGISTRY_RUBRICS"), "`folder` of rubric files; empty uses the built-in rubrics (REGISTRY_RUBRICS)")
	cfg.secret = getenv("REGISTRY_SECRET")
	cfg.adminToken = getenv("REGISTRY_ADMIN_TOKEN")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// parseServeFlags reads serve's flags and their environment twins. A
// value out of its range is a usage error naming the flag.
func parseServeFlags(cmd *command, e *env, args []string) (*config, error) {
	cfg := &config{}
	getenv := e.getenv
	fs := cmd.flags()
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "REGISTRY_ADDR", "127.0.0.1:8080"), "`address` to listen on (REGISTRY_ADDR)")
	moderation := fs.String("moderation", envOr(getenv, "REGISTRY_MODERATION", "on"), "whether new reviews wait for a moderator: `on|off` (REGISTRY_MODERATION)")
	fs.BoolVar(&cfg.demo, "demo", false, "seed fictional sample products and reviews when the store is empty")
	threshold := thresholdFlag(fs, getenv, "smallest group of reviewers whose numbers are shown")
	maxPending := fs.String("max-pending", envOr(getenv, "REGISTRY_MAX_PENDING", strconv.Itoa(mongodb.DefaultMaxPending)),
		"the `number` of reviews one reviewer may have waiting for moderation at once, at least 1 (REGISTRY_MAX_PENDING)")
	fs.StringVar(&cfg.logLevel, "log-level", envOr(getenv, "REGISTRY_LOG_LEVEL", "info"), "`level` of the logs: debug, info, warn or error (REGISTRY_LOG_LEVEL)")
	fs.BoolVar(&cfg.secureCookies, "secure-cookies", slices.Contains([]string{"1", "true", "on"}, getenv("REGISTRY_SECURE_COOKIES")),
		"mark the session cookie Secure, behind a TLS-terminating proxy (REGISTRY_SECURE_COOKIES=on)")
	fs.StringVar(&cfg.clientIPHeader, "client-ip-header", getenv("REGISTRY_CLIENT_IP_HEADER"),
		"`header` a trusted proxy sets to the client's address (its last address counts), for the limit of failed sign-ins per address (REGISTRY_CLIENT_IP_HEADER)")
	storeFlags(fs, cfg, getenv)
	if err := cmd.parse(fs, args, e); err != nil {
		return nil, err
	}
	if err := cmd.noArgs(fs); err != nil {
		return nil, err
	}
	switch *moderation {
	case "on":
		cfg.moderation = true
	case "off":
	default:
		return nil, cmd.usagef("--moderation must be on or off, not %q", *moderation)
	}
	var err error
	if cfg.threshold, err = parseThreshold(*threshold); err != nil {
		return nil, cmd.usagef("%v", err)
	}
	if cfg.maxPending, err = strconv.Atoi(*maxPending); err != nil || cfg.maxPending < 1 {
		return nil, cmd.usagef("--max-pending must be a whole number of at least 1, not %q", *maxPending)
	}
	return cfg, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// loadRubrics reads the built-in rubrics, or those in dir, with their
// translations.
func loadRubrics(dir string) (*rubric.Set, error) {
	var fsys fs.FS = rubrics.FS
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	return rubric.LoadSet(fsys)
}

// openStore loads the rubrics, opens the store and checks the recorded
// rubric versions.
func openStore(ctx context.Context, cfg *config, command string, log *slog.Logger) (*mongodb.DB, *mongodb.Store, *rubric.Set, error) {
	set, err := loadRubrics(cfg.rubricDir)
	if err != nil {
		where := "the built-in rubrics"
		if cfg.rubricDir != "" {
			where = "the rubrics in " + cfg.rubricDir
		}
		return nil, nil, nil, rubricError(where, err)
	}
	db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.mongoURI, DataDir: cfg.dataDir, Logger: log, Command: command})
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := mongodb.NewStore(ctx, db, mongodb.Options{
		Moderation: cfg.moderation, Threshold: cfg.threshold, Secret: cfg.secret,
		AdminToken: cfg.adminToken, Rubrics: set, Logger: log, MaxPending: cfg.maxPending,
		RubricFolder: cfg.rubricDir,
	})
	if err == nil {
		err = store.RecordRubrics(ctx, set.All())
	}
	if err != nil {
		_ = db.Close(context.Background())
		return nil, nil, nil, err
	}
	return db, store, set, nil
}

// serve runs the HTTP server until ctx ends (a signal), then lets
// in-flight requests finish and closes the store.
func serve(ctx context.Context, cmd *command, e *env, args []string) error {
	cfg, err := parseServeFlags(cmd, e, args)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.logLevel)
	db, store, set, err := openStore(ctx, cfg, "serve", log)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := db.Close(closeCtx); err != nil {
			log.Error("closing the store", "error", err)
			return
		}
		log.Info("registry stopped: the store is closed")
	}()
	// A lease on the database keeps `registry reindex` out while this
	// server runs, and this server out while a reindex runs.
	lease, err := store.AcquireServerLease(ctx, "serve")
	if err != nil {
		return err
	}
	defer releaseLease(lease, log)
	// A server that could not renew its lease in time stops: a reindex may
	// have started meanwhile, and writing beside it could count a review
	// twice or not at all.
	ctx, stopWatching := lease.Watch(ctx)
	defer stopWatching()
	if err := repairOnce(ctx, store, log, store.Repair); err != nil {
		return fmt.Errorf("repairing derived statistics: %w", err)
	}
	if cfg.demo {
		if err := seedDemo(ctx, store, set.Default(), log); err != nil {
			return fmt.Errorf("seeding demo data: %w", err)
		}
	}
	srv := apphttp.New(apphttp.Config{Store: store, Rubrics: set, Logger: log,
		SecureCookies: cfg.secureCookies, ClientIPHeader: cfg.clientIPHeader})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	log.Info("registry listening", "addr", "http://"+ln.Addr().String(), "embedded", db.Embedded(), "policy", db.Policy().String(),
		"moderation", cfg.moderation, "anonymityThreshold", store.Threshold())
	fmt.Fprintf(e.stdout, "registry listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.App().Listener(ln) }()
	go repairPeriodically(ctx, store, log)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if lost := lease.Err(); lost != nil {
		return fmt.Errorf("stopped: %w", lost)
	}
	return nil
}

// releaseLease deletes this process's lease on the database when it stops
// cleanly (otherwise the lease expires by itself, mongodb.LeaseTTL after
// its last renewal).
func releaseLease(l *mongodb.Lease, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := l.Release(ctx); err != nil {
		log.Warn("could not delete this process's lease on the database; it expires by itself", "error", err)
	}
}

// repairInterval is how often a running server looks for transitions whose
// derived updates were left unfinished.
const repairInterval = 5 * time.Minute

// repairPeriodically repairs unfinished transitions until ctx ends.
func repairPeriodically(ctx context.Context, store *mongodb.Store, log *slog.Logger) {
	t := time.NewTicker(repairInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := repairOnce(ctx, store, log, store.RepairStale); err != nil && ctx.Err() == nil {
				log.Error("periodic repair of derived statistics", "error", err)
			}
		}
	}
}

// repairOnce repairs derived statistics left wrong by unfinished
// transitions, as the store's policy allows (Store.Repair: rebuilt from the
// reviews when one process holds the store, finished idempotently when
// other nodes may be writing), and publishes reviews left pending by an
// interrupted submission with moderation off. Products that it could not
// repair are reported: the next repair tries again, and `registry reindex`
// rebuilds them.
func repairOnce(ctx context.Context, store *mongodb.Store, log *slog.Logger, repair func(context.Context) (int, error)) error {
	n, err := repair(ctx)
	if n > 0 {
		log.Warn("repaired derived statistics left behind by an unfinished update", "products", n)
	}
	if err != nil {
		return err
	}
	products, err := store.Unrepaired(ctx)
	if err == nil && len(products) > 0 {
		log.Warn("derived statistics may be wrong after an unfinished update that repair could not finish; it tries again in a few minutes, or run `registry reindex`",
			"products", products)
	}
	return err
}

// seedDemo fills an empty store with fictional products and published
// reviews, written through the store's own paths so statistics are derived
// exactly as in real use.
func seedDemo(ctx context.Context, store *mongodb.Store, r *registry.Rubric, log *slog.Logger) error {
	page, err := store.Products(ctx, registry.ProductFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Items) > 0 {
		log.Info("store is not empty: demo data not seeded")
		return nil
	}
	products := demo.Products()
	reviews := demo.Reviews(r, products, nil, demoSeed, time.Now().UTC())
	start := time.Now()
	n, err := store.Seed(ctx, products, reviews)
	if err != nil {
		return err
	}
	log.Info("seeded demo data", "products", len(products), "reviews", n, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}
