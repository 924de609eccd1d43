package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

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
	extra, err := bizenv.ParseCatalog("units.yaml", bytes.NewReader(wantCat))
	if err != nil {
		t.Fatal(err)
	}
	cat := bizenv.DefaultCatalog()
	cat.Entities = append(cat.Entities, extra.Entities...)
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
	if got, want := len(obs), 43*2*months; got != want {
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
