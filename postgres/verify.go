package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// VerifyOptions tune Verify; the zero value checks with the defaults.
type VerifyOptions struct {
	// Limit caps the violations listed per check; 1000 when 0.
	Limit int
	// RunningAfter is how long a run may be running before it is warned
	// about; DefaultRunningAfter when 0.
	RunningAfter time.Duration
}

// DefaultRunningAfter is how long a run may be running before Verify warns.
const DefaultRunningAfter = time.Hour

// Verification is what Verify found: violations of the history's
// invariants, which mean stored data is wrong, and warnings, which mean
// something needs a look (a run running for long, or left running by a
// process that is gone).
type Verification struct {
	Violations []string
	Warnings   []string
}

// OK reports whether no invariant is violated.
func (v Verification) OK() bool { return len(v.Violations) == 0 }

// verifyChecks are the invariants, in the order they are reported.
var verifyChecks = []string{
	"VerifyMissingRevisions",
	"VerifyExtraRevisions",
	"VerifyOrphanRevisions",
	"VerifyCatalogCodes",
	"VerifyValues",
	"VerifyRunCounts",
}

// Verify checks the history's invariants:
//
//   - every current observation has its revision chain: the superseded
//     revisions 1..revision-1, no gap, none extra, none at or above the
//     current one;
//   - no superseded revision lacks its current observation;
//   - every stored value's indicator and entity are in the catalog;
//   - every stored value is finite, and a ratio lies in [0,1];
//   - every finished run's counts match the rows it stored (inserted:
//     revision 1, updated: later revisions, both counted over the whole
//     history; rejected: its rejects, of which it stores the first
//     bizenv.MaxStoredRejects), and no stored row names a run that
//     does not exist or is still running.
//
// It reads in one repeatable-read transaction, so a write in progress is
// either wholly seen or not at all.
func (db *DB) Verify(ctx context.Context, opts VerifyOptions) (Verification, error) {
	if opts.Limit <= 0 {
		opts.Limit = 1000
	}
	if opts.RunningAfter <= 0 {
		opts.RunningAfter = DefaultRunningAfter
	}
	var v Verification
	tx, err := db.pool.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return v, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback()
	for _, name := range verifyChecks {
		var msgs []string
		if err := tx.SelectContext(ctx, &msgs, db.Query(name), opts.Limit); err != nil {
			return v, fmt.Errorf("verify (%s): %w", name, err)
		}
		v.Violations = append(v.Violations, msgs...)
	}
	var msgs []string
	if err := tx.SelectContext(ctx, &msgs, db.Query("VerifyLongRunning"), opts.Limit, opts.RunningAfter.Seconds()); err != nil {
		return v, fmt.Errorf("verify (VerifyLongRunning): %w", err)
	}
	v.Warnings = append(v.Warnings, msgs...)
	msgs = nil
	if err := tx.SelectContext(ctx, &msgs, db.Query("DeadRuns"), opts.Limit); err != nil {
		return v, fmt.Errorf("verify (DeadRuns): %w", err)
	}
	v.Warnings = append(v.Warnings, msgs...)
	return v, nil
}
