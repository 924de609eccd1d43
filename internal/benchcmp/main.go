// Command benchcmp measures bizenv side by side with the baselines its
// goals are set against, in one run on one machine (`make bench`):
//
//   - importing 136,000 rows (2,000 districts x 34 indicators x 2 months)
//     with `bizenv import` against `psql \copy` of the same file into a
//     plain table and into a table with the primary key of observations;
//   - the /metrics scrape time per exported series at that size, steady and
//     first after a one-row write, against Debian's prometheus-sql-exporter
//     serving the stored values;
//   - the resident memory per exported series of both.
//
// Each measurement is repeated; the medians and their ratio are printed.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/internal/pgcluster"
	"github.com/bizenv/bizenv/postgres"
)

func main() {
	districts := flag.Int("districts", 2000, "districts to generate")
	rounds := flag.Int("rounds", 5, "repetitions of each measurement")
	scrapes := flag.Int("scrapes", 10, "scrapes per exporter")
	bin := flag.String("bizenv", "bin/bizenv", "the bizenv binary")
	nationalSize := flag.Bool("national", false, "measure the national evaluation's size instead (make bench-national)")
	units := flag.Int("units", 2800, "with -national: county-level units")
	indicators := flag.Int("indicators", 90, "with -national: monthly indicators")
	months := flag.Int("months", 24, "with -national: months of history")
	panelRuns := flag.Int("panel-runs", 20, "with -national: runs of each Grafana SQL panel query")
	flag.Parse()
	var err error
	if *nationalSize {
		err = national(context.Background(), *bin, *units, *indicators, *months, *scrapes, *panelRuns)
	} else {
		err = run(context.Background(), *bin, *districts, *rounds, *scrapes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin string, districts, rounds, scrapes int) error {
	w, err := setUp(ctx, "bizenv-bench-", bin)
	if err != nil {
		return err
	}
	defer w.close()

	// A template database with the schema and a catalog of many districts.
	cat := benchCatalog(districts)
	template, err := w.createDB(ctx, "bench_template", cat)
	if err != nil {
		return err
	}
	plain := sqlx.MustOpen("postgres", template)
	plain.MustExec("CREATE TABLE plain (period text, entity text, indicator text, value text, source text, note text)")
	plain.MustExec(`CREATE TABLE keyed (period text, entity text, indicator text, value text, source text, note text,
		PRIMARY KEY (indicator, entity, period))`)
	plain.Close()

	csvPath := filepath.Join(w.dir, "bench.csv")
	rows, err := writeCSV(csvPath, cat)
	if err != nil {
		return err
	}
	fmt.Printf("bizenv benchmarks: %d rows (%d districts x %d indicators x 2 months), %d rounds, GOMAXPROCS cores: %d\n\n",
		rows, districts, len(cat.Indicators), rounds, numCPU())

	// Import against \copy, alternating, each into a fresh database.
	psql, err := exec.LookPath("psql")
	if err != nil {
		return fmt.Errorf("psql is needed for the \\copy baseline: %w", err)
	}
	var imports, copies, keyed []time.Duration
	for i := 0; i < rounds; i++ {
		db := fmt.Sprintf("bench_%d", i)
		w.admin.MustExec("CREATE DATABASE " + db + " TEMPLATE bench_template")
		d, err := timed(exec.CommandContext(ctx, psql, w.cluster.DSN(db), "-q", "-c", `\copy plain FROM '`+csvPath+`' WITH (FORMAT csv, HEADER true)`))
		if err != nil {
			return fmt.Errorf("psql \\copy: %w", err)
		}
		copies = append(copies, d)
		d, err = timed(exec.CommandContext(ctx, psql, w.cluster.DSN(db), "-q", "-c", `\copy keyed FROM '`+csvPath+`' WITH (FORMAT csv, HEADER true)`))
		if err != nil {
			return fmt.Errorf("psql \\copy: %w", err)
		}
		keyed = append(keyed, d)
		d, err = timed(exec.CommandContext(ctx, w.bin, "import", "--database.url", w.cluster.DSN(db), "--log.level", "warn", csvPath))
		if err != nil {
			return fmt.Errorf("bizenv import: %w", err)
		}
		imports = append(imports, d)
		if i < rounds-1 {
			w.admin.MustExec("DROP DATABASE " + db)
		}
	}
	last := w.cluster.DSN(fmt.Sprintf("bench_%d", rounds-1))
	fmt.Println("import of the CSV file (process start to exit), median of", rounds)
	row("psql \\copy into a plain table", median(copies), "")
	row("psql \\copy into a table keyed as observations", median(keyed), fmt.Sprintf("%.2fx plain \\copy", ratio(median(keyed), median(copies))))
	row("bizenv import (validate, COPY, merge, revisions)", median(imports), fmt.Sprintf("%.2fx plain \\copy, %.2fx keyed \\copy (goal: within 1.5x keyed)",
		ratio(median(imports), median(copies)), ratio(median(imports), median(keyed))))
	fmt.Println()

	// Scrapes: bizenv serve against prometheus-sql-exporter on the same data.
	bizenvURL, bizenvPID, stopBizenv, err := startBizenv(ctx, w.bin, last)
	if err != nil {
		return err
	}
	defer stopBizenv()
	sqlURL, sqlPID, stopSQL, err := startSQLExporter(ctx, w.dir, last)
	if err != nil {
		fmt.Println("prometheus-sql-exporter:", err, "(install the Debian package prometheus-sql-exporter for the baseline)")
	} else {
		defer stopSQL()
	}
	fmt.Println("one /metrics scrape, median of", scrapes)
	db := sqlx.MustOpen("postgres", last)
	defer db.Close()
	// A catalog change makes the next scrape read and render everything; a
	// one-row write only that entity's series.
	full, bzSeries, err := scrapeAfter(bizenvURL, db, `UPDATE entities SET name_en = name_en WHERE code = 'wuhan'`)
	if err != nil {
		return err
	}
	one, _, err := scrapeAfter(bizenvURL, db, `UPDATE observations SET value = value + 1
		WHERE (indicator, entity, period) = (SELECT indicator, entity, max(period) FROM observations
		                                     WHERE entity = 'bench-d1000' GROUP BY 1, 2 LIMIT 1)`)
	if err != nil {
		return err
	}
	bz, _, err := scrapeTimes(bizenvURL, scrapes)
	if err != nil {
		return err
	}
	row("bizenv serve, first scrape after a catalog change (all)", full, perSeries(full, bzSeries))
	row("bizenv serve, first scrape after a one-row write", one, perSeries(one, bzSeries))
	row(fmt.Sprintf("bizenv serve (%d series)", bzSeries), bz, perSeries(bz, bzSeries))
	if sqlURL == "" {
		return nil
	}
	sq, sqSeries, err := scrapeTimes(sqlURL, scrapes)
	if err != nil {
		return err
	}
	row(fmt.Sprintf("prometheus-sql-exporter (%d series)", sqSeries), sq, perSeries(sq, sqSeries))
	peer := float64(sq) / float64(sqSeries)
	fmt.Printf("  per series, bizenv / sql-exporter: steady %.3f, first after a one-row write %.3f (goal: at most 0.25), after a catalog change %.3f\n",
		float64(bz)/float64(bzSeries)/peer, float64(one)/float64(bzSeries)/peer, float64(full)/float64(bzSeries)/peer)
	fmt.Println()

	fmt.Println("resident memory after the scrapes (VmRSS; peak VmHWM)")
	bzRSS, bzHWM := memory(bizenvPID)
	sqRSS, sqHWM := memory(sqlPID)
	fmt.Printf("  %-55s %9.1f MiB  %6.0f bytes/series (peak %.1f MiB)\n", "bizenv serve", mib(bzRSS), float64(bzRSS)/float64(bzSeries), mib(bzHWM))
	fmt.Printf("  %-55s %9.1f MiB  %6.0f bytes/series (peak %.1f MiB)\n", "prometheus-sql-exporter", mib(sqRSS), float64(sqRSS)/float64(sqSeries), mib(sqHWM))
	fmt.Printf("  per series, bizenv / sql-exporter: %.3f (goal: at most 0.25)\n",
		(float64(bzRSS)/float64(bzSeries))/(float64(sqRSS)/float64(sqSeries)))
	return nil
}

// scrapeAfter runs write, then scrapes url until it serves the write, three
// times, and returns the median time and the series served.
func scrapeAfter(url string, db *sqlx.DB, write string) (time.Duration, int, error) {
	var ds []time.Duration
	n := 0
	for range 3 {
		if _, err := db.Exec(write); err != nil {
			return 0, 0, err
		}
		d, s, err := scrapeFresh(url)
		if err != nil {
			return 0, 0, err
		}
		ds, n = append(ds, d), s
	}
	return median(ds), n, nil
}

// memory returns the resident and peak resident set of a process, in bytes.
func memory(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			rss = kb * 1024
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			hwm = kb * 1024
		}
	}
	return rss, hwm
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func numCPU() int {
	n, _ := exec.Command("nproc").Output()
	var c int
	fmt.Sscan(string(n), &c)
	return c
}

func row(name string, d time.Duration, extra string) {
	fmt.Printf("  %-55s %12s  %s\n", name, d.Round(time.Microsecond), extra)
}

func perSeries(d time.Duration, n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%.3f µs/series", float64(d.Microseconds())/float64(n))
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func timed(cmd *exec.Cmd) (time.Duration, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%v: %s", err, out.String())
	}
	return d, nil
}

func benchCatalog(districts int) bizenv.Catalog {
	cat := bizenv.DefaultCatalog()
	var inds []bizenv.Indicator
	for _, i := range cat.Indicators {
		if i.Frequency != bizenv.Annual {
			inds = append(inds, i)
		}
	}
	cat.Indicators = inds
	for d := 1; d <= districts; d++ {
		cat.Entities = append(cat.Entities, bizenv.Entity{
			Code: fmt.Sprintf("bench-d%04d", d), NameZH: fmt.Sprintf("测试区%d", d), NameEN: fmt.Sprintf("Bench district %d", d),
			Kind: "district", Parent: "wuhan", Benchmark: "wuhan-avg",
		})
	}
	return cat
}

// writeCSV writes two months of every monthly indicator for the generated
// districts, values in the forms the import accepts.
func writeCSV(path string, cat bizenv.Catalog) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "period,entity,indicator,value,source,note")
	n := 0
	for _, e := range cat.Entities {
		if !strings.HasPrefix(e.Code, "bench-") {
			continue
		}
		for _, p := range []string{"2021-05", "2021-06"} {
			for k, i := range cat.Indicators {
				fmt.Fprintf(w, "%s,%s,%s,%s,bench,\n", p, e.Code, i.Code, benchValue(i, n+k))
				n++
			}
		}
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := os.Chmod(path, 0o644); err != nil {
		return 0, err
	}
	return n, f.Close()
}

func benchValue(i bizenv.Indicator, seed int) string {
	switch i.Unit {
	case bizenv.UnitRatio:
		return fmt.Sprintf("%.2f%%", float64(seed%10000)/100)
	case bizenv.UnitRank:
		return fmt.Sprint(seed%2000 + 1)
	case bizenv.UnitYuan:
		return fmt.Sprintf("%.2f万元", float64(seed%100000)/10)
	}
	return fmt.Sprint(seed % 1000)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startBizenv(ctx context.Context, bin, dsn string) (string, int, func(), error) {
	addr := freeAddr()
	cmd := exec.CommandContext(ctx, bin, "serve", "--database.url", dsn, "--web.listen-address", addr, "--log.level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	url := "http://" + addr + "/metrics"
	if err := waitFor(url); err != nil {
		stop()
		return "", 0, nil, fmt.Errorf("bizenv serve: %w", err)
	}
	return url, cmd.Process.Pid, stop, nil
}

// startSQLExporter serves the stored latest values the way a generic SQL
// exporter would: one query per family, run on its schedule, served from the
// last result.
func startSQLExporter(ctx context.Context, work, dsn string) (string, int, func(), error) {
	exe, err := exec.LookPath("prometheus-sql-exporter")
	if err != nil {
		return "", 0, nil, err
	}
	cfg := filepath.Join(work, "sql-exporter.yml")
	latest := `SELECT o.indicator, o.entity, o.value FROM observations o
        JOIN (SELECT indicator, entity, max(period) AS period FROM observations GROUP BY 1, 2) l USING (indicator, entity, period)`
	conf := fmt.Sprintf(`jobs:
- name: bizenv
  interval: '1h'
  connections:
  - '%s'
  queries:
  - name: indicator_value
    help: value of the latest period
    labels: [indicator, entity]
    values: [value]
    query: |
      %s
`, dsn, latest)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return "", 0, nil, err
	}
	addr := freeAddr()
	cmd := exec.CommandContext(ctx, exe, "-config.file", cfg, "-web.listen-address", addr)
	cmd.Env = append(os.Environ(), "LOGLEVEL=warn")
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	url := "http://" + addr + "/metrics"
	// Wait until its first query has run and the values are served.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, n, err := scrape(url); err == nil && n > 1000 {
			return url, cmd.Process.Pid, stop, nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	stop()
	return "", 0, nil, fmt.Errorf("no values served within 2 minutes")
}

func waitFor(url string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within a minute", url)
}

// scrape fetches url like Prometheus does and counts the series.
func scrape(url string) (time.Duration, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	d := time.Since(start)
	if err != nil {
		return d, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	n, _ := countSeries(resp.Header.Get("Content-Encoding"), body)
	return d, n, nil
}

// scrapeFresh scrapes url until it serves data that is not stale, and
// returns the time from the first request: a rendering that outlasts a
// scrape's timeout goes on, and a later scrape serves it.
func scrapeFresh(url string) (time.Duration, int, error) {
	start := time.Now()
	for time.Since(start) < 10*time.Minute {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			cancel()
			return 0, 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if err != nil {
			return 0, 0, err
		}
		if n, stale := countSeries(resp.Header.Get("Content-Encoding"), body); !stale && n > 0 {
			return time.Since(start), n, nil
		}
	}
	return 0, 0, fmt.Errorf("%s: stale for 10 minutes", url)
}

func scrapeTimes(url string, n int) (time.Duration, int, error) {
	var ds []time.Duration
	series := 0
	scrape(url) // warm up
	for i := 0; i < n; i++ {
		d, s, err := scrape(url)
		if err != nil {
			return 0, 0, err
		}
		ds = append(ds, d)
		series = s
	}
	return median(ds), series, nil
}

// workspace is where a measurement runs: a work folder the postgres user
// can enter, a private cluster in it with a connection to its postgres
// database, and the bizenv binary's absolute path.
type workspace struct {
	dir     string
	cluster *pgcluster.Cluster
	admin   *sqlx.DB
	bin     string
}

// setUp makes the workspace, in a new folder named from prefix; close
// removes it.
func setUp(ctx context.Context, prefix, bin string) (*workspace, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	w := &workspace{dir: dir}
	fail := func(err error) (*workspace, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	if w.bin, err = filepath.Abs(bin); err != nil {
		return fail(err)
	}
	if w.cluster, err = pgcluster.Start(ctx, filepath.Join(dir, "pg"), discard()); err != nil {
		return fail(err)
	}
	if w.admin, err = sqlx.Open("postgres", w.cluster.DSN("postgres")); err != nil {
		w.cluster.Stop(context.Background())
		return fail(err)
	}
	return w, nil
}

func (w *workspace) close() {
	w.admin.Close()
	w.cluster.Stop(context.Background())
	os.RemoveAll(w.dir)
}

// createDB creates the database name with bizenv's schema and the catalog
// cat, and returns its DSN.
func (w *workspace) createDB(ctx context.Context, name string, cat bizenv.Catalog) (string, error) {
	w.admin.MustExec("CREATE DATABASE " + name)
	dsn := w.cluster.DSN(name)
	db, err := postgres.Open(ctx, dsn, discard())
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return "", err
	}
	if err := db.ApplyCatalog(ctx, cat); err != nil {
		return "", err
	}
	return dsn, nil
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
