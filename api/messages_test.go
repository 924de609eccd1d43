package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// TestChineseErrorMessages: the errors a user meets most, a bad query
// parameter, an unknown name, a missing token, a path the API does not
// serve, each read in Chinese of their own, not a generic Chinese lead
// before the English message.
func TestChineseErrorMessages(t *testing.T) {
	e := newEnv(t)
	// A path the API does not serve has no route for e.do to check.
	unrouted := func(path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	for _, tc := range []struct {
		name   string
		send   func() (int, []byte)
		status int
		zh     string
	}{
		{"bad period", func() (int, []byte) { return e.get("/api/v1/reports/monthly?period=last-month") }, 400,
			"参数 period：期间“last-month”无法识别：应为 2020-06、2020/6、2020年6月 或 202006 的形式"},
		{"month out of range", func() (int, []byte) {
			return e.get("/api/v1/series?indicator=city_assessment_rank&entity=wuhan-edz&from=2020-13")
		}, 400, "参数 from：期间“2020-13”无效：月份应为 1 至 12"},
		{"missing parameters", func() (int, []byte) { return e.get("/api/v1/series?indicator=city_assessment_rank") }, 400,
			"缺少参数：indicator（指标）和 entity（单位）均须填写"},
		{"unknown indicator", func() (int, []byte) {
			return e.get("/api/v1/rankings?period=2020-07&indicator=" + url.QueryEscape("幸福指数"))
		}, 404, "未知指标“幸福指数”：请使用指标代码、中文名称或别名"},
		{"bad limit", func() (int, []byte) { return e.get("/api/v1/rejects?limit=0") }, 400,
			"参数 limit 的值“0”无效：应为 1 至 10000 之间的整数"},
		{"missing token", func() (int, []byte) { return e.post("/api/v1/observations", "", "application/json", []byte("[]")) }, 401,
			"此请求需要令牌：请在请求头中加上 Authorization: Bearer <令牌>"},
		{"unknown token", func() (int, []byte) {
			return e.post("/api/v1/observations", "not-a-token-0123456789", "application/json", []byte("[]"))
		}, 401, "令牌无效或已被吊销"},
		{"not an array", func() (int, []byte) {
			return e.post("/api/v1/observations", analystToken, "application/json", []byte("{}"))
		}, 400,
			"请求体应为观测值的 JSON 数组"},
		{"unknown path", func() (int, []byte) { return unrouted("/api/v1/nothing") }, 404,
			"没有此接口：GET /api/v1/nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.send()
			var got struct {
				Error struct {
					MessageZH string `json:"message_zh"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%d %s: %v", status, body, err)
			}
			if status != tc.status || got.Error.MessageZH != tc.zh {
				t.Errorf("got %d %q, want %d %q", status, got.Error.MessageZH, tc.status, tc.zh)
			}
		})
	}
}
