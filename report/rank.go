package report

import (
	"cmp"
	"math"
	"slices"

	"github.com/bizenv/bizenv"
)

// Ranked is one entity's place among its peers for one indicator.
type Ranked struct {
	Rank   int     `json:"rank"`
	Entity string  `json:"entity"`
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
	var out []bizenv.Entity
	for _, p := range cat.Entities {
		if p.Kind == e.Kind && p.Parent == e.Parent {
			out = append(out, p)
		}
	}
	return out
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
