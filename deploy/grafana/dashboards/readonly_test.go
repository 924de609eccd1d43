package dashboards_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/deploy/demo/demotest"
	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// rankTrendPanel is the rank-trend board's history of the district's rank.
const rankTrendPanel = "全市营商环境考核排名：本区与同级各区"

// variableSets are what Grafana puts in for the template variables: one
// indicator selected, and "All" (every value, since the variables used in
// SQL have no custom all value: see TestSQLVariablesHaveNoCustomAllValue).
func variableSets() map[string]map[string]string {
	var all []string
	for _, ind := range bizenv.DefaultCatalog().Indicators {
		all = append(all, ind.Code)
	}
	collectors := strings.Join(demotest.Collectors, ",")
	// The responsible units with ledger actions in the demo.
	owners := "edz-dev-reform,edz-admin-approval,demo-dept-18"
	return map[string]map[string]string{
		"one indicator":  {"entity": "wuhan-edz", "indicator": "city_assessment_rank", "collector": collectors, "owner": owners, "composite": "city_assessment_score"},
		"all indicators": {"entity": "wuhan-edz", "indicator": strings.Join(all, ","), "collector": collectors, "owner": owners, "composite": "city_assessment_score"},
	}
}

// queryAsReadOnly runs sql in a transaction as bizenv_readonly, the role
// Grafana's PostgreSQL data source logs in through, and returns its rows.
func queryAsReadOnly(ctx context.Context, db *sqlx.DB, sql string) ([]map[string]any, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE bizenv_readonly"); err != nil {
		return nil, fmt.Errorf("set role: %w", err)
	}
	rows, err := tx.QueryxContext(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var got []map[string]any
	for rows.Next() {
		row := make(map[string]any)
		if err := rows.MapScan(row); err != nil {
			return nil, err
		}
		got = append(got, row)
	}
	return got, rows.Err()
}

func TestSQLQueriesRunAsReadOnly(t *testing.T) {
	db, _ := demotest.NewDB(t)
	qs, err := dashboards.SQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 10 {
		t.Fatalf("got %d SQL queries, want the dashboards' 10 or more", len(qs))
	}
	for setName, vars := range variableSets() {
		t.Run(setName, func(t *testing.T) {
			var empty []string
			for _, q := range qs {
				sql := dashboards.ExpandMacros(q.Text, demotest.RangeFrom, demotest.RangeTo, vars)
				rows, err := queryAsReadOnly(t.Context(), pgtest.SQL(t, db), sql)
				if err != nil {
					t.Errorf("%s: %v\n%s", q, err, sql)
					continue
				}
				if len(rows) == 0 {
					empty = append(empty, q.String())
				}
			}
			t.Logf("%d of %d queries return no rows: %q", len(empty), len(qs), empty)
			// With every indicator selected, each panel has demo data to
			// show except the revision log: the demo data has no revisions.
			if setName == "all indicators" {
				want := []string{"bizenv-rank-trend / 数据修订记录（本区） / A"}
				if !slices.Equal(empty, want) {
					t.Errorf("got queries without rows %q, want only %q", empty, want)
				}
			}
		})
	}
}

// The rank trend draws the district's rank month by month: the 24 months of
// the demo data, as deploy/demo/README.md tells its story.
func TestSQLRankTrendHasTheDistrictsMonths(t *testing.T) {
	db, _ := demotest.NewDB(t)
	var name string
	if err := pgtest.SQL(t, db).GetContext(t.Context(), &name, `SELECT name_zh FROM entities WHERE code = 'wuhan-edz'`); err != nil {
		t.Fatal(err)
	}
	rows := panelRows(t, db, "bizenv-rank-trend", rankTrendPanel, demotest.RangeFrom, demotest.RangeTo, variableSets()["one indicator"])
	var months []string
	var ranks []float64
	peers := make(map[any]bool)
	for _, r := range rows {
		peers[string(asBytes(r["metric"]))] = true
		if string(asBytes(r["metric"])) != name+dashboards.SelectedMark {
			continue
		}
		months = append(months, r["time"].(time.Time).UTC().Format("2006-01"))
		ranks = append(ranks, r["value"].(float64))
	}
	var wantMonths []string
	for m := demotest.RangeFrom; m.Before(demotest.RangeTo); m = m.AddDate(0, 1, 0) {
		wantMonths = append(wantMonths, m.Format("2006-01"))
	}
	if !slices.Equal(months, wantMonths) {
		t.Errorf("got %s's months %v, want %v", name, months, wantMonths)
	}
	wantRanks := []float64{7, 6, 8, 9, 9, 8, 9, 11, 12, 14, 15, 14, 12, 11, 10, 9, 8, 7, 6, 4, 5, 5, 6, 7}
	if !slices.Equal(ranks, wantRanks) {
		t.Errorf("got %s's ranks %v, want %v", name, ranks, wantRanks)
	}
	if got, want := len(peers), 15; got != want {
		t.Errorf("got %d districts in the rank trend, want %d", got, want)
	}
}

// asBytes reads a text column as lib/pq returns it to MapScan.
func asBytes(v any) []byte {
	switch v := v.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return nil
}

// Grafana inserts a variable's custom all value ("All" selected) into a
// query as it is, unquoted: in SQL, o.indicator IN (.*) is a syntax error.
// So a variable an SQL query uses must expand "All" to its values.
func TestSQLVariablesHaveNoCustomAllValue(t *testing.T) {
	qs, err := dashboards.SQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range dashboards.Boards() {
		d, err := b.Dashboard()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range d.Templating.List {
			if v.AllValue == nil || *v.AllValue == "" {
				continue
			}
			for _, q := range qs {
				if q.Dashboard == b.UID && usesVariable(q.Text, v.Name) {
					t.Errorf("%s: variable %s has custom all value %q, and %s uses it", b.UID, v.Name, *v.AllValue, q)
				}
			}
		}
	}
}

func usesVariable(sql, name string) bool {
	return strings.Contains(sql, "$"+name) || strings.Contains(sql, "${"+name) || strings.Contains(sql, "[["+name+"]]")
}

// The read-only role reads and cannot write, so a Grafana user with SQL
// access cannot change the history.
func TestReadOnlyRoleCannotWrite(t *testing.T) {
	db := pgtest.New(t)
	tests := []struct {
		name, sql string
	}{
		{"insert observation", `INSERT INTO observations (indicator, entity, period, value, revision) VALUES ('city_assessment_rank', 'wuhan-edz', '2022-01-01', 1, 1)`},
		{"update observation", `UPDATE observations SET value = 1`},
		{"delete run", `DELETE FROM runs`},
		{"create table", `CREATE TABLE grafana_scratch (x int)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := inReadOnlyTx(t, db, func(tx *sqlx.Tx) error {
				_, err := tx.ExecContext(t.Context(), tt.sql)
				return err
			})
			if err == nil {
				t.Fatalf("%s as bizenv_readonly: no error, want permission denied", tt.sql)
			}
			if !strings.Contains(err.Error(), "permission denied") {
				t.Errorf("%s as bizenv_readonly: got %v, want permission denied", tt.sql, err)
			}
		})
	}
	t.Run("select", func(t *testing.T) {
		var user string
		err := inReadOnlyTx(t, db, func(tx *sqlx.Tx) error {
			if err := tx.GetContext(t.Context(), &user, `SELECT current_user`); err != nil {
				return err
			}
			_, err := tx.ExecContext(t.Context(), `SELECT count(*) FROM observations`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := user, "bizenv_readonly"; got != want {
			t.Errorf("got current_user %q, want %q", got, want)
		}
	})
}

func inReadOnlyTx(t *testing.T, db *postgres.DB, f func(*sqlx.Tx) error) error {
	t.Helper()
	tx, err := pgtest.SQL(t, db).BeginTxx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(t.Context(), "SET LOCAL ROLE bizenv_readonly"); err != nil {
		t.Fatal(err)
	}
	return f(tx)
}
