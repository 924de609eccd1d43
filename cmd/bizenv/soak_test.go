//go:build soak

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestSoak runs `bizenv serve` under scrapers of /metrics, API readers and
// an importer at once for BIZENV_SOAK_DURATION (default 2m), then checks
// that no request failed, no observation was lost or duplicated, every
// scrape saw each import whole, and the heap stayed flat. Run it with
// `go test -tags soak -run TestSoak -v ./cmd/bizenv/`.
func TestSoak(t *testing.T) {
	duration := 2 * time.Minute
	if s := os.Getenv("BIZENV_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		duration = d
	}
	const (
		scrapers  = 4
		readers   = 4
		indicator = "city_assessment_score"
		period    = "2021-09"
	)
	var entities []string
	for _, e := range bizenv.DefaultCatalog().Entities {
		entities = append(entities, e.Code)
	}

	bin := buildBizenv(t)
	dsn := pgtest.DSN(t)
	c := startChild(t, bin, []string{"BIZENV_DATABASE_URL=" + dsn, "BIZENV_API_TOKENS=soak:" + faultToken},
		"serve", "--web.listen-address=127.0.0.1:0")
	base := c.listening(t, "http")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

	var (
		mu        sync.Mutex
		latencies = map[string][]time.Duration{}
		failures  []string
		heap      []float64 // go_memstats_heap_inuse_bytes, scrape by scrape
		imports   int
	)
	record := func(kind string, d time.Duration, failure string) {
		mu.Lock()
		defer mu.Unlock()
		latencies[kind] = append(latencies[kind], d)
		if failure != "" && len(failures) < 50 {
			failures = append(failures, kind+": "+failure)
		}
	}
	stop := time.Now().Add(duration)
	var wg sync.WaitGroup

	// The importer: each batch sets the indicator of every entity to one
	// new value, so a scrape must see all of them old or all new.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; time.Now().Before(stop); i++ {
			var b strings.Builder
			b.WriteString("[")
			for j, e := range entities {
				if j > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"period":%q,"entity":%q,"indicator":%q,"value":%d}`, period, e, indicator, i)
			}
			b.WriteString("]")
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/observations", strings.NewReader(b.String()))
			req.Header.Set("Authorization", "Bearer "+faultToken)
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			resp, err := client.Do(req)
			failure := ""
			if err != nil {
				failure = err.Error()
			} else {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failure = fmt.Sprintf("%d %s", resp.StatusCode, body)
				}
			}
			record("import", time.Since(start), failure)
			if failure == "" {
				mu.Lock()
				imports = i
				mu.Unlock()
			} else {
				return
			}
		}
	}()

	for range scrapers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				start := time.Now()
				resp, err := client.Get(base + "/metrics")
				if err != nil {
					record("scrape", time.Since(start), err.Error())
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				d := time.Since(start)
				if err != nil || resp.StatusCode != http.StatusOK {
					record("scrape", d, fmt.Sprintf("%d %v", resp.StatusCode, err))
					continue
				}
				parser := expfmt.NewTextParser(model.UTF8Validation)
				families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
				if err != nil {
					record("scrape", d, "invalid exposition: "+err.Error())
					continue
				}
				values := map[float64]int{}
				if f := families["bizenv_indicator_value"]; f != nil {
					for _, m := range f.GetMetric() {
						for _, l := range m.GetLabel() {
							if l.GetName() == "indicator" && l.GetValue() == indicator {
								values[m.GetGauge().GetValue()]++
							}
						}
					}
				}
				failure := ""
				if len(values) > 1 {
					failure = fmt.Sprintf("a half-applied import: values %v", values)
				}
				record("scrape", d, failure)
				if f := families["go_memstats_heap_inuse_bytes"]; f != nil && len(f.GetMetric()) == 1 {
					mu.Lock()
					heap = append(heap, f.GetMetric()[0].GetGauge().GetValue())
					mu.Unlock()
				}
			}
		}()
	}
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths := []string{
				"/api/v1/series?indicator=" + indicator + "&entity=wuhan-edz&from=2021-01&to=2021-12",
				"/api/v1/rankings?indicator=" + indicator + "&period=" + period,
				"/api/v1/indicators",
				"/api/v1/collectors",
			}
			for n := 0; time.Now().Before(stop); n++ {
				path := paths[(i+n)%len(paths)]
				start := time.Now()
				resp, err := client.Get(base + path)
				if err != nil {
					record("api read", time.Since(start), err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				failure := ""
				if resp.StatusCode != http.StatusOK {
					failure = fmt.Sprintf("GET %s: %d", path, resp.StatusCode)
				}
				record("api read", time.Since(start), failure)
			}
		}()
	}
	wg.Wait()
	c.cmd.Process.Signal(syscall.SIGTERM)
	if code := c.wait(t); code != 0 {
		t.Errorf("serve: exit %d\n%s", code, c.log)
	}

	for _, f := range failures {
		t.Error(f)
	}
	for _, kind := range []string{"scrape", "api read", "import"} {
		ds := latencies[kind]
		slices.Sort(ds)
		if len(ds) == 0 {
			t.Errorf("no %s done", kind)
			continue
		}
		t.Logf("%-8s %6d requests, %7.1f/s, p50 %v, p99 %v, max %v", kind, len(ds), float64(len(ds))/duration.Seconds(),
			ds[len(ds)/2].Round(10*time.Microsecond), ds[len(ds)*99/100].Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond))
	}

	db := openDB(t, dsn)
	t.Run("nothing lost or duplicated", func(t *testing.T) {
		n := len(entities)
		for _, check := range []struct {
			what, query string
			want        int
		}{
			{"current values", `SELECT count(*) FROM observations WHERE indicator = $1`, n},
			{"current values at the last import", `SELECT count(*) FROM observations WHERE indicator = $1 AND revision = $2 AND value = $2`, n},
			{"revisions in all", `SELECT count(*) FROM observation_history WHERE indicator = $1`, n * imports},
			{"distinct revisions", `SELECT count(DISTINCT (entity, revision)) FROM observation_history WHERE indicator = $1`, n * imports},
			{"values equal to their revision", `SELECT count(*) FROM observation_history WHERE indicator = $1 AND value = revision`, n * imports},
			{"runs", `SELECT count(*) FROM runs WHERE kind = 'api' AND outcome = 'success' AND $1 <> '' AND $2 > 0`, imports},
		} {
			args := []any{indicator}
			if strings.Contains(check.query, "$2") {
				args = append(args, imports)
			}
			if got := count(t, db, check.query, args...); got != check.want {
				t.Errorf("%s: got %d, want %d", check.what, got, check.want)
			}
		}
	})
	t.Run("memory flat", func(t *testing.T) {
		if len(heap) < 20 {
			t.Fatalf("only %d heap samples", len(heap))
		}
		q := len(heap) / 4
		first, last := median(heap[:q]), median(heap[len(heap)-q:])
		t.Logf("heap in use: median %.1f MiB in the first quarter, %.1f MiB in the last, max %.1f MiB", first/(1<<20), last/(1<<20), slices.Max(heap)/(1<<20))
		if last > 2*first+16<<20 {
			t.Errorf("the heap grew from %.1f MiB to %.1f MiB", first/(1<<20), last/(1<<20))
		}
	})
	t.Run("verify passes", func(t *testing.T) { mustVerify(t, dsn) })
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
