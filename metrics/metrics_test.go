package metrics_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/internal/golden"
	"github.com/bizenv/bizenv/internal/roundtrip"
	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

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
		"bizenv_indicator_decline_streak_start_timestamp_seconds",
		"bizenv_indicator_decline_streak_start_value",
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
	// The scrape's own health but bizenv_scrape_duration_seconds, which varies.
	healthMetrics = []string{"bizenv_scrape_success", "bizenv_data_stale"}
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newHandler is the /metrics handler serve builds, on src and the process
// metrics of live.
func newHandler(src metrics.VersionedSource, live prometheus.Gatherer) *metrics.Handler {
	return metrics.NewHandler(src, live, discard())
}

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

// get asks h for /metrics over HTTP, as Prometheus does, plain or gzipped,
// and returns the exposition.
func get(t *testing.T, h http.Handler, gz bool) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req := roundtrip.Request(t, http.MethodGet, srv.URL+"/metrics", nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	} else {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, body := roundtrip.Do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s: %s", resp.Status, body)
	}
	if got, want := resp.Header.Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8"; got != want {
		t.Errorf("Content-Type: got %q, want %q", got, want)
	}
	if !gz {
		return string(body)
	}
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding: got %q, want gzip", got)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scrape asks h for /metrics twice, plain and gzipped, checks that both
// say the same and parse, and returns the exposition with the lines of
// bizenv_scrape_duration_seconds, which vary, left out.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	plain, gzipped := steady(get(t, h, false)), steady(get(t, h, true))
	if plain != gzipped {
		t.Errorf("the gzipped exposition differs from the plain one:\nplain:\n%s\ngzipped:\n%s", plain, gzipped)
	}
	parse(t, plain)
	return plain
}

// handlerScrape asks h for /metrics once, plain or gzipped, and returns its
// metric families by name.
func handlerScrape(t *testing.T, h http.Handler, gz bool) map[string]*dto.MetricFamily {
	t.Helper()
	return parse(t, get(t, h, gz))
}

func steady(exposition string) string {
	return only(exposition, func(name string) bool { return name != "bizenv_scrape_duration_seconds" })
}

// only keeps the lines (HELP, TYPE and samples) of the families keep
// takes.
func only(exposition string, keep func(name string) bool) string {
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(exposition))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name := line
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			if _, rest, ok = strings.Cut(rest, " "); ok {
				name = rest
			}
			name, _, _ = strings.Cut(name, " ")
		} else if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		if keep(name) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func families(names ...string) func(string) bool {
	return func(name string) bool { return slices.Contains(names, name) }
}

// wantGolden compares the families named of what h serves with
// testdata/name.prom, rewriting the file first under -update.
func wantGolden(t *testing.T, h http.Handler, name string, names ...string) {
	t.Helper()
	got := only(scrape(t, h), families(names...))
	golden.Check(t, filepath.Join("testdata", name+".prom"), []byte(got))
}

// compare compares the families named of what h serves with want.
// The order of the families and samples in want does not matter.
func compare(t *testing.T, h http.Handler, want string, names ...string) {
	t.Helper()
	if got := only(scrape(t, h), families(names...)); normalize(got) != normalize(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// normalize sorts the families of an exposition by name and the samples of
// each family.
func normalize(exposition string) string {
	type block struct{ head, samples []string }
	blocks := map[string]*block{}
	for line := range strings.Lines(strings.TrimSpace(exposition)) {
		line = strings.TrimSuffix(line, "\n")
		name := line
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			_, rest, _ = strings.Cut(rest, " ")
			name, _, _ = strings.Cut(rest, " ")
		} else if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		b := blocks[name]
		if b == nil {
			b = &block{}
			blocks[name] = b
		}
		if strings.HasPrefix(line, "#") {
			b.head = append(b.head, line)
		} else {
			b.samples = append(b.samples, line)
		}
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(blocks)) {
		b := blocks[name]
		slices.Sort(b.samples)
		out = append(out, b.head...)
		out = append(out, b.samples...)
	}
	return strings.Join(out, "\n")
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
	h := newHandler(db, prometheus.NewRegistry())
	wantGolden(t, h, "series", seriesMetrics...)
	t.Run("no negative zero", func(t *testing.T) {
		for line := range strings.Lines(scrape(t, h)) {
			if strings.HasSuffix(line, " -0\n") {
				t.Errorf("%s is -0", strings.TrimSpace(line))
			}
		}
	})
	wantGolden(t, h, "catalog", catalogMetrics...)
	compare(t, h, `
# HELP bizenv_data_stale 1 if this scrape could not read the database and serves the last data it read before, else 0.
# TYPE bizenv_data_stale gauge
bizenv_data_stale 0
# HELP bizenv_scrape_success 1 if this scrape read the database, else 0.
# TYPE bizenv_scrape_success gauge
bizenv_scrape_success 1
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
	wantGolden(t, newHandler(db, prometheus.NewRegistry()), "collectors", collectorMetrics...)
}

// A write through another pool, as by another process, shows on the next
// scrape.
func TestScrapeSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	reader, writer := pgtest.Open(t, dsn), pgtest.Open(t, dsn)
	if err := reader.ApplyCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	h := newHandler(reader, prometheus.NewRegistry())
	compare(t, h, "", "bizenv_indicator_value")
	store(t, writer, obs("city_assessment_rank", "wuhan-edz", "2021-03", 4))
	compare(t, h, `
# HELP bizenv_indicator_value Value of the latest period, in the indicator's unit.
# TYPE bizenv_indicator_value gauge
bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 4
`, "bizenv_indicator_value")
	store(t, writer, obs("city_assessment_rank", "wuhan-edz", "2021-04", 6))
	compare(t, h, `
# HELP bizenv_indicator_decline_streak Consecutive periods, ending at the latest, in which the indicator declined; a missing period or a non-decline ends it. Always 0 for neutral indicators.
# TYPE bizenv_indicator_decline_streak gauge
bizenv_indicator_decline_streak{entity="wuhan-edz",indicator="city_assessment_rank"} 1
# HELP bizenv_indicator_value Value of the latest period, in the indicator's unit.
# TYPE bizenv_indicator_value gauge
bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 6
`, "bizenv_indicator_value", "bizenv_indicator_decline_streak")
}

// With the database gone, a scrape serves the last data it read, marked
// stale, rather than nothing.
func TestStaleSnapshot(t *testing.T) {
	db := pgtest.New(t)
	store(t, db, obs("city_assessment_score", "wuhan-edz", "2021-03", 88))
	h := newHandler(db, prometheus.NewRegistry())
	names := append([]string{"bizenv_indicator_value"}, healthMetrics...)
	wantGolden(t, h, "fresh", names...)
	db.Close()
	wantGolden(t, h, "stale", names...)
}

// failingSource never reads anything.
type failingSource struct{}

func (failingSource) Snapshot(context.Context) (*bizenv.Snapshot, error) {
	return nil, errors.New("connection refused")
}

func (failingSource) DataVersion(context.Context) (int64, error) {
	return 0, errors.New("connection refused")
}

func TestNoSnapshotYet(t *testing.T) {
	h := newHandler(failingSource{}, prometheus.NewRegistry())
	got := scrape(t, h)
	want := `# HELP bizenv_data_stale 1 if this scrape could not read the database and serves the last data it read before, else 0.
# TYPE bizenv_data_stale gauge
bizenv_data_stale 0
# HELP bizenv_scrape_success 1 if this scrape read the database, else 0.
# TYPE bizenv_scrape_success gauge
bizenv_scrape_success 0
`
	if got != want {
		t.Errorf("got:\n%s\nwant only the scrape's health:\n%s", got, want)
	}
}

// hangingSource answers only when its context ends, as a database that
// accepts the connection and never replies.
type hangingSource struct{}

func (hangingSource) Snapshot(ctx context.Context) (*bizenv.Snapshot, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (hangingSource) DataVersion(ctx context.Context) (int64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func TestScrapeTimeout(t *testing.T) {
	h := newHandler(hangingSource{}, prometheus.NewRegistry())
	metrics.SetTimeout(h, 10*time.Millisecond)
	compare(t, h, `
# HELP bizenv_scrape_success 1 if this scrape read the database, else 0.
# TYPE bizenv_scrape_success gauge
bizenv_scrape_success 0
`, "bizenv_scrape_success")
}

// snapshotSource serves a fixed snapshot, for what PostgreSQL would not
// store, such as text that is not UTF-8.
type snapshotSource struct{ s *bizenv.Snapshot }

func (s snapshotSource) Snapshot(context.Context) (*bizenv.Snapshot, error) { return s.s, nil }

func (s snapshotSource) DataVersion(context.Context) (int64, error) { return s.s.Version, nil }

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
		h := newHandler(db, prometheus.NewRegistry())
		exposition := scrape(t, h)
		want := `bizenv_entity_info{benchmark="wuhan-avg",entity="wuhan-hostile",kind="district",name_en="} 1\\nbizenv_fake{x=\"",name_zh="他说\"好\"\n第二行\\"} 1`
		if !slices.Contains(strings.Split(exposition, "\n"), want) {
			t.Errorf("/metrics lacks\n%s\nin\n%s", want, only(exposition, families("bizenv_entity_info")))
		}
		families := parse(t, exposition)
		info := find(families["bizenv_entity_info"], "entity", "wuhan-hostile")
		if info == nil {
			t.Fatal("no bizenv_entity_info for wuhan-hostile")
		}
		if got, want := label(info, "name_zh"), "他说\"好\"\n第二行\\"; got != want {
			t.Errorf("name_zh: got %q, want %q", got, want)
		}
		if got, want := label(info, "name_en"), `} 1\nbizenv_fake{x="`; got != want {
			t.Errorf("name_en: got %q, want %q", got, want)
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
		families := parse(t, scrape(t, newHandler(snapshotSource{&bad}, prometheus.NewRegistry())))
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

func parse(t *testing.T, exposition string) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(exposition))
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

// gaugeOf is the value of the first series of the family name whose
// labels have the values given as name, value pairs.
func gaugeOf(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	for _, m := range families[name].GetMetric() {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if label(m, labels[i]) != labels[i+1] {
				match = false
			}
		}
		if match {
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return 0
}

// TestBuildInfo: the process's own metrics, of the registry /metrics
// gathers live, are served with the data's.
func TestBuildInfo(t *testing.T) {
	live := prometheus.NewRegistry()
	live.MustRegister(metrics.NewBuildInfo("1.2.3", "abc123"))
	families := parse(t, scrape(t, newHandler(failingSource{}, live)))
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
