package collectors_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// newScheduler schedules cfg's collectors, run on store with opts.
func newScheduler(t *testing.T, store collectors.Store, cfg *config.Config, logger *slog.Logger, opts collectors.Options) *collectors.Scheduler {
	t.Helper()
	s, err := collectors.NewScheduler(context.Background(), collectors.NewRunner(store, cfg, logger, opts), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const noticeName = "2021年9月全市营商环境考核排名.xlsx"

// dropFolder is a folder holding the published notice.
func dropFolder(t *testing.T) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join("tabular", "testdata", noticeName))
	if err != nil {
		t.Fatal(err)
	}
	return folderWith(t, noticeName, content)
}

// folderWith returns a folder of the test's holding one file, name, with
// content.
func folderWith(t *testing.T, name string, content []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const noticeConfig = `
collectors:
  - name: city-assessment
    schedule: "0 9 * * *"
    tabular:
      path: %s/*.xlsx
      layout: wide
      period: {filename: '(\d{4})年(\d{1,2})月'}
      entity: {column: 单位, map: {经开区（汉南区）: wuhan-edz, 全市平均: wuhan-avg}}
      columns: {得分: city_assessment_score, 排名: city_assessment_rank}
`

func TestNoticeStoredOnce(t *testing.T) {
	db, _ := newDB(t)
	dir := dropFolder(t)
	path := filepath.Join(dir, noticeName)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	logger, _ := newLogger()
	r := collectors.NewRunner(db, parse(t, fmt.Sprintf(noticeConfig, dir)), logger, atNow)
	ctx := context.Background()

	first, err := r.Run(ctx, "city-assessment", collectors.Request{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("first run stores the notice", func(t *testing.T) {
		got := first[0].Run
		if got.Inserted != 31 || got.Rejected != 0 || got.Outcome != bizenv.OutcomeSuccess {
			t.Errorf("got %d inserted, %d rejected, %s; want 31 inserted, 0 rejected, success", got.Inserted, got.Rejected, got.Outcome)
		}
		var v float64
		if err := pgtest.SQL(t, db).Get(&v, "SELECT value FROM observations WHERE indicator = 'city_assessment_rank' AND entity = 'wuhan-edz' AND period = '2021-09-01'"); err != nil {
			t.Fatal(err)
		}
		if v != 5 {
			t.Errorf("wuhan-edz rank in 2021-09: got %v, want 5", v)
		}
		if got, want := count(t, db, "SELECT count(*) FROM payloads WHERE name = $1 AND size > 0 AND length(sha256) = 64", path), 1; got != want {
			t.Errorf("payloads of the notice: got %d, want %d", got, want)
		}
		if got, want := count(t, db, "SELECT count(*) FROM observations WHERE changed_by = 'collector:city-assessment' AND source = $1", noticeName), 31; got != want {
			t.Errorf("observations by the collector: got %d, want %d", got, want)
		}
	})

	second, err := r.Run(ctx, "city-assessment", collectors.Request{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("second run stores nothing new", func(t *testing.T) {
		got := second[0].Run
		if got.Counts != (bizenv.Counts{}) || got.Outcome != bizenv.OutcomeSuccess {
			t.Errorf("got %+v, %s; want no counts, success", got.Counts, got.Outcome)
		}
		if got, want := count(t, db, "SELECT count(*) FROM payloads"), 1; got != want {
			t.Errorf("payloads: got %d, want %d", got, want)
		}
		if got, want := count(t, db, "SELECT count(*) FROM observations WHERE revision = 1"), 31; got != want {
			t.Errorf("observations at their first revision: got %d, want %d", got, want)
		}
		if got, want := len(runs(t, db)), 2; got != want {
			t.Errorf("runs: got %d, want %d", got, want)
		}
	})
	t.Run("file left in place", func(t *testing.T) {
		after, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
			t.Errorf("file changed: %v %d, was %v %d", after.ModTime(), after.Size(), before.ModTime(), before.Size())
		}
	})
}

// platform is an http_json source whose every request blocks until
// released, so that a run is still going while others try.
type platform struct {
	hits    atomic.Int32
	arrived chan string // the month of each request, as it arrives
	release chan struct{}
	status  int
}

func newPlatform(status int) *platform {
	return &platform{arrived: make(chan string, 100), release: make(chan struct{}), status: status}
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.hits.Add(1)
	p.arrived <- r.URL.Query().Get("month")
	<-p.release
	if p.status != 0 {
		http.Error(w, "token "+r.Header.Get("Authorization")+" rejected", p.status)
		return
	}
	fmt.Fprintf(w, `{"data": {"items": [{"area": "wuhan-edz", "wbkt": "99.5%%", "month": %q}]}}`, r.URL.Query().Get("month"))
}

func platformConfig(url string) string {
	return fmt.Sprintf(`
collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json:
      url: "%s/stats?month={{.Period}}&key=${TOKEN}"
      headers: {Authorization: "Bearer ${TOKEN}"}
      timeout: 30s
      retries: 1
      records: data.items
      period: month
      entity: area
      values: {ywtb_online_enabled: wbkt}
`, url)
}

// servePlatform serves p until the test ends, and returns the
// configuration of the ywtb collector reading it, and its URL.
func servePlatform(t *testing.T, p *platform) (*config.Config, string) {
	t.Helper()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return parse(t, platformConfig(srv.URL)), srv.URL
}

func TestOneRunAcrossSchedulers(t *testing.T) {
	_, dsn := newDB(t)
	p := newPlatform(0)
	cfg, _ := servePlatform(t, p)

	// Two processes: each its own pool, runner and scheduler.
	var logs [2]*logBuffer
	var scheds [2]*collectors.Scheduler
	for i := range scheds {
		logger, buf := newLogger()
		logs[i] = buf
		scheds[i] = newScheduler(t, openDB(t, dsn), cfg, logger, atNow)
	}
	done := make(chan error)
	go func() { done <- scheds[0].RunNow("ywtb") }()
	<-p.arrived // the first is fetching, holding the lock
	if err := scheds[1].RunNow("ywtb"); err != nil {
		t.Fatal(err)
	}
	close(p.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if got, want := p.hits.Load(), int32(1); got != want {
		t.Errorf("requests to the source: got %d, want %d", got, want)
	}
	db := openDB(t, dsn)
	rs := runs(t, db)
	if len(rs) != 1 || rs[0].Outcome != bizenv.OutcomeSuccess || rs[0].Inserted != 1 {
		t.Errorf("runs: got %+v, want one successful run with one insert", rs)
	}
	if got, want := logs[1].String(), "collector is running in another process; skipped"; !strings.Contains(got, want) {
		t.Errorf("second scheduler's log lacks %q:\n%s", want, got)
	}
}

// heldScheduler is a scheduler of the ywtb collector on a database of its
// own, whose platform holds every request until released.
func heldScheduler(t *testing.T) (*collectors.Scheduler, *platform, *postgres.DB, *logBuffer) {
	t.Helper()
	db, _ := newDB(t)
	p := newPlatform(0)
	cfg, _ := servePlatform(t, p)
	logger, logs := newLogger()
	return newScheduler(t, db, cfg, logger, atNow), p, db, logs
}

func TestSkipIfStillRunning(t *testing.T) {
	s, p, _, logs := heldScheduler(t)
	done := make(chan error)
	go func() { done <- s.RunNow("ywtb") }()
	<-p.arrived
	if err := s.RunNow("ywtb"); err != nil {
		t.Fatal(err)
	}
	close(p.release)
	<-done
	if got, want := p.hits.Load(), int32(1); got != want {
		t.Errorf("requests: got %d, want %d", got, want)
	}
	if got, want := logs.String(), "collector still running; this run skipped"; !strings.Contains(got, want) {
		t.Errorf("log lacks %q:\n%s", want, got)
	}
}

// panicky is a store whose catalog read panics the first time.
type panicky struct {
	*postgres.DB
	calls atomic.Int32
}

func (p *panicky) Catalog(ctx context.Context) (bizenv.Catalog, error) {
	if p.calls.Add(1) == 1 {
		panic("catalog exploded")
	}
	return p.DB.Catalog(ctx)
}

func TestPanicRecoveredAndRunsAgain(t *testing.T) {
	db, _ := newDB(t)
	cfg := parse(t, fmt.Sprintf(noticeConfig, dropFolder(t)))
	logger, logs := newLogger()
	store := &panicky{DB: db}
	s := newScheduler(t, store, cfg, logger, atNow)
	if err := s.RunNow("city-assessment"); err != nil { // panics inside, recovered
		t.Fatal(err)
	}
	if err := s.RunNow("city-assessment"); err != nil {
		t.Fatal(err)
	}
	rs := runs(t, db)
	if len(rs) != 2 {
		t.Fatalf("got %d runs, want 2 (the job must run again after a panic): %+v\n%s", len(rs), rs, logs)
	}
	t.Run("panicked run recorded as failed", func(t *testing.T) {
		if got, want := rs[0].Outcome, bizenv.OutcomeFailure; got != want {
			t.Errorf("outcome: got %s, want %s", got, want)
		}
		if got, want := rs[0].Error, "panic: catalog exploded"; got != want {
			t.Errorf("error: got %q, want %q", got, want)
		}
		if got, want := logs.String(), "cron: panic"; !strings.Contains(got, want) {
			t.Errorf("log lacks %q", want)
		}
	})
	t.Run("next run stores", func(t *testing.T) {
		if got := rs[1]; got.Outcome != bizenv.OutcomeSuccess || got.Inserted != 31 {
			t.Errorf("got %+v, want success with 31 inserted", got)
		}
	})
}

func TestFailedFetchStoresNothing(t *testing.T) {
	db, _ := newDB(t)
	ctx := context.Background()
	// What is stored already: the notice.
	noticeCfg := parse(t, fmt.Sprintf(noticeConfig, dropFolder(t)))
	if _, err := collectors.NewRunner(db, noticeCfg, discard, atNow).Run(ctx, "city-assessment", collectors.Request{}); err != nil {
		t.Fatal(err)
	}
	history := "SELECT count(*) + COALESCE(sum(revision), 0) FROM observations"
	before := count(t, db, history)

	p := newPlatform(http.StatusServiceUnavailable)
	close(p.release)
	cfg, url := servePlatform(t, p)
	logger, logs := newLogger()
	r := collectors.NewRunner(db, cfg, logger, collectors.Options{Now: atNow.Now, Backoff: time.Millisecond})
	results, err := r.Run(ctx, "ywtb", collectors.Request{})
	if err == nil {
		t.Fatal("got no error, want the fetch's")
	}
	want := fmt.Sprintf("collector ywtb: GET %s/stats?key=xxxxx&month=2021-09: 503 Service Unavailable (gave up after 2 attempts)", url)
	t.Run("error recorded", func(t *testing.T) {
		rs := runs(t, db)
		last := rs[len(rs)-1]
		if last.Outcome != bizenv.OutcomeFailure || last.Error != want || last.Actor != "collector:ywtb" {
			t.Errorf("got %+v, want a failure by collector:ywtb with error %q", last, want)
		}
		if got := results[0].Err; got == nil || got.Error() != want {
			t.Errorf("result error: got %v, want %s", got, want)
		}
	})
	t.Run("nothing stored", func(t *testing.T) {
		if got := count(t, db, history); got != before {
			t.Errorf("observations and revisions: got %d, want %d", got, before)
		}
		if got, want := count(t, db, "SELECT count(*) FROM payloads p JOIN runs r ON r.id = p.run_id WHERE r.name = 'ywtb'"), 0; got != want {
			t.Errorf("payloads of the failed run: got %d, want %d", got, want)
		}
	})
	t.Run("no secret in the record or the log", func(t *testing.T) {
		var errs string
		if err := pgtest.SQL(t, db).Get(&errs, "SELECT string_agg(error, ' ') FROM runs"); err != nil {
			t.Fatal(err)
		}
		for what, text := range map[string]string{"runs.error": errs, "log": logs.String()} {
			if strings.Contains(text, token) {
				t.Errorf("%s has the token:\n%s", what, text)
			}
		}
		if !strings.Contains(logs.String(), "fetch failed, retrying") {
			t.Errorf("log lacks the retry:\n%s", logs)
		}
	})
}

func TestBackfillOneRunPerPeriod(t *testing.T) {
	db, _ := newDB(t)
	p := newPlatform(0)
	close(p.release)
	cfg, _ := servePlatform(t, p)
	logger, _ := newLogger()
	r := collectors.NewRunner(db, cfg, logger, atNow)
	results, err := r.Run(context.Background(), "ywtb", collectors.Request{From: bizenv.NewPeriod(2021, 7), To: bizenv.NewPeriod(2021, 9)})
	if err != nil {
		t.Fatal(err)
	}
	close(p.arrived)
	var months []string
	for m := range p.arrived {
		months = append(months, m)
	}
	if got, want := strings.Join(months, " "), "2021-07 2021-08 2021-09"; got != want {
		t.Errorf("months asked for: got %s, want %s", got, want)
	}
	if got, want := len(results), 3; got != want {
		t.Fatalf("results: got %d, want %d", got, want)
	}
	if got, want := len(runs(t, db)), 3; got != want {
		t.Errorf("runs: got %d, want %d", got, want)
	}
	if got, want := count(t, db, "SELECT count(*) FROM observations WHERE indicator = 'ywtb_online_enabled'"), 3; got != want {
		t.Errorf("observations: got %d, want %d", got, want)
	}
}

func TestSQLPasswordNotRecorded(t *testing.T) {
	db, dsn := newDB(t)
	other := strings.Replace(dsn, "://", "://nobody:pa55-w0rd-99@", 1)
	other = strings.Replace(other, "@"+strings.SplitN(strings.SplitN(dsn, "://", 2)[1], "@", 2)[0]+"@", "@", 1)
	cfg, err := config.Parse("t.yml", []byte(`
collectors:
  - name: tax-credit
    schedule: "0 7 3 * *"
    sql:
      dsn: ${CREDIT_DSN}
      timeout: 5s
      query: SELECT period, entity, indicator, value FROM no_such_table
`), func(k string) string { return map[string]string{"CREDIT_DSN": other}[k] })
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := newLogger()
	r := collectors.NewRunner(db, cfg, logger, atNow)
	if _, err := r.Run(context.Background(), "tax-credit", collectors.Request{}); err == nil {
		t.Fatal("got no error, want one")
	}
	rs := runs(t, db)
	if got := rs[0]; got.Outcome != bizenv.OutcomeFailure || got.Error == "" {
		t.Errorf("got %+v, want a failure with an error", got)
	}
	for what, text := range map[string]string{"runs.error": rs[0].Error, "log": logs.String()} {
		if strings.Contains(text, "pa55-w0rd-99") {
			t.Errorf("%s has the password:\n%s", what, text)
		}
	}
}

func TestWorldBankNeedsAnnualIndicators(t *testing.T) {
	db, _ := newDB(t)
	logger, _ := newLogger()
	cfg := parse(t, `
collectors:
  - name: worldbank-china
    schedule: "0 4 1 * *"
    worldbank:
      base_url: http://127.0.0.1:1/v2
      countries: {CHN: wuhan}
      indicators: {IC.REG.DURS: bizstart_days}
`)
	r := collectors.NewRunner(db, cfg, logger, atNow)
	_, err := r.Run(context.Background(), "worldbank-china", collectors.Request{})
	want := "collector worldbank-china: indicator IC.REG.DURS maps to bizstart_days, which is monthly in the catalog; World Bank values are annual: set frequency: annual"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestScheduleTimeZone(t *testing.T) {
	cfg := parse(t, `
collectors:
  - name: shanghai
    schedule: "0 9 * * *"
    worldbank: {countries: {CHN: cn}, indicators: {IC.REG.DURS: wb_bizstart_days}}
  - name: utc
    schedule: "CRON_TZ=UTC 0 9 * * *"
    worldbank: {countries: {CHN: cn}, indicators: {IC.REG.DURS: wb_bizstart_days}}
`)
	logger, _ := newLogger()
	s := newScheduler(t, nil, cfg, logger, collectors.Options{})
	after := time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC)
	for name, want := range map[string]time.Time{
		"shanghai": time.Date(2021, 10, 1, 1, 0, 0, 0, time.UTC), // 09:00 in Shanghai
		"utc":      time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := s.Next(name, after)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) {
				t.Errorf("got %v, want %v", got.UTC(), want)
			}
		})
	}
}

func TestStopWaitsForRunningCollectors(t *testing.T) {
	s, p, db, _ := heldScheduler(t)
	s.Start()
	go s.RunNow("ywtb")
	<-p.arrived
	stopped := make(chan error)
	go func() { stopped <- s.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a collector was running", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(p.release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if rs := runs(t, db); len(rs) != 1 || rs[0].Outcome != bizenv.OutcomeSuccess {
		t.Errorf("runs: got %+v, want one success", rs)
	}
}

func TestStopCancelsAfterGrace(t *testing.T) {
	s, p, db, _ := heldScheduler(t)
	defer close(p.release) // only at the end: the run ends only when cancelled
	go s.RunNow("ywtb")
	<-p.arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace at all
	if err := s.Stop(ctx); err != context.Canceled {
		t.Errorf("Stop: got %v, want %v", err, context.Canceled)
	}
	rs := runs(t, db)
	if len(rs) != 1 || rs[0].Outcome != bizenv.OutcomeFailure || !strings.Contains(rs[0].Error, "context canceled") {
		t.Errorf("runs: got %+v, want one failure, cancelled", rs)
	}
}

// The scheduler exports when each schedule last fired, and nothing for a
// schedule that has not fired yet.
func TestLastScheduledMetric(t *testing.T) {
	db, _ := newDB(t)
	cfg := parse(t, fmt.Sprintf(`
collectors:
  - name: every-second
    schedule: "@every 1s"
    tabular: {path: %[1]s/*.csv, layout: long}
  - name: yearly
    schedule: "0 9 1 1 *"
    tabular: {path: %[1]s/*.csv, layout: long}
`, t.TempDir()))
	logger, _ := newLogger()
	s := newScheduler(t, db, cfg, logger, collectors.Options{})
	if got := testutil.CollectAndCount(s); got != 0 {
		t.Errorf("before start: got %d series, want 0", got)
	}
	start := time.Now()
	s.Start()
	defer s.Stop(context.Background())
	for testutil.CollectAndCount(s) == 0 {
		if time.Since(start) > 10*time.Second {
			t.Fatal("no schedule fired within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := testutil.CollectAndCount(s, "bizenv_collector_last_scheduled_timestamp_seconds"); got != 1 {
		t.Errorf("series: got %d, want 1 (the yearly schedule has not fired)", got)
	}
	v := testutil.ToFloat64(s)
	if fired := time.Unix(0, int64(v*1e9)); fired.Before(start.Add(-time.Second)) || fired.After(time.Now()) {
		t.Errorf("last scheduled %v, want between %v and now", fired, start)
	}
}
