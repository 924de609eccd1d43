package dashboards_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
)

// specMetrics is the metric list of SPEC section 6.
// TODO: check it against a real scrape of bizenv once `bizenv serve`
// exports /metrics, so a metric renamed in code fails this test too.
var specMetrics = []string{
	"bizenv_indicator_value",
	"bizenv_indicator_period_timestamp_seconds",
	"bizenv_indicator_previous_value",
	"bizenv_indicator_change",
	"bizenv_indicator_improvement",
	"bizenv_indicator_decline_streak",
	"bizenv_indicator_target",
	"bizenv_indicator_target_met",
	"bizenv_indicator_vs_benchmark",
	"bizenv_indicator_info",
	"bizenv_entity_info",
	"bizenv_collector_last_run_timestamp_seconds",
	"bizenv_collector_last_success_timestamp_seconds",
	"bizenv_collector_last_run_success",
	"bizenv_collector_runs_total",
	"bizenv_collector_records_total",
	"bizenv_build_info",
}

// grafanaVariables stands in for what Grafana substitutes before a query
// reaches Prometheus.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "4m",
	"$__interval", "1m",
	"$__range", "30d",
	"$entity", "wuhan-edz",
	"$indicator", "city_assessment_rank|ywtb_full_online",
	"$collector", "city-assessment|ywtb",
)

func TestCommittedJSON(t *testing.T) {
	files, err := dashboards.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run go run ./deploy/grafana/gen)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from what the code builds; run go run ./deploy/grafana/gen", name)
			}
		})
	}
}

func TestBoardsAreSix(t *testing.T) {
	var got []string
	for _, b := range dashboards.Boards() {
		got = append(got, b.UID)
	}
	want := []string{"bizenv-overview", "bizenv-rank-trend", "bizenv-ywtb", "bizenv-approval", "bizenv-credit", "bizenv-collectors"}
	if !slices.Equal(got, want) {
		t.Errorf("got boards %v, want %v", got, want)
	}
}

func TestPromQLParsesAndNamesSpecMetrics(t *testing.T) {
	qs, err := dashboards.PromQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 20 {
		t.Fatalf("got %d PromQL queries, want the dashboards' 20 or more", len(qs))
	}
	for _, q := range qs {
		t.Run(q.String(), func(t *testing.T) {
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVariables.Replace(q.Text))
			if err != nil {
				t.Fatalf("%s: %v", q.Text, err)
			}
			names := metricNames(expr)
			if len(names) == 0 {
				t.Errorf("%s names no metric", q.Text)
			}
			for _, name := range names {
				if !slices.Contains(specMetrics, name) {
					t.Errorf("%s: metric %s is not in SPEC section 6", q.Text, name)
				}
			}
		})
	}
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.+), (\w+)\)$`)

func TestVariableQueriesNameSpecMetrics(t *testing.T) {
	qs, err := dashboards.VariableQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		t.Run(q.String(), func(t *testing.T) {
			m := labelValuesRE.FindStringSubmatch(q.Text)
			if m == nil {
				t.Fatalf("%s is not label_values(selector, label)", q.Text)
			}
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(m[1])
			if err != nil {
				t.Fatalf("%s: %v", q.Text, err)
			}
			for _, name := range metricNames(expr) {
				if !slices.Contains(specMetrics, name) {
					t.Errorf("%s: metric %s is not in SPEC section 6", q.Text, name)
				}
			}
		})
	}
}

func metricNames(expr parser.Expr) []string {
	var names []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					names = append(names, m.Value)
				}
			}
		}
		return nil
	})
	return names
}

func TestSQLQueries(t *testing.T) {
	qs, err := dashboards.SQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	perBoard := make(map[string]int)
	for _, q := range qs {
		perBoard[q.Dashboard]++
		if !strings.HasPrefix(q.Text, "SELECT ") {
			t.Errorf("%s: got %q, want a SELECT", q, q.Text)
		}
	}
	for _, uid := range []string{"bizenv-rank-trend", "bizenv-ywtb", "bizenv-approval", "bizenv-credit", "bizenv-collectors"} {
		if perBoard[uid] == 0 {
			t.Errorf("%s: got no SQL query, want its PostgreSQL history", uid)
		}
	}
}
