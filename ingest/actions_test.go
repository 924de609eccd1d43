package ingest_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

const ledgerHeader = "编号,问题,整改措施,来源,责任单位,责任人,关联指标,开始日期,完成时限,状态,销号日期,进展\n"

func TestLedgerFile(t *testing.T) {
	text := "区发改局巡察整改台账\n" + ledgerHeader +
		"XC2021-18,好差评推送率偏低,开通好差评功能,巡察反馈,区发改局,张三,好差评评价推送率、hotline_answer_rate,2021/9/2,2021年12月31日,已销号,2021-11-30,已开通\n" +
		"XC2021-19,充电桩少,加快建设,巡察反馈,edz-construction,,,2021-09-02,,常态化,,\n"
	l := ingest.LedgerFile("ledger.csv", []byte(text), "", bizenv.DefaultCatalog(), map[string]string{})
	if len(l.Rejects) > 0 {
		t.Fatalf("rejects: %v", l.Rejects)
	}
	want := []bizenv.Action{{
		ID: "XC2021-18", Problem: "好差评推送率偏低", Measure: "开通好差评功能", Origin: "巡察反馈",
		Entity: "wuhan-edz", Owner: "edz-dev-reform", Responsible: "张三",
		Indicators: []string{"review_push_rate", "hotline_answer_rate"},
		Opened:     bizenv.Date{Year: 2021, Month: 9, Day: 2}, Due: bizenv.Date{Year: 2021, Month: 12, Day: 31},
		Status: bizenv.ActionDone, Closed: bizenv.Date{Year: 2021, Month: 11, Day: 30},
	}, {
		ID: "XC2021-19", Problem: "充电桩少", Measure: "加快建设", Origin: "巡察反馈",
		Entity: "wuhan-edz", Owner: "edz-construction", Indicators: []string{},
		Opened: bizenv.Date{Year: 2021, Month: 9, Day: 2}, Status: bizenv.ActionOngoing,
	}}
	if !reflect.DeepEqual(l.Actions, want) {
		t.Errorf("got  %+v\nwant %+v", l.Actions, want)
	}
	if got := l.Notes; !reflect.DeepEqual(got, map[string]string{"XC2021-18": "已开通"}) {
		t.Errorf("notes: got %v", got)
	}
	if got := l.Files; !reflect.DeepEqual(got, map[string]string{"XC2021-18": "ledger.csv", "XC2021-19": "ledger.csv"}) {
		t.Errorf("files: got %v", got)
	}
}

func TestLedgerFileEnglishHeaders(t *testing.T) {
	text := "id,problem,owner,opened,status,due\nA-1,p,区税务局,2021-01-05,open,2021-02-01\n"
	l := ingest.LedgerFile("en.csv", []byte(text), "", bizenv.DefaultCatalog(), map[string]string{})
	if len(l.Rejects) > 0 || len(l.Actions) != 1 || l.Actions[0].Owner != "edz-tax" || l.Actions[0].Status != bizenv.ActionOpen {
		t.Errorf("got %+v, rejects %v", l.Actions, l.Rejects)
	}
}

// Each bad row is rejected with its line, the reason's code and the reason
// in English and Chinese.
func TestLedgerFileRejects(t *testing.T) {
	for _, tc := range []struct{ name, row, want, code, zh string }{
		{"unknown unit", "X-1,p,m,巡察反馈,区外星局,,,2021-09-02,2021-12-31,整改中,,", `unknown unit "区外星局"`, "unknown_unit", "未知责任单位“区外星局”"},
		{"unknown indicator", "X-1,p,m,巡察反馈,区发改局,,幸福指数,2021-09-02,2021-12-31,整改中,,", `unknown indicator "幸福指数"`, "unknown_indicator", "未知指标“幸福指数”"},
		{"bad date", "X-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-13-01,整改中,,", `bad date "2021-13-01" in 完成时限 (due): want 2021-06-30, 2021/6/30 or 2021年6月30日`, "bad_date", "完成时限“2021-13-01”无法识别：应为 2021-06-30、2021/6/30 或 2021年6月30日"},
		{"bad opened", "X-1,p,m,巡察反馈,区发改局,,,九月,2021-12-31,整改中,,", `bad date "九月" in 开始日期 (opened): want 2021-06-30, 2021/6/30 or 2021年6月30日`, "bad_date", "开始日期“九月”无法识别：应为 2021-06-30、2021/6/30 或 2021年6月30日"},
		{"due before opened", "X-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-08-31,整改中,,", "due 2021-08-31 (完成时限) is before opened 2021-09-02 (开始日期)", "due_before_opened", "完成时限 2021-08-31 早于开始日期 2021-09-02"},
		{"unknown status", "X-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,搁置,,", `unknown status "搁置": want 未开始/待整改, 整改中/推进中, 已完成/已销号 or 常态化/长期坚持`, "unknown_status", "状态“搁置”无法识别：应为 未开始/待整改、整改中/推进中、已完成/已销号 或 常态化/长期坚持"},
		{"done without closing date", "X-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,已完成,,", "status 已完成 (done) without a closing date (销号日期)", "done_without_closed", "状态为已完成但缺少销号日期"},
		{"missing id", ",p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,整改中,,", "missing 编号 (id)", "missing_id", "缺少编号"},
		{"missing problem", "X-1,,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,整改中,,", "missing 问题 (problem)", "missing_problem", "缺少问题"},
		{"missing opened", "X-1,p,m,巡察反馈,区发改局,,,,2021-12-31,整改中,,", "missing 开始日期 (opened)", "missing_opened", "缺少开始日期"},
		{"closed but not done", "X-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,整改中,2021-10-01,", "closing date 2021-10-01 but status in_progress", "bad_action", "整改事项无效：已填写销号日期 2021-10-01，但状态为 in_progress，不是已完成"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := "G-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,整改中,,\n"
			l := ingest.LedgerFile("l.csv", []byte(ledgerHeader+good+tc.row+"\n"), "", bizenv.DefaultCatalog(), map[string]string{})
			want := []bizenv.Reject{{File: "l.csv", Line: 3, Record: tc.row, Reason: tc.want, Code: tc.code, ReasonZH: tc.zh}}
			if !reflect.DeepEqual(l.Rejects, want) {
				t.Errorf("got  %+v\nwant %+v", l.Rejects, want)
			}
			if len(l.Actions) != 1 {
				t.Errorf("good rows: got %d, want 1", len(l.Actions))
			}
		})
	}
}

func TestLedgerFileDuplicateAcrossFiles(t *testing.T) {
	seen := map[string]string{}
	row := "X-1,p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,整改中,,\n"
	ingest.LedgerFile("a.csv", []byte(ledgerHeader+row), "", bizenv.DefaultCatalog(), seen)
	l := ingest.LedgerFile("b.csv", []byte(ledgerHeader+row), "", bizenv.DefaultCatalog(), seen)
	if len(l.Rejects) != 1 || l.Rejects[0].Reason != "id X-1 given twice (first at a.csv:2)" {
		t.Errorf("got %+v", l.Rejects)
	}
}

func TestLedgerFileNoHeader(t *testing.T) {
	l := ingest.LedgerFile("l.csv", []byte("编号,问题\nX,p\n"), "", bizenv.DefaultCatalog(), map[string]string{})
	if len(l.Rejects) != 1 || l.Rejects[0].Line != 0 || l.Rejects[0].Reason != "l.csv: no header row with 编号, 问题, 责任单位, 开始日期, 状态 (line 1 lacks 责任单位, 开始日期, 状态)" {
		t.Errorf("got %+v", l.Rejects)
	}
}

// An XLSX ledger reads through the same table reader as import, dates in
// the forms Excel shows them.
func TestLedgerFileXLSX(t *testing.T) {
	content := workbook(t, "台账", func(f *excelize.File) {
		must(t, f.SetSheetRow("台账", "A1", &[]any{"编号", "问题", "责任单位", "开始日期", "完成时限", "状态", "销号日期"}))
		must(t, f.SetSheetRow("台账", "A2", &[]any{"X-1", "p", "区税务局", time.Date(2021, 9, 2, 0, 0, 0, 0, time.UTC), time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC), "已完成", time.Date(2021, 11, 30, 0, 0, 0, 0, time.UTC)}))
		must(t, f.SetCellStyle("台账", "D2", "D2", style(t, f, 14, "")))
		must(t, f.SetCellStyle("台账", "E2", "E2", style(t, f, 0, `yyyy"年"m"月"d"日"`)))
		must(t, f.SetCellStyle("台账", "G2", "G2", style(t, f, 0, "yyyy-mm-dd")))
	})
	l := ingest.LedgerFile("台账.xlsx", content, "", bizenv.DefaultCatalog(), map[string]string{})
	if len(l.Rejects) > 0 {
		t.Fatalf("rejects: %+v", l.Rejects)
	}
	a := l.Actions[0]
	if a.Opened.String() != "2021-09-02" || a.Due.String() != "2021-12-31" || a.Closed.String() != "2021-11-30" || a.Owner != "edz-tax" {
		t.Errorf("got %+v", a)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2021-06-30": "2021-06-30", "2021/6/3": "2021-06-03", "2021.6.30": "2021-06-30", "2021年6月30日": "2021-06-30",
		"２０２１－０６－３０": "2021-06-30", "06-30-21": "2021-06-30", "2021-06-30 00:00:00": "2021-06-30",
	} {
		if got, err := ingest.ParseDate(in); err != nil || got.String() != want {
			t.Errorf("ParseDate(%q): got %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"2021-02-30", "2021-13-01", "六月", "30/06/2021", "2021-06", ""} {
		if got, err := ingest.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q): got %s, want an error", bad, got)
		}
	}
}
