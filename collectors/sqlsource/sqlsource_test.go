package sqlsource_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/sqlsource"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// creditDB returns the DSN of another database, holding a table of the
// kind a credit platform would export.
func creditDB(t *testing.T) string {
	t.Helper()
	dsn := pgtest.DSN(t)
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.MustExec(`CREATE TABLE credit_monthly (month date, district text, metric text, amount numeric, firms integer)`)
	db.MustExec(`INSERT INTO credit_monthly VALUES
		('2021-09-01', 'wuhan-edz', 'taxloan_credit_amount', 80019.85, 120),
		('2021-09-01', 'wuhan-jiangan', 'taxloan_credit_amount', NULL, 3),
		('2021-09-01', 'wuhan-edz', 'taxloan_credit_firms', NULL, 120),
		('2021-10-01', 'nowhere', 'taxloan_credit_amount', 1, 1)`)
	return dsn
}

func source(t *testing.T, dsn, timeout, query string) *sqlsource.Source {
	t.Helper()
	c, err := config.Parse("t.yml", []byte(fmt.Sprintf(`
collectors:
  - name: tax-credit
    schedule: "0 7 3 * *"
    sql:
      dsn: ${CREDIT_DSN}
      timeout: %s
      query: %q
`, timeout, query)), func(k string) string { return map[string]string{"CREDIT_DSN": dsn}[k] })
	if err != nil {
		t.Fatal(err)
	}
	return sqlsource.New(c.Sources[0], kind.Deps{})
}

func fetch(s *sqlsource.Source) (bizenv.Batch, error) {
	return s.Fetch(context.Background(), kind.Job{Validator: ingest.NewValidator(bizenv.DefaultCatalog(), now)})
}

func TestQuery(t *testing.T) {
	dsn := creditDB(t)
	src := source(t, dsn, "5s", `SELECT month AS period, district AS entity, metric AS indicator,
		CASE WHEN metric LIKE '%amount' THEN amount * 10000 ELSE firms END AS value
		FROM credit_monthly ORDER BY month, district, metric`)
	b, err := fetch(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range b.Observations {
		got = append(got, fmt.Sprintf("%s %s %s %v %s", o.Period, o.Entity, o.Indicator, o.Value, o.Source))
	}
	if want := "2021-09 wuhan-edz taxloan_credit_amount 8.001985e+08 tax-credit\n2021-09 wuhan-edz taxloan_credit_firms 120 tax-credit"; strings.Join(got, "\n") != want {
		t.Errorf("observations: got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	var rejects []string
	for _, r := range b.Rejects {
		rejects = append(rejects, fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason))
	}
	want := `sql:tax-credit:4: unknown entity "nowhere"`
	if got := strings.Join(rejects, "\n"); got != want {
		t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
	}
	t.Run("payload", func(t *testing.T) {
		if got, want := len(b.Payloads), 1; got != want {
			t.Fatalf("got %d payloads, want %d", got, want)
		}
		content := string(b.Payloads[0].Content)
		if !strings.HasPrefix(content, "period,entity,indicator,value\n2021-09,wuhan-edz,taxloan_credit_amount,800198500") {
			t.Errorf("payload:\n%s", content)
		}
	})
}

func TestReadOnly(t *testing.T) {
	dsn := creditDB(t)
	src := source(t, dsn, "5s", `INSERT INTO credit_monthly VALUES ('2021-11-01', 'wuhan-edz', 'taxloan_credit_amount', 1, 1)
		RETURNING month AS period, district AS entity, metric AS indicator, amount AS value`)
	_, err := fetch(src)
	if want := "query: pq: cannot execute INSERT in a read-only transaction (25006)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	db := sqlx.MustOpen("postgres", dsn)
	defer db.Close()
	var n int
	if err := db.Get(&n, "SELECT count(*) FROM credit_monthly"); err != nil {
		t.Fatal(err)
	}
	if got, want := n, 4; got != want {
		t.Errorf("rows after the refused insert: got %d, want %d", got, want)
	}
}

func TestStatementTimeout(t *testing.T) {
	dsn := creditDB(t)
	src := source(t, dsn, "200ms", `SELECT '2021-09' AS period, 'wuhan-edz' AS entity, 'taxloan_credit_firms' AS indicator, 1 AS value FROM pg_sleep(30)`)
	_, err := fetch(src)
	if want := "query: pq: canceling statement due to statement timeout (57014)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestColumns(t *testing.T) {
	dsn := creditDB(t)
	src := source(t, dsn, "5s", `SELECT month, district AS entity, metric AS indicator, amount AS value FROM credit_monthly`)
	_, err := fetch(src)
	if want := "query returns columns month, entity, indicator, value; want period, entity, indicator and value (missing period)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestPasswordNotInErrors(t *testing.T) {
	dsn := creditDB(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("nobody", "pa55word-xyz")
	u.Path = "/no_such_database"
	src := source(t, u.String(), "5s", "SELECT 1")
	_, err = fetch(src)
	if err == nil {
		t.Fatal("got no error, want one")
	}
	if strings.Contains(err.Error(), "pa55word-xyz") {
		t.Errorf("error %q has the password", err)
	}
	if got, want := src.Secrets(), []string{"pa55word-xyz"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("secrets: got %q, want %q", got, want)
	}
}
