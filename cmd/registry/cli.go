package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// command is one of registry's commands: the words that name it, what it
// does, and the function that runs it. Dispatch, help and the program's
// usage all come from the commands table, so a command cannot be left out
// of any of them.
type command struct {
	name    string // the words after "registry", e.g. "export compare"
	args    string // its arguments, as its usage line shows them after the name
	summary string // one line: what it does
	about   string // more about it, shown in its usage (may be empty)
	// run runs the command with the arguments after its name.
	run func(ctx context.Context, cmd *command, e *env, args []string) error
}

// env is what a command reads and writes besides its arguments.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// commands is every command, in the order the program's usage lists them.
var commands = []*command{
	{name: "serve", args: "[flags]", run: serve,
		summary: "run the HTTP server (the default command)",
		about: `Also read from the environment:
  REGISTRY_ADMIN_TOKEN  a bootstrap admin token
  REGISTRY_SECRET       key of reviewer references (generated and kept in the
                        store when unset); keep it stable, the same on every node
SIGINT (Ctrl-C) or SIGTERM stops it: in-flight requests finish, then the
store is closed.`},
	{name: "rubric lint", args: "[DIR]", run: lintRubrics,
		summary: "check rubric files and name the file, path and problem of everything wrong",
		about: `DIR is a folder of rubric files (*.yaml, *.yml) and their translations
(v<N>.<lang>.yaml beside v<N>.yaml); without it the built-in rubrics are
checked.`},
	{name: "token create", args: "--role ROLE --name NAME [flags]", run: createToken,
		summary: "create an API token in the store and print it once",
		about: `ROLE is reviewer, officer, moderator or admin. With the embedded store the
command opens the data directory itself, so it refuses while a server holds
it: create tokens through POST /api/v1/tokens then.`},
	{name: "invitation create", args: "--role ROLE [--uses N] [--days D] [flags]", run: createInvitation,
		summary: "create an invitation in the store and print its code once",
		about: `ROLE is reviewer, officer, moderator or admin: this is how the first admin
of a new registry gets an account through the pages (open /join?code=CODE).
Like token create, it opens the store itself, so with the embedded store it
refuses while a server holds the data directory.`},
	{name: "reindex", args: "[flags]", run: reindex,
		summary: "rebuild derived statistics from the reviews",
		about:   "Run it while no server uses the store."},
	{name: "export compare", args: "--products A,B,C [--role R | --phase P | --nation N] [--rubric-version V] [flags]", run: exportCommand,
		summary: "write a union officer's comparison workbook of 2 to 20 products", about: exportAbout},
	{name: "export assessment", args: "--product ID [--role R | --phase P | --nation N] [--rubric-version V] [flags]", run: exportCommand,
		summary: "write a product's assessment workbook", about: exportAbout},
	{name: "export template", args: "[--rubric ID] [--version V] [--product ID] [flags]", run: exportCommand,
		summary: "write the offline review form of a rubric", about: exportAbout},
	{name: "export statistics", args: "[flags]", run: exportCommand,
		summary: "write every product's released statistics (an officer's or admin's token)", about: exportAbout},
	{name: "import review", args: "FILE --product ID [--token T] [--idempotency-key K] [flags]", run: importCommand,
		summary: "upload a filled review form as a review of a product",
		about: `The review is written as the token's holder (any token; REGISTRY_TOKEN),
through the same checks and moderation as a review sent as JSON. With
--server (REGISTRY_SERVER) it goes to that server; without, the command opens
the store itself.`},
}

// groups names the words that start two-word commands, with what their
// commands do.
var groups = map[string]string{
	"rubric":     "check rubric files",
	"token":      "manage API tokens",
	"invitation": "invite people to make accounts",
	"export":     "write workbooks",
	"import":     "upload filled review forms",
}

const exportAbout = `The workbook is written into REGISTRY_EXPORTS (default ./exports) under a
dated name (never over an earlier file), or to --out FILE, and the command
prints its path and size. With --server (REGISTRY_SERVER) the command asks
that running registry; without, it opens the store (--data, --mongodb-uri).`

// findCommand returns the command with the given name, or nil.
func findCommand(name string) *command {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == name })
	if i < 0 {
		return nil
	}
	return commands[i]
}

// groupCommands returns the commands whose name starts with the group's word.
func groupCommands(group string) []*command {
	var in []*command
	for _, c := range commands {
		if strings.HasPrefix(c.name, group+" ") {
			in = append(in, c)
		}
	}
	return in
}

// errUsage reports a mistake on the command line (exit status 2).
var errUsage = errors.New("usage")

// errHelp reports that help was asked for and printed (exit status 0).
var errHelp = errors.New("help printed")

// usageError is a mistake on the command line: it is printed with a
// pointer to the command's help, and the program exits with status 2.
type usageError struct {
	command string // "export compare", or "" for the program itself
	msg     string
}

func (u *usageError) Error() string        { return u.msg }
func (u *usageError) Is(target error) bool { return target == errUsage }

// usagef returns a usageError of the command.
func (c *command) usagef(format string, args ...any) error {
	return &usageError{command: c.name, msg: fmt.Sprintf(format, args...)}
}

// commandError is an error of a command, printed after its name.
type commandError struct {
	command string
	err     error
}

func (c *commandError) Error() string { return "registry " + c.command + ": " + c.err.Error() }
func (c *commandError) Unwrap() error { return c.err }

// flags returns an empty flag set for the command; parse reads it.
func (c *command) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("registry "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports mistakes, and usage prints help
	fs.Usage = func() {}
	return fs
}

// parse reads args into fs. -h or --help prints the command's usage on
// stdout and returns errHelp; a mistake returns a usageError.
func (c *command) parse(fs *flag.FlagSet, args []string, e *env) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		c.usage(e.stdout, fs)
		return errHelp
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + name
	}
	return c.usagef("%s", msg)
}

// noArgs is a usageError when the command was given arguments it does
// not take.
func (c *command) noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return c.usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// usage writes the command's usage: its name and what it does, its
// arguments, more about it, and its flags with their defaults.
func (c *command) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "registry %s: %s\n\nUsage:\n  registry %s %s\n", c.name, c.summary, c.name, c.args)
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", c.about)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprint(w, "\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if name != "" && !strings.Contains(name, "|") {
			name = strings.ToUpper(name) // a placeholder, not a value
		}
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n        %s", text)
		// A token or a URI (which may hold a password) taken from the
		// environment is not shown.
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.Name != "token" && f.Name != "mongodb-uri" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// mainUsage writes the program's usage: every command, from the table.
func mainUsage(w io.Writer) {
	fmt.Fprint(w, "registry: an open registry where educators review AI Edtech products.\n\nUsage:\n  registry [COMMAND] [ARGUMENTS] [FLAGS]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-19s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nWithout a command, registry serves (registry --addr :9000 is registry serve --addr :9000).\n")
	fmt.Fprint(w, "Run \"registry COMMAND --help\" for a command's arguments and flags.\n")
}

// groupUsage writes the usage of a group of commands.
func groupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "registry %s: %s\n\nUsage:\n", group, groups[group])
	for _, c := range groupCommands(group) {
		fmt.Fprintf(w, "  registry %s %s\n        %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"registry %s COMMAND --help\" for a command's arguments and flags.\n", group)
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// dispatch finds the command args name and runs it. Without a command (no
// arguments, or flags first) it serves.
func dispatch(ctx context.Context, e *env, args []string) error {
	switch {
	case len(args) == 0 || (strings.HasPrefix(args[0], "-") && !isHelp(args[0])):
		return runOne(ctx, findCommand("serve"), e, args)
	case isHelp(args[0]):
		mainUsage(e.stdout)
		return nil
	case args[0] == "help":
		if len(args) == 1 {
			mainUsage(e.stdout)
			return nil
		}
		// registry help export compare is registry export compare --help.
		return dispatch(ctx, e, append(slices.Clone(args[1:]), "--help"))
	}
	if len(args) > 1 {
		if c := findCommand(args[0] + " " + args[1]); c != nil {
			return runOne(ctx, c, e, args[2:])
		}
	}
	if c := findCommand(args[0]); c != nil {
		return runOne(ctx, c, e, args[1:])
	}
	group := args[0]
	if _, ok := groups[group]; !ok {
		return &usageError{msg: fmt.Sprintf("unknown command %q", group)}
	}
	var names []string
	for _, c := range groupCommands(group) {
		names = append(names, strings.TrimPrefix(c.name, group+" "))
	}
	switch {
	case len(args) == 1:
		return &usageError{command: group, msg: "give one of its commands: " + strings.Join(names, ", ")}
	case isHelp(args[1]) || args[1] == "help":
		groupUsage(e.stdout, group)
		return nil
	}
	return &usageError{command: group, msg: fmt.Sprintf("unknown command %q; its commands are %s", args[1], strings.Join(names, ", "))}
}

// runOne runs a command, naming it in its errors.
func runOne(ctx context.Context, c *command, e *env, args []string) error {
	err := c.run(ctx, c, e, args)
	if err == nil || errors.Is(err, errUsage) || errors.Is(err, errHelp) {
		return err
	}
	return &commandError{command: c.name, err: err}
}
