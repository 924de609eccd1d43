package postgres_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func obs(ind, ent, period string, v float64) bizenv.Observation {
	p, err := bizenv.ParsePeriod(period)
	if err != nil {
		panic(err)
	}
	return bizenv.Observation{Indicator: ind, Entity: ent, Period: p, Value: v, Source: "test"}
}

type revision struct {
	Revision  int     `db:"revision"`
	Value     float64 `db:"value"`
	RunID     int64   `db:"run_id"`
	ChangedBy string  `db:"changed_by"`
}

func revisions(t *testing.T, db *postgres.DB, ind, ent, period string) []revision {
	t.Helper()
	var got []revision
	err := pgtest.SQL(t, db).Select(&got, `SELECT revision, value, run_id, changed_by FROM observation_history
		WHERE indicator = $1 AND entity = $2 AND period = $3::date ORDER BY revision`, ind, ent, period+"-01")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStoreKeepsEveryRevision(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	// store stores o as actor's import, which must succeed with the counts want.
	store := func(step, actor string, want bizenv.Counts, o ...bizenv.Observation) bizenv.Run {
		t.Helper()
		run, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: actor, Observations: o})
		if err != nil {
			t.Fatal(err)
		}
		if run.Counts != want {
			t.Errorf("%s: got %+v, want %+v", step, run.Counts, want)
		}
		if run.Outcome != bizenv.OutcomeSuccess || run.FinishedAt == nil {
			t.Errorf("%s: outcome %q finished %v", step, run.Outcome, run.FinishedAt)
		}
		return run
	}

	first := store("first store", "alice", bizenv.Counts{Inserted: 2},
		obs("city_assessment_rank", "wuhan-edz", "2020-06", 8),
		obs("city_assessment_rank", "wuhan-edz", "2020-07", 9))
	store("identical store", "alice", bizenv.Counts{Unchanged: 2},
		obs("city_assessment_rank", "wuhan-edz", "2020-06", 8),
		obs("city_assessment_rank", "wuhan-edz", "2020-07", 9))
	changed := store("changed store", "bob", bizenv.Counts{Updated: 1},
		obs("city_assessment_rank", "wuhan-edz", "2020-07", 10))
	got := revisions(t, db, "city_assessment_rank", "wuhan-edz", "2020-07")
	want := []revision{{1, 9, first.ID, "alice"}, {2, 10, changed.ID, "bob"}}
	if len(got) != len(want) {
		t.Fatalf("revisions: got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("revision %d: got %+v, want %+v", i+1, got[i], want[i])
		}
	}
	var current float64
	if err := pgtest.SQL(t, db).Get(&current, `SELECT value FROM observations WHERE indicator = 'city_assessment_rank' AND entity = 'wuhan-edz' AND period = '2020-07-01'`); err != nil {
		t.Fatal(err)
	}
	if current != 10 {
		t.Errorf("current value: got %v, want 10", current)
	}
}

func TestStoreAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	b := bizenv.Batch{
		Kind: bizenv.RunImport, Name: "import", Actor: "test",
		Observations: []bizenv.Observation{obs("city_assessment_rank", "wuhan-edz", "2020-06", 8)},
		Rejects:      []bizenv.Reject{{File: "a.csv", Line: 3, Record: "2020-06,wuhan-edz,nope,1", Reason: `unknown indicator "nope"`}},
		Payloads:     []bizenv.Payload{{Name: "a.csv", Content: []byte("period,entity,indicator,value\n")}},
	}

	t.Run("rejects stop the batch", func(t *testing.T) {
		run, err := db.Store(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := run.Counts, (bizenv.Counts{Rejected: 1}); got != want {
			t.Errorf("counts: got %+v, want %+v", got, want)
		}
		if run.Outcome != bizenv.OutcomeFailure {
			t.Errorf("outcome: got %q, want failure", run.Outcome)
		}
		if n := pgtest.Count(t, db, "SELECT count(*) FROM observations"); n != 0 {
			t.Errorf("observations stored: got %d, want 0", n)
		}
		if n := pgtest.Count(t, db, "SELECT count(*) FROM rejects WHERE run_id = $1 AND line = 3 AND file = 'a.csv'", run.ID); n != 1 {
			t.Errorf("rejects recorded: got %d, want 1", n)
		}
	})

	t.Run("allow partial stores the good ones", func(t *testing.T) {
		b := b
		b.AllowPartial = true
		run, err := db.Store(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := run.Counts, (bizenv.Counts{Inserted: 1, Rejected: 1}); got != want {
			t.Errorf("counts: got %+v, want %+v", got, want)
		}
		if run.Outcome != bizenv.OutcomePartial {
			t.Errorf("outcome: got %q, want partial", run.Outcome)
		}
	})

	t.Run("dry run stores nothing", func(t *testing.T) {
		b := bizenv.Batch{Kind: bizenv.RunImport, Name: "import", DryRun: true, Observations: []bizenv.Observation{
			obs("city_assessment_rank", "wuhan-edz", "2020-06", 9),
			obs("city_assessment_rank", "wuhan-edz", "2020-08", 11),
		}}
		before := pgtest.Count(t, db, "SELECT count(*) FROM runs")
		run, err := db.Store(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := run.Counts, (bizenv.Counts{Inserted: 1, Updated: 1}); got != want {
			t.Errorf("counts: got %+v, want %+v", got, want)
		}
		if n := pgtest.Count(t, db, "SELECT count(*) FROM observations"); n != 1 {
			t.Errorf("observations after dry run: got %d, want 1", n)
		}
		if n := pgtest.Count(t, db, "SELECT count(*) FROM runs"); n != before {
			t.Errorf("runs after dry run: got %d, want %d", n, before)
		}
	})
}

func TestStoreUnknownCodes(t *testing.T) {
	db := pgtest.New(t)
	run, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunAPI, Name: "api",
		Observations: []bizenv.Observation{obs("no_such_indicator", "wuhan-edz", "2020-06", 1)}})
	if got, want := bizenv.ErrorCode(err), bizenv.EINVALID; got != want {
		t.Fatalf("error code: got %q (%v), want %q", got, err, want)
	}
	var outcome string
	if err := pgtest.SQL(t, db).Get(&outcome, "SELECT outcome FROM runs WHERE id = $1", run.ID); err != nil {
		t.Fatal(err)
	}
	if outcome != bizenv.OutcomeFailure {
		t.Errorf("run outcome: got %q, want failure", outcome)
	}
	if n := pgtest.Count(t, db, "SELECT count(*) FROM observations"); n != 0 {
		t.Errorf("observations: got %d, want 0", n)
	}
}

// The table's CHECK (value = value) does not keep NaN out, since
// PostgreSQL holds NaN equal to itself: the store must.
func TestStoreRefusesNonFiniteValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value float64
		want  string
	}{
		{"NaN", math.NaN(), "city_assessment_score/wuhan-edz/2020-06: value NaN is not a finite number"},
		{"+Inf", math.Inf(1), "city_assessment_score/wuhan-edz/2020-06: value +Inf is not a finite number"},
		{"-Inf", math.Inf(-1), "city_assessment_score/wuhan-edz/2020-06: value -Inf is not a finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			_, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Observations: []bizenv.Observation{
				obs("city_assessment_score", "wuhan-edz", "2020-05", 80),
				obs("city_assessment_score", "wuhan-edz", "2020-06", tc.value),
			}})
			if err == nil || bizenv.ErrorMessage(err) != tc.want {
				t.Errorf("error: got %v, want %q", err, tc.want)
			}
			if n := pgtest.Count(t, db, `SELECT count(*) FROM observation_history`); n != 0 {
				t.Errorf("stored %d value(s), want none", n)
			}
			mustVerify(t, db)
		})
	}
}

// TestStoreBoundsRejects stores a batch of many more rejects than are
// kept: the first bizenv.MaxStoredRejects are stored, the run counts all,
// and the history verifies; a batch at the bound keeps every reject, and
// one reject fewer than recorded is still a violation.
func TestStoreBoundsRejects(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	rejects := func(n int) []bizenv.Reject {
		r := make([]bizenv.Reject, n)
		for i := range r {
			r[i] = bizenv.Reject{File: "api", Line: i + 1, Record: "1", Reason: "want an object"}
		}
		return r
	}
	for _, tc := range []struct {
		name       string
		rejects    int
		wantStored int
	}{
		{"flood", 25_000, bizenv.MaxStoredRejects},
		{"at the bound", bizenv.MaxStoredRejects, bizenv.MaxStoredRejects},
		{"under the bound", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunAPI, Name: "api", Actor: "test", Rejects: rejects(tc.rejects)})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := run.Rejected, tc.rejects; got != want {
				t.Errorf("run counts %d rejected, want %d", got, want)
			}
			if got := pgtest.Count(t, db, "SELECT count(*) FROM rejects WHERE run_id = $1", run.ID); got != tc.wantStored {
				t.Errorf("stored %d rejects, want %d", got, tc.wantStored)
			}
			if got, want := pgtest.Count(t, db, "SELECT max(line) FROM rejects WHERE run_id = $1", run.ID), tc.wantStored; got != want {
				t.Errorf("last stored reject is record %d, want %d: the first ones are kept", got, want)
			}
			mustVerify(t, db)
		})
	}
	t.Run("a missing reject is still a violation", func(t *testing.T) {
		run, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunAPI, Name: "api", Actor: "test", Rejects: rejects(5)})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `DELETE FROM rejects WHERE run_id = $1 AND line = 5`, run.ID)
		v, err := db.Verify(ctx, postgres.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("run %d (api api): recorded 5 rejected, but 4 stored", run.ID); len(v.Violations) != 1 || v.Violations[0] != want {
			t.Errorf("violations: got %q, want %q", v.Violations, want)
		}
	})
}

func TestCatalogRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	got, err := db.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := bizenv.DefaultCatalog()
	if len(got.Indicators) != len(want.Indicators) || len(got.Entities) != len(want.Entities) {
		t.Fatalf("catalog: got %d indicators %d entities, want %d and %d",
			len(got.Indicators), len(got.Entities), len(want.Indicators), len(want.Entities))
	}
	edz, _ := got.Entity("wuhan-edz")
	if edz.Benchmark != "wuhan-avg" || edz.Parent != "wuhan" {
		t.Errorf("wuhan-edz: got %+v", edz)
	}
	annual, _ := got.Indicator("edz_index_rank")
	if annual.Frequency != bizenv.Annual {
		t.Errorf("edz_index_rank frequency: got %q, want annual", annual.Frequency)
	}

	t.Run("unknown benchmark", func(t *testing.T) {
		err := db.ApplyCatalog(ctx, bizenv.Catalog{Entities: []bizenv.Entity{
			{Code: "x", NameZH: "X", NameEN: "X", Kind: "park", Benchmark: "nowhere"}}})
		if got, want := bizenv.ErrorMessage(err), `catalog: entity x: unknown entity "nowhere"`; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// A user's catalog makes the rows it writes the user's: the default
// catalog applied after it leaves them as the user set them, and still
// brings the rows no user set up to date.
func TestDefaultCatalogYieldsToUsers(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	def := bizenv.DefaultCatalog()
	indicator, _ := def.Indicator("item_claim_rate")
	target := 0.5
	indicator.Target = &target
	entity, _ := def.Entity("wuhan-edz")
	entity.NameEN = "Our zone"
	if err := db.ApplyCatalog(ctx, bizenv.Catalog{Indicators: []bizenv.Indicator{indicator}, Entities: []bizenv.Entity{entity}}); err != nil {
		t.Fatal(err)
	}
	// Default rows as an older release left them.
	mustExec(t, db, `UPDATE indicators SET name_en = 'old' WHERE code = 'city_assessment_rank'`)
	mustExec(t, db, `UPDATE entities SET name_en = 'old' WHERE code = 'wuhan'`)
	if err := db.ApplyDefaultCatalog(ctx, def); err != nil {
		t.Fatal(err)
	}
	rank, _ := def.Indicator("city_assessment_rank")
	wuhan, _ := def.Entity("wuhan")
	for _, tc := range []struct{ query, want string }{
		{`SELECT origin || ' ' || target FROM indicators WHERE code = 'item_claim_rate'`, "user 0.5"},
		{`SELECT origin || ' ' || name_en FROM entities WHERE code = 'wuhan-edz'`, "user Our zone"},
		{`SELECT origin || ' ' || name_en FROM indicators WHERE code = 'city_assessment_rank'`, "default " + rank.NameEN},
		{`SELECT origin || ' ' || name_en FROM entities WHERE code = 'wuhan'`, "default " + wuhan.NameEN},
	} {
		var got string
		if err := pgtest.SQL(t, db).Get(&got, tc.query); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.query, got, tc.want)
		}
	}
}

// The scored-item fields, compare and alert_min_change are stored and read
// back; an item of a composite that is neither stored nor in the file is
// refused.
func TestCatalogItemsStored(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	c, err := bizenv.ParseCatalog("demo.yaml", strings.NewReader(`
indicators:
  - {code: city_item_ywtb, name_zh: 一网通办, name_en: One network, unit: score, direction: higher_better, category: assessment, part_of: city_assessment_score, max_points: 20, owner: 区行政审批局}
  - {code: ytd_firms, name_zh: 年内新增企业, name_en: New firms this year, unit: count, direction: higher_better, category: market, compare: year_ago, alert_min_change: 3}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyCatalog(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := db.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	item, _ := got.Indicator("city_item_ywtb")
	if item.PartOf != "city_assessment_score" || item.MaxPoints == nil || *item.MaxPoints != 20 || item.Compare != bizenv.ComparePrevious {
		t.Errorf("item: got %+v", item)
	}
	ytd, _ := got.Indicator("ytd_firms")
	if ytd.Compare != bizenv.CompareYearAgo || ytd.AlertMinChange != 3 || ytd.PartOf != "" || ytd.MaxPoints != nil {
		t.Errorf("year-to-date: got %+v", ytd)
	}
	if items := got.Items("unit_assessment_score"); len(items) != 7 {
		t.Errorf("default unit items stored: got %d, want 7", len(items))
	}

	bad, err := bizenv.ParseCatalog("bad.yaml", strings.NewReader(`
indicators:
  - {code: city_item_x, name_zh: 项, name_en: X, unit: score, direction: higher_better, category: a, part_of: nosuch_score, max_points: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	err = db.ApplyCatalog(ctx, bad)
	if got, want := bizenv.ErrorMessage(err), `catalog: indicator city_item_x: part_of: unknown composite "nosuch_score"`; got != want {
		t.Errorf("unknown composite: got %q, want %q", got, want)
	}
}

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
