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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

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

// Store is what the report reads.
type Store interface {
	bizenv.CatalogReader
	bizenv.SeriesService
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
	// Actions is the 整改事项 section, when the store keeps a ledger.
	Actions *Actions `json:"actions,omitempty"`

	fingerprint string // of the stored figures read; see Fingerprint
}

// RankSummary is the entity's place in the city's assessment. Change is
// Previous minus Value, in places: positive means it rose, as every change
// in the report is positive when it is better.
type RankSummary struct {
	Value    *int `json:"value"`
	Previous *int `json:"previous"`
	Change   *int `json:"change"`
	// Of is how many places the ranking has: the peers ranked in Period,
	// and never fewer than Value (the peers' ranks may not all be stored).
	Of int `json:"of"`
	// Ranked is how many peers have a rank stored for Period; below Of,
	// the size of the ranking is not known and Of is only a floor.
	Ranked int `json:"ranked"`

	Provenance // of Value
}

// ScoreSummary is the assessment score beside the rank.
type ScoreSummary struct {
	Value     *float64 `json:"value"`
	Previous  *float64 `json:"previous"`
	Benchmark *float64 `json:"benchmark"`

	Provenance // of Value
}

// TrendPoint is one month of the trend; a nil field had no value.
type TrendPoint struct {
	Period bizenv.Period `json:"period"`
	Rank   *int          `json:"rank"`
	Score  *float64      `json:"score"`
}

// Change is an indicator that moved against the period before: the month
// before, or the year before for annual indicators (Frequency). Change is
// how much better Value is than Previous (negative: worse), in ChangeUnit.
// DeclineStreak counts periods of the indicator's frequency.
type Change struct {
	Indicator     string           `json:"indicator"`
	NameZH        string           `json:"name_zh"`
	Unit          string           `json:"unit"`
	Frequency     bizenv.Frequency `json:"frequency"`
	Value         float64          `json:"value"`
	Previous      float64          `json:"previous"`
	Change        float64          `json:"change"`
	ChangeUnit    string           `json:"change_unit"`
	DeclineStreak int              `json:"decline_streak"`
	// Compare is year_ago for year-to-date series, which compare with the
	// same month a year before.
	Compare   bizenv.Compare `json:"compare"`
	Owner     string         `json:"owner"`
	OwnerName string         `json:"owner_name"`

	Provenance // of Value
}

// Before names the period c compares with: 上年 for annual indicators,
// else 上月.
func (c Change) Before() string {
	if c.Frequency == bizenv.Annual {
		return "上年"
	}
	if c.Compare == bizenv.CompareYearAgo {
		return "去年同月"
	}
	return "上月"
}

// Streak writes DeclineStreak in the indicator's periods: 2个月, or 2年.
func (c Change) Streak() string {
	if c.Frequency == bizenv.Annual || c.Compare == bizenv.CompareYearAgo {
		return fmt.Sprintf("%d年", c.DeclineStreak)
	}
	return fmt.Sprintf("%d个月", c.DeclineStreak)
}

// Gap is an indicator on which the entity is worse than its benchmark.
// Gap is how much better Value is than Benchmark, in GapUnit: negative, as
// the entity is behind.
type Gap struct {
	Indicator string  `json:"indicator"`
	NameZH    string  `json:"name_zh"`
	Unit      string  `json:"unit"`
	Value     float64 `json:"value"`
	Benchmark float64 `json:"benchmark"`
	Gap       float64 `json:"gap"`
	GapUnit   string  `json:"gap_unit"`
	Owner     string  `json:"owner"`
	OwnerName string  `json:"owner_name"`

	Provenance // of Value
}

// Miss is an indicator whose value misses its catalog target. Gap is how
// much better Value is than Target, in GapUnit: negative, as it misses.
type Miss struct {
	Indicator string  `json:"indicator"`
	NameZH    string  `json:"name_zh"`
	Unit      string  `json:"unit"`
	Value     float64 `json:"value"`
	Target    float64 `json:"target"`
	Gap       float64 `json:"gap"`
	GapUnit   string  `json:"gap_unit"`
	Owner     string  `json:"owner"`
	OwnerName string  `json:"owner_name"`

	Provenance // of Value
}

// Provenance is where a figure came from: the source and note it was
// stored with. Synthetic marks a figure made up (for a demo, say), which a
// reader must be able to tell from a reported one: its source says so
// (synthetic, 合成, 模拟 or 演示).
type Provenance struct {
	Source    string `json:"source,omitempty"`
	Note      string `json:"note,omitempty"`
	Synthetic bool   `json:"synthetic,omitempty"`
}

// provenanceOf is the Provenance of a figure stored with source and note.
func provenanceOf(source, note string) Provenance {
	lower := strings.ToLower(source)
	synthetic := strings.Contains(lower, "synthetic")
	for _, word := range []string{"合成", "模拟", "演示"} {
		synthetic = synthetic || strings.Contains(source, word)
	}
	return Provenance{Source: source, Note: note, Synthetic: synthetic}
}

// Units of changes and gaps that differ from their values' units.
const (
	// UnitPercentagePoints is the unit of a change or gap of a ratio:
	// 0.583 to 0.524 is −5.9 percentage points, as the page shows it.
	UnitPercentagePoints = "percentage_points"
	// UnitPlaces is the unit of a change or gap of a rank.
	UnitPlaces = "places"
)

// better is how much better a is than b for ind, positive when better
// whatever the indicator's direction, in the unit the report shows it in.
func better(a, b float64, ind bizenv.Indicator) (float64, string) {
	d := (a - b) * ind.Direction.Sign()
	switch ind.Unit {
	case bizenv.UnitRatio:
		return round(d * 100), UnitPercentagePoints
	case bizenv.UnitRank:
		return round(d), UnitPlaces
	}
	return round(d), ind.Unit
}

// DefaultEntity is the entity a report is for when none is named:
// preferred, the configured one, when the catalog has it, else the first
// district.
func DefaultEntity(cat bizenv.Catalog, preferred string) (string, bool) {
	if _, ok := cat.Entity(preferred); ok && preferred != "" {
		return preferred, true
	}
	for _, e := range cat.Entities {
		if e.Kind == "district" {
			return e.Code, true
		}
	}
	return "", false
}

// NoDataError is Build's answer for an entity without a single value in
// the period (and BuildBreakdown's for one without the score or its rank): a late notice, a month not yet collected, or an entity (the
// city, a benchmark) that is not assessed.
type NoDataError struct {
	Entity string
	Period bizenv.Period
}

func (e NoDataError) Error() string { return fmt.Sprintf("no data for %s in %s", e.Entity, e.Period) }

// Unwrap gives the error its ENOTFOUND code.
func (e NoDataError) Unwrap() error {
	return &bizenv.Error{Code: bizenv.ENOTFOUND, Message: e.Error(),
		MessageZH: fmt.Sprintf("%s %d年%d月无数据", e.Entity, e.Period.Year, e.Period.Month)}
}

// Build reads what the report needs from s and assembles it. Errors:
// ENOTFOUND for an unknown entity, NoDataError (ENOTFOUND) when the entity
// has no value in period, EINTERNAL for failures of s.
func Build(ctx context.Context, s Store, period bizenv.Period, entity string) (*Report, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return build(ctx, s, cat, period, entity)
}

// build is Build with the catalog already read.
func build(ctx context.Context, s Store, cat bizenv.Catalog, period bizenv.Period, entity string) (*Report, error) {
	ent, ok := cat.Entity(entity)
	if !ok {
		return nil, bizenv.Errorf(bizenv.ENOTFOUND, "unknown entity %q", entity).ZH("未知单位“%s”", entity)
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
	hasData := false
	// The provenance of the period's figures, which the report lists.
	prov := map[seriesKey]Provenance{}
	for _, o := range obs {
		h.put(o.Entity, o.Indicator, o.Period, o.Value)
		if o.Period == period {
			prov[seriesKey{o.Entity, o.Indicator}] = provenanceOf(o.Source, o.Note)
		}
		hasData = hasData || (o.Entity == ent.Code && o.Period == period)
	}
	// A month without figures is not a month without problems: reporting
	// it would print an all-clear (SPEC section 9). Neither is an entity
	// that is not assessed among peers (the city, the city average): it has
	// no standing to report, only figures others are measured against.
	peerList := Peers(cat, ent)
	if !hasData || (len(peerList) < 2 && h.value(ent.Code, RankIndicator, period) == nil) {
		return nil, NoDataError{Entity: ent.Code, Period: period}
	}

	r := &Report{Period: period, Entity: ent.Code, EntityName: ent.NameZH, Benchmark: ent.Benchmark,
		Declined: []Change{}, Improved: []Change{}, BelowBenchmark: []Gap{}, TargetsMissed: []Miss{},
		fingerprint: fingerprint(obs, ranks)}
	if b, ok := cat.Entity(ent.Benchmark); ok {
		r.BenchmarkName = b.NameZH
	}
	peers := map[string]bool{}
	for _, p := range peerList {
		peers[p.Code] = true
	}
	for _, o := range ranks {
		if peers[o.Entity] {
			r.Rank.Ranked++
		}
	}
	prev := period.AddMonths(-1)
	r.Rank.Value = h.rank(ent.Code, period)
	r.Rank.Previous = h.rank(ent.Code, prev)
	r.Rank.Of = r.Rank.Ranked
	if r.Rank.Value != nil {
		r.Rank.Of = max(r.Rank.Of, *r.Rank.Value)
	}
	if r.Rank.Value != nil && r.Rank.Previous != nil {
		d := *r.Rank.Previous - *r.Rank.Value
		r.Rank.Change = &d
	}
	r.Rank.Provenance = prov[seriesKey{ent.Code, RankIndicator}]
	r.Score = ScoreSummary{
		Value:      h.value(ent.Code, ScoreIndicator, period),
		Previous:   h.value(ent.Code, ScoreIndicator, prev),
		Benchmark:  h.value(ent.Benchmark, ScoreIndicator, period),
		Provenance: prov[seriesKey{ent.Code, ScoreIndicator}],
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
		// The score's items are in its breakdown (score_breakdown).
		if ind.Code == RankIndicator || ind.Code == ScoreIndicator || ind.PartOf == ScoreIndicator || ind.Direction == bizenv.Neutral {
			continue
		}
		v := h.value(ent.Code, ind.Code, period)
		if v == nil {
			continue
		}
		sign := ind.Direction.Sign()
		step := ind.CompareStep()
		if p := h.value(ent.Code, ind.Code, period.AddMonths(-step)); p != nil && *v != *p {
			c := Change{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Frequency: ind.Frequency, Value: *v, Previous: *p,
				DeclineStreak: h.streak(ent.Code, ind.Code, period, ind.Direction, step), Compare: ind.Compare,
				Owner: ind.Owner, OwnerName: ownerName(cat, ind.Owner), Provenance: prov[seriesKey{ent.Code, ind.Code}]}
			c.Change, c.ChangeUnit = better(*v, *p, ind)
			w := weighed{item: c, by: relative(*v-*p, *p) * sign}
			if w.by < 0 {
				declined = append(declined, w)
			} else {
				improved = append(improved, w)
			}
		}
		if b := h.value(ent.Benchmark, ind.Code, period); b != nil && (*v-*b)*sign < 0 {
			g := Gap{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Value: *v, Benchmark: *b, Owner: ind.Owner, OwnerName: ownerName(cat, ind.Owner), Provenance: prov[seriesKey{ent.Code, ind.Code}]}
			g.Gap, g.GapUnit = better(*v, *b, ind)
			below = append(below, weighed{item: g, by: relative(*v-*b, *b) * sign})
		}
		if ind.Target != nil && !ind.MeetsTarget(*v) {
			m := Miss{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Value: *v, Target: *ind.Target, Owner: ind.Owner, OwnerName: ownerName(cat, ind.Owner), Provenance: prov[seriesKey{ent.Code, ind.Code}]}
			m.Gap, m.GapUnit = better(*v, *ind.Target, ind)
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
	if src, ok := s.(ActionSource); ok {
		if err := addActions(ctx, r, s, src, cat, ent); err != nil {
			return nil, err
		}
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

// Fingerprint identifies the stored figures r was built from: the same
// figures give the same fingerprint, and a revision of any of them (a value
// of the entity or its benchmark in the months the report reads, a peer's
// rank in its period) gives another. Delivery compares it with what it sent
// to know when a correction is due. It hashes the stored figures rather
// than the report, so a new bizenv version that words or derives the report
// differently does not count as a revision, nor does a catalog change.
func (r *Report) Fingerprint() string { return r.fingerprint }

// fingerprint hashes observations in an order of their own, so that it
// does not depend on the order a Store returns them in.
func fingerprint(sets ...[]bizenv.Observation) string {
	var lines []string
	for _, obs := range sets {
		for _, o := range obs {
			lines = append(lines, o.Indicator+"|"+o.Entity+"|"+o.Period.String()+"|"+strconv.FormatFloat(o.Value, 'g', -1, 64))
		}
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
