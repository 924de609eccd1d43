package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
)

// Series returns one indicator's values for one entity from from to to,
// both included, oldest first.
func (db *DB) Series(ctx context.Context, indicator, entity string, from, to bizenv.Period) ([]bizenv.Point, error) {
	obs, err := db.observations(ctx, "Series", indicator, entity, from.Time(), to.Time())
	if err != nil {
		return nil, err
	}
	var out []bizenv.Point
	for _, o := range obs {
		out = append(out, bizenv.Point{Period: o.Period, Value: o.Value, Source: o.Source, Note: o.Note})
	}
	return out, nil
}

// PeriodValues returns one indicator's current value for every entity that
// has one in period, ordered by entity.
func (db *DB) PeriodValues(ctx context.Context, indicator string, period bizenv.Period) ([]bizenv.Observation, error) {
	return db.observations(ctx, "PeriodValues", indicator, period.Time())
}

// History returns the current values of the given entities from from to
// to, both included, ordered by entity, indicator and period.
func (db *DB) History(ctx context.Context, entities []string, from, to bizenv.Period) ([]bizenv.Observation, error) {
	return db.observations(ctx, "ReportHistory", pq.Array(entities), from.Time(), to.Time())
}

func (db *DB) observations(ctx context.Context, query string, args ...any) ([]bizenv.Observation, error) {
	rows, err := db.pool.QueryContext(ctx, db.Query(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read observations: %w", err)
	}
	defer rows.Close()
	var out []bizenv.Observation
	for rows.Next() {
		var (
			o bizenv.Observation
			t time.Time
		)
		if err := rows.Scan(&o.Indicator, &o.Entity, &t, &o.Value, &o.Source, &o.Note); err != nil {
			return nil, fmt.Errorf("read observations: %w", err)
		}
		o.Period = bizenv.NewPeriod(t.Year(), t.Month())
		out = append(out, o)
	}
	return out, rows.Err()
}

// Collectors returns every collector that has recorded a run, by name: the
// figures /metrics and the API show of it, read by one query.
func (db *DB) Collectors(ctx context.Context) ([]bizenv.CollectorStatus, error) {
	out, err := db.snapshotCollectors(ctx, db.pool)
	if err != nil {
		return nil, fmt.Errorf("read collectors: %w", err)
	}
	return out, nil
}

// CollectorRuns returns the newest limit runs of the named collector.
func (db *DB) CollectorRuns(ctx context.Context, name string, limit int) ([]bizenv.Run, error) {
	out := []bizenv.Run{}
	if err := db.pool.SelectContext(ctx, &out, db.Query("CollectorRuns"), name, limit); err != nil {
		return nil, fmt.Errorf("read runs of %s: %w", name, err)
	}
	return out, nil
}

// Rejects returns the newest limit rejects of run (0 for any run) and file
// ("" for any file).
func (db *DB) Rejects(ctx context.Context, run int64, file string, limit int) ([]bizenv.StoredReject, error) {
	out := []bizenv.StoredReject{}
	if err := db.pool.SelectContext(ctx, &out, db.Query("Rejects"), run, file, limit); err != nil {
		return nil, fmt.Errorf("read rejects: %w", err)
	}
	return out, nil
}
