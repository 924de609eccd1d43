package ingest_test

import (
	"strconv"
	"strings"
	"testing"
)

// A row whose indicator is written "code-deduction" gives the points a
// scored item lost; the points earned (max_points minus them) are stored.
func TestLongDeduction(t *testing.T) {
	obs, rejects := parseLong(t, "items.csv", strings.Join([]string{
		"period,entity,indicator,value",
		"2021-08,wuhan-edz,unit_item_daily_work-deduction,1.5",     // max 10
		"2021-08,wuhan-jiangan,unit_item_city_review-deduction,0",  // max 30
		"2021-08,wuhan-hanyang,unit_item_city_review,27",           // points earned, as before
		"2021-08,wuhan-qiaokou,unit_item_daily_work-deduction,12",  // more than max
		"2021-08,wuhan-wuchang,unit_item_daily_work-deduction,-1",  // negative
		"2021-08,wuhan-qingshan,unit_assessment_score-deduction,3", // not an item
		"2021-08,wuhan-edz,unit_item_daily_work,9",                 // duplicate of line 2, another value
		"2021-08,wuhan-hongshan,unit_item_daily_work-deduction,—",  // no value: skipped
		"2021-08,wuhan-caidian,nosuch-deduction,1",                 // unknown
	}, "\n"))
	var got []string
	for _, o := range obs {
		got = append(got, o.Entity+" "+o.Indicator+" "+strconv.FormatFloat(o.Value, 'f', -1, 64))
	}
	if g, w := strings.Join(got, "\n"), "wuhan-edz unit_item_daily_work 8.5\nwuhan-jiangan unit_item_city_review 30\nwuhan-hanyang unit_item_city_review 27"; g != w {
		t.Errorf("observations:\n%s\nwant\n%s", g, w)
	}
	var reasons []string
	for _, r := range rejects {
		reasons = append(reasons, r.Reason)
	}
	want := []string{
		`value "12" for unit_item_daily_work-deduction: points deducted exceed max_points 10`,
		`value "-1" for unit_item_daily_work-deduction: points deducted must not be negative`,
		`value "3" for unit_assessment_score-deduction: unit_assessment_score is not a scored item: it has no part_of and max_points`,
		`duplicate of line 2 with a different value`,
		`unknown indicator "nosuch"`,
	}
	if g, w := strings.Join(reasons, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("rejects:\n%s\nwant\n%s", g, w)
	}
}
