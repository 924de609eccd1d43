package config_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/config"
)

// Mapping targets may be a code, a name_zh or an alias: the file keeps
// them as written, for the collectors to resolve against the catalog.
func TestCollectorsMapNames(t *testing.T) {
	c, err := config.Load("testdata/collectors/valid-names.yml", env)
	if err != nil {
		t.Fatal(err)
	}
	text := func(m map[string]string) string {
		var out []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, k+"="+m[k])
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ name, got, want string }{
		{"tabular columns", text(c.Sources[0].Tabular.Columns), "办件量=一网通办办件量 双评议扣分=市级考核双评议-deduction 考核排名=全市营商环境考核排名"},
		{"tabular entity map", text(c.Sources[0].Tabular.EntityMap), "全市平均=wuhan-avg 经开区（汉南区）=武汉经开区"},
		{"http_json values", text(c.Sources[1].HTTPJSON.Values), "八项重要指标推进情况-deduction=kf 网办开通率=wbkt"},
		{"http_json entity map", text(c.Sources[1].HTTPJSON.EntityMap), "420114=经开区"},
		{"worldbank countries", text(c.Sources[2].WorldBank.Countries), "CHN=中国"},
		{"worldbank indicators", text(c.Sources[2].WorldBank.Indicators), "IC.REG.DURS=世界银行开办企业用时"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}

// What a mapping target may be without a catalog to look it up in: any
// name, trimmed, without control characters, with or without -deduction
// for an indicator.
func TestCollectorsMapTargets(t *testing.T) {
	for _, tc := range []struct{ target, want string }{
		{"city_assessment_rank", ""},
		{"全市营商环境考核排名", ""},
		{"考核排名", ""},
		{"Rank 2 (city)", ""},
		{"日常工作-deduction", ""},
		{"unit_item_daily_work-deduction", ""},
		{"", `tabular.columns.排名: empty: want an indicator's code, name_zh or alias`},
		{"-deduction", `tabular.columns.排名: "-deduction": want an indicator's code, name_zh or alias before -deduction`},
		{"考核排名 ", `tabular.columns.排名: "考核排名 " has spaces around the name`},
		{"\u3000考核排名", `tabular.columns.排名: "\u3000考核排名" has spaces around the name`},
		{"日常工作 -deduction", `tabular.columns.排名: "日常工作 -deduction" has spaces around the name`},
		{"考核\n排名", `tabular.columns.排名: "考核\n排名" has a control character`},
		{"考核排名\x7f", `tabular.columns.排名: "考核排名\x7f" has a control character`},
	} {
		t.Run(fmt.Sprintf("%q", tc.target), func(t *testing.T) {
			yml := fmt.Sprintf(`collectors:
  - name: inbox
    schedule: "0 9 * * *"
    tabular: {path: /srv/inbox/*.csv, layout: wide, period: {value: "2021-09"}, entity: {column: 单位}, columns: {排名: %q}}
`, tc.target)
			_, err := config.Parse("c.yml", []byte(yml), env)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if want := tc.want; want != "" {
				want = "config c.yml: collector inbox: " + want
				if got != want {
					t.Errorf("got  %s\nwant %s", got, want)
				}
			} else if got != "" {
				t.Errorf("got %s, want no error", got)
			}
		})
	}
}
