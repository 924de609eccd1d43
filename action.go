package bizenv

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
)

// China is the office's time zone. China has kept UTC+8 without daylight
// saving since 1991; a fixed zone needs no tzdata on the host.
var China = time.FixedZone("Asia/Shanghai", 8*60*60)

// Date is a calendar day. Its zero value means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on, in t's location.
func DateOf(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

// Today returns the day it is in China at now: overdue is counted in the
// office's days, not UTC's.
func Today(now time.Time) Date { return DateOf(now.In(China)) }

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, Errorf(EINVALID, "bad date %q: want YYYY-MM-DD", s).ZH("日期“%s”无效：应为 YYYY-MM-DD 形式，如 2021-06-30", s)
	}
	return DateOf(t), nil
}

// Time returns UTC midnight of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(time.DateOnly)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// DaysUntil returns the number of days from d to o (negative when o is
// earlier).
func (d Date) DaysUntil(o Date) int { return int(o.Time().Sub(d.Time()).Hours() / 24) }

// MarshalJSON writes d as "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(EINVALID, "bad date %s: want \"YYYY-MM-DD\"", b).ZH("日期 %s 无效：应为 \"YYYY-MM-DD\" 形式的字符串", b)
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ActionStatus is where a ledger action stands (SPEC section 11).
type ActionStatus string

const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"    // 销号: closed, with a closing date
	ActionOngoing    ActionStatus = "ongoing" // 常态化: kept up with no end date
)

// ActionStatuses lists every status, in the order the ledger shows them.
var ActionStatuses = []ActionStatus{ActionOpen, ActionInProgress, ActionDone, ActionOngoing}

// actionStatusNames are the words ledgers write for each status.
var actionStatusNames = map[string]ActionStatus{
	"open": ActionOpen, "未开始": ActionOpen, "待整改": ActionOpen,
	"in_progress": ActionInProgress, "整改中": ActionInProgress, "推进中": ActionInProgress,
	"done": ActionDone, "已完成": ActionDone, "已销号": ActionDone,
	"ongoing": ActionOngoing, "常态化": ActionOngoing, "长期坚持": ActionOngoing,
}

// ParseActionStatus reads a status as code or in Chinese (未开始/待整改,
// 整改中/推进中, 已完成/已销号, 常态化/长期坚持).
func ParseActionStatus(s string) (ActionStatus, error) {
	if st, ok := actionStatusNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return st, nil
	}
	return "", Errorf(EINVALID, "unknown status %q: want open/未开始/待整改, in_progress/整改中/推进中, done/已完成/已销号 or ongoing/常态化/长期坚持", s).
		ZH("未知状态“%s”：应为 open/未开始/待整改、in_progress/整改中/推进中、done/已完成/已销号 或 ongoing/常态化/长期坚持", s)
}

// Open reports whether an action in status s is still to be finished by a
// due date: open or in progress.
func (s ActionStatus) Open() bool { return s == ActionOpen || s == ActionInProgress }

// Action is one item of the rectification ledger (整改台账).
type Action struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Problem     string       `json:"problem"`
	Measure     string       `json:"measure"`
	Origin      string       `json:"origin"`      // 巡察反馈, 市级通报, 企业诉求, 督查...
	Entity      string       `json:"entity"`      // whose problem: an entity code
	Owner       string       `json:"owner"`       // the responsible unit: an entity code
	Responsible string       `json:"responsible"` // the person accountable in that unit
	Indicators  []string     `json:"indicators"`  // catalog codes the action should move
	Opened      Date         `json:"opened"`
	Due         Date         `json:"due"` // zero: no deadline (常态化 items)
	Status      ActionStatus `json:"status"`
	Closed      Date         `json:"closed"` // set when done
	Source      string       `json:"source"` // where the row came from: a file, a report

	// Set by the store when read.
	Overdue     bool      `json:"overdue"`
	DaysOverdue int       `json:"days_overdue"`
	Revision    int       `json:"revision"`
	ChangedBy   string    `json:"changed_by"`
	ChangedAt   time.Time `json:"changed_at"`
	// Notes and History are filled by ActionService.Action only.
	Notes   []ActionNote     `json:"notes,omitempty"`
	History []ActionRevision `json:"history,omitempty"`
}

// ActionNote is a dated progress entry.
type ActionNote struct {
	Date   Date   `json:"date"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// ActionRevision is a state an action had before a change: the full row as
// it was, who wrote it and when, and who replaced it and when.
type ActionRevision struct {
	Revision   int       `json:"revision"`
	Action     Action    `json:"action"`
	ChangedBy  string    `json:"changed_by"`  // who wrote this state
	ChangedAt  time.Time `json:"changed_at"`  // when
	ReplacedBy string    `json:"replaced_by"` // who changed it
	ReplacedAt time.Time `json:"replaced_at"`
	Fields     []string  `json:"fields"` // the fields the change touched
}

var actionIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidActionID reports whether s can be an action's id (XC2021-18).
func ValidActionID(s string) bool { return actionIDRE.MatchString(s) }

// Validate checks an action on its own: the references to the catalog
// are checked against it by CheckRefs. The message names the field.
func (a Action) Validate() error {
	switch {
	case !ValidActionID(a.ID):
		return Errorf(EINVALID, "bad id %q: want letters, digits, '-', '_' or '.'", a.ID).ZH("编号“%s”无效：只能含字母、数字、“-”、“_”或“.”", a.ID)
	case strings.TrimSpace(a.Problem) == "" && strings.TrimSpace(a.Title) == "":
		return Errorf(EINVALID, "action %s: problem (or title) is required", a.ID).ZH("整改事项 %s：缺少问题（或标题）", a.ID)
	case a.Owner == "":
		return Errorf(EINVALID, "action %s: owner is required", a.ID).ZH("整改事项 %s：缺少责任单位", a.ID)
	case a.Entity == "":
		return Errorf(EINVALID, "action %s: entity is required", a.ID).ZH("整改事项 %s：缺少主体", a.ID)
	case a.Opened.IsZero():
		return Errorf(EINVALID, "action %s: opened date is required", a.ID).ZH("整改事项 %s：缺少开始日期", a.ID)
	case !slices.Contains(ActionStatuses, a.Status):
		return Errorf(EINVALID, "action %s: unknown status %q", a.ID, a.Status).ZH("整改事项 %s：未知状态“%s”", a.ID, a.Status)
	case !a.Due.IsZero() && a.Due.Before(a.Opened):
		return Errorf(EINVALID, "action %s: due %s is before opened %s", a.ID, a.Due, a.Opened).ZH("整改事项 %s：完成时限 %s 早于开始日期 %s", a.ID, a.Due, a.Opened)
	case a.Status == ActionDone && a.Closed.IsZero():
		return Errorf(EINVALID, "action %s: status done needs a closing date", a.ID).ZH("整改事项 %s：状态为已完成，须填写销号日期", a.ID)
	case a.Status != ActionDone && !a.Closed.IsZero():
		return Errorf(EINVALID, "action %s: closing date %s but status %s", a.ID, a.Closed, a.Status).
			ZH("整改事项 %s：已填写销号日期 %s，但状态为 %s，不是已完成", a.ID, a.Closed, a.Status)
	case !a.Closed.IsZero() && a.Closed.Before(a.Opened):
		return Errorf(EINVALID, "action %s: closed %s is before opened %s", a.ID, a.Closed, a.Opened).
			ZH("整改事项 %s：销号日期 %s 早于开始日期 %s", a.ID, a.Closed, a.Opened)
	}
	return nil
}

// CheckRefs checks a's owner, entity and indicators against c: each must
// be a code of c.
func (a Action) CheckRefs(c Catalog) error {
	if _, ok := c.Entity(a.Owner); !ok {
		return Errorf(EINVALID, "action %s: unknown unit %q", a.ID, a.Owner).ZH("整改事项 %s：未知责任单位“%s”", a.ID, a.Owner)
	}
	if _, ok := c.Entity(a.Entity); !ok {
		return Errorf(EINVALID, "action %s: unknown entity %q", a.ID, a.Entity).ZH("整改事项 %s：未知主体“%s”", a.ID, a.Entity)
	}
	for _, i := range a.Indicators {
		if _, ok := c.Indicator(i); !ok {
			return Errorf(EINVALID, "action %s: unknown indicator %q", a.ID, i).ZH("整改事项 %s：未知指标“%s”", a.ID, i)
		}
	}
	return nil
}

// OverdueOn reports whether a is overdue on day today, and by how many
// days: open or in progress, due before today.
func (a Action) OverdueOn(today Date) (bool, int) {
	if !a.Status.Open() || a.Due.IsZero() || !a.Due.Before(today) {
		return false, 0
	}
	return true, a.Due.DaysUntil(today)
}

// ActionFilter selects actions; zero fields select all.
type ActionFilter struct {
	Owner   string       // responsible unit
	Entity  string       // whose problem
	Status  ActionStatus //
	Overdue bool         // only overdue ones, as of today in China
}

// ActionChange is a change to one action (PATCH): a progress note and/or
// a new status, due date or closing date. Nil fields stay as they are.
type ActionChange struct {
	Status *ActionStatus `json:"status,omitempty"`
	Due    *Date         `json:"due,omitempty"`
	Closed *Date         `json:"closed,omitempty"`
	Note   string        `json:"note,omitempty"`
	// NoteDate is the note's date; today in China when zero.
	NoteDate Date `json:"note_date"`
}

// ActionImport is a whole ledger as read from spreadsheets.
type ActionImport struct {
	Actions []Action
	Notes   map[string]string // action id -> its progress text (进展), if any
	// Files names the file each action was read from: the source of a new
	// action that gives none. An existing action without a source keeps
	// the one stored.
	Files  map[string]string
	Actor  string // recorded on every change
	DryRun bool   // count against what is stored, then roll back
}

// ActionCount is how many actions a unit has in one status, and how many
// of them are overdue.
type ActionCount struct {
	Owner   string       `db:"owner"`
	Status  ActionStatus `db:"status"`
	Actions int          `db:"actions"`
	Overdue int          `db:"overdue"`
}

// ActionService keeps the ledger and every change to it.
type ActionService interface {
	// Actions returns the actions f selects, ordered by owner and id, with
	// Overdue computed for today in China. Errors: EINVALID for a bad
	// filter, EINTERNAL.
	Actions(ctx context.Context, f ActionFilter) ([]Action, error)
	// Action returns one action with its notes and history. Errors:
	// ENOTFOUND, EINTERNAL.
	Action(ctx context.Context, id string) (Action, error)
	// CreateAction stores a new action by actor. Errors: EINVALID (a bad
	// field, an unknown unit, entity or indicator), ECONFLICT when the id
	// exists, EINTERNAL.
	CreateAction(ctx context.Context, a Action, actor string) (Action, error)
	// UpdateAction applies c by actor, keeping the previous state. Errors:
	// ENOTFOUND, EINVALID (closing without a closing date, due before
	// opened, an empty change), EINTERNAL.
	UpdateAction(ctx context.Context, id string, c ActionChange, actor string) (Action, error)
	// ImportActions inserts new actions and updates changed ones in one
	// transaction, keeping every previous state; identical rows change
	// nothing. Errors: EINVALID (nothing is stored), EINTERNAL.
	ImportActions(ctx context.Context, in ActionImport) (Counts, error)
}
