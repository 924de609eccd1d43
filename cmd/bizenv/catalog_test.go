package main

import (
	"context"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

const userCatalog = `indicators:
  - {code: item_claim_rate, name_zh: 事项认领率, name_en: Service item claim rate, unit: ratio, direction: higher_better, category: ywtb, target: 0.99, owner: 区行政审批局}
`

func claimRateTarget(t *testing.T, db *postgres.DB) float64 {
	t.Helper()
	cat, err := db.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range cat.Indicators {
		if i.Code == "item_claim_rate" {
			if i.Target == nil {
				t.Fatal("item_claim_rate has no target")
			}
			return *i.Target
		}
	}
	t.Fatal("item_claim_rate is not stored")
	return 0
}

// TestCatalogApplyStays applies a user's target and runs every other
// command after it: none of them may put the default's target back.
func TestCatalogApplyStays(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	if got := claimRateTarget(t, db); got != 0.95 {
		t.Fatalf("default target: got %v, want 0.95", got)
	}
	if r := runBizenv(t, dsn, "catalog", "apply", writeFile(t, "catalog.yml", userCatalog)); r.err != nil {
		t.Fatalf("catalog apply: %v\n%s", r.err, r.stderr)
	}
	if got := claimRateTarget(t, db); got != 0.99 {
		t.Fatalf("after catalog apply: got %v, want 0.99", got)
	}
	data := writeFile(t, "data.csv", header+"2021-10,wuhan-edz,item_claim_rate,97%,test,\n")
	cfg, _ := demoConfig(t, nil)
	for _, args := range [][]string{
		{"catalog", "show"},
		{"import", data},
		{"report", "--period", "2021-10"},
		{"collect", "--config.file", cfg},
		{"verify"},
		{"migrate"},
		{"catalog", "show"},
	} {
		name := strings.Join(args[:1], " ")
		r := runBizenv(t, dsn, args...)
		if r.err != nil {
			t.Fatalf("%s: %v\n%s", name, r.err, r.stderr)
		}
		if got := claimRateTarget(t, db); got != 0.99 {
			t.Errorf("after %s: target %v, want the user's 0.99", name, got)
		}
		if args[0] == "catalog" && !strings.Contains(r.stdout, "target: 0.99") {
			t.Errorf("catalog show does not show the user's target:\n%s", r.stdout)
		}
	}
}

// TestReadCommandsDoNotWrite checks that report, catalog show and verify
// leave data_version, the key of the /metrics cache, as it was.
func TestReadCommandsDoNotWrite(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	data := writeFile(t, "data.csv", header+"2021-10,wuhan-edz,item_claim_rate,97%,test,\n")
	if r := runBizenv(t, dsn, "import", data); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	before, err := db.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", "--period", "2021-10"},
		{"report", "--period", "2021-10", "--format", "html"},
		{"catalog", "show"},
		{"verify"},
	} {
		if r := runBizenv(t, dsn, args...); r.err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
		}
		after, err := db.DataVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("%s wrote: data_version %d -> %d", strings.Join(args, " "), before, after)
		}
	}
}

// TestDefaultCatalogAddsWhatIsMissing: migrate restores an indicator of the
// default catalog that is not stored, and leaves the user's rows alone.
func TestDefaultCatalogAddsWhatIsMissing(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if r := runBizenv(t, dsn, "catalog", "apply", writeFile(t, "catalog.yml", userCatalog)); r.err != nil {
		t.Fatalf("catalog apply: %v\n%s", r.err, r.stderr)
	}
	// A default row a newer release would correct, and one it would add.
	if _, err := pgtest.SQL(t, db).Exec(`UPDATE indicators SET name_en = 'outdated' WHERE code = 'bad_review_fix_rate'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pgtest.SQL(t, db).Exec(`DELETE FROM indicators WHERE code = 'review_push_rate'`); err != nil {
		t.Fatal(err)
	}
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	cat, err := db.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, i := range cat.Indicators {
		got[i.Code] = i.NameEN
	}
	if got["review_push_rate"] != "Service review push rate" {
		t.Errorf("the missing review_push_rate was not added back: %q", got["review_push_rate"])
	}
	if got["bad_review_fix_rate"] != "Bad review rectification rate" {
		t.Errorf("a default row did not follow the default: %q", got["bad_review_fix_rate"])
	}
	if v := claimRateTarget(t, db); v != 0.99 {
		t.Errorf("the user's target: got %v, want 0.99", v)
	}
}

// TestReadCommandOnUnmigratedDatabase: a read command on a database that
// was never migrated says to migrate, and creates nothing.
func TestReadCommandOnUnmigratedDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if _, err := pgtest.SQL(t, db).Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"report", "--period", "2021-10"}, {"catalog", "show"}, {"verify"}} {
		r := runBizenv(t, dsn, args...)
		if r.code() != exitUsage || !strings.Contains(r.err.Error(), "run `bizenv migrate`") {
			t.Errorf("%s: exit %d, %v; want exit 2 telling to run bizenv migrate", args[0], r.code(), r.err)
		}
	}
	var tables int
	if err := pgtest.SQL(t, db).Get(&tables, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("read commands created %d table(s)", tables)
	}
}
