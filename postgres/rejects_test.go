package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestStoreBoundsRejects stores a batch of many more rejects than are
// kept: the first bizenv.MaxStoredRejects are stored, the run counts all,
// and the history verifies; a batch at the bound keeps every reject, and
// one reject fewer than recorded is still a violation.
func TestStoreBoundsRejects(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	rejects := func(n int) []bizenv.Reject {
		r := make([]bizenv.Reject, n)
		for i := range r {
			r[i] = bizenv.Reject{File: "api", Line: i + 1, Record: "1", Reason: "want an object"}
		}
		return r
	}
	for _, tc := range []struct {
		name       string
		rejects    int
		wantStored int
	}{
		{"flood", 25_000, bizenv.MaxStoredRejects},
		{"at the bound", bizenv.MaxStoredRejects, bizenv.MaxStoredRejects},
		{"under the bound", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunAPI, Name: "api", Actor: "test", Rejects: rejects(tc.rejects)})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := run.Rejected, tc.rejects; got != want {
				t.Errorf("run counts %d rejected, want %d", got, want)
			}
			if got := count(t, db, "SELECT count(*) FROM rejects WHERE run_id = $1", run.ID); got != tc.wantStored {
				t.Errorf("stored %d rejects, want %d", got, tc.wantStored)
			}
			if got, want := count(t, db, "SELECT max(line) FROM rejects WHERE run_id = $1", run.ID), tc.wantStored; got != want {
				t.Errorf("last stored reject is record %d, want %d: the first ones are kept", got, want)
			}
			mustVerifyStore(t, db)
		})
	}
	t.Run("a missing reject is still a violation", func(t *testing.T) {
		run, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunAPI, Name: "api", Actor: "test", Rejects: rejects(5)})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `DELETE FROM rejects WHERE run_id = $1 AND line = 5`, run.ID)
		v, err := db.Verify(ctx, postgres.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("run %d (api api): recorded 5 rejected, but 4 stored", run.ID); len(v.Violations) != 1 || v.Violations[0] != want {
			t.Errorf("violations: got %q, want %q", v.Violations, want)
		}
	})
}

func mustVerifyStore(t *testing.T, db *postgres.DB) {
	t.Helper()
	v, err := db.Verify(context.Background(), postgres.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Errorf("verify: %q", v.Violations)
	}
}
