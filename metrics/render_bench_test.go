package metrics_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
)

// renderSource serves one large snapshot whose version changes on every
// read, so that each scrape renders it again.
type renderSource struct {
	snap    *bizenv.Snapshot
	version int64
}

func (s *renderSource) DataVersion(context.Context) (int64, error) {
	s.version++
	return s.version, nil
}

func (s *renderSource) Snapshot(context.Context) (*bizenv.Snapshot, error) {
	snap := *s.snap
	snap.Version = s.version
	return &snap, nil
}

// BenchmarkRender measures the scrape that follows a catalog change, which
// renders everything: the exposition of 2,000 districts x 34 indicators
// rendered from a snapshot in memory (the database read is
// BenchmarkSnapshot's) and served gzipped, as Prometheus asks for it.
func BenchmarkRender(b *testing.B) {
	cat := bizenv.DefaultCatalog()
	snap := &bizenv.Snapshot{Catalog: cat}
	for d := 0; d < 2000; d++ {
		code := fmt.Sprintf("bench-d%04d", d)
		snap.Catalog.Entities = append(snap.Catalog.Entities, bizenv.Entity{Code: code, NameZH: code, NameEN: code, Kind: "district", Benchmark: "wuhan-avg"})
		for _, i := range cat.Indicators {
			prev, bench := 0.5, 0.6
			snap.Series = append(snap.Series, bizenv.SeriesStatus{Indicator: i.Code, Entity: code,
				Period: bizenv.NewPeriod(2021, 6), Value: 0.4, Previous: &prev, DeclineStreak: 1,
				Benchmark: "wuhan-avg", BenchmarkValue: &bench})
		}
	}
	src := &renderSource{snap: snap}
	h := newHandler(src, prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
