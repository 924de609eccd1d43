package api_test

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/bizenv/bizenv"
)

// TestQueryByName asks for series, rankings, the report and the breakdown by code,
// name_zh and alias: each name gets the answer the code gets.
func TestQueryByName(t *testing.T) {
	e := newEnv(t)
	e.seed(
		obs{"period": "2020-06", "entity": "经开区", "indicator": "排名", "value": 8, "source": "市通报", "note": "首次通报"},
		obs{"period": "2020-07", "entity": "车谷", "indicator": "考核排名", "value": "第9位", "source": "synthetic"},
		obs{"period": "2020-07", "entity": "江岸区", "indicator": "全市营商环境考核排名", "value": 3},
		obs{"period": "2020-06", "entity": "经开区", "indicator": "得分", "value": 86},
		obs{"period": "2020-07", "entity": "经开区", "indicator": "得分", "value": 85.5},
	)
	status, body := e.get("/api/v1/series?indicator=city_assessment_rank&entity=wuhan-edz")
	want := decode[series](t, body)
	if status != 200 || len(want.Data) != 2 || want.Data[0].Source != "市通报" || want.Data[0].Note != "首次通报" || want.Data[1].Source != "synthetic" {
		t.Fatalf("by code: %d %s", status, body)
	}
	for _, q := range []struct{ indicator, entity string }{
		{"排名", "经开区"},
		{"全市营商环境考核排名", "武汉经开区（汉南区）"},
		{"考核排名", "车谷"},
		{"city_assessment_rank", "汉南区"},
	} {
		status, body := e.get("/api/v1/series?indicator=" + url.QueryEscape(q.indicator) + "&entity=" + url.QueryEscape(q.entity))
		if got := decode[series](t, body); status != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s/%s: got %d %s", q.indicator, q.entity, status, body)
		}
	}

	type ranking struct {
		Indicator string
		Data      []struct{ Entity string }
	}
	_, body = e.get("/api/v1/rankings?indicator=city_assessment_rank&period=2020-07&entity=wuhan-edz")
	wantRank := decode[ranking](t, body)
	if len(wantRank.Data) != 2 {
		t.Fatalf("rankings by code: %s", body)
	}
	status, body = e.get("/api/v1/rankings?indicator=" + url.QueryEscape("排名") + "&period=2020-07&entity=" + url.QueryEscape("经开区"))
	if got := decode[ranking](t, body); status != 200 || !reflect.DeepEqual(got, wantRank) {
		t.Errorf("rankings by name: got %d %s", status, body)
	}

	_, byCode := e.get("/api/v1/reports/monthly?period=2020-07&entity=wuhan-edz")
	status, byName := e.get("/api/v1/reports/monthly?period=2020-07&entity=" + url.QueryEscape("车谷"))
	if status != 200 || string(byName) != string(byCode) {
		t.Errorf("report by alias: got %d %s", status, byName)
	}

	status, byCode = e.get("/api/v1/breakdown?indicator=city_assessment_score&period=2020-07&entity=wuhan-edz")
	if status != 200 {
		t.Fatalf("breakdown by code: got %d %s", status, byCode)
	}
	status, byName = e.get("/api/v1/breakdown?indicator=" + url.QueryEscape("考核得分") + "&period=" + url.QueryEscape("2020年7月") + "&entity=" + url.QueryEscape("车谷"))
	if status != 200 || string(byName) != string(byCode) {
		t.Errorf("breakdown by name and alias: got %d %s, want %s", status, byName, byCode)
	}

	for _, tc := range []struct {
		name, query          string
		status               int
		code, message, zhMsg string
	}{
		{"unknown name", "indicator=" + url.QueryEscape("排名") + "&entity=" + url.QueryEscape("江岸"), 404, bizenv.ENOTFOUND,
			`unknown entity "江岸"`, "未知单位“江岸”：请使用单位代码、中文名称或别名"},
		{"unknown indicator", "indicator=" + url.QueryEscape("营商排名") + "&entity=wuhan-edz", 404, bizenv.ENOTFOUND,
			`unknown indicator "营商排名"`, "未知指标“营商排名”：请使用指标代码、中文名称或别名"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.get("/api/v1/series?" + tc.query)
			got := decode[struct {
				Error struct {
					Code, Message string
					MessageZH     string `json:"message_zh"`
				}
			}](t, body)
			if status != tc.status || got.Error.Code != tc.code || got.Error.Message != tc.message || got.Error.MessageZH != tc.zhMsg {
				t.Errorf("got %d %s", status, body)
			}
		})
	}
}

// TestWriteRejectMessages posts a ratio written as 95: the answer and the
// stored reject carry the reason's code and both messages.
func TestWriteRejectMessages(t *testing.T) {
	e := newEnv(t)
	status, body := e.postJSON("/api/v1/observations", analystToken, []obs{
		{"period": "2020-10", "entity": "经开区", "indicator": "办件量", "value": 95},
	})
	type reject struct {
		Code, Reason, Message string
		MessageZH             string `json:"message_zh"`
	}
	got := decode[struct {
		Error   struct{ Code, Message, MessageZH string }
		Results []reject
		Rejects []reject
	}](t, body)
	want := reject{
		Code:      "ratio_as_percent",
		Reason:    `value "95" for ratio indicator ywtb_case_volume: 95 is outside [0,1]: did you mean 95%?`,
		Message:   `value "95" for ratio indicator ywtb_case_volume: 95 is outside [0,1]: did you mean 95%?`,
		MessageZH: "指标“一网通办办件量成效”（比率）的数值“95”：95 不在 [0,1] 之间：是否为 95%？",
	}
	if status != 400 || len(got.Rejects) != 1 || got.Rejects[0] != want || len(got.Results) != 1 || got.Results[0] != want {
		t.Errorf("got %d %s", status, body)
	}
	_, body = e.get("/api/v1/rejects?file=api")
	stored := decode[struct{ Rejects []reject }](t, body)
	if len(stored.Rejects) != 1 || stored.Rejects[0] != want {
		t.Errorf("stored: %s", body)
	}
}
