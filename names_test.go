package bizenv_test

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

// The default catalog carries the names the seed and the city's notices
// use, and each names one record only.
func TestDefaultCatalogNames(t *testing.T) {
	names := bizenv.DefaultCatalog().Names()
	for _, tc := range []struct{ name, entity string }{
		{"经开区", "wuhan-edz"},
		{"汉南区", "wuhan-edz"},
		{"武汉经开区", "wuhan-edz"},
		{"车谷", "wuhan-edz"},
		{"武汉经开区（汉南区）", "wuhan-edz"},
		{"武汉经开区(汉南区)", "wuhan-edz"}, // ASCII brackets for full-width ones
		{" 江岸区\u3000", "wuhan-jiangan"},
		{"wuhan-edz", "wuhan-edz"},
		{"WUHAN-EDZ", ""}, // case matters, as in codes
		{"ｗｕｈａｎ-ｅｄｚ", "wuhan-edz"},
		{"全市平均", "wuhan-avg"},
		{"江岸", ""},
	} {
		if got, _ := names.Entity(tc.name); got != tc.entity {
			t.Errorf("entity %q: got %q, want %q", tc.name, got, tc.entity)
		}
	}
	for _, tc := range []struct{ name, indicator string }{
		{"排名", "city_assessment_rank"},
		{"考核排名", "city_assessment_rank"},
		{"全市营商环境考核排名", "city_assessment_rank"},
		{"全市优化营商环境考核排名", "city_assessment_rank"},
		{"办件量", "ywtb_case_volume"},
		{"一网通办办件量成效", "ywtb_case_volume"},
		{"一窗通办推进", "ywtb_one_window"},
		{"city_assessment_rank", "city_assessment_rank"},
		{"得分排名", ""},
	} {
		if got, _ := names.Indicator(tc.name); got != tc.indicator {
			t.Errorf("indicator %q: got %q, want %q", tc.name, got, tc.indicator)
		}
	}
}

// Two entities of one name_zh are not an error in a catalog (towns in two
// counties share names), but the name finds neither and says which two.
func TestNamesAmbiguousNameZH(t *testing.T) {
	c := bizenv.Catalog{Entities: []bizenv.Entity{
		{Code: "a-xinhua", NameZH: "新华街道", NameEN: "Xinhua", Kind: "street"},
		{Code: "b-xinhua", NameZH: "新华街道", NameEN: "Xinhua", Kind: "street"},
	}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	code, codes := c.Names().Entity("新华街道")
	if code != "" || strings.Join(codes, ",") != "a-xinhua,b-xinhua" {
		t.Errorf("got %q %v, want no code and both", code, codes)
	}
}

// An alias that would name two records is refused, naming both holders.
func TestParseCatalogAmbiguousAlias(t *testing.T) {
	const inds = "indicators:\n" +
		"  - {code: a_rank, name_zh: 甲排名, name_en: A, unit: rank, direction: lower_better, category: c, aliases: [排名]}\n"
	const ents = "entities:\n" +
		"  - {code: edz, name_zh: 经开区, name_en: EDZ, kind: district, aliases: [车谷, 汉南区]}\n"
	// bRank is inds with a second indicator, b_rank, of the given aliases.
	bRank := func(aliases string) string {
		return inds + "  - {code: b_rank, name_zh: 乙排名, name_en: B, unit: rank, direction: lower_better, category: c, aliases: [" + aliases + "]}\n"
	}
	// entity is ents with a second entity.
	entity := func(fields string) string { return ents + "  - {" + fields + "}\n" }
	for _, tc := range []struct{ name, yaml, want, wantZH string }{
		{"two holders", bRank("名次, 排名"),
			`indicator alias "排名" is ambiguous: it is an alias of indicator b_rank and the alias of indicator a_rank`,
			"指标别名“排名”有歧义：它是指标 b_rank 的别名，又是指标 a_rank 的别名"},
		{"alias is another's name", bRank("甲排名"),
			`indicator alias "甲排名" is ambiguous: it is an alias of indicator b_rank and the name_zh of indicator a_rank`,
			"指标别名“甲排名”有歧义：它是指标 b_rank 的别名，又是指标 a_rank 的中文名称"},
		{"alias is another's code", bRank("ａ_rank"),
			`indicator alias "ａ_rank" is ambiguous: it is an alias of indicator b_rank and the code of indicator a_rank`,
			"指标别名“ａ_rank”有歧义：它是指标 b_rank 的别名，又是指标 a_rank 的代码"},
		{"entity alias", entity("code: hn, name_zh: 汉南, name_en: Hannan, kind: district, aliases: [汉南区]"),
			`entity alias "汉南区" is ambiguous: it is an alias of entity hn and the alias of entity edz`,
			"单位别名“汉南区”有歧义：它是单位 hn 的别名，又是单位 edz 的别名"},
		{"full-width form of another's alias", entity(`code: cg, name_zh: 车谷（新）, name_en: CG, kind: park, aliases: [" 车谷"]`),
			`entity alias " 车谷" is ambiguous: it is an alias of entity cg and the alias of entity edz`,
			"单位别名“ 车谷”有歧义：它是单位 cg 的别名，又是单位 edz 的别名"},
		{"name_zh is another's code", entity("code: hn, name_zh: edz, name_en: Hannan, kind: district"),
			`entity hn: name_zh "edz" is the code of entity edz`,
			"单位 hn 的中文名称“edz”是单位 edz 的代码"},
		{"empty alias", entity(`code: hn, name_zh: 汉南, name_en: Hannan, kind: district, aliases: [""]`),
			`entity hn: empty alias`,
			"单位 hn 有空别名"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bizenv.ParseCatalog("f.yaml", strings.NewReader(tc.yaml))
			if want := "catalog f.yaml: " + tc.want; err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
			if want := "目录文件 f.yaml 有误：" + tc.wantZH; bizenv.ErrorMessageZH(err) != want {
				t.Errorf("got  %s\nwant %s", bizenv.ErrorMessageZH(err), want)
			}
		})
	}
	// The same names on one record are no clash.
	own := entity("code: hn, name_zh: 汉南, name_en: Hannan, kind: district, aliases: [汉南, 老汉南, 老汉南]")
	if _, err := bizenv.ParseCatalog("f.yaml", strings.NewReader(own)); err != nil {
		t.Errorf("own names: %v", err)
	}
}

// FindIndicator and FindEntity take any name of a record, and say in both
// languages why a name finds none or more than one.
func TestFindByName(t *testing.T) {
	c := bizenv.DefaultCatalog()
	c.Entities = append(c.Entities,
		bizenv.Entity{Code: "a-xinhua", NameZH: "新华街道", NameEN: "Xinhua", Kind: "street"},
		bizenv.Entity{Code: "b-xinhua", NameZH: "新华街道", NameEN: "Xinhua", Kind: "street"})
	if i, err := c.FindIndicator("考核排名"); err != nil || i.Code != "city_assessment_rank" {
		t.Errorf("FindIndicator(考核排名) = %q, %v", i.Code, err)
	}
	if e, err := c.FindEntity("车谷"); err != nil || e.Code != "wuhan-edz" {
		t.Errorf("FindEntity(车谷) = %q, %v", e.Code, err)
	}
	_, errIndicator := c.FindIndicator("得分排名")
	_, errEntity := c.FindEntity("新华街道")
	for _, tc := range []struct {
		err              error
		code, msg, msgZH string
	}{
		{errIndicator, bizenv.ENOTFOUND, `unknown indicator "得分排名"`, "未知指标“得分排名”：请使用指标代码、中文名称或别名"},
		{errEntity, bizenv.EINVALID, `entity "新华街道" is ambiguous: it may be a-xinhua or b-xinhua`, "单位“新华街道”有歧义：可能是 a-xinhua 或 b-xinhua"},
	} {
		if got := [3]string{bizenv.ErrorCode(tc.err), bizenv.ErrorMessage(tc.err), bizenv.ErrorMessageZH(tc.err)}; got != [3]string{tc.code, tc.msg, tc.msgZH} {
			t.Errorf("got %q, want %q", got, [3]string{tc.code, tc.msg, tc.msgZH})
		}
	}
}

// Merge keeps c's order, puts the other's version of a record both have in
// its place, and adds the other's new records after.
func TestMerge(t *testing.T) {
	c := bizenv.Catalog{Entities: []bizenv.Entity{{Code: "a", NameEN: "A"}, {Code: "b", NameEN: "B"}}}
	o := bizenv.Catalog{Entities: []bizenv.Entity{{Code: "c", NameEN: "C"}, {Code: "a", NameEN: "A2"}}}
	var got []string
	for _, e := range c.Merge(o).Entities {
		got = append(got, e.Code+"="+e.NameEN)
	}
	if want := "a=A2 b=B c=C"; strings.Join(got, " ") != want {
		t.Errorf("merged entities %q, want %s", got, want)
	}
	if m := c.Merge(o); len(m.Indicators) != 0 {
		t.Errorf("merged indicators %v, want none", m.Indicators)
	}
}
