//lint:file-ignore SA1019 Grafana's file provisioning loads the v1 dashboard JSON; dashboardv2 needs Grafana 12's new APIs.

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Every PromQL expression takes the maximum over the scraped replicas
// (instance, pod), as the alert rules do.

// latest is a SPEC section 6 indicator metric for one entity and a selector
// on indicator, replicas aggregated away.
func latest(metric, indicatorMatcher string) string {
	return `max without (instance, pod) (` + metric + `{entity="$entity", indicator` + indicatorMatcher + `})`
}

func promRef() common.DataSourceRef {
	uid, typ := PrometheusUID, "prometheus"
	return common.DataSourceRef{Uid: &uid, Type: &typ}
}

func pgRef() common.DataSourceRef {
	uid, typ := PostgresUID, PostgresType
	return common.DataSourceRef{Uid: &uid, Type: &typ}
}

// promRange is a range query drawn over time.
func promRange(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(promRef()).RefId(ref).Expr(expr).LegendFormat(legend).Range()
}

// promNow is an instant query: the latest values, as SPEC section 6 gives them.
func promNow(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(promRef()).RefId(ref).Expr(expr).LegendFormat(legend).Instant()
}

// promTable is an instant query for a table: one row per series.
func promTable(ref, expr string) *prometheus.DataqueryBuilder {
	return promNow(ref, expr, "").Format(prometheus.PromQueryFormatTable)
}

func sqlSeries(ref, sql string) *SQLQueryBuilder { return NewSQLQueryBuilder(sql).RefId(ref) }

func sqlTable(ref, sql string) *SQLQueryBuilder { return NewSQLQueryBuilder(sql).RefId(ref).Table() }

func thresholds(base string, steps ...any) *dashboard.ThresholdsConfigBuilder {
	ts := []dashboard.Threshold{{Color: base}}
	for i := 0; i+1 < len(steps); i += 2 {
		v := steps[i].(float64)
		ts = append(ts, dashboard.Threshold{Value: &v, Color: steps[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(ts)
}

func lastValue() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})
}

func statPanel(title, unit string) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Title(title).Unit(unit).Height(5).Span(6).
		ReduceOptions(lastValue()).GraphMode(common.BigValueGraphModeNone).ColorMode(common.BigValueColorModeValue)
}

func tablePanel(title string) *table.PanelBuilder {
	return table.NewPanelBuilder().Title(title).Height(9).Span(12)
}

func seriesPanel(title, unit string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().Title(title).Unit(unit).Height(9).Span(12).
		ShowPoints(common.VisibilityModeAlways).PointSize(5).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeTable).Placement(common.LegendPlacementRight).ShowLegend(true).Calcs([]string{"lastNotNull"}))
}

// rankPanel draws ranks with the best (1st) on top: Grafana has no inverted
// axis, so the values are plotted negated (transform negative-Y), and the
// axis label says so; tooltips and legends keep the real rank.
func rankPanel(title string) *timeseries.PanelBuilder {
	return seriesPanel(title, "none").Transform(common.GraphTransformNegativeY).Decimals(0).
		AxisLabel("名次（越靠上越好）")
}

// The entity and indicator variables read the catalog from PostgreSQL: the
// dropdown shows name_zh (__text) and the panels get the code (__value).
// Prometheus's label_values can only list the codes.
// unitScale is one series per indicator: the factor that turns a stored
// value into the figure a reader expects, percent for ratios and 万元 for
// yuan (SPEC 2 units); a table's 计量单位 column (unitTexts) says which.
const unitScale = `(100 * max by (indicator) (bizenv_indicator_info{unit="ratio"}) or 0.0001 * max by (indicator) (bizenv_indicator_info{unit="yuan"}) or max by (indicator) (bizenv_indicator_info))`

// scaled is expr (one series per indicator) in the units of unitScale.
func scaled(expr string) string {
	return `(` + expr + `) * on (indicator) group_left () ` + unitScale
}

// unitTexts names the units of scaled figures in Chinese.
var unitTexts = map[string]string{
	"ratio": "%", "yuan": "万元", "rank": "名", "score": "分", "count": "个",
	"steps": "个环节", "items": "件", "days": "天", "working_days": "个工作日",
}

// metTexts shows target_met as words, not 1 and 0.
var metTexts = map[string]string{"1": "达标", "0": "未达标"}

// mappings is a field override that shows the values (numbers or strings)
// as texts, coloured where colors says so.
func mappings(texts, colors map[string]string) dashboard.DynamicConfigValue {
	options := make(map[string]any)
	for v, text := range texts {
		o := map[string]any{"text": text}
		if c, ok := colors[v]; ok {
			o["color"] = c
		}
		options[v] = o
	}
	return dashboard.DynamicConfigValue{Id: "mappings", Value: []any{map[string]any{"type": "value", "options": options}}}
}

// colorText colours a table cell's text by its mapping.
var colorText = dashboard.DynamicConfigValue{Id: "custom.cellOptions", Value: map[string]any{"type": "color-text"}}

// shownValue is the SQL text of a value in its unit, as the report writes
// it: 96.67%, 9.69亿元, 5100万元, 第15名, 85.32分.
func shownValue(value, unit string) string {
	return `CASE ` + unit + `
         WHEN 'ratio' THEN trim_scale(round((` + value + ` * 100)::numeric, 2)) || '%'
         WHEN 'yuan' THEN CASE WHEN abs(` + value + `) >= 1e8 THEN trim_scale(round((` + value + ` / 1e8)::numeric, 2)) || '亿元'
                               WHEN abs(` + value + `) >= 1e4 THEN trim_scale(round((` + value + ` / 1e4)::numeric, 2)) || '万元'
                               ELSE trim_scale(round(` + value + `::numeric, 2)) || '元' END
         WHEN 'rank' THEN '第' || ` + value + ` || '名'
         WHEN 'score' THEN ` + value + ` || '分'
         WHEN 'count' THEN ` + value + ` || '个'
         WHEN 'steps' THEN ` + value + ` || '个环节'
         WHEN 'items' THEN ` + value + ` || '件'
         WHEN 'days' THEN ` + value + ` || '天'
         WHEN 'working_days' THEN ` + value + ` || '个工作日'
         ELSE ` + value + `::text END`
}

// sqlVariable is a variable whose values are the codes q selects as
// __value, shown by the names it selects as __text.
func sqlVariable(name, label, q string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).Label(label).
		Datasource(pgRef()).Query(dashboard.StringOrMap{String: &q}).Definition(q).
		Refresh(dashboard.VariableRefreshOnDashboardLoad).Sort(dashboard.VariableSortDisabled)
}

// selected is the option a board opens with.
func selected(text, value string) dashboard.VariableOption {
	return dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: &text}, Value: dashboard.StringOrArrayOfString{String: &value}}
}

// labelValuesVariable selects any of the values of the label name of the
// metric family, "All" included.
func labelValuesVariable(name, label, metric string) *dashboard.QueryVariableBuilder {
	q := `label_values(` + metric + `, ` + name + `)`
	return dashboard.NewQueryVariableBuilder(name).Label(label).
		Datasource(promRef()).Query(dashboard.StringOrMap{String: &q}).
		Multi(true).IncludeAll(true).
		Refresh(dashboard.VariableRefreshOnDashboardLoad).Sort(dashboard.VariableSortAlphabeticalAsc)
}

func entityVariable() *dashboard.QueryVariableBuilder {
	return sqlVariable("entity", "单位", `SELECT name_zh AS __text, code AS __value FROM entities WHERE kind IN ('district', 'city_average') ORDER BY kind DESC, name_zh`).
		Current(selected("武汉经开区（汉南区）", "wuhan-edz"))
}

// The multi-value variables have no custom all value: Grafana inserts one
// unquoted, which breaks the SQL panels' IN (...) lists. "All" expands to
// every value instead, a regex alternation in PromQL and a quoted list in SQL.
func indicatorVariable() *dashboard.QueryVariableBuilder {
	return sqlVariable("indicator", "指标", `SELECT name_zh AS __text, code AS __value FROM indicators ORDER BY category, code`).
		Multi(true).IncludeAll(true)
}

func collectorVariable() *dashboard.QueryVariableBuilder {
	return labelValuesVariable("collector", "采集任务", "bizenv_collector_last_run_timestamp_seconds")
}

// compositeVariable selects a composite score: an indicator that other
// indicators are part_of (SPEC section 10).
func compositeVariable() *dashboard.QueryVariableBuilder {
	return sqlVariable("composite", "考核得分", `SELECT c.name_zh AS __text, c.code AS __value FROM indicators c WHERE c.code IN (SELECT part_of FROM indicators) ORDER BY c.code`).
		Current(selected("全市营商环境考核得分", "city_assessment_score"))
}

// SelectedMark ends the name of the selected entity's series in the rank
// chart, so that a static override (by regexp) can draw that line apart
// from its peers'; the other districts' lines stay thin and grey.
const SelectedMark = "（所选）"

// breakdownSQL is the selected composite's items for $entity in the last
// month of the range that has item data: this month's change against the
// month before and the points lost (max_points - value), worst change
// first, as SPEC section 10's breakdown orders them.
const breakdownSQL = `WITH month AS (
    SELECT max(o.period) AS period
    FROM observations o
    JOIN indicators i ON i.code = o.indicator
    WHERE i.part_of = '$composite' AND o.entity = '$entity' AND $__timeFilter(o.period)
)
SELECT i.name_zh AS "分项", to_char(cur.period, 'YYYY-MM') AS "月份",
       round((cur.value - prev.value)::numeric, 2) AS "较上月变化",
       round((i.max_points - cur.value)::numeric, 2) AS "失分"
FROM indicators i
JOIN observations cur ON cur.indicator = i.code AND cur.entity = '$entity' AND cur.period = (SELECT period FROM month)
LEFT JOIN observations prev ON prev.indicator = i.code AND prev.entity = '$entity'
     AND prev.period = (cur.period - interval '1 month')::date
WHERE i.part_of = '$composite'
ORDER BY 3 NULLS LAST, 1`

// peerRankSQL is the rank of every peer of $entity (same kind and parent)
// on each selected, non-neutral indicator, in that indicator's last month
// of the range with values from two peers or more: best = 1 by direction,
// ties sharing a rank, as bizenv_indicator_peer_rank counts (SPEC 6).
// Grafana's groupingToMatrix turns the rows into entities x indicators.
const peerRankSQL = `WITH peers AS (
    SELECT e.code, e.name_zh
    FROM entities e
    JOIN entities me ON me.code = '$entity'
    WHERE e.kind = me.kind AND e.parent IS NOT DISTINCT FROM me.parent
), latest AS (
    SELECT DISTINCT ON (o.indicator) o.indicator, o.period
    FROM observations o
    JOIN peers p ON p.code = o.entity
    WHERE o.indicator IN ($indicator) AND $__timeFilter(o.period)
    GROUP BY o.indicator, o.period
    HAVING count(*) >= 2
    ORDER BY o.indicator, o.period DESC
)
SELECT p.name_zh AS "单位", i.name_zh AS "指标",
       rank() OVER (PARTITION BY o.indicator
                    ORDER BY CASE i.direction WHEN 'lower_better' THEN o.value ELSE -o.value END) AS "名次"
FROM observations o
JOIN latest l ON l.indicator = o.indicator AND l.period = o.period
JOIN peers p ON p.code = o.entity
JOIN indicators i ON i.code = o.indicator
WHERE i.direction <> 'neutral'
ORDER BY 2, 3, 1`

// base is what every board shares: tags, the last two years in China's time
// zone, the entity and indicator variables and links to the other boards.
func base() *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder("").
		Tags([]string{"bizenv", "营商环境"}).
		Time("now-2y", "now").Timezone("Asia/Shanghai").Refresh("30m").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Readonly().
		Link(dashboard.NewDashboardLinkBuilder("营商环境看板").Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"bizenv"}).AsDropdown(true).IncludeVars(true).KeepTime(true)).
		WithVariable(entityVariable()).
		WithVariable(indicatorVariable())
}

func overview() *dashboard.DashboardBuilder {
	rank := `indicator="city_assessment_rank"`
	return base().
		Description("本区现在的位置：全市考核排名与连续下滑、关键指标对比全市平均与目标、数据是否过期。").
		WithRow(dashboard.NewRowBuilder("全市营商环境考核")).
		WithPanel(statPanel("全市考核排名（最新一期）", "none").Decimals(0).
			WithTarget(promNow("A", `max without (instance, pod) (bizenv_indicator_value{entity="$entity", `+rank+`})`, "排名")).
			Thresholds(thresholds("green", 6.0, "yellow", 11.0, "red"))).
		WithPanel(statPanel("排名较上月（正数为进步）", "none").Decimals(0).
			WithTarget(promNow("A", `max without (instance, pod) (bizenv_indicator_improvement{entity="$entity", `+rank+`})`, "变化")).
			Thresholds(thresholds("red", 0.0, "green"))).
		WithPanel(statPanel("排名连续下滑月数", "none").Decimals(0).
			WithTarget(promNow("A", `max without (instance, pod) (bizenv_indicator_decline_streak{entity="$entity", `+rank+`})`, "连续下滑")).
			Thresholds(thresholds("green", 2.0, "orange", 3.0, "red"))).
		WithPanel(statPanel("全市考核得分", "none").Decimals(2).
			WithTarget(promNow("A", `max without (instance, pod) (bizenv_indicator_value{entity="$entity", indicator="city_assessment_score"})`, "本区")).
			WithTarget(promNow("B", `max without (instance, pod) (bizenv_indicator_value{entity="wuhan-avg", indicator="city_assessment_score"})`, "全市平均")).
			TextMode(common.BigValueTextModeValueAndName)).
		WithVariable(compositeVariable()).
		WithRow(dashboard.NewRowBuilder("排名为什么变：得分分解与同级名次")).
		WithPanel(barchart.NewPanelBuilder().Title("得分分解：各分项较上月变化与失分（$composite）").Height(10).Span(12).
			Description("所选考核得分的各分项（part_of），取所选时段内最后一个有分项数据的月份：较上月变化（负数为丢分）与失分（满分减得分）。分项按较上月变化排列，最差在前。").
			Datasource(pgRef()).Orientation(common.VizOrientationHorizontal).XField("分项").
			ShowValue(common.VisibilityModeAlways).Decimals(2).
			Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom).ShowLegend(true)).
			WithTarget(sqlTable("A", breakdownSQL)).
			OverrideByName("较上月变化", []dashboard.DynamicConfigValue{{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "blue"}}}).
			OverrideByName("失分", []dashboard.DynamicConfigValue{{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}}})).
		WithPanel(tablePanel("同级名次热力图（单位 × 指标，$indicator）").Height(10).Span(12).
			Description("所选单位与同级（同类、同上级）各单位在各项指标上的名次，第1名最好，按指标方向排序，并列同名次；每项指标取所选时段内最后一个至少两家有数据的月份。中性指标不排名。").
			Datasource(pgRef()).Decimals(0).
			Thresholds(thresholds("green", 6.0, "yellow", 11.0, "red")).
			WithTarget(sqlTable("A", peerRankSQL)).
			WithTransformation(dashboard.DataTransformerConfig{Id: "groupingToMatrix", Options: map[string]any{
				"rowField": "单位", "columnField": "指标", "valueField": "名次", "emptyValue": "null",
			}}).
			OverrideByFieldType("number", []dashboard.DynamicConfigValue{{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background"}}})).
		WithRow(dashboard.NewRowBuilder("关键指标：对比全市平均与目标")).
		WithPanel(tablePanel("指标现状（$indicator）").Span(24).Height(12).
			Description("最新一期的值、上一期、较全市平均（正数为优于平均）、目标与是否达标、连续下滑月数。比率以百分数、金额以万元表示（见计量单位列）。").
			Decimals(2).
			WithTarget(promTable("A", scaled(latest("bizenv_indicator_value", `=~"$indicator"`))+` * on (indicator) group_left (name_zh, unit) max without (instance, pod) (bizenv_indicator_info)`)).
			WithTarget(promTable("B", scaled(latest("bizenv_indicator_previous_value", `=~"$indicator"`)))).
			WithTarget(promTable("C", scaled(latest("bizenv_indicator_vs_benchmark", `=~"$indicator"`)))).
			WithTarget(promTable("D", scaled(latest("bizenv_indicator_target", `=~"$indicator"`)))).
			WithTarget(promTable("E", latest("bizenv_indicator_target_met", `=~"$indicator"`))).
			WithTarget(promTable("F", latest("bizenv_indicator_decline_streak", `=~"$indicator"`))).
			WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
			WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
				"excludeByName": map[string]any{"Time": true, "entity": true, "job": true, "benchmark": true},
				"renameByName": map[string]any{
					"indicator": "代码", "name_zh": "指标", "unit": "计量单位",
					"Value #A": "本期", "Value #B": "上期", "Value #C": "较全市平均",
					"Value #D": "目标", "Value #E": "达标", "Value #F": "连续下滑月数",
				},
			}}).
			OverrideByName("计量单位", []dashboard.DynamicConfigValue{mappings(unitTexts, nil)}).
			OverrideByName("达标", []dashboard.DynamicConfigValue{mappings(metTexts, map[string]string{"1": "green", "0": "red"}), colorText}).
			OverrideByName("连续下滑月数", []dashboard.DynamicConfigValue{{Id: "decimals", Value: 0}})).
		WithRow(dashboard.NewRowBuilder("下滑与过期")).
		WithPanel(tablePanel("正在下滑的指标").
			WithTarget(promTable("A", `(`+latest("bizenv_indicator_decline_streak", `=~"$indicator"`)+` > 0)`+
				` * on (indicator) group_left (name_zh) max without (instance, pod) (bizenv_indicator_info)`)).
			WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
				"excludeByName": map[string]any{"Time": true, "entity": true, "job": true},
				"renameByName":  map[string]any{"indicator": "代码", "name_zh": "指标", "Value": "连续下滑月数"},
			}})).
		WithPanel(tablePanel("数据新鲜度（最新一期结束后天数）").
			Description("超过 62 天即触发 BizEnvIndicatorStale（年度指标另加一年）。").
			Unit("d").Thresholds(thresholds("green", 32.0, "yellow", 62.0, "red")).
			WithTarget(promTable("A", `((time() - `+latest("bizenv_indicator_period_timestamp_seconds", `=~"$indicator"`)+`) / 86400 - days_in_month(`+
				latest("bizenv_indicator_period_timestamp_seconds", `=~"$indicator"`)+`))`+
				` * on (indicator) group_left (name_zh) max without (instance, pod) (bizenv_indicator_info)`)).
			WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
				"excludeByName": map[string]any{"Time": true, "entity": true, "job": true},
				"renameByName":  map[string]any{"indicator": "代码", "name_zh": "指标", "Value": "天数"},
			}}))
}

func rankTrend() *dashboard.DashboardBuilder {
	// Peers: entities of the same kind under the same parent as $entity.
	peers := func(indicator string) string {
		return `SELECT o.period::timestamptz AS "time",
       CASE WHEN e.code = me.code THEN e.name_zh || '` + SelectedMark + `' ELSE e.name_zh END AS metric, o.value
FROM observations o
JOIN entities e ON e.code = o.entity
JOIN entities me ON me.code = '$entity'
WHERE o.indicator = '` + indicator + `'
  AND e.kind = me.kind AND e.parent IS NOT DISTINCT FROM me.parent
  AND $__timeFilter(o.period)
ORDER BY 1, 2`
	}
	return base().
		Description("本区与同级各区的月度排名与得分（PostgreSQL 历史数据，含修订）。").
		WithPanel(rankPanel("全市营商环境考核排名：本区与同级各区").Span(24).Height(12).
			Description("所选单位的线（名称后标“"+SelectedMark+"”）加粗标红，同级各区为细灰线。").
			ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdFixed).FixedColor("#a0a0a0")).
			LineWidth(1).PointSize(3).
			OverrideByRegexp(".*"+SelectedMark+"$", []dashboard.DynamicConfigValue{
				{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}},
				{Id: "custom.lineWidth", Value: 4},
				{Id: "custom.pointSize", Value: 8},
			}).
			Datasource(pgRef()).WithTarget(sqlSeries("A", peers("city_assessment_rank")))).
		WithPanel(seriesPanel("全市营商环境考核得分：本区与全市平均", "none").Decimals(2).
			Datasource(pgRef()).WithTarget(sqlSeries("A", `SELECT o.period::timestamptz AS "time", e.name_zh AS metric, o.value
FROM observations o
JOIN entities e ON e.code = o.entity
WHERE o.indicator = 'city_assessment_score'
  AND (o.entity = '$entity' OR o.entity = (SELECT benchmark FROM entities WHERE code = '$entity'))
  AND $__timeFilter(o.period)
ORDER BY 1, 2`))).
		WithPanel(rankPanel("全国经开区营商环境指数排名（年度）").
			Datasource(pgRef()).WithTarget(sqlSeries("A", `SELECT o.period::timestamptz AS "time", '全国经开区指数排名' AS metric, o.value
FROM observations o
WHERE o.indicator = 'edz_index_rank' AND o.entity = '$entity'
ORDER BY 1`))).
		WithPanel(tablePanel("最新一期全市排名").Span(12).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT e.name_zh AS "单位", to_char(r.period, 'YYYY-MM') AS "月份", r.value AS "排名", s.value AS "得分"
FROM observations r
JOIN entities e ON e.code = r.entity
LEFT JOIN observations s ON s.entity = r.entity AND s.period = r.period AND s.indicator = 'city_assessment_score'
WHERE r.indicator = 'city_assessment_rank'
  AND r.period = (SELECT max(period) FROM observations WHERE indicator = 'city_assessment_rank' AND $__timeFilter(period))
ORDER BY r.value`))).
		WithPanel(tablePanel("数据修订记录（本区）").Span(12).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT v.recorded_at AS "修订时间", i.name_zh AS "指标", to_char(v.period, 'YYYY-MM') AS "月份",
       v.revision AS "版本", v.value AS "值", v.source AS "来源", v.changed_by AS "修改人"
FROM observation_revisions v
JOIN indicators i ON i.code = v.indicator
WHERE v.entity = '$entity' AND v.revision > 1 AND $__timeFilter(v.recorded_at)
ORDER BY v.recorded_at DESC
LIMIT 200`))).
		WithPanel(tablePanel("数据来源与说明（本区，$indicator）").Span(24).Height(12).
			Description("每个数字从哪里来：来源与说明取自 observations 表。来源含 synthetic、合成、模拟或演示的是合成的演示数据，不是真实数字（与月报的 ※ 标记同一规则）。").
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT to_char(o.period, 'YYYY-MM') AS "月份", i.name_zh AS "指标",
       `+shownValue("o.value", "i.unit")+` AS "值",
       CASE WHEN o.source ~* '(synthetic|合成|模拟|演示)' THEN '合成' ELSE '实际' END AS "数据性质",
       o.source AS "来源", o.note AS "说明"
FROM observations o
JOIN indicators i ON i.code = o.indicator
WHERE o.entity = '$entity' AND o.indicator IN ($indicator) AND $__timeFilter(o.period)
ORDER BY o.period DESC, i.category, i.code
LIMIT 2000`)).
			OverrideByName("数据性质", []dashboard.DynamicConfigValue{
				mappings(map[string]string{"合成": "合成", "实际": "实际"}, map[string]string{"合成": "orange", "实际": "green"}), colorText,
			}))
}

// history draws the monthly history of one category's indicators for
// $entity from PostgreSQL.
func history(where string) string { return historyOf("o.value", where) }

// historyOf is history with the value shown as value (o.value / 1e4 for 万元).
func historyOf(value, where string) string {
	return `SELECT o.period::timestamptz AS "time", i.name_zh AS metric, ` + value + ` AS value
FROM observations o
JOIN indicators i ON i.code = o.indicator
WHERE o.entity = '$entity' AND ` + where + `
  AND o.indicator IN ($indicator)
  AND $__timeFilter(o.period)
ORDER BY 1, 2`
}

func ywtb() *dashboard.DashboardBuilder {
	ratios := `=~"ywtb_.*|item_claim_rate|elicense_.*|review_push_rate|bad_review_fix_rate|enterprise_demand_resolved_rate|hotline_answer_rate|policy_payout_ontime_rate"`
	named := ` * on (indicator) group_left (name_zh) max without (instance, pod) (bizenv_indicator_info)`
	return base().
		Description("一网通办、电子证照、好差评等比率类指标：本月、对比全市平均、历史走势。").
		WithPanel(bargauge.NewPanelBuilder().Title("本月各项比率").Unit("percentunit").Min(0).Max(1).Height(12).Span(12).
			DisplayMode(common.BarGaugeDisplayModeGradient).Orientation(common.VizOrientationHorizontal).
			ReduceOptions(lastValue()).Thresholds(thresholds("red", 0.9, "yellow", 0.95, "green")).
			WithTarget(promNow("A", latest("bizenv_indicator_value", ratios)+named, "{{name_zh}}"))).
		WithPanel(bargauge.NewPanelBuilder().Title("较全市平均（正数为优于平均）").Unit("percentunit").Height(12).Span(12).
			DisplayMode(common.BarGaugeDisplayModeBasic).Orientation(common.VizOrientationHorizontal).
			ReduceOptions(lastValue()).Thresholds(thresholds("red", 0.0, "green")).
			WithTarget(promNow("A", latest("bizenv_indicator_vs_benchmark", ratios)+named, "{{name_zh}}"))).
		WithPanel(seriesPanel("一网通办月度走势（$indicator）", "percentunit").Span(24).Height(12).Max(1).
			Datasource(pgRef()).WithTarget(sqlSeries("A", history(`i.category IN ('ywtb', 'service', 'policy') AND i.unit = 'ratio'`))))
}

func approval() *dashboard.DashboardBuilder {
	return base().
		Description(`企业开办对标“210”标准（2个环节、1天办结、0费用），审批时限对照目标。`).
		WithRow(dashboard.NewRowBuilder(`企业开办“210”`)).
		WithPanel(statPanel("企业开办环节（标准 2 个）", "none").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="bizstart_steps"`), "环节")).
			Thresholds(thresholds("green", 2.5, "red"))).
		WithPanel(statPanel("企业开办时间（标准 1 天）", "d").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="bizstart_days"`), "时间")).
			Thresholds(thresholds("green", 1.01, "red"))).
		WithPanel(statPanel("企业开办费用（标准 0 元）", "suffix:元").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="bizstart_cost"`), "费用")).
			Thresholds(thresholds("green", 0.01, "red"))).
		WithRow(dashboard.NewRowBuilder("审批时限与不动产登记")).
		WithPanel(bargauge.NewPanelBuilder().Title("本月用时与目标之比（≤100% 达标）").Unit("percentunit").Height(10).Span(12).
			DisplayMode(common.BarGaugeDisplayModeGradient).Orientation(common.VizOrientationHorizontal).
			ReduceOptions(lastValue()).Thresholds(thresholds("green", 1.0, "red")).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `=~"enterprise_project_approval_days|gov_project_approval_days|property_reg_.*"`)+
				` / on (indicator) group_left () max without (instance, pod, entity) (bizenv_indicator_target)`+
				` * on (indicator) group_left (name_zh) max without (instance, pod) (bizenv_indicator_info)`, "{{name_zh}}"))).
		WithPanel(statPanel("审批超期件数（目标 0）", "none").Span(12).Height(10).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="approval_overdue_items"`), "超期件数")).
			Thresholds(thresholds("green", 1.0, "red"))).
		WithPanel(seriesPanel("企业开办与审批月度走势（$indicator）", "none").Span(24).Height(12).
			Datasource(pgRef()).WithTarget(sqlSeries("A", history(`i.category IN ('business_start', 'approval', 'property')`))))
}

func credit() *dashboard.DashboardBuilder {
	return base().
		Description("云税贷与中小微企业融资对接：本月与月度走势。金额以万元计。").
		WithPanel(statPanel("云税贷授信企业数", "none").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="taxloan_credit_firms"`), "企业数"))).
		WithPanel(statPanel("云税贷授信金额", "suffix:万元").Span(8).Decimals(2).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="taxloan_credit_amount"`)+` / 1e4`, "授信"))).
		WithPanel(statPanel("实际放款占授信比例", "percentunit").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="taxloan_disbursed_amount"`)+
				` / ignoring (indicator) `+latest("bizenv_indicator_value", `="taxloan_credit_amount"`), "放款率"))).
		WithPanel(statPanel("推荐中小微企业数", "none").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="sme_recommended_firms"`), "推荐"))).
		WithPanel(statPanel("获批贷款企业数", "none").Span(8).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="sme_loan_approved_firms"`), "获批"))).
		WithPanel(statPanel("获批贷款金额 / 贷款需求", "suffix:万元").Span(8).Decimals(2).
			WithTarget(promNow("A", latest("bizenv_indicator_value", `="sme_loan_approved_amount"`)+` / 1e4`, "获批金额")).
			WithTarget(promNow("B", latest("bizenv_indicator_value", `="sme_loan_demand_amount"`)+` / 1e4`, "贷款需求")).
			TextMode(common.BigValueTextModeValueAndName)).
		WithPanel(seriesPanel("融资金额月度走势（万元）", "suffix:万元").Decimals(2).
			Datasource(pgRef()).WithTarget(sqlSeries("A", historyOf("o.value / 1e4", `i.category = 'credit' AND i.unit = 'yuan'`)))).
		WithPanel(seriesPanel("融资企业数月度走势", "none").
			Datasource(pgRef()).WithTarget(sqlSeries("A", history(`i.category = 'credit' AND i.unit = 'count'`))))
}

func collectors() *dashboard.DashboardBuilder {
	sel := `{collector=~"$collector"}`
	return base().
		WithVariable(collectorVariable()).
		Description("采集任务的运行与拒收记录：Prometheus 指标看现在，PostgreSQL 的 runs/rejects 表看明细。").
		WithPanel(tablePanel("采集任务现状").Span(24).Height(8).
			WithTarget(promTable("A", `max by (collector) (bizenv_collector_last_run_success`+sel+`)`)).
			WithTarget(promTable("B", `max by (collector) (bizenv_collector_last_run_timestamp_seconds`+sel+`) * 1000`)).
			WithTarget(promTable("C", `max by (collector) (bizenv_collector_last_success_timestamp_seconds`+sel+`) * 1000`)).
			WithTarget(promTable("D", `(time() - max by (collector) (bizenv_collector_last_success_timestamp_seconds`+sel+`)) / 3600`)).
			WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
			WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
				"excludeByName": map[string]any{"Time": true},
				"renameByName": map[string]any{
					"collector": "采集任务", "Value #A": "最近一次成功", "Value #B": "最近运行",
					"Value #C": "最近成功", "Value #D": "距最近成功（小时）",
				},
			}}).
			OverrideByName("最近运行", []dashboard.DynamicConfigValue{{Id: "unit", Value: "dateTimeAsIso"}}).
			OverrideByName("最近成功", []dashboard.DynamicConfigValue{{Id: "unit", Value: "dateTimeAsIso"}})).
		WithPanel(seriesPanel("运行次数（按结果）", "none").
			WithTarget(promRange("A", `sum by (collector, result) (increase(bizenv_collector_runs_total`+sel+`[$__rate_interval]))`, "{{collector}} {{result}}"))).
		WithPanel(seriesPanel("记录数（按处理结果）", "none").
			WithTarget(promRange("A", `sum by (collector, outcome) (increase(bizenv_collector_records_total`+sel+`[$__rate_interval]))`, "{{collector}} {{outcome}}"))).
		WithPanel(statPanel("所选时段拒收记录", "none").Span(6).
			WithTarget(promNow("A", `sum(increase(bizenv_collector_records_total{collector=~"$collector", outcome="rejected"}[$__range]))`, "拒收")).
			Thresholds(thresholds("green", 1.0, "orange"))).
		WithPanel(statPanel("bizenv 版本", "none").Span(6).TextMode(common.BigValueTextModeName).
			WithTarget(promNow("A", `max by (version, revision) (bizenv_build_info)`, "{{version}} ({{revision}})"))).
		WithPanel(seriesPanel("每日拒收记录（rejects 表）", "none").
			Datasource(pgRef()).WithTarget(sqlSeries("A", `SELECT $__timeGroupAlias(r.created_at, '1d'), count(*) AS "拒收记录"
FROM rejects r
JOIN runs ru ON ru.id = r.run_id
WHERE $__timeFilter(r.created_at) AND ru.name IN ($collector)
GROUP BY 1
ORDER BY 1`))).
		WithPanel(tablePanel("运行记录（runs 表）").Span(24).Height(10).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT started_at AS "开始", finished_at AS "结束", kind AS "类型", name AS "名称", outcome AS "结果",
       inserted AS "新增", updated AS "更新", unchanged AS "未变", rejected AS "拒收", error AS "错误"
FROM runs
WHERE $__timeFilter(started_at) AND (kind <> 'collector' OR name IN ($collector))
ORDER BY started_at DESC
LIMIT 200`))).
		WithPanel(tablePanel("拒收明细（rejects 表）").Span(24).Height(10).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT r.created_at AS "时间", ru.name AS "来源", r.file AS "文件", r.line AS "行", r.reason AS "原因", r.record AS "记录"
FROM rejects r
JOIN runs ru ON ru.id = r.run_id
WHERE $__timeFilter(r.created_at)
ORDER BY r.created_at DESC
LIMIT 500`)))
}
