package main

import (
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestExtremeStoredValuesKeepMetrics stores the largest values of opposite
// sign the schema accepts in adjacent months of one series, as data written
// before today's bounds could hold, and scrapes: the other series are still
// there and the scrape succeeds.
func TestExtremeStoredValuesKeepMetrics(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	var stored []bizenv.Observation
	for _, o := range []struct {
		indicator, period string
		value             float64
	}{
		// An ordinary series beside them.
		{"city_assessment_rank", "2020-05", 9},
		{"city_assessment_rank", "2020-06", 8},
		// higher_better: the walk compares 2020-06 with 2020-05 and on.
		{"city_assessment_score", "2020-04", math.MaxFloat64},
		{"city_assessment_score", "2020-05", -math.MaxFloat64},
		{"city_assessment_score", "2020-06", math.MaxFloat64},
		// lower_better.
		{"unit_assessment_rank", "2020-05", -math.MaxFloat64},
		{"unit_assessment_rank", "2020-06", math.MaxFloat64},
	} {
		p, err := bizenv.ParsePeriod(o.period)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, bizenv.Observation{Indicator: o.indicator, Entity: "wuhan-edz", Period: p, Value: o.value, Source: "legacy"})
	}
	if _, err := db.Store(t.Context(), bizenv.Batch{Kind: bizenv.RunImport, Name: "legacy", Actor: "test", Observations: stored}); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, dsn)

	base, _ := startServe(t, dsn)
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d\n%s", code, body)
	}
	for _, want := range []string{
		"bizenv_scrape_success 1",
		`bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 8`,
		`bizenv_indicator_previous_value{entity="wuhan-edz",indicator="city_assessment_rank"} 9`,
		`bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_score"} 1.7976931348623157e+308`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
