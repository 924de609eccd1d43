package metrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

var peerMetrics = []string{"bizenv_indicator_peer_rank", "bizenv_indicator_peer_count", "bizenv_indicator_last_place_streak"}

// Each series' standing among its peers (the districts under wuhan): by
// direction, ties sharing a rank; absent with fewer than two peers ranked,
// for neutral indicators and for entities without peers (wuhan-avg); the
// last-place streak ends at a period without the entity's value, or where
// nobody else had a value to be better.
func TestPeerRanks(t *testing.T) {
	db := pgtest.New(t)
	pgtest.ApplyCatalog(t, db, "countries.yaml", `
entities:
  - {code: cn, name_zh: 中国, name_en: China, kind: country}
  - {code: sg, name_zh: 新加坡, name_en: Singapore, kind: country}
`)
	store(t, db,
		// higher_better, ties: jiangan 1, edz and hanyang 2, qiaokou 4
		// (last once: in March jiangan had no better value than it).
		obs("city_assessment_score", "wuhan-edz", "2020-04", 80),
		obs("city_assessment_score", "wuhan-jiangan", "2020-04", 90),
		obs("city_assessment_score", "wuhan-hanyang", "2020-04", 80),
		obs("city_assessment_score", "wuhan-qiaokou", "2020-04", 70),
		obs("city_assessment_score", "wuhan-qiaokou", "2020-03", 70),
		obs("city_assessment_score", "wuhan-jiangan", "2020-03", 70),
		obs("city_assessment_score", "wuhan-avg", "2020-04", 60), // not a district

		// lower_better: edz last in April and March; February it has no
		// value, which ends the streak though it was last in January.
		obs("bizstart_days", "wuhan-edz", "2020-04", 3),
		obs("bizstart_days", "wuhan-jiangan", "2020-04", 1),
		obs("bizstart_days", "wuhan-hanyang", "2020-04", 2),
		obs("bizstart_days", "wuhan-edz", "2020-03", 5),
		obs("bizstart_days", "wuhan-jiangan", "2020-03", 4),
		obs("bizstart_days", "wuhan-jiangan", "2020-02", 4),
		obs("bizstart_days", "wuhan-edz", "2020-01", 9),
		obs("bizstart_days", "wuhan-jiangan", "2020-01", 4),
		// wuchang's latest month has no other value: no rank.
		obs("bizstart_days", "wuhan-wuchang", "2020-05", 9),

		// Tied for last: both are last (none worse, one better).
		obs("item_claim_rate", "wuhan-edz", "2020-04", 0.9),
		obs("item_claim_rate", "wuhan-jiangan", "2020-04", 0.9),
		obs("item_claim_rate", "wuhan-hanyang", "2020-04", 0.99),
		// All level: rank 1 each, nobody last.
		obs("ywtb_one_window", "wuhan-edz", "2020-04", 1),
		obs("ywtb_one_window", "wuhan-jiangan", "2020-04", 1),

		// Countries have no parent: ranked among the countries, as the
		// rankings API ranks them.
		obs("bizstart_days", "cn", "2020-04", 8),
		obs("bizstart_days", "sg", "2020-04", 1),

		// neutral: no rank.
		obs("sme_loan_demand_amount", "wuhan-edz", "2020-04", 100),
		obs("sme_loan_demand_amount", "wuhan-jiangan", "2020-04", 200),
	)
	c := newHandler(db, prometheus.NewRegistry())
	want := `
# HELP bizenv_indicator_peer_rank Rank of the entity's latest value among its peers (same parent and kind) for the same period, best = 1, by direction; ties share a rank. Absent when fewer than two peers have a value, and for neutral indicators.
# TYPE bizenv_indicator_peer_rank gauge
bizenv_indicator_peer_rank{entity="cn",indicator="bizstart_days"} 2
bizenv_indicator_peer_rank{entity="sg",indicator="bizstart_days"} 1
bizenv_indicator_peer_rank{entity="wuhan-edz",indicator="bizstart_days"} 3
bizenv_indicator_peer_rank{entity="wuhan-hanyang",indicator="bizstart_days"} 2
bizenv_indicator_peer_rank{entity="wuhan-jiangan",indicator="bizstart_days"} 1
bizenv_indicator_peer_rank{entity="wuhan-edz",indicator="city_assessment_score"} 2
bizenv_indicator_peer_rank{entity="wuhan-hanyang",indicator="city_assessment_score"} 2
bizenv_indicator_peer_rank{entity="wuhan-jiangan",indicator="city_assessment_score"} 1
bizenv_indicator_peer_rank{entity="wuhan-qiaokou",indicator="city_assessment_score"} 4
bizenv_indicator_peer_rank{entity="wuhan-edz",indicator="item_claim_rate"} 2
bizenv_indicator_peer_rank{entity="wuhan-hanyang",indicator="item_claim_rate"} 1
bizenv_indicator_peer_rank{entity="wuhan-jiangan",indicator="item_claim_rate"} 2
bizenv_indicator_peer_rank{entity="wuhan-edz",indicator="ywtb_one_window"} 1
bizenv_indicator_peer_rank{entity="wuhan-jiangan",indicator="ywtb_one_window"} 1
# HELP bizenv_indicator_peer_count How many peers (the entity included) have a value for the period of the entity's latest value.
# TYPE bizenv_indicator_peer_count gauge
bizenv_indicator_peer_count{entity="cn",indicator="bizstart_days"} 2
bizenv_indicator_peer_count{entity="sg",indicator="bizstart_days"} 2
bizenv_indicator_peer_count{entity="wuhan-edz",indicator="bizstart_days"} 3
bizenv_indicator_peer_count{entity="wuhan-hanyang",indicator="bizstart_days"} 3
bizenv_indicator_peer_count{entity="wuhan-jiangan",indicator="bizstart_days"} 3
bizenv_indicator_peer_count{entity="wuhan-edz",indicator="city_assessment_score"} 4
bizenv_indicator_peer_count{entity="wuhan-hanyang",indicator="city_assessment_score"} 4
bizenv_indicator_peer_count{entity="wuhan-jiangan",indicator="city_assessment_score"} 4
bizenv_indicator_peer_count{entity="wuhan-qiaokou",indicator="city_assessment_score"} 4
bizenv_indicator_peer_count{entity="wuhan-edz",indicator="item_claim_rate"} 3
bizenv_indicator_peer_count{entity="wuhan-hanyang",indicator="item_claim_rate"} 3
bizenv_indicator_peer_count{entity="wuhan-jiangan",indicator="item_claim_rate"} 3
bizenv_indicator_peer_count{entity="wuhan-edz",indicator="ywtb_one_window"} 2
bizenv_indicator_peer_count{entity="wuhan-jiangan",indicator="ywtb_one_window"} 2
# HELP bizenv_indicator_last_place_streak Consecutive periods, ending at the latest, in which the entity ranked last among its peers (末位): none worse, at least one better. A period without its value ends the streak.
# TYPE bizenv_indicator_last_place_streak gauge
bizenv_indicator_last_place_streak{entity="cn",indicator="bizstart_days"} 1
bizenv_indicator_last_place_streak{entity="sg",indicator="bizstart_days"} 0
bizenv_indicator_last_place_streak{entity="wuhan-edz",indicator="bizstart_days"} 2
bizenv_indicator_last_place_streak{entity="wuhan-hanyang",indicator="bizstart_days"} 0
bizenv_indicator_last_place_streak{entity="wuhan-jiangan",indicator="bizstart_days"} 0
bizenv_indicator_last_place_streak{entity="wuhan-edz",indicator="city_assessment_score"} 0
bizenv_indicator_last_place_streak{entity="wuhan-hanyang",indicator="city_assessment_score"} 0
bizenv_indicator_last_place_streak{entity="wuhan-jiangan",indicator="city_assessment_score"} 0
bizenv_indicator_last_place_streak{entity="wuhan-qiaokou",indicator="city_assessment_score"} 1
bizenv_indicator_last_place_streak{entity="wuhan-edz",indicator="item_claim_rate"} 1
bizenv_indicator_last_place_streak{entity="wuhan-hanyang",indicator="item_claim_rate"} 0
bizenv_indicator_last_place_streak{entity="wuhan-jiangan",indicator="item_claim_rate"} 1
bizenv_indicator_last_place_streak{entity="wuhan-edz",indicator="ywtb_one_window"} 0
bizenv_indicator_last_place_streak{entity="wuhan-jiangan",indicator="ywtb_one_window"} 0
`
	compare(t, c, want, peerMetrics...)

	t.Run("served by the handler", func(t *testing.T) {
		body := get(t, c, false)
		for _, line := range strings.Split(strings.TrimSpace(want), "\n") {
			if !strings.HasPrefix(line, "#") && !strings.Contains(body, line) {
				t.Errorf("/metrics lacks %s", line)
			}
		}
	})
}

// alert_min_change is exported for every indicator, 0 where unset, so a
// rule can compare a decline with it.
func TestAlertMinChange(t *testing.T) {
	db := pgtest.New(t)
	pgtest.ApplyCatalog(t, db, "c.yaml",
		"indicators:\n  - {code: ywtb_one_window, name_zh: 一窗通办推进率, name_en: One-window service progress, unit: ratio, direction: higher_better, category: ywtb, alert_min_change: 0.0004}\n")
	body := get(t, newHandler(db, prometheus.NewRegistry()), false)
	for _, want := range []string{
		`bizenv_indicator_alert_min_change{indicator="ywtb_one_window"} 0.0004`,
		`bizenv_indicator_alert_min_change{indicator="ywtb_case_volume"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// /metrics renders again only the entities a write changed, and their
// peers: one district's new value moves the others' ranks.
func TestPeerRanksFollowAPeersWrite(t *testing.T) {
	db := pgtest.New(t)
	store(t, db,
		obs("bizstart_days", "wuhan-edz", "2020-04", 3),
		obs("bizstart_days", "wuhan-jiangan", "2020-04", 1),
		obs("bizstart_days", "wuhan-hanyang", "2020-04", 2),
	)
	h := newHandler(db, prometheus.NewRegistry())
	peerRanks := families("bizenv_indicator_peer_rank")
	if body := get(t, h, false); !strings.Contains(body, `bizenv_indicator_peer_rank{indicator="bizstart_days",entity="wuhan-jiangan"} 1`) &&
		!strings.Contains(body, `bizenv_indicator_peer_rank{entity="wuhan-jiangan",indicator="bizstart_days"} 1`) {
		t.Fatalf("before the write, jiangan is not first:\n%s", only(body, peerRanks))
	}
	// wuhan-edz now takes a day less than anyone: first; jiangan second.
	store(t, db, obs("bizstart_days", "wuhan-edz", "2020-04", 0.5))
	body := get(t, h, false)
	for _, want := range []string{
		`peer_rank{indicator="bizstart_days",entity="wuhan-edz"} 1`,
		`peer_rank{indicator="bizstart_days",entity="wuhan-jiangan"} 2`,
		`peer_rank{indicator="bizstart_days",entity="wuhan-hanyang"} 3`,
		`last_place_streak{indicator="bizstart_days",entity="wuhan-hanyang"} 1`,
	} {
		alt := want
		if i := strings.Index(want, "{"); i >= 0 { // either label order
			var ind, ent string
			for _, kv := range strings.Split(strings.Trim(want[i:strings.Index(want, "}")+1], "{}"), ",") {
				if strings.HasPrefix(kv, "indicator=") {
					ind = kv
				} else {
					ent = kv
				}
			}
			alt = want[:i] + "{" + ent + "," + ind + "}" + want[strings.Index(want, "}")+1:]
		}
		if !strings.Contains(body, want) && !strings.Contains(body, alt) {
			t.Errorf("after the write, /metrics lacks %s:\n%s", want, only(body, peerRanks))
		}
	}
}
