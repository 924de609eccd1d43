package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/common/promslog"

	"github.com/bizenv/bizenv/internal/pgcluster"
	"github.com/bizenv/bizenv/internal/pgdsn"
	"github.com/bizenv/bizenv/postgres"
)

// environment is what run was given: the process's surroundings.
type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// commonFlags are the flags every command that touches the database takes.
type commonFlags struct {
	databaseURL string
	databaseDir string
	logLevel    *promslog.Level
	logFormat   *promslog.Format
}

// newCommandFlags makes the flag set of a command that works on the
// database, with the common flags registered on it.
func newCommandFlags(name string, env *environment) (*flag.FlagSet, *commonFlags) {
	c := &commonFlags{}
	fs := newFlagSet(name, env)
	c.register(fs)
	return fs, c
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	c.logLevel = promslog.NewLevel()
	c.logFormat = promslog.NewFormat()
	fs.StringVar(&c.databaseURL, "database.url", "", "PostgreSQL DSN (postgres://...); default $BIZENV_DATABASE_URL, else a private cluster under --database.dir")
	fs.StringVar(&c.databaseDir, "database.dir", "./data/postgres", "data directory of the private PostgreSQL cluster used when no database URL is given")
	c.logLevel.Set("info")
	c.logFormat.Set("logfmt")
	fs.Var(flagValue{c.logLevel}, "log.level", "log `level`: debug, info, warn or error")
	fs.Var(flagValue{c.logFormat}, "log.format", "log `format`: logfmt or json")
}

// flagValue lets the flag package print the defaults of promslog's values:
// it makes a zero value of each flag's type to tell whether a default is
// worth printing, and the String method of a zero promslog.Level panics.
type flagValue struct {
	v interface {
		String() string
		Set(string) error
	}
}

func (f flagValue) String() string {
	if f.v == nil {
		return ""
	}
	return f.v.String()
}

func (f flagValue) Set(s string) error { return f.v.Set(s) }

// parseFlags parses args, turning flag errors into usage errors. On -h or
// --help it prints the command's usage to stdout and returns flag.ErrHelp,
// which run turns into a successful exit: the command does nothing else.
func parseFlags(env *environment, fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(env.stdout, fs)
			return flag.ErrHelp
		}
		printUsage(env.stderr, fs)
		return &exitError{code: exitUsage, err: err}
	}
	return nil
}

func newFlagSet(name string, env *environment) *flag.FlagSet {
	fs := flag.NewFlagSet("bizenv "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	// parseFlags prints the usage itself: to stdout for --help, to stderr
	// after a mistake.
	fs.Usage = func() {}
	return fs
}

// printUsage prints a command's synopsis and its flags to w.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	name := strings.TrimPrefix(fs.Name(), "bizenv ")
	fmt.Fprintf(w, "usage: %s\n\nflags:\n", synopsis(name))
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

// synopsis is a command's usage line (SPEC section 3).
func synopsis(name string) string {
	switch name {
	case "import":
		return "bizenv import [--dry-run] [--allow-partial] [FLAGS] FILE..."
	case "collect":
		return "bizenv collect --config.file FILE [--collector NAME] [--period YYYY-MM | --from YYYY-MM --to YYYY-MM] [FLAGS]"
	case "report":
		return "bizenv report --period YYYY-MM [--entity CODE] [--format json|html|csv] [-o FILE] [FLAGS]"
	case "catalog apply":
		return "bizenv catalog apply [FLAGS] FILE"
	case "verify":
		return "bizenv verify [--repair] [FLAGS]"
	}
	return "bizenv " + name + " [FLAGS]"
}

func (c *commonFlags) logger(env *environment) *slog.Logger {
	if c.logLevel.String() == "" {
		c.logLevel.Set("info")
	}
	if c.logFormat.String() == "" {
		c.logFormat.Set("logfmt")
	}
	return promslog.New(&promslog.Config{Level: c.logLevel, Format: c.logFormat, Writer: env.stderr})
}

// database is an open store and what must happen to close it.
type database struct {
	*postgres.DB
	cluster *pgcluster.Cluster
}

// Close closes the pool and stops the private cluster if this process
// started it.
func (d *database) Close() {
	d.DB.Close()
	if d.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d.cluster.Stop(ctx)
	}
}

// openDatabase connects to the configured database, or starts the private
// cluster when none is configured.
func (c *commonFlags) openDatabase(ctx context.Context, env *environment) (*database, error) {
	logger := c.logger(env)
	dsn := c.databaseURL
	if dsn == "" {
		dsn = env.getenv("BIZENV_DATABASE_URL")
	}
	var cluster *pgcluster.Cluster
	if dsn == "" {
		var err error
		if cluster, err = pgcluster.Start(ctx, c.databaseDir, logger); err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("private PostgreSQL: %w", err)}
		}
		if err := createDatabase(ctx, cluster.DSN("postgres"), "bizenv"); err != nil {
			cluster.Stop(context.Background())
			return nil, &exitError{code: exitUsage, err: err}
		}
		dsn = cluster.DSN("bizenv")
	}
	db, err := postgres.Open(ctx, dsn, logger)
	if err != nil {
		if cluster != nil {
			cluster.Stop(context.Background())
		}
		return nil, &exitError{code: exitUsage, err: errors.New(pgdsn.Redact(err.Error(), dsn))}
	}
	return &database{DB: db, cluster: cluster}, nil
}

func createDatabase(ctx context.Context, adminDSN, name string) error {
	db, err := sqlx.Open("postgres", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.GetContext(ctx, &exists, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name); err != nil {
		return fmt.Errorf("private PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("private PostgreSQL: create database %s: %w", name, err)
	}
	return nil
}

// openMigrated opens the database as openDatabase does for a command that
// must not change the schema or the catalog (SPEC section 3): it checks that
// every migration is applied and tells to run migrate when not. Only
// migrate and serve change the schema, with migrate (migrate.go).
func (c *commonFlags) openMigrated(ctx context.Context, env *environment) (*database, error) {
	db, err := c.openDatabase(ctx, env)
	if err != nil {
		return nil, err
	}
	n, err := db.Pending(ctx)
	if err == nil && n > 0 {
		err = fmt.Errorf("the database schema is not up to date (%d migration(s) not applied): run `bizenv migrate` first", n)
	}
	if err != nil {
		db.Close()
		return nil, &exitError{code: exitUsage, err: err}
	}
	return db, nil
}
