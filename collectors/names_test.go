package collectors_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// collectOnce runs the first collector of the configuration yml once, with
// no period asked for, on db.
func collectOnce(t *testing.T, db *postgres.DB, yml string) collectors.Result {
	t.Helper()
	logger, _ := newLogger()
	cfg := parse(t, yml)
	r := collectors.NewRunner(db, cfg, logger, collectors.Options{Now: func() time.Time { return now }})
	res, err := r.Run(context.Background(), cfg.Collectors[0].Name, collectors.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("got %d runs, want 1", len(res))
	}
	return res[0]
}

// storedObservations lists every current observation with its provenance.
func storedObservations(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	var rows []string
	if err := pgtest.SQL(t, db).Select(&rows, `SELECT concat_ws(' ', to_char(period, 'YYYY-MM'), entity, indicator, value, source, note, changed_by)
		FROM observations ORDER BY period, entity, indicator`); err != nil {
		t.Fatal(err)
	}
	return rows
}

// byName rewrites noticeConfig's codes as names and aliases.
var byName = strings.NewReplacer("wuhan-edz", "武汉经开区", "wuhan-avg", "全市平均水平",
	"city_assessment_score", "全市营商环境考核得分", "city_assessment_rank", "考核排名")

// A collector whose mapping names indicators and entities by name_zh or
// alias stores exactly what the same collector mapped by code stores.
func TestMappingByNameStoresWhatCodesStore(t *testing.T) {
	notice := dropFolder(t)
	csvDir := t.TempDir()
	writeCSV := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(csvDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCSV("2021年9月通报.csv", "2021年9月全市营商环境考核情况通报\n序号,区域,考核排名,办件量\n"+
		"1,江汉区,1,71.2%\n2,车谷,5,66.67%\n3,全市平均,—,68%\n")
	writeCSV("2021年9月单位考核.csv", "2021年9月单位考核扣分\n单位,双评议扣分,日常工作扣分,日常工作得分\n"+
		"区营商办,2.5,1,\n区发改局,0,,7\n")
	wide := "collectors:\n  - {name: notice, schedule: '@daily', tabular: {layout: wide, path: %q, " +
		`period: {filename: '(\d{4})年(\d{1,2})月'}, entity: {column: %s, map: %s}, columns: %s}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data": [{"area": "420114", "wbkt": "99.5%%", "yctb": 0.87}, {"area": "江岸区", "wbkt": "98%%", "yctb": "—"}], "month": %q}`, r.URL.Query().Get("month"))
	}))
	defer srv.Close()
	platform := "collectors:\n  - {name: notice, schedule: '@daily', http_json: {url: '" + srv.URL + "/stats?month={{.Period}}', " +
		"records: data, entity: area, entity_map: %s, values: %s}}"
	for _, tc := range []struct {
		name         string
		codes, names string
		stored       int
		sample       string // one of the observations stored
	}{
		{"notice xlsx",
			fmt.Sprintf(noticeConfig, notice),
			byName.Replace(fmt.Sprintf(noticeConfig, notice)),
			31, "2021-09 wuhan-edz city_assessment_rank 5 " + noticeName + "  collector:city-assessment"},
		{"notice csv",
			fmt.Sprintf(wide, filepath.Join(csvDir, "*通报.csv"), "区域", "{车谷: wuhan-edz}", "{考核排名: city_assessment_rank, 办件量: ywtb_case_volume}"),
			fmt.Sprintf(wide, filepath.Join(csvDir, "*通报.csv"), "区域", "{车谷: 经开区}", "{考核排名: 全市营商环境考核排名, 办件量: 一网通办办件量}"),
			5, "2021-09 wuhan-avg ywtb_case_volume 0.68 2021年9月通报.csv  collector:notice"},
		{"deductions csv",
			fmt.Sprintf(wide, filepath.Join(csvDir, "*单位考核.csv"), "单位", "{}", "{双评议扣分: unit_item_city_review-deduction, 日常工作扣分: unit_item_daily_work-deduction, 日常工作得分: unit_item_daily_work}"),
			fmt.Sprintf(wide, filepath.Join(csvDir, "*单位考核.csv"), "单位", "{}", "{双评议扣分: 市级考核双评议-deduction, 日常工作扣分: 日常工作-deduction, 日常工作得分: 日常工作}"),
			4, "2021-09 edz-bizenv-office unit_item_city_review 27.5 2021年9月单位考核.csv  collector:notice"},
		{"http_json",
			fmt.Sprintf(platform, `{"420114": wuhan-edz}`, "{ywtb_online_enabled: wbkt, ywtb_one_window: yctb}"),
			fmt.Sprintf(platform, `{"420114": 经开区}`, "{网办开通率: wbkt, 一窗通办: yctb}"),
			3, "2021-09 wuhan-edz ywtb_one_window 0.87 notice  collector:notice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stored [2][]string
			for i, yml := range []string{tc.codes, tc.names} {
				db, _ := newDB(t)
				res := collectOnce(t, db, yml)
				if len(res.Rejects) > 0 || res.Err != nil {
					t.Fatalf("config %d: rejects %+v, error %v", i, res.Rejects, res.Err)
				}
				stored[i] = storedObservations(t, db)
			}
			codes, names := strings.Join(stored[0], "\n"), strings.Join(stored[1], "\n")
			if len(stored[0]) != tc.stored || !slices.Contains(stored[0], tc.sample) {
				t.Errorf("mapped by code: got %d observations, want %d with %q:\n%s", len(stored[0]), tc.stored, tc.sample, codes)
			}
			if names != codes {
				t.Errorf("mapped by name:\n%s\nmapped by code:\n%s", names, codes)
			}
		})
	}
}

// A mapping target the catalog does not know rejects each new file,
// naming the file, the mapping and the name in English and Chinese; the
// file is not taken as stored, and is read once the mapping is fixed.
func TestTabularUnknownMappingName(t *testing.T) {
	db, _ := newDB(t)
	dir := dropFolder(t)
	config := fmt.Sprintf(noticeConfig, dir)
	unknown := byName.Replace(strings.NewReplacer("wuhan-edz", "经开区委", "city_assessment_score", "全市得分").Replace(config))
	res := collectOnce(t, db, unknown)
	var got []string
	for _, r := range res.Rejects {
		got = append(got, fmt.Sprintf("%s:%d %s: %s / %s", filepath.Base(r.File), r.Line, r.Code, r.Reason, r.ReasonZH))
	}
	want := []string{
		noticeName + `:0 unknown_indicator: configured columns.得分: unknown indicator "全市得分" / 配置项 columns.得分：未知指标“全市得分”`,
		noticeName + `:0 unknown_entity: configured entity.map.经开区（汉南区）: unknown entity "经开区委" / 配置项 entity.map.经开区（汉南区）：未知单位“经开区委”`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejects:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := count(t, db, "SELECT count(*) FROM rejects WHERE code IN ('unknown_indicator', 'unknown_entity') AND file = $1 AND reason_zh LIKE '配置项 %'", filepath.Join(dir, noticeName)), 2; got != want {
		t.Errorf("stored rejects with their codes: got %d, want %d", got, want)
	}
	if got := count(t, db, "SELECT count(*) FROM observations") + count(t, db, "SELECT count(*) FROM payloads"); got != 0 {
		t.Errorf("stored %d observations and payloads, want none", got)
	}

	fixed := collectOnce(t, db, byName.Replace(config))
	if got := fixed.Run; got.Inserted != 31 || got.Rejected != 0 {
		t.Errorf("fixed mapping: got %d inserted, %d rejected; want 31, 0", got.Inserted, got.Rejected)
	}
}

// An http_json value mapped to a name the catalog does not know: nothing
// is fetched, and the period's URL is rejected naming the mapping.
func TestHTTPJSONUnknownMappingName(t *testing.T) {
	db, _ := newDB(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `[{"area": "wuhan-edz", "wbkt": 0.99}]`)
	}))
	defer srv.Close()
	res := collectOnce(t, db, `
collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json:
      url: "`+srv.URL+`/stats?month={{.Period}}"
      entity: area
      values: {网办开通率: wbkt, 一网通办率: yctb}
`)
	var got []string
	for _, r := range res.Rejects {
		got = append(got, fmt.Sprintf("%s %s: %s / %s", r.File, r.Code, r.Reason, r.ReasonZH))
	}
	want := srv.URL + `/stats?month=2021-09 unknown_indicator: configured values.一网通办率: unknown indicator "一网通办率" / 配置项 values.一网通办率：未知指标“一网通办率”`
	if strings.Join(got, "\n") != want {
		t.Errorf("rejects:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("requests: got %d, want none", n)
	}
	if got := count(t, db, "SELECT count(*) FROM observations"); got != 0 {
		t.Errorf("stored %d observations, want none", got)
	}
}
