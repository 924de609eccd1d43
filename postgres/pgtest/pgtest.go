// Package pgtest gives each test a freshly migrated PostgreSQL database of
// its own, with the default catalog: on the server named by BIZENV_TEST_DATABASE_URL, or else on a
// private cluster that the test binary starts from the machine's server
// binaries and stops when it exits.
package pgtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"

	"github.com/bizenv/bizenv/internal/pgcluster"
	"github.com/bizenv/bizenv/postgres"
)

const template = "bizenv_test_template"

var (
	once    sync.Once
	server  *pgcluster.Cluster
	admin   string // DSN of a database to run CREATE DATABASE from
	initErr error
	seq     atomic.Int64
	tmpDir  string
)

// Main runs the tests of a package and stops the private cluster afterwards.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if server != nil {
		server.Stop(context.Background())
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// Cluster returns the private cluster, or nil when the tests run against
// BIZENV_TEST_DATABASE_URL. Fault tests use it to restart the server.
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	setup(t)
	return server
}

func setup(t testing.TB) {
	t.Helper()
	once.Do(func() { initErr = start() })
	if initErr != nil {
		t.Fatalf("test database: %v", initErr)
	}
}

func start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin = os.Getenv("BIZENV_TEST_DATABASE_URL")
	if admin == "" {
		var err error
		if tmpDir, err = os.MkdirTemp("", "bizenv-pgtest-"); err != nil {
			return err
		}
		if err := os.Chmod(tmpDir, 0o755); err != nil {
			return err
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		if server, err = pgcluster.Start(ctx, tmpDir+"/data", logger); err != nil {
			return err
		}
		admin = server.DSN("postgres")
	}
	db, err := sqlx.Open("postgres", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)")
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+template); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	tdb, err := sqlx.Open("postgres", withDatabase(admin, template))
	if err != nil {
		return err
	}
	defer tdb.Close()
	// The template is what `bizenv migrate` leaves: the schema and the
	// default catalog. Commands other than migrate and serve expect it.
	if err := postgres.Migrate(ctx, tdb); err != nil {
		return err
	}
	store, err := postgres.Open(ctx, withDatabase(admin, template), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	// A template must have no session left when it is cloned.
	defer store.Close()
	return store.ApplyDefaultCatalog(ctx, bizenv.DefaultCatalog())
}

// DSN creates a new migrated database for t, dropped when t ends, and
// returns its connection string.
func DSN(t testing.TB) string {
	t.Helper()
	setup(t)
	name := fmt.Sprintf("bizenv_test_%d_%d", os.Getpid(), seq.Add(1))
	db, err := sqlx.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " TEMPLATE " + template); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sqlx.Open("postgres", admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(admin, name)
}

// New returns a store on a new migrated database for t, with the default
// catalog applied.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	db := Open(t, DSN(t))
	if err := db.ApplyDefaultCatalog(context.Background(), bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Open returns a store on dsn, as another process would open it, closed
// when t ends.
func Open(t testing.TB, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e := &store{dsn: dsn}
	stores.Store(db, e)
	t.Cleanup(func() {
		stores.Delete(db)
		e.close()
		db.Close()
	})
	return db
}

// stores holds, for every store New and Open made, what SQL needs.
var stores sync.Map // *postgres.DB -> *store

type store struct {
	dsn  string
	mu   sync.Mutex
	pool *sqlx.DB
}

func (s *store) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pool != nil {
		s.pool.Close()
	}
}

// SQL returns a plain connection pool on the database of db, a store that
// New or Open made, for tests that set up or inspect rows no method of the
// store reaches. The store keeps its own pool to itself; this one is
// closed with the store.
func SQL(t testing.TB, db *postgres.DB) *sqlx.DB {
	t.Helper()
	v, ok := stores.Load(db)
	if !ok {
		t.Fatal("pgtest.SQL: the store was not made by pgtest.New or pgtest.Open, or is closed")
	}
	s := v.(*store)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pool == nil {
		pool, err := sqlx.Open("postgres", s.dsn)
		if err != nil {
			t.Fatal(err)
		}
		s.pool = pool
	}
	return s.pool
}

// Count runs query, one that selects a single number such as count(*),
// on the database of db, a store that New or Open made, and returns the
// number.
func Count(t testing.TB, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := SQL(t, db).Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}
