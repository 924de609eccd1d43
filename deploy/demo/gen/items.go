package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"

	"github.com/bizenv/bizenv"
)

// ---- the city assessment's items (synthetic) ----
//
// The demo catalog (deploy/demo/catalog.yaml) declares five synthetic items
// of city_assessment_score. Every district's points lost in a month (100
// minus its score) are shared out among the items by weights that wander
// from month to month, so that the items add up exactly to the score the
// assessment above generated, and ranks are untouched. For wuhan-edz the
// weights tell the seed's story: 工程建设项目审批 lost points in July and
// August 2020 (连续扣分), 一网通办 lost more and more through the autumn of
// 2020 (the October figures below the city average), and 政策兑现 lost
// points in October and November 2020 (兑现不及时).

// cityItemWeights is each item's usual share of the points lost, in the
// order of the demo catalog.
var cityItemWeights = map[string]float64{
	"city_item_ywtb":              0.30,
	"city_item_enterprise_demand": 0.20,
	"city_item_policy_payout":     0.15,
	"city_item_market_entry":      0.15,
	"city_item_project_approval":  0.20,
}

// edzItemStory multiplies wuhan-edz's weights: the months its items lost
// more than usual.
var edzItemStory = map[string]curve{
	"city_item_ywtb":             lin("2020-01=1 2020-06=1 2020-09=1.8 2020-10=2.2 2020-11=3.4 2021-02=1.4 2021-08=0.7 2021-12=1"),
	"city_item_project_approval": lin("2020-06=1 2020-07=2.6 2020-08=2.6 2020-09=1"),
	"city_item_policy_payout":    lin("2020-09=1 2020-10=1.6 2020-11=3.2 2020-12=2 2021-02=1"),
}

// cityItems returns the items' CSV: every district's points per item and
// month, and the city average's (the mean of the districts, which need not
// add up exactly, as averages of rounded figures do not).
func (g *gen) cityItems(demo bizenv.Catalog) ([]byte, error) {
	items := demo.Items("city_assessment_score")
	if len(items) == 0 {
		return nil, fmt.Errorf("demo catalog: no items of city_assessment_score")
	}
	scores := g.vals["city_assessment_score"]
	vals := map[string]map[string][]float64{}
	for _, it := range items {
		vals[it.Code] = map[string][]float64{}
	}
	for _, d := range districts() {
		r := rng("city_items " + d)
		noise := make([]float64, len(items))
		for i := range months {
			lost := 10000 - int(math.Round(scores[d][i]*100)) // hundredths
			w := make([]float64, len(items))
			for j, it := range items {
				noise[j] = 0.7*noise[j] + 0.15*r.NormFloat64()
				w[j] = cityItemWeights[it.Code] * math.Exp(noise[j])
				if c, ok := edzItemStory[it.Code]; ok && d == edz {
					w[j] *= c.at(i)
				}
			}
			share, err := shareOut(lost, w, items)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", period(i), d, err)
			}
			for j, it := range items {
				if vals[it.Code][d] == nil {
					vals[it.Code][d] = nans()
				}
				vals[it.Code][d][i] = float64(int(math.Round(*it.MaxPoints*100))-share[j]) / 100
			}
		}
	}
	for _, it := range items {
		v := make([]float64, months)
		for i := range months {
			sum := 0.0
			for _, d := range districts() {
				sum += vals[it.Code][d][i]
			}
			v[i] = round(sum/float64(len(peers)+1), 2)
		}
		vals[it.Code][avg] = v
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"period", "entity", "indicator", "value", "source", "note"})
	for i := range months {
		for _, e := range append(districts(), avg) {
			for _, it := range items {
				w.Write([]string{period(i), e, it.Code, format(vals[it.Code][e][i]), source, note})
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// shareOut splits lost hundredths of a point among the items in proportion
// to w, in whole hundredths that add up to lost, no item losing more than
// its max_points.
func shareOut(lost int, w []float64, items []bizenv.Indicator) ([]int, error) {
	out := make([]int, len(w))
	capOf := func(j int) int { return int(math.Round(*items[j].MaxPoints * 100)) }
	left, open := lost, make([]bool, len(w))
	for j := range open {
		open[j] = true
	}
	for left > 0 {
		total := 0.0
		for j := range w {
			if open[j] {
				total += w[j]
			}
		}
		if total == 0 {
			return nil, fmt.Errorf("%d hundredths lost exceed the items' points", lost)
		}
		given, last := 0, -1
		for j := range w {
			if !open[j] {
				continue
			}
			n := min(int(math.Floor(float64(left)*w[j]/total)), capOf(j)-out[j])
			out[j] += n
			given += n
			last = j
		}
		if given == 0 { // fewer hundredths left than open items
			n := min(left, capOf(last)-out[last])
			out[last] += n
			given = n
		}
		left -= given
		for j := range w {
			if out[j] >= capOf(j) {
				open[j] = false
			}
		}
	}
	return out, nil
}
