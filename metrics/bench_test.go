package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// benchDB fills 16 entities x 35 indicators x 120 months (10 Decembers
// for the annual one), with runs of
// declines so that the streaks have something to walk.
func benchDB(b *testing.B) *postgres.DB {
	b.Helper()
	db := pgtest.New(b)
	cat := bizenv.DefaultCatalog()
	start := bizenv.NewPeriod(2015, 1)
	var o []bizenv.Observation
	for ii, ind := range cat.Indicators {
		for ei, ent := range cat.Entities[:16] {
			for m := range 120 {
				p := start.AddMonths(m)
				if ind.Frequency == bizenv.Annual && p.Month != 12 {
					continue // annual values are stored at December
				}
				// A saw tooth: falls for (ii+ei)%7+1 months, then jumps.
				tooth := (ii + ei) % 7
				v := float64(100 + m%(tooth+2)*-3 + ei)
				o = append(o, bizenv.Observation{Indicator: ind.Code, Entity: ent.Code, Period: p, Value: v, Source: "bench"})
			}
		}
	}
	if _, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "bench", Observations: o}); err != nil {
		b.Fatal(err)
	}
	if _, err := pgtest.SQL(b, db).Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return db
}

// everyScrapeAWrite is a store whose data version moves on every scrape,
// so that each one reads and renders the data again.
type everyScrapeAWrite struct {
	db      *postgres.DB
	version int64
}

func (s *everyScrapeAWrite) Snapshot(ctx context.Context) (*bizenv.Snapshot, error) {
	return s.db.Snapshot(ctx)
}

func (s *everyScrapeAWrite) DataVersion(context.Context) (int64, error) {
	s.version++
	return s.version, nil
}

// BenchmarkScrapeAfterWrite measures one scrape after a write: the snapshot
// read from PostgreSQL and the exposition rendered from it, as /metrics
// serves it.
func BenchmarkScrapeAfterWrite(b *testing.B) {
	h := newHandler(&everyScrapeAWrite{db: benchDB(b)}, prometheus.NewRegistry())
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "bizenv_scrape_success 1") {
			b.Fatalf("scrape failed: %d", rec.Code)
		}
	}
}

// BenchmarkSnapshot measures the database read alone.
func BenchmarkSnapshot(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Snapshot(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
