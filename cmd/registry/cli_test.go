package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

// quietEnv is an env over fixed variables whose output is thrown away.
func quietEnv(vars map[string]string) *env {
	return &env{getenv: envMap(vars), stdout: io.Discard, stderr: io.Discard}
}

// helpFlags are the ways of asking for help.
var helpFlags = []string{"-h", "--help"}

// TestHelp asks every command in the table for its help: each exits 0
// with its usage on stdout (its name, what it does, its arguments and its
// flags), prints nothing on stderr, and does nothing else (the data
// directory it would open is not created).
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		for _, h := range helpFlags {
			t.Run(strings.ReplaceAll(c.name, " ", "_")+h, func(t *testing.T) {
				t.Parallel()
				data := filepath.Join(t.TempDir(), "data")
				stdout, stderr, code := runExit(t, map[string]string{"REGISTRY_DATA": data}, append(strings.Fields(c.name), h)...)
				if code != 0 || stderr != "" {
					t.Fatalf("exit status %d, stderr %q; want 0 and nothing", code, stderr)
				}
				for _, want := range []string{
					"registry " + c.name + ": " + c.summary + "\n",
					"\nUsage:\n  registry " + c.name + " " + c.args + "\n",
				} {
					if !strings.Contains(stdout, want) {
						t.Errorf("the usage does not say %q:\n%s", want, stdout)
					}
				}
				if strings.Contains(c.args, "[flags]") && !strings.Contains(stdout, "\nFlags:\n  --") {
					t.Errorf("the usage lists no flags:\n%s", stdout)
				}
				if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("asking for help touched the data directory: %v", err)
				}
				// registry help NAME says the same.
				again, _, code := runExit(t, map[string]string{"REGISTRY_DATA": data}, append([]string{"help"}, strings.Fields(c.name)...)...)
				if code != 0 || again != stdout {
					t.Errorf("registry help %s: exit status %d, printed\n%s\nwant what %s printed", c.name, code, again, h)
				}
			})
		}
	}
}

// TestHelpGroups asks each group of commands (registry export, …) and the
// program itself for help: exit 0, every command listed.
func TestHelpGroups(t *testing.T) {
	t.Parallel()
	// Every two-word command belongs to a group with a description, and
	// every group has commands.
	for _, c := range commands {
		if group, _, ok := strings.Cut(c.name, " "); ok && groups[group] == "" {
			t.Errorf("command %q: no group %q", c.name, group)
		}
	}
	for group := range groups {
		if len(groupCommands(group)) == 0 {
			t.Errorf("group %q has no commands", group)
		}
		for _, h := range append([]string{"help"}, helpFlags...) {
			stdout, stderr, code := runExit(t, nil, group, h)
			if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "registry "+group+": "+groups[group]+"\n") {
				t.Errorf("%s %s: exit status %d, stdout\n%s\nstderr %q", group, h, code, stdout, stderr)
			}
			for _, c := range groupCommands(group) {
				if !strings.Contains(stdout, "registry "+c.name+" "+c.args+"\n        "+c.summary+"\n") {
					t.Errorf("%s %s does not list %s:\n%s", group, h, c.name, stdout)
				}
			}
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		stdout, stderr, code := runExit(t, nil, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%q: exit status %d, stderr %q", args, code, stderr)
		}
		for _, c := range commands {
			if !strings.Contains(stdout, fmt.Sprintf("  %-19s %s\n", c.name, c.summary)) {
				t.Errorf("%q does not list %s:\n%s", args, c.name, stdout)
			}
		}
	}
}

// TestUnknownFlag gives every command a flag it does not have: exit 2
// and one plain line naming the flag, then a pointer to the command's
// help, on stderr; nothing on stdout.
func TestUnknownFlag(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runExit(t, nil, append(strings.Fields(c.name), "--no-such-flag")...)
			want := "registry " + c.name + ": unknown flag --no-such-flag\nRun \"registry " + c.name + " --help\" for its usage.\n"
			if code != 2 || stderr != want || stdout != "" {
				t.Errorf("exit status %d, stderr %q, stdout %q; want 2 and %q", code, stderr, stdout, want)
			}
		})
	}
}

// TestUsageMistakes: unknown commands, missing and extra arguments and
// bad flag values exit 2 with a plain message and a pointer to --help.
func TestUsageMistakes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "registry: unknown command \"frobnicate\"\nRun \"registry --help\" for the commands.\n"},
		{[]string{"help", "frobnicate"}, "registry: unknown command \"frobnicate\"\nRun \"registry --help\" for the commands.\n"},
		{[]string{"token", "delete"}, "registry token: unknown command \"delete\"; its commands are create\nRun \"registry token --help\" for its usage.\n"},
		{[]string{"rubric"}, "registry rubric: give one of its commands: lint\nRun \"registry rubric --help\" for its usage.\n"},
		{[]string{"serve", "now"}, "registry serve: unexpected argument \"now\"\nRun \"registry serve --help\" for its usage.\n"},
		{[]string{"--addr"}, "registry serve: flag needs an argument: -addr\nRun \"registry serve --help\" for its usage.\n"},
		{[]string{"serve", "--moderation", "maybe"}, "registry serve: --moderation must be on or off, not \"maybe\"\nRun \"registry serve --help\" for its usage.\n"},
		{[]string{"reindex", "everything"}, "registry reindex: unexpected argument \"everything\"\nRun \"registry reindex --help\" for its usage.\n"},
		{[]string{"export", "template", "--version", "two"}, "registry export template: invalid value \"two\" for flag -version: parse error\nRun \"registry export template --help\" for its usage.\n"},
		{[]string{"import", "review", "a.xlsx", "b.xlsx", "--product", "p"}, "registry import review: unexpected argument \"b.xlsx\"\nRun \"registry import review --help\" for its usage.\n"},
	} {
		stdout, stderr, code := runExit(t, nil, tc.args...)
		if code != 2 || stderr != tc.want || stdout != "" {
			t.Errorf("%q: exit status %d, stderr %q, stdout %q; want 2 and %q", tc.args, code, stderr, stdout, tc.want)
		}
	}
}

// TestPlainError: the registry's error is said as its message and one
// line per field, wherever it sits in the chain of errors.
func TestPlainError(t *testing.T) {
	t.Parallel()
	e := &registry.Error{Code: registry.EINVALID, Message: "The review has problems.", More: 2, Fields: []registry.FieldError{
		{Field: "answers[3].score", Message: "must be between 0 and 4"},
		{Field: "summary", Message: "is required"},
	}}
	want := "The review has problems.\n  answers[3].score: must be between 0 and 4\n  summary: is required\n  and 2 more"
	if got := plainError(e); got != want {
		t.Errorf("plainError(e) = %q, want %q", got, want)
	}
	wrapped := &commandError{command: "token create", err: fmt.Errorf("opening the store: %w", e)}
	if got := plainError(wrapped); got != "registry token create: opening the store: "+want {
		t.Errorf("plainError(wrapped) = %q", got)
	}
	var b strings.Builder
	if code := exitStatus(wrapped, &b); code != 1 || b.String() != "registry token create: opening the store: "+want+"\n" {
		t.Errorf("exitStatus: %d, printed %q", code, b.String())
	}
	b.Reset()
	if code := exitStatus(errors.New("disk full"), &b); code != 1 || b.String() != "registry: disk full\n" {
		t.Errorf("exitStatus of a plain error: %d, printed %q", code, b.String())
	}
}

// TestErrorsArePlain runs failing commands and reads what a user reads:
// the registry's errors (from the store, and problem+json answers from a
// server) as sentences with one line per field, never Go structures or
// error codes.
func TestErrorsArePlain(t *testing.T) {
	t.Parallel()
	noCodes := func(t *testing.T, stderr string) {
		t.Helper()
		for _, bad := range []string{"code=", "fields=[", "registry error", "{"} {
			if strings.Contains(stderr, bad) {
				t.Errorf("stderr holds %q:\n%s", bad, stderr)
			}
		}
	}
	t.Run("TokenCreateUnknownRole", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, code := runExit(t, nil, "token", "create", "--role", "janitor", "--name", "x", "--data", t.TempDir())
		want := "registry token create: The role is not known.\n  role: must be one of reviewer, officer, moderator, admin\n"
		if code != 1 || stdout != "" || !strings.HasSuffix(stderr, want) {
			t.Errorf("exit status %d, stdout %q, stderr\n%s\nwant 1 and it to end %q", code, stdout, stderr, want)
		}
		noCodes(t, stderr)
	})
	t.Run("Server", func(t *testing.T) {
		t.Parallel()
		admin := randomSecret("admin-")
		srv := startServer(t, t.TempDir(), map[string]string{"REGISTRY_ADMIN_TOKEN": admin}, nil)
		product := srv.createProduct(t, admin, "Plain Errors")
		forms := filepath.Join(t.TempDir(), "forms")
		stdout, stderr, code := runExit(t, map[string]string{"REGISTRY_EXPORTS": forms}, "export", "template", "--product", product, "--server", srv.base)
		if code != 0 {
			t.Fatalf("export template: exit status %d\n%s", code, stderr)
		}
		blank := wrote(t, stdout)

		// The blank form: every answer missing, each named by its cell.
		stdout, stderr, code = runExit(t, nil, "import", "review", blank, "--product", product, "--server", srv.base, "--token", admin)
		if code != 1 || stdout != "" {
			t.Fatalf("import of a blank form: exit status %d, stdout %q", code, stdout)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if want := "registry import review: the registry answered 422 Unprocessable Entity: "; !strings.HasPrefix(lines[0], want) || len(lines) < 3 {
			t.Fatalf("import of a blank form printed\n%s\nwant a first line starting %q and a line per field", stderr, want)
		}
		for _, l := range lines[1:] {
			if field, msg, ok := strings.Cut(strings.TrimPrefix(l, "  "), ": "); !strings.HasPrefix(l, "  ") || !ok || field == "" || msg == "" {
				t.Errorf("line %q is not \"  field: problem\"", l)
			}
		}
		noCodes(t, stderr)

		stdout, stderr, code = runExit(t, nil, "export", "compare", "--products", product+",no-such-product", "--server", srv.base)
		if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "registry export compare: the registry answered 4") || !strings.Contains(stderr, "no-such-product") {
			t.Errorf("export compare with an unknown product: exit status %d, stdout %q, stderr\n%s", code, stdout, stderr)
		}
		noCodes(t, stderr)
	})
}
