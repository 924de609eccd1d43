package ingest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/internal/golden"
	"github.com/xuri/excelize/v2"
)

// now is 2021-10-15 in China: October 2021 is the current month.
var now = time.Date(2021, 10, 15, 4, 0, 0, 0, time.UTC)

// china is the configured time zone of most tests.
var china = time.FixedZone("CST", 8*60*60)

// parseLong reads CSV text in the long format or fails the test.
func parseLong(t *testing.T, name, text string) ([]bizenv.Observation, []bizenv.Reject) {
	t.Helper()
	table := readCSV(t, name, text, ingest.ReadOptions{})
	obs, rejects, err := ingest.ParseLong(table, bizenv.DefaultCatalog(), now)
	if err != nil {
		t.Fatalf("ParseLong(%s): %v", name, err)
	}
	return obs, rejects
}

func TestParseLongGolden(t *testing.T) {
	path := filepath.Join("testdata", "long-2021-09.csv")
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	obs, rejects, _, err := ingest.ReadLongFile(path, content, "", ingest.NewValidator(bizenv.DefaultCatalog(), now))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(struct {
		Observations []bizenv.Observation `json:"observations"`
		Rejects      []bizenv.Reject      `json:"rejects"`
	}{obs, rejects}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "long-2021-09.golden.json"), append(got, '\n'))
}

func TestParseLongRejects(t *testing.T) {
	const header = "period,entity,indicator,value\n"
	tests := []struct {
		name string
		row  string
		want string
	}{
		{"unknown indicator", "2021-09,wuhan-edz,foo_bar,1", `unknown indicator "foo_bar"`},
		{"missing indicator", "2021-09,wuhan-edz,,1", "missing indicator"},
		{"unknown entity", "2021-09,经开,city_assessment_rank,1", `unknown entity "经开"`},
		{"missing entity", "2021-09,,city_assessment_rank,1", "missing entity"},
		{"bad period", "2021-13,wuhan-edz,city_assessment_rank,1", `bad period "2021-13": month must be 1..12`},
		{"period not a period", "9月,wuhan-edz,city_assessment_rank,1", `bad period "9月": want YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM`},
		{"missing period", ",wuhan-edz,city_assessment_rank,1", "missing period"},
		{"future month", "2021-11,wuhan-edz,city_assessment_rank,1", "period 2021-11 is in the future"},
		{"future year", "2031-01,wuhan-edz,city_assessment_rank,1", "period 2031-01 is in the future"},
		{"future year of annual", "2022-12,wuhan-edz,edz_index_rank,20", "period 2022-12 is in the future"},
		{"not a number", "2021-09,wuhan-edz,approval_overdue_items,三", `value "三" for count indicator approval_overdue_items: not a number`},
		{"ratio above 1", "2021-09,wuhan-edz,ywtb_online_enabled,98.5", `value "98.5" for ratio indicator ywtb_online_enabled: 98.5 is outside [0,1]: did you mean 98.5%?`},
		{"percent above 100", "2021-09,wuhan-edz,ywtb_online_enabled,100.5%", `value "100.5%" for ratio indicator ywtb_online_enabled: 1.005 is outside [0,1]`},
		{"negative ratio", "2021-09,wuhan-edz,ywtb_online_enabled,-0.5", `value "-0.5" for ratio indicator ywtb_online_enabled: -0.5 is outside [0,1]`},
		{"negative count", "2021-09,wuhan-edz,taxloan_credit_firms,-3", `value "-3" for count indicator taxloan_credit_firms: must not be negative`},
		{"negative amount", "2021-09,wuhan-edz,taxloan_credit_amount,-1.5万元", `value "-1.5万元" for yuan indicator taxloan_credit_amount: must not be negative`},
		{"negative days", "2021-09,wuhan-edz,bizstart_days,-1", `value "-1" for days indicator bizstart_days: must not be negative`},
		{"rank zero", "2021-09,wuhan-edz,city_assessment_rank,0", `value "0" for rank indicator city_assessment_rank: must be at least 1`},
		{"rank fraction", "2021-09,wuhan-edz,city_assessment_rank,2.5", `value "2.5" for rank indicator city_assessment_rank: must be a whole number`},
		{"suffix for another unit", "2021-09,wuhan-edz,ywtb_online_enabled,80019.85万元", `value "80019.85万元" for ratio indicator ywtb_online_enabled: suffix 万元 does not fit unit ratio`},
		{"days for working days", "2021-09,wuhan-edz,property_reg_days,3天", `value "3天" for working_days indicator property_reg_days: suffix 天 does not fit unit working_days`},
		{"unknown suffix", "2021-09,wuhan-edz,sme_loan_approved_amount,35万", `value "35万" for yuan indicator sme_loan_approved_amount: unknown suffix "万"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs, rejects := parseLong(t, "in.csv", "title\n"+header+tt.row+"\n")
			if len(obs) != 0 {
				t.Errorf("observations = %+v, want none", obs)
			}
			want := []bizenv.Reject{{File: "in.csv", Line: 3, Record: tt.row, Reason: tt.want}}
			if !reflect.DeepEqual(withoutCodes(rejects), want) {
				t.Errorf("rejects:\n got %+v\nwant %+v", rejects, want)
			}
		})
	}
}

func TestParseLongAccepts(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []bizenv.Observation
	}{
		{
			name: "columns in any order, source defaults to the file name",
			text: "value,indicator,entity,period\n66.67%,ywtb_online_enabled,wuhan-edz,2021/9\n",
			want: []bizenv.Observation{{Indicator: "ywtb_online_enabled", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 9}, Value: 0.6667, Source: "in.csv"}},
		},
		{
			name: "source and note, header in capitals with spaces",
			text: " Note ,SOURCE,Period,Entity,Indicator,Value\n 口径调整 , 市营商办 ,2021-09,wuhan-edz,city_assessment_score,95.5分\n",
			want: []bizenv.Observation{{Indicator: "city_assessment_score", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 9}, Value: 95.5, Source: "市营商办", Note: "口径调整"}},
		},
		{
			name: "current month in China, though still September in UTC",
			text: "period,entity,indicator,value\n2021-10,wuhan-edz,city_assessment_rank,2\n",
			want: []bizenv.Observation{{Indicator: "city_assessment_rank", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 10}, Value: 2, Source: "in.csv"}},
		},
		{
			name: "annual indicator at December of the current year",
			text: "period,entity,indicator,value\n2021-12,wuhan-edz,edz_index_rank,第20位\n",
			want: []bizenv.Observation{{Indicator: "edz_index_rank", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 12}, Value: 20, Source: "in.csv"}},
		},
		{
			name: "placeholders, empty values and blank rows are skipped",
			text: "period,entity,indicator,value\n2021-09,wuhan-edz,city_assessment_rank,—\n,,,\n\n2021-09,wuhan-edz,bizstart_days,\n2021-09,wuhan-edz,bizstart_steps,／\n2021-12,wuhan-edz,bizstart_steps,－－\n",
			want: nil,
		},
		{
			name: "short rows read missing cells as empty",
			text: "period,entity,indicator,value,note\n2021-09,wuhan-edz,bizstart_steps,2\n",
			want: []bizenv.Observation{{Indicator: "bizstart_steps", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 9}, Value: 2, Source: "in.csv"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A collector passes now in the configured zone, China's here;
			// 2021-09-30T17:00Z is already October there.
			table := readCSV(t, "in.csv", tt.text, ingest.ReadOptions{})
			lateSeptemberUTC := time.Date(2021, 9, 30, 17, 0, 0, 0, time.UTC)
			obs, rejects, err := ingest.ParseLong(table, bizenv.DefaultCatalog(), lateSeptemberUTC.In(china))
			if err != nil {
				t.Fatal(err)
			}
			if len(rejects) != 0 {
				t.Errorf("rejects = %+v, want none", rejects)
			}
			if !reflect.DeepEqual(obs, tt.want) {
				t.Errorf("observations:\n got %+v\nwant %+v", obs, tt.want)
			}
		})
	}
}

func TestParseLongFutureAtMonthEndInChina(t *testing.T) {
	table := readCSV(t, "in.csv", "period,entity,indicator,value\n2021-10,wuhan-edz,city_assessment_rank,2\n", ingest.ReadOptions{})
	// 2021-09-30T15:59Z is 23:59 on 30 September in China.
	_, rejects, err := ingest.ParseLong(table, bizenv.DefaultCatalog(), time.Date(2021, 9, 30, 15, 59, 0, 0, time.UTC).In(china))
	if err != nil {
		t.Fatal(err)
	}
	if len(rejects) != 1 || rejects[0].Reason != "period 2021-10 is in the future" {
		t.Errorf("rejects = %+v, want 2021-10 in the future", rejects)
	}
}

func TestParseLongDuplicates(t *testing.T) {
	text := "period,entity,indicator,value\n" +
		"2021-09,wuhan-edz,city_assessment_rank,5\n" + // line 2
		"2021-09,wuhan-edz,city_assessment_score,95\n" +
		"2021/9,wuhan-edz,city_assessment_rank,第5名\n" + // same value, other forms: kept once
		"2021-09,wuhan-edz,city_assessment_rank,6\n" + // line 5: conflicts with line 2
		"2021-09,wuhan-avg,city_assessment_rank,6\n" + // another entity
		"2021-08,wuhan-edz,city_assessment_rank,6\n" // another period
	obs, rejects := parseLong(t, "dup.csv", text)
	var got []string
	for _, o := range obs {
		got = append(got, o.Period.String()+" "+o.Entity+" "+o.Indicator)
	}
	want := []string{
		"2021-09 wuhan-edz city_assessment_rank",
		"2021-09 wuhan-edz city_assessment_score",
		"2021-09 wuhan-avg city_assessment_rank",
		"2021-08 wuhan-edz city_assessment_rank",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("observations:\n got %q\nwant %q", got, want)
	}
	wantRejects := []bizenv.Reject{{
		File: "dup.csv", Line: 5, Record: "2021-09,wuhan-edz,city_assessment_rank,6",
		Reason: "duplicate of line 2 with a different value",
	}}
	if !reflect.DeepEqual(withoutCodes(rejects), wantRejects) {
		t.Errorf("rejects:\n got %+v\nwant %+v", rejects, wantRejects)
	}
}

// An XLSX file in the long format, under a merged title, with a ratio
// formatted as a percentage and a period formatted as a date.
func TestParseLongXLSX(t *testing.T) {
	data := workbook(t, "数据", func(f *excelize.File) {
		const s = "数据"
		must(t, f.SetCellValue(s, "A1", "2021年9月经开区指标"))
		must(t, f.MergeCell(s, "A1", "D1"))
		must(t, f.SetSheetRow(s, "A2", &[]any{"period", "entity", "indicator", "value"}))
		must(t, f.SetSheetRow(s, "A3", &[]any{44440, "wuhan-edz", "ywtb_online_enabled", 0.66666}))
		must(t, f.SetSheetRow(s, "A4", &[]any{"2021-09", nil, "ywtb_full_online", "１２０％"}))
		must(t, f.MergeCell(s, "B3", "B4"))
		must(t, f.SetCellStyle(s, "A3", "A3", style(t, f, 0, "yyyy-mm")))
		must(t, f.SetCellStyle(s, "D3", "D3", style(t, f, 10, "")))
	})
	table, err := ingest.ReadTable("指标.xlsx", bytes.NewReader(data), ingest.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obs, rejects, err := ingest.ParseLong(table, bizenv.DefaultCatalog(), now)
	if err != nil {
		t.Fatal(err)
	}
	wantObs := []bizenv.Observation{{Indicator: "ywtb_online_enabled", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 9}, Value: 0.66666, Source: "指标.xlsx"}}
	if !reflect.DeepEqual(obs, wantObs) {
		t.Errorf("observations:\n got %+v\nwant %+v", obs, wantObs)
	}
	wantRejects := []bizenv.Reject{{
		File: "指标.xlsx", Line: 4, Record: "2021-09,wuhan-edz,ywtb_full_online,１２０％",
		Reason: `value "１２０％" for ratio indicator ywtb_full_online: 1.2 is outside [0,1]`,
	}}
	if !reflect.DeepEqual(withoutCodes(rejects), wantRejects) {
		t.Errorf("rejects:\n got %+v\nwant %+v", rejects, wantRejects)
	}
}

func TestValidatorCheck(t *testing.T) {
	v := ingest.NewValidator(bizenv.DefaultCatalog(), now)
	record := ingest.Record{File: `C:\uploads\api.json`, Line: 1, Raw: `{"value":"3"}`, Period: "2021-09", Entity: "wuhan-edz", Indicator: "bizstart_steps", Value: "3"}
	obs, ok, reject := v.Check(record)
	want := bizenv.Observation{Indicator: "bizstart_steps", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 9}, Value: 3, Source: "api.json"}
	if !ok || reject != nil || obs != want {
		t.Fatalf("Check = %+v, %v, %+v; want %+v", obs, ok, reject, want)
	}

	t.Run("same value again is skipped", func(t *testing.T) {
		again := record
		again.File, again.Line, again.Value = "other.json", 7, "3个"
		if obs, ok, reject := v.Check(again); ok || reject != nil {
			t.Errorf("Check = %+v, %v, %+v; want skipped", obs, ok, reject)
		}
	})
	t.Run("a different value from another file names it", func(t *testing.T) {
		other := record
		other.File, other.Line, other.Value = "other.json", 8, "4"
		_, ok, reject := v.Check(other)
		want := &bizenv.Reject{File: "other.json", Line: 8, Record: `{"value":"3"}`, Reason: `duplicate of C:\uploads\api.json line 1 with a different value`}
		if ok || reject == nil || !reflect.DeepEqual(withoutCodes([]bizenv.Reject{*reject})[0], *want) {
			t.Errorf("Check = %v, %+v; want %+v", ok, reject, want)
		}
	})
	t.Run("absent value is skipped before any other check", func(t *testing.T) {
		blank := ingest.Record{Indicator: "nonsense", Value: "—"}
		if obs, ok, reject := v.Check(blank); ok || reject != nil {
			t.Errorf("Check = %+v, %v, %+v; want skipped", obs, ok, reject)
		}
	})
	t.Run("codes are trimmed", func(t *testing.T) {
		spaced := ingest.Record{Period: " 2021-08 ", Entity: "\u3000wuhan-edz ", Indicator: " bizstart_steps", Value: "2", Source: " 市场监管局 "}
		obs, ok, reject := v.Check(spaced)
		want := bizenv.Observation{Indicator: "bizstart_steps", Entity: "wuhan-edz", Period: bizenv.Period{Year: 2021, Month: 8}, Value: 2, Source: "市场监管局"}
		if !ok || reject != nil || obs != want {
			t.Errorf("Check = %+v, %v, %+v; want %+v", obs, ok, reject, want)
		}
	})
	t.Run("case matters in codes", func(t *testing.T) {
		_, ok, reject := v.Check(ingest.Record{Period: "2021-08", Entity: "WUHAN-EDZ", Indicator: "bizstart_steps", Value: "2"})
		if ok || reject == nil || reject.Reason != `unknown entity "WUHAN-EDZ"` {
			t.Errorf("Check = %v, %+v; want unknown entity", ok, reject)
		}
	})
}

func TestValueErrorCode(t *testing.T) {
	_, _, err := ingest.ParseValue("abc", bizenv.UnitCount)
	if got, want := bizenv.ErrorMessage(err), `value "abc" for unit count: not a number`; got != want {
		t.Errorf("ErrorMessage = %q, want %q", got, want)
	}
	if !strings.Contains(err.Error(), "not a number") {
		t.Errorf("Error() = %q", err)
	}
}

// TestValidatorWholeNumbers: counts, steps and items are whole, except in
// an average over several entities.
func TestValidatorWholeNumbers(t *testing.T) {
	v := ingest.NewValidator(bizenv.DefaultCatalog(), now)
	for _, tc := range []struct {
		entity, indicator, value string
		reason                   string // "" when accepted
	}{
		{"wuhan-edz", "approval_overdue_items", "1.5", `value "1.5" for count indicator approval_overdue_items: must be a whole number`},
		{"wuhan-edz", "bizstart_steps", "2.5", `value "2.5" for steps indicator bizstart_steps: must be a whole number`},
		{"wuhan-edz", "property_reg_steps", "4", ""},
		{"wuhan-avg", "bizstart_steps", "3.67", ""},
		{"wuhan-avg", "approval_overdue_items", "0.2", ""},
		{"wuhan-avg", "city_assessment_rank", "7.5", `value "7.5" for rank indicator city_assessment_rank: must be a whole number`},
	} {
		t.Run(tc.entity+" "+tc.indicator, func(t *testing.T) {
			_, ok, reject := v.Check(ingest.Record{Period: "2021-08", Entity: tc.entity, Indicator: tc.indicator, Value: tc.value})
			switch {
			case tc.reason == "" && (!ok || reject != nil):
				t.Errorf("Check = %v, %+v; want accepted", ok, reject)
			case tc.reason != "" && (ok || reject == nil || reject.Reason != tc.reason):
				t.Errorf("Check = %v, %+v; want rejected: %s", ok, reject, tc.reason)
			}
		})
	}
}

// TestValidatorMonthInConfiguredZone: the current month is read in the
// time zone now is given in, the configured one, not always China's.
func TestValidatorMonthInConfiguredZone(t *testing.T) {
	instant := time.Date(2021, 9, 30, 16, 30, 0, 0, time.UTC) // 1 October 00:30 in China
	record := ingest.Record{File: "in.csv", Line: 2, Period: "2021-10", Entity: "wuhan-edz", Indicator: "city_assessment_rank", Value: "2"}
	for _, tc := range []struct {
		name   string
		zone   *time.Location
		reject string
	}{
		{"China", china, ""},
		{"UTC", time.UTC, "period 2021-10 is in the future"},
		{"New York", time.FixedZone("EDT", -4*60*60), "period 2021-10 is in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := ingest.NewValidator(bizenv.DefaultCatalog(), instant.In(tc.zone))
			_, ok, reject := v.Check(record)
			switch {
			case tc.reject == "" && !ok:
				t.Errorf("got %+v, want 2021-10 accepted", reject)
			case tc.reject != "" && (reject == nil || reject.Reason != tc.reject):
				t.Errorf("got ok %v, reject %+v; want %q", ok, reject, tc.reject)
			}
		})
	}
}

// withoutCodes returns rejects without their codes and Chinese reasons, for
// the tests of English reasons; TestRejectReasons checks the others.
func withoutCodes(rejects []bizenv.Reject) []bizenv.Reject {
	out := make([]bizenv.Reject, len(rejects))
	for i, r := range rejects {
		r.Code, r.ReasonZH = "", ""
		out[i] = r
	}
	return out
}
