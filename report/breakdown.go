package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/bizenv/bizenv"
)

// Breakdown says why a composite score (and the rank that follows from it)
// moved: its scored items' change and points lost, the peers that overtook
// the entity, and where the peer ranked just above it has more points
// (SPEC section 10).
type Breakdown struct {
	Indicator string        `json:"indicator"`
	NameZH    string        `json:"name_zh"`
	Entity    string        `json:"entity"`
	Period    bizenv.Period `json:"period"`
	// Value, Previous and Change are the composite's, nil when missing.
	// Previous is the period the composite compares with (CompareStep).
	Value    *float64 `json:"value"`
	Previous *float64 `json:"previous"`
	Change   *float64 `json:"change"`
	// Items are the composite's scored items with a value in Period,
	// ordered by change, worst first; items without a previous value last.
	Items []ItemScore `json:"items"`
	// Unexplained is Change minus the sum of the items' changes: 0 when
	// the items add up, nil when the composite has no change.
	Unexplained *float64 `json:"unexplained"`
	// RankIndicator is where the ranks come from: the stored rank
	// indicator of the composite, or "" when they are computed from the
	// peers' scores.
	RankIndicator string        `json:"rank_indicator"`
	Rank          *int          `json:"rank"`
	PreviousRank  *int          `json:"previous_rank"`
	OvertakenBy   []Overtaker   `json:"overtaken_by"`
	GapToAbove    *GapToAbove   `json:"gap_to_above"`
	PreviousAt    bizenv.Period `json:"previous_period"`
}

// ItemScore is one scored item of a composite. Change is Value minus
// Previous; Lost is MaxPoints minus Value.
type ItemScore struct {
	Indicator string   `json:"indicator"`
	NameZH    string   `json:"name_zh"`
	Value     float64  `json:"value"`
	Previous  *float64 `json:"previous"`
	Change    *float64 `json:"change"`
	MaxPoints float64  `json:"max_points"`
	Lost      float64  `json:"lost"`
	Owner     string   `json:"owner"`      // the responsible unit, an entity code where it is one
	OwnerName string   `json:"owner_name"` // its Chinese name

	Provenance // of Value
}

// Overtaker is a peer ranked above the entity in the period that was
// ranked below it, or level with it, in the period before.
type Overtaker struct {
	Entity       string `json:"entity"`
	NameZH       string `json:"name_zh"`
	Rank         int    `json:"rank"`
	PreviousRank int    `json:"previous_rank"`
}

// GapToAbove compares the entity item by item with the peer ranked just
// above it: Gap is the entity's points minus the peer's, negative where
// the entity has fewer.
type GapToAbove struct {
	Entity string    `json:"entity"`
	NameZH string    `json:"name_zh"`
	Rank   int       `json:"rank"`
	Items  []ItemGap `json:"items"`
}

// ItemGap is one item of GapToAbove.
type ItemGap struct {
	Indicator string  `json:"indicator"`
	NameZH    string  `json:"name_zh"`
	Gap       float64 `json:"gap"`
	Owner     string  `json:"owner"`
	OwnerName string  `json:"owner_name"`
}

// RankIndicatorOf returns the stored rank indicator of the composite score
// code: by the catalog's naming convention, the indicator named like it
// with _rank for _score (city_assessment_score -> city_assessment_rank),
// when the catalog has it with unit rank. Without one, ranks are computed
// from the peers' scores.
func RankIndicatorOf(cat bizenv.Catalog, code string) (bizenv.Indicator, bool) {
	base, ok := strings.CutSuffix(code, "_score")
	if !ok {
		return bizenv.Indicator{}, false
	}
	i, ok := cat.Indicator(base + "_rank")
	if !ok || i.Unit != bizenv.UnitRank {
		return bizenv.Indicator{}, false
	}
	return i, true
}

// BuildBreakdown reads what the breakdown of the composite score indicator
// for entity in period needs from s. Errors: ENOTFOUND for an unknown
// indicator or entity, NoDataError (ENOTFOUND) when neither the score nor
// the rank has a value in period, EINVALID for an indicator that is not a
// score, EINTERNAL for failures of s.
func BuildBreakdown(ctx context.Context, s Store, indicator, entity string, period bizenv.Period) (*Breakdown, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("breakdown: %w", err)
	}
	b, err := buildBreakdown(ctx, s, cat, indicator, entity, period)
	if err != nil {
		return nil, err
	}
	if b.Value == nil && b.Rank == nil {
		return nil, NoDataError{Entity: entity, Period: period}
	}
	return b, nil
}

func buildBreakdown(ctx context.Context, s Store, cat bizenv.Catalog, indicator, entity string, period bizenv.Period) (*Breakdown, error) {
	comp, ok := cat.Indicator(indicator)
	if !ok {
		return nil, bizenv.Errorf(bizenv.ENOTFOUND, "unknown indicator %q", indicator).ZH("未知指标“%s”", indicator)
	}
	if comp.Unit != bizenv.UnitScore || comp.PartOf != "" {
		return nil, bizenv.Errorf(bizenv.EINVALID, "indicator %s is not a composite score (unit %s)", comp.Code, comp.Unit).
			ZH("指标 %s 不是综合得分（单位为 %s）", comp.Code, comp.Unit)
	}
	ent, ok := cat.Entity(entity)
	if !ok {
		return nil, bizenv.Errorf(bizenv.ENOTFOUND, "unknown entity %q", entity).ZH("未知单位“%s”", entity)
	}
	prev := period.AddMonths(-comp.CompareStep())
	b := &Breakdown{Indicator: comp.Code, NameZH: comp.NameZH, Entity: ent.Code, Period: period, PreviousAt: prev,
		Items: []ItemScore{}, OvertakenBy: []Overtaker{}}

	// Ranks in both periods, for every peer: stored, or from the scores.
	peers := Peers(cat, ent)
	isPeer := map[string]bool{}
	for _, p := range peers {
		isPeer[p.Code] = true
	}
	rankInd, stored := RankIndicatorOf(cat, comp.Code)
	if stored {
		b.RankIndicator = rankInd.Code
	}
	ranksAt := func(p bizenv.Period) (map[string]int, error) {
		ranks := map[string]int{}
		if stored {
			obs, err := s.PeriodValues(ctx, rankInd.Code, p)
			if err != nil {
				return nil, err
			}
			for _, o := range obs {
				if isPeer[o.Entity] {
					ranks[o.Entity] = int(math.Round(o.Value))
				}
			}
			return ranks, nil
		}
		obs, err := s.PeriodValues(ctx, comp.Code, p)
		if err != nil {
			return nil, err
		}
		obs = slices.DeleteFunc(obs, func(o bizenv.Observation) bool { return !isPeer[o.Entity] })
		if len(obs) < 2 {
			return ranks, nil // no ranking with fewer than two
		}
		for _, r := range Rank(obs, comp.Direction) {
			ranks[r.Entity] = r.Rank
		}
		return ranks, nil
	}
	now, err := ranksAt(period)
	if err != nil {
		return nil, fmt.Errorf("breakdown: %w", err)
	}
	before, err := ranksAt(prev)
	if err != nil {
		return nil, fmt.Errorf("breakdown: %w", err)
	}
	if r, ok := now[ent.Code]; ok {
		b.Rank = &r
	}
	if r, ok := before[ent.Code]; ok {
		b.PreviousRank = &r
	}
	name := func(code string) string {
		if e, ok := cat.Entity(code); ok {
			return e.NameZH
		}
		return code
	}
	if b.Rank != nil && b.PreviousRank != nil {
		for code, r := range now {
			pr, ok := before[code]
			if code == ent.Code || !ok || r >= *b.Rank || pr < *b.PreviousRank {
				continue
			}
			b.OvertakenBy = append(b.OvertakenBy, Overtaker{Entity: code, NameZH: name(code), Rank: r, PreviousRank: pr})
		}
		slices.SortFunc(b.OvertakenBy, func(x, y Overtaker) int {
			return cmp.Or(cmp.Compare(x.Rank, y.Rank), cmp.Compare(x.Entity, y.Entity))
		})
	}
	// The peer ranked just above: the best rank above the entity's that
	// is closest to it; of peers tied there, the first by code.
	above := ""
	if b.Rank != nil {
		best := 0
		for code, r := range now {
			if r < *b.Rank && (r > best || (r == best && code < above)) {
				above, best = code, r
			}
		}
	}

	// Values of the composite and its items for the entity and the peer
	// above, in both periods.
	codes := []string{ent.Code}
	if above != "" {
		codes = append(codes, above)
	}
	obs, err := s.History(ctx, codes, prev, period)
	if err != nil {
		return nil, fmt.Errorf("breakdown: %w", err)
	}
	h := history{}
	// Where the entity's figures of the period came from, so that a reader
	// can tell a notice's figure from a synthetic one.
	prov := map[string]Provenance{}
	for _, o := range obs {
		h.put(o.Entity, o.Indicator, o.Period, o.Value)
		if o.Entity == ent.Code && o.Period == period {
			prov[o.Indicator] = provenanceOf(o.Source, o.Note)
		}
	}
	b.Value = h.value(ent.Code, comp.Code, period)
	b.Previous = h.value(ent.Code, comp.Code, prev)
	if b.Value != nil && b.Previous != nil {
		c := round(*b.Value - *b.Previous)
		b.Change = &c
	}
	explained := 0.0
	items := cat.Items(comp.Code)
	for _, it := range items {
		v := h.value(ent.Code, it.Code, period)
		if v == nil {
			continue
		}
		is := ItemScore{Indicator: it.Code, NameZH: it.NameZH, Value: *v, MaxPoints: *it.MaxPoints,
			Lost: round(*it.MaxPoints - *v), Owner: it.Owner, OwnerName: ownerName(cat, it.Owner), Provenance: prov[it.Code]}
		if p := h.value(ent.Code, it.Code, prev); p != nil {
			c := round(*v - *p)
			is.Previous, is.Change = p, &c
			explained += *v - *p
		}
		b.Items = append(b.Items, is)
	}
	slices.SortStableFunc(b.Items, func(x, y ItemScore) int {
		switch {
		case x.Change == nil || y.Change == nil:
			return boolOrder(x.Change == nil, y.Change == nil)
		}
		return cmp.Compare(*x.Change, *y.Change)
	})
	if b.Change != nil {
		u := round(*b.Change - explained)
		if u == 0 {
			u = 0 // not -0
		}
		b.Unexplained = &u
	}
	if above != "" {
		g := &GapToAbove{Entity: above, NameZH: name(above), Rank: now[above], Items: []ItemGap{}}
		for _, it := range items {
			mine, theirs := h.value(ent.Code, it.Code, period), h.value(above, it.Code, period)
			if mine == nil || theirs == nil {
				continue
			}
			g.Items = append(g.Items, ItemGap{Indicator: it.Code, NameZH: it.NameZH, Gap: round(*mine - *theirs),
				Owner: it.Owner, OwnerName: ownerName(cat, it.Owner)})
		}
		slices.SortStableFunc(g.Items, func(x, y ItemGap) int { return cmp.Compare(x.Gap, y.Gap) })
		b.GapToAbove = g
	}
	return b, nil
}

// boolOrder puts false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
