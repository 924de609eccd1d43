package main

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestVerifyCommand(t *testing.T) {
	dsn := pgtest.DSN(t)
	good := writeFile(t, "good.csv", header+
		"2020-06,wuhan-edz,city_assessment_rank,8,seed,\n"+
		"2020-07,wuhan-edz,city_assessment_rank,9,seed,\n")
	if r := runBizenv(t, dsn, "import", good); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}

	t.Run("intact", func(t *testing.T) {
		r := runBizenv(t, dsn, "verify")
		if got, want := r.code(), exitOK; got != want {
			t.Errorf("exit code: got %d, want %d: %v", got, want, r.err)
		}
		if got, want := r.stdout, "verify: the history's invariants hold\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})

	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE observations SET revision = 2 WHERE period = '2020-07-01';
		INSERT INTO runs (kind, name, started_at) VALUES ('import', 'import', '2021-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	t.Run("broken", func(t *testing.T) {
		r := runBizenv(t, dsn, "verify")
		if got, want := r.code(), exitRejected; got != want {
			t.Errorf("exit code: got %d, want %d: %v", got, want, r.err)
		}
		want := "warning: run 2 (import import) has been running since 2021-01-01T00:00:00Z\n" +
			"warning: run 2 (import import) was left running by a process that is gone\n" +
			"violation: city_assessment_rank/wuhan-edz/2020-07: revision 1 is missing (current revision 2)\n" +
			"violation: run 1 (import import): recorded 2 inserted, but 1 stored\n" +
			"violation: run 1 (import import): recorded 0 updated, but 1 stored\n"
		if got := r.stdout; got != want {
			t.Errorf("stdout:\ngot  %q\nwant %q", got, want)
		}
		if got, want := r.err.Error(), "verify: 3 violation(s) of the history's invariants"; got != want {
			t.Errorf("error: got %q, want %q", got, want)
		}
	})
	if _, err := db.Exec(`UPDATE observations SET revision = 1 WHERE period = '2020-07-01'`); err != nil {
		t.Fatal(err)
	}
	t.Run("repair", func(t *testing.T) {
		r := runBizenv(t, dsn, "verify", "--repair")
		if got, want := r.code(), exitOK; got != want {
			t.Errorf("exit code: got %d, want %d: %v", got, want, r.err)
		}
		want := "repaired: run 2 marked failed (interrupted)\nverify: the history's invariants hold\n"
		if got := r.stdout; got != want {
			t.Errorf("stdout:\ngot  %q\nwant %q", got, want)
		}
	})
}
