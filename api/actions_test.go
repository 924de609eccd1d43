package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// withLedger serves the ledger on the test database, its clock at now.
func withLedger(now time.Time) option {
	return func(c *api.Config) {
		c.Actions = postgres.NewActionStore(c.Store.(*postgres.DB), func() time.Time { return now })
	}
}

func (e *env) patchJSON(path, token string, v any) (int, []byte) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest("PATCH", e.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func TestActions(t *testing.T) {
	// 2022-01-01 00:30 in Shanghai, still 2021-12-31 in UTC.
	e := newEnv(t, withLedger(time.Date(2021, 12, 31, 16, 30, 0, 0, time.UTC)))
	action := map[string]any{"id": "XC2021-18", "problem": "好差评推送率偏低", "measure": "开通好差评功能", "origin": "巡察反馈",
		"entity": "wuhan-edz", "owner": "edz-dev-reform", "indicators": []string{"review_push_rate"},
		"opened": "2021-09-02", "due": "2021-12-31", "status": "in_progress"}

	status, body := e.postJSON("/api/v1/actions", "", action)
	wantError(t, status, body, http.StatusUnauthorized, bizenv.EUNAUTHORIZED)

	status, body = e.postJSON("/api/v1/actions", analystToken, action)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	if a := decode[bizenv.Action](t, body); a.ChangedBy != "analyst" || !a.Overdue || a.DaysOverdue != 1 {
		t.Errorf("created: got %+v", a)
	}
	status, body = e.postJSON("/api/v1/actions", analystToken, action)
	wantError(t, status, body, http.StatusConflict, bizenv.ECONFLICT)
	bad := map[string]any{"problem": "p", "entity": "wuhan-edz", "owner": "edz-nowhere"}
	status, body = e.postJSON("/api/v1/actions", analystToken, bad)
	wantError(t, status, body, http.StatusBadRequest, bizenv.EINVALID)

	status, body = e.get("/api/v1/actions?overdue=true&owner=edz-dev-reform")
	if got := decode[struct{ Actions []bizenv.Action }](t, body).Actions; status != 200 || len(got) != 1 || got[0].ID != "XC2021-18" {
		t.Errorf("overdue: %d %s", status, body)
	}
	status, body = e.get("/api/v1/actions?overdue=true&owner=" + url.QueryEscape("区发改局") + "&entity=" + url.QueryEscape("经开区"))
	if got := decode[struct{ Actions []bizenv.Action }](t, body).Actions; status != 200 || len(got) != 1 || got[0].ID != "XC2021-18" {
		t.Errorf("by names: %d %s", status, body)
	}
	byName := map[string]any{"id": "XC2021-20", "problem": "办件量偏低", "entity": "经开区", "owner": "区发改局",
		"indicators": []string{"办件量", "排名"}, "opened": "2021-09-02", "status": "open"}
	status, body = e.postJSON("/api/v1/actions", analystToken, byName)
	if a := decode[bizenv.Action](t, body); status != http.StatusCreated || a.Owner != "edz-dev-reform" || a.Entity != "wuhan-edz" ||
		strings.Join(a.Indicators, ",") != "ywtb_case_volume,city_assessment_rank" {
		t.Errorf("create by names: %d %s", status, body)
	}
	status, body = e.get("/api/v1/actions?owner=" + url.QueryEscape("火星局"))
	wantError(t, status, body, http.StatusNotFound, bizenv.ENOTFOUND)
	status, body = e.get("/api/v1/actions?status=已销号")
	if got := decode[struct{ Actions []bizenv.Action }](t, body).Actions; status != 200 || len(got) != 0 {
		t.Errorf("done: %d %s", status, body)
	}

	// Closing needs a closing date.
	status, body = e.patchJSON("/api/v1/actions/XC2021-18", scriptToken, map[string]any{"status": "done"})
	wantError(t, status, body, http.StatusBadRequest, bizenv.EINVALID)
	status, body = e.patchJSON("/api/v1/actions/XC2021-18", "", map[string]any{"note": "x"})
	wantError(t, status, body, http.StatusUnauthorized, bizenv.EUNAUTHORIZED)
	status, body = e.patchJSON("/api/v1/actions/nope", scriptToken, map[string]any{"note": "x"})
	wantError(t, status, body, http.StatusNotFound, bizenv.ENOTFOUND)

	status, body = e.patchJSON("/api/v1/actions/XC2021-18", scriptToken,
		map[string]any{"due": "2022-03-31", "note": "已协调行政审批局开通", "note_date": "2021-12-30"})
	if status != http.StatusOK {
		t.Fatalf("patch: %d %s", status, body)
	}
	a := decode[bizenv.Action](t, body)
	if a.Overdue || a.ChangedBy != "script" || a.Due.String() != "2022-03-31" || len(a.Notes) != 1 ||
		a.Notes[0].Author != "script" || a.Notes[0].Date.String() != "2021-12-30" {
		t.Errorf("patched: got %+v", a)
	}
	status, body = e.patchJSON("/api/v1/actions/XC2021-18", scriptToken, map[string]any{"status": "done", "closed": "2021-12-31"})
	if status != http.StatusOK {
		t.Fatalf("close: %d %s", status, body)
	}
	status, body = e.get("/api/v1/actions/XC2021-18")
	a = decode[bizenv.Action](t, body)
	if status != 200 || a.Status != bizenv.ActionDone || a.Revision != 3 || len(a.History) != 2 {
		t.Fatalf("get: %d %s", status, body)
	}
	if h := a.History[0]; h.ChangedBy != "analyst" || h.ReplacedBy != "script" || h.Action.Due.String() != "2021-12-31" {
		t.Errorf("history[0]: %+v", h)
	}
	if h := a.History[1]; h.Action.Status != bizenv.ActionInProgress || h.Fields[0] != "status" {
		t.Errorf("history[1]: %+v", h)
	}
	status, body = e.get("/api/v1/actions/nope")
	wantError(t, status, body, http.StatusNotFound, bizenv.ENOTFOUND)
}

func TestActionsNotServed(t *testing.T) {
	e := newEnv(t)
	status, body := e.get("/api/v1/actions")
	wantError(t, status, body, http.StatusNotImplemented, bizenv.ENOTIMPLEMENTED)
}

// TestCreateActionAmbiguousName posts an action whose owner is a name two
// units go by: it is refused, naming both, and nothing is stored.
func TestCreateActionAmbiguousName(t *testing.T) {
	e := newEnv(t, withLedger(time.Date(2021, 12, 31, 16, 30, 0, 0, time.UTC)))
	pgtest.SQL(e.t, e.db).MustExec(`INSERT INTO entities (code, name_zh, name_en, kind, parent)
		VALUES ('edz-dev-reform-2', '区发改局', 'A second bureau of the same name', 'department', 'wuhan-edz')`)
	pgtest.SQL(e.t, e.db).MustExec(`INSERT INTO indicators (code, name_zh, name_en, unit, direction, category)
		VALUES ('approval_overdue_items_2', '审批超期件数', 'A second indicator of the same name', 'count', 'lower_better', 'approval')`)
	for _, tc := range []struct {
		name           string
		action         map[string]any
		message, zhMsg string
	}{
		{"owner", map[string]any{"id": "XC2021-30", "problem": "p", "entity": "wuhan-edz", "owner": "区发改局", "opened": "2021-09-02"},
			`entity "区发改局" is ambiguous: it may be edz-dev-reform or edz-dev-reform-2`, "单位“区发改局”有歧义：可能是 edz-dev-reform 或 edz-dev-reform-2"},
		{"indicator", map[string]any{"id": "XC2021-31", "problem": "p", "entity": "wuhan-edz", "owner": "edz-dev-reform",
			"indicators": []string{"审批超期件数"}, "opened": "2021-09-02"},
			`indicator "审批超期件数" is ambiguous: it may be approval_overdue_items or approval_overdue_items_2`,
			"指标“审批超期件数”有歧义：可能是 approval_overdue_items 或 approval_overdue_items_2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.postJSON("/api/v1/actions", analystToken, tc.action)
			want := map[string]any{"error": map[string]any{"code": bizenv.EINVALID, "message": tc.message, "message_zh": tc.zhMsg}}
			if got := decode[map[string]any](t, body); status != http.StatusBadRequest || !reflect.DeepEqual(got, want) {
				t.Errorf("got %d %s", status, body)
			}
			status, body = e.get("/api/v1/actions/" + tc.action["id"].(string))
			wantError(t, status, body, http.StatusNotFound, bizenv.ENOTFOUND)
		})
	}
}
