package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/report"
)

func date(y int, m time.Month, d int) bizenv.Date { return bizenv.Date{Year: y, Month: m, Day: d} }

// The 整改事项 section: open actions of the district and its units, those
// linked to this month's declined indicators first; actions closed in the
// last six months with their effect; nothing of other districts, of later
// months or closed long ago.
func TestReportActions(t *testing.T) {
	ctx := context.Background()
	db := demoDB(t)
	store := postgres.NewActionStore(db, nil)
	act := func(id, entity, owner string, st bizenv.ActionStatus, opened, due, closed bizenv.Date, ind ...string) bizenv.Action {
		if ind == nil {
			ind = []string{}
		}
		return bizenv.Action{ID: id, Title: id, Problem: "p", Entity: entity, Owner: owner, Status: st, Opened: opened, Due: due, Closed: closed, Indicators: ind}
	}
	in := bizenv.ActionImport{Actor: "x", Actions: []bizenv.Action{
		act("A-OLD", "wuhan-edz", "edz-tax", bizenv.ActionInProgress, date(2020, 6, 1), date(2020, 7, 1), bizenv.Date{}),
		act("A-LINK", "wuhan-edz", "edz-dev-reform", bizenv.ActionOpen, date(2020, 11, 1), date(2020, 12, 31), bizenv.Date{}, "policy_payout_ontime_rate"),
		act("A-DONE", "wuhan-edz", "edz-admin-approval", bizenv.ActionDone, date(2020, 9, 1), date(2020, 12, 31), date(2020, 10, 15), "ywtb_case_volume"),
		act("A-LONG-AGO", "wuhan-edz", "edz-tax", bizenv.ActionDone, date(2020, 1, 1), bizenv.Date{}, date(2020, 3, 1)),
		act("A-LATER", "wuhan-edz", "edz-tax", bizenv.ActionOpen, date(2021, 1, 1), date(2021, 1, 5), bizenv.Date{}),
		act("A-OTHER", "wuhan-jiangan", "wuhan-jiangan", bizenv.ActionOpen, date(2020, 6, 1), date(2020, 7, 1), bizenv.Date{}),
	}}
	if _, err := store.ImportActions(ctx, in); err != nil {
		t.Fatal(err)
	}
	r := build(t, db, "2020-11", "wuhan-edz")
	if r.Actions == nil {
		t.Fatal("no 整改事项 section")
	}
	var open, closed []string
	for _, a := range r.Actions.Open {
		open = append(open, a.ID)
	}
	for _, a := range r.Actions.Closed {
		closed = append(closed, a.ID)
	}
	if len(open) != 2 || open[0] != "A-LINK" || open[1] != "A-OLD" {
		t.Errorf("open: got %v, want [A-LINK A-OLD] (linked to a declined indicator first)", open)
	}
	if len(closed) != 1 || closed[0] != "A-DONE" {
		t.Fatalf("closed: got %v, want [A-DONE]", closed)
	}
	link := r.Actions.Open[0]
	// The report counts overdue days to today.
	if want := date(2020, 12, 31).DaysUntil(bizenv.Today(time.Now())); !link.Declined || link.OwnerName != "区发改局" || !link.Overdue || link.DaysOverdue != want {
		t.Errorf("A-LINK: got %+v", link)
	}
	e := r.Actions.Closed[0].Effects
	if len(e) != 1 || e[0].Then == nil || *e[0].Then != 0.6692 || e[0].Now == nil || *e[0].Now != 0.6978 ||
		e[0].Improvement == nil || *e[0].Improvement != 0.0286 {
		t.Errorf("A-DONE effect: got %+v", e)
	}
	page := written(t, r, report.FormatHTML)
	for _, want := range []string{"<h2>整改事项</h2>", "A-LINK A-LINK <span class=\"bad\">（关联本月下滑指标）</span>", "一网通办办件量成效 66.92% → 69.78%"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if got := e[0].ZH(); got != "一网通办办件量成效 66.92% → 69.78%（+2.86个百分点）" {
		t.Errorf("effect text: got %q", got)
	}
}
