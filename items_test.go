package bizenv_test

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

// The default catalog declares the items of the unit assessment that the
// seed names, each an item of unit_assessment_score with its points.
func TestDefaultCatalogUnitItems(t *testing.T) {
	c := bizenv.DefaultCatalog()
	var names []string
	total := 0.0
	for _, i := range c.Items("unit_assessment_score") {
		names = append(names, i.NameZH)
		if i.Unit != bizenv.UnitScore || i.MaxPoints == nil || i.Owner == "" {
			t.Errorf("%s: unit %s, max_points %v, owner %q", i.Code, i.Unit, i.MaxPoints, i.Owner)
			continue
		}
		total += *i.MaxPoints
	}
	if got, want := strings.Join(names, " "), "市级考核双评议 企业诉求反馈 八项重要指标推进情况 日常工作 三方考评 政策兑现 日常督查"; got != want {
		t.Errorf("items: got %s, want %s", got, want)
	}
	if total != 100 {
		t.Errorf("max_points add up to %v, want 100", total)
	}
	if i, _ := c.Indicator("city_assessment_score"); i.Compare != bizenv.ComparePrevious {
		t.Errorf("compare defaults to %q, want previous", i.Compare)
	}
}

// Each bad combination of the scored-item fields has its own error.
func TestCatalogItemErrors(t *testing.T) {
	const head = "indicators:\n  - {code: total, name_zh: 总分, name_en: Total, unit: score, direction: higher_better, category: a}\n  - {code: rank, name_zh: 排名, name_en: Rank, unit: rank, direction: lower_better, category: a}\n"
	for _, tc := range []struct{ name, item, want string }{
		{"max_points without part_of", "unit: score, direction: higher_better, max_points: 5",
			"indicator x: max_points needs part_of (the composite score it is an item of)"},
		{"part_of without max_points", "unit: score, direction: higher_better, part_of: total",
			"indicator x: part_of needs max_points greater than 0"},
		{"zero max_points", "unit: score, direction: higher_better, part_of: total, max_points: 0",
			"indicator x: part_of needs max_points greater than 0"},
		{"not a score", "unit: ratio, direction: higher_better, part_of: total, max_points: 5",
			`indicator x: a scored item (part_of) must have unit score, not "ratio"`},
		{"lower_better", "unit: score, direction: lower_better, part_of: total, max_points: 5",
			"indicator x: a scored item holds points earned, so its direction must be higher_better"},
		{"part of a rank", "unit: score, direction: higher_better, part_of: rank, max_points: 5",
			"indicator x: part_of: rank is not a composite score (unit rank)"},
		{"part of itself", "unit: score, direction: higher_better, part_of: x, max_points: 5",
			"indicator x: part_of: cannot be an item of itself"},
		{"bad compare", "unit: ratio, direction: higher_better, compare: last_year",
			`indicator x: compare "last_year": want previous or year_ago`},
		{"year_ago on annual", "unit: ratio, direction: higher_better, compare: year_ago, frequency: annual",
			"indicator x: compare year_ago is for monthly indicators; annual ones compare with the year before already"},
		{"negative alert_min_change", "unit: ratio, direction: higher_better, alert_min_change: -0.01",
			"indicator x: alert_min_change -0.01: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yml := head + "  - {code: x, name_zh: 项, name_en: X, category: a, " + tc.item + "}\n"
			_, err := bizenv.ParseCatalog("c.yaml", strings.NewReader(yml))
			if err == nil {
				t.Fatal("no error")
			}
			if got, want := bizenv.ErrorMessage(err), "catalog c.yaml: "+tc.want; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// An item of a composite that only the stored catalog has is checked when
// the file is applied: ParseCatalog lets it pass, ValidateItems decides.
func TestCatalogItemOfStoredComposite(t *testing.T) {
	yml := "indicators:\n  - {code: city_item_x, name_zh: 项, name_en: X, unit: score, direction: higher_better, category: a, part_of: city_assessment_score, max_points: 20}\n"
	c, err := bizenv.ParseCatalog("c.yaml", strings.NewReader(yml))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateItems(bizenv.DefaultCatalog()); err != nil {
		t.Errorf("against the default catalog: %v", err)
	}
	err = c.ValidateItems(bizenv.Catalog{})
	if got, want := err.Error(), `indicator city_item_x: part_of: unknown composite "city_assessment_score"`; got != want {
		t.Errorf("against an empty catalog: got %s, want %s", got, want)
	}
}

func TestPointsEarned(t *testing.T) {
	item, _ := bizenv.DefaultCatalog().Indicator("unit_item_daily_work") // max 10
	for _, tc := range []struct {
		deducted float64
		want     float64
		err      string
	}{
		{0, 10, ""}, {1.5, 8.5, ""}, {10, 0, ""},
		{-1, 0, "points deducted must not be negative"},
		{10.5, 0, "points deducted exceed max_points 10"},
	} {
		got, err := item.PointsEarned(tc.deducted)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%v: got error %v, want %s", tc.deducted, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%v: got %v, %v, want %v", tc.deducted, got, err, tc.want)
		}
	}
	score, _ := bizenv.DefaultCatalog().Indicator("unit_assessment_score")
	if _, err := score.PointsEarned(1); err == nil || err.Error() != "unit_assessment_score is not a scored item: it has no part_of and max_points" {
		t.Errorf("composite: got %v", err)
	}
}
