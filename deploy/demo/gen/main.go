// Command gen writes deploy/demo/synthetic.csv: clearly labelled synthetic
// demo figures (source synthetic-demo) for the 15 Wuhan districts and the
// city average, every month from 2020-01 to 2021-12.
//
// The figures are built around the real ones in deploy/demo/seed-report.csv,
// which gen reads: every series of wuhan-edz passes through the seed values,
// the city average is the mean of the 15 districts and equals the seed's
// average where the report states it, and no (period, entity, indicator) of
// the seed file is written again. The output is deterministic.
//
// From the module root:
//
//	go run ./deploy/demo/gen
package main

//go:generate go run . -seed ../seed-report.csv -out ../synthetic.csv -catalog ../catalog.yaml -items ../items.csv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

const (
	edz            = "wuhan-edz"
	avg            = "wuhan-avg"
	months         = 24 // 2020-01 .. 2021-12
	source         = "synthetic-demo"
	note           = "合成演示数据"
	noteCumulative = "合成演示数据（累计）"
	seedRNG        = 20220214 // the date of the report
)

var first = bizenv.NewPeriod(2020, time.January)

// peers are the 14 districts ranked with wuhan-edz, in catalog order, with a
// persistent strength (a z-score: stronger districts score higher and wait
// less on most indicators).
var peers = []struct {
	code     string
	strength float64
}{
	{"wuhan-jiangan", 0.8}, {"wuhan-jianghan", 1.2}, {"wuhan-qiaokou", 0.1},
	{"wuhan-hanyang", 0.2}, {"wuhan-wuchang", 0.6}, {"wuhan-qingshan", -0.6},
	{"wuhan-hongshan", 0.0}, {"wuhan-dongxihu", 0.4}, {"wuhan-caidian", -0.7},
	{"wuhan-jiangxia", -0.3}, {"wuhan-huangpi", -0.9}, {"wuhan-xinzhou", -1.1},
	{"wuhan-ehitech", 1.4}, {"wuhan-changjiang", -0.5},
}

// districts lists wuhan-edz and its peers.
func districts() []string {
	d := []string{edz}
	for _, p := range peers {
		d = append(d, p.code)
	}
	return d
}

// edzRank is wuhan-edz's city assessment rank, 2020-01 .. 2021-12. The
// report: 8 in June 2020 sliding continuously to 15 in November 2020 (a
// five-month decline streak), 4 in August and 5 in September 2021. The last
// two months decline again so that the streak alert has something to show.
var edzRank = [months]int{
	7, 6, 8, 9, 9, 8, 9, 11, 12, 14, 15, 14,
	12, 11, 10, 9, 8, 7, 6, 4, 5, 5, 6, 7,
}

// key identifies one observation.
type key struct{ period, entity, indicator string }

func main() {
	seedPath := flag.String("seed", "deploy/demo/seed-report.csv", "the seed file of real figures to build around")
	outPath := flag.String("out", "deploy/demo/synthetic.csv", "the file to write")
	catalogPath := flag.String("catalog", "deploy/demo/catalog.yaml", "the demo's catalog file, which declares the city assessment's items")
	itemsPath := flag.String("items", "deploy/demo/items.csv", "the file to write the city assessment's item scores to")
	flag.Parse()
	out, items, err := generateFiles(*seedPath, *catalogPath)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*outPath, out, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*itemsPath, items, 0o644); err != nil {
		log.Fatal(err)
	}
}

// generateFiles returns the synthetic CSV and the CSV of the city
// assessment's items, declared in the demo catalog at catalogPath.
func generateFiles(seedPath, catalogPath string) (synthetic, items []byte, err error) {
	f, err := os.Open(seedPath)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	cat := bizenv.DefaultCatalog()
	seed, err := readSeed(f, cat)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", seedPath, err)
	}
	c, err := os.Open(catalogPath)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	demo, err := bizenv.ParseCatalog(catalogPath, c)
	if err != nil {
		return nil, nil, err
	}
	if err := demo.ValidateItems(cat); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", catalogPath, err)
	}
	g, synthetic, err := build(cat, seed)
	if err != nil {
		return nil, nil, err
	}
	items, err = g.cityItems(demo)
	return synthetic, items, err
}

// readSeed reads a long-format CSV into values in stored units.
func readSeed(r io.Reader, cat bizenv.Catalog) (map[key]float64, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errors.New("empty file")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, h := range []string{"period", "entity", "indicator", "value"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("no %s column", h)
		}
	}
	out := map[key]float64{}
	for n, rec := range recs[1:] {
		k := key{rec[col["period"]], rec[col["entity"]], rec[col["indicator"]]}
		ind, ok := cat.Indicator(k.indicator)
		if !ok {
			return nil, fmt.Errorf("line %d: unknown indicator %q", n+2, k.indicator)
		}
		ent, ok := cat.Entity(k.entity)
		if !ok {
			return nil, fmt.Errorf("line %d: unknown entity %q", n+2, k.entity)
		}
		if _, err := bizenv.ParsePeriod(k.period); err != nil {
			return nil, fmt.Errorf("line %d: %v", n+2, err)
		}
		v, err := parseValue(rec[col["value"]], ind, ent)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n+2, err)
		}
		if old, dup := out[k]; dup && old != v {
			return nil, fmt.Errorf("line %d: %v repeated with another value", n+2, k)
		}
		out[k] = v
	}
	return out, nil
}

// parseValue reads a value written as an import would (SPEC section 2),
// in the indicator's stored unit; the average of several districts may
// have a fraction where one district's value may not.
func parseValue(s string, ind bizenv.Indicator, ent bizenv.Entity) (float64, error) {
	parse := ingest.ParseValue
	if ent.Kind == "city_average" {
		parse = ingest.ParseAverageValue
	}
	v, present, err := parse(s, ind.Unit)
	if err != nil {
		return 0, err
	}
	if !present {
		return 0, fmt.Errorf("no value in %q", s)
	}
	return v, nil
}

// gen accumulates the generated series.
type gen struct {
	cat  bizenv.Catalog
	seed map[key]float64
	// vals[indicator][entity] holds one value a month; NaN is no value.
	vals map[string]map[string][]float64
	// avgDec is the number of decimals of the city average of an indicator;
	// an indicator missing here gets no city average (ranks).
	avgDec map[string]int
	// notes overrides the note of an indicator.
	notes map[string]string
}

// build generates every synthetic series and renders synthetic.csv.
func build(cat bizenv.Catalog, seed map[key]float64) (*gen, []byte, error) {
	g := &gen{cat: cat, seed: seed, vals: map[string]map[string][]float64{}, avgDec: map[string]int{}, notes: map[string]string{}}
	if err := g.assessment(); err != nil {
		return nil, nil, err
	}
	for _, s := range levels {
		if err := g.level(s); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range steppeds {
		g.stepped(s)
	}
	g.overdue()
	if err := g.taxloan(); err != nil {
		return nil, nil, err
	}
	if err := g.sme(); err != nil {
		return nil, nil, err
	}
	g.averages()
	if err := g.check(); err != nil {
		return nil, nil, err
	}
	out, err := g.render()
	return g, out, err
}

// ---- curves ----

type point struct {
	i int
	v float64
}

// curve interpolates between anchor months, linearly or as steps (a value
// holds until the next anchor). Before the first and after the last anchor
// it is flat.
type curve struct {
	step bool
	pts  []point
}

// lin parses "2020-01=.71 2020-06=.69 ...".
func lin(s string) curve { return parseCurve(s, false) }

// steps is lin with values that hold until the next anchor.
func steps(s string) curve { return parseCurve(s, true) }

func parseCurve(s string, step bool) curve {
	c := curve{step: step}
	for _, f := range strings.Fields(s) {
		p, v, ok := strings.Cut(f, "=")
		x, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			panic("bad anchor " + f)
		}
		c = c.with(index(p), x)
	}
	return c
}

// index returns the month index of a YYYY-MM period (2020-01 is 0).
func index(p string) int {
	per, err := bizenv.ParsePeriod(p)
	if err != nil {
		panic(err)
	}
	return per.MonthsSince(first)
}

// period returns the YYYY-MM of month index i.
func period(i int) string { return first.AddMonths(i).String() }

// with returns c with an anchor of value v at month i.
func (c curve) with(i int, v float64) curve {
	pts := slices.Clone(c.pts)
	k, found := slices.BinarySearchFunc(pts, i, func(p point, i int) int { return p.i - i })
	if found {
		pts[k].v = v
	} else {
		pts = slices.Insert(pts, k, point{i, v})
	}
	return curve{c.step, pts}
}

func (c curve) anchored(i int) bool {
	_, found := slices.BinarySearchFunc(c.pts, i, func(p point, i int) int { return p.i - i })
	return found
}

func (c curve) at(i int) float64 {
	if i <= c.pts[0].i {
		return c.pts[0].v
	}
	for k := 1; k < len(c.pts); k++ {
		if a, b := c.pts[k-1], c.pts[k]; i < b.i {
			if c.step {
				return a.v
			}
			return a.v + (b.v-a.v)*float64(i-a.i)/float64(b.i-a.i)
		}
	}
	return c.pts[len(c.pts)-1].v
}

// ---- helpers ----

// rng returns the random stream of one generator, so that changing one
// indicator leaves the others as they were.
func rng(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seedRNG, h.Sum64()))
}

// round rounds v to dec decimals; a negative dec rounds to tens, hundreds...
func round(v float64, dec int) float64 {
	if dec < 0 {
		p := math.Pow10(-dec)
		return math.Round(v/p) * p
	}
	p := math.Pow10(dec)
	return math.Round(v*p) / p
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func nans() []float64 {
	v := make([]float64, months)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// seedFor returns the seed values of one entity and indicator inside the
// generated range, by month index.
func (g *gen) seedFor(entity, indicator string) map[int]float64 {
	out := map[int]float64{}
	for k, v := range g.seed {
		if k.entity != entity || k.indicator != indicator {
			continue
		}
		if i := index(k.period); i >= 0 && i < months {
			out[i] = v
		}
	}
	return out
}

// anchorSeed adds the seed values of wuhan-edz to c.
func (g *gen) anchorSeed(c curve, indicator string) curve {
	s := g.seedFor(edz, indicator)
	for _, i := range slices.Sorted(maps.Keys(s)) {
		c = c.with(i, s[i])
	}
	return c
}

// effects returns each peer's centred, persistent effect on one indicator.
func effects(r *rand.Rand) []float64 {
	z := make([]float64, len(peers))
	mean := 0.0
	for k, p := range peers {
		z[k] = 0.75*p.strength + 0.45*r.NormFloat64()
		mean += z[k]
	}
	mean /= float64(len(z))
	for k := range z {
		z[k] -= mean
	}
	return z
}

func (g *gen) set(indicator, entity string, v []float64) {
	if g.vals[indicator] == nil {
		g.vals[indicator] = map[string][]float64{}
	}
	g.vals[indicator][entity] = v
}

// ---- the city assessment: score and rank ----

func (g *gen) assessment() error {
	const rankCode, scoreCode = "city_assessment_rank", "city_assessment_score"
	for i, v := range g.seedFor(edz, rankCode) {
		if int(v) != edzRank[i] {
			return fmt.Errorf("seed %s %s = %v, but the story has %d", rankCode, period(i), v, edzRank[i])
		}
	}
	r := rng(scoreCode)
	// Scores in hundredths, so that ranks follow from exact comparisons.
	peerMean := lin("2020-01=84.5 2020-04=82.6 2020-09=83.2 2021-06=85.6 2021-12=86.4")
	edzTarget := lin("2020-01=85.4 2020-02=86.1 2020-05=84.6 2020-06=85.0 2020-11=77.6 2020-12=78.6 " +
		"2021-08=89.4 2021-09=89.0 2021-10=88.7 2021-11=87.9 2021-12=87.0")
	z := effects(r)
	score := make([][months]int, len(peers))
	for k := range peers {
		e := 0.0
		for i := range months {
			e = 0.75*e + 0.4*r.NormFloat64()
			score[k][i] = int(math.Round((peerMean.at(i) + 3.4*z[k] + e) * 100))
		}
	}
	edzScore := [months]int{}
	for i := range months {
		// Peers' scores distinct, best first.
		order := make([]int, len(peers))
		for k := range order {
			order[k] = k
		}
		slices.SortStableFunc(order, func(a, b int) int { return score[b][i] - score[a][i] })
		for n := 1; n < len(order); n++ {
			if score[order[n]][i] >= score[order[n-1]][i] {
				score[order[n]][i] = score[order[n-1]][i] - 1
			}
		}
		// Room for wuhan-edz between the peers ranked just above and below it.
		rank := edzRank[i]
		lo, hi := math.MinInt, math.MaxInt
		if rank > 1 {
			hi = score[order[rank-2]][i]
		}
		if rank <= len(peers) {
			lo = score[order[rank-1]][i]
		}
		if hi != math.MaxInt && lo != math.MinInt && hi-lo < 3 {
			lift := 3 - (hi - lo)
			for _, k := range order[:rank-1] {
				score[k][i] += lift
			}
			hi += lift
		}
		t := int(math.Round(edzTarget.at(i) * 100))
		if lo != math.MinInt {
			t = max(t, lo+1)
		}
		if hi != math.MaxInt {
			t = min(t, hi-1)
		}
		edzScore[i] = t
	}
	scores := map[string][]float64{}
	all := map[string]*[months]int{edz: &edzScore}
	for k, p := range peers {
		all[p.code] = &score[k]
	}
	ranks := map[string][]float64{}
	for _, d := range districts() {
		scores[d], ranks[d] = nans(), nans()
		for i := range months {
			scores[d][i] = float64(all[d][i]) / 100
		}
	}
	for i := range months {
		ds := districts()
		slices.SortStableFunc(ds, func(a, b string) int { return all[b][i] - all[a][i] })
		for n, d := range ds {
			ranks[d][i] = float64(n + 1)
		}
		if ranks[edz][i] != float64(edzRank[i]) {
			return fmt.Errorf("%s: wuhan-edz ranked %v, want %d", period(i), ranks[edz][i], edzRank[i])
		}
	}
	for d := range scores {
		g.set(scoreCode, d, scores[d])
		g.set(rankCode, d, ranks[d])
	}
	g.avgDec[scoreCode] = 2
	return nil
}

// ---- continuous indicators (ratios, working days) ----

// level describes a continuous indicator: the mean of the 14 peers over
// time, the spread between districts, the month-to-month noise, and the
// story of wuhan-edz as anchors (the seed values are added to them).
type level struct {
	code          string
	dec           int
	lo, hi        float64
	peer          curve
	spread, noise float64
	edz           curve
}

var levels = []level{
	// 一网通办: wuhan-edz below the city average through late 2020 (the
	// report's October 2020 figures), catching up in 2021 (top three in the
	// second 2021 bulletin).
	{code: "ywtb_case_volume", dec: 4, lo: 0.5, hi: 0.999, spread: 0.035, noise: 0.01,
		peer: lin("2020-01=.862 2020-06=.885 2021-06=.912 2021-12=.928"),
		edz:  lin("2020-01=.712 2020-04=.695 2020-07=.681 2020-12=.724 2021-03=.80 2021-06=.872 2021-09=.925 2021-12=.948")},
	{code: "ywtb_material_reduction", dec: 4, lo: 0.3, hi: 0.95, spread: 0.045, noise: 0.012,
		peer: lin("2020-01=.585 2020-06=.61 2021-06=.665 2021-12=.70"),
		edz:  lin("2020-01=.482 2020-06=.505 2020-12=.548 2021-03=.60 2021-06=.66 2021-09=.70 2021-12=.728")},
	{code: "ywtb_online_enabled", dec: 4, lo: 0.85, hi: 0.999, spread: 0.011, noise: 0.004,
		peer: lin("2020-01=.926 2020-06=.936 2021-06=.962 2021-12=.975"),
		edz:  lin("2020-01=.905 2020-06=.925 2020-12=.942 2021-03=.957 2021-06=.968 2021-09=.978 2021-12=.986")},
	{code: "ywtb_one_window", dec: 4, lo: 0.94, hi: 0.9995, spread: 0.0035, noise: 0.0012,
		peer: lin("2020-01=.977 2020-06=.983 2021-06=.99 2021-12=.993"),
		edz:  lin("2020-01=.966 2020-06=.977 2020-12=.9868 2021-03=.9905 2021-06=.993 2021-12=.9965")},
	// 全程网办: the report's 36% (4 of 11 items); far below the target of 1.
	{code: "ywtb_full_online", dec: 4, lo: 0.2, hi: 0.98, spread: 0.07, noise: 0.015,
		peer: lin("2020-01=.55 2020-12=.66 2021-12=.81"),
		edz:  lin("2020-01=.273 2020-06=.30 2020-12=.333 2021-08=.38 2021-09=.45 2021-10=.55 2021-11=.64 2021-12=.73")},
	// The report: 电子证照配置完整率和生成率、减时限成效等指标扣分较多 (October 2020).
	{code: "ywtb_time_limit_reduction", dec: 4, lo: 0.3, hi: 0.95, spread: 0.05, noise: 0.012,
		peer: lin("2020-01=.55 2020-12=.63 2021-12=.72"),
		edz:  lin("2020-01=.50 2020-06=.485 2020-10=.46 2020-12=.50 2021-06=.66 2021-12=.752")},
	// Claim rate: target 0.95; the district pledged 95% and more in 2021.
	{code: "item_claim_rate", dec: 4, lo: 0.85, hi: 1, spread: 0.013, noise: 0.004,
		peer: lin("2020-01=.93 2020-12=.952 2021-12=.975"),
		edz:  lin("2020-01=.902 2020-10=.91 2021-03=.932 2021-07=.955 2021-09=.962 2021-12=.972")},
	{code: "elicense_config_complete", dec: 4, lo: 0.6, hi: 1, spread: 0.035, noise: 0.01,
		peer: lin("2020-01=.85 2020-12=.90 2021-12=.95"),
		edz:  lin("2020-01=.742 2020-10=.718 2020-12=.75 2021-06=.90 2021-12=.962")},
	{code: "elicense_generation", dec: 4, lo: 0.5, hi: 1, spread: 0.045, noise: 0.012,
		peer: lin("2020-01=.78 2020-12=.85 2021-12=.92"),
		edz:  lin("2020-01=.624 2020-10=.598 2020-12=.64 2021-06=.82 2021-12=.931")},
	// 好差评 push rate low four months in a row, August to November 2020.
	{code: "review_push_rate", dec: 4, lo: 0.5, hi: 1, spread: 0.022, noise: 0.008,
		peer: lin("2020-01=.905 2020-12=.935 2021-12=.962"),
		edz: lin("2020-01=.902 2020-04=.91 2020-07=.893 2020-08=.662 2020-09=.615 2020-10=.583 2020-11=.634 " +
			"2020-12=.861 2021-03=.921 2021-08=.958 2021-12=.971")},
	{code: "bad_review_fix_rate", dec: 4, lo: 0.8, hi: 1, spread: 0.025, noise: 0.01,
		peer: lin("2020-01=.925 2020-12=.945 2021-12=.97"),
		edz:  lin("2020-01=.88 2020-12=.90 2021-06=.955 2021-10=.975 2021-11=.975 2021-12=.962")},
	{code: "enterprise_demand_resolved_rate", dec: 4, lo: 0.7, hi: 1, spread: 0.02, noise: 0.007,
		peer: lin("2020-01=.90 2020-12=.925 2021-12=.952"),
		edz:  lin("2020-01=.842 2020-12=.861 2021-06=.918 2021-10=.938 2021-12=.934")},
	// Phones not answered in July and August 2020; declining again at the
	// end of 2021 (the two-month decline streak for the alert).
	{code: "hotline_answer_rate", dec: 4, lo: 0.8, hi: 1, spread: 0.012, noise: 0.005,
		peer: lin("2020-01=.952 2020-12=.962 2021-12=.975"),
		edz: lin("2020-01=.961 2020-06=.966 2020-07=.828 2020-08=.857 2020-09=.948 2020-12=.962 " +
			"2021-06=.978 2021-10=.99 2021-11=.975 2021-12=.954")},
	// Policy payouts late in October and November 2020 (and at year end).
	{code: "policy_payout_ontime_rate", dec: 4, lo: 0.4, hi: 1, spread: 0.028, noise: 0.012,
		peer: lin("2020-01=.88 2020-12=.905 2021-12=.948"),
		edz: lin("2020-01=.862 2020-09=.851 2020-10=.583 2020-11=.524 2020-12=.702 2021-03=.823 " +
			"2021-06=.90 2021-09=.94 2021-12=.968")},
	// Approval times: compressed to 30 and 50 working days by October 2021.
	{code: "enterprise_project_approval_days", dec: 0, lo: 15, hi: 90, spread: 4.5, noise: 1.2,
		peer: lin("2020-01=48 2020-12=40 2021-12=29"),
		edz:  lin("2020-01=58 2020-12=50 2021-06=40 2021-11=29 2021-12=28")},
	{code: "gov_project_approval_days", dec: 0, lo: 30, hi: 150, spread: 7, noise: 2,
		peer: lin("2020-01=86 2020-12=72 2021-12=53"),
		edz:  lin("2020-01=95 2020-12=82 2021-06=65 2021-11=49 2021-12=48")},
}

func (g *gen) level(s level) error {
	ind, ok := g.cat.Indicator(s.code)
	if !ok {
		return fmt.Errorf("%s: not in the catalog", s.code)
	}
	sign := 1.0
	if ind.Direction == bizenv.LowerBetter {
		sign = -1
	}
	r := rng(s.code)
	edzC := g.anchorSeed(s.edz, s.code)
	// Where the seed states the city average, the peers' mean must make the
	// average of all 15 districts come out at it.
	avgSeed := g.seedFor(avg, s.code)
	peerC := s.peer
	n := float64(len(peers))
	for _, i := range slices.Sorted(maps.Keys(avgSeed)) {
		peerC = peerC.with(i, ((n+1)*avgSeed[i]-edzC.at(i))/n)
	}
	z := effects(r)
	for k, p := range peers {
		v := make([]float64, months)
		e := 0.0
		for i := range months {
			e = 0.6*e + s.noise*r.NormFloat64()
			v[i] = round(clamp(peerC.at(i)+sign*s.spread*z[k]+e, s.lo, s.hi), s.dec)
		}
		g.set(s.code, p.code, v)
	}
	v := make([]float64, months)
	for i := range months {
		x := edzC.at(i)
		if !edzC.anchored(i) {
			x += 0.3 * s.noise * r.NormFloat64()
		}
		v[i] = round(clamp(x, s.lo, s.hi), s.dec)
	}
	g.set(s.code, edz, v)
	for _, i := range slices.Sorted(maps.Keys(avgSeed)) {
		if err := g.fitMean(s, i, avgSeed[i]); err != nil {
			return err
		}
	}
	g.avgDec[s.code] = max(s.dec, 1)
	return nil
}

// fitMean shifts the peers' values of month i, in steps of the last decimal,
// so that the mean of the 15 districts rounds exactly to want.
func (g *gen) fitMean(s level, i int, want float64) error {
	unit := math.Pow10(-s.dec)
	vals := g.vals[s.code]
	target := int(math.Round(want/unit)) * (len(peers) + 1)
	sum := int(math.Round(vals[edz][i] / unit))
	for _, p := range peers {
		sum += int(math.Round(vals[p.code][i] / unit))
	}
	diff := target - sum
	q, rem := diff/len(peers), diff%len(peers)
	for k, p := range peers {
		d := q
		if k < abs(rem) {
			d += sign(rem)
		}
		x := round(vals[p.code][i]+float64(d)*unit, s.dec)
		if x < s.lo || x > s.hi {
			return fmt.Errorf("%s %s: fitting the seed average pushes %s to %v", s.code, period(i), p.code, x)
		}
		vals[p.code][i] = x
	}
	return nil
}

func abs(n int) int  { return max(n, -n) }
func sign(n int) int { return max(-1, min(1, n)) }

// ---- step-wise indicators (steps, documents, days, cost) ----

// stepped describes an indicator that changes in steps: wuhan-edz follows
// its anchors; each peer drops from a "before" to an "after" value in the
// month its group's reform took effect there.
type stepped struct {
	code          string
	group         string
	edz           curve
	before, after []float64
}

var steppeds = []stepped{
	// 2020: 5 steps, 3.5 days, 200 yuan (the report, against the "210"
	// standard); partly reformed in 2021, still short of 2 steps and 1 day.
	{code: "bizstart_steps", group: "bizstart", edz: steps("2020-01=5 2021-07=4 2021-10=3"),
		before: []float64{3, 4, 4}, after: []float64{2, 2, 3}},
	{code: "bizstart_days", group: "bizstart", edz: steps("2020-01=3.5 2021-04=3 2021-07=2 2021-10=1.5"),
		before: []float64{2, 2.5, 3}, after: []float64{0.5, 1, 1, 1.5}},
	{code: "bizstart_cost", group: "bizstart", edz: steps("2020-01=200 2021-07=0"),
		before: []float64{0, 0, 100, 200}, after: []float64{0}},
	// Property registration: 7 steps, 9 documents, 7 working days before the
	// reform; 3, 5 and 1 after it.
	{code: "property_reg_steps", group: "property", edz: steps("2020-01=7 2021-06=5 2021-07=4 2021-08=3"),
		before: []float64{4, 5, 5, 6}, after: []float64{3, 3, 4}},
	{code: "property_reg_materials", group: "property", edz: steps("2020-01=9 2021-06=7 2021-07=6 2021-08=5"),
		before: []float64{6, 7, 8}, after: []float64{4, 5, 5, 6}},
	{code: "property_reg_days", group: "property", edz: steps("2020-01=7 2021-06=5 2021-07=3 2021-08=2 2021-09=1"),
		before: []float64{3, 5, 5, 7}, after: []float64{1, 1, 2, 3}},
}

// reformMonth returns the month index in which a peer's reform of one group
// took effect.
func reformMonth(group string, k int) int {
	r := rng("reform/" + group)
	m := 0
	for range k + 1 {
		switch group {
		case "bizstart":
			m = 6 + r.IntN(16) // 2020-07 .. 2021-10
		default:
			m = 8 + r.IntN(13) // 2020-09 .. 2021-09
		}
	}
	return m
}

func (g *gen) stepped(s stepped) {
	r := rng(s.code)
	for k, p := range peers {
		b := s.before[r.IntN(len(s.before))]
		a := min(b, s.after[r.IntN(len(s.after))])
		m := reformMonth(s.group, k)
		v := make([]float64, months)
		for i := range months {
			v[i] = b
			if i >= m {
				v[i] = a
			}
		}
		g.set(s.code, p.code, v)
	}
	c := g.anchorSeed(s.edz, s.code)
	v := make([]float64, months)
	for i := range months {
		v[i] = c.at(i)
	}
	g.set(s.code, edz, v)
	g.avgDec[s.code] = 2
}

// ---- approvals over the time limit ----

func (g *gen) overdue() {
	const code = "approval_overdue_items"
	r := rng(code)
	for _, p := range peers {
		p0 := clamp(0.74+0.1*p.strength, 0.5, 0.95)
		v := make([]float64, months)
		for i := range months {
			switch u := r.Float64(); {
			case u < p0:
				v[i] = 0
			case u < p0+(1-p0)*0.7:
				v[i] = 1
			default:
				v[i] = 2
			}
		}
		g.set(code, p.code, v)
	}
	// wuhan-edz: property approvals over time in the 2020 peak (July and
	// August 2020), the report's two approvals 3 days over in March 2021, and
	// one again in December 2021.
	c := g.anchorSeed(steps("2020-01=0 2020-07=1 2020-08=2 2020-09=0 2021-03=2 2021-04=0 2021-12=1"), code)
	v := make([]float64, months)
	for i := range months {
		v[i] = c.at(i)
	}
	g.set(code, edz, v)
	g.avgDec[code] = 2
}

// ---- 云税贷: firms granted credit, credit and loans, cumulative ----

// monthShare is the usual share of a year's tax-credit loans by month
// (slow in the first quarter, and slower still during the 2020 lockdown).
var monthShare = [2][12]float64{
	{0.05, 0.01, 0.02, 0.06, 0.09, 0.10, 0.10, 0.10, 0.11, 0.12, 0.12, 0.12},
	{0.05, 0.05, 0.07, 0.08, 0.09, 0.09, 0.09, 0.10, 0.10, 0.10, 0.09, 0.09},
}

func (g *gen) taxloan() error {
	const firmsCode, creditCode, disbCode = "taxloan_credit_firms", "taxloan_credit_amount", "taxloan_disbursed_amount"
	r := rng("taxloan")
	// Cumulative since the programme began, as the report's "截至10月25日"
	// figures are: a series never falls, also not in January.
	series := func(total, perFirm, share float64) (firms, credit, disb []float64) {
		firms, credit, disb = make([]float64, months), make([]float64, months), make([]float64, months)
		f, c, d := 0.0, 0.0, 0.0
		for y := range 2 {
			t := total
			if y == 1 {
				t *= 1.22 + 0.15*r.Float64()
			}
			for m := range 12 {
				inc := t * monthShare[y][m] * (0.8 + 0.4*r.Float64())
				f += inc
				cInc := inc * perFirm * (0.9 + 0.2*r.Float64())
				c += cInc
				d += cInc * share * (0.9 + 0.2*r.Float64())
				i := 12*y + m
				firms[i], credit[i], disb[i] = f, c, d
			}
		}
		return
	}
	for _, p := range peers {
		total := 640 * math.Exp(0.35*p.strength+0.25*r.NormFloat64())
		perFirm := (68 + 22*r.Float64()) * 1e4
		share := 0.55 + 0.12*r.Float64()
		f, c, d := series(total, perFirm, share)
		g.set(firmsCode, p.code, roundAll(f, 0))
		g.set(creditCode, p.code, roundAll(c, -2))
		g.set(disbCode, p.code, roundAll(d, -2))
	}
	// wuhan-edz: 2020 scaled to end at 760 firms; what 2021 adds scaled so
	// that the series passes exactly through the report's figures as of 25
	// October 2021.
	f, c, d := series(800, 84e4, 0.61)
	scale2020 := 760 / f[11]
	for _, s := range []struct {
		code string
		v    []float64
		dec  int
	}{{firmsCode, f, 0}, {creditCode, c, -2}, {disbCode, d, -2}} {
		seed := g.seedFor(edz, s.code)
		at := slices.Sorted(maps.Keys(seed))
		if len(at) != 1 || at[0] < 12 {
			return fmt.Errorf("%s: want one seed figure for wuhan-edz in 2021", s.code)
		}
		end2020 := s.v[11] * scale2020
		if seed[at[0]] <= end2020 {
			return fmt.Errorf("%s: the seed's %v at %s is not above the synthetic 2020 total %v", s.code, seed[at[0]], period(at[0]), end2020)
		}
		scale2021 := (seed[at[0]] - end2020) / (s.v[at[0]] - s.v[11])
		out := make([]float64, months)
		for i := range months {
			x := s.v[i] * scale2020
			if i >= 12 {
				x = end2020 + (s.v[i]-s.v[11])*scale2021
			}
			out[i] = round(x, s.dec)
		}
		out[at[0]] = seed[at[0]] // exact, whatever the float rounding did
		g.set(s.code, edz, out)
		g.notes[s.code] = noteCumulative
		g.avgDec[s.code] = s.dec
		if s.code == firmsCode {
			g.avgDec[s.code] = 1
		}
	}
	return nil
}

func roundAll(v []float64, dec int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = round(x, dec)
	}
	return out
}

// ---- SMEs recommended to banks, cumulative ----

// edzSME is wuhan-edz's story, cumulative since the scheme began, amounts in
// 万元. It passes through the report's figures as of October 2021 (13 firms,
// 11100 万元 demand, 5 approved, 4300 万元 approved). Demand is revised down
// when a firm lowers or withdraws its request (October 2020, June and
// December 2021).
var edzSME = map[string][months]float64{
	"sme_recommended_firms": {0, 0, 0, 1, 2, 3, 3, 4, 5, 5, 6, 7,
		7, 8, 8, 9, 10, 11, 11, 12, 12, 13, 14, 16},
	"sme_loan_demand_amount": {0, 0, 0, 600, 1500, 2400, 2400, 3000, 4200, 4000, 4800, 5600,
		5600, 6300, 6300, 7100, 8600, 8300, 8300, 9600, 9600, 11100, 12300, 11800},
	"sme_loan_approved_firms": {0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3,
		3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 6},
	"sme_loan_approved_amount": {0, 0, 0, 0, 0, 300, 300, 300, 800, 800, 800, 1300,
		1300, 1300, 1300, 2000, 2000, 2000, 2000, 2000, 2000, 4300, 4300, 5100},
}

func (g *gen) sme() error {
	codes := []string{"sme_recommended_firms", "sme_loan_demand_amount", "sme_loan_approved_firms", "sme_loan_approved_amount"}
	r := rng("sme")
	for k, p := range peers {
		firms, demand, okFirms, okAmount := make([]float64, months), make([]float64, months), make([]float64, months), make([]float64, months)
		f, d, af, aa := 0.0, 0.0, 0.0, 0.0 // firms, demand, approved firms and amount (万元), cumulative
		for y := range 2 {
			perMonth := (0.9 + 0.35*float64(y)) * math.Exp(0.3*p.strength+0.25*r.NormFloat64())
			for m := range 12 {
				i := 12*y + m
				n := math.Floor(perMonth*2*r.Float64() + r.Float64())
				if y == 0 && m < 3 {
					n = 0 // the 2020 lockdown
				}
				last := i == months-1
				if last && k%2 == 1 {
					n = max(n, 1) // demand up at the end for half the peers
				}
				if last && k%2 == 0 {
					n = 0
				}
				for range int(n) {
					f++
					d += 10 * math.Round(30+120*r.Float64())
				}
				// A firm lowers or withdraws its request now and then; at the
				// end, for the other half of the peers.
				if (r.Float64() < 0.12 && n == 0) || (last && k%2 == 0) {
					cut := math.Min(10*math.Round(20+60*r.Float64()), d-aa-10)
					if cut > 0 {
						d -= cut
					}
				}
				for range int(f - af) {
					if r.Float64() < 0.22 {
						amt := 10 * math.Round(20+80*r.Float64())
						if aa+amt <= 0.9*d {
							af++
							aa += amt
						}
					}
				}
				firms[i], demand[i], okFirms[i], okAmount[i] = f, d*1e4, af, aa*1e4
			}
		}
		g.set(codes[0], p.code, firms)
		g.set(codes[1], p.code, demand)
		g.set(codes[2], p.code, okFirms)
		g.set(codes[3], p.code, okAmount)
	}
	for _, code := range codes {
		story := edzSME[code]
		v := make([]float64, months)
		for i := range months {
			v[i] = story[i]
			if strings.HasSuffix(code, "_amount") {
				v[i] *= 1e4
			}
		}
		for i, s := range g.seedFor(edz, code) {
			if v[i] != s {
				return fmt.Errorf("%s %s: the story has %v, the seed %v", code, period(i), v[i], s)
			}
		}
		g.set(code, edz, v)
		g.notes[code] = noteCumulative
		g.avgDec[code] = 1
		if strings.HasSuffix(code, "_amount") {
			g.avgDec[code] = -2
		}
	}
	return nil
}

// ---- city average, checks, output ----

// averages sets wuhan-avg to the mean of the 15 districts.
func (g *gen) averages() {
	for code, dec := range g.avgDec {
		v := make([]float64, months)
		for i := range months {
			sum := 0.0
			for _, d := range districts() {
				sum += g.vals[code][d][i]
			}
			v[i] = round(sum/float64(len(peers)+1), dec)
		}
		g.set(code, avg, v)
	}
}

// check makes sure the output agrees with the seed and the catalog.
func (g *gen) check() error {
	for k, want := range g.seed {
		i := index(k.period)
		if i < 0 || i >= months || g.vals[k.indicator] == nil || g.vals[k.indicator][k.entity] == nil {
			continue
		}
		if got := g.vals[k.indicator][k.entity][i]; math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			return fmt.Errorf("%v: generated %v, the seed says %v", k, got, want)
		}
	}
	for code, byEntity := range g.vals {
		ind, ok := g.cat.Indicator(code)
		if !ok {
			return fmt.Errorf("%s: not in the catalog", code)
		}
		for e, v := range byEntity {
			if _, ok := g.cat.Entity(e); !ok {
				return fmt.Errorf("%s: not in the catalog", e)
			}
			for i, x := range v {
				switch {
				case math.IsNaN(x):
				case x < 0, ind.Unit == bizenv.UnitRatio && x > 1, ind.Unit == bizenv.UnitRank && x < 1:
					return fmt.Errorf("%s %s %s: %v out of range for %s", period(i), e, code, x, ind.Unit)
				}
			}
		}
	}
	return nil
}

// render writes the long CSV: by period, entity (wuhan-edz, the peers, the
// city average) and indicator in catalog order, leaving out every key the
// seed file has.
func (g *gen) render() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"period", "entity", "indicator", "value", "source", "note"})
	entities := append(districts(), avg)
	for i := range months {
		p := period(i)
		for _, e := range entities {
			for _, ind := range g.cat.Indicators {
				v, ok := g.vals[ind.Code][e]
				if !ok || math.IsNaN(v[i]) {
					continue
				}
				if _, seeded := g.seed[key{p, e, ind.Code}]; seeded {
					continue
				}
				n := note
				if s, ok := g.notes[ind.Code]; ok {
					n = s
				}
				w.Write([]string{p, e, ind.Code, format(v[i]), source, n})
			}
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// format writes a value without float noise or trailing zeros.
func format(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
