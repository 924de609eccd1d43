package main

import (
	"bytes"
	"encoding/csv"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

const (
	seedFile      = "../seed-report.csv"
	syntheticFile = "../synthetic.csv"
	catalogFile   = "../catalog.yaml"
	itemsFile     = "../items.csv"
)

type row struct {
	line int
	key
	value        float64
	source, note string
	unit         string
	direction    bizenv.Direction
	target       *float64
	entityKind   string
}

// readLong reads a demo file, checking every code against the default
// catalog and every value against its unit.
func readLong(t *testing.T, path string) []row {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	want := []string{"period", "entity", "indicator", "value", "source", "note"}
	if !slices.Equal(recs[0], want) {
		t.Fatalf("%s: header %v, want %v", path, recs[0], want)
	}
	cat := bizenv.DefaultCatalog()
	var rows []row
	for n, rec := range recs[1:] {
		line := n + 2
		r := row{line: line, key: key{rec[0], rec[1], rec[2]}, source: rec[4], note: rec[5]}
		ind, ok := cat.Indicator(r.indicator)
		if !ok {
			t.Errorf("%s:%d: indicator %q not in catalog.yaml", path, line, r.indicator)
			continue
		}
		ent, ok := cat.Entity(r.entity)
		if !ok {
			t.Errorf("%s:%d: entity %q not in catalog.yaml", path, line, r.entity)
			continue
		}
		p, err := bizenv.ParsePeriod(r.period)
		if err != nil {
			t.Errorf("%s:%d: %v", path, line, err)
			continue
		}
		if ind.Frequency == bizenv.Annual && p.Month != 12 {
			t.Errorf("%s:%d: annual %s stored at %s, want December", path, line, r.indicator, r.period)
		}
		v, err := parseValue(rec[3], ind, ent)
		if err != nil {
			t.Errorf("%s:%d: %v", path, line, err)
			continue
		}
		if r.source == "" || r.note == "" {
			t.Errorf("%s:%d: source and note are required", path, line)
		}
		r.value, r.unit, r.direction, r.target, r.entityKind = v, ind.Unit, ind.Direction, ind.Target, ent.Kind
		rows = append(rows, r)
	}
	return rows
}

func TestSyntheticUpToDate(t *testing.T) {
	got, gotItems, err := generateFiles(seedFile, catalogFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(syntheticFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("deploy/demo/synthetic.csv is not what the generator writes: run go run ./deploy/demo/gen (or go generate ./deploy/demo/gen)")
	}
	wantItems, err := os.ReadFile(itemsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotItems, wantItems) {
		t.Fatalf("deploy/demo/items.csv is not what the generator writes: run go run ./deploy/demo/gen (or go generate ./deploy/demo/gen)")
	}
	again, againItems, _ := generateFiles(seedFile, catalogFile)
	if !bytes.Equal(got, again) || !bytes.Equal(gotItems, againItems) {
		t.Fatal("the generator is not deterministic")
	}
}

func TestKeys(t *testing.T) {
	seed := readLong(t, seedFile)
	synth := readLong(t, syntheticFile)
	seen := map[key]int{}
	for _, r := range seed {
		if l, dup := seen[r.key]; dup {
			t.Errorf("seed-report.csv:%d: %v already on line %d", r.line, r.key, l)
		}
		seen[r.key] = r.line
		if r.source != "seed-report" {
			t.Errorf("seed-report.csv:%d: source %q", r.line, r.source)
		}
	}
	synthSeen := map[key]int{}
	for _, r := range synth {
		if l, dup := seen[r.key]; dup {
			t.Errorf("synthetic.csv:%d: %v repeats seed-report.csv:%d", r.line, r.key, l)
		}
		if l, dup := synthSeen[r.key]; dup {
			t.Errorf("synthetic.csv:%d: %v already on line %d", r.line, r.key, l)
		}
		synthSeen[r.key] = r.line
		if r.source != source || r.note == "" {
			t.Errorf("synthetic.csv:%d: source %q note %q: want synthetic-demo with a note", r.line, r.source, r.note)
		}
		if p := index(r.period); p < 0 || p >= months {
			t.Errorf("synthetic.csv:%d: period %s outside 2020-01..2021-12", r.line, r.period)
		}
		if r.unit == bizenv.UnitRank && r.entityKind != "district" {
			t.Errorf("synthetic.csv:%d: a rank for %s, which is not a district", r.line, r.entity)
		}
	}
}

// all returns the values of both files by key.
func all(t *testing.T) map[key]row {
	t.Helper()
	m := map[key]row{}
	for _, f := range []string{seedFile, syntheticFile} {
		for _, r := range readLong(t, f) {
			m[r.key] = r
		}
	}
	return m
}

func TestRanksArePermutations(t *testing.T) {
	m := all(t)
	ds := districts()
	for i := range months {
		p := period(i)
		var ranks []int
		for _, d := range ds {
			r, ok := m[key{p, d, "city_assessment_rank"}]
			if !ok {
				t.Errorf("%s: no rank for %s", p, d)
				continue
			}
			ranks = append(ranks, int(r.value))
			// The score agrees with the rank: nobody ranked below scores higher.
			s := m[key{p, d, "city_assessment_score"}].value
			for _, o := range ds {
				if o != d && m[key{p, o, "city_assessment_rank"}].value > r.value && m[key{p, o, "city_assessment_score"}].value >= s {
					t.Errorf("%s: %s ranked below %s but scores %v >= %v", p, o, d, m[key{p, o, "city_assessment_score"}].value, s)
				}
			}
		}
		slices.Sort(ranks)
		for n, r := range ranks {
			if r != n+1 {
				t.Errorf("%s: ranks %v are not 1..15", p, ranks)
				break
			}
		}
	}
}

// series returns one entity's values of one indicator, month by month.
func series(m map[key]row, entity, indicator string) []float64 {
	v := nans()
	for i := range months {
		if r, ok := m[key{period(i), entity, indicator}]; ok {
			v[i] = r.value
		}
	}
	return v
}

// streak is the decline streak ending at month i.
func streak(v []float64, dir bizenv.Direction, i int) int {
	n := 0
	for ; i > 0 && (v[i]-v[i-1])*dir.Sign() < 0; i-- {
		n++
	}
	return n
}

func TestStory(t *testing.T) {
	m := all(t)
	rank := series(m, edz, "city_assessment_rank")
	for i, want := range edzRank {
		if rank[i] != float64(want) {
			t.Errorf("wuhan-edz rank %s = %v, want %d", period(i), rank[i], want)
		}
	}
	if n := streak(rank, bizenv.LowerBetter, index("2020-11")); n != 5 || rank[index("2020-10")] != 14 {
		t.Errorf("rank decline streak at 2020-11 = %d (previous %v), want 5 (14)", n, rank[index("2020-10")])
	}
	last := months - 1
	// A two-month decline streak at the end, for the alert.
	for _, code := range []string{"city_assessment_rank", "city_assessment_score", "hotline_answer_rate"} {
		ind, _ := bizenv.DefaultCatalog().Indicator(code)
		if n := streak(series(m, edz, code), ind.Direction, last); n < 2 {
			t.Errorf("%s of wuhan-edz: decline streak %d at 2021-12, want >= 2", code, n)
		}
	}
	// Below the city average at the end, and below it on the four 一网通办
	// rates through late 2020.
	below := func(code string, i int) bool {
		ind, _ := bizenv.DefaultCatalog().Indicator(code)
		return (series(m, edz, code)[i]-series(m, avg, code)[i])*ind.Direction.Sign() < 0
	}
	for _, code := range []string{"ywtb_full_online", "hotline_answer_rate", "bizstart_days", "enterprise_demand_resolved_rate"} {
		if !below(code, last) {
			t.Errorf("%s of wuhan-edz not below wuhan-avg at 2021-12", code)
		}
	}
	for _, code := range []string{"ywtb_case_volume", "ywtb_material_reduction", "ywtb_online_enabled", "ywtb_one_window"} {
		for i := index("2020-06"); i <= index("2020-12"); i++ {
			if !below(code, i) {
				t.Errorf("%s of wuhan-edz not below wuhan-avg at %s", code, period(i))
			}
		}
		if below(code, last) {
			t.Errorf("%s of wuhan-edz has not caught up with wuhan-avg by 2021-12", code)
		}
	}
	// Targets missed at the end.
	cat := bizenv.DefaultCatalog()
	for _, code := range []string{"bizstart_days", "bizstart_steps", "ywtb_full_online", "hotline_answer_rate", "approval_overdue_items"} {
		ind, _ := cat.Indicator(code)
		if v := series(m, edz, code)[last]; ind.MeetsTarget(v) {
			t.Errorf("%s of wuhan-edz meets its target at 2021-12 (%v)", code, v)
		}
	}
	// The months the report names as bad.
	dips := map[string][]string{
		"hotline_answer_rate":       {"2020-07", "2020-08"},
		"review_push_rate":          {"2020-08", "2020-09", "2020-10", "2020-11"},
		"policy_payout_ontime_rate": {"2020-10", "2020-11"},
	}
	for code, ps := range dips {
		v := series(m, edz, code)
		for _, p := range ps {
			if i := index(p); v[i] >= v[index("2020-06")]-0.05 || v[i] >= series(m, avg, code)[i] {
				t.Errorf("%s of wuhan-edz at %s = %v: want a clear dip", code, p, v[i])
			}
		}
	}
	// Neutral loan demand moves both ways at the end.
	up, down := 0, 0
	for _, d := range districts() {
		v := series(m, d, "sme_loan_demand_amount")
		switch {
		case v[last] > v[last-1]:
			up++
		case v[last] < v[last-1]:
			down++
		}
	}
	if up == 0 || down == 0 {
		t.Errorf("sme_loan_demand_amount at 2021-12: %d districts up, %d down; want both", up, down)
	}
	// Cumulative credit figures never fall, also not in January (a
	// year-to-date series would raise a false decline each January); loans
	// never exceed credit, approvals never exceed recommendations.
	for _, d := range append(districts(), avg) {
		for _, code := range []string{"taxloan_credit_firms", "taxloan_credit_amount", "taxloan_disbursed_amount", "sme_recommended_firms", "sme_loan_approved_firms", "sme_loan_approved_amount"} {
			v := series(m, d, code)
			for i := 1; i < months; i++ {
				if v[i] < v[i-1] {
					t.Errorf("%s %s falls at %s", d, code, period(i))
				}
			}
		}
		credit, disb := series(m, d, "taxloan_credit_amount"), series(m, d, "taxloan_disbursed_amount")
		firms, ok := series(m, d, "sme_recommended_firms"), series(m, d, "sme_loan_approved_firms")
		demand, okAmt := series(m, d, "sme_loan_demand_amount"), series(m, d, "sme_loan_approved_amount")
		for i := range months {
			if disb[i] > credit[i] || ok[i] > firms[i] || okAmt[i] > demand[i] {
				t.Errorf("%s %s: disbursed %v / credit %v, approved %v / %v firms, %v / %v yuan", d, period(i), disb[i], credit[i], ok[i], firms[i], okAmt[i], demand[i])
			}
		}
	}
}

// TestCityAverage checks that wuhan-avg is the mean of the 15 districts.
func TestCityAverage(t *testing.T) {
	m := all(t)
	for _, ind := range bizenv.DefaultCatalog().Indicators {
		for i := range months {
			a, ok := m[key{period(i), avg, ind.Code}]
			if !ok {
				continue
			}
			sum, n := 0.0, 0
			for _, d := range districts() {
				if r, ok := m[key{period(i), d, ind.Code}]; ok {
					sum += r.value
					n++
				}
			}
			if n != 15 {
				t.Errorf("%s %s: average of %d districts", period(i), ind.Code, n)
				continue
			}
			if diff := sum/15 - a.value; math.Abs(diff) > 0.51*unitOf(ind.Unit) {
				t.Errorf("%s %s: wuhan-avg %v, mean of districts %v", period(i), ind.Code, a.value, sum/15)
			}
		}
	}
}

// unitOf is the rounding step of an average.
func unitOf(unit string) float64 {
	switch unit {
	case bizenv.UnitRatio:
		return 1e-4
	case bizenv.UnitYuan:
		return 100
	case bizenv.UnitCount, bizenv.UnitWorkingDays:
		return 0.1 // firms to 0.1, overdue items to 0.01
	}
	return 0.01
}

// TestSeedReadAsImported: the seed is read with the import's rules, so that
// every form an import takes is taken here too, in the same stored value.
func TestSeedReadAsImported(t *testing.T) {
	const seed = "period,entity,indicator,value\n" +
		"2020-06,wuhan-edz,city_assessment_rank,第8位\n" +
		"2020-10,wuhan-edz,ywtb_case_volume,６６.６７％\n" +
		"2021-09,wuhan-edz,taxloan_credit_amount,\"80,019.85万元\"\n"
	got, err := readSeed(strings.NewReader(seed), bizenv.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	want := map[key]float64{
		{"2020-06", "wuhan-edz", "city_assessment_rank"}:  8,
		{"2020-10", "wuhan-edz", "ywtb_case_volume"}:      0.6667,
		{"2021-09", "wuhan-edz", "taxloan_credit_amount"}: 800198500,
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	t.Run("bad value", func(t *testing.T) {
		_, err := readSeed(strings.NewReader("period,entity,indicator,value\n2020-06,wuhan-edz,city_assessment_rank,0\n"), bizenv.DefaultCatalog())
		if want := `line 2: value "0" for unit rank: must be at least 1`; err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	})
}
