package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

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
