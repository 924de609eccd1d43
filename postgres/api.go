package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
)

// Point is one period's value of a series, with where it came from.
type Point struct {
	Period bizenv.Period
	Value  float64
	Source string
	Note   string
}

// Series returns one indicator's values for one entity from from to to,
// both included, oldest first.
func (db *DB) Series(ctx context.Context, indicator, entity string, from, to bizenv.Period) ([]Point, error) {
	rows, err := db.pool.QueryContext(ctx, db.Query("Series"), indicator, entity, from.Time(), to.Time())
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var (
			p Point
			t time.Time
		)
		if err := rows.Scan(&t, &p.Value, &p.Source, &p.Note); err != nil {
			return nil, fmt.Errorf("read series: %w", err)
		}
		p.Period = bizenv.NewPeriod(t.Year(), t.Month())
		out = append(out, p)
	}
	return out, rows.Err()
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

// CollectorSummary is what the recorded runs say about one collector.
type CollectorSummary struct {
	Name        string     `db:"name"`
	Runs        int64      `db:"runs"`
	LastRun     *time.Time `db:"last_run"`
	LastOutcome string     `db:"last_outcome"`
	LastSuccess *time.Time `db:"last_success"`
}

// Collectors returns every collector that has recorded a run, by name.
func (db *DB) Collectors(ctx context.Context) ([]CollectorSummary, error) {
	var out []CollectorSummary
	if err := db.pool.SelectContext(ctx, &out, db.Query("Collectors")); err != nil {
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

// StoredReject is a rejected record as stored, with the run that read it.
type StoredReject struct {
	ID        int64     `db:"id" json:"id"`
	RunID     int64     `db:"run_id" json:"run_id"`
	File      string    `db:"file" json:"file"`
	Line      int       `db:"line" json:"line"`
	Record    string    `db:"record" json:"record"`
	Reason    string    `db:"reason" json:"reason"`
	Code      string    `db:"code" json:"code"`
	ReasonZH  string    `db:"reason_zh" json:"reason_zh"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Rejects returns the newest limit rejects of run (0 for any run) and file
// ("" for any file).
func (db *DB) Rejects(ctx context.Context, run int64, file string, limit int) ([]StoredReject, error) {
	out := []StoredReject{}
	if err := db.pool.SelectContext(ctx, &out, db.Query("Rejects"), run, file, limit); err != nil {
		return nil, fmt.Errorf("read rejects: %w", err)
	}
	return out, nil
}
