package ingest_test

import (
	"fmt"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		unit string
		want float64
	}{
		{"plain ratio", "0.6667", bizenv.UnitRatio, 0.6667},
		{"percent", "66.67%", bizenv.UnitRatio, 0.6667},
		{"full-width percent", "６６．６７％", bizenv.UnitRatio, 0.6667},
		{"percent with space", "66.67 %", bizenv.UnitRatio, 0.6667},
		{"hundred percent", "100%", bizenv.UnitRatio, 1},
		{"zero percent", "0%", bizenv.UnitRatio, 0},
		{"ratio one", "1", bizenv.UnitRatio, 1},
		{"small percent", "0.01%", bizenv.UnitRatio, 0.0001},
		{"wan yuan", "80019.85万元", bizenv.UnitYuan, 800198500},
		{"yi yuan", "1.2亿元", bizenv.UnitYuan, 120000000},
		{"yuan", "0元", bizenv.UnitYuan, 0},
		{"bare yuan", "1234.5", bizenv.UnitYuan, 1234.5},
		{"thousands", "1,234.5", bizenv.UnitYuan, 1234.5},
		{"millions", "12,345,678", bizenv.UnitYuan, 12345678},
		{"full-width thousands", "１，２３４", bizenv.UnitCount, 1234},
		{"thousands wan yuan", "1,234.56万元", bizenv.UnitYuan, 12345600},
		{"days", "3.5天", bizenv.UnitDays, 3.5},
		{"bare days", "0.5", bizenv.UnitDays, 0.5},
		{"working days", "30个工作日", bizenv.UnitWorkingDays, 30},
		{"working days short", "1工作日", bizenv.UnitWorkingDays, 1},
		{"count 个", "12个", bizenv.UnitCount, 12},
		{"count 件", "0件", bizenv.UnitCount, 0},
		{"count 家", "256家", bizenv.UnitCount, 256},
		{"count 户", "3户", bizenv.UnitCount, 3},
		{"items 项", "5项", bizenv.UnitItems, 5},
		{"steps 个", "2个", bizenv.UnitSteps, 2},
		{"rank 位", "15位", bizenv.UnitRank, 15},
		{"rank 名", "3名", bizenv.UnitRank, 3},
		{"ordinal rank", "第15位", bizenv.UnitRank, 15},
		{"ordinal rank 名", "第1名", bizenv.UnitRank, 1},
		{"ordinal rank bare", "第2", bizenv.UnitRank, 2},
		{"score", "95.5分", bizenv.UnitScore, 95.5},
		{"negative score", "-2.5", bizenv.UnitScore, -2.5},
		{"plus sign", "+12", bizenv.UnitCount, 12},
		{"negative zero", "-0", bizenv.UnitCount, 0},
		{"leading point", ".5", bizenv.UnitRatio, 0.5},
		{"trailing point", "12.", bizenv.UnitCount, 12},
		{"exponent", "1.5e3", bizenv.UnitYuan, 1500},
		{"exponent with suffix", "1.5E-1万元", bizenv.UnitYuan, 1500},
		{"spaces", "  42 ", bizenv.UnitCount, 42},
		{"full-width space", "\u300042\u3000", bizenv.UnitCount, 42},
		{"unicode minus", "\u22121.5", bizenv.UnitScore, -1.5},
		{"largest score", "-1000000", bizenv.UnitScore, -1e6},
		{"largest rank", "100000", bizenv.UnitRank, 100000},
		{"largest count", "1e12", bizenv.UnitCount, 1e12},
		{"largest yuan", "10,000,000亿元", bizenv.UnitYuan, 1e15},
		{"century of days", "36500天", bizenv.UnitDays, 36500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, present, err := ingest.ParseValue(tt.in, tt.unit)
			if err != nil {
				t.Fatalf("ParseValue(%q, %s): %v", tt.in, tt.unit, err)
			}
			if !present {
				t.Fatalf("ParseValue(%q, %s): not present", tt.in, tt.unit)
			}
			if got != tt.want {
				t.Errorf("ParseValue(%q, %s) = %v, want exactly %v", tt.in, tt.unit, got, tt.want)
			}
		})
	}
}

func TestParseValueAbsent(t *testing.T) {
	for _, in := range []string{"", "  ", "\u3000", "—", "——", "-", "--", "－", "－－", "/", "//", "／", "／／", " — "} {
		t.Run(in, func(t *testing.T) {
			got, present, err := ingest.ParseValue(in, bizenv.UnitRatio)
			if err != nil || present || got != 0 {
				t.Errorf("ParseValue(%q) = %v, %v, %v; want 0, false, nil", in, got, present, err)
			}
			if !ingest.IsAbsent(in) {
				t.Errorf("IsAbsent(%q) = false", in)
			}
		})
	}
}

func TestParseValueErrors(t *testing.T) {
	// reason is what the error says after `value "in" for unit unit: `.
	tests := []struct{ name, in, unit, reason string }{
		{"words", "abc", bizenv.UnitCount, `not a number`},
		{"sign only", "+", bizenv.UnitCount, `not a number`},
		{"point only", ".", bizenv.UnitCount, `not a number`},
		{"two points", "1.2.3", bizenv.UnitCount, `not a number`},
		{"two numbers", "12 34", bizenv.UnitCount, `not a number`},
		{"bad grouping", "1,23", bizenv.UnitCount, `not a number`},
		{"grouping too wide", "1234,567", bizenv.UnitCount, `not a number`},
		{"leading comma", ",123", bizenv.UnitCount, `not a number`},
		{"chinese comma list", "1，2", bizenv.UnitCount, `not a number`},
		{"NaN", "NaN", bizenv.UnitScore, `not a number`},
		{"Inf", "Inf", bizenv.UnitScore, `not a number`},
		{"overflow", "1e999", bizenv.UnitScore, `out of range`},
		{"huge exponent", "1e99999999999999999999", bizenv.UnitScore, `not a number`},
		{"placeholder with suffix", "—%", bizenv.UnitRatio, `not a number`},
		{"unknown suffix", "12abc", bizenv.UnitCount, `unknown suffix "abc"`},
		{"bare 万", "12万", bizenv.UnitYuan, `unknown suffix "万"`},
		{"wan yuan for ratio", "80019.85万元", bizenv.UnitRatio, `suffix 万元 does not fit unit ratio`},
		{"percent for count", "12%", bizenv.UnitCount, `suffix % does not fit unit count`},
		{"days for working days", "3天", bizenv.UnitWorkingDays, `suffix 天 does not fit unit working_days`},
		{"working days for days", "3个工作日", bizenv.UnitDays, `suffix 个工作日 does not fit unit days`},
		{"个 for rank", "3个", bizenv.UnitRank, `suffix 个 does not fit unit rank`},
		{"分 for ratio", "95分", bizenv.UnitRatio, `suffix 分 does not fit unit ratio`},
		{"ordinal for score", "第3", bizenv.UnitScore, `prefix 第 does not fit unit score`},
		{"ratio above 1", "12.5", bizenv.UnitRatio, `12.5 is outside [0,1]: did you mean 12.5%?`},
		{"ratio above 100", "101", bizenv.UnitRatio, `101 is outside [0,1]`},
		{"percent above 100", "125%", bizenv.UnitRatio, `1.25 is outside [0,1]`},
		{"negative ratio", "-0.1", bizenv.UnitRatio, `-0.1 is outside [0,1]`},
		{"negative count", "-1", bizenv.UnitCount, `must not be negative`},
		{"negative steps", "-2个", bizenv.UnitSteps, `must not be negative`},
		{"negative items", "-5", bizenv.UnitItems, `must not be negative`},
		{"negative yuan", "-1.5万元", bizenv.UnitYuan, `must not be negative`},
		{"negative days", "-3天", bizenv.UnitDays, `must not be negative`},
		{"negative working days", "-3", bizenv.UnitWorkingDays, `must not be negative`},
		{"rank zero", "0", bizenv.UnitRank, `must be at least 1`},
		{"rank negative", "-3", bizenv.UnitRank, `must be at least 1`},
		{"rank fraction", "2.5", bizenv.UnitRank, `must be a whole number`},
		{"unknown unit", "1", "percent", `unknown unit`},
		// Magnitudes no indicator of the unit can have, and fractions of
		// whole things.
		{"huge score", "1e308", bizenv.UnitScore, `must be at most 1000000`},
		{"huge negative score", "-1e308", bizenv.UnitScore, `must be at least -1000000`},
		{"score just above", "1000000.5分", bizenv.UnitScore, `must be at most 1000000`},
		{"rank too high", "100001", bizenv.UnitRank, `must be at most 100000`},
		{"huge count", "1e13", bizenv.UnitCount, `must be at most 1000000000000`},
		{"count fraction", "1.5", bizenv.UnitCount, `must be a whole number`},
		{"steps fraction", "2.5个", bizenv.UnitSteps, `must be a whole number`},
		{"items fraction", "0.5项", bizenv.UnitItems, `must be a whole number`},
		{"too many steps", "1001", bizenv.UnitSteps, `must be at most 1000`},
		{"too many items", "2e9", bizenv.UnitItems, `must be at most 1000000000`},
		{"days over a century", "36501天", bizenv.UnitDays, `must be at most 36500`},
		{"working days over a century", "1e5", bizenv.UnitWorkingDays, `must be at most 36500`},
		{"huge yuan", "1e308", bizenv.UnitYuan, `must be at most 1000000000000000`},
		{"huge yi yuan", "10000001亿元", bizenv.UnitYuan, `must be at most 1000000000000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, present, err := ingest.ParseValue(tt.in, tt.unit)
			wantError(t, err, bizenv.EINVALID, fmt.Sprintf("value %q for unit %s: %s", tt.in, tt.unit, tt.reason))
			if present {
				t.Errorf("ParseValue(%q, %s): present with an error", tt.in, tt.unit)
			}
		})
	}
}
