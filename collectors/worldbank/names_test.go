package worldbank_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/worldbank"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// Countries and indicators may be mapped by name_zh or alias: the catalog
// check and the observations are those of the mapping by code.
func TestMappingByName(t *testing.T) {
	srv := httptest.NewServer(&bank{})
	defer srv.Close()
	cat := catalog(bizenv.Annual)
	fetched := func(countries, indicators string) (string, error) {
		t.Helper()
		yml := fmt.Sprintf("collectors:\n  - {name: wb, schedule: \"@daily\", worldbank: {base_url: %q, countries: %s, indicators: %s}}\n",
			srv.URL+"/v2", countries, indicators)
		c, err := config.Parse("t.yml", []byte(yml), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		src := worldbank.New(c.Sources[0], kind.Deps{Backoff: time.Millisecond})
		b, err := src.Fetch(context.Background(), kind.Job{Periods: []bizenv.Period{bizenv.NewPeriod(2021, 9)}, Catalog: cat, Validator: ingest.NewValidator(cat, now)})
		return fmt.Sprint(b.Observations, b.Rejects), err
	}
	codes, err := fetched("{CHN: cn}", "{IC.REG.DURS: wb_bizstart_days}")
	if err != nil {
		t.Fatal(err)
	}
	names, err := fetched("{CHN: 中国}", "{IC.REG.DURS: 开办企业所需时间(世界银行)}")
	if err != nil {
		t.Fatal(err)
	}
	if names != codes || codes == "[] []" {
		t.Errorf("mapped by name:\n%s\nmapped by code:\n%s", names, codes)
	}
	for _, tc := range []struct{ countries, indicators, want string }{
		{"{CHN: 中华}", "{IC.REG.DURS: wb_bizstart_days}", "country CHN maps to 中华, which is not in the catalog; add it with a catalog file"},
		{"{CHN: 中国}", "{IC.REG.DURS: 开办企业时间}", "indicator IC.REG.DURS maps to 开办企业时间, which is not in the catalog; add it with a catalog file"},
		{"{CHN: 中国}", "{IC.REG.DURS: 考核排名}", "indicator IC.REG.DURS maps to 考核排名, which is monthly in the catalog; World Bank values are annual: set frequency: annual"},
	} {
		if _, err := fetched(tc.countries, tc.indicators); err == nil || err.Error() != tc.want {
			t.Errorf("%s %s: got %v, want %s", tc.countries, tc.indicators, err, tc.want)
		}
	}
}
