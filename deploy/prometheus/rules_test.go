// Package prometheus_test checks the alert rules against a real bizenv:
// the metrics they name, and the whole path from a scrape to a delivered
// notification through real Prometheus and Alertmanager servers.
package prometheus_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/bizenv/bizenv/deploy/demo/demotest"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const rulesFile = "rules/bizenv.rules.yml"

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	Annotations map[string]string `yaml:"annotations"`

	// recordedBefore holds the series recorded by the rules before this
	// one in its group: within a group rules run in order at one time, so
	// those are fresh when this rule runs (set by readRules).
	recordedBefore map[string]bool
}

func readRules(t *testing.T) []rule {
	t.Helper()
	content, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(content, &f); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	var rules []rule
	for _, g := range f.Groups {
		recorded := map[string]bool{}
		for _, r := range g.Rules {
			r.recordedBefore = maps.Clone(recorded)
			rules = append(rules, r)
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	if len(rules) == 0 {
		t.Fatalf("%s has no rules", rulesFile)
	}
	return rules
}

// annotationQueryRE finds the PromQL of the annotations' query lookups:
// query (printf `EXPR` $labels.x ...).
var annotationQueryRE = regexp.MustCompile("query \\(printf `([^`]+)`")

// printfVerbRE finds the lookups' label values: %s, or %[1]s for a value
// used twice.
var printfVerbRE = regexp.MustCompile(`%(\[\d+\])?s`)

// Every rule expression names only metrics a real `bizenv serve` holding
// the demo data exports, and every selector selects some of its series, or
// series recorded by an earlier rule of its group (a later rule or another
// group would give the previous evaluation's figures); the annotations'
// lookups name only exported metrics too (their label values come from the
// alert, so only the names are checked), and every alert states figures.
func TestRulesNameScrapedMetrics(t *testing.T) {
	rules := readRules(t)
	_, dsn := demotest.NewDB(t)
	// A collector scheduled every second, so that the scheduler's own
	// metric (bizenv_collector_last_scheduled_timestamp_seconds) is there,
	// with a title (bizenv_collector_info).
	config := filepath.Join(t.TempDir(), "bizenv.yml")
	inbox := t.TempDir()
	yml := "collectors:\n  - name: heartbeat\n    title: 心跳\n    schedule: \"@every 1s\"\n    tabular: {path: " + inbox + "/*.csv, layout: long}\n"
	if err := os.WriteFile(config, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	base := demotest.Serve(t, dsn, "--config.file="+config)
	families := demotest.Scrape(t, base)
	for start := time.Now(); families["bizenv_collector_last_scheduled_timestamp_seconds"] == nil; families = demotest.Scrape(t, base) {
		if time.Since(start) > 15*time.Second {
			t.Fatal("the heartbeat collector's schedule did not fire within 15s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	demotest.CheckSpecFamilies(t, families)

	recorded := map[string]bool{}
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	for i, r := range rules {
		name := r.Alert + r.Record
		t.Run(name+"/expr", func(t *testing.T) {
			selectors := parse(t, r.Expr)
			if len(selectors) == 0 {
				t.Errorf("rule %d (%s) names no metric", i, name)
			}
			for _, vs := range selectors {
				if r.recordedBefore[demotest.MetricName(vs)] {
					continue
				}
				f, ok := families[demotest.MetricName(vs)]
				switch {
				case !ok && recorded[demotest.MetricName(vs)]:
					t.Errorf("rule %d (%s): %s is recorded, but not by an earlier rule of its group", i, name, demotest.MetricName(vs))
				case !ok:
					t.Errorf("rule %d (%s): metric %q is not in the scrape of bizenv serve", i, name, demotest.MetricName(vs))
				case !demotest.SelectsSome(vs, f):
					t.Errorf("rule %d (%s): %s selects none of the scraped series", i, name, vs)
				}
			}
		})
		if r.Alert == "" {
			continue
		}
		t.Run(name+"/annotations", func(t *testing.T) {
			n := 0
			for key, text := range r.Annotations {
				for _, m := range annotationQueryRE.FindAllStringSubmatch(text, -1) {
					n++
					expr := printfVerbRE.ReplaceAllString(m[1], "x")
					for _, vs := range parse(t, expr) {
						if _, ok := families[demotest.MetricName(vs)]; !ok {
							t.Errorf("rule %d (%s) annotation %s: metric %q is not in the scrape of bizenv serve", i, name, key, demotest.MetricName(vs))
						}
					}
				}
			}
			if n == 0 {
				t.Errorf("rule %d (%s): no query lookups in the annotations, want the figures stated", i, name)
			}
		})
	}
}

func parse(t *testing.T, expr string) []*parser.VectorSelector {
	t.Helper()
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return demotest.Selectors(parsed)
}

// ruleFileFor copies the rule file to dir, with the "for" of the named
// alerts' rules replaced by forDuration; every expression stays as it is.
func ruleFileFor(t *testing.T, dir, forDuration string, alerts ...string) string {
	t.Helper()
	content, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	alertRE := regexp.MustCompile(`^\s*- alert: (\S+)\s*$`)
	forRE := regexp.MustCompile(`^(\s*)for: \S+\s*$`)
	lines := strings.Split(string(content), "\n")
	current, replaced := "", map[string]int{}
	for i, line := range lines {
		if m := alertRE.FindStringSubmatch(line); m != nil {
			current = m[1]
		}
		if m := forRE.FindStringSubmatch(line); m != nil && slices.Contains(alerts, current) {
			lines[i] = m[1] + "for: " + forDuration
			replaced[current]++
		}
	}
	for _, a := range alerts {
		if replaced[a] == 0 {
			t.Fatalf("%s: no for: of alert %s to shorten", rulesFile, a)
		}
	}
	path := filepath.Join(dir, "bizenv.rules.yml")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
