package collectors_test

// The set-up every test of the package shares: the private cluster, the
// clock, the configuration parser, loggers and the queries of what was
// stored.

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// now is in October 2021 in Shanghai: the last closed month is 2021-09.
var now = time.Date(2021, 10, 15, 3, 0, 0, 0, time.UTC)

// atNow is the options of a runner whose clock stands at now.
var atNow = collectors.Options{Now: func() time.Time { return now }}

const token = "s3cret-token-42"

func getenv(k string) string {
	return map[string]string{"TOKEN": token}[k]
}

// logBuffer is a log destination that several goroutines write to.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// discard is a logger that writes nowhere.
var discard = slog.New(slog.DiscardHandler)

func newLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func parse(t *testing.T, yml string) *config.Config {
	t.Helper()
	c, err := config.Parse("test.yml", []byte(yml), getenv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openDB opens another pool on dsn, as another process would.
func openDB(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	return pgtest.Open(t, dsn)
}

func newDB(t *testing.T) (*postgres.DB, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	db := openDB(t, dsn)
	if err := db.ApplyCatalog(context.Background(), bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	return db, dsn
}

func count(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pgtest.SQL(t, db).Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

type storedRun struct {
	Name    string `db:"name"`
	Actor   string `db:"actor"`
	Outcome string `db:"outcome"`
	Error   string `db:"error"`
	bizenv.Counts
}

func runs(t *testing.T, db *postgres.DB) []storedRun {
	t.Helper()
	var rs []storedRun
	if err := pgtest.SQL(t, db).Select(&rs, "SELECT name, actor, outcome, error, inserted, updated, unchanged, rejected FROM runs WHERE kind = 'collector' ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	return rs
}
