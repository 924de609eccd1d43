package dashboards_test

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bizenv/bizenv/deploy/demo/demotest"
	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

const (
	breakdownPanel = "得分分解：各分项较上月变化与失分（$composite）"
	peerRankPanel  = "同级名次热力图（单位 × 指标，$indicator）"
)

// panelSQL is the SQL of the board's panel, expanded for from..to and vars.
func panelSQL(t *testing.T, board, panel string, from, to time.Time, vars map[string]string) string {
	t.Helper()
	qs, err := dashboards.SQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(qs, func(q dashboards.Query) bool { return q.Dashboard == board && q.Panel == panel })
	if i < 0 {
		t.Fatalf("no SQL query for %s / %s", board, panel)
	}
	return dashboards.ExpandMacros(qs[i].Text, from, to, vars)
}

// panelRows runs the SQL of the board's panel on db as Grafana does, as
// bizenv_readonly, expanded for from..to and vars, and returns its rows.
func panelRows(t *testing.T, db *postgres.DB, board, panel string, from, to time.Time, vars map[string]string) []map[string]any {
	t.Helper()
	sql := panelSQL(t, board, panel, from, to, vars)
	rows, err := queryAsReadOnly(t.Context(), pgtest.SQL(t, db), sql)
	if err != nil {
		t.Fatalf("%s / %s: %v\n%s", board, panel, err, sql)
	}
	return rows
}

// number reads a numeric column as lib/pq returns it to MapScan.
func number(t *testing.T, v any) float64 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	case []byte:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Fatalf("not a number: %T %v", v, v)
	return 0
}

func stored(t *testing.T, db *postgres.DB, indicator, entity, period string) float64 {
	t.Helper()
	var v float64
	if err := pgtest.SQL(t, db).GetContext(t.Context(), &v, `SELECT value FROM observations WHERE indicator = $1 AND entity = $2 AND period = $3::date`,
		indicator, entity, period+"-01"); err != nil {
		t.Fatalf("%s %s %s: %v", indicator, entity, period, err)
	}
	return v
}

// The overview's breakdown of the 2020-11 city assessment score: one bar
// per item, whose changes add up to the score's change and whose points
// lost are max_points minus the points earned, worst change first.
func TestBreakdownPanelAddsUpToTheComposite(t *testing.T) {
	db, _ := demotest.NewDB(t)
	vars := map[string]string{"entity": "wuhan-edz", "composite": "city_assessment_score"}
	from, to := demotest.RangeFrom, time.Date(2020, 11, 30, 23, 59, 59, 0, time.UTC)
	rows := panelRows(t, db, "bizenv-overview", breakdownPanel, from, to, vars)
	var items []struct {
		Code      string  `db:"code"`
		NameZh    string  `db:"name_zh"`
		MaxPoints float64 `db:"max_points"`
	}
	if err := pgtest.SQL(t, db).SelectContext(t.Context(), &items, `SELECT code, name_zh, max_points FROM indicators WHERE part_of = 'city_assessment_score'`); err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 || len(rows) != len(items) {
		t.Fatalf("got %d bars, want one per item of city_assessment_score (%d)", len(rows), len(items))
	}
	var sum float64
	var changes []float64
	for _, r := range rows {
		if got := string(asBytes(r["月份"])); got != "2020-11" {
			t.Errorf("got month %q, want 2020-11", got)
		}
		name := string(asBytes(r["分项"]))
		i := slices.IndexFunc(items, func(it struct {
			Code      string  `db:"code"`
			NameZh    string  `db:"name_zh"`
			MaxPoints float64 `db:"max_points"`
		}) bool {
			return it.NameZh == name
		})
		if i < 0 {
			t.Fatalf("bar %q is no item of city_assessment_score", name)
		}
		value := stored(t, db, items[i].Code, "wuhan-edz", "2020-11")
		change := number(t, r["较上月变化"])
		if want := value - stored(t, db, items[i].Code, "wuhan-edz", "2020-10"); math.Abs(change-want) > 0.005 {
			t.Errorf("%s: got change %v, want %v", name, change, want)
		}
		if got, want := number(t, r["失分"]), items[i].MaxPoints-value; math.Abs(got-want) > 0.005 {
			t.Errorf("%s: got %v points lost, want %v", name, got, want)
		}
		sum += change
		changes = append(changes, change)
	}
	if !slices.IsSorted(changes) {
		t.Errorf("got changes %v, want the worst first", changes)
	}
	want := stored(t, db, "city_assessment_score", "wuhan-edz", "2020-11") - stored(t, db, "city_assessment_score", "wuhan-edz", "2020-10")
	if math.Abs(sum-want) > 0.02 {
		t.Errorf("items' changes add up to %v, want the score's change %v", sum, want)
	}
}

// The heat map ranks the districts on each indicator by its direction:
// on city_assessment_rank (lower is better) and city_assessment_score
// (higher is better) the demo's ranks come out as stored.
func TestPeerRankHeatMapRanksByDirection(t *testing.T) {
	db, _ := demotest.NewDB(t)
	vars := map[string]string{"entity": "wuhan-edz", "indicator": "city_assessment_rank,city_assessment_score,sme_loan_demand_amount"}
	from, to := demotest.RangeFrom, time.Date(2020, 11, 30, 23, 59, 59, 0, time.UTC)
	rows := panelRows(t, db, "bizenv-overview", peerRankPanel, from, to, vars)
	var names map[string]string
	var ents []struct {
		Code   string `db:"code"`
		NameZh string `db:"name_zh"`
	}
	if err := pgtest.SQL(t, db).SelectContext(t.Context(), &ents, `SELECT code, name_zh FROM entities WHERE kind = 'district'`); err != nil {
		t.Fatal(err)
	}
	names = make(map[string]string)
	for _, e := range ents {
		names[e.NameZh] = e.Code
	}
	counts := make(map[string]int)
	for _, r := range rows {
		ind, ent := string(asBytes(r["指标"])), names[string(asBytes(r["单位"]))]
		if ent == "" {
			t.Fatalf("row for %q, which is no district", asBytes(r["单位"]))
		}
		counts[ind]++
		if ind == "推荐企业贷款需求" {
			t.Errorf("neutral indicator %s ranked", ind)
		}
		if got, want := number(t, r["名次"]), stored(t, db, "city_assessment_rank", ent, "2020-11"); got != want {
			t.Errorf("%s %s: got rank %v, want %v", ind, ent, got, want)
		}
	}
	for _, ind := range []string{"全市营商环境考核排名", "全市营商环境考核得分"} {
		if got, want := counts[ind], 15; got != want {
			t.Errorf("%s: got %d districts, want %d", ind, got, want)
		}
	}
}

// The rank chart draws the selected entity's line apart: its series name
// carries the mark the panel's override matches, and no other does.
func TestRankChartMarksTheSelectedEntity(t *testing.T) {
	db, _ := demotest.NewDB(t)
	var override string
	for _, b := range dashboards.Boards() {
		if b.UID != "bizenv-rank-trend" {
			continue
		}
		d, err := b.Dashboard()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Panels {
			if p.Panel == nil || p.Panel.Title == nil || *p.Panel.Title != rankTrendPanel {
				continue
			}
			for _, o := range p.Panel.FieldConfig.Overrides {
				if o.Matcher.Id == "byRegexp" {
					// The builder keeps the options as it got them (a
					// string or a pointer to one); JSON is what Grafana reads.
					b, err := json.Marshal(o.Matcher.Options)
					if err != nil {
						t.Fatal(err)
					}
					if err := json.Unmarshal(b, &override); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	if override == "" {
		t.Fatalf("panel %q has no series override by name", rankTrendPanel)
	}
	re, err := regexp.Compile(override)
	if err != nil {
		t.Fatal(err)
	}
	for _, entity := range []string{"wuhan-edz", "wuhan-xinzhou"} {
		var name string
		if err := pgtest.SQL(t, db).GetContext(t.Context(), &name, `SELECT name_zh FROM entities WHERE code = $1`, entity); err != nil {
			t.Fatal(err)
		}
		rows := panelRows(t, db, "bizenv-rank-trend", rankTrendPanel, demotest.RangeFrom, demotest.RangeTo, map[string]string{"entity": entity})
		matched := make(map[string]bool)
		for _, r := range rows {
			if m := string(asBytes(r["metric"])); re.MatchString(m) {
				matched[m] = true
			}
		}
		if got, want := len(matched), 1; got != want {
			t.Errorf("%s: override %q matches %d series %v, want %d", entity, override, got, matched, want)
		}
		if !matched[name+dashboards.SelectedMark] {
			t.Errorf("%s: override %q matches %v, want %s's line", entity, override, matched, name)
		}
	}
}
