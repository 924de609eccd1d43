package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

// breakdown is the answer of /api/v1/breakdown, as a client reads it.
type breakdown struct {
	Indicator, Entity, Period string
	Value, Previous, Change   *float64
	Items                     []struct {
		Indicator        string
		Value            float64
		Previous, Change *float64
		MaxPoints        float64 `json:"max_points"`
		Lost             float64
		Owner            string
		OwnerName        string `json:"owner_name"`
		Source, Note     string
		Synthetic        bool
	}
	Unexplained   *float64
	RankIndicator string `json:"rank_indicator"`
	Rank          *int
	OvertakenBy   []struct {
		Entity       string
		Rank         int
		PreviousRank int `json:"previous_rank"`
	} `json:"overtaken_by"`
	GapToAbove *struct {
		Entity string
		Rank   int
		Items  []struct {
			Indicator string
			Gap       float64
		}
	} `json:"gap_to_above"`
}

// items writes "indicator change lost" per item, in order.
func (b breakdown) items() string {
	var s []string
	for _, it := range b.Items {
		c := "none"
		if it.Change != nil {
			c = fmt.Sprint(*it.Change)
		}
		s = append(s, fmt.Sprintf("%s %s %v", strings.TrimPrefix(it.Indicator, "unit_item_"), c, it.Lost))
	}
	return strings.Join(s, ", ")
}

func (b breakdown) overtakers() string {
	var s []string
	for _, o := range b.OvertakenBy {
		s = append(s, fmt.Sprintf("%s %d<-%d", strings.TrimPrefix(o.Entity, "wuhan-"), o.Rank, o.PreviousRank))
	}
	return strings.Join(s, ", ")
}

func (b breakdown) gaps() string {
	if b.GapToAbove == nil {
		return "none"
	}
	s := []string{fmt.Sprintf("%s %d:", strings.TrimPrefix(b.GapToAbove.Entity, "wuhan-"), b.GapToAbove.Rank)}
	for _, g := range b.GapToAbove.Items {
		s = append(s, fmt.Sprintf("%s %v", strings.TrimPrefix(g.Indicator, "unit_item_"), g.Gap))
	}
	return strings.Join(s, " ")
}

// unitItems is one entity's points on the four unit assessment items of
// 2020 (of 30, 20, 20 and 10) and its score, for one period.
func unitItems(period, entity string, review, demand, key, daily, score float64) []obs {
	return []obs{
		{"period": period, "entity": entity, "indicator": "unit_item_city_review", "value": review},
		{"period": period, "entity": entity, "indicator": "unit_item_enterprise_demand", "value": demand},
		{"period": period, "entity": entity, "indicator": "unit_item_key_indicators", "value": key},
		{"period": period, "entity": entity, "indicator": "unit_item_daily_work", "value": daily},
		{"period": period, "entity": entity, "indicator": "unit_assessment_score", "value": score},
	}
}

func rank(period, entity string, r int) obs {
	return obs{"period": period, "entity": entity, "indicator": "unit_assessment_rank", "value": r}
}

func TestBreakdown(t *testing.T) {
	e := newEnv(t)
	var records []obs
	// wuhan-edz: the items add up to the score's change (-2.5).
	records = append(records, unitItems("2020-10", "wuhan-edz", 28, 18, 19, 9, 74)...)
	records = append(records, unitItems("2020-11", "wuhan-edz", 27, 18.5, 17, 9, 71.5)...)
	// Where two of November's figures came from.
	records[len(records)-5]["source"], records[len(records)-5]["note"] = "区考核通报", "2020年11月通报"
	records[len(records)-2]["source"] = "synthetic-demo"
	// wuhan-jiangan: the score fell 3, the items only 2.5; and its daily
	// work has no October value.
	records = append(records, unitItems("2020-10", "wuhan-jiangan", 28, 18, 19, 9, 74)[:3]...)
	records = append(records, obs{"period": "2020-10", "entity": "wuhan-jiangan", "indicator": "unit_assessment_score", "value": 74})
	records = append(records, unitItems("2020-11", "wuhan-jiangan", 27, 18.5, 17, 9, 71)...)
	// wuhan-xinzhou, ranked just above wuhan-edz in November.
	records = append(records, unitItems("2020-11", "wuhan-xinzhou", 29, 17, 19.5, 8, 73.5)...)
	// Ranks. October: wuchang 1, edz and hanyang level at 3, jiangan 4,
	// qiaokou 5; xinzhou none. November: wuchang 1, jiangan and hanyang 2,
	// xinzhou 4, edz 5; qiaokou none.
	records = append(records,
		rank("2020-10", "wuhan-wuchang", 1), rank("2020-10", "wuhan-edz", 3), rank("2020-10", "wuhan-hanyang", 3),
		rank("2020-10", "wuhan-jiangan", 4), rank("2020-10", "wuhan-qiaokou", 5),
		rank("2020-11", "wuhan-wuchang", 1), rank("2020-11", "wuhan-jiangan", 2), rank("2020-11", "wuhan-hanyang", 2),
		rank("2020-11", "wuhan-xinzhou", 4), rank("2020-11", "wuhan-edz", 5),
		obs{"period": "2020-11", "entity": "wuhan-avg", "indicator": "unit_assessment_rank", "value": 1}, // not a peer
	)
	e.seed(records...)

	get := func(t *testing.T, query string) breakdown {
		t.Helper()
		status, body := e.get("/api/v1/breakdown?" + query)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		return decode[breakdown](t, body)
	}
	t.Run("items say where they came from", func(t *testing.T) {
		b := get(t, "indicator=unit_assessment_score&entity=wuhan-edz&period=2020-11")
		got := map[string]string{}
		for _, it := range b.Items {
			got[it.Indicator] = fmt.Sprintf("%s|%s|%v", it.Source, it.Note, it.Synthetic)
		}
		if got["unit_item_city_review"] != "区考核通报|2020年11月通报|false" || got["unit_item_daily_work"] != "synthetic-demo||true" {
			t.Errorf("provenance: got %v", got)
		}
	})
	t.Run("items add up", func(t *testing.T) {
		b := get(t, "indicator=unit_assessment_score&entity=wuhan-edz&period=2020-11")
		if b.Change == nil || *b.Change != -2.5 || b.Unexplained == nil || *b.Unexplained != 0 {
			t.Errorf("change %v unexplained %v, want -2.5 and 0", b.Change, b.Unexplained)
		}
		// Worst change first; lost is max_points minus the points.
		if got, want := b.items(), "key_indicators -2 3, city_review -1 3, daily_work 0 1, enterprise_demand 0.5 1.5"; got != want {
			t.Errorf("items: got %s, want %s", got, want)
		}
		if b.Items[0].Owner != "edz-bizenv-office" || b.Items[0].OwnerName != "区营商办" || b.Items[0].MaxPoints != 20 {
			t.Errorf("first item: %+v", b.Items[0])
		}
	})
	t.Run("unexplained", func(t *testing.T) {
		b := get(t, "indicator=unit_assessment_score&entity=wuhan-jiangan&period=2020-11")
		// -3 - (-1 + 0.5 - 2); daily work has no change to count.
		if b.Unexplained == nil || *b.Unexplained != -0.5 {
			t.Errorf("unexplained: got %v, want -0.5", b.Unexplained)
		}
		if got, want := b.items(), "key_indicators -2 3, city_review -1 3, enterprise_demand 0.5 1.5, daily_work none 1"; got != want {
			t.Errorf("items: got %s, want %s", got, want)
		}
	})
	t.Run("overtaken by, with ties and missing months", func(t *testing.T) {
		b := get(t, "indicator=unit_assessment_score&entity=wuhan-edz&period=2020-11")
		// hanyang was level (3), jiangan below (4); wuchang was above
		// already and xinzhou had no October rank.
		if got, want := b.overtakers(), "hanyang 2<-3, jiangan 2<-4"; got != want {
			t.Errorf("overtaken_by: got %s, want %s", got, want)
		}
		if b.RankIndicator != "unit_assessment_rank" || b.Rank == nil || *b.Rank != 5 {
			t.Errorf("rank: %s %v", b.RankIndicator, b.Rank)
		}
	})
	t.Run("gap to above", func(t *testing.T) {
		b := get(t, "indicator=unit_assessment_score&entity=wuhan-edz&period=2020-11")
		if got, want := b.gaps(), "xinzhou 4: key_indicators -2.5 city_review -2 daily_work 1 enterprise_demand 1.5"; got != want {
			t.Errorf("gap_to_above: got %s, want %s", got, want)
		}
		// Of the two tied just above wuhan-xinzhou, the first by code.
		b = get(t, "indicator=unit_assessment_score&entity=wuhan-xinzhou&period=2020-11")
		if b.GapToAbove == nil || b.GapToAbove.Entity != "wuhan-hanyang" || b.GapToAbove.Rank != 2 {
			t.Errorf("above wuhan-xinzhou: got %+v, want wuhan-hanyang ranked 2", b.GapToAbove)
		}
		b = get(t, "indicator=unit_assessment_score&entity=wuhan-wuchang&period=2020-11")
		if b.GapToAbove != nil || len(b.OvertakenBy) != 0 {
			t.Errorf("first place: gap_to_above %+v, overtaken_by %+v, want none", b.GapToAbove, b.OvertakenBy)
		}
	})
	t.Run("no items: ranks alone", func(t *testing.T) {
		b := get(t, "indicator=unit_assessment_score&entity=wuhan-hanyang&period=2020-11")
		if len(b.Items) != 0 || b.Value != nil || b.Rank == nil || *b.Rank != 2 || b.gaps() != "wuchang 1:" {
			t.Errorf("got items %q value %v rank %v gap %s, want none, none, 2, wuchang", b.items(), b.Value, b.Rank, b.gaps())
		}
		// jiangan climbed from 4 to 2, level with hanyang (3 -> 2): level
		// now is not above, so nobody overtook hanyang.
		if b.overtakers() != "" {
			t.Errorf("overtaken_by: got %s, want none", b.overtakers())
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			code  int
		}{
			{"indicator=unit_assessment_score&entity=wuhan-caidian&period=2020-11", 404}, // no data
			{"indicator=ywtb_case_volume&entity=wuhan-edz&period=2020-11", 400},          // not a score
			{"indicator=nosuch_score&entity=wuhan-edz&period=2020-11", 404},
			{"indicator=unit_assessment_score&entity=wuhan-edz", 400}, // no period
		} {
			if status, body := e.get("/api/v1/breakdown?" + tc.query); status != tc.code {
				t.Errorf("%s: got %d %s, want %d", tc.query, status, body, tc.code)
			}
		}
	})
}

// A composite without a stored rank indicator is ranked by the peers'
// scores: ties share a rank, and a peer level with the entity before and
// above it now overtook it.
func TestBreakdownRanksFromScores(t *testing.T) {
	e := newEnv(t)
	c, err := bizenv.ParseCatalog("market.yaml", strings.NewReader(`
indicators:
  - {code: market_score, name_zh: 市场环境得分, name_en: Market score, unit: score, direction: higher_better, category: market}
  - {code: market_item_a, name_zh: 甲, name_en: A, unit: score, direction: higher_better, category: market, part_of: market_score, max_points: 50, owner: 区市场监管局}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.ApplyCatalog(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	score := func(p, ent string, v float64) obs {
		return obs{"period": p, "entity": ent, "indicator": "market_score", "value": v}
	}
	e.seed(
		score("2021-01", "wuhan-edz", 80), score("2021-01", "wuhan-jiangan", 80), score("2021-01", "wuhan-hanyang", 90),
		score("2021-01", "wuhan-qiaokou", 70),
		score("2021-02", "wuhan-edz", 75), score("2021-02", "wuhan-jiangan", 78), score("2021-02", "wuhan-hanyang", 90),
		score("2021-02", "wuhan-qiaokou", 76),
	)
	status, body := e.get("/api/v1/breakdown?indicator=market_score&entity=wuhan-edz&period=2021-02")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	b := decode[breakdown](t, body)
	// January: hanyang 1, edz and jiangan 2, qiaokou 4. February: hanyang
	// 1, jiangan 2, qiaokou 3, edz 4.
	if got, want := b.overtakers(), "jiangan 2<-2, qiaokou 3<-4"; got != want {
		t.Errorf("overtaken_by: got %s, want %s", got, want)
	}
	if b.RankIndicator != "" || b.Rank == nil || *b.Rank != 4 || b.GapToAbove == nil || b.GapToAbove.Entity != "wuhan-qiaokou" {
		t.Errorf("rank %q %v, above %+v", b.RankIndicator, b.Rank, b.GapToAbove)
	}
	if b.Unexplained == nil || *b.Unexplained != -5 {
		t.Errorf("unexplained: got %v, want -5 (no item data)", b.Unexplained)
	}
}
