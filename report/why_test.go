package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// peer_ranks lists the indicators on which the entity is in the lower half
// of its peers, worst first, each with its responsible unit and how long
// it has been last; a month without its value ends a last-place streak.
func TestReportPeerRanks(t *testing.T) {
	db := pgtest.New(t)
	load(t, db, writeCSV(t, "period,entity,indicator,value\n"+
		// bizstart_days (lower better): edz last in November and October,
		// missing in September, last in August: a streak of 2.
		"2020-11,wuhan-edz,bizstart_days,5\n2020-11,wuhan-jiangan,bizstart_days,1\n2020-11,wuhan-hanyang,bizstart_days,2\n"+
		"2020-10,wuhan-edz,bizstart_days,5\n2020-10,wuhan-jiangan,bizstart_days,1\n"+
		"2020-09,wuhan-jiangan,bizstart_days,1\n2020-09,wuhan-hanyang,bizstart_days,2\n"+
		"2020-08,wuhan-edz,bizstart_days,5\n2020-08,wuhan-jiangan,bizstart_days,1\n"+
		// ywtb_case_volume: edz 3rd of 4 (lower half, not last).
		"2020-11,wuhan-edz,ywtb_case_volume,0.7\n2020-11,wuhan-jiangan,ywtb_case_volume,0.9\n"+
		"2020-11,wuhan-hanyang,ywtb_case_volume,0.8\n2020-11,wuhan-qiaokou,ywtb_case_volume,0.6\n"+
		// item_claim_rate: edz first: not listed.
		"2020-11,wuhan-edz,item_claim_rate,0.99\n2020-11,wuhan-jiangan,item_claim_rate,0.9\n"+
		// sme_loan_demand_amount is neutral: never ranked.
		"2020-11,wuhan-edz,sme_loan_demand_amount,1\n2020-11,wuhan-jiangan,sme_loan_demand_amount,2\n"+
		"2020-11,wuhan-edz,city_assessment_rank,15\n"))
	r := build(t, db, "2020-11", "wuhan-edz")
	var got []string
	for _, p := range r.PeerRanks {
		got = append(got, fmt.Sprintf("%s %d/%d last %d %s", p.Indicator, p.Rank, p.Of, p.LastPlaceStreak, p.Owner))
	}
	want := "bizstart_days 3/3 last 2 区市场监管局; ywtb_case_volume 3/4 last 0 区行政审批局"
	if strings.Join(got, "; ") != want {
		t.Errorf("peer_ranks:\n got %s\nwant %s", strings.Join(got, "; "), want)
	}
}
