package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// BenchmarkStoreNew stores 136,000 new observations (2,000 districts x 34
// indicators x 2 months, the import benchmark's set) into an empty history.
func BenchmarkStoreNew(b *testing.B) {
	ctx := context.Background()
	cat := bizenv.DefaultCatalog()
	for d := range 2000 {
		cat.Entities = append(cat.Entities, bizenv.Entity{Code: fmt.Sprintf("bench-d%04d", d), NameZH: "区", NameEN: "d", Kind: "district"})
	}
	var obs []bizenv.Observation
	for _, e := range cat.Entities[len(cat.Entities)-2000:] {
		for _, p := range []bizenv.Period{bizenv.NewPeriod(2021, 5), bizenv.NewPeriod(2021, 6)} {
			for k, i := range cat.Indicators[:34] {
				obs = append(obs, bizenv.Observation{Indicator: i.Code, Entity: e.Code, Period: p, Value: float64(k), Source: "bench"})
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		db := pgtest.New(b)
		if err := db.ApplyCatalog(ctx, cat); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		run, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: "bench", Observations: obs})
		if err != nil || run.Inserted != len(obs) {
			b.Fatal(run, err)
		}
	}
}
