package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

// lintRubrics checks rubric files and their translations and prints every
// problem with its file and path. With no folder it checks the built-in
// rubrics.
func lintRubrics(_ context.Context, cmd *command, e *env, args []string) error {
	fset := cmd.flags()
	if err := cmd.parse(fset, args, e); err != nil {
		return err
	}
	var fsys fs.FS = rubrics.FS
	where := "the built-in rubrics"
	switch fset.NArg() {
	case 0:
	case 1:
		dir := fset.Arg(0)
		if st, err := os.Stat(dir); err != nil {
			return fmt.Errorf("cannot read the folder %s: %w", dir, errors.Unwrap(err))
		} else if !st.IsDir() {
			return fmt.Errorf("%s is not a folder", dir)
		}
		fsys, where = os.DirFS(dir), dir
	default:
		return cmd.usagef("give at most one folder, not %d arguments", fset.NArg())
	}
	set, err := rubric.LoadSet(fsys)
	if err != nil {
		return rubricError(where, err)
	}
	for _, r := range set.All() {
		n := 0
		for _, d := range r.Dimensions {
			n += len(d.Criteria)
		}
		fmt.Fprintf(e.stdout, "ok  %s version %d: %d dimensions, %d criteria, hash %s\n", r.ID, r.Version, len(r.Dimensions), n, r.Hash)
		for _, lang := range set.Languages(r) {
			fmt.Fprintf(e.stdout, "ok  %s version %d in %s: every text translated\n", r.ID, r.Version, lang)
		}
	}
	return nil
}

// rubricError says what is wrong with the rubrics in where: each problem
// of rubric.Load on a line of its own.
func rubricError(where string, err error) error {
	var ps rubric.Problems
	if !errors.As(err, &ps) {
		return fmt.Errorf("%s: %w", where, err)
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = "  " + p.String()
	}
	n := "1 problem"
	if len(ps) != 1 {
		n = fmt.Sprintf("%d problems", len(ps))
	}
	return fmt.Errorf("%s: %s\n%s", where, n, strings.Join(lines, "\n"))
}

// createToken creates an API token in the store and prints it once. With
// the embedded store it refuses while a server holds the data directory
// (two processes must not open it); use POST /api/v1/tokens then.
func createToken(ctx context.Context, cmd *command, e *env, args []string) error {
	cfg := &config{}
	fset := cmd.flags()
	role := fset.String("role", "", "the token's `role`: reviewer, officer, moderator or admin")
	name := fset.String("name", "", "who or what the token is for: a `name` kept with it")
	storeFlags(fset, cfg, e.getenv)
	if err := cmd.parse(fset, args, e); err != nil {
		return err
	}
	if err := cmd.noArgs(fset); err != nil {
		return err
	}
	if *role == "" || strings.TrimSpace(*name) == "" {
		return cmd.usagef("give the token's role and name: --role reviewer|officer|moderator|admin --name NAME")
	}
	log := newLogger(e.stderr, "warn")
	db, store, _, err := openStore(ctx, cfg, "token create", log)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	secret, err := store.CreateToken(ctx, *role, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	article := "a"
	if strings.ContainsRune("aeiou", rune((*role)[0])) {
		article = "an"
	}
	fmt.Fprintf(e.stderr, "created %s %s token for %q; it is shown only once\n", article, *role, *name)
	return nil
}

// createInvitation makes an invitation as the operator (an admin without
// an account) and prints its code once: the way to a first account made
// through the pages.
func createInvitation(ctx context.Context, cmd *command, e *env, args []string) error {
	cfg := &config{}
	fset := cmd.flags()
	role := fset.String("role", "", "the `role` of the accounts it makes: reviewer, officer, moderator or admin")
	uses := fset.Int("uses", 1, fmt.Sprintf("how many accounts it may make (`N`, 1–%d)", registry.MaxInvitationUses))
	days := fset.Int("days", 7, fmt.Sprintf("how many `days` it stays valid (1–%d)", registry.MaxInvitationDays))
	storeFlags(fset, cfg, e.getenv)
	if err := cmd.parse(fset, args, e); err != nil {
		return err
	}
	if err := cmd.noArgs(fset); err != nil {
		return err
	}
	if !slices.Contains(registry.Roles, *role) {
		return cmd.usagef("give the role of the accounts it makes: --role reviewer|officer|moderator|admin")
	}
	if *uses < 1 || *uses > registry.MaxInvitationUses || *days < 1 || *days > registry.MaxInvitationDays {
		return cmd.usagef("--uses is 1–%d and --days 1–%d", registry.MaxInvitationUses, registry.MaxInvitationDays)
	}
	log := newLogger(e.stderr, "warn")
	db, store, _, err := openStore(ctx, cfg, "invitation create", log)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	operator := &registry.Principal{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	inv, code, err := store.CreateInvitation(ctx, operator, registry.NewInvitation{Role: *role, Uses: *uses,
		ValidFor: time.Duration(*days) * 24 * time.Hour, Note: "made with registry invitation create"})
	if err != nil {
		return err
	}
	// The operator's invitation is in the audit log like any other,
	// made by the bootstrap admin.
	entry := &registry.AuditEntry{Actor: registry.AuditActor{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap},
		Action: registry.AuditInvitationCreate, Target: "invitation:" + inv.ID,
		Detail: map[string]any{"role": inv.Role, "uses": inv.Uses, "expiresInDays": *days, "command": "registry invitation create"}}
	if err := store.AppendAudit(ctx, entry); err != nil {
		return err
	}
	// The code goes to stdout alone: stderr is what logs keep.
	fmt.Fprintln(e.stdout, code)
	fmt.Fprintf(e.stderr, "created an invitation for %d %s account(s), valid until %s; it is shown only once: open /join?code=<the code above>\n",
		inv.Uses, inv.Role, inv.ExpiresAt.Format(time.DateOnly))
	return nil
}

// reindex rebuilds every derived document from the reviews and reports how
// many products' statistics had drifted.
func reindex(ctx context.Context, cmd *command, e *env, args []string) error {
	cfg := &config{}
	fset := cmd.flags()
	storeFlags(fset, cfg, e.getenv)
	if err := cmd.parse(fset, args, e); err != nil {
		return err
	}
	if err := cmd.noArgs(fset); err != nil {
		return err
	}
	log := newLogger(e.stderr, "warn")
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
			fmt.Fprintf(e.stderr, "reindex: %d/%d products (%d%%)\n", done, total, pct)
		}
	})
	if lost := lease.Err(); lost != nil {
		return lost
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reindex: done; %d product(s) had statistics that differed from their reviews and were rebuilt\n", wrong)
	return nil
}
