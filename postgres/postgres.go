// Package postgres implements bizenv's stores on PostgreSQL with sqlx and
// lib/pq: the catalog, the observations with every revision, and the runs
// that wrote them.
package postgres

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the driver behind sqlx.Open("postgres", ...)
	"github.com/pressly/goose/v3"

	bizenvsql "github.com/bizenv/bizenv/sql"
)

// DB is a connection pool to bizenv's database with its named queries.
type DB struct {
	pool    *sqlx.DB
	queries map[string]string
	logger  *slog.Logger
	now     func() time.Time
	runs    runLocks // the runs in progress and their locks (runs.go)
}

// Open connects to dsn, checks the connection and loads the named queries;
// on a migrated database it has PostgreSQL parse every one of them, so that
// a broken query fails here and not on first use. It does not migrate; call
// Migrate for that, which checks the queries after.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	return open(ctx, dsn, logger, bizenvsql.Queries)
}

// open is Open with the named queries of fsys.
func open(ctx context.Context, dsn string, logger *slog.Logger, fsys fs.FS) (*DB, error) {
	sdb, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sdb.SetMaxOpenConns(16)
	sdb.SetMaxIdleConns(8)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sdb.PingContext(pingCtx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	q, err := LoadQueries(fsys)
	if err != nil {
		sdb.Close()
		return nil, err
	}
	db := &DB{pool: sdb, queries: q, logger: logger, now: time.Now}
	if err := db.checkMigrated(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.pool.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.PingContext(ctx) }

// Migrate applies every pending migration, then checks the named queries
// against the schema.
func (db *DB) Migrate(ctx context.Context) error {
	if err := Migrate(ctx, db.pool); err != nil {
		return err
	}
	return db.checkQueries(ctx)
}

// checkMigrated checks the named queries when no migration is pending: on
// an older schema they may name what only a later migration makes.
func (db *DB) checkMigrated(ctx context.Context) error {
	pending, err := db.Pending(ctx)
	if err != nil || pending > 0 {
		return nil // Migrate checks them, or the first use fails
	}
	return db.checkQueries(ctx)
}

// namedParameter finds sqlx's :name parameters, not :: casts, and
// positional finds $1 parameters: a query takes one kind or the other, and
// one with $1 may still hold a colon in a literal ('HH24:MI').
var (
	namedParameter = regexp.MustCompile(`(^|[^:]):[A-Za-z_]`)
	positional     = regexp.MustCompile(`\$[0-9]`)
	// copyFrom finds COPY table (columns) FROM STDIN after any comment
	// lines: preparing it would start a copy, so its table and columns are
	// checked with a SELECT of them instead.
	copyFrom = regexp.MustCompile(`(?im)^\s*COPY\s+([\w.]+)\s*\(([^)]*)\)\s+FROM\s+STDIN\s*$`)
)

// checkQueries has PostgreSQL parse every named query: a syntax error, or
// a table or column that does not exist, fails here. It prepares them on
// one connection, in a transaction that is rolled back, after creating the
// temporary staging table that some of them use; nothing runs.
func (db *DB) checkQueries(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tx, err := db.pool.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("check queries: %w", err)
	}
	defer tx.Rollback()
	if q, ok := db.queries["CreateStaging"]; ok {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("query CreateStaging: %w", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(db.queries)) {
		q := db.queries[name]
		if m := copyFrom.FindStringSubmatch(q); m != nil {
			// Built from the embedded query's own text, never from input.
			q = "SELECT " + m[2] + " FROM " + m[1] + " LIMIT 0"
		}
		if namedParameter.MatchString(q) && !positional.MatchString(q) {
			var st *sqlx.NamedStmt
			if st, err = tx.PrepareNamedContext(ctx, q); err == nil {
				err = st.Close()
			}
		} else {
			var st *sqlx.Stmt
			if st, err = tx.PreparexContext(ctx, q); err == nil {
				err = st.Close()
			}
		}
		if err != nil {
			return fmt.Errorf("query %s: %w", name, err)
		}
	}
	return nil
}

// Migrate applies every pending migration to sdb.
func Migrate(ctx context.Context, sdb *sqlx.DB) error {
	migrations, err := fs.Sub(bizenvsql.Migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sdb.DB, migrations)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Pending reports how many migrations are not yet applied: /readyz wants 0.
// It writes nothing, also on a database that was never migrated.
func (db *DB) Pending(ctx context.Context) (int, error) {
	migrations, err := fs.Sub(bizenvsql.Migrations, "migrations")
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.pool.DB, migrations)
	if err != nil {
		return 0, err
	}
	var migrated bool
	if err := db.pool.GetContext(ctx, &migrated, db.Query("HasSchema")); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if !migrated {
		return len(p.ListSources()), nil
	}
	has, err := p.HasPending(ctx)
	if err != nil || !has {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// Query returns the named query; it panics on a name no file defines, which
// the tests catch, since every name is used at least once.
func (db *DB) Query(name string) string {
	q, ok := db.queries[name]
	if !ok {
		panic("postgres: no query named " + name)
	}
	return q
}

// LoadQueries reads every *.sql file of fsys and splits it into blocks that
// start with a "-- name: Name" line.
func LoadQueries(fsys fs.FS) (map[string]string, error) {
	files, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("%s: query %s defined twice", f, name)
			}
			out[name] = strings.TrimSpace(body.String())
			body.Reset()
			return nil
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(n)
				continue
			}
			if name != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
