package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

// lintRubrics checks rubric files and prints every problem with its file
// and path. With no folder it checks the built-in rubrics.
func lintRubrics(args []string, stdout, stderr io.Writer) error {
	var fsys fs.FS = rubrics.FS
	where := "built-in rubrics"
	if len(args) > 1 {
		fmt.Fprintln(stderr, "usage: registry rubric lint [DIR]")
		return errUsage
	}
	if len(args) == 1 {
		if _, err := os.Stat(args[0]); err != nil {
			return err
		}
		fsys, where = os.DirFS(args[0]), args[0]
	}
	all, err := rubric.Load(fsys)
	if err != nil {
		fmt.Fprintf(stderr, "%s:\n%v\n", where, err)
		return errUsage
	}
	for _, r := range all {
		n := 0
		for _, d := range r.Dimensions {
			n += len(d.Criteria)
		}
		fmt.Fprintf(stdout, "ok  %s version %d: %d dimensions, %d criteria, hash %s\n", r.ID, r.Version, len(r.Dimensions), n, r.Hash)
	}
	return nil
}

// createToken creates an API token in the store and prints it once. With
// the embedded store it refuses while a server holds the data directory
// (two processes must not open it); use POST /api/v1/tokens then.
func createToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := &config{}
	fset := flag.NewFlagSet("token create", flag.ContinueOnError)
	fset.SetOutput(stderr)
	role := fset.String("role", "", "reviewer, officer, moderator or admin")
	name := fset.String("name", "", "who or what the token is for (kept with the token)")
	storeFlags(fset, cfg, getenv)
	if err := fset.Parse(args); err != nil {
		return errUsage
	}
	if *role == "" || strings.TrimSpace(*name) == "" {
		fmt.Fprintln(stderr, "usage: registry token create --role reviewer|officer|moderator|admin --name NAME")
		return errUsage
	}
	log := newLogger(stderr, "warn")
	db, store, _, err := openStore(ctx, cfg, "token create", log)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	secret, err := store.CreateToken(ctx, *role, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	fmt.Fprintf(stderr, "created a %s token for %q; it is shown only once\n", *role, *name)
	return nil
}

// reindex rebuilds every derived document from the reviews and reports how
// many products' statistics had drifted.
func reindex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := &config{}
	fset := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fset.SetOutput(stderr)
	storeFlags(fset, cfg, getenv)
	if err := fset.Parse(args); err != nil {
		return errUsage
	}
	log := newLogger(stderr, "warn")
	db, store, _, err := openStore(ctx, cfg, "reindex", log)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	// Refused while servers hold their leases on the database; the reindex
	// stops if its own lease is lost.
	lease, err := store.AcquireReindexLease(ctx)
	if err != nil {
		return err
	}
	defer releaseLease(lease, log)
	ctx, stop := lease.Watch(ctx)
	defer stop()
	last := -1
	wrong, err := store.Reindex(ctx, func(done, total int) {
		if pct := done * 100 / max(total, 1); pct/10 != last/10 || done == total {
			last = pct
			fmt.Fprintf(stderr, "reindex: %d/%d products (%d%%)\n", done, total, pct)
		}
	})
	if lost := lease.Err(); lost != nil {
		return lost
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reindex: done; %d product(s) had statistics that differed from their reviews and were rebuilt\n", wrong)
	return nil
}
