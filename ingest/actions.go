package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
)

// ledgerColumns are the columns of a ledger (台账) spreadsheet, in
// Chinese and in English. The first five are required.
var ledgerColumns = []struct{ zh, en string }{
	{"编号", "id"},
	{"问题", "problem"},
	{"责任单位", "owner"},
	{"开始日期", "opened"},
	{"状态", "status"},
	{"整改措施", "measure"},
	{"来源", "origin"},
	{"责任人", "responsible"},
	{"关联指标", "indicators"},
	{"完成时限", "due"},
	{"销号日期", "closed"},
	{"进展", "notes"},
	{"标题", "title"},
	{"主体", "entity"},
	{"出处", "source"},
}

const ledgerRequired = 5

// Ledger is what a ledger file holds: its good actions, their progress
// text (进展) and the file's base name by id, and a reject per bad row.
type Ledger struct {
	Actions []bizenv.Action
	Notes   map[string]string
	Files   map[string]string
	Rejects []bizenv.Reject
	Payload bizenv.Payload
}

// LedgerFile reads one ledger spreadsheet (CSV or XLSX) as `bizenv
// actions import` does. Units are named by code or Chinese name (区发改局),
// indicators by code or Chinese name, statuses in Chinese (SPEC section
// 11). An action's entity is the 主体 column, else its unit's parent; its
// source is the 出处 column, left empty without one (the store then keeps
// the stored source, or takes the file's base name, in Files, for a new
// action: a ledger saved under a new name each month changes nothing). A file that cannot
// be read at all gives one reject for the whole file (line 0). seen holds
// the ids of earlier files, so that an id given twice is rejected across
// files as within one.
func LedgerFile(name string, content []byte, sheet string, cat bizenv.Catalog, seen map[string]string) Ledger {
	sum := sha256.Sum256(content)
	l := Ledger{Notes: map[string]string{}, Files: map[string]string{}, Payload: bizenv.Payload{Name: name, SHA256: hex.EncodeToString(sum[:]), Content: content}}
	t, err := ReadTable(name, bytes.NewReader(content), ReadOptions{Sheet: sheet})
	if err != nil {
		l.Rejects = []bizenv.Reject{fileReject(name, RejectBadFile, err)}
		return l
	}
	head, cols, err := ledgerHeader(t)
	if err != nil {
		l.Rejects = []bizenv.Reject{{File: name, Code: RejectNoHeader, Reason: bizenv.ErrorMessage(err),
			ReasonZH: "找不到台账表头行：需要 编号、问题、责任单位、开始日期、状态 五列（英文表头 id、problem、owner、opened、status 亦可）"}}
		return l
	}
	names := cat.Names()
	for _, r := range t.Rows[head+1:] {
		if r.Blank() {
			continue
		}
		a, note, reason := parseLedgerRow(r, cols, names)
		if reason.code == "" {
			if first, dup := seen[a.ID]; dup {
				reason = ledgerReason{"duplicate_id", fmt.Sprintf("id %s given twice (first at %s)", a.ID, first),
					fmt.Sprintf("编号 %s 重复（首次出现在 %s）", a.ID, first)}
			}
		}
		if reason.code != "" {
			l.Rejects = append(l.Rejects, bizenv.Reject{File: name, Line: r.Line, Record: r.Raw,
				Code: reason.code, Reason: reason.en, ReasonZH: reason.zh})
			continue
		}
		seen[a.ID] = fmt.Sprintf("%s:%d", name, r.Line)
		l.Files[a.ID] = baseName(name)
		l.Actions = append(l.Actions, a)
		if note != "" {
			l.Notes[a.ID] = note
		}
	}
	return l
}

// ledgerHeader finds the header row with the Chinese names, else the
// English ones, and maps each column's English name to its index.
func ledgerHeader(t *Table) (int, map[string]int, error) {
	var zh, en []string
	for _, c := range ledgerColumns[:ledgerRequired] {
		zh, en = append(zh, c.zh), append(en, c.en)
	}
	head, _, err := FindHeader(t, zh)
	if err != nil {
		var errEN error
		if head, _, errEN = FindHeader(t, en); errEN != nil {
			return -1, nil, err
		}
	}
	cols := map[string]int{}
	for _, c := range ledgerColumns {
		found := headerColumns(t.Rows[head], [][]string{{c.zh}, {c.en}})
		if i, ok := found[c.zh]; ok {
			cols[c.en] = i
		} else if i, ok := found[c.en]; ok {
			cols[c.en] = i
		}
	}
	return head, cols, nil
}

// listSep splits the indicators cell: 、，, ; and spaces.
var listSep = regexp.MustCompile(`[、，,；;\s]+`)

// ledgerReason is why a ledger row is rejected: a stable code and the
// reason in English and Chinese; the zero value for a good row.
type ledgerReason struct{ code, en, zh string }

// parseLedgerRow reads one row, finding its units and indicators in names;
// reason says why it is bad.
func parseLedgerRow(r Row, cols map[string]int, names *bizenv.Names) (a bizenv.Action, note string, reason ledgerReason) {
	bad := func(code, en, zh string) (bizenv.Action, string, ledgerReason) {
		return a, "", ledgerReason{code, en, zh}
	}
	cell := func(name string) string {
		if i, ok := cols[name]; ok {
			return r.Cell(i)
		}
		return ""
	}
	a = bizenv.Action{
		ID: fold(cell("id")), Title: cell("title"), Problem: cell("problem"), Measure: cell("measure"),
		Origin: cell("origin"), Responsible: cell("responsible"), Source: cell("source"), Indicators: []string{},
	}
	if a.ID == "" {
		return bad("missing_id", "missing 编号 (id)", "缺少编号")
	}
	if !bizenv.ValidActionID(a.ID) {
		return bad("bad_id", fmt.Sprintf("bad 编号 (id) %q: want letters, digits, '-', '_' or '.'", a.ID),
			fmt.Sprintf("编号“%s”无效：只能含字母、数字、“-”、“_”或“.”", a.ID))
	}
	if a.Problem == "" {
		return bad("missing_problem", "missing 问题 (problem)", "缺少问题")
	}
	owner := cell("owner")
	u, err := names.FindEntity(owner)
	switch {
	case owner == "":
		return bad("missing_owner", "missing 责任单位 (owner)", "缺少责任单位")
	case err != nil:
		return bad("unknown_unit", fmt.Sprintf("unknown unit %q", owner), fmt.Sprintf("未知责任单位“%s”", owner))
	}
	a.Owner = u.Code
	a.Entity = u.Parent
	if e := cell("entity"); e != "" {
		ent, err := names.FindEntity(e)
		if err != nil {
			return bad(RejectUnknownEntity, fmt.Sprintf("unknown entity %q", e), fmt.Sprintf("未知单位“%s”", e))
		}
		a.Entity = ent.Code
	}
	if a.Entity == "" {
		a.Entity = u.Code // a unit with no parent answers for itself
	}
	for _, name := range listSep.Split(cell("indicators"), -1) {
		if name == "" {
			continue
		}
		ind, err := names.FindIndicator(name)
		if err != nil {
			return bad(RejectUnknownIndicator, fmt.Sprintf("unknown indicator %q", name), fmt.Sprintf("未知指标“%s”", name))
		}
		a.Indicators = append(a.Indicators, ind.Code)
	}
	for _, d := range []struct {
		col, zh string
		to      *bizenv.Date
	}{{"opened", "开始日期", &a.Opened}, {"due", "完成时限", &a.Due}, {"closed", "销号日期", &a.Closed}} {
		s := cell(d.col)
		if s == "" {
			continue
		}
		if *d.to, err = ParseDate(s); err != nil {
			return bad("bad_date", fmt.Sprintf("bad date %q in %s (%s): want 2021-06-30, 2021/6/30 or 2021年6月30日", s, d.zh, d.col),
				fmt.Sprintf("%s“%s”无法识别：应为 2021-06-30、2021/6/30 或 2021年6月30日", d.zh, s))
		}
	}
	if a.Opened.IsZero() {
		return bad("missing_opened", "missing 开始日期 (opened)", "缺少开始日期")
	}
	st := cell("status")
	if a.Status, err = bizenv.ParseActionStatus(st); err != nil {
		return bad("unknown_status", fmt.Sprintf("unknown status %q: want 未开始/待整改, 整改中/推进中, 已完成/已销号 or 常态化/长期坚持", st),
			fmt.Sprintf("状态“%s”无法识别：应为 未开始/待整改、整改中/推进中、已完成/已销号 或 常态化/长期坚持", st))
	}
	switch {
	case !a.Due.IsZero() && a.Due.Before(a.Opened):
		return bad("due_before_opened", fmt.Sprintf("due %s (完成时限) is before opened %s (开始日期)", a.Due, a.Opened),
			fmt.Sprintf("完成时限 %s 早于开始日期 %s", a.Due, a.Opened))
	case a.Status == bizenv.ActionDone && a.Closed.IsZero():
		return bad("done_without_closed", fmt.Sprintf("status %s (done) without a closing date (销号日期)", st),
			fmt.Sprintf("状态为%s但缺少销号日期", st))
	}
	if err := a.Validate(); err != nil {
		msg := strings.TrimPrefix(bizenv.ErrorMessage(err), "action "+a.ID+": ")
		zh := strings.TrimPrefix(bizenv.ErrorMessageZH(err), "整改事项 "+a.ID+"：")
		return bad("bad_action", msg, "整改事项无效："+zh)
	}
	return a, cell("notes"), ledgerReason{}
}

var (
	dateZH   = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日?$`)
	dateNums = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	// dateExcel is how an XLSX date cell in Excel's built-in short date
	// format (number format 14) reads: month, day, two-digit year.
	dateExcel = regexp.MustCompile(`^(\d{1,2})[-/](\d{1,2})[-/](\d{2})$`)
)

// ParseDate reads a day as ledgers write it: 2021-06-30, 2021/6/30,
// 2021.6.30 or 2021年6月30日 (full-width digits too), or as an XLSX date
// cell in Excel's short date format reads (06-30-21); a time of day after
// it, as spreadsheets show dates, is ignored.
func ParseDate(s string) (bizenv.Date, error) {
	s = fold(s)
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	m := dateNums.FindStringSubmatch(s)
	if m == nil {
		m = dateZH.FindStringSubmatch(s)
	}
	if e := dateExcel.FindStringSubmatch(s); e != nil {
		m = []string{e[0], "20" + e[3], e[1], e[2]}
	}
	if m == nil {
		return bizenv.Date{}, bizenv.Errorf(bizenv.EINVALID, "bad date %q", s).ZH("日期“%s”无法识别", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return bizenv.Date{}, bizenv.Errorf(bizenv.EINVALID, "bad date %q: no such day", s).ZH("日期“%s”无效：没有这一天", s)
	}
	return bizenv.DateOf(t), nil
}
