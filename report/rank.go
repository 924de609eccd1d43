package report

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/bizenv/bizenv"
)

// Ranked is one entity's place among its peers for one indicator.
type Ranked struct {
	Rank   int     `json:"rank"`
	Entity string  `json:"entity"`
	NameZH string  `json:"name_zh"` // set by RankPeers
	Value  float64 `json:"value"`
}

// Rank orders values best first by dir and gives each its competition
// rank: equal values share a rank and the next rank skips (1, 2, 2, 4).
// Neutral indicators have no better or worse; Rank returns nil for them.
func Rank(values []bizenv.Observation, dir bizenv.Direction) []Ranked {
	sign := dir.Sign()
	if sign == 0 {
		return nil
	}
	out := make([]Ranked, 0, len(values))
	for _, o := range values {
		out = append(out, Ranked{Entity: o.Entity, Value: o.Value})
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		if c := cmp.Compare(b.Value*sign, a.Value*sign); c != 0 {
			return c
		}
		return cmp.Compare(a.Entity, b.Entity)
	})
	for i := range out {
		if i > 0 && out[i].Value == out[i-1].Value {
			out[i].Rank = out[i-1].Rank
		} else {
			out[i].Rank = i + 1
		}
	}
	return out
}

// Peers returns the entities of cat of the same kind and parent as e, e
// included: the entities it is ranked against.
func Peers(cat bizenv.Catalog, e bizenv.Entity) []bizenv.Entity {
	return peersOf(cat, e.Kind, e.Parent)
}

func peersOf(cat bizenv.Catalog, kind, parent string) []bizenv.Entity {
	var out []bizenv.Entity
	for _, p := range cat.Entities {
		if p.Kind == kind && p.Parent == parent {
			out = append(out, p)
		}
	}
	return out
}

// RankingsRequest asks for one indicator's ranking in one period among
// peers (indicator and entity by code, name_zh or alias): those of Entity
// (same kind, same parent) when it is given, else the entities of Kind (""
// for district) under Parent. When neither Entity nor Parent is given
// (HasParent false), the kind's entities must all have one parent, which
// is taken.
type RankingsRequest struct {
	Indicator string
	Period    bizenv.Period
	Entity    string
	Kind      string
	Parent    string
	HasParent bool
}

// Rankings is one indicator's ranking among peers in one period.
type Rankings struct {
	Indicator bizenv.Indicator
	Period    bizenv.Period
	Kind      string
	Parent    string
	// Of is how many places there are; nil when not known (see Ranking).
	Of *int
	// Ranked is every peer with a value, best first.
	Ranked []Ranked
}

// RankPeers ranks the peers asked for by req from their stored values; an
// indicator whose values are ranks keeps them (see Ranking). Errors:
// ENOTFOUND for an unknown indicator or entity; EINVALID for an ambiguous
// name, a neutral indicator, or a kind whose entities have several parents
// when none is given; EINTERNAL for failures of s.
func RankPeers(ctx context.Context, s Store, req RankingsRequest) (*Rankings, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	ind, err := cat.FindIndicator(req.Indicator)
	if err != nil {
		return nil, err
	}
	if ind.Direction == bizenv.Neutral {
		return nil, bizenv.Errorf(bizenv.EINVALID, "indicator %s is neutral: no value is better than another", ind.Code).
			ZH("指标 %s 为中性指标：数值无优劣之分，无法排名", ind.Code)
	}
	kind, parent := req.Kind, req.Parent
	if req.Entity != "" {
		e, err := cat.FindEntity(req.Entity)
		if err != nil {
			return nil, err
		}
		kind, parent = e.Kind, e.Parent
	}
	if kind == "" {
		kind = "district"
	}
	if !req.HasParent && req.Entity == "" {
		parents := map[string]bool{}
		for _, e := range cat.Entities {
			if e.Kind == kind {
				parents[e.Parent] = true
				parent = e.Parent
			}
		}
		if len(parents) > 1 {
			return nil, bizenv.Errorf(bizenv.EINVALID, "entities of kind %s have several parents: give parent= or entity=", kind).
				ZH("%s 类单位有多个上级：请用 parent= 或 entity= 指定", kind)
		}
	}
	names := map[string]string{}
	for _, e := range peersOf(cat, kind, parent) {
		names[e.Code] = e.NameZH
	}
	values, err := s.PeriodValues(ctx, ind.Code, req.Period)
	if err != nil {
		return nil, err
	}
	var peers []bizenv.Observation
	for _, o := range values {
		if _, ok := names[o.Entity]; ok {
			peers = append(peers, o)
		}
	}
	ranked, of := Ranking(peers, ind)
	for i := range ranked {
		ranked[i].NameZH = names[ranked[i].Entity]
	}
	return &Rankings{Indicator: ind, Period: req.Period, Kind: kind, Parent: parent, Of: of, Ranked: ranked}, nil
}

// Ranking ranks the values of ind, one per peer, best first, and says how
// many places there are (of), or nil when that is not known. An indicator
// measured in ranks (unit rank: a city's or a national ranking published
// elsewhere) is not ranked again among the peers stored here: its values
// are the ranks, and of is known only when the stored peers fill every
// place up to the highest rank; else a lone district ranked 25th
// nationally would read "1st of 1".
func Ranking(values []bizenv.Observation, ind bizenv.Indicator) (ranked []Ranked, of *int) {
	if ind.Unit != bizenv.UnitRank {
		ranked = Rank(values, ind.Direction)
		n := len(ranked)
		return ranked, &n
	}
	ranked = make([]Ranked, 0, len(values))
	highest := 0
	for _, o := range values {
		r := int(math.Round(o.Value))
		ranked = append(ranked, Ranked{Rank: r, Entity: o.Entity, Value: o.Value})
		highest = max(highest, r)
	}
	slices.SortFunc(ranked, func(a, b Ranked) int {
		if c := cmp.Compare(a.Rank, b.Rank); c != 0 {
			return c
		}
		return cmp.Compare(a.Entity, b.Entity)
	})
	if n := len(ranked); n >= highest {
		return ranked, &n
	}
	return ranked, nil
}
