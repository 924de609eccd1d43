package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// worldBank serves collectors/worldbank/testdata/ID-PAGE.json for each
// indicator and page, and records the query strings it was asked.
type worldBank struct {
	mu      sync.Mutex
	queries []string
}

func (b *worldBank) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.queries = append(b.queries, r.URL.Path+"?"+r.URL.RawQuery)
	b.mu.Unlock()
	parts := strings.Split(r.URL.Path, "/")
	content, err := os.ReadFile(fmt.Sprintf("../../collectors/worldbank/testdata/%s-%s.json", parts[len(parts)-1], r.URL.Query().Get("page")))
	if err != nil {
		content, _ = os.ReadFile("../../collectors/worldbank/testdata/error.json")
	}
	w.Write(content)
}

// wantQueries checks that the queries asked since the last check are
// want, in order, and forgets them.
func (b *worldBank) wantQueries(t *testing.T, want ...string) {
	t.Helper()
	b.mu.Lock()
	got := b.queries
	b.queries = nil
	b.mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("queries: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCollectWorldBankLatest: a scheduled run (no period given) asks for
// the most recent non-empty values, so discontinued Doing Business series
// are found; a backfill keeps its explicit years; an indicator without any
// value is rejected with a reason instead of a silent success.
func TestCollectWorldBankLatest(t *testing.T) {
	dsn := pgtest.DSN(t)
	bank := &worldBank{}
	srv := httptest.NewServer(bank)
	defer srv.Close()
	catalog := writeFile(t, "wb.yaml", `indicators:
  - {code: wb_bizstart_days, name_zh: 开办企业所需时间（世界银行）, name_en: Time required to start a business (World Bank), unit: days, direction: lower_better, category: business_start, frequency: annual}
  - {code: wb_bizstart_procedures, name_zh: 开办企业手续（世界银行）, name_en: Start-up procedures (World Bank), unit: steps, direction: lower_better, category: business_start, frequency: annual}
entities:
  - {code: cn, name_zh: 中国, name_en: China, kind: country}
`)
	if r := runBizenv(t, dsn, "catalog", "apply", catalog); r.code() != exitOK {
		t.Fatalf("catalog apply: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	cfg := writeFile(t, "bizenv.yml", fmt.Sprintf(`collectors:
  - name: worldbank-china
    schedule: "0 4 1 * *"
    worldbank:
      base_url: %s/v2
      countries: {CHN: cn}
      indicators: {IC.REG.DURS: wb_bizstart_days, IC.REG.PROC: wb_bizstart_procedures}
      annual_month: 12
`, srv.URL))

	t.Run("scheduled run asks for the latest values", func(t *testing.T) {
		r := runBizenv(t, dsn, "collect", "--config.file", cfg)
		bank.wantQueries(t,
			"/v2/country/CHN/indicator/IC.REG.DURS?format=json&mrnev=5&page=1&per_page=1000",
			"/v2/country/CHN/indicator/IC.REG.DURS?format=json&mrnev=5&page=2&per_page=1000",
			"/v2/country/CHN/indicator/IC.REG.PROC?format=json&mrnev=5&page=1&per_page=1000",
		)
		if !strings.Contains(r.stdout, ": 3 inserted, 0 updated, 0 unchanged, 1 rejected (partial)") {
			t.Errorf("stdout: got %q", r.stdout)
		}
		// The series without a value is named, with the reason.
		if r.code() != exitRejected || !strings.Contains(r.stdout+r.stderr, "indicator IC.REG.PROC (wb_bizstart_procedures): the World Bank has no value for CHN in the 5 most recent values") {
			t.Errorf("exit %d: %v\nstdout %s\nstderr %s", r.code(), r.err, r.stdout, r.stderr)
		}
	})
	t.Run("backfill keeps its years", func(t *testing.T) {
		runBizenv(t, dsn, "collect", "--config.file", cfg, "--from", "2015-01", "--to", "2019-12")
		bank.wantQueries(t,
			"/v2/country/CHN/indicator/IC.REG.DURS?date=2015%3A2019&format=json&page=1&per_page=1000",
			"/v2/country/CHN/indicator/IC.REG.DURS?date=2015%3A2019&format=json&page=2&per_page=1000",
			"/v2/country/CHN/indicator/IC.REG.PROC?date=2015%3A2019&format=json&page=1&per_page=1000",
		)
	})
}
