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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "registry:", err)
		}
		os.Exit(1)
	}
}

// errUsage reports a command-line mistake whose message is already printed.
var errUsage = errors.New("usage")

const usage = `registry: an open registry where educators review AI Edtech products.

Usage:
  registry [serve] [flags]           run the HTTP server (the default)
  registry rubric lint [DIR]         check rubric files (default: the built-in rubrics)
  registry token create --role R --name N
                                     create an API token and print it once
  registry reindex                   rebuild derived statistics from the reviews
  registry export compare|assessment|template|statistics [flags]
                                     write a workbook into REGISTRY_EXPORTS (./exports)
  registry import review FILE --product ID
                                     upload a filled review form

Run "registry COMMAND -h" for a command's flags.
`

// run is the whole program, callable from tests: it reads arguments and
// environment, writes to the given streams, and returns when ctx ends or the
// command finishes.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	// -h and --help name the program's help, not serve's flags (serve -h
	// shows those).
	if len(args) > 0 && args[0] != "" && (args[0][0] != '-' || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "rubric":
		if len(args) == 0 || args[0] != "lint" {
			fmt.Fprint(stderr, "registry rubric: the only subcommand is lint\n")
			return errUsage
		}
		return lintRubrics(args[1:], stdout, stderr)
	case "token":
		if len(args) == 0 || args[0] != "create" {
			fmt.Fprint(stderr, "registry token: the only subcommand is create\n")
			return errUsage
		}
		return createToken(ctx, args[1:], getenv, stdout, stderr)
	case "reindex":
		return reindex(ctx, args, getenv, stdout, stderr)
	case "export":
		return exportCommand(ctx, args, getenv, stdout, stderr)
	case "import":
		return importCommand(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "registry: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
