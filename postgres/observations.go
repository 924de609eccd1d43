package postgres

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
)

// errDryRun rolls a dry run's transaction back once it has been counted.
var errDryRun = errors.New("dry run")

// Store records a run for b and writes it. See bizenv.ObservationStore.
func (db *DB) Store(ctx context.Context, b bizenv.Batch) (bizenv.Run, error) {
	if b.DryRun {
		return db.dryRun(ctx, b)
	}
	run, err := db.StartRun(ctx, b.Kind, b.Name, b.Actor)
	if err != nil {
		return run, err
	}
	r, err := db.StoreRun(ctx, run, b)
	db.logger.Debug("stored", "took", time.Since(run.StartedAt))
	return r, err
}

// StartRun records the start of a run, committed at once so that a run
// that never finishes is still seen.
// The run holds a lock until it is finished, by which a run left running
// by a dead process is told apart (runs.go).
func (db *DB) StartRun(ctx context.Context, kind, name, actor string) (bizenv.Run, error) {
	return db.startRun(ctx, kind, name, actor)
}

// FailRun records that a run failed with cause, storing no observation.
// The error text is what a user reads, so it must carry no secret.
func (db *DB) FailRun(ctx context.Context, run bizenv.Run, cause error) (bizenv.Run, error) {
	defer db.finishRun(run.ID)
	var r bizenv.Run
	err := db.pool.GetContext(ctx, &r, db.Query("FinishRun"), run.ID, bizenv.OutcomeFailure, cause.Error(), 0, 0, 0, 0)
	if err != nil {
		return run, fmt.Errorf("record run %d failure: %w", run.ID, err)
	}
	return r, nil
}

// StoreRun writes b as part of the started run: rejects, payloads and, when
// there are no rejects or b.AllowPartial is set, the observations, all in one
// transaction that also finishes the run. If the transaction fails the run
// is marked failed and nothing of b is stored.
func (db *DB) StoreRun(ctx context.Context, run bizenv.Run, b bizenv.Batch) (bizenv.Run, error) {
	var done bizenv.Run
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		counts, err := db.write(ctx, tx, run.ID, b)
		if err != nil {
			return err
		}
		outcome, msg := bizenv.OutcomeSuccess, ""
		switch {
		case counts.Rejected > 0 && !b.AllowPartial:
			outcome = bizenv.OutcomeFailure
			msg = fmt.Sprintf("%d record(s) rejected: nothing stored", counts.Rejected)
		case counts.Rejected > 0:
			outcome = bizenv.OutcomePartial
		}
		return tx.GetContext(ctx, &done, db.Query("FinishRun"), run.ID, outcome, msg,
			counts.Inserted, counts.Updated, counts.Unchanged, counts.Rejected)
	})
	if err != nil {
		// Record the failure outside the failed transaction, with a fresh
		// context so that a cancelled caller still leaves a finished run.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, ferr := db.FailRun(fctx, run, err); ferr != nil {
			db.logger.Error("record failed run", "run", run.ID, "err", ferr)
		}
		return run, err
	}
	db.finishRun(run.ID)
	return done, nil
}

// dryRun counts what b would do in a transaction that is rolled back.
func (db *DB) dryRun(ctx context.Context, b bizenv.Batch) (bizenv.Run, error) {
	run := bizenv.Run{Kind: b.Kind, Name: b.Name, Actor: b.Actor, StartedAt: db.now(), Outcome: bizenv.OutcomeSuccess}
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		b.Rejects = nil // counted below, not stored
		run.Counts, err = db.merge(ctx, tx, 0, b)
		if err != nil {
			return err
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return run, err
	}
	return run, nil
}

// write stores b's rejects (the first bizenv.MaxStoredRejects) and payloads
// and, unless rejects forbid it, its observations.
func (db *DB) write(ctx context.Context, tx *sqlx.Tx, runID int64, b bizenv.Batch) (bizenv.Counts, error) {
	if err := db.copyRejects(ctx, tx, runID, b.Rejects[:min(len(b.Rejects), bizenv.MaxStoredRejects)]); err != nil {
		return bizenv.Counts{}, err
	}
	for _, p := range b.Payloads {
		sum := p.SHA256
		if sum == "" {
			h := sha256.Sum256(p.Content)
			sum = hex.EncodeToString(h[:])
		}
		if _, err := tx.ExecContext(ctx, db.Query("InsertPayload"), runID, p.Name, sum, len(p.Content), p.Content); err != nil {
			return bizenv.Counts{}, fmt.Errorf("store payload %s: %w", p.Name, err)
		}
	}
	counts := bizenv.Counts{Rejected: len(b.Rejects)}
	if len(b.Rejects) > 0 && !b.AllowPartial {
		return counts, nil
	}
	merged, err := db.merge(ctx, tx, runID, b)
	if err != nil {
		return counts, err
	}
	merged.Rejected = counts.Rejected
	return merged, nil
}

// merge writes the observations of b. Writers take turns (an advisory
// lock held to the end of the transaction), so the keys found new are still
// new when they are copied straight into observations; the keys already
// stored go through a staging table and one statement that revises those
// whose value changed.
func (db *DB) merge(ctx context.Context, tx *sqlx.Tx, runID int64, b bizenv.Batch) (bizenv.Counts, error) {
	obs := lastOfEachKey(b.Observations)
	if len(obs) == 0 {
		return bizenv.Counts{}, nil
	}
	// CHECK (value = value) does not keep NaN out: PostgreSQL holds NaN
	// equal to itself.
	for _, o := range obs {
		if math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
			return bizenv.Counts{}, bizenv.Errorf(bizenv.EINVALID, "%s/%s/%s: value %v is not a finite number", o.Indicator, o.Entity, o.Period, o.Value).
				ZH("%s/%s/%s：数值 %v 不是有限数", o.Indicator, o.Entity, o.Period, o.Value)
		}
	}
	start := time.Now()
	if _, err := tx.ExecContext(ctx, db.Query("LockObservations")); err != nil {
		return bizenv.Counts{}, fmt.Errorf("lock observations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.Query("MergeWorkMem")); err != nil {
		return bizenv.Counts{}, fmt.Errorf("set work_mem: %w", err)
	}
	indicators, entities, periods := codesOf(obs)
	if err := db.checkCodes(ctx, tx, indicators, entities); err != nil {
		return bizenv.Counts{}, err
	}
	db.logger.Debug("checked codes", "took", time.Since(start))
	stored, err := db.storedKeys(ctx, tx, indicators, entities, periods)
	if err != nil {
		return bizenv.Counts{}, err
	}
	db.logger.Debug("found stored keys", "stored", len(stored), "took", time.Since(start))
	var fresh, known []bizenv.Observation
	for _, o := range obs {
		if _, ok := stored[keyOf(o)]; ok {
			known = append(known, o)
		} else {
			fresh = append(fresh, o)
		}
	}
	// In primary-key order the index takes the new rows at its right edge
	// instead of all over it.
	slices.SortFunc(fresh, func(a, b bizenv.Observation) int {
		return cmp.Or(strings.Compare(a.Indicator, b.Indicator), strings.Compare(a.Entity, b.Entity),
			a.Period.MonthsSince(b.Period))
	})
	var run any
	if runID > 0 {
		run = runID
	}
	err = copyIn(ctx, tx, db.Query("CopyObservations"), fresh, func(o bizenv.Observation) []any {
		return []any{o.Indicator, o.Entity, o.Period.Date(), o.Value, o.Source, o.Note, run, b.Actor}
	})
	if err != nil {
		return bizenv.Counts{}, fmt.Errorf("insert observations: %w", err)
	}
	db.logger.Debug("copied new observations", "rows", len(fresh), "took", time.Since(start))
	c := bizenv.Counts{Inserted: len(fresh)}
	if len(known) > 0 {
		if c.Updated, err = db.revise(ctx, tx, run, b.Actor, known); err != nil {
			return bizenv.Counts{}, err
		}
	}
	c.Unchanged = len(known) - c.Updated
	db.logger.Debug("merged observations", "rows", len(obs), "new", len(fresh), "stored", len(known), "took", time.Since(start))
	return c, nil
}

// revise stages observations whose keys are stored and revises those whose
// value changed.
func (db *DB) revise(ctx context.Context, tx *sqlx.Tx, run any, actor string, obs []bizenv.Observation) (int, error) {
	if _, err := tx.ExecContext(ctx, db.Query("CreateStaging")); err != nil {
		return 0, fmt.Errorf("create staging table: %w", err)
	}
	err := copyIn(ctx, tx, db.Query("CopyStaging"), obs, func(o bizenv.Observation) []any {
		return []any{o.Indicator, o.Entity, o.Period.Date(), o.Value, o.Source, o.Note}
	})
	if err != nil {
		return 0, fmt.Errorf("stage observations: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.Query("AnalyzeStaging")); err != nil {
		return 0, fmt.Errorf("analyze staging table: %w", err)
	}
	var n int
	if err := tx.GetContext(ctx, &n, db.Query("UpdateStaged"), run, actor); err != nil {
		return 0, fmt.Errorf("revise observations: %w", err)
	}
	return n, nil
}

func (db *DB) checkCodes(ctx context.Context, tx *sqlx.Tx, indicators, entities []string) error {
	var unknown struct {
		Kind string `db:"kind"`
		Code string `db:"code"`
	}
	err := tx.GetContext(ctx, &unknown, db.Query("UnknownCodes"), pq.Array(indicators), pq.Array(entities))
	switch {
	case err == nil:
		// NameError's words, but a batch with an unknown code is invalid.
		e := bizenv.NameError(unknown.Kind, unknown.Code, nil)
		e.Code = bizenv.EINVALID
		return e
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check codes: %w", err)
	}
	return nil
}

func (db *DB) storedKeys(ctx context.Context, tx *sqlx.Tx, indicators, entities []string, periods []time.Time) (map[obsKey]struct{}, error) {
	rows, err := tx.QueryContext(ctx, db.Query("StoredKeys"), pq.Array(indicators), pq.Array(entities), pq.Array(periods))
	if err != nil {
		return nil, fmt.Errorf("find stored observations: %w", err)
	}
	defer rows.Close()
	stored := map[obsKey]struct{}{}
	for rows.Next() {
		var k obsKey
		var t time.Time
		if err := rows.Scan(&k.indicator, &k.entity, &t); err != nil {
			return nil, fmt.Errorf("find stored observations: %w", err)
		}
		k.period = bizenv.PeriodOf(t.UTC())
		stored[k] = struct{}{}
	}
	return stored, rows.Err()
}

type obsKey struct {
	indicator, entity string
	period            bizenv.Period
}

func keyOf(o bizenv.Observation) obsKey { return obsKey{o.Indicator, o.Entity, o.Period} }

// lastOfEachKey drops all but the last observation of each key, keeping
// the batch's order: a later record for a key wins, as in a file read top
// to bottom.
func lastOfEachKey(obs []bizenv.Observation) []bizenv.Observation {
	last := make(map[obsKey]int, len(obs))
	for i, o := range obs {
		last[keyOf(o)] = i
	}
	if len(last) == len(obs) {
		return obs
	}
	out := make([]bizenv.Observation, 0, len(last))
	for i, o := range obs {
		if last[keyOf(o)] == i {
			out = append(out, o)
		}
	}
	return out
}

func codesOf(obs []bizenv.Observation) (indicators, entities []string, periods []time.Time) {
	seenI, seenE, seenP := map[string]bool{}, map[string]bool{}, map[bizenv.Period]bool{}
	for _, o := range obs {
		if !seenI[o.Indicator] {
			seenI[o.Indicator] = true
			indicators = append(indicators, o.Indicator)
		}
		if !seenE[o.Entity] {
			seenE[o.Entity] = true
			entities = append(entities, o.Entity)
		}
		if !seenP[o.Period] {
			seenP[o.Period] = true
			periods = append(periods, o.Period.Time())
		}
	}
	return indicators, entities, periods
}

// copyIn streams rows into a prepared COPY ... FROM STDIN statement.
func copyIn[T any](ctx context.Context, tx *sqlx.Tx, query string, rows []T, values func(T) []any) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, values(r)...); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return err
}

func (db *DB) copyRejects(ctx context.Context, tx *sqlx.Tx, runID int64, rejects []bizenv.Reject) error {
	err := copyIn(ctx, tx, db.Query("CopyRejects"), rejects, func(r bizenv.Reject) []any {
		return []any{runID, validUTF8(r.File), r.Line, validUTF8(r.Record), validUTF8(r.Reason), r.Code, validUTF8(r.ReasonZH)}
	})
	if err != nil {
		return fmt.Errorf("store rejects: %w", err)
	}
	return nil
}

func (db *DB) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := db.pool.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
