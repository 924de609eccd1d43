package metrics_test

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// countingSource counts the snapshots it reads, to show that an unchanged
// data version is served from memory.
type countingSource struct {
	*postgres.DB
	snapshots atomic.Int64
	down      atomic.Bool
}

func (s *countingSource) SnapshotSince(ctx context.Context, since int64, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) (*bizenv.Snapshot, error) {
	s.snapshots.Add(1)
	return s.DB.SnapshotSince(ctx, since, fn)
}

func (s *countingSource) DataVersion(ctx context.Context) (int64, error) {
	if s.down.Load() {
		return 0, io.ErrUnexpectedEOF
	}
	return s.DB.DataVersion(ctx)
}

func TestHandlerRendersOncePerDataChange(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if err := db.ApplyCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	store(t, db, obs("city_assessment_rank", "wuhan-edz", "2020-10", 14))
	src := &countingSource{DB: db}
	live := prometheus.NewRegistry()
	live.MustRegister(metrics.NewBuildInfo("test", "abc"))
	h := newHandler(src, live)

	first := handlerScrape(t, h, false)
	if got, want := gaugeOf(t, first, "bizenv_indicator_value", "indicator", "city_assessment_rank", "entity", "wuhan-edz"), 14.0; got != want {
		t.Errorf("value: got %v, want %v", got, want)
	}
	if _, ok := first["bizenv_build_info"]; !ok {
		t.Error("the live registry's metrics are missing")
	}
	handlerScrape(t, h, true)
	if got := src.snapshots.Load(); got != 1 {
		t.Errorf("snapshots read for two scrapes of unchanged data: got %d, want 1", got)
	}

	t.Run("a write by another process shows on the next scrape", func(t *testing.T) {
		store(t, pgtest.Open(t, dsn), obs("city_assessment_rank", "wuhan-edz", "2020-11", 15))
		got := handlerScrape(t, h, true)
		if v := gaugeOf(t, got, "bizenv_indicator_value", "indicator", "city_assessment_rank", "entity", "wuhan-edz"); v != 15 {
			t.Errorf("value after the write: got %v, want 15", v)
		}
		if v := gaugeOf(t, got, "bizenv_indicator_previous_value", "indicator", "city_assessment_rank", "entity", "wuhan-edz"); v != 14 {
			t.Errorf("previous after the write: got %v, want 14", v)
		}
		if got := src.snapshots.Load(); got != 2 {
			t.Errorf("snapshots read: got %d, want 2", got)
		}
	})

	t.Run("the last rendering is served stale while the database is down", func(t *testing.T) {
		src.down.Store(true)
		defer src.down.Store(false)
		got := handlerScrape(t, h, false)
		if v := gaugeOf(t, got, "bizenv_data_stale"); v != 1 {
			t.Errorf("bizenv_data_stale: got %v, want 1", v)
		}
		if v := gaugeOf(t, got, "bizenv_scrape_success"); v != 0 {
			t.Errorf("bizenv_scrape_success: got %v, want 0", v)
		}
		if v := gaugeOf(t, got, "bizenv_indicator_value", "indicator", "city_assessment_rank", "entity", "wuhan-edz"); v != 15 {
			t.Errorf("stale value: got %v, want 15", v)
		}
	})

	t.Run("healthy again", func(t *testing.T) {
		got := handlerScrape(t, h, false)
		if v := gaugeOf(t, got, "bizenv_data_stale"); v != 0 {
			t.Errorf("bizenv_data_stale: got %v, want 0", v)
		}
	})
}

func TestHandlerWithoutAnyData(t *testing.T) {
	src := &countingSource{DB: pgtest.New(t)}
	src.down.Store(true)
	h := newHandler(src, prometheus.NewRegistry())
	got := handlerScrape(t, h, false)
	if v := gaugeOf(t, got, "bizenv_data_stale"); v != 0 {
		t.Errorf("bizenv_data_stale with nothing to serve: got %v, want 0", v)
	}
	if _, ok := got["bizenv_indicator_info"]; ok {
		t.Error("data metrics served without any data read")
	}
	if v := gaugeOf(t, got, "bizenv_scrape_success"); v != 0 {
		t.Errorf("bizenv_scrape_success: got %v, want 0", v)
	}
}

// TestServedFiguresRounded: /metrics serves derived figures rounded to 10
// significant digits, not the noise of float subtraction.
func TestServedFiguresRounded(t *testing.T) {
	db := pgtest.New(t)
	store(t, db,
		obs("bad_review_fix_rate", "wuhan-edz", "2020-10", 0.9409),
		obs("bad_review_fix_rate", "wuhan-edz", "2020-11", 0.9342),
		obs("bad_review_fix_rate", "wuhan-avg", "2020-11", 0.9409),
		obs("ywtb_case_volume", "wuhan-edz", "2020-11", 0.6667),
		obs("ywtb_case_volume", "wuhan-avg", "2020-11", 0.8833),
		obs("taxloan_credit_amount", "wuhan-edz", "2020-10", 968634500.12),
		obs("taxloan_credit_amount", "wuhan-edz", "2020-11", 551052900.12),
	)
	body := get(t, newHandler(db, prometheus.NewRegistry()), false)
	for _, want := range []string{
		`bizenv_indicator_change{entity="wuhan-edz",indicator="bad_review_fix_rate"} -0.0067` + "\n",
		`bizenv_indicator_improvement{entity="wuhan-edz",indicator="bad_review_fix_rate"} -0.0067` + "\n",
		`bizenv_indicator_vs_benchmark{benchmark="wuhan-avg",entity="wuhan-edz",indicator="bad_review_fix_rate"} -0.0067` + "\n",
		`bizenv_indicator_vs_benchmark{benchmark="wuhan-avg",entity="wuhan-edz",indicator="ywtb_case_volume"} -0.2166` + "\n",
		`bizenv_indicator_value{entity="wuhan-edz",indicator="taxloan_credit_amount"} 5.510529001e+08` + "\n",
		`bizenv_indicator_decline_streak_start_value{entity="wuhan-edz",indicator="taxloan_credit_amount"} 9.686345001e+08` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
