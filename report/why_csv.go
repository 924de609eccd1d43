package report

import (
	"cmp"
	"fmt"

	"github.com/bizenv/bizenv"
)

// csvRow writes one row of the CSV form; see WriteCSV.
type csvRow func(section string, p bizenv.Period, indicator, name, unit string, value, other, change *float64, changeUnit, shown string, prov ...Provenance)

// whyRows writes the answers to "why" as CSV rows, with the sign
// convention of the rest (positive is better): the score's items against
// the period before, the part of its change they leave unexplained, who
// overtook the entity (their rank now against before), the gap to the peer
// above item by item, and the indicators ranked low among peers.
func (r *Report) whyRows(row csvRow) {
	f := func(v float64) *float64 { return &v }
	if b := r.ScoreBreakdown; b != nil {
		for _, it := range b.Items {
			row("score_breakdown", r.Period, it.Indicator, it.NameZH, bizenv.UnitScore, f(it.Value), it.Previous, it.Change, bizenv.UnitScore,
				fmt.Sprintf("%s，失分%s（%s）", it.Points(), it.LostText(), it.OwnerName), it.Provenance)
		}
		if b.Unexplained != nil && *b.Unexplained != 0 {
			row("score_breakdown", r.Period, b.Indicator, "分项未能解释的变化", bizenv.UnitScore, nil, nil, b.Unexplained, bizenv.UnitScore, signedPoints(*b.Unexplained))
		}
		rankInd := cmp.Or(b.RankIndicator, b.Indicator)
		for _, o := range b.OvertakenBy {
			row("overtaken_by", r.Period, rankInd, o.NameZH, bizenv.UnitRank, f(float64(o.Rank)), f(float64(o.PreviousRank)),
				f(float64(o.PreviousRank-o.Rank)), UnitPlaces, fmt.Sprintf("%s（%s）：上月第%d名→本月第%d名", o.NameZH, o.Entity, o.PreviousRank, o.Rank))
		}
		if g := b.GapToAbove; g != nil {
			for _, it := range g.Items {
				row("gap_to_above", r.Period, it.Indicator, it.NameZH, bizenv.UnitScore, nil, nil, f(it.Gap), bizenv.UnitScore,
					fmt.Sprintf("与%s（第%d名）相比%s", g.NameZH, g.Rank, signedPoints(it.Gap)))
			}
		}
	}
	for _, p := range r.PeerRanks {
		row("peer_rank", r.Period, p.Indicator, p.NameZH, bizenv.UnitRank, f(float64(p.Rank)), f(float64(p.Of)), nil, "",
			fmt.Sprintf("%s，连续末位%d期（%s）", p.Place(), p.LastPlaceStreak, p.OwnerName), p.Provenance)
	}
}
