package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestReadonlyRole checks the dashboards' role: it reads every table, the
// ledger's included, and writes none.
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
		{"select actions", `SELECT count(*) FROM actions`, false},
		{"select action revisions", `SELECT count(*) FROM action_revisions`, false},
		{"select action notes", `SELECT count(*) FROM action_notes`, false},
		{"insert action", `INSERT INTO actions (id, entity, owner, opened, status) VALUES ('X', 'wuhan-edz', 'edz-tax', '2021-01-01', 'open')`, true},
		{"update action", `UPDATE actions SET status = 'done'`, true},
		{"delete action revisions", `DELETE FROM action_revisions`, true},
		{"insert action note", `INSERT INTO action_notes (action, noted, author, text) VALUES ('X', '2021-01-01', 'a', 'b')`, true},
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
