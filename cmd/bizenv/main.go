// Command bizenv watches a district's business environment month by month:
// it collects the indicators, keeps their history in PostgreSQL and serves
// them as Prometheus metrics and a JSON API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set by the linker: -X main.version=... -X main.revision=...
var (
	version  = "dev"
	revision = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bizenv:", err)
	}
	os.Exit(exitCode(err))
}

// Exit codes of SPEC section 3.
const (
	exitOK       = 0
	exitRejected = 1 // the work was done but some input was rejected
	exitUsage    = 2 // usage, configuration or connection errors
)

// exitError carries an exit code other than the default for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &e):
		return e.code
	}
	return exitUsage
}

// command is one of bizenv's commands, as the usage lists it.
type command struct {
	name    string
	summary string
	run     func(context.Context, *environment, []string) error
}

// commands are bizenv's commands in the order of the usage.
func commands() []command {
	return []command{
		{"serve", "migrate, apply the catalog, run the collectors and serve HTTP", runServe},
		{"migrate", "apply schema migrations and the catalog, then exit", runMigrate},
		{"import", "load long-format CSV or XLSX files: import [--dry-run] [--allow-partial] FILE...", runImport},
		{"collect", "run collectors once now: collect [--collector NAME] [--period YYYY-MM | --from YYYY-MM --to YYYY-MM]", runCollect},
		{"report", "the monthly ranking-trend report: report --period YYYY-MM [--entity CODE] [--format json|html|csv] [-o FILE]", runReport},
		{"catalog", "catalog apply FILE | catalog show", runCatalog},
		{"actions", "the rectification ledger: actions import [--dry-run] FILE... | actions list [--owner CODE] [--status S] [--overdue] [--format table|json|csv]", runActions},
		{"verify", "check the history's invariants: verify [--repair] [--running-warning DURATION]", runVerify},
		{"version", "print the version", runVersion},
	}
}

// printTopUsage lists the commands.
func printTopUsage(w io.Writer) {
	fmt.Fprint(w, "usage: bizenv COMMAND [FLAGS]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'bizenv COMMAND --help' for the flags of a command.\n")
}

func runVersion(_ context.Context, env *environment, _ []string) error {
	fmt.Fprintf(env.stdout, "bizenv %s (revision %s)\n", version, revision)
	return nil
}

// run is the whole program, driven by tests with their own arguments,
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		printTopUsage(stderr)
		return &exitError{code: exitUsage, err: errors.New("no command given")}
	}
	cmd, rest := args[1], args[2:]
	env := &environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := runCommand(ctx, env, cmd, rest)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage asked for is printed; nothing else was done
	}
	return localized(env, err)
}

func runCommand(ctx context.Context, env *environment, name string, rest []string) error {
	switch name {
	case "--version":
		name = "version"
	case "help", "-h", "--help":
		printTopUsage(env.stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, rest)
		}
	}
	printTopUsage(env.stderr)
	return &exitError{code: exitUsage, err: fmt.Errorf("unknown command %q", name)}
}
