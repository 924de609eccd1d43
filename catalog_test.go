package bizenv_test

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

// The default catalog is the one of the product contract (SPEC section 2).
func TestDefaultCatalog(t *testing.T) {
	c := bizenv.DefaultCatalog()
	if got, want := len(c.Indicators), 42; got != want {
		t.Errorf("indicators: got %d, want %d", got, want)
	}
	if got, want := len(c.Entities), 29; got != want {
		t.Errorf("entities: got %d, want %d (city, city average, 15 districts, 12 units)", got, want)
	}
	for _, i := range c.Indicators {
		if u, ok := c.Entity(i.Owner); !ok || u.Parent != "wuhan-edz" || u.Kind != "department" {
			t.Errorf("indicator %s: owner %q is not one of the district's units", i.Code, i.Owner)
		}
	}
	for _, tc := range []struct {
		code      string
		unit      string
		direction bizenv.Direction
		frequency bizenv.Frequency
		target    float64 // -1: none
	}{
		{"city_assessment_rank", bizenv.UnitRank, bizenv.LowerBetter, bizenv.Monthly, -1},
		{"edz_index_rank", bizenv.UnitRank, bizenv.LowerBetter, bizenv.Annual, -1},
		{"ywtb_full_online", bizenv.UnitRatio, bizenv.HigherBetter, bizenv.Monthly, 1},
		{"item_claim_rate", bizenv.UnitRatio, bizenv.HigherBetter, bizenv.Monthly, 0.95},
		{"bizstart_cost", bizenv.UnitYuan, bizenv.LowerBetter, bizenv.Monthly, 0},
		{"property_reg_days", bizenv.UnitWorkingDays, bizenv.LowerBetter, bizenv.Monthly, 1},
		{"sme_loan_demand_amount", bizenv.UnitYuan, bizenv.Neutral, bizenv.Monthly, -1},
	} {
		t.Run(tc.code, func(t *testing.T) {
			i, ok := c.Indicator(tc.code)
			if !ok {
				t.Fatal("missing")
			}
			if i.Unit != tc.unit || i.Direction != tc.direction || i.Frequency != tc.frequency {
				t.Errorf("got %s %s %s, want %s %s %s", i.Unit, i.Direction, i.Frequency, tc.unit, tc.direction, tc.frequency)
			}
			switch {
			case tc.target < 0 && i.Target != nil:
				t.Errorf("target: got %v, want none", *i.Target)
			case tc.target >= 0 && (i.Target == nil || *i.Target != tc.target):
				t.Errorf("target: got %v, want %v", i.Target, tc.target)
			}
		})
	}
	edz, _ := c.Entity("wuhan-edz")
	if edz.NameZH != "武汉经开区（汉南区）" || edz.Kind != "district" || edz.Parent != "wuhan" || edz.Benchmark != "wuhan-avg" {
		t.Errorf("wuhan-edz: got %+v", edz)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want, wantZH string }{
		{"unknown key", "indicators:\n  - code: x\n    colour: red\n", "catalog f.yaml: yaml: unmarshal errors:\n  line 3: field colour not found in type bizenv.Indicator",
			"目录文件 f.yaml 无法解析：yaml: unmarshal errors:\n  line 3: field colour not found in type bizenv.Indicator"},
		{"bad code", "indicators:\n  - {code: Bad-Code, name_zh: a, name_en: a, unit: rank, direction: lower_better, category: c}\n", `catalog f.yaml: indicator "Bad-Code": code must be ASCII snake_case`,
			"目录文件 f.yaml 有误：指标代码“Bad-Code”无效：应为小写 ASCII 蛇形命名（字母、数字和下划线）"},
		{"bad unit", "indicators:\n  - {code: x, name_zh: a, name_en: a, unit: furlongs, direction: lower_better, category: c}\n", `catalog f.yaml: indicator x: unknown unit "furlongs"`,
			"目录文件 f.yaml 有误：指标 x：未知计量单位“furlongs”"},
		{"bad direction", "indicators:\n  - {code: x, name_zh: a, name_en: a, unit: rank, direction: up, category: c}\n", `catalog f.yaml: indicator x: direction "up": want higher_better, lower_better or neutral`,
			"目录文件 f.yaml 有误：指标 x：方向“up”无效：应为 higher_better、lower_better 或 neutral"},
		{"bad frequency", "indicators:\n  - {code: x, name_zh: a, name_en: a, unit: rank, direction: neutral, category: c, frequency: weekly}\n", `catalog f.yaml: indicator x: frequency "weekly": want monthly or annual`,
			"目录文件 f.yaml 有误：指标 x：频率“weekly”无效：应为 monthly 或 annual"},
		{"bad kind", "entities:\n  - {code: x, name_zh: a, name_en: a, kind: planet}\n", `catalog f.yaml: entity x: unknown kind "planet"`,
			"目录文件 f.yaml 有误：单位 x：未知类型“planet”"},
		{"own benchmark", "entities:\n  - {code: x, name_zh: a, name_en: a, kind: park, benchmark: x}\n", `catalog f.yaml: entity x: cannot be its own parent or benchmark`,
			"目录文件 f.yaml 有误：单位 x：不能以自身为上级（parent）或对标单位（benchmark）"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bizenv.ParseCatalog("f.yaml", strings.NewReader(tc.yaml))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if got := bizenv.ErrorMessageZH(err); got != tc.wantZH {
				t.Errorf("in Chinese: got %q, want %q", got, tc.wantZH)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	p, err := bizenv.ParsePeriod("2020-11")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.AddMonths(-12).String(); got != "2019-11" {
		t.Errorf("a year before: got %s", got)
	}
	if got := p.AddMonths(2).String(); got != "2021-01" {
		t.Errorf("two months on: got %s", got)
	}
	for _, bad := range []string{"2020-13", "2020-6", "202011", ""} {
		if _, err := bizenv.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
}
