// Package dashboards builds bizenv's Grafana dashboards with the Grafana
// Foundation SDK. The JSON files next to this source are generated from it
// (go run ./deploy/grafana/gen) and provisioned into Grafana; a test fails
// when they differ from what the code builds.
//
// Prometheus answers "now" (the latest values of SPEC section 6); the
// PostgreSQL history (read through the bizenv_readonly role) answers "month
// by month".
package dashboards

//lint:file-ignore SA1019 Grafana's file provisioning loads the v1 dashboard JSON; dashboardv2 needs Grafana 12's new APIs.

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// Data source uids, as provisioned in deploy/grafana/provisioning.
const (
	PrometheusUID = "bizenv-prometheus"
	PostgresUID   = "bizenv-postgres"
)

// Board is one dashboard: its uid (also its file name, uid + ".json") and
// how it is built.
type Board struct {
	UID   string
	Title string
	build func() *dashboard.DashboardBuilder
}

// Boards lists the dashboards in the order of the folder.
func Boards() []Board {
	return []Board{
		{UID: "bizenv-overview", Title: "营商环境 · 总览", build: overview},
		{UID: "bizenv-rank-trend", Title: "营商环境 · 排名趋势", build: rankTrend},
		{UID: "bizenv-ywtb", Title: "营商环境 · 一网通办", build: ywtb},
		{UID: "bizenv-approval", Title: "营商环境 · 审批时限与企业开办", build: approval},
		{UID: "bizenv-credit", Title: "营商环境 · 信贷融资", build: credit},
		{UID: "bizenv-collectors", Title: "营商环境 · 采集健康", build: collectors},
		{UID: "bizenv-actions", Title: "营商环境 · 整改督办", build: actionsBoard},
	}
}

// FileName is the name of the board's JSON file.
func (b Board) FileName() string { return b.UID + ".json" }

// Dashboard builds the board.
func (b Board) Dashboard() (dashboard.Dashboard, error) {
	d, err := b.build().Uid(b.UID).Title(b.Title).Build()
	if err != nil {
		return dashboard.Dashboard{}, fmt.Errorf("dashboard %s: %w", b.UID, err)
	}
	return d, nil
}

// JSON is the board as Grafana imports it: indented, with a final newline.
func (b Board) JSON() ([]byte, error) {
	d, err := b.Dashboard()
	if err != nil {
		return nil, err
	}
	return encode(b, d)
}

// DemoFrom is where the demo's boards open. The demo's data runs from
// 2019-12 (the national index's 2019 rank) to 2021-12 (deploy/demo), so the
// live boards' last two years show none of it. The demo's range starts at
// the demo's first month, in China's time, and runs on to now: the
// Prometheus panels are instant queries, evaluated at the range's end, and
// show what was scraped last.
const DemoFrom = "2019-11-30T16:00:00.000Z"

// DemoJSON is the board as the demo's Grafana imports it: the live board
// opening on the demo's months.
func (b Board) DemoJSON() ([]byte, error) {
	d, err := b.Dashboard()
	if err != nil {
		return nil, err
	}
	d.Time = dashboard.NewDashboardDashboardTime()
	d.Time.From, d.Time.To = DemoFrom, "now"
	return encode(b, d)
}

func encode(b Board, d dashboard.Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("dashboard %s: %w", b.UID, err)
	}
	return buf.Bytes(), nil
}

// Query is one query of a dashboard: a PromQL expression or an SQL
// statement, with where it comes from.
type Query struct {
	Dashboard string // uid
	Panel     string // title, or "variable NAME"
	RefID     string
	Text      string
}

func (q Query) String() string {
	return fmt.Sprintf("%s / %s / %s", q.Dashboard, q.Panel, q.RefID)
}

// SQLQueries lists every SQL query of every dashboard, its panels' and its
// template variables' (Panel "variable NAME"), macros and variables
// unexpanded (see ExpandMacros).
func SQLQueries() ([]Query, error) {
	var qs []Query
	err := walk(func(board, panel string, target any) {
		if q, ok := target.(SQLQuery); ok {
			qs = append(qs, Query{Dashboard: board, Panel: panel, RefID: q.RefId, Text: q.RawSql})
		}
	})
	if err != nil {
		return nil, err
	}
	vs, err := variableQueries(PostgresType)
	return append(qs, vs...), err
}

// PromQLQueries lists every PromQL expression of every panel, Grafana's
// variables ($entity, $__rate_interval, ...) unexpanded. Variable queries
// (label_values) are in VariableQueries.
func PromQLQueries() ([]Query, error) {
	var qs []Query
	err := walk(func(board, panel string, target any) {
		if q, ok := target.(prometheus.Dataquery); ok {
			ref := ""
			if q.RefId != nil {
				ref = *q.RefId
			}
			qs = append(qs, Query{Dashboard: board, Panel: panel, RefID: ref, Text: q.Expr})
		}
	})
	return qs, err
}

// VariableQueries lists the Prometheus template variables' queries, such
// as label_values(bizenv_collector_last_run_timestamp_seconds, collector).
// The variables read from PostgreSQL are in SQLQueries.
func VariableQueries() ([]Query, error) {
	return variableQueries("prometheus")
}

func variableQueries(datasourceType string) ([]Query, error) {
	var qs []Query
	for _, b := range Boards() {
		d, err := b.Dashboard()
		if err != nil {
			return nil, err
		}
		for _, v := range d.Templating.List {
			if v.Datasource == nil || v.Datasource.Type == nil || *v.Datasource.Type != datasourceType {
				continue
			}
			if v.Query != nil && v.Query.String != nil {
				qs = append(qs, Query{Dashboard: b.UID, Panel: "variable " + v.Name, Text: *v.Query.String})
			}
		}
	}
	return qs, nil
}

func walk(visit func(board, panel string, target any)) error {
	for _, b := range Boards() {
		d, err := b.Dashboard()
		if err != nil {
			return err
		}
		var panels []dashboard.Panel
		for _, p := range d.Panels {
			if p.Panel != nil {
				panels = append(panels, *p.Panel)
			}
			if p.RowPanel != nil {
				panels = append(panels, p.RowPanel.Panels...)
			}
		}
		for _, p := range panels {
			title := ""
			if p.Title != nil {
				title = *p.Title
			}
			for _, t := range p.Targets {
				visit(b.UID, title, t)
			}
		}
	}
	return nil
}

// Files is every board's JSON by file name, as committed next to this source.
func Files() (map[string][]byte, error) { return files(Board.JSON) }

// DemoDir is where the demo's boards are committed, from the repository
// root; deploy/docker-compose.demo.yml provisions them.
const DemoDir = "deploy/demo/grafana/dashboards"

// DemoFiles is every board's demo JSON by file name, as committed in DemoDir.
func DemoFiles() (map[string][]byte, error) { return files(Board.DemoJSON) }

func files(render func(Board) ([]byte, error)) (map[string][]byte, error) {
	files := make(map[string][]byte)
	for _, b := range Boards() {
		j, err := render(b)
		if err != nil {
			return nil, err
		}
		files[b.FileName()] = j
	}
	return files, nil
}
