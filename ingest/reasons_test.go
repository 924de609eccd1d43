package ingest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

// TestRejectReasons gives each reject reason its code and its message in
// English and in Chinese, exactly.
func TestRejectReasons(t *testing.T) {
	cat := bizenv.DefaultCatalog()
	cat.Entities = append(cat.Entities,
		bizenv.Entity{Code: "a-xinhua", NameZH: "新华街道", NameEN: "Xinhua", Kind: "street"},
		bizenv.Entity{Code: "b-xinhua", NameZH: "新华街道", NameEN: "Xinhua", Kind: "street"})
	cat.Indicators = append(cat.Indicators,
		bizenv.Indicator{Code: "x_rate", NameZH: "同名率", NameEN: "X", Unit: bizenv.UnitRatio, Direction: bizenv.HigherBetter, Category: "c"},
		bizenv.Indicator{Code: "y_rate", NameZH: "同名率", NameEN: "Y", Unit: bizenv.UnitRatio, Direction: bizenv.HigherBetter, Category: "c"})
	rec := func(period, entity, indicator, value string) ingest.Record {
		return ingest.Record{File: "in.csv", Line: 2, Period: period, Entity: entity, Indicator: indicator, Value: value}
	}
	tests := []struct {
		name    string
		records []ingest.Record // the last one is rejected
		code    string
		en, zh  string
	}{
		{"missing indicator", []ingest.Record{rec("2021-09", "经开区", "", "1")}, ingest.RejectMissingIndicator,
			"missing indicator", "缺少指标"},
		{"unknown indicator", []ingest.Record{rec("2021-09", "经开区", "营商排名", "1")}, ingest.RejectUnknownIndicator,
			`unknown indicator "营商排名"`, "未知指标“营商排名”"},
		{"ambiguous indicator", []ingest.Record{rec("2021-09", "经开区", "同名率", "1")}, ingest.RejectAmbiguousIndicator,
			`indicator "同名率" is ambiguous: it may be x_rate or y_rate`, "指标“同名率”有歧义：可能是 x_rate 或 y_rate"},
		{"missing entity", []ingest.Record{rec("2021-09", "", "排名", "1")}, ingest.RejectMissingEntity,
			"missing entity", "缺少单位"},
		{"unknown entity", []ingest.Record{rec("2021-09", "江岸", "排名", "1")}, ingest.RejectUnknownEntity,
			`unknown entity "江岸"`, "未知单位“江岸”"},
		{"ambiguous entity", []ingest.Record{rec("2021-09", "新华街道", "排名", "1")}, ingest.RejectAmbiguousEntity,
			`entity "新华街道" is ambiguous: it may be a-xinhua or b-xinhua`, "单位“新华街道”有歧义：可能是 a-xinhua 或 b-xinhua"},
		{"missing period", []ingest.Record{rec("", "经开区", "排名", "1")}, ingest.RejectMissingPeriod,
			"missing period", "缺少期间"},
		{"bad period", []ingest.Record{rec("2021-13", "经开区", "排名", "1")}, ingest.RejectBadPeriod,
			`bad period "2021-13": month must be 1..12`, "期间“2021-13”无法识别：应为 2020-06、2020/6、2020年6月 或 202006 的形式，月份 1 至 12"},
		{"future period", []ingest.Record{rec("2021年11月", "经开区", "排名", "1")}, ingest.RejectFuturePeriod,
			"period 2021-11 is in the future", "期间 2021年11月 尚未到来"},
		{"duplicate", []ingest.Record{rec("2021-09", "wuhan-edz", "city_assessment_rank", "8"), rec("2021/9", "经开区", "排名", "9")}, ingest.RejectDuplicate,
			"duplicate of line 2 with a different value", "与第 2 行重复，数值不同"},
		{"not a number", []ingest.Record{rec("2021-09", "经开区", "排名", "八")}, ingest.RejectNotANumber,
			`value "八" for rank indicator city_assessment_rank: not a number`, "指标“全市营商环境考核排名”（名次）的数值“八”：不是数字"},
		{"unknown suffix", []ingest.Record{rec("2021-09", "经开区", "获批贷款金额", "35万")}, ingest.RejectUnknownSuffix,
			`value "35万" for yuan indicator sme_loan_approved_amount: unknown suffix "万"`, "指标“获批贷款金额”（金额（元））的数值“35万”：无法识别的后缀“万”"},
		{"suffix mismatch", []ingest.Record{rec("2021-09", "经开区", "办件量", "5万元")}, ingest.RejectSuffixMismatch,
			`value "5万元" for ratio indicator ywtb_case_volume: suffix 万元 does not fit unit ratio`, "指标“一网通办办件量成效”（比率）的数值“5万元”：后缀“万元”不适用于单位比率"},
		{"out of range", []ingest.Record{rec("2021-09", "经开区", "得分", "1e999")}, ingest.RejectOutOfRange,
			`value "1e999" for score indicator city_assessment_score: out of range`, "指标“全市营商环境考核得分”（分数）的数值“1e999”：超出可表示的范围"},
		{"95 for a ratio", []ingest.Record{rec("2021-09", "经开区", "办件量", "95")}, ingest.RejectRatioAsPercent,
			`value "95" for ratio indicator ywtb_case_volume: 95 is outside [0,1]: did you mean 95%?`, "指标“一网通办办件量成效”（比率）的数值“95”：95 不在 [0,1] 之间：是否为 95%？"},
		{"ratio above 100", []ingest.Record{rec("2021-09", "经开区", "办件量", "120")}, ingest.RejectRatioRange,
			`value "120" for ratio indicator ywtb_case_volume: 120 is outside [0,1]`, "指标“一网通办办件量成效”（比率）的数值“120”：120 不在 [0,1] 之间"},
		{"negative", []ingest.Record{rec("2021-09", "经开区", "获批贷款金额", "-1万元")}, ingest.RejectNegative,
			`value "-1万元" for yuan indicator sme_loan_approved_amount: must not be negative`, "指标“获批贷款金额”（金额（元））的数值“-1万元”：不能为负数"},
		{"below minimum", []ingest.Record{rec("2021-09", "经开区", "排名", "0")}, ingest.RejectTooSmall,
			`value "0" for rank indicator city_assessment_rank: must be at least 1`, "指标“全市营商环境考核排名”（名次）的数值“0”：不能小于 1"},
		{"above maximum", []ingest.Record{rec("2021-09", "经开区", "企业开办环节", "5000")}, ingest.RejectTooLarge,
			`value "5000" for steps indicator bizstart_steps: must be at most 1000`, "指标“企业开办环节”（环节数）的数值“5000”：不能大于 1000"},
		{"not whole", []ingest.Record{rec("2021-09", "经开区", "排名", "2.5")}, ingest.RejectNotWhole,
			`value "2.5" for rank indicator city_assessment_rank: must be a whole number`, "指标“全市营商环境考核排名”（名次）的数值“2.5”：必须是整数"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ingest.NewValidator(cat, now)
			var rej *bizenv.Reject
			for i, r := range tt.records {
				_, ok, reject := v.Check(r)
				if i < len(tt.records)-1 {
					if !ok {
						t.Fatalf("record %d: rejected: %+v", i, reject)
					}
					continue
				}
				rej = reject
			}
			if rej == nil {
				t.Fatal("not rejected")
			}
			seen[rej.Code] = true
			if rej.Code != tt.code || rej.Message(false) != tt.en || rej.Message(true) != tt.zh {
				t.Errorf("got  %s | %s | %s\nwant %s | %s | %s", rej.Code, rej.Message(false), rej.Message(true), tt.code, tt.en, tt.zh)
			}
		})
	}
	// Whole files: no header row, and a file that is not a table.
	v := ingest.NewValidator(cat, now)
	_, rejects, _ := ingest.LongFile("wide.csv", []byte("单位,得分,排名\n经开区,95,1\n"), "", v)
	if len(rejects) != 1 || rejects[0].Code != ingest.RejectNoHeader ||
		rejects[0].Reason != "wide.csv: no header row with period, entity, indicator, value (line 1 lacks period, indicator, value)" ||
		!strings.HasPrefix(rejects[0].ReasonZH, "找不到表头行：需要 期间（或 月份、时间）、单位（或 地区、区域）、指标、数值（或 值）四列") {
		t.Errorf("no header: got %+v", rejects)
	}
	seen[ingest.RejectNoHeader] = true
	_, rejects, _ = ingest.LongFile("old.xls", []byte("\xd0\xcf\x11\xe0rest"), "", v)
	if len(rejects) != 1 || rejects[0].Code != ingest.RejectBadFile ||
		rejects[0].ReasonZH != "old.xls：是 Excel 97-2003（.xls）格式或已加密的工作簿；请另存为 .xlsx" {
		t.Errorf("bad file: got %+v", rejects)
	}
	seen[ingest.RejectBadFile] = true
	// Every code a table row can get is covered above; the rest are for
	// records that are not rows (the API's JSON) and values of no unit.
	for _, c := range ingest.RejectCodes {
		if !seen[c] && !slices.Contains([]string{ingest.RejectBadRecord, ingest.RejectUnknownUnit, ingest.RejectBadValue}, c) {
			t.Errorf("reject code %s has no case", c)
		}
	}
}
