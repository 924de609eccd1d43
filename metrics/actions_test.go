package metrics_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// Overdue turns at midnight in Shanghai with no write to the database, so
// the ledger's metrics must follow the clock, not the data version.
func TestActionsCollectorFollowsTheClock(t *testing.T) {
	now := time.Date(2021, 12, 31, 15, 59, 0, 0, time.UTC) // 23:59 in Shanghai
	action := func(id, owner string, st bizenv.ActionStatus) bizenv.Action {
		a := bizenv.Action{ID: id, Problem: "p", Entity: "wuhan-edz", Owner: owner, Opened: bizenv.Date{Year: 2021, Month: 9, Day: 2},
			Due: bizenv.Date{Year: 2021, Month: 12, Day: 31}, Status: st}
		if st == bizenv.ActionDone {
			a.Closed = bizenv.Date{Year: 2021, Month: 12, Day: 1}
		}
		return a
	}
	reg := actionsRegistry(t, func() time.Time { return now }, []bizenv.Action{
		action("A-1", "edz-dev-reform", bizenv.ActionInProgress), action("A-2", "edz-dev-reform", bizenv.ActionDone),
		action("A-3", "edz-tax", bizenv.ActionOpen)})
	const head = `# HELP bizenv_actions Rectification ledger actions by responsible unit and status (open, in_progress, done, ongoing).
# TYPE bizenv_actions gauge
bizenv_actions{owner="edz-dev-reform",status="done"} 1
bizenv_actions{owner="edz-dev-reform",status="in_progress"} 1
bizenv_actions{owner="edz-tax",status="open"} 1
# HELP bizenv_actions_overdue Open or in-progress ledger actions of the responsible unit whose due date is before today in Asia/Shanghai; 0 for a unit with actions and none overdue.
# TYPE bizenv_actions_overdue gauge
`
	want := head + `bizenv_actions_overdue{owner="edz-dev-reform"} 0
bizenv_actions_overdue{owner="edz-tax"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Errorf("on the due day: %v", err)
	}
	now = now.Add(time.Minute) // midnight in Shanghai; nothing written
	want = head + `bizenv_actions_overdue{owner="edz-dev-reform"} 1
bizenv_actions_overdue{owner="edz-tax"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Errorf("the day after: %v", err)
	}
}

// BenchmarkActionsCollector measures what the ledger adds to every scrape:
// one GROUP BY over 2,000 actions of 12 units.
func BenchmarkActionsCollector(b *testing.B) {
	var units []string
	for _, e := range bizenv.DefaultCatalog().Entities {
		if e.Parent == "wuhan-edz" {
			units = append(units, e.Code)
		}
	}
	var actions []bizenv.Action
	statuses := []bizenv.ActionStatus{bizenv.ActionOpen, bizenv.ActionInProgress, bizenv.ActionOngoing}
	for i := range 2000 {
		actions = append(actions, bizenv.Action{ID: fmt.Sprintf("B-%d", i), Problem: "p", Entity: "wuhan-edz",
			Owner: units[i%len(units)], Opened: bizenv.Date{Year: 2021, Month: 1, Day: 1},
			Due: bizenv.Date{Year: 2021 + i%8, Month: 6, Day: 30}, Status: statuses[i%len(statuses)]})
	}
	reg := actionsRegistry(b, nil, actions)
	b.ResetTimer()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// actionsRegistry imports actions into a new database through a ledger on
// the clock now (the system clock when nil) and returns a registry holding
// the ledger's collector.
func actionsRegistry(tb testing.TB, now func() time.Time, actions []bizenv.Action) *prometheus.Registry {
	tb.Helper()
	store := postgres.NewActionStore(pgtest.New(tb), now)
	if _, err := store.ImportActions(context.Background(), bizenv.ActionImport{Actor: "test", Actions: actions}); err != nil {
		tb.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewActionsCollector(store, slog.New(slog.DiscardHandler)))
	return reg
}
