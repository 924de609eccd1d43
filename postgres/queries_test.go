package postgres_test

import (
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
	bizenvsql "github.com/bizenv/bizenv/sql"
)

// TestOpenChecksQueries: a named query PostgreSQL cannot parse, or that
// names what the schema lacks, fails Open, not its first use.
func TestOpenChecksQueries(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	logger := slog.New(slog.DiscardHandler)
	withQuery := func(t *testing.T, query string) fs.FS {
		t.Helper()
		fsys := fstest.MapFS{}
		files, err := fs.Glob(bizenvsql.Queries, "queries/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := fs.ReadFile(bizenvsql.Queries, f)
			if err != nil {
				t.Fatal(err)
			}
			fsys[f] = &fstest.MapFile{Data: b}
		}
		fsys["queries/zz_test.sql"] = &fstest.MapFile{Data: []byte(query)}
		return fsys
	}

	t.Run("the shipped queries", func(t *testing.T) {
		db, err := postgres.OpenWithQueries(ctx, dsn, logger, withQuery(t, "-- name: Extra\nSELECT 1\n"))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	})
	for _, tc := range []struct{ name, query, want string }{
		{"syntax", "-- name: Broken\nSELEC code FROM indicators\n", `query Broken: pq: syntax error at or near "SELEC"`},
		{"unknown column", "-- name: Broken\nSELECT indicatr FROM observations WHERE period = $1::date\n", `query Broken: pq: column "indicatr" does not exist`},
		{"unknown table", "-- name: Broken\nUPDATE indicatorz SET name_zh = :name_zh WHERE code = :code\n", `query Broken: pq: relation "indicatorz" does not exist`},
		{"unknown staging column", "-- name: Broken\nSELECT valu FROM staging\n", `query Broken: pq: column "valu" does not exist`},
		{"COPY to an unknown column", "-- name: Broken\n-- a comment first\nCOPY rejects (run_id, fiel) FROM STDIN\n", `query Broken: pq: column "fiel" does not exist`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := postgres.OpenWithQueries(ctx, dsn, logger, withQuery(t, tc.query))
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded; want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: got %v, want %q", err, tc.want)
			}
		})
	}
}

// BenchmarkOpen measures opening the store on a migrated database, the
// check of every named query included.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	dsn := pgtest.DSN(b)
	logger := slog.New(slog.DiscardHandler)
	for b.Loop() {
		db, err := postgres.Open(ctx, dsn, logger)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
