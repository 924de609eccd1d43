package dashboards_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/deploy/demo/demotest"
	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// The boards are read as Grafana reads them: the generated JSON (which
// TestCommittedJSON keeps equal to the committed files).

type jsonPanel struct {
	board, title, typ string
	unit              string
	raw               map[string]any
	targets           []map[string]any
}

func (p jsonPanel) String() string { return p.board + " / " + p.title }

func boardJSON(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := dashboards.Files()
	if err != nil {
		t.Fatal(err)
	}
	boards := make(map[string]map[string]any)
	for name, content := range files {
		var d map[string]any
		if err := json.Unmarshal(content, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		boards[strings.TrimSuffix(name, ".json")] = d
	}
	return boards
}

func panelsJSON(t *testing.T) []jsonPanel {
	t.Helper()
	var panels []jsonPanel
	var add func(board string, list []any)
	add = func(board string, list []any) {
		for _, x := range list {
			p := x.(map[string]any)
			if sub, ok := p["panels"].([]any); ok {
				add(board, sub)
			}
			if p["type"] == "row" {
				continue
			}
			jp := jsonPanel{board: board, raw: p}
			jp.title, _ = p["title"].(string)
			jp.typ, _ = p["type"].(string)
			jp.unit, _ = dig(p, "fieldConfig", "defaults", "unit").(string)
			for _, target := range asSlice(p["targets"]) {
				jp.targets = append(jp.targets, target.(map[string]any))
			}
			panels = append(panels, jp)
		}
	}
	for uid, d := range boardJSON(t) {
		add(uid, asSlice(d["panels"]))
	}
	sort.Slice(panels, func(i, j int) bool { return panels[i].String() < panels[j].String() })
	return panels
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// units lists every unit a panel sets: its default and its overrides'.
func (p jsonPanel) units() []string {
	var units []string
	if p.unit != "" {
		units = append(units, p.unit)
	}
	for _, o := range asSlice(dig(p.raw, "fieldConfig", "overrides")) {
		for _, prop := range asSlice(dig(o, "properties")) {
			if dig(prop, "id") == "unit" {
				if u, ok := dig(prop, "value").(string); ok {
					units = append(units, u)
				}
			}
		}
	}
	return units
}

// queryText is a target's PromQL or SQL.
func queryText(target map[string]any) string {
	if s, ok := target["expr"].(string); ok {
		return s
	}
	s, _ := target["rawSql"].(string)
	return s
}

// catalogCodes lists the default catalog's codes with their Chinese names.
func catalogCodes() (indicators, entities map[string]string, units map[string]string) {
	c := bizenv.DefaultCatalog()
	// The demo's catalog file adds the city assessment's synthetic items.
	if f, err := os.Open(filepath.Join("..", "..", "demo", demotest.CatalogFile)); err == nil {
		if demo, err := bizenv.ParseCatalog(demotest.CatalogFile, f); err == nil {
			c.Indicators = append(c.Indicators, demo.Indicators...)
		}
		f.Close()
	}
	indicators, entities, units = map[string]string{}, map[string]string{}, map[string]string{}
	for _, ind := range c.Indicators {
		indicators[ind.Code] = ind.NameZH
		units[ind.Code] = ind.Unit
	}
	for _, e := range c.Entities {
		entities[e.Code] = e.NameZH
	}
	return indicators, entities, units
}

// Every template variable that passes a catalog code (entity, indicator)
// shows the Chinese name in its dropdown: a PostgreSQL query with __text
// and __value columns, whose values are the codes and whose texts their
// names, read as bizenv_readonly.
func TestCodeVariablesShowNames(t *testing.T) {
	indicators, entities, _ := catalogCodes()
	db, _ := demotest.NewDB(t)
	// The demo's catalog file adds its synthetic assessment items.
	cat, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, ind := range cat.Indicators {
		indicators[ind.Code] = ind.NameZH
	}
	for _, e := range cat.Entities {
		entities[e.Code] = e.NameZH
	}
	seen := 0
	for uid, d := range boardJSON(t) {
		for _, v := range asSlice(dig(d, "templating", "list")) {
			name, _ := dig(v, "name").(string)
			q, _ := dig(v, "query").(string)
			codes := map[string]map[string]string{"entity": entities, "indicator": indicators}[name]
			if codes == nil {
				continue
			}
			seen++
			t.Run(uid+"/"+name, func(t *testing.T) {
				if typ := dig(v, "datasource", "type"); typ != dashboards.PostgresType {
					t.Fatalf("variable %s reads %v (%s), want PostgreSQL with __text and __value", name, typ, q)
				}
				if !strings.Contains(q, "AS __text") || !strings.Contains(q, "AS __value") {
					t.Fatalf("variable %s: %s has no __text and __value columns", name, q)
				}
				rows, err := queryAsReadOnly(t.Context(), pgtest.SQL(t, db), q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if len(rows) == 0 {
					t.Fatalf("%s: no rows", q)
				}
				for _, r := range rows {
					value, text := string(asBytes(r["__value"])), string(asBytes(r["__text"]))
					want, ok := codes[value]
					if !ok {
						t.Errorf("variable %s: value %q is not a catalog code", name, value)
					} else if text != want {
						t.Errorf("variable %s: code %s shows %q, want its name %q", name, value, text, want)
					}
				}
				if cur := dig(v, "current", "value"); cur != nil {
					if _, ok := codes[cur.(string)]; !ok {
						t.Errorf("variable %s: current value %v is not a code", name, cur)
					}
				}
			})
		}
	}
	if seen < 2*len(dashboards.Boards()) {
		t.Errorf("checked %d entity and indicator variables, want two per board", seen)
	}
}

// No panel shows yuan with Grafana's currencyCNY ("¥969 Mil"): money reads
// in 元, 万元 or 亿元, and a panel that says 万元 (亿元) divides by 1e4 (1e8)
// in every query, one that says 元 in none.
func TestYuanPanelsShowWanYuan(t *testing.T) {
	_, _, units := catalogCodes()
	var yuanCodes []string
	for code, unit := range units {
		if unit == "yuan" {
			yuanCodes = append(yuanCodes, code)
		}
	}
	yuanPanels := 0
	for _, p := range panelsJSON(t) {
		for _, u := range p.units() {
			if strings.HasPrefix(u, "currency") {
				t.Errorf("%s: unit %s, want 元/万元/亿元 as a suffix", p, u)
			}
		}
		isYuan := false
		for _, target := range p.targets {
			q := queryText(target)
			isYuan = isYuan || strings.Contains(q, "unit = 'yuan'") || slices.ContainsFunc(yuanCodes, func(c string) bool {
				return regexp.MustCompile(`\b` + c + `\b`).MatchString(q)
			})
		}
		if !isYuan || p.unit == "percentunit" { // a share of one amount in another
			continue
		}
		yuanPanels++
		divisor := map[string]string{"suffix:元": "", "suffix:万元": "/ 1e4", "suffix:亿元": "/ 1e8"}
		want, ok := divisor[p.unit]
		if !ok {
			t.Errorf("%s shows yuan with unit %q, want suffix:万元, suffix:亿元 or suffix:元", p, p.unit)
			continue
		}
		for _, target := range p.targets {
			q := queryText(target)
			switch {
			case want == "" && (strings.Contains(q, "/ 1e4") || strings.Contains(q, "/ 1e8")):
				t.Errorf("%s: unit %s but the query scales the yuan: %s", p, p.unit, q)
			case want != "" && !strings.Contains(q, want):
				t.Errorf("%s: unit %s but the query does not divide %s: %s", p, p.unit, want, q)
			}
		}
	}
	if yuanPanels < 4 {
		t.Errorf("found %d panels of yuan figures, want the credit board's and the business start cost", yuanPanels)
	}
}

// A panel of ratio indicators only shows them as percent (percentunit),
// and a target met reads 达标 or 未达标, not 1 or 0.
func TestRatiosAsPercentTargetsAsWords(t *testing.T) {
	_, _, units := catalogCodes()
	ratioPanels, metPanels := 0, 0
	for _, p := range panelsJSON(t) {
		var named []string
		onlyRatios := true
		for _, target := range p.targets {
			q := queryText(target)
			if sql, ok := target["rawSql"].(string); ok {
				if strings.Contains(sql, "i.unit = 'ratio'") {
					named = append(named, "ratio")
				}
				continue
			}
			for _, code := range indicatorsSelected(t, q, units) {
				named = append(named, code)
				onlyRatios = onlyRatios && units[code] == "ratio"
			}
			if strings.Contains(q, "bizenv_indicator_target_met") {
				metPanels++
				if !mapsTo(p.raw, "达标") || !mapsTo(p.raw, "未达标") {
					t.Errorf("%s shows bizenv_indicator_target_met without the value mappings 达标/未达标", p)
				}
			}
		}
		if len(named) == 0 || !onlyRatios {
			continue
		}
		ratioPanels++
		if p.unit != "percentunit" {
			t.Errorf("%s shows ratios (%v) with unit %q, want percentunit", p, named, p.unit)
		}
	}
	if ratioPanels < 3 || metPanels == 0 {
		t.Errorf("found %d ratio panels and %d target-met panels, want the one-window board's three and the overview's table", ratioPanels, metPanels)
	}
}

// indicatorsSelected lists the catalog indicators whose series the PromQL
// expr selects with an indicator matcher.
func indicatorsSelected(t *testing.T, expr string, units map[string]string) []string {
	t.Helper()
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVariables.Replace(expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	var codes []string
	for _, vs := range demotest.Selectors(parsed) {
		for _, m := range vs.LabelMatchers {
			if m.Name != "indicator" || strings.Contains(m.Value, "city_assessment_rank|ywtb_full_online") {
				continue // $indicator: whatever is selected
			}
			for code := range units {
				if m.Matches(code) && !slices.Contains(codes, code) {
					codes = append(codes, code)
				}
			}
		}
	}
	return codes
}

// mapsTo reports whether a panel has a value mapping to text.
func mapsTo(panel map[string]any, text string) bool {
	content, _ := json.Marshal(dig(panel, "fieldConfig"))
	return strings.Contains(string(content), `"text":"`+text+`"`)
}

// No table shows a code (indicator, entity) without its Chinese name: the
// PromQL tables' columns are the labels of their results (as a real scrape
// of bizenv serve has them) less the ones the organize transformation
// hides; the SQL tables are run as bizenv_readonly on the demo data, and a
// column of codes only needs a column of the names beside it.
func TestTablesNameTheirCodes(t *testing.T) {
	indicators, entities, _ := catalogCodes()
	_, dsn := demotest.NewDB(t)
	families := demotest.Scrape(t, demotest.Serve(t, dsn))
	db, _ := demotest.NewDB(t)
	vars := variableSets()["all indicators"]

	// What a code's name is called in the results.
	nameLabels := map[string][]string{"indicator": {"name_zh"}, "entity": {"entity_zh"}, "benchmark": {"benchmark_zh"}}
	tables := 0
	for _, p := range panelsJSON(t) {
		if p.typ != "table" {
			continue
		}
		tables++
		hidden := map[string]bool{}
		for _, tr := range asSlice(p.raw["transformations"]) {
			if dig(tr, "id") == "organize" {
				for k, v := range asMap(dig(tr, "options", "excludeByName")) {
					hidden[k] = v == true
				}
			}
		}
		shown := map[string]bool{}
		for _, target := range p.targets {
			if expr, ok := target["expr"].(string); ok {
				labels, err := outputLabels(mustParse(t, grafanaVariables.Replace(expr)), families)
				if err != nil {
					t.Errorf("%s: %v", p, err)
				}
				for l := range labels {
					if !hidden[l] {
						shown[l] = true
					}
				}
				continue
			}
			sql := dashboards.ExpandMacros(queryText(target), demotest.RangeFrom, demotest.RangeTo, vars)
			rows, err := queryAsReadOnly(t.Context(), pgtest.SQL(t, db), sql)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			checkSQLColumns(t, p, rows, indicators, entities)
		}
		for code, names := range nameLabels {
			if shown[code] && !slices.ContainsFunc(names, func(n string) bool { return shown[n] }) {
				t.Errorf("%s shows the %s code without its name (%v); columns %v", p, code, names, keys(shown))
			}
		}
	}
	if tables < 5 {
		t.Errorf("checked %d tables, want every table of the boards", tables)
	}
}

func checkSQLColumns(t *testing.T, p jsonPanel, rows []map[string]any, indicators, entities map[string]string) {
	t.Helper()
	if len(rows) == 0 {
		return
	}
	for col := range rows[0] {
		for kind, codes := range map[string]map[string]string{"indicator": indicators, "entity": entities} {
			allCodes := true
			for _, r := range rows {
				if _, ok := codes[string(asBytes(r[col]))]; !ok {
					allCodes = false
					break
				}
			}
			if !allCodes {
				continue
			}
			named := false
			for other := range rows[0] {
				named = named || other != col && string(asBytes(rows[0][other])) == codes[string(asBytes(rows[0][col]))]
			}
			if !named {
				t.Errorf("%s: column %q shows %s codes without their names", p, col, kind)
			}
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func keys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

func mustParse(t *testing.T, expr string) parser.Expr {
	t.Helper()
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return parsed
}

// outputLabels is the set of label names a PromQL expression's result
// series carry, for the forms the boards use; a selector carries the
// labels its scraped series have.
func outputLabels(expr parser.Expr, families map[string]*dto.MetricFamily) (map[string]bool, error) {
	switch e := expr.(type) {
	case *parser.ParenExpr:
		return outputLabels(e.Expr, families)
	case *parser.NumberLiteral, *parser.StringLiteral:
		return map[string]bool{}, nil
	case *parser.VectorSelector:
		labels := map[string]bool{}
		for _, m := range families[demotest.MetricName(e)].GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		labels["job"], labels["instance"] = true, true
		return labels, nil
	case *parser.MatrixSelector:
		return outputLabels(e.VectorSelector, families)
	case *parser.SubqueryExpr:
		return outputLabels(e.Expr, families)
	case *parser.Call:
		for _, arg := range e.Args {
			if arg.Type() == parser.ValueTypeVector || arg.Type() == parser.ValueTypeMatrix {
				return outputLabels(arg, families)
			}
		}
		return map[string]bool{}, nil
	case *parser.AggregateExpr:
		in, err := outputLabels(e.Expr, families)
		if err != nil {
			return nil, err
		}
		out := map[string]bool{}
		for l := range in {
			if e.Without != slices.Contains(e.Grouping, l) {
				out[l] = true
			}
		}
		return out, nil
	case *parser.BinaryExpr:
		lhs, err := outputLabels(e.LHS, families)
		if err != nil {
			return nil, err
		}
		rhs, err := outputLabels(e.RHS, families)
		if err != nil {
			return nil, err
		}
		if e.LHS.Type() == parser.ValueTypeScalar {
			return rhs, nil
		}
		if e.Op == parser.LOR {
			for l := range rhs {
				lhs[l] = true
			}
		}
		if e.VectorMatching != nil && e.VectorMatching.Card == parser.CardManyToOne {
			for _, l := range e.VectorMatching.Include {
				lhs[l] = true
			}
		}
		return lhs, nil
	}
	return nil, fmt.Errorf("outputLabels: %T not handled", expr)
}

// provenancePanel is the rank-trend board's table of where each figure
// comes from.
const provenancePanel = "数据来源与说明（本区，$indicator）"

// A reader of the provenance table can tell a figure of the seed report
// from a synthetic one: each row has the observation's source and note, the
// synthetic ones marked 合成, and the value written in its unit.
func TestProvenanceTableTellsSeedFromSynthetic(t *testing.T) {
	db, _ := demotest.NewDB(t)
	rows := panelRows(t, db, "bizenv-rank-trend", provenancePanel, demotest.RangeFrom, demotest.RangeTo, variableSets()["all indicators"])
	got := make(map[string][]string)
	for _, r := range rows {
		key := string(asBytes(r["月份"])) + " " + string(asBytes(r["指标"]))
		got[key] = []string{string(asBytes(r["值"])), string(asBytes(r["数据性质"])), string(asBytes(r["来源"])), string(asBytes(r["说明"]))}
	}
	tests := map[string][]string{
		"2020-06 全市营商环境考核排名": {"第8名", "实际", "seed-report", "2020年6-11月，我区在全市优化营商环境考核排名从第8位连续下滑至第15位"},
		"2020-10 一网通办办件量成效":  {"66.67%", "实际", "seed-report", "2020年10月，全市一网通办数据显示，我区办件量66.67%"},
		"2021-12 云税贷授信金额":    {"8.35亿元", "合成", "synthetic-demo", "合成演示数据（累计）"},
		"2021-12 获批贷款金额":     {"5100万元", "合成", "synthetic-demo", "合成演示数据（累计）"},
		"2021-12 企业开办费用":     {"0元", "合成", "synthetic-demo", "合成演示数据"},
	}
	for key, want := range tests {
		if !slices.Equal(got[key], want) {
			t.Errorf("%s: got %q, want %q", key, got[key], want)
		}
	}
}

// The board tells a synthetic figure by the same words as the report's ※
// mark (synthetic, 合成, 模拟, 演示), not by "synthetic" alone.
func TestProvenanceTableSyntheticWords(t *testing.T) {
	db, _ := demotest.NewDB(t)
	b := bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "test"}
	for i, source := range []string{"区市场监管局模拟测算", "演示材料", "市通报"} {
		b.Observations = append(b.Observations, bizenv.Observation{Indicator: "bizstart_cost", Entity: "wuhan-edz",
			Period: bizenv.NewPeriod(2021, time.Month(9+i)), Value: float64(100 + i), Source: source})
	}
	if _, err := db.Store(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range panelRows(t, db, "bizenv-rank-trend", provenancePanel, demotest.RangeFrom, demotest.RangeTo, variableSets()["all indicators"]) {
		if string(asBytes(r["指标"])) == "企业开办费用" {
			got[string(asBytes(r["来源"]))] = string(asBytes(r["数据性质"]))
		}
	}
	for source, want := range map[string]string{"区市场监管局模拟测算": "合成", "演示材料": "合成", "市通报": "实际"} {
		if got[source] != want {
			t.Errorf("source %s: got %q, want %q", source, got[source], want)
		}
	}
}
