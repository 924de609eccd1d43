package main

import (
	"bytes"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

// withUnits is the default catalog with the units of the catalog file the
// generator writes.
func withUnits(t *testing.T) bizenv.Catalog {
	t.Helper()
	unitsYAML, _ := generate()
	units, err := bizenv.ParseCatalog("units.yaml", bytes.NewReader(unitsYAML))
	if err != nil {
		t.Fatal(err)
	}
	cat := bizenv.DefaultCatalog()
	cat.Entities = append(cat.Entities, units.Entities...)
	return cat
}

// The committed files are exactly what the generator writes, the units
// make the seed's 43, and every row imports against the catalog they make.
func TestUnitsFiles(t *testing.T) {
	wantCat, wantCSV := generate()
	for name, want := range map[string][]byte{"../units.yaml": wantCat, "../units.csv": wantCSV} {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go generate ./deploy/demo/units", name)
		}
	}
	cat := withUnits(t)
	n := 0
	for _, e := range cat.Entities {
		if e.Parent == "wuhan-edz" {
			n++
		}
	}
	if n != 43 {
		t.Errorf("units under wuhan-edz: got %d, want 43", n)
	}
	tab, err := ingest.ReadTable("units.csv", bytes.NewReader(wantCSV), ingest.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obs, rejects, err := ingest.ParseLong(tab, cat, first.AddMonths(months).Time())
	if err != nil || len(rejects) > 0 {
		t.Fatalf("got %v, rejects %v", err, rejects)
	}
	// Score and rank every month; four items a month, seven from 2021-07.
	if got, want := len(obs), 43*(2*months+4*months+3*(months-18)); got != want {
		t.Errorf("observations: got %d, want %d", got, want)
	}
	last := map[bizenv.Period]float64{}
	for _, o := range obs {
		if o.Entity == laggard && o.Indicator == "unit_assessment_rank" {
			last[o.Period] = o.Value
		}
	}
	for _, m := range []int{months - 2, months - 1} {
		if got := last[first.AddMonths(m)]; got != 43 {
			t.Errorf("%s in %s: rank %v, want 43 (last)", laggard, first.AddMonths(m), got)
		}
	}
}

// Every unit's items add up to its stored unit_assessment_score in every
// month, each within its max_points: the four items until 2021-06, the
// seven from 2021-07, labelled synthetic.
func TestUnitItemsAddUpToTheScore(t *testing.T) {
	_, content := generate()
	tab, err := ingest.ReadTable("units.csv", bytes.NewReader(content), ingest.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cat := withUnits(t)
	obs, rejects, err := ingest.ParseLong(tab, cat, first.AddMonths(months).Time())
	if err != nil || len(rejects) > 0 {
		t.Fatalf("got %v, rejects %v", err, rejects)
	}
	maxPoints := map[string]float64{}
	for _, ind := range cat.Indicators {
		if ind.PartOf == "unit_assessment_score" {
			maxPoints[ind.Code] = *ind.MaxPoints
		}
	}
	type key struct {
		entity string
		period bizenv.Period
	}
	scores, sums, counts := map[key]float64{}, map[key]float64{}, map[key]int{}
	for _, o := range obs {
		k := key{o.Entity, o.Period}
		switch max, item := maxPoints[o.Indicator]; {
		case o.Indicator == "unit_assessment_score":
			scores[k] = o.Value
		case item:
			if o.Value < 0 || o.Value > max {
				t.Errorf("%s %s %s: %v points, want 0..%v", o.Period, o.Entity, o.Indicator, o.Value, max)
			}
			if !strings.Contains(o.Note, "合成") || o.Source != "synthetic-demo" {
				t.Errorf("%s %s %s: source %q note %q, want labelled synthetic", o.Period, o.Entity, o.Indicator, o.Source, o.Note)
			}
			sums[k] += o.Value
			counts[k]++
		}
	}
	if got, want := len(scores), 43*months; got != want {
		t.Fatalf("got %d unit months with a score, want %d", got, want)
	}
	for k, score := range scores {
		if math.Abs(sums[k]-score) > 1e-6 {
			t.Errorf("%s %s: items add up to %v, score %v", k.period, k.entity, sums[k], score)
		}
		want := 4
		if !k.period.Before(bizenv.NewPeriod(2021, 7)) {
			want = 7
		}
		if counts[k] != want {
			t.Errorf("%s %s: %d items, want %d", k.period, k.entity, counts[k], want)
		}
	}
}

// The demo ledger imports whole: the seed's items as the report states
// them, three kept up as 常态化, and synthetic items labelled as such.
func TestDemoLedger(t *testing.T) {
	content, err := os.ReadFile("../actions.csv")
	if err != nil {
		t.Fatal(err)
	}
	cat := withUnits(t)
	l := ingest.LedgerFile("actions.csv", content, "", cat, map[string]string{})
	if len(l.Rejects) > 0 {
		t.Fatalf("rejects: %+v", l.Rejects)
	}
	seed, ongoing, synthetic := 0, 0, 0
	for _, a := range l.Actions {
		switch {
		case strings.HasPrefix(a.Source, "seed-report: "):
			seed++
			if a.Origin != "巡察反馈" || a.Owner != "edz-dev-reform" {
				t.Errorf("%s: origin %s owner %s, want 巡察反馈 by edz-dev-reform", a.ID, a.Origin, a.Owner)
			}
			if a.Status == bizenv.ActionOngoing {
				ongoing++
			} else if a.Status != bizenv.ActionDone {
				t.Errorf("%s: status %s, want done or ongoing as the seed reports", a.ID, a.Status)
			}
		case a.Source == "synthetic-demo":
			synthetic++
			if !strings.HasPrefix(a.Title, "【合成演示】") || !strings.HasPrefix(a.Problem, "【合成演示数据】") {
				t.Errorf("%s: synthetic action not labelled: %q", a.ID, a.Title)
			}
		default:
			t.Errorf("%s: source %q is neither the seed nor synthetic-demo", a.ID, a.Source)
		}
	}
	if seed < 12 || ongoing != 3 || synthetic == 0 {
		t.Errorf("got %d seed items (%d ongoing), %d synthetic; want a dozen, 3 ongoing, some synthetic", seed, ongoing, synthetic)
	}
}
