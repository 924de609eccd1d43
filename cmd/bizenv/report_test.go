package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestReportWithoutData: a month, or an entity, without figures is not
// reported as an all-clear, and a future month is a usage error.
func TestReportWithoutData(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "import", "../../report/testdata/demo.csv"); r.code() != exitOK {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"month without data", []string{"--period", "2022-05"}, exitRejected, "no data for wuhan-edz in 2022-05"},
		{"month without data as html", []string{"--period", "2022-05", "--format", "html"}, exitRejected, "no data for wuhan-edz in 2022-05"},
		{"the city", []string{"--period", "2020-11", "--entity", "wuhan"}, exitRejected, "no data for wuhan in 2020-11"},
		{"the city average", []string{"--period", "2020-11", "--entity", "wuhan-avg"}, exitRejected, "no data for wuhan-avg in 2020-11"},
		{"future month", []string{"--period", "2030-01"}, exitUsage, `period "2030-01" is in the future`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBizenv(t, dsn, append([]string{"report"}, tc.args...)...)
			if r.code() != tc.code || r.err == nil || !strings.Contains(r.err.Error(), tc.msg) {
				t.Errorf("got exit %d %v, want exit %d with %q", r.code(), r.err, tc.code, tc.msg)
			}
			if r.stdout != "" {
				t.Errorf("printed a report: %.200s", r.stdout)
			}
		})
	}
}

// TestReportPeriodForms: --period takes every form import takes.
func TestReportPeriodForms(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "import", "../../report/testdata/demo.csv"); r.code() != exitOK {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	for _, p := range []string{"2020-11", "2020/11", "2020年11月", "202011", "2020-11 "} {
		r := runBizenv(t, dsn, "report", "--period", p)
		var got struct{ Period string }
		if r.code() != exitOK || json.Unmarshal([]byte(r.stdout), &got) != nil || got.Period != "2020-11" {
			t.Errorf("--period %q: exit %d %v: %.100s", p, r.code(), r.err, r.stdout)
		}
	}
}

// TestReportLabelsAndSigns: annual indicators compare with 上年, a rank is
// never "of" fewer places than itself, and every gap and change is
// positive when better, in a named unit that the CSV and the page share.
func TestReportLabelsAndSigns(t *testing.T) {
	dsn := pgtest.DSN(t)
	data := writeFile(t, "labels.csv", header+
		"2020-11,wuhan-edz,city_assessment_rank,14,seed,\n"+
		"2020-12,wuhan-edz,city_assessment_rank,15,seed,\n"+ // only the district's own rank
		"2019-12,wuhan-edz,edz_index_rank,20,seed,\n"+
		"2020-12,wuhan-edz,edz_index_rank,25,seed,\n"+ // annual: 上年 20th
		"2020-11,wuhan-edz,ywtb_case_volume,66.67%,seed,\n"+
		"2020-12,wuhan-edz,ywtb_case_volume,60%,seed,\n"+
		"2020-12,wuhan-edz,bizstart_cost,200,seed,\n"+
		"2020-12,wuhan-avg,bizstart_cost,80,seed,\n"+ // costs more: worse
		"2020-12,wuhan-edz,sme_loan_approved_amount,1000000,seed,\n"+
		"2020-12,wuhan-avg,sme_loan_approved_amount,3000000,seed,\n") // lends less: worse
	if r := runBizenv(t, dsn, "import", data); r.code() != exitOK {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	report := func(format string) string {
		t.Helper()
		r := runBizenv(t, dsn, "report", "--period", "2020-12", "--format", format)
		if r.code() != exitOK {
			t.Fatalf("report --format %s: exit %d: %v", format, r.code(), r.err)
		}
		return r.stdout
	}

	t.Run("json", func(t *testing.T) {
		type figure struct {
			Indicator, Frequency string
			Change, Gap          float64
			ChangeUnit           string `json:"change_unit"`
			GapUnit              string `json:"gap_unit"`
		}
		var got struct {
			Rank struct {
				Value, Change, Of int
			}
			Declined       []figure
			BelowBenchmark []figure `json:"below_benchmark"`
		}
		if err := json.Unmarshal([]byte(report("json")), &got); err != nil {
			t.Fatal(err)
		}
		if got.Rank.Value != 15 || got.Rank.Of < 15 || got.Rank.Change != -1 {
			t.Errorf("rank: got %+v, want 15th, of at least 15, change -1 (a place worse)", got.Rank)
		}
		want := map[string]figure{
			"edz_index_rank":   {Indicator: "edz_index_rank", Frequency: "annual", Change: -5, ChangeUnit: "places"},
			"ywtb_case_volume": {Indicator: "ywtb_case_volume", Frequency: "monthly", Change: -6.67, ChangeUnit: "percentage_points"},
		}
		for _, f := range got.Declined {
			if w, ok := want[f.Indicator]; ok && f != w {
				t.Errorf("declined %s: got %+v, want %+v", f.Indicator, f, w)
			}
			delete(want, f.Indicator)
		}
		if len(want) > 0 {
			t.Errorf("not declined: %v", want)
		}
		gaps := map[string]figure{}
		for _, f := range got.BelowBenchmark {
			gaps[f.Indicator] = figure{Gap: f.Gap, GapUnit: f.GapUnit}
		}
		if g := gaps["bizstart_cost"]; g.Gap != -120 || g.GapUnit != "yuan" {
			t.Errorf("bizstart_cost gap: got %+v, want -120 yuan (costs more: worse)", g)
		}
		if g := gaps["sme_loan_approved_amount"]; g.Gap != -2000000 || g.GapUnit != "yuan" {
			t.Errorf("sme_loan_approved_amount gap: got %+v, want -2000000 yuan (lends less: worse)", g)
		}
	})
	t.Run("csv", func(t *testing.T) {
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(report("csv"), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows[1:] {
			got[r[0]+" "+r[3]] = strings.Join(r[6:11], ",") // value to shown
		}
		for key, want := range map[string]string{
			"rank city_assessment_rank":                "15,14,-1,places,15",
			"declined ywtb_case_volume":                "0.6,0.6667,-6.67,percentage_points,60%",
			"declined edz_index_rank":                  "25,20,-5,places,第25名",
			"below_benchmark bizstart_cost":            "200,80,-120,yuan,200元",
			"below_benchmark sme_loan_approved_amount": "1000000,3000000,-2000000,yuan,100万元",
		} {
			if got[key] != want {
				t.Errorf("%s: got %q, want %q", key, got[key], want)
			}
		}
	})
	t.Run("html", func(t *testing.T) {
		html := report("html")
		for _, s := range []string{
			"第15名</div>", // no "/ 1": the other districts' ranks are not stored
			"<td>上年 第20名</td><td class=\"bad\">−5位</td><td>1年</td>", // annual: the year before
			"<td>上月 66.67%</td><td class=\"bad\">−6.67个百分点</td><td>1个月</td>",
			"<td class=\"bad\">−120元</td>",
			"<td class=\"bad\">−200万元</td>",
		} {
			if !strings.Contains(html, s) {
				t.Errorf("html lacks %s", s)
			}
		}
		for _, s := range []string{"/ 1<", "上月 第20名", "+120元"} {
			if strings.Contains(html, s) {
				t.Errorf("html has %s", s)
			}
		}
	})
}
