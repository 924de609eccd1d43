package prometheus_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/deploy/demo/demotest"
)

// prometheus-sharded.yml, pointed at a real bizenv serve with the demo
// data and scraped by a real Prometheus: every shard job's series arrive
// under job="bizenv", the info series only from shard 0, each series once,
// and the repository's rules fire the district's decline streak as they do
// with one scrape job, annotations (which read the info series) included.
func TestShardedScrapeConfig(t *testing.T) {
	prometheusBin := lookPath(t, "prometheus")
	dir := t.TempDir()
	_, dsn := demotest.NewDB(t)
	bizenvURL, err := url.Parse(demotest.Serve(t, dsn))
	if err != nil {
		t.Fatal(err)
	}

	example, err := os.ReadFile("prometheus-sharded.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(example)
	for _, r := range []struct{ old, new string }{
		{"'bizenv:9817'", "'" + bizenvURL.Host + "'"},
		{"scrape_interval: 1m", "scrape_interval: 1s"},
		{"evaluation_interval: 1m", "evaluation_interval: 1s"},
		{"/etc/prometheus/rules/*.rules.yml", ruleFileFor(t, dir, "1s", streakAlert)},
		{"targets: ['alertmanager:9093']", "targets: []"},
	} {
		if !strings.Contains(cfg, r.old) {
			t.Fatalf("prometheus-sharded.yml no longer has %q", r.old)
		}
		cfg = strings.ReplaceAll(cfg, r.old, r.new)
	}
	promAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	start(t, "prometheus", prometheusBin,
		"--config.file="+writeFile(t, dir, "prometheus.yml", cfg),
		"--storage.tsdb.path="+filepath.Join(dir, "prometheus"),
		"--web.listen-address="+promAddr)
	base := "http://" + promAddr
	waitReady(t, base)

	deadline := time.Now().Add(3 * time.Minute)
	t.Run("the streak fires with its annotations", func(t *testing.T) {
		checkStreakFires(t, base, deadline)
	})

	// Everything is scraped once the streak fired; these compare the
	// stored series with what one unsharded scrape serves.
	families := demotest.Scrape(t, bizenvURL.String())
	whole := func(name string) float64 { return float64(len(families[name].GetMetric())) }
	for _, tc := range []struct {
		query string
		want  float64
	}{
		{`count(up{job="bizenv"} == 1)`, 4},
		{`count(bizenv_indicator_value{job="bizenv"})`, whole("bizenv_indicator_value")},
		{`count(count by (indicator, entity) (bizenv_indicator_value))`, whole("bizenv_indicator_value")},
		{`count(bizenv_entity_info{shard="0"})`, whole("bizenv_entity_info")},
		{`count(bizenv_entity_info{shard!="0"}) or vector(0)`, 0},
		{`count(bizenv_build_info{shard!="0"}) or vector(0)`, 0},
		{`count(count by (shard) (bizenv_indicator_value))`, 4},
	} {
		t.Run(tc.query, func(t *testing.T) {
			if got := instantQuery(t, base, tc.query); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// instantQuery returns the single value of a PromQL query.
func instantQuery(t *testing.T, base, query string) float64 {
	t.Helper()
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	body := get(t, base+"/api/v1/query?query="+url.QueryEscape(query))
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if resp.Status != "success" || len(resp.Data.Result) != 1 {
		t.Fatalf("%s: %s", query, body)
	}
	var v float64
	if _, err := fmt.Sscan(fmt.Sprint(resp.Data.Result[0].Value[1]), &v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}
