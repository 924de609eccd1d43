package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
)

// Snapshot reads the catalog, where every series stands and every
// collector's health in one read-only REPEATABLE READ transaction, so that
// it never shows half of a write and shows everything committed before it
// began, by any process.
func (db *DB) Snapshot(ctx context.Context) (*bizenv.Snapshot, error) {
	var series []bizenv.SeriesStatus
	s, err := db.SnapshotSince(ctx, 0, func(_ *bizenv.Snapshot, st bizenv.SeriesStatus) error {
		series = append(series, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Series = series
	return s, nil
}

// SnapshotSince reads a snapshot as Snapshot does, handing each series to
// fn (entity by entity) instead of keeping it. With since > 0 and no
// catalog change after that version it reads only the series of the
// entities written after it, and of the entities benchmarked on those (their
// vs_benchmark follows the benchmark's value): a Partial snapshot.
func (db *DB) SnapshotSince(ctx context.Context, since int64, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) (*bizenv.Snapshot, error) {
	tx, err := db.pool.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("snapshot: begin: %w", err)
	}
	defer tx.Rollback() // read-only: nothing to commit
	if _, err := tx.ExecContext(ctx, db.Query("SnapshotNoJIT")); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	var s bizenv.Snapshot
	if err := tx.GetContext(ctx, &s.Version, db.Query("DataVersion")); err != nil {
		return nil, fmt.Errorf("snapshot: read data version: %w", err)
	}
	if err := tx.SelectContext(ctx, &s.Catalog.Indicators, db.Query("Indicators")); err != nil {
		return nil, fmt.Errorf("snapshot: read indicators: %w", err)
	}
	if err := tx.SelectContext(ctx, &s.Catalog.Entities, db.Query("Entities")); err != nil {
		return nil, fmt.Errorf("snapshot: read entities: %w", err)
	}
	var only any // every entity
	if since > 0 {
		var changed struct {
			Everything bool           `db:"everything"`
			Entities   pq.StringArray `db:"entities"`
		}
		if err := tx.GetContext(ctx, &changed, db.Query("MetricsChangedSince"), since); err != nil {
			return nil, fmt.Errorf("snapshot: read changes since version %d: %w", since, err)
		}
		if !changed.Everything {
			s.Partial = true
			s.Changed = withPeers(withDependents(changed.Entities, s.Catalog.Entities), s.Catalog.Entities)
			only = pq.StringArray(s.Changed)
		}
	}
	if !s.Partial || len(s.Changed) > 0 {
		peers, err := db.snapshotPeerRanks(ctx, tx, only)
		if err != nil {
			return nil, fmt.Errorf("snapshot: read peer ranks: %w", err)
		}
		if err := db.snapshotSeries(ctx, tx, &s, only, peers.fill(fn)); err != nil {
			return nil, fmt.Errorf("snapshot: read series: %w", err)
		}
	}
	if s.Collectors, err = db.snapshotCollectors(ctx, tx); err != nil {
		return nil, fmt.Errorf("snapshot: read collector runs: %w", err)
	}
	return &s, nil
}

// withDependents adds to the changed entities those benchmarked on one.
func withDependents(changed []string, entities []bizenv.Entity) []string {
	set := make(map[string]bool, len(changed))
	for _, c := range changed {
		set[c] = true
	}
	out := slices.Clone(changed)
	for _, e := range entities {
		if !set[e.Code] && e.Benchmark != "" && set[e.Benchmark] {
			out = append(out, e.Code)
		}
	}
	slices.Sort(out)
	return out
}

// DataVersion returns the number that every committed write to the data
// /metrics shows changes.
func (db *DB) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.pool.GetContext(ctx, &v, db.Query("DataVersion")); err != nil {
		return 0, fmt.Errorf("read data version: %w", err)
	}
	return v, nil
}

func (db *DB) snapshotSeries(ctx context.Context, tx *sqlx.Tx, snap *bizenv.Snapshot, only any, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) error {
	rows, err := tx.QueryContext(ctx, db.Query("SnapshotSeries"), only)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			s      bizenv.SeriesStatus
			period time.Time
			since  *time.Time
		)
		err := rows.Scan(&s.Indicator, &s.Entity, &period, &s.Value, &s.Previous, &s.DeclineStreak, &since, &s.DeclineFrom, &s.Benchmark, &s.BenchmarkValue)
		if err != nil {
			return err
		}
		s.Period = bizenv.NewPeriod(period.Year(), period.Month())
		if since != nil {
			p := bizenv.PeriodOf(*since)
			s.DeclineSince = &p
		}
		if err := fn(snap, s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// snapshotCollectors runs the SnapshotCollectors query on q: the
// snapshot's transaction, or the pool for the API.
func (db *DB) snapshotCollectors(ctx context.Context, q sqlx.QueryerContext) ([]bizenv.CollectorStatus, error) {
	rows, err := q.QueryContext(ctx, db.Query("SnapshotCollectors"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bizenv.CollectorStatus
	for rows.Next() {
		var c bizenv.CollectorStatus
		err := rows.Scan(&c.Name, &c.Runs, &c.Latest, &c.LatestOutcome, &c.LastRun, &c.LastRunSucceeded, &c.LastSuccess, &c.Succeeded, &c.Failed,
			&c.Records.Inserted, &c.Records.Updated, &c.Records.Unchanged, &c.Records.Rejected)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
