package report

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/bizenv/bizenv"
)

// ActionSource reads the rectification ledger. A Store that is one too
// gets the report's 整改事项 section (SPEC sections 9 and 11).
type ActionSource interface {
	Actions(ctx context.Context, f bizenv.ActionFilter) ([]bizenv.Action, error)
}

// ClosedMonths is how far back the section lists closed actions.
const ClosedMonths = 6

// UnitRankIndicator ranks a district's units.
const UnitRankIndicator = "unit_assessment_rank"

// Actions is the report's 整改事项 section: the open actions of the
// entity and its units (those linked to this month's declined indicators
// first, then the most overdue), and the actions closed in the last six
// months with their effect.
type Actions struct {
	Open   []ReportAction `json:"open"`
	Closed []ReportAction `json:"closed"`
	// UnitRank is the entity's place among the district's units, when the
	// entity is a unit.
	UnitRank *RankSummary `json:"unit_rank,omitempty"`
}

// ReportAction is one ledger action as the report shows it.
type ReportAction struct {
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Owner       string              `json:"owner"`
	OwnerName   string              `json:"owner_name"`
	Status      bizenv.ActionStatus `json:"status"`
	Opened      bizenv.Date         `json:"opened"`
	Due         bizenv.Date         `json:"due"`
	Closed      bizenv.Date         `json:"closed"`
	Overdue     bool                `json:"overdue"`
	DaysOverdue int                 `json:"days_overdue"`
	// Declined is true when the action is linked to an indicator that
	// declined this month.
	Declined bool     `json:"declined"`
	Effects  []Effect `json:"effects"`
}

// Effect is a linked indicator in the month the action opened and in the
// report's month. Improvement is Now minus Then, signed so that positive
// is better; nil when either is missing.
type Effect struct {
	Indicator   string   `json:"indicator"`
	NameZH      string   `json:"name_zh"`
	Unit        string   `json:"unit"`
	Then        *float64 `json:"then"`
	Now         *float64 `json:"now"`
	Improvement *float64 `json:"improvement"`
}

// addActions fills r.Actions from src: actions whose entity or owner is
// the report's entity or one of its units, opened by the end of the
// report's month.
func addActions(ctx context.Context, r *Report, s Store, src ActionSource, cat bizenv.Catalog, ent bizenv.Entity) error {
	all, err := src.Actions(ctx, bizenv.ActionFilter{})
	if err != nil {
		return fmt.Errorf("report: actions: %w", err)
	}
	mine := func(code string) bool {
		e, ok := cat.Entity(code)
		return code == ent.Code || (ok && e.Parent == ent.Code && e.Kind != ent.Kind)
	}
	end := bizenv.Date{Year: r.Period.AddMonths(1).Year, Month: r.Period.AddMonths(1).Month, Day: 1}
	closedFrom := bizenv.Date{Year: r.Period.AddMonths(-ClosedMonths + 1).Year, Month: r.Period.AddMonths(-ClosedMonths + 1).Month, Day: 1}
	declined := map[string]bool{}
	for _, c := range r.Declined {
		declined[c.Indicator] = true
	}
	sec := &Actions{Open: []ReportAction{}, Closed: []ReportAction{}}
	var picked []bizenv.Action
	entities := map[string]bool{}
	for _, a := range all {
		if !(mine(a.Entity) || mine(a.Owner)) || !a.Opened.Before(end) {
			continue
		}
		closedInWindow := a.Status == bizenv.ActionDone && !a.Closed.Before(closedFrom) && a.Closed.Before(end)
		if a.Status == bizenv.ActionDone && !closedInWindow {
			continue
		}
		picked = append(picked, a)
		entities[a.Entity] = true
	}
	// The linked indicators' values from the earliest opening on.
	from := r.Period
	for _, a := range picked {
		if o := bizenv.NewPeriod(a.Opened.Year, a.Opened.Month); periodOrder(o, from) {
			from = o
		}
	}
	h := history{}
	if len(picked) > 0 {
		obs, err := s.History(ctx, slices.Sorted(maps.Keys(entities)), from, r.Period)
		if err != nil {
			return fmt.Errorf("report: actions: %w", err)
		}
		for _, o := range obs {
			h.put(o.Entity, o.Indicator, o.Period, o.Value)
		}
	}
	for _, a := range picked {
		ra := ReportAction{ID: a.ID, Title: cmp.Or(a.Title, a.Problem), Owner: a.Owner, OwnerName: a.Owner, Status: a.Status,
			Opened: a.Opened, Due: a.Due, Closed: a.Closed, Overdue: a.Overdue, DaysOverdue: a.DaysOverdue, Effects: []Effect{}}
		if o, ok := cat.Entity(a.Owner); ok {
			ra.OwnerName = o.NameZH
		}
		opened := bizenv.NewPeriod(a.Opened.Year, a.Opened.Month)
		for _, code := range a.Indicators {
			ind, ok := cat.Indicator(code)
			if !ok {
				continue
			}
			ra.Declined = ra.Declined || declined[code]
			e := Effect{Indicator: code, NameZH: ind.NameZH, Unit: ind.Unit,
				Then: h.latest(a.Entity, code, opened, ind.Frequency.Step()), Now: h.latest(a.Entity, code, r.Period, ind.Frequency.Step())}
			if e.Then != nil && e.Now != nil {
				v := round((*e.Now - *e.Then) * ind.Direction.Sign())
				e.Improvement = &v
			}
			ra.Effects = append(ra.Effects, e)
		}
		if a.Status == bizenv.ActionDone {
			sec.Closed = append(sec.Closed, ra)
		} else {
			sec.Open = append(sec.Open, ra)
		}
	}
	slices.SortStableFunc(sec.Open, func(a, b ReportAction) int {
		if a.Declined != b.Declined {
			if a.Declined {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.DaysOverdue, a.DaysOverdue), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(sec.Closed, func(a, b ReportAction) int {
		return cmp.Or(cmp.Compare(b.Closed.String(), a.Closed.String()), cmp.Compare(a.ID, b.ID))
	})
	if ent.Kind == "department" || ent.Kind == "park" || ent.Kind == "street" {
		rank, err := unitRank(ctx, s, cat, ent, r.Period)
		if err != nil {
			return err
		}
		sec.UnitRank = rank
	}
	// A ledger with nothing for this entity leaves the section out, as a
	// store without a ledger does.
	if len(sec.Open) > 0 || len(sec.Closed) > 0 || sec.UnitRank != nil {
		r.Actions = sec
	}
	return nil
}

// unitRank is a unit's place among the district's units in the monthly
// assessment (as stored in unit_assessment_rank), out of all units ranked.
func unitRank(ctx context.Context, s Store, cat bizenv.Catalog, ent bizenv.Entity, p bizenv.Period) (*RankSummary, error) {
	rs := &RankSummary{}
	for i, period := range []bizenv.Period{p, p.AddMonths(-1)} {
		vals, err := s.PeriodValues(ctx, UnitRankIndicator, period)
		if err != nil {
			return nil, fmt.Errorf("report: unit rank: %w", err)
		}
		for _, o := range vals {
			e, ok := cat.Entity(o.Entity)
			if !ok || e.Parent != ent.Parent {
				continue
			}
			if i == 0 {
				rs.Of++
			}
			if o.Entity == ent.Code {
				v := int(o.Value)
				if i == 0 {
					rs.Value = &v
				} else {
					rs.Previous = &v
				}
			}
		}
	}
	if rs.Value != nil && rs.Previous != nil {
		d := *rs.Value - *rs.Previous
		rs.Change = &d
	}
	return rs, nil
}

// latest is the value of the period p, or of the last period before it
// within a year for a series that skips months.
func (h history) latest(entity, indicator string, p bizenv.Period, step int) *float64 {
	for i := 0; i < 12; i += step {
		if v := h.value(entity, indicator, p.AddMonths(-i)); v != nil {
			return v
		}
	}
	return nil
}

func periodOrder(a, b bizenv.Period) bool {
	return a.Year < b.Year || (a.Year == b.Year && a.Month < b.Month)
}

// statusZH is how the ledger says a status.
func statusZH(s bizenv.ActionStatus) string {
	switch s {
	case bizenv.ActionOpen:
		return "待整改"
	case bizenv.ActionInProgress:
		return "整改中"
	case bizenv.ActionDone:
		return "已销号"
	case bizenv.ActionOngoing:
		return "常态化"
	}
	return string(s)
}

// ZH writes the effect as the report shows it: 名称 整改前 → 本月（改善）.
func (e Effect) ZH() string {
	s := e.NameZH + " " + cmp.Or(optShow(e.Then, e.Unit), "无数据") + " → " + cmp.Or(optShow(e.Now, e.Unit), "无数据")
	if e.Improvement != nil {
		s += "（" + ShowChange(*e.Improvement, e.Unit) + "）"
	}
	return s
}
