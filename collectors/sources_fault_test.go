package collectors_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// heapPeak samples the heap in use until stop is called and returns the
// highest figure seen, with the bytes allocated meanwhile.
func heapPeak() (stop func() (peak, allocated uint64)) {
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-finished
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		return peak.Load(), after.TotalAlloc - before.TotalAlloc
	}
}

// storedState sums up everything stored, to show a failed run touched
// nothing.
func storedState(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var s string
	err := pgtest.SQL(t, db).Get(&s, `SELECT count(*) || ' ' || coalesce(md5(string_agg(
			format('%s|%s|%s|%s|%s|%s', indicator, entity, period, value, revision, collected_at),
			',' ORDER BY indicator, entity, period, revision)), '')
		FROM observation_history`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The timeout leaves room for reading 32 MiB on a loaded machine, so that
// the 200 MB case stops at the size limit, not at the clock.
const faultSourceConfig = `
collectors:
  - name: src
    schedule: "0 8 2 * *"
    http_json:
      url: "%s/stats?month={{.Period}}"
      timeout: 3s
      retries: 0
      entity: area
      values: {ywtb_online_enabled: wbkt}
`

// TestFaultySources runs an http_json collector against sources that fail
// in each way a platform does, over a database holding a value the source
// would revise: each run fails with a clear error, stores nothing and
// touches nothing stored, within bounded memory.
func TestFaultySources(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string // the run's error; %s is the source's URL
		maxHeap uint64 // bound on the heap's growth, when it matters
	}{{
		name: "timeout",
		handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
		},
		want: "collector src: GET %s/stats?month=2021-09: timed out after 3s",
	}, {
		name:    "500",
		handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		want:    "collector src: GET %s/stats?month=2021-09: 500 Internal Server Error",
	}, {
		name: "HTML login page",
		handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!DOCTYPE html><html><head><title>统一身份认证</title></head><body><form>登录</form></body></html>")
		},
		want: "collector src: GET %s/stats?month=2021-09: an HTML page, want JSON",
	}, {
		name: "truncated JSON",
		handler: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `[{"area": "wuhan-edz", "wbkt": 0.91}, {"area": "wuhan-edz", "wb`)
		},
		want: `collector src: GET %s/stats?month=2021-09: not valid JSON (63 bytes; truncated or malformed; starts "[{\"area\": \"wuhan-edz\", \"wbkt\": 0.91}, {\"")`,
	}, {
		name: "200 MB body",
		handler: func(w http.ResponseWriter, r *http.Request) {
			// Streamed without a length, never held: the client must stop.
			chunk := []byte(strings.Repeat(`{"area": "wuhan-edz", "wbkt": 0.91},`, 1<<10))
			w.Write([]byte("["))
			for sent := 0; sent < 200*mib; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte(`{"area": "wuhan-edz", "wbkt": 0.91}]`))
		},
		want:    "collector src: GET %s/stats?month=2021-09: body larger than the limit of 33554432 bytes",
		maxHeap: 150 * mib,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := newDB(t)
			stored, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Observations: []bizenv.Observation{{
				Indicator: "ywtb_online_enabled", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 9}, Value: 0.5,
			}}})
			if err != nil || stored.Inserted != 1 {
				t.Fatalf("seed: %+v %v", stored, err)
			}
			before := storedState(t, db)
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			r := collectors.NewRunner(db, parse(t, fmt.Sprintf(faultSourceConfig, srv.URL)), discard,
				collectors.Options{Now: atNow.Now, Backoff: time.Millisecond})

			stop := heapPeak()
			start := time.Now()
			results, err := r.Run(ctx, "src", collectors.Request{})
			took := time.Since(start)
			peak, allocated := stop()
			t.Logf("%s: failed after %v, heap peak %.1f MiB, allocated %.1f MiB", tc.name, took.Round(time.Millisecond), float64(peak)/mib, float64(allocated)/mib)

			want := fmt.Sprintf(tc.want, srv.URL)
			if err == nil || err.Error() != want {
				t.Errorf("error: got %v, want %q", err, want)
			}
			if len(results) != 1 || results[0].Run.Outcome != bizenv.OutcomeFailure {
				t.Fatalf("results: got %+v, want one failed run", results)
			}
			rs := runs(t, db)
			if last := rs[len(rs)-1]; last.Outcome != bizenv.OutcomeFailure || last.Error != want {
				t.Errorf("recorded run: got %+v, want a failure with %q", last, want)
			}
			if got := storedState(t, db); got != before {
				t.Errorf("stored history changed: got %s, want %s", got, before)
			}
			if got := count(t, db, `SELECT count(*) FROM payloads p JOIN runs r ON r.id = p.run_id WHERE r.kind = 'collector'`); got != 0 {
				t.Errorf("payloads of the failed run: got %d, want 0", got)
			}
			if tc.maxHeap > 0 && peak > tc.maxHeap {
				t.Errorf("heap peaked at %.1f MiB, want under %.0f MiB: the body was held", float64(peak)/mib, float64(tc.maxHeap)/mib)
			}
			v, err := db.Verify(ctx, postgres.VerifyOptions{})
			if err != nil || !v.OK() || len(v.Warnings) > 0 {
				t.Errorf("verify: %v violations %q warnings %q", err, v.Violations, v.Warnings)
			}
		})
	}
}

// TestFaultMillionRowSpreadsheet drops a spreadsheet of 1,000,000 data rows
// into a tabular collector's folder: refused whole, nothing stored.
func TestFaultMillionRowSpreadsheet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a spreadsheet of a million rows")
	}
	const mib = 1 << 20
	dir := t.TempDir()
	const rows = 1_000_000
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"period", "entity", "indicator", "value"}); err != nil {
		t.Fatal(err)
	}
	row := []any{"2021-09", "wuhan-edz", "city_assessment_rank", 8}
	for i := 2; i <= rows+1; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "million.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(path)

	ctx := context.Background()
	db, _ := newDB(t)
	before := storedState(t, db)
	cfg := parse(t, fmt.Sprintf(`
collectors:
  - name: drop
    schedule: "0 9 * * *"
    tabular:
      path: %s/*.xlsx
      layout: long
`, dir))
	r := collectors.NewRunner(db, cfg, discard, atNow)
	stop := heapPeak()
	start := time.Now()
	results, err := r.Run(ctx, "drop", collectors.Request{})
	took := time.Since(start)
	peak, allocated := stop()
	t.Logf("%.1f MiB spreadsheet: refused after %v, heap peak %.1f MiB, allocated %.1f MiB", float64(fi.Size())/mib, took.Round(time.Millisecond), float64(peak)/mib, float64(allocated)/mib)
	// A drop folder quarantines a file it cannot take, with the reason.
	if err != nil || len(results) != 1 {
		t.Fatalf("got %+v, %v; want one run", results, err)
	}
	res := results[0]
	if len(res.Rejects) != 1 || !regexp.MustCompile(`^million\.xlsx: more than \d+ rows$`).MatchString(res.Rejects[0].Reason) {
		t.Errorf("rejects: got %+v, want the file refused for its rows", res.Rejects)
	}
	if got, want := res.Run.Counts, (bizenv.Counts{Rejected: 1}); got != want {
		t.Errorf("counts: got %+v, want %+v", got, want)
	}
	if got := storedState(t, db); got != before {
		t.Errorf("stored history changed: got %s, want %s", got, before)
	}
	v, err := db.Verify(ctx, postgres.VerifyOptions{})
	if err != nil || !v.OK() || len(v.Warnings) > 0 {
		t.Errorf("verify: %v violations %q warnings %q", err, v.Violations, v.Warnings)
	}
}
