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

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/internal/pgcluster"
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

func (c *commonFlags) register(fs *flag.FlagSet) {
	c.logLevel = promslog.NewLevel()
	c.logFormat = promslog.NewFormat()
	fs.StringVar(&c.databaseURL, "database.url", "", "PostgreSQL DSN (postgres://...); default $BIZENV_DATABASE_URL, else a private cluster under --database.dir")
	fs.StringVar(&c.databaseDir, "database.dir", "./data/postgres", "data directory of the private PostgreSQL cluster used when no database URL is given")
	fs.Var(c.logLevel, "log.level", "log level: debug, info, warn or error")
	fs.Var(c.logFormat, "log.format", "log format: logfmt or json")
}

// parse parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: exitUsage, err: err}
	}
	return nil
}

func newFlagSet(name string, env *environment) *flag.FlagSet {
	fs := flag.NewFlagSet("bizenv "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
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
	dsn     string
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
func (c *commonFlags) openDatabase(ctx context.Context, env *environment, logger *slog.Logger) (*database, error) {
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
		return nil, &exitError{code: exitUsage, err: errors.New(redactDSN(err.Error(), dsn))}
	}
	return &database{DB: db, cluster: cluster, dsn: dsn}, nil
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

// redactDSN removes the DSN's password from a message.
func redactDSN(msg, dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			if colon := strings.Index(dsn[i+3:at], ":"); colon >= 0 {
				pw := dsn[i+3+colon+1 : at]
				if pw != "" {
					msg = strings.ReplaceAll(msg, pw, "xxxxx")
				}
			}
		}
	}
	return msg
}

// openPrepared opens the database as openDatabase does and prepares it:
// migrations applied, the default catalog and catalogFiles applied.
func (c *commonFlags) openPrepared(ctx context.Context, env *environment, logger *slog.Logger, catalogFiles ...string) (*database, error) {
	db, err := c.openDatabase(ctx, env, logger)
	if err != nil {
		return nil, err
	}
	if err := prepare(ctx, db, catalogFiles...); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// prepare migrates the schema and applies the default catalog and the
// extra catalog files given.
func prepare(ctx context.Context, db *database, catalogFiles ...string) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := db.ApplyCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		return err
	}
	for _, f := range catalogFiles {
		if err := applyCatalogFile(ctx, db.DB, f); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	return nil
}
