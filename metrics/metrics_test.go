package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

// Metric names by group, for comparing one group against a golden file.
var (
	seriesMetrics = []string{
		"bizenv_indicator_value",
		"bizenv_indicator_period_timestamp_seconds",
		"bizenv_indicator_previous_value",
		"bizenv_indicator_change",
		"bizenv_indicator_improvement",
		"bizenv_indicator_decline_streak",
		"bizenv_indicator_target",
		"bizenv_indicator_target_met",
		"bizenv_indicator_vs_benchmark",
	}
	catalogMetrics   = []string{"bizenv_indicator_info", "bizenv_entity_info", "bizenv_indicator_frequency_months"}
	collectorMetrics = []string{
		"bizenv_collector_last_run_timestamp_seconds",
		"bizenv_collector_last_success_timestamp_seconds",
		"bizenv_collector_last_run_success",
		"bizenv_collector_runs_total",
		"bizenv_collector_records_total",
	}
	// Everything but bizenv_scrape_duration_seconds, which varies.
	healthMetrics = []string{"bizenv_scrape_success", "bizenv_data_stale"}
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func obs(ind, ent, period string, v float64) bizenv.Observation {
	p, err := bizenv.ParsePeriod(period)
	if err != nil {
		panic(err)
	}
	return bizenv.Observation{Indicator: ind, Entity: ent, Period: p, Value: v, Source: "test"}
}

func store(t testing.TB, db *postgres.DB, o ...bizenv.Observation) {
	t.Helper()
	run, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "test", Observations: o})
	if err != nil {
		t.Fatal(err)
	}
	if run.Rejected > 0 || run.Outcome != bizenv.OutcomeSuccess {
		t.Fatalf("store: run %+v", run)
	}
}

// golden compares the named metrics c collects with testdata/name.prom,
// rewriting the file first under -update.
func golden(t *testing.T, c prometheus.Collector, name string, metricNames ...string) {
	t.Helper()
	path := filepath.Join("testdata", name+".prom")
	if *update {
		got, err := testutil.CollectAndFormat(c, expfmt.TypeTextPlain, metricNames...)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.CollectAndCompare(c, bytes.NewReader(want), metricNames...); err != nil {
		t.Errorf("%s: %v", path, err)
	}
}

// compare compares the named metrics c collects with the exposition want.
func compare(t *testing.T, c prometheus.Collector, want string, metricNames ...string) {
	t.Helper()
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), metricNames...); err != nil {
		t.Error(err)
	}
}

func TestSeriesFigures(t *testing.T) {
	db := pgtest.New(t)
	store(t, db,
		// higher_better: three declines in a row, Jan has no month before it.
		obs("city_assessment_score", "wuhan-edz", "2020-01", 90),
		obs("city_assessment_score", "wuhan-edz", "2020-02", 88),
		obs("city_assessment_score", "wuhan-edz", "2020-03", 85),
		obs("city_assessment_score", "wuhan-edz", "2020-04", 84),
		obs("city_assessment_score", "wuhan-avg", "2020-03", 80),
		obs("city_assessment_score", "wuhan-avg", "2020-04", 86), // edz is 2 worse
		// higher_better, improved: no streak, better than the average.
		obs("city_assessment_score", "wuhan-jiangan", "2020-03", 85),
		obs("city_assessment_score", "wuhan-jiangan", "2020-04", 89.5),

		// lower_better: declined Feb and May, but the missing March ends
		// the streak at 1; the average has no May, so no vs_benchmark.
		obs("city_assessment_rank", "wuhan-edz", "2020-01", 5),
		obs("city_assessment_rank", "wuhan-edz", "2020-02", 7),
		obs("city_assessment_rank", "wuhan-edz", "2020-04", 8),
		obs("city_assessment_rank", "wuhan-edz", "2020-05", 10),
		obs("city_assessment_rank", "wuhan-avg", "2020-04", 6),
		// lower_better, unchanged: improvement 0, not -0.
		obs("city_assessment_rank", "wuhan-jiangan", "2020-04", 3),
		obs("city_assessment_rank", "wuhan-jiangan", "2020-05", 3),
		// lower_better, improved, better than the average in April.
		obs("city_assessment_rank", "wuhan-hanyang", "2020-03", 5),
		obs("city_assessment_rank", "wuhan-hanyang", "2020-04", 4),

		// neutral: falling every month is no decline; vs_benchmark is the
		// plain difference.
		obs("sme_loan_demand_amount", "wuhan-edz", "2020-01", 300),
		obs("sme_loan_demand_amount", "wuhan-edz", "2020-02", 200),
		obs("sme_loan_demand_amount", "wuhan-edz", "2020-03", 100),
		obs("sme_loan_demand_amount", "wuhan-avg", "2020-03", 150),

		// annual, stored at December: the previous value is the December
		// before, not the stray June; 2021 and 2022 declined, 2020 did not.
		obs("edz_index_rank", "wuhan-edz", "2019-12", 30),
		obs("edz_index_rank", "wuhan-edz", "2020-12", 25),
		obs("edz_index_rank", "wuhan-edz", "2021-12", 28),
		obs("edz_index_rank", "wuhan-edz", "2022-06", 50),
		obs("edz_index_rank", "wuhan-edz", "2022-12", 35),
		// annual with a missing year: no previous value, no streak.
		obs("edz_index_rank", "wuhan-jiangan", "2020-12", 10),
		obs("edz_index_rank", "wuhan-jiangan", "2022-12", 12),

		// targets: item_claim_rate >= 0.95, bizstart_days <= 1.
		obs("item_claim_rate", "wuhan-edz", "2020-04", 0.96),
		obs("item_claim_rate", "wuhan-jiangan", "2020-04", 0.9),
		obs("bizstart_days", "wuhan-edz", "2020-04", 1),
		obs("bizstart_days", "wuhan-jiangan", "2020-04", 2),
	)
	c := metrics.New(db, discard())
	golden(t, c, "series", seriesMetrics...)
	t.Run("no negative zero", func(t *testing.T) {
		// The text format prints -0 as 0, the protobuf format does not.
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(c)
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range families {
			for _, m := range mf.GetMetric() {
				if v := m.GetGauge().GetValue(); v == 0 && math.Signbit(v) {
					t.Errorf("%s%v is -0", mf.GetName(), m.GetLabel())
				}
			}
		}
	})
	golden(t, c, "catalog", catalogMetrics...)
	compare(t, c, `
# HELP bizenv_scrape_success 1 if this scrape read the database, else 0.
# TYPE bizenv_scrape_success gauge
bizenv_scrape_success 1
# HELP bizenv_data_stale 1 if this scrape could not read the database and serves the last snapshot it read before, else 0.
# TYPE bizenv_data_stale gauge
bizenv_data_stale 0
`, healthMetrics...)
}

func TestCollectorHealth(t *testing.T) {
	db := pgtest.New(t)
	_, err := pgtest.SQL(t, db).Exec(`INSERT INTO runs (kind, name, started_at, finished_at, outcome, inserted, updated, unchanged, rejected) VALUES
		('collector', 'ywtb', '2024-01-01 08:00:00Z', '2024-01-01 08:01:00Z', 'success', 10, 0, 0, 0),
		('collector', 'ywtb', '2024-01-02 08:00:00Z', '2024-01-02 08:02:00.5Z', 'partial', 2, 1, 0, 3),
		('collector', 'ywtb', '2024-01-03 08:00:00Z', '2024-01-03 08:00:30Z', 'failure', 0, 0, 0, 0),
		('collector', 'ywtb', '2024-01-04 08:00:00Z', NULL, 'running', 0, 0, 0, 0),
		('collector', 'worldbank', '2024-01-01 04:00:00Z', '2024-01-01 04:00:10Z', 'failure', 0, 0, 0, 0),
		('collector', 'worldbank', '2024-01-02 04:00:00Z', '2024-01-02 04:00:10Z', 'success', 0, 0, 5, 0),
		('collector', 'tax-credit', '2024-01-05 07:00:00Z', NULL, 'running', 0, 0, 0, 0),
		('import', 'import', '2024-01-05 07:00:00Z', '2024-01-05 07:00:01Z', 'success', 99, 0, 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, metrics.New(db, discard()), "collectors", collectorMetrics...)
}

// A write through another pool, as by another process, shows on the next
// scrape: nothing is cached.
func TestScrapeSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dsn, discard())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	reader, writer := open(), open()
	if err := reader.ApplyCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	c := metrics.New(reader, discard())
	if n := testutil.CollectAndCount(c, "bizenv_indicator_value"); n != 0 {
		t.Fatalf("before the write: got %d values, want 0", n)
	}
	store(t, writer, obs("city_assessment_rank", "wuhan-edz", "2021-03", 4))
	compare(t, c, `
# HELP bizenv_indicator_value Value of the latest period, in the indicator's unit.
# TYPE bizenv_indicator_value gauge
bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 4
`, "bizenv_indicator_value")
	store(t, writer, obs("city_assessment_rank", "wuhan-edz", "2021-04", 6))
	compare(t, c, `
# HELP bizenv_indicator_value Value of the latest period, in the indicator's unit.
# TYPE bizenv_indicator_value gauge
bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 6
# HELP bizenv_indicator_decline_streak Consecutive periods, ending at the latest, in which the indicator declined; a missing period or a non-decline ends it. Always 0 for neutral indicators.
# TYPE bizenv_indicator_decline_streak gauge
bizenv_indicator_decline_streak{entity="wuhan-edz",indicator="city_assessment_rank"} 1
`, "bizenv_indicator_value", "bizenv_indicator_decline_streak")
}

// With the database gone, a scrape serves the last snapshot it read,
// marked stale, rather than nothing.
func TestStaleSnapshot(t *testing.T) {
	db := pgtest.New(t)
	store(t, db, obs("city_assessment_score", "wuhan-edz", "2021-03", 88))
	c := metrics.New(db, discard(), metrics.WithTimeout(5*time.Second))
	names := append([]string{"bizenv_indicator_value"}, healthMetrics...)
	golden(t, c, "fresh", names...)
	db.Close()
	golden(t, c, "stale", names...)
}

// failingSource never reads a snapshot.
type failingSource struct{}

func (failingSource) Snapshot(context.Context) (*bizenv.Snapshot, error) {
	return nil, errors.New("connection refused")
}

func TestNoSnapshotYet(t *testing.T) {
	c := metrics.New(failingSource{}, discard())
	compare(t, c, `
# HELP bizenv_scrape_success 1 if this scrape read the database, else 0.
# TYPE bizenv_scrape_success gauge
bizenv_scrape_success 0
# HELP bizenv_data_stale 1 if this scrape could not read the database and serves the last snapshot it read before, else 0.
# TYPE bizenv_data_stale gauge
bizenv_data_stale 0
`, healthMetrics...)
	if n := testutil.CollectAndCount(c); n != 3 {
		t.Errorf("got %d metrics, want 3: success, duration and stale", n)
	}
}

// hangingSource answers only when its context ends, as a database that
// accepts the connection and never replies.
type hangingSource struct{}

func (hangingSource) Snapshot(ctx context.Context) (*bizenv.Snapshot, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestScrapeTimeout(t *testing.T) {
	c := metrics.New(hangingSource{}, discard(), metrics.WithTimeout(10*time.Millisecond))
	compare(t, c, `
# HELP bizenv_scrape_success 1 if this scrape read the database, else 0.
# TYPE bizenv_scrape_success gauge
bizenv_scrape_success 0
`, "bizenv_scrape_success")
}

// snapshotSource serves a fixed snapshot, for what PostgreSQL would not
// store, such as text that is not UTF-8.
type snapshotSource struct{ s *bizenv.Snapshot }

func (s snapshotSource) Snapshot(context.Context) (*bizenv.Snapshot, error) { return s.s, nil }

func TestHostileLabelValues(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	err := db.ApplyCatalog(ctx, bizenv.Catalog{Entities: []bizenv.Entity{{
		Code: "wuhan-hostile", NameZH: "他说\"好\"\n第二行\\", NameEN: `} 1\nbizenv_fake{x="`, Kind: "district", Parent: "wuhan", Benchmark: "wuhan-avg",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	store(t, db, obs("city_assessment_score", "wuhan-hostile", "2021-03", 70))
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("quotes and newlines are escaped", func(t *testing.T) {
		families := scrape(t, metrics.New(db, discard()))
		info := find(families["bizenv_entity_info"], "entity", "wuhan-hostile")
		if info == nil {
			t.Fatal("no bizenv_entity_info for wuhan-hostile")
		}
		if got, want := label(info, "name_zh"), "他说\"好\"\n第二行\\"; got != want {
			t.Errorf("name_zh: got %q, want %q", got, want)
		}
		if _, ok := families["bizenv_fake"]; ok {
			t.Error("a label value injected a metric")
		}
	})

	t.Run("invalid UTF-8 skips only that series", func(t *testing.T) {
		bad := *snap
		bad.Catalog.Entities = append([]bizenv.Entity(nil), snap.Catalog.Entities...)
		for i, e := range bad.Catalog.Entities {
			if e.Code == "wuhan-hostile" {
				bad.Catalog.Entities[i].NameZH = "坏\xff\xfe"
			}
		}
		families := scrape(t, metrics.New(snapshotSource{&bad}, discard()))
		if find(families["bizenv_entity_info"], "entity", "wuhan-hostile") != nil {
			t.Error("bizenv_entity_info with invalid UTF-8 was exposed")
		}
		if got, want := len(families["bizenv_entity_info"].GetMetric()), len(snap.Catalog.Entities)-1; got != want {
			t.Errorf("entity_info series: got %d, want %d", got, want)
		}
		if find(families["bizenv_indicator_value"], "entity", "wuhan-hostile") == nil {
			t.Error("the entity's values were skipped too")
		}
		if got := families["bizenv_scrape_success"].GetMetric()[0].GetGauge().GetValue(); got != 1 {
			t.Errorf("scrape_success: got %v, want 1", got)
		}
	})
}

// scrape serves c over HTTP as the CLI does and parses the exposition.
func scrape(t *testing.T, c prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %s: %s", resp.Status, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return families
}

func find(mf *dto.MetricFamily, name, value string) *dto.Metric {
	for _, m := range mf.GetMetric() {
		if label(m, name) == value {
			return m
		}
	}
	return nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestBuildInfo(t *testing.T) {
	c := metrics.NewBuildInfo("1.2.3", "abc123")
	families := scrape(t, c)
	m := families["bizenv_build_info"].GetMetric()
	if len(m) != 1 {
		t.Fatalf("got %d bizenv_build_info series, want 1", len(m))
	}
	for name, want := range map[string]string{"version": "1.2.3", "revision": "abc123"} {
		if got := label(m[0], name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if label(m[0], "goversion") == "" {
		t.Error("goversion is empty")
	}
	if got := m[0].GetGauge().GetValue(); got != 1 {
		t.Errorf("value: got %v, want 1", got)
	}
}
