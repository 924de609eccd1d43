package sqlsource_test

import (
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestCannotWrite tries the ways a query could leave the read-only
// transaction it runs in: none may change the source database. (Run as
// one simple-protocol string, "COMMIT; INSERT ..." once did.)
func TestCannotWrite(t *testing.T) {
	const insert = `INSERT INTO credit_monthly VALUES ('2021-11-01', 'wuhan-edz', 'taxloan_credit_amount', 1, 1)`
	const result = `SELECT '2021-09' AS period, 'wuhan-edz' AS entity, 'taxloan_credit_firms' AS indicator, 1 AS value`
	for _, tc := range []struct{ name, query string }{
		{"data-modifying CTE", `WITH w AS (` + insert + ` RETURNING 1) ` + result + ` FROM w`},
		{"commit first", `COMMIT; ` + insert + `; ` + result},
		{"rollback first", `ROLLBACK; ` + insert + `; ` + result},
		{"end and begin again", `END; BEGIN; ` + insert + `; COMMIT; ` + result},
		{"set the transaction read write", `SET TRANSACTION READ WRITE; ` + insert + `; ` + result},
		{"turn the default off", `SET default_transaction_read_only = off; ` + insert + `; ` + result},
		{"DDL", `CREATE TABLE stolen (x int); ` + result},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := creditDB(t)
			_, err := fetch(source(t, dsn, "5s", tc.query))
			t.Logf("error: %v", err)
			db := sqlx.MustOpen("postgres", dsn)
			defer db.Close()
			var rows, tables int
			if err := db.Get(&rows, "SELECT count(*) FROM credit_monthly"); err != nil {
				t.Fatal(err)
			}
			if err := db.Get(&tables, "SELECT count(*) FROM pg_tables WHERE tablename = 'stolen'"); err != nil {
				t.Fatal(err)
			}
			if rows != 4 || tables != 0 {
				t.Errorf("the source database changed: %d rows (want 4), %d new tables (want 0)", rows, tables)
			}
		})
	}
}
