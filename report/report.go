// Package report builds the managers' monthly ranking-trend report for one
// entity and one period: where it stands in the city's assessment, since
// when it has been sliding, and which indicators pulled it down, against
// the month before, the benchmark (the city average) and the targets. It
// writes the report as JSON (SPEC section 9), CSV, a self-contained HTML
// page and a markdown summary for group robots.
package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/bizenv/bizenv"
)

// The indicators the headline is made of.
const (
	RankIndicator  = "city_assessment_rank"
	ScoreIndicator = "city_assessment_score"
)

// TrendMonths is how many months the trend shows, the period included.
const TrendMonths = 12

// historyMonths is how far back the report reads: enough for the trend, an
// annual indicator's year before and long decline streaks.
const historyMonths = 36

// Store is what the report reads. postgres.DB is one.
type Store interface {
	Catalog(ctx context.Context) (bizenv.Catalog, error)
	// History returns the values of entities from from to to, both included.
	History(ctx context.Context, entities []string, from, to bizenv.Period) ([]bizenv.Observation, error)
	// PeriodValues returns one indicator's value for every entity in period.
	PeriodValues(ctx context.Context, indicator string, period bizenv.Period) ([]bizenv.Observation, error)
}

// Report is the monthly ranking-trend report. Its JSON field names are
// SPEC section 9.
type Report struct {
	Period        bizenv.Period `json:"period"`
	Entity        string        `json:"entity"`
	EntityName    string        `json:"entity_name"`
	Benchmark     string        `json:"benchmark,omitempty"`
	BenchmarkName string        `json:"benchmark_name,omitempty"`
	Rank          RankSummary   `json:"rank"`
	Score         ScoreSummary  `json:"score"`
	// DeclineStreak counts the consecutive months, ending at Period, in
	// which the rank fell; DeclineSince is the month before the first of
	// them, where the slide began.
	DeclineStreak  int            `json:"decline_streak"`
	DeclineSince   *bizenv.Period `json:"decline_since,omitempty"`
	DeclineFrom    *int           `json:"decline_from,omitempty"` // the rank in DeclineSince
	Trend          []TrendPoint   `json:"trend"`
	Declined       []Change       `json:"declined"`
	Improved       []Change       `json:"improved"`
	BelowBenchmark []Gap          `json:"below_benchmark"`
	TargetsMissed  []Miss         `json:"targets_missed"`
	// ScoreBreakdown is why the assessment score moved (SPEC section 10);
	// OvertakenBy and GapToAbove repeat its answers at the top level.
	ScoreBreakdown *Breakdown  `json:"score_breakdown"`
	OvertakenBy    []Overtaker `json:"overtaken_by"`
	GapToAbove     *GapToAbove `json:"gap_to_above"`
	// PeerRanks are the indicators on which the entity ranks worst among
	// its peers, worst first.
	PeerRanks []PeerRank `json:"peer_ranks"`
}

// RankSummary is the entity's place in the city's assessment. Change is
// Value minus Previous: positive means it fell.
type RankSummary struct {
	Value    *int `json:"value"`
	Previous *int `json:"previous"`
	Change   *int `json:"change"`
	Of       int  `json:"of"` // how many peers are ranked in Period
}

// ScoreSummary is the assessment score beside the rank.
type ScoreSummary struct {
	Value     *float64 `json:"value"`
	Previous  *float64 `json:"previous"`
	Benchmark *float64 `json:"benchmark"`
}

// TrendPoint is one month of the trend; a nil field had no value.
type TrendPoint struct {
	Period bizenv.Period `json:"period"`
	Rank   *int          `json:"rank"`
	Score  *float64      `json:"score"`
}

// Change is an indicator that moved against the period before (a month, or
// a year for annual indicators). Change is Value minus Previous.
type Change struct {
	Indicator     string  `json:"indicator"`
	NameZH        string  `json:"name_zh"`
	Unit          string  `json:"unit"`
	Value         float64 `json:"value"`
	Previous      float64 `json:"previous"`
	Change        float64 `json:"change"`
	DeclineStreak int     `json:"decline_streak"`
}

// Gap is an indicator on which the entity is worse than its benchmark.
// Gap is Value minus Benchmark.
type Gap struct {
	Indicator string  `json:"indicator"`
	NameZH    string  `json:"name_zh"`
	Unit      string  `json:"unit"`
	Value     float64 `json:"value"`
	Benchmark float64 `json:"benchmark"`
	Gap       float64 `json:"gap"`
}

// Miss is an indicator whose value misses its catalog target. Gap is Value
// minus Target.
type Miss struct {
	Indicator string  `json:"indicator"`
	NameZH    string  `json:"name_zh"`
	Unit      string  `json:"unit"`
	Value     float64 `json:"value"`
	Target    float64 `json:"target"`
	Gap       float64 `json:"gap"`
}

// DefaultEntity is the entity a report is for when none is named: the
// district wuhan-edz when the catalog has it, else the first district.
func DefaultEntity(cat bizenv.Catalog) (string, bool) {
	if _, ok := cat.Entity("wuhan-edz"); ok {
		return "wuhan-edz", true
	}
	for _, e := range cat.Entities {
		if e.Kind == "district" {
			return e.Code, true
		}
	}
	return "", false
}

// Build reads what the report needs from s and assembles it. Errors:
// ENOTFOUND for an unknown entity, EINTERNAL for failures of s.
func Build(ctx context.Context, s Store, period bizenv.Period, entity string) (*Report, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	ent, ok := cat.Entity(entity)
	if !ok {
		return nil, bizenv.Errorf(bizenv.ENOTFOUND, "unknown entity %q", entity)
	}
	codes := []string{ent.Code}
	if ent.Benchmark != "" {
		codes = append(codes, ent.Benchmark)
	}
	obs, err := s.History(ctx, codes, period.AddMonths(-historyMonths+1), period)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	ranks, err := s.PeriodValues(ctx, RankIndicator, period)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	h := history{}
	for _, o := range obs {
		h.put(o.Entity, o.Indicator, o.Period, o.Value)
	}

	r := &Report{Period: period, Entity: ent.Code, EntityName: ent.NameZH, Benchmark: ent.Benchmark,
		Declined: []Change{}, Improved: []Change{}, BelowBenchmark: []Gap{}, TargetsMissed: []Miss{}}
	if b, ok := cat.Entity(ent.Benchmark); ok {
		r.BenchmarkName = b.NameZH
	}
	peers := map[string]bool{}
	for _, p := range Peers(cat, ent) {
		peers[p.Code] = true
	}
	for _, o := range ranks {
		if peers[o.Entity] {
			r.Rank.Of++
		}
	}
	prev := period.AddMonths(-1)
	r.Rank.Value = h.rank(ent.Code, period)
	r.Rank.Previous = h.rank(ent.Code, prev)
	if r.Rank.Value != nil && r.Rank.Previous != nil {
		d := *r.Rank.Value - *r.Rank.Previous
		r.Rank.Change = &d
	}
	r.Score = ScoreSummary{
		Value:     h.value(ent.Code, ScoreIndicator, period),
		Previous:  h.value(ent.Code, ScoreIndicator, prev),
		Benchmark: h.value(ent.Benchmark, ScoreIndicator, period),
	}
	r.DeclineStreak = h.streak(ent.Code, RankIndicator, period, bizenv.LowerBetter, 1)
	if r.DeclineStreak > 0 {
		since := period.AddMonths(-r.DeclineStreak)
		r.DeclineSince = &since
		r.DeclineFrom = h.rank(ent.Code, since)
	}
	for i := TrendMonths - 1; i >= 0; i-- {
		p := period.AddMonths(-i)
		r.Trend = append(r.Trend, TrendPoint{Period: p, Rank: h.rank(ent.Code, p), Score: h.value(ent.Code, ScoreIndicator, p)})
	}

	// Relative sizes make "most" comparable across units: a change or gap
	// is weighed against the value it is measured from.
	var declined, improved, below, missed []weighed
	for _, ind := range cat.Indicators {
		if ind.Code == RankIndicator || ind.Code == ScoreIndicator || ind.Direction == bizenv.Neutral {
			continue
		}
		v := h.value(ent.Code, ind.Code, period)
		if v == nil {
			continue
		}
		sign := ind.Direction.Sign()
		step := ind.CompareStep()
		if p := h.value(ent.Code, ind.Code, period.AddMonths(-step)); p != nil && *v != *p {
			c := Change{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Value: *v, Previous: *p,
				Change: round(*v - *p), DeclineStreak: h.streak(ent.Code, ind.Code, period, ind.Direction, step)}
			w := weighed{item: c, by: relative(*v-*p, *p) * sign}
			if w.by < 0 {
				declined = append(declined, w)
			} else {
				improved = append(improved, w)
			}
		}
		if b := h.value(ent.Benchmark, ind.Code, period); b != nil && (*v-*b)*sign < 0 {
			g := Gap{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Value: *v, Benchmark: *b, Gap: round(*v - *b)}
			below = append(below, weighed{item: g, by: relative(*v-*b, *b) * sign})
		}
		if ind.Target != nil && !ind.MeetsTarget(*v) {
			m := Miss{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Value: *v, Target: *ind.Target, Gap: round(*v - *ind.Target)}
			missed = append(missed, weighed{item: m, by: relative(*v-*ind.Target, *ind.Target) * sign})
		}
	}
	r.Declined = sorted[Change](declined, 1)
	r.Improved = sorted[Change](improved, -1)
	r.BelowBenchmark = sorted[Gap](below, 1)
	r.TargetsMissed = sorted[Miss](missed, 1)
	if err := r.explain(ctx, s, cat, ent); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return r, nil
}

type weighed struct {
	item any
	by   float64
}

// sorted orders ws by weight, ascending for order 1 (the worst first) and
// descending for -1 (the best first), ties by indicator order.
func sorted[T any](ws []weighed, order float64) []T {
	slices.SortStableFunc(ws, func(a, b weighed) int { return cmp.Compare(a.by*order, b.by*order) })
	out := make([]T, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.item.(T))
	}
	return out
}

// relative is d as a share of base; with a zero base, d itself.
func relative(d, base float64) float64 {
	if base == 0 {
		return d
	}
	return d / math.Abs(base)
}

// round drops the noise of float subtraction (0.6667-0.8833 is
// -0.21660000000000001) while keeping every digit a figure can carry.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

type seriesKey struct{ entity, indicator string }

// history holds the values read, by entity, indicator and period.
type history map[seriesKey]map[bizenv.Period]float64

func (h history) put(entity, indicator string, p bizenv.Period, v float64) {
	k := seriesKey{entity, indicator}
	if h[k] == nil {
		h[k] = map[bizenv.Period]float64{}
	}
	h[k][p] = v
}

func (h history) value(entity, indicator string, p bizenv.Period) *float64 {
	v, ok := h[seriesKey{entity, indicator}][p]
	if !ok {
		return nil
	}
	return &v
}

func (h history) rank(entity string, p bizenv.Period) *int {
	v := h.value(entity, RankIndicator, p)
	if v == nil {
		return nil
	}
	r := int(math.Round(*v))
	return &r
}

// streak counts the consecutive steps, ending at p, in which the series
// declined; a step without a value ends it.
func (h history) streak(entity, indicator string, p bizenv.Period, dir bizenv.Direction, step int) int {
	n := 0
	for {
		cur, prev := h.value(entity, indicator, p), h.value(entity, indicator, p.AddMonths(-step))
		if cur == nil || prev == nil || (*cur-*prev)*dir.Sign() >= 0 {
			return n
		}
		n++
		p = p.AddMonths(-step)
	}
}
