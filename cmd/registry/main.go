// Command registry runs the educator AI Edtech review registry: the HTTP
// server (serve, the default), the operator commands rubric lint, token
// create and reindex, and the workbook commands export and import.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/edtech-registry/registry/internal/registry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain runs the program as main does and returns its exit status,
// having reported any error on stderr.
func runMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return exitStatus(run(ctx, args, getenv, stdout, stderr), stderr)
}

// run is the whole program, callable from tests: it reads arguments and
// environment, writes to the given streams, and returns when ctx ends or the
// command finishes. Help, when asked for, is printed on stdout and is not
// an error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, &env{getenv: getenv, stdout: stdout, stderr: stderr}, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// exitStatus reports err on w in plain sentences and returns the exit
// status: 0 without an error, 2 for a mistake on the command line (with a
// pointer to the command's help), 1 for anything else.
func exitStatus(err error, w io.Writer) int {
	if err == nil {
		return 0
	}
	var u *usageError
	if errors.As(err, &u) {
		if u.command == "" {
			fmt.Fprintf(w, "registry: %s\nRun \"registry --help\" for the commands.\n", u.msg)
		} else {
			fmt.Fprintf(w, "registry %s: %s\nRun \"registry %s --help\" for its usage.\n", u.command, u.msg, u.command)
		}
		return 2
	}
	if errors.Is(err, errUsage) {
		return 2 // already reported
	}
	msg := plainError(err)
	if !strings.HasPrefix(msg, "registry") {
		msg = "registry: " + msg
	}
	fmt.Fprintln(w, msg)
	return 1
}

// plainError is err's text with the registry's error said plainly: its
// message, then each field's problem on a line of its own
// ("  answers[3].score: must be between 0 and 4"), instead of the codes
// and structures of (*registry.Error).Error.
func plainError(err error) string {
	msg := err.Error()
	var e *registry.Error
	if !errors.As(err, &e) {
		return msg
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		b.WriteString("\n  ")
		if f.Field != "" {
			b.WriteString(f.Field + ": ")
		}
		b.WriteString(f.Message)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  and %d more", e.More)
	}
	if inner := e.Error(); strings.Contains(msg, inner) {
		return strings.Replace(msg, inner, b.String(), 1)
	}
	return msg + "\n" + b.String()
}
