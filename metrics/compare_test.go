package metrics_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// A year-to-date series (compare: year_ago) restarts every January: its
// January is judged against the January before, not against December.
func TestCompareYearAgo(t *testing.T) {
	db := pgtest.New(t)
	pgtest.ApplyCatalog(t, db, "ytd.yaml", `
indicators:
  - {code: ytd_new_firms, name_zh: 年内新增企业数, name_en: New firms this year, unit: count, direction: higher_better, category: market, compare: year_ago}
`)
	store(t, db,
		// edz: January 2021 below January 2020, which was below January
		// 2019: two declines a year apart, the slide starting from 150 in
		// January 2019; the fall from December is none.
		obs("ytd_new_firms", "wuhan-edz", "2019-01", 150),
		obs("ytd_new_firms", "wuhan-edz", "2020-01", 100),
		obs("ytd_new_firms", "wuhan-edz", "2020-12", 1000),
		obs("ytd_new_firms", "wuhan-edz", "2021-01", 80),
		// jiangan: more than a year before, though far below December.
		obs("ytd_new_firms", "wuhan-jiangan", "2020-01", 100),
		obs("ytd_new_firms", "wuhan-jiangan", "2020-12", 1200),
		obs("ytd_new_firms", "wuhan-jiangan", "2021-01", 120),
		// hanyang: no January 2020, so no previous value and no streak.
		obs("ytd_new_firms", "wuhan-hanyang", "2020-12", 900),
		obs("ytd_new_firms", "wuhan-hanyang", "2021-01", 90),
	)
	compare(t, newHandler(db, prometheus.NewRegistry()), `
# HELP bizenv_indicator_previous_value Value of the period before the latest: the month before, or the year before for annual indicators. Absent if that period has no value.
# TYPE bizenv_indicator_previous_value gauge
bizenv_indicator_previous_value{entity="wuhan-edz",indicator="ytd_new_firms"} 100
bizenv_indicator_previous_value{entity="wuhan-jiangan",indicator="ytd_new_firms"} 100
# HELP bizenv_indicator_improvement Change signed so that positive is better: negated for lower_better, 0 for neutral indicators.
# TYPE bizenv_indicator_improvement gauge
bizenv_indicator_improvement{entity="wuhan-edz",indicator="ytd_new_firms"} -20
bizenv_indicator_improvement{entity="wuhan-jiangan",indicator="ytd_new_firms"} 20
# HELP bizenv_indicator_decline_streak Consecutive periods, ending at the latest, in which the indicator declined; a missing period or a non-decline ends it. Always 0 for neutral indicators.
# TYPE bizenv_indicator_decline_streak gauge
bizenv_indicator_decline_streak{entity="wuhan-edz",indicator="ytd_new_firms"} 2
bizenv_indicator_decline_streak{entity="wuhan-hanyang",indicator="ytd_new_firms"} 0
bizenv_indicator_decline_streak{entity="wuhan-jiangan",indicator="ytd_new_firms"} 0
# HELP bizenv_indicator_decline_streak_start_timestamp_seconds UTC start of the period the decline streak started from: the period before its first decline. Absent when the streak is 0.
# TYPE bizenv_indicator_decline_streak_start_timestamp_seconds gauge
bizenv_indicator_decline_streak_start_timestamp_seconds{entity="wuhan-edz",indicator="ytd_new_firms"} 1.5463008e+09
# HELP bizenv_indicator_decline_streak_start_value Value of the period the decline streak started from, in the indicator's unit. Absent when the streak is 0.
# TYPE bizenv_indicator_decline_streak_start_value gauge
bizenv_indicator_decline_streak_start_value{entity="wuhan-edz",indicator="ytd_new_firms"} 150
`, "bizenv_indicator_previous_value", "bizenv_indicator_improvement", "bizenv_indicator_decline_streak",
		"bizenv_indicator_decline_streak_start_timestamp_seconds", "bizenv_indicator_decline_streak_start_value")
}
