package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/internal/golden"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
	"github.com/bizenv/bizenv/report"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// demoDB returns a database holding testdata/demo.csv: the demo's city
// assessment ranks of all fifteen districts from 2019-12 to 2020-11, the
// scores, and every indicator of wuhan-edz and the city average from
// 2020-09, the seed report's figures included.
func demoDB(t *testing.T) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	load(t, db, "testdata/demo.csv")
	return db
}

func load(t *testing.T, db *postgres.DB, path string) {
	t.Helper()
	ctx := context.Background()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	obs, rejects, payload := ingest.LongFile(path, content, "", ingest.NewValidator(cat, time.Now()))
	if len(rejects) > 0 {
		t.Fatalf("%s: rejects: %v", path, rejects)
	}
	_, err = db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "test", Observations: obs, Payloads: []bizenv.Payload{payload}})
	if err != nil {
		t.Fatal(err)
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

// written is r as report.Write writes it in format.
func written(t *testing.T, r *report.Report, format string) string {
	t.Helper()
	var b strings.Builder
	if err := report.Write(&b, r, format); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func build(t *testing.T, db *postgres.DB, period, entity string) *report.Report {
	t.Helper()
	p, err := bizenv.ParsePeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(context.Background(), db, p, entity)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDemoNovember2020(t *testing.T) {
	db := demoDB(t)
	r := build(t, db, "2020-11", "wuhan-edz")

	t.Run("rank", func(t *testing.T) {
		if got, want := deref(r.Rank.Value), 15; got != want {
			t.Errorf("rank: got %d, want %d", got, want)
		}
		if got, want := deref(r.Rank.Previous), 14; got != want {
			t.Errorf("previous: got %d, want %d", got, want)
		}
		if got, want := deref(r.Rank.Change), -1; got != want { // fell a place: negative, as worse
			t.Errorf("change: got %d, want %d", got, want)
		}
		if got, want := r.Rank.Of, 15; got != want {
			t.Errorf("of: got %d, want %d", got, want)
		}
	})
	t.Run("streak", func(t *testing.T) {
		if got, want := r.DeclineStreak, 5; got != want {
			t.Errorf("decline streak: got %d, want %d", got, want)
		}
		if r.DeclineSince == nil || r.DeclineSince.String() != "2020-06" {
			t.Errorf("decline since: got %v, want 2020-06", r.DeclineSince)
		}
		if got, want := deref(r.DeclineFrom), 8; got != want {
			t.Errorf("decline from: got %d, want %d", got, want)
		}
	})
	t.Run("trend", func(t *testing.T) {
		if got, want := len(r.Trend), 12; got != want {
			t.Fatalf("trend: got %d months, want %d", got, want)
		}
		if got, want := r.Trend[0].Period.String(), "2019-12"; got != want {
			t.Errorf("trend starts: got %s, want %s", got, want)
		}
		var got []int
		for _, p := range r.Trend[6:] {
			got = append(got, deref(p.Rank))
		}
		want := []int{8, 9, 11, 12, 14, 15}
		if !equal(got, want) {
			t.Errorf("ranks 2020-06..11: got %v, want %v", got, want)
		}
	})
}

func TestDemoOctober2020BelowCityAverage(t *testing.T) {
	db := demoDB(t)
	r := build(t, db, "2020-10", "wuhan-edz")
	// The seed report: "2020年10月…我区办件量66.67%、减材料成效52.29%、网办事项
	// 开通率93.79%、一窗通办推进98.56%…低于全市88.33%、61.81%、94.08%、98.66%".
	want := map[string][2]float64{
		"ywtb_case_volume":        {0.6667, 0.8833},
		"ywtb_material_reduction": {0.5229, 0.6181},
		"ywtb_online_enabled":     {0.9379, 0.9408},
		"ywtb_one_window":         {0.9856, 0.9866},
	}
	got := map[string][2]float64{}
	for _, g := range r.BelowBenchmark {
		if _, ok := want[g.Indicator]; ok {
			got[g.Indicator] = [2]float64{g.Value, g.Benchmark}
		}
	}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s below benchmark: got %v, want %v", code, got[code], w)
		}
	}
	if got, want := r.Benchmark, "wuhan-avg"; got != want {
		t.Errorf("benchmark: got %q, want %q", got, want)
	}
	html := written(t, r, report.FormatHTML)
	for _, s := range []string{"一网通办办件量成效", "66.67%", "88.33%", "减材料成效", "52.29%", "61.81%"} {
		if !strings.Contains(html, s) {
			t.Errorf("html lacks %q", s)
		}
	}
}

// The report judges a year-to-date series (compare: year_ago) against the
// same month a year before: January's restart is no decline.
func TestReportCompareYearAgo(t *testing.T) {
	db := pgtest.New(t)
	pgtest.ApplyCatalog(t, db, "ytd.yaml", `
indicators:
  - {code: ytd_new_firms, name_zh: 年内新增企业数, name_en: New firms this year, unit: count, direction: higher_better, category: market, compare: year_ago}
`)
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

func TestGolden(t *testing.T) {
	db := demoDB(t)
	r := build(t, db, "2020-11", "wuhan-edz")
	for _, format := range []string{report.FormatJSON, report.FormatCSV} {
		t.Run(format, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", "2020-11."+format), []byte(written(t, r, format)))
		})
	}
}

// TestCSVEscapesFormulas: text a spreadsheet would run as a formula is
// escaped with a leading quote, as OWASP recommends; numbers, negative
// ones included, stay numbers.
func TestCSVEscapesFormulas(t *testing.T) {
	p, err := bizenv.ParsePeriod("2020-11")
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{
		Period: p,
		Entity: "-edz",
		Declined: []report.Change{
			{Indicator: "@sum", NameZH: `=HYPERLINK("http://evil.example/","点击")`, Unit: bizenv.UnitScore, Value: -3, Previous: 2, Change: -5},
			{Indicator: "plain", NameZH: "+cmd|' /C calc'!A0", Unit: bizenv.UnitScore, Value: 1.5, Previous: 2, Change: -0.5},
			{Indicator: "tab", NameZH: "\t=1+1", Unit: bizenv.UnitScore, Value: 1, Previous: 2, Change: -1},
			{Indicator: "cr", NameZH: "\r=1+1", Unit: bizenv.UnitScore, Value: 1, Previous: 2, Change: -1},
			{Indicator: "safe", NameZH: "一网通办 = 办件量", Unit: bizenv.UnitScore, Value: 1, Previous: 2, Change: -1},
		},
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(written(t, r, report.FormatCSV), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	declined := map[string][]string{}
	for _, row := range rows {
		if row[0] == "declined" {
			declined[strings.TrimPrefix(row[3], "'")] = row
		}
	}
	for _, tc := range []struct {
		indicator                                         string
		entity, indicatorCell, name, value, other, change string
	}{
		{"@sum", "'-edz", "'@sum", `'=HYPERLINK("http://evil.example/","点击")`, "-3", "2", "-5"},
		{"plain", "'-edz", "plain", "'+cmd|' /C calc'!A0", "1.5", "2", "-0.5"},
		{"tab", "'-edz", "tab", "'\t=1+1", "1", "2", "-1"},
		{"cr", "'-edz", "cr", "'\r=1+1", "1", "2", "-1"},
		{"safe", "'-edz", "safe", "一网通办 = 办件量", "1", "2", "-1"},
	} {
		row, ok := declined[tc.indicator]
		if !ok {
			t.Errorf("no declined row for %s", tc.indicator)
			continue
		}
		got := []string{row[2], row[3], row[4], row[6], row[7], row[8]}
		want := []string{tc.entity, tc.indicatorCell, tc.name, tc.value, tc.other, tc.change}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", tc.indicator, got, want)
		}
	}
}

func TestHTMLSelfContained(t *testing.T) {
	db := demoDB(t)
	r := build(t, db, "2020-11", "wuhan-edz")
	page := written(t, r, report.FormatHTML)
	for _, s := range []string{"<svg", "@page { size: A4", "第15名", "/ 15", "上月第14名", "下降1位", "排名已连续5个月下滑", "2020年6月起由第8名降至第15名"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	for _, s := range []string{"<script", "http://", "https://", "@import", "url("} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), s) {
			t.Errorf("page has %q: it must fetch nothing", s)
		}
	}
}

func TestUnknownEntity(t *testing.T) {
	db := pgtest.New(t)
	_, err := report.Build(context.Background(), db, bizenv.NewPeriod(2020, 11), "nowhere")
	if got, want := bizenv.ErrorCode(err), bizenv.ENOTFOUND; got != want {
		t.Errorf("error code: got %q, want %q (%v)", got, want, err)
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := report.Write(&bytes.Buffer{}, &report.Report{}, "pdf")
	if got, want := bizenv.ErrorCode(err), bizenv.EINVALID; got != want {
		t.Errorf("error code: got %q, want %q", got, want)
	}
}

func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFingerprint: the same stored figures give the same fingerprint, a
// revised figure another.
func TestFingerprint(t *testing.T) {
	db := demoDB(t)
	first := build(t, db, "2020-11", "wuhan-edz").Fingerprint()
	if again := build(t, db, "2020-11", "wuhan-edz").Fingerprint(); again != first || len(first) != 64 {
		t.Fatalf("rebuilt: got %q, want %q", again, first)
	}
	p, _ := bizenv.ParsePeriod("2020-11")
	_, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "test",
		Observations: []bizenv.Observation{{Indicator: "ywtb_case_volume", Entity: "wuhan-avg", Period: p, Value: 0.9, Source: "revised"}}})
	if err != nil {
		t.Fatal(err)
	}
	if revised := build(t, db, "2020-11", "wuhan-edz").Fingerprint(); revised == first {
		t.Errorf("a revised benchmark value left the fingerprint unchanged")
	}
}
