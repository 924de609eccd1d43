package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// recordingSource records what each read of the handler asked for and got.
type recordingSource struct {
	*postgres.DB
	mu    sync.Mutex
	reads []read
}

type read struct {
	partial bool
	changed []string
	series  int
}

func (s *recordingSource) SnapshotSince(ctx context.Context, since int64, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) (*bizenv.Snapshot, error) {
	n := 0
	snap, err := s.DB.SnapshotSince(ctx, since, func(snap *bizenv.Snapshot, st bizenv.SeriesStatus) error {
		n++
		return fn(snap, st)
	})
	if err == nil {
		s.mu.Lock()
		s.reads = append(s.reads, read{snap.Partial, snap.Changed, n})
		s.mu.Unlock()
	}
	return snap, err
}

func (s *recordingSource) last(t *testing.T) read {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reads) == 0 {
		t.Fatal("no read")
	}
	return s.reads[len(s.reads)-1]
}

// dataSamples scrapes h and returns the data samples (without the
// scrape's own health and the live registry) as "name{labels} value" lines,
// sorted.
func dataSamples(t *testing.T, h http.Handler) []string {
	t.Helper()
	var out []string
	for name, f := range handlerScrape(t, h, false) {
		switch name {
		case "bizenv_scrape_success", "bizenv_data_stale", "bizenv_scrape_duration_seconds":
			continue
		}
		for _, m := range f.GetMetric() {
			out = append(out, sampleLine(name, m))
		}
	}
	slices.Sort(out)
	return out
}

func sampleLine(name string, m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	slices.Sort(labels)
	v := m.GetGauge().GetValue()
	if m.Counter != nil {
		v = m.GetCounter().GetValue()
	}
	return fmt.Sprintf("%s{%s} %v", name, strings.Join(labels, ","), v)
}

// After a write, the handler reads and renders again only the entities the
// write touched (and those benchmarked on them, and their peers, whose
// ranks among them move), and what it serves equals
// what a handler rendering everything afresh serves.
func TestHandlerRendersOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	if err := db.ApplyCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	var seed []bizenv.Observation
	for _, e := range []string{"wuhan-avg", "wuhan-edz", "wuhan-jiangan", "wuhan", "wuhan-hanyang"} {
		for _, p := range []string{"2021-04", "2021-05", "2021-06"} {
			seed = append(seed, obs("city_assessment_score", e, p, float64(80+len(e)+len(p))))
			seed = append(seed, obs("city_assessment_rank", e, p, float64(len(e))))
		}
	}
	store(t, db, seed...)
	src := &recordingSource{DB: db}
	h := newHandler(src, prometheus.NewRegistry())
	// fresh renders everything from the database as it is now.
	fresh := func() []string {
		return dataSamples(t, newHandler(db, prometheus.NewRegistry()))
	}
	check := func(t *testing.T, wantPartial bool, wantChanged []string) {
		t.Helper()
		got := dataSamples(t, h)
		if want := fresh(); !slices.Equal(got, want) {
			t.Errorf("served after the write differs from a fresh rendering:\n got %q\nwant %q", got, want)
		}
		r := src.last(t)
		if r.partial != wantPartial || !slices.Equal(r.changed, wantChanged) {
			t.Errorf("read: partial %v, entities %q; want partial %v, entities %q", r.partial, r.changed, wantPartial, wantChanged)
		}
	}

	if got := dataSamples(t, h); !slices.Contains(got, `bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 9`) {
		t.Fatalf("first scrape lacks wuhan-edz's rank:\n%q", got)
	}
	if r := src.last(t); r.partial || r.series != 10 {
		t.Fatalf("first read: partial %v with %d series, want everything (10 series)", r.partial, r.series)
	}

	// A district's write moves its peers' ranks (bizenv_indicator_peer_rank):
	// the districts are read again with it.
	var districts []string
	for _, e := range bizenv.DefaultCatalog().Entities {
		if e.Kind == "district" && e.Parent == "wuhan" {
			districts = append(districts, e.Code)
		}
	}
	slices.Sort(districts)
	t.Run("one entity's write", func(t *testing.T) {
		store(t, db, obs("city_assessment_rank", "wuhan-edz", "2021-07", 3))
		check(t, true, districts)
		if r := src.last(t); r.series != 6 {
			t.Errorf("series read: got %d, want the 2 of each of the 3 districts with data", r.series)
		}
	})
	t.Run("a revision", func(t *testing.T) {
		store(t, db, obs("city_assessment_score", "wuhan-jiangan", "2021-06", 1))
		check(t, true, districts)
	})
	t.Run("the benchmark's write reaches everything benchmarked on it", func(t *testing.T) {
		store(t, db, obs("city_assessment_score", "wuhan-avg", "2021-06", 99))
		var want []string
		for _, e := range bizenv.DefaultCatalog().Entities {
			if e.Code == "wuhan-avg" || e.Benchmark == "wuhan-avg" {
				want = append(want, e.Code)
			}
		}
		slices.Sort(want)
		check(t, true, want)
	})
	t.Run("a deleted observation", func(t *testing.T) {
		if _, err := pgtest.SQL(t, db).Exec(`DELETE FROM observations WHERE entity = 'wuhan' AND indicator = 'city_assessment_rank'`); err != nil {
			t.Fatal(err)
		}
		check(t, true, []string{"wuhan"})
	})
	t.Run("a write that changed nothing reads no series", func(t *testing.T) {
		if _, err := pgtest.SQL(t, db).Exec(`UPDATE observations SET value = value WHERE false`); err != nil {
			t.Fatal(err)
		}
		check(t, true, nil)
		if r := src.last(t); r.series != 0 {
			t.Errorf("series read: got %d, want 0", r.series)
		}
	})
	t.Run("a catalog change renders everything", func(t *testing.T) {
		cat := bizenv.DefaultCatalog()
		for i := range cat.Indicators {
			if cat.Indicators[i].Code == "city_assessment_score" {
				target := 90.0
				cat.Indicators[i].Target = &target
			}
		}
		if err := db.ApplyCatalog(ctx, cat); err != nil {
			t.Fatal(err)
		}
		check(t, false, nil)
	})
	t.Run("a run alone reads no series", func(t *testing.T) {
		run, err := db.StartRun(ctx, bizenv.RunCollector, "feed", "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FailRun(ctx, run, fmt.Errorf("unreachable")); err != nil {
			t.Fatal(err)
		}
		check(t, true, nil)
		got := dataSamples(t, h)
		if !slices.Contains(got, `bizenv_collector_runs_total{collector="feed",result="failure"} 1`) {
			t.Errorf("the failed run is not counted:\n%q", got)
		}
	})
}

// slowSource holds every read until released (or its context ends).
type slowSource struct {
	*postgres.DB
	release chan struct{}
	reads   atomic.Int64
}

func (s *slowSource) SnapshotSince(ctx context.Context, since int64, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) (*bizenv.Snapshot, error) {
	s.reads.Add(1)
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.DB.SnapshotSince(ctx, since, fn)
}

// A rendering that takes longer than a scrape may goes on after the scrape
// gave up, and a later scrape serves it: the first rendering of a national
// catalog can outlast the scrape timeout, and starting it again on every
// scrape would never finish.
func TestHandlerFinishesARenderingLongerThanAScrape(t *testing.T) {
	db := pgtest.New(t)
	if err := db.ApplyCatalog(context.Background(), bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	store(t, db, obs("city_assessment_rank", "wuhan-edz", "2021-06", 4))
	src := &slowSource{DB: db, release: make(chan struct{})}
	h := newHandler(src, prometheus.NewRegistry())
	metrics.SetTimeout(h, 20*time.Millisecond)

	got := handlerScrape(t, h, false)
	if _, ok := got["bizenv_indicator_value"]; ok {
		t.Fatal("data served before the rendering finished")
	}
	if v := gaugeOf(t, got, "bizenv_scrape_success"); v != 0 {
		t.Errorf("bizenv_scrape_success while rendering: got %v, want 0", v)
	}
	handlerScrape(t, h, false) // waits on the same rendering
	close(src.release)
	for range 500 {
		if got = handlerScrape(t, h, false); got["bizenv_indicator_value"] != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v := gaugeOf(t, got, "bizenv_indicator_value", "indicator", "city_assessment_rank", "entity", "wuhan-edz"); v != 4 {
		t.Errorf("value: got %v, want 4", v)
	}
	if v := gaugeOf(t, got, "bizenv_scrape_success"); v != 1 {
		t.Errorf("bizenv_scrape_success: got %v, want 1", v)
	}
	if n := src.reads.Load(); n != 1 {
		t.Errorf("reads: got %d, want 1 (the first, finished after its scrape gave up)", n)
	}
}
