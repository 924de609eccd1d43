// Command units writes the demo's units: the district's 43 assessed units
// (SPEC section 11) and their monthly assessment scores, ranks and item
// scores (SPEC section 10: the items of unit_assessment_score, whose sum the
// score is). The 12 departments the seed report names are in the default
// catalog; the other 31 are synthetic, and so is every score. It is
// deterministic (fixed seeds):
//
//	go run ./deploy/demo/units
//
//go:generate go run . -catalog ../units.yaml -out ../units.csv
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"

	"github.com/bizenv/bizenv"
)

// Synthetic units, so that the district has the seed's 43: 30 departments
// ("全区30个部门"), parks and streets.
const (
	syntheticDepartments = 18
	syntheticParks       = 6
	syntheticStreets     = 7
	// laggard comes last among the departments in the last two months, so
	// that BizEnvLastAmongPeers (末位约谈) has something to show.
	laggard = "demo-dept-18"
)

var first = bizenv.NewPeriod(2020, 1)

// The assessment gained three items in July 2021 (SPEC section 10); before
// then a unit's score is the sum of the other four, and its maximum the
// sum of their max_points.
var (
	extraItemsFrom = bizenv.NewPeriod(2021, 7)
	extraItems     = []string{"unit_item_third_party", "unit_item_policy_payout", "unit_item_inspection"}
)

// scoredItem is one item of unit_assessment_score, its maximum in
// hundredths of a point.
type scoredItem struct {
	code string
	max  int
}

// itemsIn lists the items assessed in period p, as the default catalog
// declares them.
func itemsIn(p bizenv.Period) []scoredItem {
	var out []scoredItem
	for _, ind := range bizenv.DefaultCatalog().Indicators {
		if ind.PartOf != "unit_assessment_score" || ind.MaxPoints == nil {
			continue
		}
		if p.Before(extraItemsFrom) && slices.Contains(extraItems, ind.Code) {
			continue
		}
		out = append(out, scoredItem{ind.Code, int(math.Round(*ind.MaxPoints * 100))})
	}
	return out
}

// maxOf is the most the items can score together, in hundredths.
func maxOf(items []scoredItem) int {
	total := 0
	for _, it := range items {
		total += it.max
	}
	return total
}

// hundredths writes a number of hundredths of a point as points.
func hundredths(n int) string { return strconv.FormatFloat(float64(n)/100, 'f', -1, 64) }

// split divides a score (hundredths) among items: each near the score's
// share of its maximum, then the rounding remainder spread over items with
// room, so that the items add up to the score exactly.
func split(score int, items []scoredItem, r *rand.Rand) []int {
	share := float64(score) / float64(maxOf(items))
	points := make([]int, len(items))
	sum := 0
	for i, it := range items {
		f := math.Max(0, math.Min(1, share+r.NormFloat64()*0.04))
		points[i] = int(math.Round(f * float64(it.max)))
		sum += points[i]
	}
	for d := score - sum; d != 0; {
		for i, it := range items {
			switch {
			case d > 0 && points[i] < it.max:
				step := min(d, it.max-points[i])
				points[i] += step
				d -= step
			case d < 0 && points[i] > 0:
				step := min(-d, points[i])
				points[i] -= step
				d += step
			}
		}
	}
	return points
}

const months = 24

func main() {
	catPath := flag.String("catalog", "deploy/demo/units.yaml", "the catalog file of synthetic units to write")
	outPath := flag.String("out", "deploy/demo/units.csv", "the long-format scores file to write")
	flag.Parse()
	cat, scores := generate()
	if err := os.WriteFile(*catPath, cat, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*outPath, scores, 0o644); err != nil {
		log.Fatal(err)
	}
}

type unit struct {
	code, nameZH, nameEN, kind string
	synthetic                  bool
}

// units returns the 43 units: the catalog's departments then the
// synthetic ones.
func units() []unit {
	var out []unit
	for _, e := range bizenv.DefaultCatalog().Entities {
		if e.Parent == "wuhan-edz" && e.Kind == "department" {
			out = append(out, unit{e.Code, e.NameZH, e.NameEN, e.Kind, false})
		}
	}
	add := func(n int, kind, prefix, zh, en string) {
		for i := 1; i <= n; i++ {
			out = append(out, unit{fmt.Sprintf("demo-%s-%02d", prefix, i),
				fmt.Sprintf("示例%s%02d（合成）", zh, i), fmt.Sprintf("Synthetic %s %02d", en, i), kind, true})
		}
	}
	add(syntheticDepartments, "department", "dept", "部门", "department")
	add(syntheticParks, "park", "park", "园区", "park")
	add(syntheticStreets, "street", "street", "街道", "street")
	return out
}

// generate returns the catalog file of the synthetic units and the CSV of
// every unit's monthly score and rank among all 43, as the office ranks.
func generate() (catalogYAML, scoresCSV []byte) {
	us := units()
	var c bytes.Buffer
	c.WriteString("# Synthetic units for the demo (合成演示数据), written by go run ./deploy/demo/units.\n")
	c.WriteString("# With the 12 departments of the default catalog they make the seed's 43 units.\n")
	c.WriteString("entities:\n")
	for _, u := range us {
		if u.synthetic {
			fmt.Fprintf(&c, "  - {code: %s, name_zh: %s, name_en: %s, kind: %s, parent: wuhan-edz}\n", u.code, u.nameZH, u.nameEN, u.kind)
		}
	}

	r := rand.New(rand.NewPCG(43, 2021))
	// The items draw from a generator of their own.
	ri := rand.New(rand.NewPCG(10, 2021))
	level := make([]float64, len(us))
	for i := range us {
		level[i] = 80 + r.Float64()*12
	}
	var s bytes.Buffer
	s.WriteString("period,entity,indicator,value,source,note\n")
	for m := range months {
		p := first.AddMonths(m)
		items := itemsIn(p)
		maxScore := maxOf(items)
		// A unit's level is out of 100; before July 2021 the four items
		// are worth maxScore (80) and the score is scaled to them.
		score := make([]int, len(us))
		for i, u := range us {
			v := level[i] + 0.15*float64(m) + r.NormFloat64()*1.5
			if u.code == laggard && m >= months-2 {
				v = 70 - float64(m-months+2) // last of all, two months running
			}
			score[i] = int(math.Round(math.Min(100, v) * float64(maxScore) / 100))
		}
		order := make([]int, len(us))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
		rank := make([]int, len(us))
		for pos, i := range order {
			rank[i] = pos + 1
			if pos > 0 && score[i] == score[order[pos-1]] {
				rank[i] = rank[order[pos-1]]
			}
		}
		for i, u := range us {
			fmt.Fprintf(&s, "%s,%s,unit_assessment_score,%s,synthetic-demo,合成演示数据\n", p, u.code, hundredths(score[i]))
			fmt.Fprintf(&s, "%s,%s,unit_assessment_rank,%d,synthetic-demo,合成演示数据\n", p, u.code, rank[i])
			for j, pts := range split(score[i], items, ri) {
				fmt.Fprintf(&s, "%s,%s,%s,%s,synthetic-demo,合成演示数据：分项得分，各分项之和为单位营商环境考核得分\n", p, u.code, items[j].code, hundredths(pts))
			}
		}
	}
	return c.Bytes(), s.Bytes()
}
