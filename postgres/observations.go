package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
)

var _ bizenv.ObservationStore = (*DB)(nil)

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
	return db.StoreRun(ctx, run, b)
}

// StartRun records the start of a run, committed at once so that a run
// that never finishes is still seen.
func (db *DB) StartRun(ctx context.Context, kind, name, actor string) (bizenv.Run, error) {
	var r bizenv.Run
	if err := db.GetContext(ctx, &r, db.Query("StartRun"), kind, name, actor); err != nil {
		return r, fmt.Errorf("record run start: %w", err)
	}
	return r, nil
}

// FailRun records that a run failed with cause, storing no observation.
// The error text is what a user reads, so it must carry no secret.
func (db *DB) FailRun(ctx context.Context, run bizenv.Run, cause error) (bizenv.Run, error) {
	var r bizenv.Run
	err := db.GetContext(ctx, &r, db.Query("FinishRun"), run.ID, bizenv.OutcomeFailure, cause.Error(), 0, 0, 0, 0)
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

// write stores b's rejects and payloads and, unless rejects forbid it, its
// observations.
func (db *DB) write(ctx context.Context, tx *sqlx.Tx, runID int64, b bizenv.Batch) (bizenv.Counts, error) {
	if err := db.copyRejects(ctx, tx, runID, b.Rejects); err != nil {
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

// merge copies the observations into a staging table and merges them into
// the history with one statement.
func (db *DB) merge(ctx context.Context, tx *sqlx.Tx, runID int64, b bizenv.Batch) (bizenv.Counts, error) {
	if len(b.Observations) == 0 {
		return bizenv.Counts{}, nil
	}
	if _, err := tx.ExecContext(ctx, db.Query("CreateStaging")); err != nil {
		return bizenv.Counts{}, fmt.Errorf("create staging table: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, db.Query("CopyStaging"))
	if err != nil {
		return bizenv.Counts{}, fmt.Errorf("copy observations: %w", err)
	}
	for _, o := range b.Observations {
		if _, err := stmt.ExecContext(ctx, o.Indicator, o.Entity, o.Period.Time(), o.Value, o.Source, o.Note); err != nil {
			stmt.Close()
			return bizenv.Counts{}, fmt.Errorf("copy observations: %w", err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return bizenv.Counts{}, fmt.Errorf("copy observations: %w", err)
	}
	if err := stmt.Close(); err != nil {
		return bizenv.Counts{}, fmt.Errorf("copy observations: %w", err)
	}
	var res struct {
		Inserted int `db:"inserted"`
		Updated  int `db:"updated"`
		Staged   int `db:"staged"`
	}
	var run any
	if runID > 0 {
		run = runID
	}
	if err := tx.GetContext(ctx, &res, db.Query("MergeStaging"), run, b.Actor); err != nil {
		return bizenv.Counts{}, mergeError(err)
	}
	return bizenv.Counts{Inserted: res.Inserted, Updated: res.Updated, Unchanged: res.Staged - res.Inserted - res.Updated}, nil
}

// mergeError turns a foreign-key violation into an error a user can act on.
func mergeError(err error) error {
	var pqe *pq.Error
	if errors.As(err, &pqe) && pqe.Code == "23503" {
		return bizenv.Errorf(bizenv.EINVALID, "unknown indicator or entity: %s", pqe.Detail)
	}
	return fmt.Errorf("merge observations: %w", err)
}

func (db *DB) copyRejects(ctx context.Context, tx *sqlx.Tx, runID int64, rejects []bizenv.Reject) error {
	if len(rejects) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, db.Query("CopyRejects"))
	if err != nil {
		return fmt.Errorf("store rejects: %w", err)
	}
	defer stmt.Close()
	for _, r := range rejects {
		if _, err := stmt.ExecContext(ctx, runID, validUTF8(r.File), r.Line, validUTF8(r.Record), validUTF8(r.Reason)); err != nil {
			return fmt.Errorf("store rejects: %w", err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("store rejects: %w", err)
	}
	return nil
}

func (db *DB) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
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
