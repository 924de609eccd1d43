package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// scrapeHealth are the families that describe one scrape, served on every
// shard.
var scrapeHealth = []string{"bizenv_scrape_success", "bizenv_data_stale", "bizenv_scrape_duration_seconds"}

// sample is one parsed series of a scrape.
type sample struct {
	family string
	labels map[string]string
	value  float64
}

// key names a series: its family and labels.
func (s sample) key() string {
	var ls []string
	for k, v := range s.labels {
		ls = append(ls, fmt.Sprintf("%s=%q", k, v))
	}
	slices.Sort(ls)
	return s.family + "{" + strings.Join(ls, ",") + "}"
}

// scrapeSamples scrapes url (gzipped, as Prometheus does) and parses it.
func scrapeSamples(t *testing.T, url string) []sample {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("%s: parse: %v", url, err)
	}
	var out []sample
	for name, f := range families {
		for _, m := range f.GetMetric() {
			out = append(out, sample{family: name, labels: labelsOf(m), value: valueOf(m)})
		}
	}
	return out
}

func labelsOf(m *dto.Metric) map[string]string {
	ls := map[string]string{}
	for _, l := range m.GetLabel() {
		ls[l.GetName()] = l.GetValue()
	}
	return ls
}

func valueOf(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

// perScrape says whether a family's values change from one scrape to the
// next by themselves: the scrape's health and the Go runtime and process.
func perScrape(family string) bool {
	return slices.Contains(scrapeHealth, family) || strings.HasPrefix(family, "go_") || strings.HasPrefix(family, "process_")
}

// The shards of /metrics, scraped from a real serve over the demo data,
// split it: every series is on exactly one shard (the scrape's own health
// aside), the union is the whole exposition, each entity's series are on the
// shard its code hashes to, and the catalog, collector and process series
// are on shard 0.
func TestMetricsShards(t *testing.T) {
	dsn := pgtest.DSN(t)
	importDemoSeries(t, dsn)
	cfg, _ := demoConfig(t, nil)
	if r := runBizenv(t, dsn, "collect", "--config.file", cfg); r.err != nil {
		t.Fatalf("collect: %v\n%s", r.err, r.stderr)
	}
	base, _ := startServe(t, dsn)

	whole := map[string]sample{}
	for _, s := range scrapeSamples(t, base+"/metrics") {
		whole[s.key()] = s
	}
	for _, family := range []string{"bizenv_indicator_value", "bizenv_indicator_info", "bizenv_entity_info",
		"bizenv_build_info", "bizenv_collector_runs_total", "bizenv_indicator_vs_benchmark"} {
		found := false
		for _, s := range whole {
			found = found || s.family == family
		}
		if !found {
			t.Fatalf("the whole exposition has no %s: the demo data no longer exercises it", family)
		}
	}

	for _, n := range []int{2, 3, 7} {
		t.Run(fmt.Sprintf("%d shards", n), func(t *testing.T) {
			seen := map[string]int{} // series key -> shard
			for k := range n {
				got := scrapeSamples(t, fmt.Sprintf("%s/metrics?shard=%d&shards=%d", base, k, n))
				series := 0
				for _, s := range got {
					if slices.Contains(scrapeHealth, s.family) {
						continue
					}
					key := s.key()
					if other, dup := seen[key]; dup {
						t.Errorf("%s on shard %d and on shard %d", key, other, k)
					}
					seen[key] = k
					w, ok := whole[key]
					switch {
					case !ok:
						t.Errorf("shard %d serves %s, which the whole exposition lacks", k, key)
					case !perScrape(s.family) && w.value != s.value:
						t.Errorf("shard %d: %s = %v, the whole exposition has %v", k, key, s.value, w.value)
					}
					entity, perEntity := s.labels["entity"]
					if s.family == "bizenv_entity_info" {
						perEntity = false
					}
					switch {
					case perEntity && metrics.ShardOf(entity, n) != k:
						t.Errorf("%s on shard %d, want shard %d (by its entity)", key, k, metrics.ShardOf(entity, n))
					case !perEntity && k != 0:
						t.Errorf("%s on shard %d, want shard 0", key, k)
					}
					if perEntity {
						series++
					}
				}
				if series == 0 {
					t.Errorf("shard %d of %d serves no entity's series", k, n)
				}
			}
			for key, s := range whole {
				if _, ok := seen[key]; !ok && !slices.Contains(scrapeHealth, s.family) {
					t.Errorf("%s is on no shard", key)
				}
			}
		})
	}

	t.Run("one shard is the whole", func(t *testing.T) {
		got := scrapeSamples(t, base+"/metrics?shard=0&shards=1")
		keys := map[string]bool{}
		for _, s := range got {
			keys[s.key()] = true
		}
		for key := range whole {
			if !keys[key] {
				t.Errorf("shard 0 of 1 lacks %s", key)
			}
		}
	})

	for _, tc := range []struct{ query, want string }{
		{"shard=1", "bad shard parameters: give shard and shards once each, or neither"},
		{"shards=2", "bad shard parameters: give shard and shards once each, or neither"},
		{"shard=0&shard=1&shards=2", "bad shard parameters: give shard and shards once each, or neither"},
		{"shard=2&shards=2", `bad shard parameters: shard must be a whole number from 0 to 1 (shards - 1), got "2"`},
		{"shard=-1&shards=2", `bad shard parameters: shard must be a whole number from 0 to 1 (shards - 1), got "-1"`},
		{"shard=a&shards=2", `bad shard parameters: shard must be a whole number from 0 to 1 (shards - 1), got "a"`},
		{"shard=0&shards=0", `bad shard parameters: shards must be a whole number from 1 to 1024, got "0"`},
		{"shard=0&shards=1025", `bad shard parameters: shards must be a whole number from 1 to 1024, got "1025"`},
		{"shard=0&shards=x", `bad shard parameters: shards must be a whole number from 1 to 1024, got "x"`},
	} {
		t.Run(tc.query, func(t *testing.T) {
			code, body := get(t, base+"/metrics?"+tc.query)
			if code != http.StatusBadRequest || strings.TrimSpace(body) != tc.want {
				t.Errorf("got %d %q, want 400 %q", code, body, tc.want)
			}
		})
	}
}
