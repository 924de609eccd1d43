package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestReadonlyRole checks the dashboards' role: it reads every table and
// writes none.
func TestReadonlyRole(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	for _, tc := range []struct {
		name, query string
		wantErr     bool
	}{
		{"select observations", `SELECT count(*) FROM observations`, false},
		{"select history", `SELECT count(*) FROM observation_history`, false},
		{"select runs", `SELECT count(*) FROM runs`, false},
		{"select catalog", `SELECT count(*) FROM indicators JOIN entities ON true`, false},
		{"insert observation", `INSERT INTO observations (indicator, entity, period, value, revision) VALUES ('city_assessment_rank', 'wuhan-edz', '2020-06-01', 1, 1)`, true},
		{"update indicator", `UPDATE indicators SET target = 0`, true},
		{"delete runs", `DELETE FROM runs`, true},
		{"insert revision", `INSERT INTO observation_revisions (indicator, entity, period, revision, value, collected_at) VALUES ('a', 'b', '2020-06-01', 1, 1, now())`, true},
		{"truncate rejects", `TRUNCATE rejects`, true},
		{"create table", `CREATE TABLE mine (x int)`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := pgtest.SQL(t, db).BeginTxx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec(`SET LOCAL ROLE bizenv_readonly`); err != nil {
				t.Fatal(err)
			}
			_, err = tx.Exec(tc.query)
			switch {
			case !tc.wantErr && err != nil:
				t.Errorf("got %v, want the read to work", err)
			case tc.wantErr && (err == nil || !strings.Contains(err.Error(), "permission denied")):
				t.Errorf("got %v, want permission denied", err)
			}
		})
	}
}
