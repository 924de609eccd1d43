package report

import (
	"cmp"
	"context"
	"slices"

	"github.com/bizenv/bizenv"
)

// PeerRank is the entity's place among its peers (same parent and kind) on
// one indicator in the report's period: best = 1, ties share a rank.
// LastPlaceStreak counts the consecutive periods, ending at the report's,
// in which it ranked last (末位).
type PeerRank struct {
	Indicator       string  `json:"indicator"`
	NameZH          string  `json:"name_zh"`
	Unit            string  `json:"unit"`
	Value           float64 `json:"value"`
	Rank            int     `json:"rank"`
	Of              int     `json:"of"`
	LastPlaceStreak int     `json:"last_place_streak"`
	Owner           string  `json:"owner"`
	OwnerName       string  `json:"owner_name"`

	Provenance // of Value
}

// peerHistoryMonths is how far back the report reads the peers' values for
// the last-place streaks: two years.
const peerHistoryMonths = 24

// explain fills the report's answers to "why": the assessment score's
// breakdown, who overtook the entity, and the indicators on which it ranks
// in the lower half of its peers.
func (r *Report) explain(ctx context.Context, s Store, cat bizenv.Catalog, ent bizenv.Entity) error {
	r.OvertakenBy, r.PeerRanks = []Overtaker{}, []PeerRank{}
	if _, ok := cat.Indicator(ScoreIndicator); ok {
		b, err := buildBreakdown(ctx, s, cat, ScoreIndicator, ent.Code, r.Period)
		if err != nil {
			return err
		}
		r.ScoreBreakdown, r.OvertakenBy, r.GapToAbove = b, b.OvertakenBy, b.GapToAbove
	}
	peers := Peers(cat, ent)
	if len(peers) < 2 {
		return nil
	}
	codes := make([]string, 0, len(peers))
	for _, p := range peers {
		codes = append(codes, p.Code)
	}
	obs, err := s.History(ctx, codes, r.Period.AddMonths(-peerHistoryMonths+1), r.Period)
	if err != nil {
		return err
	}
	// values[indicator][period][entity]
	values := map[string]map[bizenv.Period]map[string]float64{}
	prov := map[string]Provenance{} // of the entity's values in the period, by indicator
	for _, o := range obs {
		if o.Entity == ent.Code && o.Period == r.Period {
			prov[o.Indicator] = provenanceOf(o.Source, o.Note)
		}
		if values[o.Indicator] == nil {
			values[o.Indicator] = map[bizenv.Period]map[string]float64{}
		}
		if values[o.Indicator][o.Period] == nil {
			values[o.Indicator][o.Period] = map[string]float64{}
		}
		values[o.Indicator][o.Period][o.Entity] = o.Value
	}
	var out []PeerRank
	for _, ind := range cat.Indicators {
		if ind.Direction == bizenv.Neutral || ind.Code == RankIndicator || ind.Code == ScoreIndicator {
			continue
		}
		byPeriod := values[ind.Code]
		rank, of, _ := standing(byPeriod[r.Period], ent.Code, ind.Direction)
		if rank == 0 || rank*2 <= of+1 { // upper half, or the middle
			continue
		}
		streak := 0
		for p := r.Period; ; p = p.AddMonths(-ind.Frequency.Step()) {
			if _, _, last := standing(byPeriod[p], ent.Code, ind.Direction); !last {
				break
			}
			streak++
		}
		out = append(out, PeerRank{Indicator: ind.Code, NameZH: ind.NameZH, Unit: ind.Unit, Value: byPeriod[r.Period][ent.Code],
			Rank: rank, Of: of, LastPlaceStreak: streak, Owner: ind.Owner, OwnerName: ownerName(cat, ind.Owner), Provenance: prov[ind.Code]})
	}
	// Worst first: by place relative to the number ranked, then by how
	// long it has been last.
	slices.SortStableFunc(out, func(a, b PeerRank) int {
		return cmp.Or(cmp.Compare(float64(b.Rank-1)/float64(b.Of-1), float64(a.Rank-1)/float64(a.Of-1)),
			cmp.Compare(b.LastPlaceStreak, a.LastPlaceStreak))
	})
	if out != nil {
		r.PeerRanks = out
	}
	return nil
}

// ownerName is the Chinese name of the responsible unit owner, which the
// catalog stores as an entity code where it names one; else owner itself.
func ownerName(cat bizenv.Catalog, owner string) string {
	if e, ok := cat.Entity(owner); ok {
		return e.NameZH
	}
	return owner
}

// standing ranks entity among the peers' values by dir (competition
// ranking, best = 1): its rank, how many are ranked, and whether it is
// last, i.e. no peer is worse and at least one is better. The rank is 0
// when the entity has no value or fewer than two peers have one.
func standing(values map[string]float64, entity string, dir bizenv.Direction) (rank, of int, last bool) {
	v, ok := values[entity]
	if !ok || len(values) < 2 {
		return 0, len(values), false
	}
	sign := dir.Sign()
	better, worse := 0, 0
	for _, w := range values {
		switch d := (w - v) * sign; {
		case d > 0:
			better++
		case d < 0:
			worse++
		}
	}
	return better + 1, len(values), worse == 0 && better > 0
}
