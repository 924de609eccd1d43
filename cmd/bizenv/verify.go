package main

import (
	"context"
	"fmt"

	"github.com/bizenv/bizenv/postgres"
)

// runVerify checks the history's invariants: exit 0 when they hold, 1 with
// each violation listed. Warnings (runs running for long, or left running
// by a process that is gone) do not change the exit code; --repair fails
// the runs whose process is gone before checking.
func runVerify(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("verify", env)
	runningAfter := fs.Duration("running-warning", postgres.DefaultRunningAfter, "warn about runs still running after this long")
	limit := fs.Int("limit", 1000, "list at most this many violations per check")
	repair := fs.Bool("repair", false, "first mark runs left running by a process that is gone as failed")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if *repair {
		ids, err := db.FailDeadRuns(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			fmt.Fprintf(env.stdout, "repaired: run %d marked failed (interrupted)\n", id)
		}
	}
	v, err := db.Verify(ctx, postgres.VerifyOptions{Limit: *limit, RunningAfter: *runningAfter})
	if err != nil {
		return err
	}
	for _, w := range v.Warnings {
		fmt.Fprintln(env.stdout, "warning:", w)
	}
	for _, m := range v.Violations {
		fmt.Fprintln(env.stdout, "violation:", m)
	}
	if !v.OK() {
		return &exitError{code: exitRejected, err: fmt.Errorf("verify: %d violation(s) of the history's invariants", len(v.Violations))}
	}
	fmt.Fprintln(env.stdout, "verify: the history's invariants hold")
	return nil
}
