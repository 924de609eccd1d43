package report

import (
	"fmt"
	"strings"
)

// The sentences and short lists the HTML page's "why" section shows; the
// page is for a manager who reads the answer first and the tables after.

// points writes a score in points: 13.11分.
func points(v float64) string { return trimZeros(fmt.Sprintf("%.2f", v)) + "分" }

// signedPoints writes a change of points, + for better: +0.95分, −1.55分.
func signedPoints(v float64) string {
	if v < 0 {
		return "−" + points(-v)
	}
	return "+" + points(v)
}

// RankStory puts this month's move in the context of the months before:
// a one-place drop after a long climb reads differently from the fifth
// fall in a row. It is empty when there is nothing to add to the card.
func (r *Report) RankStory() string {
	if r.Rank.Change == nil || r.DeclineStreak >= 2 {
		return "" // the slide has its own alert
	}
	ranks := make([]*int, len(r.Trend))
	for i, t := range r.Trend {
		ranks[i] = t.Rank
	}
	n := len(ranks)
	if n < 3 || ranks[n-2] == nil {
		return ""
	}
	// The run before this month: the months, ending last month, in which
	// the rank kept moving the way it moved last month.
	dir := func(i int) int { // +1: rose into month i, -1: fell, 0: neither or unknown
		if i < 1 || ranks[i-1] == nil || ranks[i] == nil || *ranks[i-1] == *ranks[i] {
			return 0
		}
		if *ranks[i-1] > *ranks[i] {
			return 1
		}
		return -1
	}
	d := dir(n - 2)
	if d == 0 {
		return ""
	}
	start := n - 2
	for dir(start) == d {
		start--
	}
	from, to := *ranks[start], *ranks[n-2]
	months := n - 2 - start
	c := *r.Rank.Change // positive: rose
	switch {
	case from > to && c < 0:
		return fmt.Sprintf("此前%d个月由%s第%d名升至%s第%d名（累计上升%d位），本月回落%d位。",
			months, monthZH(r.Trend[start].Period), from, monthZH(r.Trend[n-2].Period), to, from-to, -c)
	case from < to && c > 0:
		return fmt.Sprintf("此前%d个月由%s第%d名降至%s第%d名（累计下降%d位），本月回升%d位。",
			months, monthZH(r.Trend[start].Period), from, monthZH(r.Trend[n-2].Period), to, to-from, c)
	}
	return ""
}

// Lead says in one sentence how the score moved and which items lost the
// most points, with their responsible units.
func (b *Breakdown) Lead() string {
	if b.Change == nil || b.Value == nil || b.Previous == nil {
		return ""
	}
	var s strings.Builder
	switch c := *b.Change; {
	case c < 0:
		fmt.Fprintf(&s, "考核得分较上月下降%s（%s→%s）", points(-c), points(*b.Previous), points(*b.Value))
	case c > 0:
		fmt.Fprintf(&s, "考核得分较上月上升%s（%s→%s）", points(c), points(*b.Previous), points(*b.Value))
	default:
		fmt.Fprintf(&s, "考核得分与上月持平（%s）", points(*b.Value))
	}
	// Up to three items, leaving out losses too small beside the largest
	// to be worth a manager's attention (a tenth of it).
	var lost []string
	for _, it := range b.Items {
		if it.Change == nil || *it.Change >= 0 || len(lost) == 3 || *it.Change > 0.1**b.Items[0].Change {
			break
		}
		lost = append(lost, fmt.Sprintf("%s%s（%s）", it.NameZH, signedPoints(*it.Change), it.OwnerName))
	}
	if len(lost) > 0 {
		fmt.Fprintf(&s, "，失分最多的是%s", strings.Join(lost, "、"))
	}
	s.WriteString("。")
	return s.String()
}

// ChangeText is the item's change in points, or — without a previous value.
func (i ItemScore) ChangeText() string {
	if i.Change == nil {
		return "—"
	}
	return signedPoints(*i.Change)
}

// Declined reports whether the item lost points against the period before.
func (i ItemScore) Declined() bool { return i.Change != nil && *i.Change < 0 }

// Points writes the item's points of its maximum: 13.11 / 25分.
func (i ItemScore) Points() string {
	return trimZeros(fmt.Sprintf("%.2f", i.Value)) + " / " + points(i.MaxPoints)
}

// LostText writes the points lost against the maximum.
func (i ItemScore) LostText() string { return points(i.Lost) }

// UnexplainedText is the part of the score's change its items do not
// account for; empty when they add up.
func (b *Breakdown) UnexplainedText() string {
	if b.Unexplained == nil || *b.Unexplained == 0 {
		return ""
	}
	return signedPoints(*b.Unexplained)
}

// Summary says where the entity has fewer and more points than the peer
// just above it.
func (g *GapToAbove) Summary() string {
	var behind, ahead []string
	for _, it := range g.Items {
		switch {
		case it.Gap < 0:
			behind = append(behind, fmt.Sprintf("%s落后%s", it.NameZH, points(-it.Gap)))
		case it.Gap > 0:
			ahead = append(ahead, it.NameZH)
		}
	}
	var s strings.Builder
	fmt.Fprintf(&s, "与前一名%s（第%d名）相比：", g.NameZH, g.Rank)
	if len(behind) == 0 {
		s.WriteString("各分项均不落后")
	} else {
		s.WriteString(strings.Join(behind, "，"))
	}
	if len(ahead) > 0 {
		fmt.Fprintf(&s, "；%s领先", strings.Join(ahead, "、"))
	}
	s.WriteString("。")
	return s.String()
}

// Overtakers names who overtook the entity: 青山区（上月第15名→本月第14名）.
func (b *Breakdown) Overtakers() string {
	var s []string
	for _, o := range b.OvertakenBy {
		s = append(s, fmt.Sprintf("%s（上月第%d名→本月第%d名）", o.NameZH, o.PreviousRank, o.Rank))
	}
	return strings.Join(s, "、")
}

// LastAmongPeers are the peer ranks the page lists: the worst eight.
func (r *Report) LastAmongPeers() []PeerRank { return r.PeerRanks[:min(8, len(r.PeerRanks))] }

// LastPlaceCount counts the indicators on which the entity is last.
func (r *Report) LastPlaceCount() int {
	n := 0
	for _, p := range r.PeerRanks {
		if p.LastPlaceStreak > 0 {
			n++
		}
	}
	return n
}

// Place writes the rank among peers: 15/15.
func (p PeerRank) Place() string { return fmt.Sprintf("%d / %d", p.Rank, p.Of) }

// ValueText writes the value in its unit.
func (p PeerRank) ValueText() string { return Show(p.Value, p.Unit) }

// RankAlarming reports whether the rank's move is bad news worth the red
// card: a fall of two places or more, or a second month of falling. One
// place lost after a climb is shown plainly, with RankStory beside it.
func (r *Report) RankAlarming() bool {
	return r.Rank.Change != nil && (*r.Rank.Change <= -2 || (*r.Rank.Change < 0 && r.DeclineStreak >= 2))
}
