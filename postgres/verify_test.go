package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// verifiedHistory stores a small history: run 1 inserts two values and
// rejects nothing, run 2 revises one of them. The tests name the runs by
// their ids, the first two of a new database.
func verifiedHistory(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	first, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "alice", Observations: []bizenv.Observation{
		obs("city_assessment_rank", "wuhan-edz", "2020-06", 8),
		obs("city_assessment_rank", "wuhan-edz", "2020-07", 9),
	}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "bob", Observations: []bizenv.Observation{
		obs("city_assessment_rank", "wuhan-edz", "2020-07", 10),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := second.Counts, (bizenv.Counts{Updated: 1}); got != want {
		t.Fatalf("second run: got %+v, want %+v", got, want)
	}
	if first.ID != 1 || second.ID != 2 {
		t.Fatalf("run ids %d and %d, want 1 and 2", first.ID, second.ID)
	}
	return db
}

// TestVerifyViolations breaks a verified history one way per case, with
// SQL, and wants the violations listed.
func TestVerifyViolations(t *testing.T) {
	const key = "city_assessment_rank/wuhan-edz/2020-07"
	revision := func(period string, revision int) string {
		return fmt.Sprintf(`INSERT INTO observation_revisions (indicator, entity, period, revision, value, collected_at)
		VALUES ('city_assessment_rank', 'wuhan-edz', '%s', %d, 11, now())`, period, revision)
	}
	observation := func(indicator, entity, period string, value float64, run string) string {
		return fmt.Sprintf(`INSERT INTO observations (indicator, entity, period, value, revision, run_id)
		VALUES ('%s', '%s', '%s', %v, 1, %s)`, indicator, entity, period, value, run)
	}
	for _, tc := range []struct {
		name, break_ string
		want         []string
	}{
		{"intact", "", nil},
		{"gap in the revision chain", `UPDATE observations SET revision = 3 WHERE period = '2020-07-01'`,
			[]string{key + ": revision 2 is missing (current revision 3)"}},
		{"first revision lost", `DELETE FROM observation_revisions WHERE period = '2020-07-01'`,
			[]string{key + ": revision 1 is missing (current revision 2)", "run 1 (import import): recorded 2 inserted, but 1 stored"}},
		{"superseded revision at the current one", revision("2020-07-01", 2),
			[]string{key + ": superseded revision 2 is not in 1..1 (current revision 2)"}},
		{"superseded revision zero", revision("2020-07-01", 0),
			[]string{key + ": superseded revision 0 is not in 1..1 (current revision 2)"}},
		{"superseded revision without its observation", revision("2020-08-01", 1),
			[]string{"city_assessment_rank/wuhan-edz/2020-08: superseded revision 1 has no current observation"}},
		{"indicator not in the catalog", observation("no_such_indicator", "wuhan-edz", "2020-06-01", 1, "NULL"),
			[]string{"no_such_indicator/wuhan-edz/2020-06 revision 1: indicator no_such_indicator is not in the catalog"}},
		{"entity not in the catalog", observation("city_assessment_rank", "atlantis", "2020-06-01", 1, "NULL"),
			[]string{"city_assessment_rank/atlantis/2020-06 revision 1: entity atlantis is not in the catalog"}},
		{"NaN in a superseded revision", `UPDATE observation_revisions SET value = 'NaN' WHERE period = '2020-07-01'`,
			[]string{key + " revision 1: value NaN is not a finite number"}},
		{"infinity in a superseded revision", `UPDATE observation_revisions SET value = '-Infinity' WHERE period = '2020-07-01'`,
			[]string{key + " revision 1: value -Infinity is not a finite number"}},
		{"ratio above one", observation("ywtb_case_volume", "wuhan-edz", "2020-06-01", 1.5, "NULL"),
			[]string{"ywtb_case_volume/wuhan-edz/2020-06 revision 1: ratio 1.5 is outside [0,1]"}},
		{"negative ratio", observation("ywtb_case_volume", "wuhan-edz", "2020-06-01", -0.25, "NULL"),
			[]string{"ywtb_case_volume/wuhan-edz/2020-06 revision 1: ratio -0.25 is outside [0,1]"}},
		{"run's inserted count off", `UPDATE runs SET inserted = 5 WHERE id = 1`,
			[]string{"run 1 (import import): recorded 5 inserted, but 2 stored"}},
		{"run's updated count off", `UPDATE runs SET updated = 0 WHERE id = 2`,
			[]string{"run 2 (import import): recorded 0 updated, but 1 stored"}},
		{"reject the run did not count", `INSERT INTO rejects (run_id, file, line, record, reason) VALUES (1, 'a.csv', 2, 'x', 'bad')`,
			[]string{"run 1 (import import): recorded 0 rejected, but 1 stored"}},
		{"row of a run that does not exist", observation("city_assessment_rank", "wuhan-edz", "2020-09-01", 3, "999"),
			[]string{"1 stored row(s) name run 999, which does not exist"}},
		{"row of a run still running", `UPDATE runs SET outcome = 'running', finished_at = NULL WHERE id = 2`,
			[]string{"1 stored row(s) name run 2, which is still running"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := verifiedHistory(t)
			if tc.break_ != "" {
				mustExec(t, db, tc.break_)
			}
			v, err := db.Verify(context.Background(), postgres.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := v.Violations, tc.want; !slices.Equal(got, want) {
				t.Errorf("violations:\ngot  %q\nwant %q", got, want)
			}
			if got, want := v.OK(), len(tc.want) == 0; got != want {
				t.Errorf("OK: got %v, want %v", got, want)
			}
		})
	}
}

func TestVerifyRunsLeftRunning(t *testing.T) {
	ctx := context.Background()
	db := verifiedHistory(t)
	var dead int64
	if err := pgtest.SQL(t, db).Get(&dead, `INSERT INTO runs (kind, name, started_at) VALUES ('import', 'import', '2021-01-01T00:00:00Z') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	// A run in progress in this process holds its lock: not dead, but old
	// enough to be warned about with a short threshold.
	live, err := db.StartRun(ctx, bizenv.RunCollector, "ywtb", "collector:ywtb")
	if err != nil {
		t.Fatal(err)
	}
	// StartRun fails dead runs first: put the dead one back.
	mustExec(t, db, `UPDATE runs SET outcome = 'running', finished_at = NULL, error = '' WHERE id = $1`, dead)
	time.Sleep(20 * time.Millisecond)

	t.Run("warnings", func(t *testing.T) {
		v, err := db.Verify(ctx, postgres.VerifyOptions{RunningAfter: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Violations) != 0 {
			t.Errorf("violations: %q", v.Violations)
		}
		var liveStart time.Time
		if err := pgtest.SQL(t, db).Get(&liveStart, `SELECT started_at FROM runs WHERE id = $1`, live.ID); err != nil {
			t.Fatal(err)
		}
		want := []string{
			fmt.Sprintf("run %d (import import) has been running since 2021-01-01T00:00:00Z", dead),
			fmt.Sprintf("run %d (collector ywtb) has been running since %s", live.ID, liveStart.UTC().Format("2006-01-02T15:04:05Z")),
			fmt.Sprintf("run %d (import import) was left running by a process that is gone", dead),
		}
		if got := v.Warnings; !slices.Equal(got, want) {
			t.Errorf("warnings:\ngot  %q\nwant %q", got, want)
		}
	})
	t.Run("the default threshold", func(t *testing.T) {
		v, err := db.Verify(ctx, postgres.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			fmt.Sprintf("run %d (import import) has been running since 2021-01-01T00:00:00Z", dead),
			fmt.Sprintf("run %d (import import) was left running by a process that is gone", dead),
		}
		if got := v.Warnings; !slices.Equal(got, want) {
			t.Errorf("warnings:\ngot  %q\nwant %q", got, want)
		}
	})
	t.Run("repair fails only the dead run", func(t *testing.T) {
		got, err := db.FailDeadRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{dead}; !slices.Equal(got, want) {
			t.Errorf("failed runs: got %v, want %v", got, want)
		}
		var outcome, msg string
		if err := pgtest.SQL(t, db).QueryRow(`SELECT outcome, error FROM runs WHERE id = $1`, dead).Scan(&outcome, &msg); err != nil {
			t.Fatal(err)
		}
		if got, want := outcome+": "+msg, "failure: interrupted: the process stopped before the run finished"; got != want {
			t.Errorf("dead run: got %q, want %q", got, want)
		}
	})
	t.Run("a finished run releases its lock", func(t *testing.T) {
		if _, err := db.FailRun(ctx, live, fmt.Errorf("source down")); err != nil {
			t.Fatal(err)
		}
		if held := pgtest.Count(t, db, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1651079794`); held != 0 {
			t.Errorf("run locks held after the run finished: %d", held)
		}
		mustVerify(t, db)
	})
}

func mustExec(t *testing.T, db *postgres.DB, query string, args ...any) {
	t.Helper()
	if _, err := pgtest.SQL(t, db).Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// mustVerify fails t unless the history of db verifies with no violation
// and no warning.
func mustVerify(t *testing.T, db *postgres.DB) {
	t.Helper()
	v, err := db.Verify(context.Background(), postgres.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Violations)+len(v.Warnings) != 0 {
		t.Errorf("verify: violations %q, warnings %q", v.Violations, v.Warnings)
	}
}
