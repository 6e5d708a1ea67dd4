package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenCreateLock refuses to open a data directory a running server
// holds, naming the holder; once the server stops, token create works and
// the next server accepts the token it printed.
func TestTokenCreateLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, nil, nil)

	for _, args := range [][]string{
		{"token", "create", "--role", "reviewer", "--name", "x", "--data", dir},
		{"reindex", "--data", dir},
	} {
		stdout, _, err := runCommand(t, nil, args...)
		if err == nil {
			t.Fatalf("%s while the server runs: no error; printed %q", args[0], stdout)
		}
		// The server runs in this process, so the holder is this pid.
		for _, want := range []string{"in use", fmt.Sprintf("pid %d", os.Getpid()), "serve"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s while the server runs: error %q does not say %q", args[0], err, want)
			}
		}
		if stdout != "" {
			t.Errorf("%s printed %q although it failed", args[0], stdout)
		}
	}
	srv.stop(t)

	stdout, stderr, err := runCommand(t, nil, "token", "create", "--role", "reviewer", "--name", "x", "--data", dir)
	if err != nil {
		t.Fatalf("token create after the server stopped: %v\n%s", err, stderr)
	}
	token := strings.TrimSpace(stdout)
	if !strings.HasPrefix(token, "edr_") || strings.ContainsAny(token, " \n") {
		t.Fatalf("token create printed %q, want one token starting with edr_", stdout)
	}
	if strings.Contains(stderr, token) {
		t.Error("token create wrote the token to stderr")
	}

	next := startServer(t, dir, nil, nil)
	// 403, not 401: the token is known, as a reviewer, who may not read the
	// moderation queue.
	next.must(t, http.StatusForbidden, "GET", "/api/v1/reviews?status=pending", token, nil)
	next.must(t, http.StatusUnauthorized, "GET", "/api/v1/reviews?status=pending", token+"x", nil)
	next.stop(t)
}

// TestTokenCreateUsage needs a role and a name.
func TestTokenCreateUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"token"},
		{"token", "delete"},
		{"token", "create", "--name", "x"},
		{"token", "create", "--role", "reviewer"},
		{"token", "create", "--role", "reviewer", "--name", " "},
	} {
		stdout, stderr, code := runExit(t, nil, append(args, "--data", t.TempDir())...)
		if code != 2 {
			t.Errorf("%q: exit status %d, want 2 (a usage error)", args, code)
		}
		if !strings.Contains(stderr, "--help") || stdout != "" {
			t.Errorf("%q: printed %q and %q, want a message pointing at --help on stderr", args, stdout, stderr)
		}
	}
}

// TestRubricChangedRefusesStart records the rubric's hash on first start; a
// later start with the same id and version but a reworded level refuses.
func TestRubricChangedRefusesStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rubricDir := copyRubrics(t)
	startServer(t, dir, nil, nil, "--rubrics", rubricDir).stop(t)

	editFile(t, filepath.Join(rubricDir, "default", "v1.yaml"), changeFirstDescriptor)
	if _, stderr, err := runCommand(t, nil, "rubric", "lint", rubricDir); err != nil {
		t.Fatalf("the reworded rubric is not valid, so the test below proves nothing: %v\n%s", err, stderr)
	}
	in := launch(t, nil, nil, serveArgs(dir, "--rubrics", rubricDir)...)
	err := in.wait(t)
	if err == nil {
		t.Fatal("run returned nil with a changed rubric version")
	}
	for _, want := range []string{`"default" version 1`, "changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if listening.MatchString(in.stdout.String()) {
		t.Error("the server listened with a changed rubric version")
	}

	// The recorded version is still usable with the original file.
	startServer(t, dir, nil, nil).stop(t)
}

// TestRubricLint checks rubric folders and reports problems by file and path.
func TestRubricLint(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, err := runCommand(t, nil, "rubric", "lint")
		if err != nil {
			t.Fatalf("lint of the built-in rubrics: %v\n%s", err, stderr)
		}
		if !strings.Contains(stdout, "ok") || !strings.Contains(stdout, "default version 1") {
			t.Errorf("lint printed %q", stdout)
		}
		if !strings.Contains(stdout, "ok  default version 1 in cy: every text translated") {
			t.Errorf("lint printed %q, without the Welsh translation", stdout)
		}
	})
	t.Run("OKDir", func(t *testing.T) {
		t.Parallel()
		stdout, stderr, err := runCommand(t, nil, "rubric", "lint", copyRubrics(t))
		if err != nil || !strings.Contains(stdout, "ok") {
			t.Fatalf("lint of a copy of the built-in rubrics: %v\n%s%s", err, stdout, stderr)
		}
	})
	t.Run("ErrMissingLevel", func(t *testing.T) {
		t.Parallel()
		dir := copyRubrics(t)
		editFile(t, filepath.Join(dir, "default", "v1.yaml"), deleteFirstTopLevel)
		stdout, stderr, code := runExit(t, nil, "rubric", "lint", dir)
		if code != 1 {
			t.Fatalf("lint of a rubric with a missing level: exit status %d, want 1: %s", code, stdout)
		}
		// One problem a line, as "  file: path: message", after the folder.
		want := "registry rubric lint: " + dir + ": 1 problem\n  default/v1.yaml: dimensions[0].criteria[0].levels: "
		if !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "got 4") {
			t.Errorf("lint printed\n%s\nwant it to start %q and say got 4", stderr, want)
		}
		if strings.Contains(stdout, "ok") {
			t.Errorf("lint printed ok for a broken rubric: %q", stdout)
		}
	})
	t.Run("ErrTranslation", func(t *testing.T) {
		t.Parallel()
		dir := copyRubrics(t)
		editFile(t, filepath.Join(dir, "default", "v1.cy.yaml"), deleteFirstTopLevel)
		stdout, stderr, code := runExit(t, nil, "rubric", "lint", dir)
		if code != 1 {
			t.Fatalf("lint of a translation with a missing level: exit status %d, want 1: %s", code, stdout)
		}
		want := "registry rubric lint: " + dir + ": 1 problem\n  default/v1.cy.yaml: criteria.pedagogy.purpose-evidence.levels: "
		if !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "got 4") {
			t.Errorf("lint printed\n%s\nwant it to start %q and say got 4", stderr, want)
		}
		if strings.Contains(stdout, "ok") {
			t.Errorf("lint printed ok with a broken translation: %q", stdout)
		}
	})
	t.Run("ErrNoDir", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "missing")
		_, stderr, code := runExit(t, nil, "rubric", "lint", missing)
		if want := "registry rubric lint: cannot read the folder " + missing + ": no such file or directory\n"; code != 1 || stderr != want {
			t.Errorf("lint of a missing folder: exit status %d, printed %q; want 1 and %q", code, stderr, want)
		}
	})
	t.Run("ErrUsage", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"rubric"}, {"rubric", "check"}, {"rubric", "lint", "a", "b"}} {
			if _, _, err := runCommand(t, nil, args...); !errors.Is(err, errUsage) {
				t.Errorf("%q: err = %v, want errUsage", args, err)
			}
		}
	})
}

// TestCommands covers the command dispatch: help and unknown commands.
func TestCommands(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "-h", "--help"} {
		stdout, _, err := runCommand(t, nil, arg)
		if err != nil {
			t.Errorf("%s: %v", arg, err)
		}
		if !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "token create") {
			t.Errorf("%s printed %q, want the usage", arg, stdout)
		}
	}
	stdout, stderr, code := runExit(t, nil, "frobnicate")
	if code != 2 {
		t.Fatalf("unknown command: exit status %d, want 2", code)
	}
	if want := "registry: unknown command \"frobnicate\"\nRun \"registry --help\" for the commands.\n"; stderr != want {
		t.Errorf("unknown command: stderr %q, want %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("unknown command: stdout %q", stdout)
	}
}
