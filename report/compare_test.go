package report_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// The report judges a year-to-date series (compare: year_ago) against the
// same month a year before: January's restart is no decline.
func TestReportCompareYearAgo(t *testing.T) {
	db := pgtest.New(t)
	c, err := bizenv.ParseCatalog("ytd.yaml", strings.NewReader(`
indicators:
  - {code: ytd_new_firms, name_zh: 年内新增企业数, name_en: New firms this year, unit: count, direction: higher_better, category: market, compare: year_ago}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyCatalog(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	load(t, db, writeCSV(t, "period,entity,indicator,value\n"+
		"2020-01,wuhan-edz,ytd_new_firms,100\n2020-12,wuhan-edz,ytd_new_firms,1000\n2021-01,wuhan-edz,ytd_new_firms,120\n"+
		"2021-01,wuhan-edz,city_assessment_rank,5\n"))
	r := build(t, db, "2021-01", "wuhan-edz")
	for _, d := range r.Declined {
		if d.Indicator == "ytd_new_firms" {
			t.Errorf("declined: %+v; January compares with January", d)
		}
	}
	found := false
	for _, i := range r.Improved {
		if i.Indicator == "ytd_new_firms" {
			found = true
			if i.Previous != 100 || i.Change != 20 {
				t.Errorf("improved: got %+v, want previous 100, change 20", i)
			}
		}
	}
	if !found {
		t.Errorf("ytd_new_firms not among the improved: %+v", r.Improved)
	}
}

// writeCSV writes a long-format file for load.
func writeCSV(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
