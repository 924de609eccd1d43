package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
	"github.com/bizenv/bizenv/report"
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
		got = append(got, fmt.Sprintf("%s %d/%d last %d %s", p.Indicator, p.Rank, p.Of, p.LastPlaceStreak, p.OwnerName))
	}
	want := "bizstart_days 3/3 last 2 区市场监管局; ywtb_case_volume 3/4 last 0 区行政审批局"
	if strings.Join(got, "; ") != want {
		t.Errorf("peer_ranks:\n got %s\nwant %s", strings.Join(got, "; "), want)
	}
}

// The page answers "why" before the tables: the score's items that lost
// the most, who overtook the entity and the gap to the peer above; and a
// one-place drop after a long climb reads as such, not in alarm red.
func TestHTMLWhy(t *testing.T) {
	ptr := func(v float64) *float64 { return &v }
	rank := func(v int) *int { return &v }
	r := &report.Report{Period: bizenv.NewPeriod(2021, 9), Entity: "wuhan-edz", EntityName: "武汉经开区（汉南区）"}
	r.Rank = report.RankSummary{Value: rank(5), Previous: rank(4), Change: rank(-1), Of: 15, Ranked: 15}
	r.DeclineStreak = 1
	for i, v := range []int{14, 15, 14, 12, 11, 10, 9, 8, 7, 6, 4, 5} {
		r.Trend = append(r.Trend, report.TrendPoint{Period: bizenv.NewPeriod(2020, 10).AddMonths(i), Rank: rank(v)})
	}
	r.ScoreBreakdown = &report.Breakdown{Value: ptr(87.76), Previous: ptr(88.57), Change: ptr(-0.81), Unexplained: ptr(0),
		Items: []report.ItemScore{
			{Indicator: "city_item_project_approval", NameZH: "工程建设项目审批", Value: 17.05, Previous: ptr(17.75), Change: ptr(-0.7), MaxPoints: 20, Lost: 2.95, Owner: "edz-natural-resources", OwnerName: "区自然资源和规划局"},
			{NameZH: "企业诉求办理", Value: 17.17, Previous: ptr(17.12), Change: ptr(0.05), MaxPoints: 20, Lost: 2.83, Owner: "edz-bizenv-office", OwnerName: "区营商办"},
		},
		OvertakenBy: []report.Overtaker{{Entity: "wuhan-jiangan", NameZH: "江岸区", Rank: 4, PreviousRank: 6}},
		GapToAbove:  &report.GapToAbove{Entity: "wuhan-jiangan", NameZH: "江岸区", Rank: 4, Items: []report.ItemGap{{NameZH: "惠企政策兑现", Gap: -1.07}}},
	}
	r.OvertakenBy, r.GapToAbove = r.ScoreBreakdown.OvertakenBy, r.ScoreBreakdown.GapToAbove
	r.PeerRanks = []report.PeerRank{{Indicator: "ywtb_full_online", NameZH: "全程网办率", Unit: "ratio", Value: 0.45, Rank: 15, Of: 15, LastPlaceStreak: 21, Owner: "edz-admin-approval", OwnerName: "区行政审批局"}}
	html := written(t, r, report.FormatHTML)
	for _, want := range []string{
		"此前9个月由2020年11月第15名升至2021年8月第4名（累计上升11位），本月回落1位。",
		"考核得分较上月下降0.81分（88.57分→87.76分），失分最多的是工程建设项目审批−0.7分（区自然资源和规划局）。",
		"<td>17.05 / 20分</td>",
		"被超越：</b>江岸区（上月第6名→本月第4名）",
		"与前一名江岸区（第4名）相比：惠企政策兑现落后1.07分。",
		"<td>全程网办率</td><td>45%</td><td class=\"bad\">15 / 15</td><td>21期</td><td>区行政审批局</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %s", want)
		}
	}
	if strings.Contains(html, `<div class="v bad">第5名`) {
		t.Error("a one-place drop after a climb is shown in alarm red")
	}
	table := written(t, r, report.FormatCSV)
	for _, want := range []string{
		"score_breakdown,2021-09,wuhan-edz,city_item_project_approval,工程建设项目审批,score,17.05,17.75,-0.7,score,",
		"overtaken_by,2021-09,wuhan-edz,,江岸区,rank,4,6,2,places,江岸区（wuhan-jiangan）：上月第6名→本月第4名",
		"peer_rank,2021-09,wuhan-edz,ywtb_full_online,全程网办率,rank,15,15,,,",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("csv lacks %s", want)
		}
	}
	if why, chart := strings.Index(html, "原因分析"), strings.Index(html, "<svg"); why < 0 || why > chart {
		t.Errorf("the why section (at %d) does not come before the chart (at %d)", why, chart)
	}
}
