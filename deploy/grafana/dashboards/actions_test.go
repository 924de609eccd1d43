package dashboards_test

import (
	"testing"

	"github.com/bizenv/bizenv/deploy/demo/demotest"
)

// The 整改督办 board marks the demo's laggard last two months running, and
// lists the demo's overdue actions, read as bizenv_readonly.
func TestActionsBoard(t *testing.T) {
	db, _ := demotest.NewDB(t)
	vars := variableSets()["all indicators"]
	run := func(panel string) []map[string]any {
		t.Helper()
		return panelRows(t, db, "bizenv-actions", panel, demotest.RangeFrom, demotest.RangeTo, vars)
	}
	rank := run("单位考核排名（末位标记）")
	if len(rank) != 43 || rank[0]["单位"] != "示例部门18（合成）" || rank[0]["末位"] != "连续末位（约谈）" || rank[1]["末位"] != "" {
		t.Errorf("ranking: got %d rows, first %v, second %v", len(rank), rank[0], rank[1])
	}
	overdue := run("逾期事项")
	if len(overdue) != 4 || overdue[0]["编号"] != "DEMO-02" { // DEMO-01..04, most overdue first; DEMO-05 is due in 2030
		t.Errorf("overdue: got %v", overdue)
	}
}
