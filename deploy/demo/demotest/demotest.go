// Package demotest gives the deploy tests a bizenv that holds the demo data
// (deploy/demo): in a migrated PostgreSQL database, and behind a real
// `bizenv serve` built from this module.
package demotest

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// Files are the demo data files under deploy/demo, in the order
// `make run` imports them. items.csv needs CatalogFile applied first.
var Files = []string{"seed-report.csv", "synthetic.csv", "units.csv", "items.csv"}

// UnitsCatalog is the demo's catalog file of synthetic units and
// CatalogFile the one of the city assessment's synthetic items, both
// applied before Files; Ledger is its rectification ledger, imported after
// them.
const (
	UnitsCatalog = "units.yaml"
	CatalogFile  = "catalog.yaml"
	Ledger       = "actions.csv"
)

// Collectors are the collector runs Seed records, named as in
// deploy/bizenv/config.yml and the dashboards' $collector variable.
var Collectors = []string{"city-assessment", "ywtb"}

// Range is the span of the demo data: every period from 2020-01 to 2021-12
// (and one annual figure at 2019-12).
var (
	RangeFrom = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	RangeTo   = time.Date(2021, 12, 31, 23, 59, 59, 0, time.UTC)
)

// ModuleRoot is the directory of the module's go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		t.Fatal("go env GOMOD: not inside the bizenv module")
	}
	return filepath.Dir(mod)
}

// NewDB returns a fresh migrated database with the default catalog and the
// demo data (Seed), and its DSN.
func NewDB(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if err := db.ApplyCatalog(t.Context(), bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	Seed(t, db)
	return db, dsn
}

// Seed imports the demo files through the store, as `bizenv import` does,
// and records a finished run of each of Collectors on 2021-12-02 (one with
// a rejected record), so that the collector metrics and the runs and
// rejects tables have something to show. Any rejected demo row fails t.
func Seed(t testing.TB, db *postgres.DB) {
	t.Helper()
	ctx := t.Context()
	dir := filepath.Join(ModuleRoot(t), "deploy", "demo")
	for _, name := range []string{UnitsCatalog, CatalogFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		extra, err := bizenv.ParseCatalog(name, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyCatalog(ctx, extra); err != nil {
			t.Fatalf("apply %s: %v", name, err)
		}
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := ingest.NewValidator(cat, time.Now())
	for _, name := range Files {
		content, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		obs, rejects, payload := ingest.LongFile(name, content, "", v)
		if len(rejects) > 0 {
			t.Fatalf("%s: %d rejected rows, first: %+v", name, len(rejects), rejects[0])
		}
		run, err := db.Store(ctx, bizenv.Batch{
			Kind: bizenv.RunImport, Name: "import", Actor: "demotest",
			Observations: obs, Payloads: []bizenv.Payload{payload},
		})
		if err != nil {
			t.Fatalf("import %s: %v", name, err)
		}
		if run.Inserted != len(obs) {
			t.Fatalf("import %s: inserted %d of %d observations", name, run.Inserted, len(obs))
		}
	}
	ledger, err := os.ReadFile(filepath.Join(dir, Ledger))
	if err != nil {
		t.Fatal(err)
	}
	l := ingest.LedgerFile(Ledger, ledger, "", cat, map[string]string{})
	if len(l.Rejects) > 0 {
		t.Fatalf("%s: %d rejected rows, first: %+v", Ledger, len(l.Rejects), l.Rejects[0])
	}
	if _, err := postgres.NewActionStore(db, nil).ImportActions(ctx, bizenv.ActionImport{Actions: l.Actions, Notes: l.Notes, Files: l.Files, Actor: "demotest"}); err != nil {
		t.Fatalf("import %s: %v", Ledger, err)
	}
	// Collector runs are written by SQL: a real run would fetch from
	// sources this machine cannot reach, and its start must lie inside the
	// demo range for the dashboards' $__timeFilter to select it.
	_, err = pgtest.SQL(t, db).ExecContext(ctx, `
INSERT INTO runs (kind, name, actor, started_at, finished_at, outcome, inserted, unchanged, rejected)
VALUES ('collector', $1, $1, '2021-12-02 08:00:00+08', '2021-12-02 08:00:40+08', 'success', 32, 0, 0),
       ('collector', $2, $2, '2021-12-02 08:05:00+08', '2021-12-02 08:05:30+08', 'partial', 30, 2, 1)`,
		Collectors[0], Collectors[1])
	if err != nil {
		t.Fatalf("record collector runs: %v", err)
	}
	_, err = pgtest.SQL(t, db).ExecContext(ctx, `
INSERT INTO rejects (run_id, file, line, record, reason, created_at)
SELECT id, 'https://zwfw.example.gov.cn/api/ywtb', 7, '{"item":"ywtb_full_online","value":"1.3"}',
       'value 1.3 out of range for a ratio', finished_at
FROM runs WHERE kind = 'collector' AND name = $1`, Collectors[1])
	if err != nil {
		t.Fatalf("record reject: %v", err)
	}
}

// Build compiles ./cmd/bizenv into a temporary directory of t.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bizenv")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/bizenv")
	cmd.Dir = ModuleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bizenv: %v\n%s", err, out)
	}
	return bin
}

var listeningRE = regexp.MustCompile(`msg=listening address=(\S+)`)

// Serve builds bizenv and runs `bizenv serve` on dsn, with the extra
// arguments args, on a free loopback port until t ends; it returns the
// server's base URL (http://127.0.0.1:N).
func Serve(t testing.TB, dsn string, args ...string) string {
	t.Helper()
	bin := Build(t)
	cmd := exec.Command(bin, append([]string{"serve",
		"--database.url=" + dsn,
		"--web.listen-address=127.0.0.1:0",
		"--log.level=info"}, args...)...)
	cmd.Env = append(os.Environ(), "BIZENV_DATABASE_URL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The log is read only after the reader is done with it (drained).
	var log strings.Builder
	address := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case address <- m[1]:
				default:
				}
			}
		}
	}()
	var waitErr error
	exited := make(chan struct{})
	go func() {
		<-drained
		waitErr = cmd.Wait()
		close(exited)
	}()
	stop := func() { Stop(cmd.Process, exited) }
	select {
	case a := <-address:
		t.Cleanup(func() {
			stop()
			if t.Failed() {
				t.Logf("bizenv serve log:\n%s", log.String())
			}
		})
		return "http://" + a
	case <-exited:
		t.Fatalf("bizenv serve exited before listening: %v\n%s", waitErr, log.String())
	case <-time.After(time.Minute):
		stop()
		t.Fatalf("bizenv serve did not log its address within a minute:\n%s", log.String())
	}
	return ""
}

// Stop stops the server p, as its service manager would: SIGTERM, then
// SIGKILL if it has not exited (closed exited) within 10 seconds. It
// returns once the server has exited.
func Stop(p *os.Process, exited <-chan struct{}) {
	p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		p.Kill()
		<-exited
	}
}

// Scrape reads baseURL/metrics and returns its metric families by name.
func Scrape(t testing.TB, baseURL string) map[string]*dto.MetricFamily {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape: %s\n%s", resp.Status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	if len(families) == 0 {
		t.Fatal("scrape: no metric families")
	}
	return families
}

// SpecFamilies are the metric families of SPEC section 6.
var SpecFamilies = []string{
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
	"bizenv_actions",
	"bizenv_actions_overdue",
}

// CheckSpecFamilies fails t for every SPEC section 6 family missing from
// a scrape, so that a check "names only scraped metrics" cannot pass on a
// scrape that lost part of what it should export.
func CheckSpecFamilies(t testing.TB, families map[string]*dto.MetricFamily) {
	t.Helper()
	for _, name := range SpecFamilies {
		if f, ok := families[name]; !ok || len(f.GetMetric()) == 0 {
			t.Errorf("scrape has no %s (SPEC section 6)", name)
		}
	}
}
