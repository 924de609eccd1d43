package worldbank_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/worldbank"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// catalog is the default catalog with the World Bank indicators the tests
// map to, as a catalog file would add them.
func catalog(freq bizenv.Frequency) bizenv.Catalog {
	c := bizenv.DefaultCatalog()
	c.Indicators = append(c.Indicators,
		bizenv.Indicator{Code: "wb_bizstart_days", NameZH: "开办企业所需时间（世界银行）", NameEN: "Time required to start a business (World Bank)", Unit: "days", Direction: bizenv.LowerBetter, Category: "business_start", Frequency: freq},
		bizenv.Indicator{Code: "wb_bizstart_procedures", NameZH: "开办企业手续（世界银行）", NameEN: "Start-up procedures (World Bank)", Unit: "steps", Direction: bizenv.LowerBetter, Category: "business_start", Frequency: bizenv.Annual},
	)
	c.Entities = append(c.Entities, bizenv.Entity{Code: "cn", NameZH: "中国", NameEN: "China", Kind: "country"})
	return c
}

// bank serves the fixture testdata/ID-PAGE.json for each indicator and
// page, and records the queries it was asked.
type bank struct {
	mu      sync.Mutex
	queries []string
}

func (b *bank) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.queries = append(b.queries, r.URL.Path+"?"+r.URL.RawQuery)
	b.mu.Unlock()
	parts := strings.Split(r.URL.Path, "/") // /v2/country/CHN/indicator/ID
	id := parts[len(parts)-1]
	content, err := os.ReadFile(fmt.Sprintf("testdata/%s-%s.json", id, r.URL.Query().Get("page")))
	if err != nil {
		content, _ = os.ReadFile("testdata/error.json") // as the bank does, with 200
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Write(content)
}

func source(t *testing.T, base string, indicators string) *worldbank.Source {
	t.Helper()
	c, err := config.Parse("t.yml", []byte(fmt.Sprintf(`
collectors:
  - name: worldbank-china
    schedule: "0 4 1 * *"
    worldbank:
      base_url: %s
      countries: {CHN: cn}
      indicators: %s
      annual_month: 12
`, base, indicators)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return worldbank.New(c.Sources[0], kind.Deps{Backoff: time.Millisecond})
}

func TestFetch(t *testing.T) {
	b := &bank{}
	srv := httptest.NewServer(b)
	defer srv.Close()
	src := source(t, srv.URL+"/v2", "{IC.REG.DURS: wb_bizstart_days, IC.REG.PROC: wb_bizstart_procedures}")
	cat := catalog(bizenv.Annual)
	if got, want := src.Plan([]bizenv.Period{bizenv.NewPeriod(2021, 9)}), [][]bizenv.Period{{bizenv.NewPeriod(2021, 9)}}; !reflect.DeepEqual(got, want) {
		t.Errorf("plan: got %v, want %v", got, want)
	}
	batch, err := src.Fetch(context.Background(), kind.Job{Periods: []bizenv.Period{bizenv.NewPeriod(2021, 9)}, Catalog: cat, Validator: ingest.NewValidator(cat, now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("observations", func(t *testing.T) {
		var got []string
		for _, o := range batch.Observations {
			got = append(got, fmt.Sprintf("%s %s %s %v %s", o.Period, o.Entity, o.Indicator, o.Value, o.Source))
		}
		// 2017 is null: skipped. 2018 arrives as a string.
		want := []string{
			"2019-12 cn wb_bizstart_days 8.6 worldbank:IC.REG.DURS",
			"2018-12 cn wb_bizstart_days 9 worldbank:IC.REG.DURS",
			"2016-12 cn wb_bizstart_days 28.9 worldbank:IC.REG.DURS",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("an indicator without any value is rejected", func(t *testing.T) {
		want := "indicator IC.REG.PROC (wb_bizstart_procedures): the World Bank has no value for CHN in 2017 to 2021; check the id, or whether the series is still published"
		if len(batch.Rejects) != 1 || batch.Rejects[0].Reason != want || batch.Rejects[0].Record != "IC.REG.PROC" {
			t.Errorf("got rejects %v, want one: %s", batch.Rejects, want)
		}
	})
	t.Run("every page asked for", func(t *testing.T) {
		want := []string{
			"/v2/country/CHN/indicator/IC.REG.DURS?date=2017%3A2021&format=json&page=1&per_page=1000",
			"/v2/country/CHN/indicator/IC.REG.DURS?date=2017%3A2021&format=json&page=2&per_page=1000",
			"/v2/country/CHN/indicator/IC.REG.PROC?date=2017%3A2021&format=json&page=1&per_page=1000",
		}
		if got := strings.Join(b.queries, "\n"); got != strings.Join(want, "\n") {
			t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
		}
	})
	t.Run("payloads", func(t *testing.T) {
		if got, want := len(batch.Payloads), 3; got != want {
			t.Errorf("got %d payloads, want %d (one per page)", got, want)
		}
	})
}

func TestYears(t *testing.T) {
	src := source(t, "https://api.worldbank.org/v2", "{IC.REG.DURS: wb_bizstart_days}")
	for _, tc := range []struct {
		name     string
		periods  []bizenv.Period
		from, to int
	}{
		{"last closed month", []bizenv.Period{bizenv.NewPeriod(2026, 10)}, 2022, 2026},
		{"backfill", []bizenv.Period{bizenv.NewPeriod(2015, 1), bizenv.NewPeriod(2019, 12)}, 2015, 2019},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to := src.Years(tc.periods)
			if from != tc.from || to != tc.to {
				t.Errorf("got %d:%d, want %d:%d", from, to, tc.from, tc.to)
			}
		})
	}
}

func TestRangeFor(t *testing.T) {
	src := source(t, "https://api.worldbank.org/v2", "{IC.REG.DURS: wb_bizstart_days}")
	for _, tc := range []struct {
		name      string
		periods   []bizenv.Period
		scheduled bool
		want      worldbank.Range
	}{
		{"scheduled", []bizenv.Period{bizenv.NewPeriod(2026, 10)}, true, worldbank.Range{Latest: 5}},
		{"one period asked for", []bizenv.Period{bizenv.NewPeriod(2019, 12)}, false, worldbank.Range{From: 2015, To: 2019}},
		{"backfill", []bizenv.Period{bizenv.NewPeriod(2015, 1), bizenv.NewPeriod(2019, 12)}, false, worldbank.Range{From: 2015, To: 2019}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := src.RangeFor(tc.periods, tc.scheduled); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/error/", func(w http.ResponseWriter, r *http.Request) {
		content, _ := os.ReadFile("testdata/error.json")
		w.Write(content) // status 200, as the bank answers
	})
	mux.HandleFunc("/html/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body>The service is unavailable.</body></html>"))
	})
	mux.HandleFunc("/truncated/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"page":1,"pages":1},[{"value":`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct{ name, want string }{
		{"error", "the World Bank API answered with an error: 120 Invalid value: The provided parameter value is not valid"},
		{"html", "an HTML or XML page, want JSON"},
		{"truncated", "not valid JSON (32 bytes; truncated or malformed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := source(t, srv.URL+"/"+tc.name, "{IC.REG.DURS: wb_bizstart_days}")
			_, err := src.FetchRange(context.Background(), worldbank.Range{From: 2019, To: 2020}, ingest.NewValidator(catalog(bizenv.Annual), now))
			want := fmt.Sprintf("GET %s/%s/country/CHN/indicator/IC.REG.DURS?date=2019%%3A2020&format=json&page=1&per_page=1000: %s", srv.URL, tc.name, tc.want)
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}

func TestCheckCatalog(t *testing.T) {
	src := source(t, "https://api.worldbank.org/v2", "{IC.REG.DURS: wb_bizstart_days}")
	for _, tc := range []struct {
		name string
		cat  bizenv.Catalog
		want string
	}{
		{"monthly", catalog(bizenv.Monthly), "indicator IC.REG.DURS maps to wb_bizstart_days, which is monthly in the catalog; World Bank values are annual: set frequency: annual"},
		{"missing", bizenv.DefaultCatalog(), "indicator IC.REG.DURS maps to wb_bizstart_days, which is not in the catalog; add it with a catalog file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := src.CheckCatalog(tc.cat)
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
