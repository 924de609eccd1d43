//lint:file-ignore SA1019 Grafana's file provisioning loads the v1 dashboard JSON; dashboardv2 needs Grafana 12's new APIs.

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// ownerVariable selects responsible units, as the ledger's metric names
// them; alerts link to the board with var-owner set.
func ownerVariable() *dashboard.QueryVariableBuilder {
	return labelValuesVariable("owner", "责任单位", "bizenv_actions")
}

// todayInChina is the day it is for the office: overdue counts from it
// (SPEC section 11), whatever the database's time zone.
const todayInChina = `(now() AT TIME ZONE 'Asia/Shanghai')::date`

// unitRanks is every unit's monthly rank and whether it was last among
// the units under its parent (末位).
const unitRanks = `SELECT o.entity, o.period, o.value,
           o.value = max(o.value) OVER (PARTITION BY o.period, e.parent) AS last
    FROM observations o
    JOIN entities e ON e.code = o.entity
    WHERE o.indicator = 'unit_assessment_rank' AND e.kind IN ('department', 'park', 'street')`

// actionsBoard is 整改督办: the rectification ledger by unit, closures per
// month, the units' ranking with 末位 marks and every action's timeline,
// from PostgreSQL as bizenv_readonly. The ledger's rows carry no period,
// so the panels show the whole ledger; the ranking follows the time range.
func actionsBoard() *dashboard.DashboardBuilder {
	return base().
		WithVariable(ownerVariable()).
		Description("整改台账：各责任单位未完成与逾期事项、每月销号数、单位考核排名（末位标记）与事项时间线。逾期按北京时间计。").
		WithPanel(tablePanel("各单位整改事项（未完成 / 逾期）").Span(12).Height(10).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT e.name_zh AS "责任单位",
       count(*) FILTER (WHERE a.status IN ('open', 'in_progress')) AS "未完成",
       count(*) FILTER (WHERE a.status IN ('open', 'in_progress') AND a.due < `+todayInChina+`) AS "逾期",
       count(*) FILTER (WHERE a.status = 'ongoing') AS "常态化",
       count(*) FILTER (WHERE a.status = 'done') AS "已销号"
FROM actions a
JOIN entities e ON e.code = a.owner
WHERE a.owner IN ($owner)
GROUP BY e.name_zh
ORDER BY 3 DESC, 2 DESC, 1`)).
			Thresholds(thresholds("green", 1.0, "red"))).
		WithPanel(tablePanel("逾期事项").Span(12).Height(10).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT a.id AS "编号", coalesce(nullif(a.title, ''), a.problem) AS "事项", e.name_zh AS "责任单位",
       a.due AS "完成时限", `+todayInChina+` - a.due AS "逾期天数", a.status AS "状态", a.origin AS "来源"
FROM actions a
JOIN entities e ON e.code = a.owner
WHERE a.status IN ('open', 'in_progress') AND a.due < `+todayInChina+` AND a.owner IN ($owner)
ORDER BY 5 DESC, 1`))).
		WithPanel(seriesPanel("每月销号事项", "none").Span(12).Decimals(0).
			Datasource(pgRef()).WithTarget(sqlSeries("A", `SELECT date_trunc('month', a.closed)::timestamptz AS "time", '销号事项' AS metric, count(*) AS value
FROM actions a
WHERE a.status = 'done' AND a.owner IN ($owner)
GROUP BY 1
ORDER BY 1`))).
		WithPanel(tablePanel("单位考核排名（末位标记）").Span(12).Height(12).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT e.name_zh AS "单位", to_char(r.period, 'YYYY-MM') AS "月份", r.value AS "排名", s.value AS "得分",
       CASE WHEN r.last AND p.last THEN '连续末位（约谈）' WHEN r.last THEN '末位' ELSE '' END AS "末位"
FROM (`+unitRanks+`) r
JOIN entities e ON e.code = r.entity
LEFT JOIN (`+unitRanks+`) p ON p.entity = r.entity AND p.period = (r.period - interval '1 month')::date
LEFT JOIN observations s ON s.entity = r.entity AND s.period = r.period AND s.indicator = 'unit_assessment_score'
WHERE r.period = (SELECT max(period) FROM observations WHERE indicator = 'unit_assessment_rank' AND $__timeFilter(period))
ORDER BY r.value DESC, 1`))).
		WithPanel(tablePanel("事项时间线").Span(24).Height(12).
			Datasource(pgRef()).WithTarget(sqlTable("A", `SELECT t.at AS "时间", t.id AS "编号", e.name_zh AS "责任单位", t.event AS "事件", t.who AS "人员"
FROM (
    SELECT id, owner, opened::timestamp AS at, '立项：' || coalesce(nullif(title, ''), problem) AS event, '' AS who FROM actions
    UNION ALL
    SELECT id, owner, closed::timestamp, '销号', '' FROM actions WHERE closed IS NOT NULL
    UNION ALL
    SELECT n.action, a.owner, n.noted::timestamp, '进展：' || n.text, n.author FROM action_notes n JOIN actions a ON a.id = n.action
    UNION ALL
    SELECT r.action, a.owner, r.replaced_at AT TIME ZONE 'Asia/Shanghai', '修改：' || array_to_string(r.fields, '、'), r.replaced_by
    FROM action_revisions r JOIN actions a ON a.id = r.action
) t (id, owner, at, event, who)
JOIN entities e ON e.code = t.owner
WHERE t.owner IN ($owner)
ORDER BY t.at DESC, t.id
LIMIT 500`)))
}
