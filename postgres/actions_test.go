package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func day(s string) bizenv.Date {
	d, err := bizenv.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ledgerAction(id string) bizenv.Action {
	return bizenv.Action{
		ID: id, Problem: "好差评推送率偏低", Measure: "开通好差评功能", Origin: "巡察反馈",
		Entity: "wuhan-edz", Owner: "edz-dev-reform", Indicators: []string{"review_push_rate"},
		Opened: day("2021-09-02"), Due: day("2021-12-31"), Status: bizenv.ActionInProgress, Source: "ledger.csv",
	}
}

// A re-import with a change updates the action and keeps the row as it was,
// with who wrote it and who changed it; an identical re-import changes
// nothing.
func TestImportActionsKeepsHistory(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewActionStore(pgtest.New(t), nil)
	a := ledgerAction("XC2021-18")
	in := bizenv.ActionImport{Actions: []bizenv.Action{a}, Notes: map[string]string{"XC2021-18": "已召开培训会"}, Actor: "wang"}
	if c, err := s.ImportActions(ctx, in); err != nil || c != (bizenv.Counts{Inserted: 1}) {
		t.Fatalf("first import: got %+v, %v", c, err)
	}
	if c, err := s.ImportActions(ctx, in); err != nil || c != (bizenv.Counts{Unchanged: 1}) {
		t.Fatalf("same import: got %+v, %v", c, err)
	}
	b := a
	b.Status, b.Closed = bizenv.ActionDone, day("2021-11-30")
	in2 := bizenv.ActionImport{Actions: []bizenv.Action{b}, Notes: map[string]string{"XC2021-18": "已开通好差评功能"}, Actor: "li"}
	if c, err := s.ImportActions(ctx, in2); err != nil || c != (bizenv.Counts{Updated: 1}) {
		t.Fatalf("changed import: got %+v, %v", c, err)
	}
	got, err := s.Action(ctx, "XC2021-18")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != bizenv.ActionDone || got.Closed != day("2021-11-30") || got.Revision != 2 || got.ChangedBy != "li" {
		t.Errorf("current: got %+v", got)
	}
	if len(got.History) != 1 {
		t.Fatalf("history: got %d revisions, want 1", len(got.History))
	}
	h := got.History[0]
	if h.Revision != 1 || h.ChangedBy != "wang" || h.ReplacedBy != "li" || h.Action.Status != bizenv.ActionInProgress ||
		!h.Action.Closed.IsZero() || h.Action.Problem != a.Problem || !slices.Equal(h.Fields, []string{"status", "closed"}) {
		t.Errorf("revision 1: got %+v", h)
	}
	if len(got.Notes) != 2 || got.Notes[0].Author != "wang" || got.Notes[1].Text != "已开通好差评功能" || got.Notes[1].Author != "li" {
		t.Errorf("notes: got %+v", got.Notes)
	}
	// The same row from a file saved under another name, giving no source:
	// the stored source stays and nothing changes.
	same := b
	same.Source = ""
	if n, err := s.ImportActions(ctx, bizenv.ActionImport{Actions: []bizenv.Action{same}, Files: map[string]string{"XC2021-18": "台账-12月.csv"}, Actor: "x"}); err != nil || n != (bizenv.Counts{Unchanged: 1}) {
		t.Fatalf("renamed file: got %+v, %v", n, err)
	}
	// Dry run: counted, not stored.
	c := b
	c.Measure = "另一措施"
	if n, err := s.ImportActions(ctx, bizenv.ActionImport{Actions: []bizenv.Action{c}, Actor: "x", DryRun: true}); err != nil || n != (bizenv.Counts{Updated: 1}) {
		t.Fatalf("dry run: got %+v, %v", n, err)
	}
	if got, _ := s.Action(ctx, "XC2021-18"); got.Measure != a.Measure || got.Revision != 2 {
		t.Errorf("dry run stored: %+v", got)
	}
}

func TestImportActionsRefusesUnknownReferences(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewActionStore(pgtest.New(t), nil)
	good, bad := ledgerAction("A-1"), ledgerAction("A-2")
	bad.Owner = "edz-nowhere"
	_, err := s.ImportActions(ctx, bizenv.ActionImport{Actions: []bizenv.Action{good, bad}, Actor: "x"})
	if bizenv.ErrorCode(err) != bizenv.EINVALID || !strings.Contains(err.Error(), `unknown unit "edz-nowhere"`) {
		t.Fatalf("got %v", err)
	}
	if list, _ := s.Actions(ctx, bizenv.ActionFilter{}); len(list) != 0 {
		t.Errorf("stored %d actions, want none (all-or-nothing)", len(list))
	}
}

// Overdue counts days in China: an action due on 2021-12-31 is overdue
// from 2021-12-31T16:00Z (midnight in Shanghai), while it is still the
// 31st in UTC.
func TestActionsOverdueInShanghai(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	now := time.Date(2021, 12, 31, 15, 59, 59, 0, time.UTC)
	s := postgres.NewActionStore(db, func() time.Time { return now })
	open, done := ledgerAction("A-1"), ledgerAction("A-2")
	done.Status, done.Closed = bizenv.ActionDone, day("2021-12-01")
	if _, err := s.ImportActions(ctx, bizenv.ActionImport{Actions: []bizenv.Action{open, done}, Actor: "x"}); err != nil {
		t.Fatal(err)
	}
	overdue := func() []string {
		t.Helper()
		list, err := s.Actions(ctx, bizenv.ActionFilter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		return ids
	}
	if got := overdue(); len(got) != 0 {
		t.Errorf("23:59:59 on the due day in Shanghai: got overdue %v, want none", got)
	}
	now = now.Add(time.Second)
	if got := overdue(); !slices.Equal(got, []string{"A-1"}) {
		t.Errorf("midnight after the due day in Shanghai: got overdue %v, want [A-1]", got)
	}
	a, err := s.Action(ctx, "A-1")
	if err != nil || !a.Overdue || a.DaysOverdue != 1 {
		t.Errorf("A-1: got overdue %v by %d days, %v", a.Overdue, a.DaysOverdue, err)
	}
	counts, err := s.ActionCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []bizenv.ActionCount{{Owner: "edz-dev-reform", Status: "done", Actions: 1}, {Owner: "edz-dev-reform", Status: "in_progress", Actions: 1, Overdue: 1}}
	if !slices.Equal(counts, want) {
		t.Errorf("counts: got %+v, want %+v", counts, want)
	}
}

func TestUpdateAction(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewActionStore(pgtest.New(t), func() time.Time { return time.Date(2021, 10, 1, 2, 0, 0, 0, time.UTC) })
	if _, err := s.CreateAction(ctx, ledgerAction("A-1"), "token-wang"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAction(ctx, ledgerAction("A-1"), "token-wang"); bizenv.ErrorCode(err) != bizenv.ECONFLICT {
		t.Errorf("second create: got %v, want conflict", err)
	}
	done := bizenv.ActionDone
	if _, err := s.UpdateAction(ctx, "A-1", bizenv.ActionChange{Status: &done}, "token-li"); bizenv.ErrorCode(err) != bizenv.EINVALID {
		t.Errorf("done without closed: got %v, want invalid", err)
	}
	if _, err := s.UpdateAction(ctx, "nope", bizenv.ActionChange{Note: "x"}, "token-li"); bizenv.ErrorCode(err) != bizenv.ENOTFOUND {
		t.Errorf("unknown id: got %v, want not found", err)
	}
	closed := day("2021-09-30")
	a, err := s.UpdateAction(ctx, "A-1", bizenv.ActionChange{Status: &done, Closed: &closed, Note: "已销号"}, "token-li")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != done || a.ChangedBy != "token-li" || len(a.History) != 1 || a.History[0].ChangedBy != "token-wang" ||
		len(a.Notes) != 1 || a.Notes[0] != (bizenv.ActionNote{Date: day("2021-10-01"), Author: "token-li", Text: "已销号"}) {
		t.Errorf("got %+v", a)
	}
}

// An indicator's owner written as a unit's Chinese name is stored as the
// unit's code.
func TestApplyCatalogOwnerByName(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	c := bizenv.Catalog{Indicators: []bizenv.Indicator{{Code: "x_rate", NameZH: "x", NameEN: "x", Unit: "ratio",
		Direction: bizenv.HigherBetter, Category: "c", Owner: "区税务局"}}}
	if err := db.ApplyCatalog(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Catalog(ctx)
	if i, _ := got.Indicator("x_rate"); i.Owner != "edz-tax" {
		t.Errorf("owner: got %q, want edz-tax", i.Owner)
	}
	if i, _ := got.Indicator("bizstart_days"); i.Owner != "edz-market-regulation" {
		t.Errorf("default catalog owner: got %q", i.Owner)
	}
}
