package main

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

// The city assessment's items are synthetic and say so, and for every
// district and month they add up exactly to the stored score, each within
// its points; in 2020-11 wuhan-edz's 一网通办 item lost the most.
func TestCityItems(t *testing.T) {
	f, err := os.Open(catalogFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	demo, err := bizenv.ParseCatalog(catalogFile, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.ValidateItems(bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	items := demo.Items("city_assessment_score")
	if len(items) == 0 {
		t.Fatal("the demo catalog declares no items of city_assessment_score")
	}
	for _, it := range items {
		if !strings.Contains(it.Description, "合成演示数据") || !strings.Contains(it.NameEN, "synthetic") {
			t.Errorf("%s is not labelled synthetic: %q / %q", it.Code, it.NameEN, it.Description)
		}
	}
	scores := map[[2]string]float64{}
	for _, r := range readLong(t, syntheticFile) {
		if r.indicator == "city_assessment_score" {
			scores[[2]string{r.period, r.entity}] = r.value
		}
	}
	b, err := os.ReadFile(itemsFile)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[[2]string]float64{}
	values := map[[3]string]float64{}
	for n, rec := range recs[1:] {
		it, ok := demo.Indicator(rec[2])
		if !ok || it.PartOf != "city_assessment_score" {
			t.Fatalf("items.csv:%d: %s is not an item of city_assessment_score", n+2, rec[2])
		}
		v, err := strconv.ParseFloat(rec[3], 64)
		if err != nil || v < 0 || v > *it.MaxPoints {
			t.Errorf("items.csv:%d: %s outside 0..%v", n+2, rec[3], *it.MaxPoints)
		}
		if rec[4] != source || rec[5] != note {
			t.Errorf("items.csv:%d: source %q note %q", n+2, rec[4], rec[5])
		}
		sums[[2]string{rec[0], rec[1]}] += v
		values[[3]string{rec[0], rec[1], rec[2]}] = v
	}
	for k, sum := range sums {
		if k[1] == avg {
			continue // averages of rounded figures need not add up
		}
		if want, ok := scores[k]; !ok || math.Abs(sum-want) > 1e-6 {
			t.Errorf("%s %s: items add up to %v, the score is %v", k[0], k[1], sum, want)
		}
	}
	if len(sums) != months*(len(peers)+2) {
		t.Errorf("items for %d (period, entity) pairs, want %d", len(sums), months*(len(peers)+2))
	}
	worst, worstChange := "", 0.0
	for _, it := range items {
		c := values[[3]string{"2020-11", edz, it.Code}] - values[[3]string{"2020-10", edz, it.Code}]
		if c < worstChange {
			worst, worstChange = it.Code, c
		}
	}
	if worst != "city_item_ywtb" {
		t.Errorf("2020-11: %s lost the most (%v), want city_item_ywtb", worst, worstChange)
	}
}
