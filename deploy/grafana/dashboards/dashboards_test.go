package dashboards_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/bizenv/bizenv/deploy/demo/demotest"
	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
)

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
	want := []string{"bizenv-overview", "bizenv-rank-trend", "bizenv-ywtb", "bizenv-approval", "bizenv-credit", "bizenv-collectors", "bizenv-actions"}
	if !slices.Equal(got, want) {
		t.Errorf("got boards %v, want %v", got, want)
	}
}

// The dashboards' PromQL names only what a real `bizenv serve` holding the
// demo data exports, and each selector selects some of it, so a metric or
// label renamed in the code fails here, not in an analyst's empty panel.
func TestPromQLNamesScrapedMetrics(t *testing.T) {
	_, dsn := demotest.NewDB(t)
	families := demotest.Scrape(t, demotest.Serve(t, dsn))
	demotest.CheckSpecFamilies(t, families)

	panels, err := dashboards.PromQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(panels) < 20 {
		t.Fatalf("got %d PromQL queries, want the dashboards' 20 or more", len(panels))
	}
	variables, err := dashboards.VariableQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(variables) < 1 {
		t.Fatalf("got %d Prometheus variable queries, want collector's", len(variables))
	}
	for _, q := range panels {
		t.Run(q.String(), func(t *testing.T) {
			checkScraped(t, q.Text, grafanaVariables.Replace(q.Text), families)
		})
	}
	for _, q := range variables {
		t.Run(q.String(), func(t *testing.T) {
			m := labelValuesRE.FindStringSubmatch(q.Text)
			if m == nil {
				t.Fatalf("%s is not label_values(selector, label)", q.Text)
			}
			checkScraped(t, q.Text, m[1], families)
			if !hasLabel(families, m[1], m[2]) {
				t.Errorf("%s: no scraped series of %s has label %s", q.Text, m[1], m[2])
			}
		})
	}
}

var labelValuesRE = regexp.MustCompile(`^label_values\((.+), (\w+)\)$`)

// checkScraped parses expr (text, Grafana's variables filled in) and fails
// t for a metric the scrape does not have or a selector that matches none
// of its series.
func checkScraped(t *testing.T, text, expr string, families map[string]*dto.MetricFamily) {
	t.Helper()
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	selectors := demotest.Selectors(parsed)
	if len(selectors) == 0 {
		t.Errorf("%s names no metric", text)
	}
	for _, vs := range selectors {
		name := demotest.MetricName(vs)
		f, ok := families[name]
		if !ok {
			t.Errorf("%s: metric %q is not in the scrape of bizenv serve", text, name)
			continue
		}
		if !demotest.SelectsSome(vs, f) {
			t.Errorf("%s: %s selects none of the scraped %s series", text, vs, name)
		}
	}
}

func hasLabel(families map[string]*dto.MetricFamily, selector, label string) bool {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(selector)
	if err != nil {
		return false
	}
	for _, vs := range demotest.Selectors(expr) {
		for _, m := range families[demotest.MetricName(vs)].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					return true
				}
			}
		}
	}
	return false
}

func TestSQLQueries(t *testing.T) {
	qs, err := dashboards.SQLQueries()
	if err != nil {
		t.Fatal(err)
	}
	perBoard := make(map[string]int)
	for _, q := range qs {
		perBoard[q.Dashboard]++
		if !strings.HasPrefix(q.Text, "SELECT ") && !strings.HasPrefix(q.Text, "WITH ") {
			t.Errorf("%s: got %q, want a SELECT (or WITH ... SELECT)", q, q.Text)
		}
	}
	for _, uid := range []string{"bizenv-rank-trend", "bizenv-ywtb", "bizenv-approval", "bizenv-credit", "bizenv-collectors", "bizenv-actions"} {
		if perBoard[uid] == 0 {
			t.Errorf("%s: got no SQL query, want its PostgreSQL history", uid)
		}
	}
}
