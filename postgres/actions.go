package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/bizenv/bizenv"
)

var _ bizenv.ActionService = (*ActionStore)(nil)

// ActionStore keeps the rectification ledger. A change never overwrites an
// action in place: the row as it was moves to action_revisions, with who
// wrote it and who replaced it, as observation_revisions does for values.
type ActionStore struct {
	db  *DB
	now func() time.Time // overdue is counted from today in China by this clock
}

// NewActionStore returns the ledger on db, with now as its clock
// (time.Now when nil).
func NewActionStore(db *DB, now func() time.Time) *ActionStore {
	if now == nil {
		now = time.Now
	}
	return &ActionStore{db: db, now: now}
}

// actionRow is an action as stored.
type actionRow struct {
	ID          string         `db:"id"`
	Title       string         `db:"title"`
	Problem     string         `db:"problem"`
	Measure     string         `db:"measure"`
	Origin      string         `db:"origin"`
	Entity      string         `db:"entity"`
	Owner       string         `db:"owner"`
	Responsible string         `db:"responsible"`
	Indicators  pq.StringArray `db:"indicators"`
	Opened      time.Time      `db:"opened"`
	Due         sql.NullTime   `db:"due"`
	Status      string         `db:"status"`
	Closed      sql.NullTime   `db:"closed"`
	Source      string         `db:"source"`
	Revision    int            `db:"revision"`
	ChangedBy   string         `db:"changed_by"`
	ChangedAt   time.Time      `db:"changed_at"`
}

func nullDate(d bizenv.Date) sql.NullTime {
	if d.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: d.Time(), Valid: true}
}

func dateOf(t sql.NullTime) bizenv.Date {
	if !t.Valid {
		return bizenv.Date{}
	}
	return bizenv.DateOf(t.Time.UTC())
}

func toRow(a bizenv.Action, actor string, at time.Time) actionRow {
	ind := a.Indicators
	if ind == nil {
		ind = []string{}
	}
	return actionRow{
		ID: a.ID, Title: a.Title, Problem: a.Problem, Measure: a.Measure, Origin: a.Origin,
		Entity: a.Entity, Owner: a.Owner, Responsible: a.Responsible, Indicators: ind,
		Opened: a.Opened.Time(), Due: nullDate(a.Due), Status: string(a.Status), Closed: nullDate(a.Closed),
		Source: a.Source, ChangedBy: actor, ChangedAt: at,
	}
}

func (r actionRow) action(today bizenv.Date) bizenv.Action {
	a := bizenv.Action{
		ID: r.ID, Title: r.Title, Problem: r.Problem, Measure: r.Measure, Origin: r.Origin,
		Entity: r.Entity, Owner: r.Owner, Responsible: r.Responsible, Indicators: []string(r.Indicators),
		Opened: bizenv.DateOf(r.Opened.UTC()), Due: dateOf(r.Due), Status: bizenv.ActionStatus(r.Status),
		Closed: dateOf(r.Closed), Source: r.Source, Revision: r.Revision, ChangedBy: r.ChangedBy, ChangedAt: r.ChangedAt,
	}
	if a.Indicators == nil {
		a.Indicators = []string{}
	}
	a.Overdue, a.DaysOverdue = a.OverdueOn(today)
	return a
}

// Today is the day it is in China by the store's clock.
func (s *ActionStore) Today() bizenv.Date { return bizenv.Today(s.now()) }

// Actions returns the actions f selects. See bizenv.ActionService.
func (s *ActionStore) Actions(ctx context.Context, f bizenv.ActionFilter) ([]bizenv.Action, error) {
	if f.Status != "" && !slices.Contains(bizenv.ActionStatuses, f.Status) {
		return nil, bizenv.Errorf(bizenv.EINVALID, "unknown status %q", f.Status).ZH("未知状态“%s”", f.Status)
	}
	today := s.Today()
	var rows []actionRow
	err := s.db.pool.SelectContext(ctx, &rows, s.db.Query("ListActions"), f.Owner, f.Entity, string(f.Status), f.Overdue, today.Time())
	if err != nil {
		return nil, fmt.Errorf("read actions: %w", err)
	}
	out := make([]bizenv.Action, len(rows))
	for i, r := range rows {
		out[i] = r.action(today)
	}
	return out, nil
}

// Action returns one action with its notes and history.
func (s *ActionStore) Action(ctx context.Context, id string) (bizenv.Action, error) {
	var r actionRow
	err := s.db.pool.GetContext(ctx, &r, s.db.Query("GetAction"), id)
	if errors.Is(err, sql.ErrNoRows) {
		return bizenv.Action{}, bizenv.Errorf(bizenv.ENOTFOUND, "no action %q", id).ZH("没有编号为“%s”的整改事项", id)
	} else if err != nil {
		return bizenv.Action{}, fmt.Errorf("read action %s: %w", id, err)
	}
	a := r.action(s.Today())
	var notes []struct {
		Noted  time.Time `db:"noted"`
		Author string    `db:"author"`
		Text   string    `db:"text"`
	}
	if err := s.db.pool.SelectContext(ctx, &notes, s.db.Query("ActionNotes"), id); err != nil {
		return a, fmt.Errorf("read notes of action %s: %w", id, err)
	}
	for _, n := range notes {
		a.Notes = append(a.Notes, bizenv.ActionNote{Date: bizenv.DateOf(n.Noted.UTC()), Author: n.Author, Text: n.Text})
	}
	var revs []struct {
		Revision   int            `db:"revision"`
		State      []byte         `db:"state"`
		Fields     pq.StringArray `db:"fields"`
		ChangedBy  string         `db:"changed_by"`
		ChangedAt  time.Time      `db:"changed_at"`
		ReplacedBy string         `db:"replaced_by"`
		ReplacedAt time.Time      `db:"replaced_at"`
	}
	if err := s.db.pool.SelectContext(ctx, &revs, s.db.Query("ActionRevisions"), id); err != nil {
		return a, fmt.Errorf("read history of action %s: %w", id, err)
	}
	for _, r := range revs {
		rev := bizenv.ActionRevision{Revision: r.Revision, Fields: []string(r.Fields), ChangedBy: r.ChangedBy,
			ChangedAt: r.ChangedAt, ReplacedBy: r.ReplacedBy, ReplacedAt: r.ReplacedAt}
		if err := json.Unmarshal(r.State, &rev.Action); err != nil {
			return a, fmt.Errorf("action %s revision %d: %w", id, r.Revision, err)
		}
		rev.Action.Revision, rev.Action.ChangedBy, rev.Action.ChangedAt = r.Revision, r.ChangedBy, r.ChangedAt
		a.History = append(a.History, rev)
	}
	return a, nil
}

// checkAction validates a and its references to the stored catalog.
func (s *ActionStore) checkAction(ctx context.Context, a bizenv.Action) error {
	if err := a.Validate(); err != nil {
		return err
	}
	cat, err := s.db.Catalog(ctx)
	if err != nil {
		return err
	}
	return a.CheckRefs(cat)
}

// CreateAction stores a new action. See bizenv.ActionService.
func (s *ActionStore) CreateAction(ctx context.Context, a bizenv.Action, actor string) (bizenv.Action, error) {
	if err := s.checkAction(ctx, a); err != nil {
		return bizenv.Action{}, err
	}
	_, err := s.db.pool.NamedExecContext(ctx, s.db.Query("InsertAction"), toRow(a, actor, s.now()))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return bizenv.Action{}, bizenv.Errorf(bizenv.ECONFLICT, "action %s exists already", a.ID).ZH("整改事项 %s 已存在", a.ID)
	} else if err != nil {
		return bizenv.Action{}, fmt.Errorf("store action %s: %w", a.ID, err)
	}
	return s.Action(ctx, a.ID)
}

// UpdateAction applies c. See bizenv.ActionService.
func (s *ActionStore) UpdateAction(ctx context.Context, id string, c bizenv.ActionChange, actor string) (bizenv.Action, error) {
	if c.Status == nil && c.Due == nil && c.Closed == nil && c.Note == "" {
		return bizenv.Action{}, bizenv.Errorf(bizenv.EINVALID, "empty change: give a note, status, due or closed date").
			ZH("没有要修改的内容：请填写进展、状态、完成时限或销号日期")
	}
	if c.Status != nil && !slices.Contains(bizenv.ActionStatuses, *c.Status) {
		return bizenv.Action{}, bizenv.Errorf(bizenv.EINVALID, "unknown status %q", *c.Status).ZH("未知状态“%s”", *c.Status)
	}
	today := s.Today()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r actionRow
		err := tx.GetContext(ctx, &r, s.db.Query("LockAction"), id)
		if errors.Is(err, sql.ErrNoRows) {
			return bizenv.Errorf(bizenv.ENOTFOUND, "no action %q", id).ZH("没有编号为“%s”的整改事项", id)
		} else if err != nil {
			return err
		}
		old := r.action(today)
		next := old
		if c.Status != nil {
			next.Status = *c.Status
			if next.Status != bizenv.ActionDone {
				next.Closed = bizenv.Date{} // reopened: no longer closed
			}
		}
		if c.Due != nil {
			next.Due = *c.Due
		}
		if c.Closed != nil {
			next.Closed = *c.Closed
		}
		if next.Status == bizenv.ActionDone && next.Closed.IsZero() {
			return bizenv.Errorf(bizenv.EINVALID, "action %s: closing (status done) needs a closing date (closed)", id).
				ZH("整改事项 %s：状态改为已完成（done）须填写销号日期（closed）", id)
		}
		if err := next.Validate(); err != nil {
			return err
		}
		if err := s.revise(ctx, tx, old, next, actor); err != nil {
			return err
		}
		if c.Note != "" {
			day := c.NoteDate
			if day.IsZero() {
				day = today
			}
			if _, err := tx.ExecContext(ctx, s.db.Query("InsertActionNote"), id, day.Time(), actor, c.Note); err != nil {
				return fmt.Errorf("add note to action %s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return bizenv.Action{}, err
	}
	return s.Action(ctx, id)
}

// revise stores next in place of old, old kept as a revision, when they
// differ in any field; it reports whether they did.
func (s *ActionStore) revise(ctx context.Context, tx *sqlx.Tx, old, next bizenv.Action, actor string) error {
	fields := ChangedActionFields(old, next)
	if len(fields) == 0 {
		return nil
	}
	at := s.now()
	if _, err := tx.ExecContext(ctx, s.db.Query("ArchiveAction"), old.ID, pq.Array(fields), actor, at); err != nil {
		return fmt.Errorf("keep action %s revision %d: %w", old.ID, old.Revision, err)
	}
	if _, err := tx.NamedExecContext(ctx, s.db.Query("UpdateAction"), toRow(next, actor, at)); err != nil {
		return fmt.Errorf("update action %s: %w", old.ID, err)
	}
	return nil
}

// ChangedActionFields names the ledger fields in which a and b differ.
func ChangedActionFields(a, b bizenv.Action) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("title", a.Title != b.Title)
	add("problem", a.Problem != b.Problem)
	add("measure", a.Measure != b.Measure)
	add("origin", a.Origin != b.Origin)
	add("entity", a.Entity != b.Entity)
	add("owner", a.Owner != b.Owner)
	add("responsible", a.Responsible != b.Responsible)
	add("indicators", !slices.Equal(a.Indicators, b.Indicators))
	add("opened", a.Opened != b.Opened)
	add("due", a.Due != b.Due)
	add("status", a.Status != b.Status)
	add("closed", a.Closed != b.Closed)
	add("source", a.Source != b.Source)
	return out
}

// ImportActions stores a whole ledger. See bizenv.ActionService.
func (s *ActionStore) ImportActions(ctx context.Context, in bizenv.ActionImport) (bizenv.Counts, error) {
	cat, err := s.db.Catalog(ctx)
	if err != nil {
		return bizenv.Counts{}, err
	}
	for _, a := range in.Actions {
		if err := a.Validate(); err != nil {
			return bizenv.Counts{}, err
		}
		if err := a.CheckRefs(cat); err != nil {
			return bizenv.Counts{}, err
		}
	}
	today := s.Today()
	var counts bizenv.Counts
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, a := range in.Actions {
			var r actionRow
			err := tx.GetContext(ctx, &r, s.db.Query("LockAction"), a.ID)
			changed := false
			switch {
			case errors.Is(err, sql.ErrNoRows):
				a.Source = cmp.Or(a.Source, in.Files[a.ID])
				if _, err := tx.NamedExecContext(ctx, s.db.Query("InsertAction"), toRow(a, in.Actor, s.now())); err != nil {
					return fmt.Errorf("store action %s: %w", a.ID, err)
				}
				counts.Inserted++
			case err != nil:
				return fmt.Errorf("read action %s: %w", a.ID, err)
			default:
				old := r.action(today)
				a.Revision = old.Revision
				a.Source = cmp.Or(a.Source, old.Source)
				changed = len(ChangedActionFields(old, a)) > 0
				if err := s.revise(ctx, tx, old, a, in.Actor); err != nil {
					return err
				}
			}
			if note := in.Notes[a.ID]; note != "" {
				var last string
				err := tx.GetContext(ctx, &last, s.db.Query("LastActionNote"), a.ID)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("read notes of action %s: %w", a.ID, err)
				}
				if last != note {
					if _, err := tx.ExecContext(ctx, s.db.Query("InsertActionNote"), a.ID, today.Time(), in.Actor, note); err != nil {
						return fmt.Errorf("add note to action %s: %w", a.ID, err)
					}
					changed = true
				}
			}
			if r.ID != "" {
				if changed {
					counts.Updated++
				} else {
					counts.Unchanged++
				}
			}
		}
		if in.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return counts, err
}

// ActionCounts counts the ledger by unit and status, overdue as of today
// in China.
func (s *ActionStore) ActionCounts(ctx context.Context) ([]bizenv.ActionCount, error) {
	var out []bizenv.ActionCount
	if err := s.db.pool.SelectContext(ctx, &out, s.db.Query("ActionCounts"), s.Today().Time()); err != nil {
		return nil, fmt.Errorf("count actions: %w", err)
	}
	return out, nil
}

func (s *ActionStore) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.pool.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Actions reads the ledger with the system clock, so that the DB serves
// the report's 整改事项 section as its Store. See bizenv.ActionService.
func (db *DB) Actions(ctx context.Context, f bizenv.ActionFilter) ([]bizenv.Action, error) {
	return NewActionStore(db, db.now).Actions(ctx, f)
}
