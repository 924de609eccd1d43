package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// A snapshot never shows half of a write: while a collector stores one new
// series per run, the series a snapshot holds always match the records its
// collector runs say were inserted. Read in separate transactions, a commit
// between the two reads would break that.
func TestSnapshotIsConsistent(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	cat := bizenv.DefaultCatalog()
	var series []bizenv.Observation
	for _, i := range cat.Indicators[:10] {
		for _, e := range cat.Entities {
			series = append(series, obs(i.Code, e.Code, "2022-12", 1))
		}
	}

	var wg sync.WaitGroup
	done, stop := make(chan struct{}), make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for _, o := range series {
			select {
			case <-stop:
				return
			default:
			}
			_, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunCollector, Name: "feed", Actor: "test", Observations: []bizenv.Observation{o}})
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	defer wg.Wait()
	defer close(stop)

	snapshots := 0
	for running := true; running; snapshots++ {
		select {
		case <-done:
			running = false // one more snapshot, after the last write
		default:
		}
		s, err := db.Snapshot(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		inserted := 0
		for _, c := range s.Collectors {
			inserted += c.Records.Inserted
		}
		if len(s.Series) != inserted {
			t.Errorf("snapshot %d: %d series, but its runs inserted %d", snapshots, len(s.Series), inserted)
			return
		}
		if !running && inserted != len(series) {
			t.Errorf("final snapshot: %d series, want %d", inserted, len(series))
		}
	}
	t.Logf("%d snapshots during %d writes", snapshots, len(series))
}
