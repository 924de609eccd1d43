package dashboards_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
)

func TestExpandMacros(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2025, 6, 30, 16, 0, 0, 0, time.FixedZone("CST", 8*3600))
	vars := map[string]string{
		"entity":    "wuhan-edz",
		"indicator": "ywtb_full_online,item_claim_rate",
		"collector": "ywtb",
		"note":      "it's",
	}
	tests := []struct {
		name, sql, want string
	}{
		{"timeFilter", "WHERE $__timeFilter(o.period)", "WHERE o.period BETWEEN '2024-01-01T00:00:00Z' AND '2025-06-30T08:00:00Z'"},
		{"timeFrom and timeTo", "$__timeFrom() < x AND x < $__timeTo()", "'2024-01-01T00:00:00Z' < x AND x < '2025-06-30T08:00:00Z'"},
		{"timeGroup month", "$__timeGroup(period, '1M')", "extract(epoch from date_trunc('month', period))"},
		{"timeGroup year", "$__timeGroup(period,'1y')", "extract(epoch from date_trunc('year', period))"},
		{"timeGroup day", "$__timeGroup(created_at, '1d')", "floor(extract(epoch from created_at)/86400)*86400"},
		{"timeGroup minutes", "$__timeGroup(created_at, 5m)", "floor(extract(epoch from created_at)/300)*300"},
		{"timeGroupAlias", "SELECT $__timeGroupAlias(r.created_at, '1d'), count(*)", `SELECT floor(extract(epoch from r.created_at)/86400)*86400 AS "time", count(*)`},
		{"time", "SELECT $__time(started_at)", `SELECT started_at AS "time"`},
		{"timeEpoch", "SELECT $__timeEpoch(started_at)", `SELECT extract(epoch from started_at) AS "time"`},
		{"unixEpochFilter", "WHERE $__unixEpochFilter(ts)", "WHERE ts >= 1704067200 AND ts <= 1751270400"},
		{"unixEpochFrom and To", "$__unixEpochFrom() $__unixEpochTo()", "1704067200 1751270400"},
		{"quoted single", "entity = '$entity'", "entity = 'wuhan-edz'"},
		{"quoted braces", "entity = '${entity}'", "entity = 'wuhan-edz'"},
		{"bare single", "code = $entity", "code = wuhan-edz"},
		{"braces single", "code = ${entity}", "code = wuhan-edz"},
		{"brackets", "code = [[entity]]", "code = wuhan-edz"},
		{"multi", "indicator IN ($indicator)", "indicator IN ('ywtb_full_online','item_claim_rate')"},
		{"multi braces", "indicator IN (${indicator})", "indicator IN ('ywtb_full_online','item_claim_rate')"},
		{"multi quoted", "indicator IN ('$indicator')", "indicator IN ('ywtb_full_online','item_claim_rate')"},
		{"multi with one value", "name IN ($collector)", "name IN ('ywtb')"},
		{"format csv", "'${indicator:csv}'", "'ywtb_full_online,item_claim_rate'"},
		{"format sqlstring", "${entity:sqlstring}", "'wuhan-edz'"},
		{"quote in value", "note = '$note'", "note = 'it''s'"},
		{"unknown variable", "x = '$nothing'", "x = '$nothing'"},
		{"macro and variable", "WHERE o.entity = '$entity' AND $__timeFilter(o.period)", "WHERE o.entity = 'wuhan-edz' AND o.period BETWEEN '2024-01-01T00:00:00Z' AND '2025-06-30T08:00:00Z'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dashboards.ExpandMacros(tt.sql, from, to, vars)
			if got != tt.want {
				t.Errorf("ExpandMacros(%q)\n got %q\nwant %q", tt.sql, got, tt.want)
			}
		})
	}
}

// Every dashboard SQL query loses all its macros and variables.
func TestExpandMacrosLeavesNoneInDashboards(t *testing.T) {
	qs, err := dashboards.SQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"entity": "wuhan-edz", "indicator": "ywtb_full_online", "collector": "ywtb", "owner": "edz-dev-reform", "composite": "city_assessment_score"}
	from, to := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range qs {
		t.Run(q.String(), func(t *testing.T) {
			got := dashboards.ExpandMacros(q.Text, from, to, vars)
			for _, c := range []string{"$", "[["} {
				if strings.Contains(got, c) {
					t.Errorf("expanded query still has %q:\n%s", c, got)
				}
			}
		})
	}
}
