package report_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
	"github.com/bizenv/bizenv/report"
)

// TestProvenance stores figures from a notice and synthetic ones: the
// report carries each figure's source and note, marks the synthetic ones
// in the page, and puts a footnote under each table naming the sources.
func TestProvenance(t *testing.T) {
	db := pgtest.New(t)
	path := filepath.Join(t.TempDir(), "mixed.csv")
	err := os.WriteFile(path, []byte(`period,entity,indicator,value,source,note
2020-09,wuhan-edz,city_assessment_rank,8,市通报,
2020-10,wuhan-edz,city_assessment_rank,9,市通报,第9位
2020-10,wuhan-jiangan,city_assessment_rank,1,市通报,
2020-09,wuhan-edz,ywtb_case_volume,70%,区行政审批局,
2020-10,wuhan-edz,ywtb_case_volume,66.67%,区行政审批局,seed 报告原文
2020-10,wuhan-avg,ywtb_case_volume,88.33%,区行政审批局,
2020-09,wuhan-edz,item_claim_rate,92%,synthetic-demo,合成演示数据
2020-10,wuhan-edz,item_claim_rate,91.08%,synthetic-demo,合成演示数据
2020-10,wuhan-avg,item_claim_rate,93%,synthetic-demo,合成演示数据
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	load(t, db, path)
	r := build(t, db, "2020-10", "wuhan-edz")

	if p := r.Rank.Provenance; p.Source != "市通报" || p.Note != "第9位" || p.Synthetic {
		t.Errorf("rank: %+v", p)
	}
	byCode := map[string]report.Provenance{}
	for _, c := range r.Declined {
		byCode[c.Indicator] = c.Provenance
	}
	if p := byCode["ywtb_case_volume"]; p.Source != "区行政审批局" || p.Note != "seed 报告原文" || p.Synthetic {
		t.Errorf("ywtb_case_volume: %+v", p)
	}
	if p := byCode["item_claim_rate"]; p.Source != "synthetic-demo" || !p.Synthetic {
		t.Errorf("item_claim_rate: %+v", p)
	}
	if len(r.TargetsMissed) != 1 || !r.TargetsMissed[0].Synthetic {
		t.Errorf("targets missed: %+v", r.TargetsMissed)
	}

	page := written(t, r, report.FormatHTML)
	const mark = `<sup class="syn" title="合成数据，非真实通报">※</sup>`
	for _, want := range []string{
		`本报告含合成（演示）数据：标 ※ 的数字并非真实通报`,
		// The headline's footnote.
		`<p class="src">来源：市通报，备注“第9位”（全市营商环境考核排名）。</p>`,
		// The declined table: both sources, the synthetic one marked.
		`<p class="src">来源：区行政审批局，备注“seed 报告原文”（一网通办办件量成效）；synthetic-demo` + mark + `，备注“合成演示数据”（事项认领率）。</p>`,
		// The synthetic figure is marked where it is shown, the others not.
		`<td>事项认领率</td><td>91.08%` + mark + `</td>`,
		`<td>一网通办办件量成效</td><td>66.67%</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// A footnote under every table: declined, below benchmark, targets
	// missed (improved has none here).
	if got := len(regexp.MustCompile(`</table><p class="src">`).FindAllString(page, -1)); got != 3 {
		t.Errorf("tables with a footnote: got %d, want 3", got)
	}

	// The CSV form: source, note and synthetic at the end of each row.
	table := written(t, r, report.FormatCSV)
	for _, want := range []string{
		"\ufeffsection,period,entity,indicator,name_zh,unit,value,compared_to,change,change_unit,shown,source,note,synthetic\n",
		"\ndeclined,2020-10,wuhan-edz,item_claim_rate,事项认领率,ratio,0.9108,0.92,-0.92,percentage_points,91.08%,synthetic-demo,合成演示数据,true\n",
		"\ndeclined,2020-10,wuhan-edz,ywtb_case_volume,一网通办办件量成效,ratio,0.6667,0.7,-3.33,percentage_points,66.67%,区行政审批局,seed 报告原文,\n",
		"\nrank,2020-10,wuhan-edz,city_assessment_rank,全市营商环境考核排名,rank,9,8,-1,places,9,市通报,第9位,\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the CSV lacks %q:\n%s", want, table)
		}
	}
}

// The score's items carry their provenance to the page and the CSV like
// every other figure, and the page warns of synthetic figures only when
// it shows one: a synthetic indicator past the tenth declined is not on
// the page.
func TestItemProvenance(t *testing.T) {
	const mark = `<sup class="syn" title="合成数据，非真实通报">※</sup>`
	ptr := func(v float64) *float64 { return &v }
	r := &report.Report{Period: bizenv.NewPeriod(2021, 9), Entity: "wuhan-edz", EntityName: "武汉经开区（汉南区）"}
	r.ScoreBreakdown = &report.Breakdown{Value: ptr(87.76), Previous: ptr(88.57), Change: ptr(-0.81),
		Items: []report.ItemScore{
			{Indicator: "city_item_project_approval", NameZH: "工程建设项目审批", Value: 17.05, Previous: ptr(17.75), Change: ptr(-0.7), MaxPoints: 20, Lost: 2.95,
				Provenance: report.Provenance{Source: "市通报"}},
			{Indicator: "city_item_policy", NameZH: "惠企政策兑现", Value: 17.17, MaxPoints: 20, Lost: 2.83, OwnerName: "区营商办",
				Provenance: report.Provenance{Source: "synthetic-demo", Note: "合成演示数据", Synthetic: true}},
		}}
	page := written(t, r, report.FormatHTML)
	for _, want := range []string{
		`本报告含合成（演示）数据`,
		`<td>惠企政策兑现</td><td>17.17 / 20分` + mark + `</td>`,
		`<td>工程建设项目审批</td><td>17.05 / 20分</td>`,
		`<p class="src">来源：市通报（工程建设项目审批）；synthetic-demo` + mark + `，备注“合成演示数据”（惠企政策兑现）。</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	table := written(t, r, report.FormatCSV)
	if want := "\nscore_breakdown,2021-09,wuhan-edz,city_item_policy,惠企政策兑现,score,17.17,,,,17.17 / 20分，失分2.83分（区营商办）,synthetic-demo,合成演示数据,true\n"; !strings.Contains(table, want) {
		t.Errorf("the CSV lacks %q:\n%s", want, table)
	}

	r.ScoreBreakdown = nil
	for i := range 11 {
		r.Declined = append(r.Declined, report.Change{Indicator: fmt.Sprintf("i%d", i), NameZH: fmt.Sprintf("指标%d", i), Unit: "score",
			Provenance: report.Provenance{Source: "市通报", Synthetic: i == 10}})
	}
	if page := written(t, r, report.FormatHTML); strings.Contains(page, "本报告含合成（演示）数据") || strings.Contains(page, mark) {
		t.Error("the page warns of a synthetic figure it does not show")
	}
	if table := written(t, r, report.FormatCSV); !strings.Contains(table, ",i10,指标10,") {
		t.Error("the CSV lists every declined indicator, the eleventh too")
	}
}

// An indicator ranked low among the peers carries the source of the
// entity's value, and the page marks it when synthetic.
func TestPeerRankProvenance(t *testing.T) {
	db := pgtest.New(t)
	load(t, db, writeCSV(t, "period,entity,indicator,value,source,note\n"+
		"2020-11,wuhan-edz,bizstart_days,5,synthetic-demo,合成演示数据\n"+
		"2020-11,wuhan-jiangan,bizstart_days,1,市通报,\n"+
		"2020-11,wuhan-hanyang,bizstart_days,2,市通报,\n"+
		"2020-11,wuhan-edz,city_assessment_rank,15,市通报,\n"))
	r := build(t, db, "2020-11", "wuhan-edz")
	if len(r.PeerRanks) != 1 || r.PeerRanks[0].Provenance != (report.Provenance{Source: "synthetic-demo", Note: "合成演示数据", Synthetic: true}) {
		t.Fatalf("peer ranks: %+v", r.PeerRanks)
	}
	const mark = `<sup class="syn" title="合成数据，非真实通报">※</sup>`
	page := written(t, r, report.FormatHTML)
	for _, want := range []string{
		`本报告含合成（演示）数据`,
		`<td>企业开办时间</td><td>5天` + mark + `</td>`,
		`<p class="src">来源：synthetic-demo` + mark + `，备注“合成演示数据”（企业开办时间）。</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if table := written(t, r, report.FormatCSV); !strings.Contains(table, "\npeer_rank,2020-11,wuhan-edz,bizstart_days,企业开办时间,rank,3,3,,,3 / 3，连续末位1期（区市场监管局）,synthetic-demo,合成演示数据,true\n") {
		t.Errorf("the CSV lacks the peer rank's source:\n%s", table)
	}
}
