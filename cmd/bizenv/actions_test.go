package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

const ledgerCSV = "编号,问题,整改措施,来源,责任单位,责任人,关联指标,开始日期,完成时限,状态,销号日期,进展\n" +
	"XC-1,推送率偏低,开通好差评,巡察反馈,区发改局,,好差评评价推送率,2021-09-02,2021-10-31,整改中,,已部署\n" +
	"XC-2,充电桩少,加快建设,巡察反馈,区建设局,,,2021-09-02,,常态化,,\n" +
	"XC-3,超期审批,按时办结,巡察反馈,区发改局,,审批超期件数,2021-03-01,2021-06-30,已销号,2021-06-01,\n"

func TestActionsImportAndList(t *testing.T) {
	dsn := pgtest.DSN(t)
	bad := writeFile(t, "bad.csv", ledgerCSV+"XC-4,p,m,巡察反馈,区外星局,,,2021-09-02,2021-12-31,整改中,,\n"+
		"XC-5,p,m,巡察反馈,区发改局,,,2021-09-02,2021-12-31,已完成,,\n")
	r := runBizenv(t, dsn, "actions", "import", bad)
	if r.code() != exitRejected {
		t.Fatalf("bad file: exit %d, want 1: %v\n%s", r.code(), r.err, r.stderr)
	}
	for _, want := range []string{bad + `:5: unknown unit "区外星局"`, bad + ":6: status 已完成 (done) without a closing date (销号日期)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := runBizenv(t, dsn, "actions", "list", "--format", "json"); r.err != nil || strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("after a rejected file: got %q, %v; want nothing stored", r.stdout, r.err)
	}

	good := writeFile(t, "ledger.csv", ledgerCSV)
	if r := runBizenv(t, dsn, "actions", "import", "--actor", "wang", good); r.err != nil || !strings.Contains(r.stdout, "3 inserted, 0 updated, 0 unchanged") {
		t.Fatalf("import: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	if r := runBizenv(t, dsn, "actions", "import", good); r.err != nil || !strings.Contains(r.stdout, "0 inserted, 0 updated, 3 unchanged") {
		t.Fatalf("re-import: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	// A changed ledger: XC-1 closed. A dry run counts and stores nothing;
	// the import keeps the row as it was.
	changed := writeFile(t, "ledger-2.csv", strings.Replace(ledgerCSV, "2021-10-31,整改中,,已部署", "2021-10-31,已销号,2021-10-20,已开通", 1))
	if r := runBizenv(t, dsn, "actions", "import", "--dry-run", changed); r.err != nil || !strings.Contains(r.stdout, "0 inserted, 1 updated, 2 unchanged: dry run") {
		t.Fatalf("dry run: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = runBizenv(t, dsn, "actions", "list", "--overdue", "--format", "json")
	if !strings.Contains(r.stdout, `"id": "XC-1"`) {
		t.Fatalf("the dry run stored its change:\n%s", r.stdout)
	}
	if r := runBizenv(t, dsn, "actions", "import", "--actor", "li", changed); r.err != nil || !strings.Contains(r.stdout, "0 inserted, 1 updated, 2 unchanged: stored") {
		t.Fatalf("changed import: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = runBizenv(t, dsn, "actions", "list", "--status", "done", "--format", "json")
	var done []bizenv.Action
	if err := json.Unmarshal([]byte(r.stdout), &done); err != nil || len(done) != 2 || done[0].ID != "XC-1" || done[0].Revision != 2 || done[0].ChangedBy != "li" {
		t.Fatalf("after the changed import: %v %+v", err, done)
	}
	if r := runBizenv(t, dsn, "actions", "import", good); r.err != nil || !strings.Contains(r.stdout, "0 inserted, 1 updated, 2 unchanged") {
		t.Fatalf("back to the first ledger: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = runBizenv(t, dsn, "actions", "list", "--overdue", "--format", "json")
	var list []bizenv.Action
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.err != nil {
		t.Fatalf("list: %v %v\n%s", r.err, err, r.stdout)
	}
	if len(list) != 1 || list[0].ID != "XC-1" || !list[0].Overdue || list[0].Owner != "edz-dev-reform" {
		t.Errorf("overdue: got %+v, want XC-1 only", list)
	}
	r = runBizenv(t, dsn, "actions", "list", "--owner", "区发改局", "--status", "已销号", "--format", "csv")
	if r.err != nil || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "XC-3,edz-dev-reform,done,2021-03-01,2021-06-30,2021-06-01,false,0,approval_overdue_items") {
		t.Errorf("csv: %v\n%s", r.err, r.stdout)
	}
	r = runBizenv(t, dsn, "actions", "list")
	if r.err != nil || !strings.Contains(r.stdout, "XC-1") || !strings.Contains(r.stdout, "days") {
		t.Errorf("table: %v\n%s", r.err, r.stdout)
	}
}

func TestActionsHelp(t *testing.T) {
	for _, args := range [][]string{{"actions", "--help"}, {"actions", "import", "--help"}, {"actions", "list", "-h"}} {
		if r := runBizenv(t, "postgres://nowhere.invalid/x", args...); r.err != nil {
			t.Errorf("%v: got %v, want exit 0", args, r.err)
		}
	}
	if r := runBizenv(t, "", "actions", "list", "--status", "搁置"); r.code() != exitUsage {
		t.Errorf("bad status: exit %d, want 2", r.code())
	}
}

// The demo's ledger, loaded as make run loads it, has overdue actions to
// show.
func TestActionsDemo(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "migrate", "--catalog.file", "../../deploy/demo/units.yaml"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	if r := runBizenv(t, dsn, "actions", "import", "../../deploy/demo/actions.csv"); r.err != nil || !strings.Contains(r.stdout, "19 inserted") {
		t.Fatalf("import: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r := runBizenv(t, dsn, "actions", "list", "--overdue")
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, id := range []string{"DEMO-01", "DEMO-02", "DEMO-03", "DEMO-04"} {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("overdue list lacks %s:\n%s", id, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "XC2021-") || strings.Contains(r.stdout, "DEMO-05") {
		t.Errorf("overdue list has closed, ongoing or not-yet-due actions:\n%s", r.stdout)
	}
	t.Logf("bizenv actions list --overdue:\n%s", r.stdout)
}

// serve exports the ledger's counts on /metrics and its actions on the API,
// and a PATCH by token shows on the next scrape.
func TestServeActions(t *testing.T) {
	dsn := pgtest.DSN(t)
	good := writeFile(t, "ledger.csv", ledgerCSV)
	if r := runBizenv(t, dsn, "actions", "import", good); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	const token = "analyst-token-0123456789"
	base, _ := startServeEnv(t, map[string]string{"BIZENV_DATABASE_URL": dsn, "BIZENV_API_TOKENS": "analyst:" + token})
	_, m := get(t, base+"/metrics")
	for _, want := range []string{
		`bizenv_actions{owner="edz-dev-reform",status="in_progress"} 1`,
		`bizenv_actions{owner="edz-construction",status="ongoing"} 1`,
		`bizenv_actions_overdue{owner="edz-dev-reform"} 1`,
		`bizenv_actions_overdue{owner="edz-construction"} 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	req, _ := http.NewRequest(http.MethodPatch, base+"/api/v1/actions/XC-1", strings.NewReader(`{"status":"done","closed":"2021-10-20","note":"已开通"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var a bizenv.Action
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || a.ChangedBy != "analyst" || len(a.History) != 1 {
		t.Fatalf("patch: %d %+v", resp.StatusCode, a)
	}
	_, m = get(t, base+"/metrics")
	if !strings.Contains(m, `bizenv_actions_overdue{owner="edz-dev-reform"} 0`) || !strings.Contains(m, `bizenv_actions{owner="edz-dev-reform",status="done"} 2`) {
		t.Errorf("after closing XC-1, /metrics has:\n%s", grepLines(m, "bizenv_actions"))
	}
	if code, body := get(t, base+"/api/v1/actions?overdue=true"); code != 200 || !strings.Contains(body, `"actions":[]`) {
		t.Errorf("overdue after closing: %d %s", code, body)
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The demo as make run loads it: the 2020-11 report has its 整改事项
// section, and a unit's report its rank among the units.
func TestActionsDemoReport(t *testing.T) {
	dsn := pgtest.DSN(t)
	for _, args := range [][]string{
		{"migrate", "--catalog.file", "../../deploy/demo/units.yaml"},
		{"import", "../../deploy/demo/seed-report.csv", "../../deploy/demo/synthetic.csv", "../../deploy/demo/units.csv"},
		{"actions", "import", "../../deploy/demo/actions.csv"},
	} {
		if r := runBizenv(t, dsn, args...); r.err != nil {
			t.Fatalf("%v: %v\n%s", args, r.err, r.stderr)
		}
	}
	r := runBizenv(t, dsn, "report", "--period", "2020-11", "--format", "json")
	var rep struct {
		Actions struct {
			Open []struct {
				ID       string `json:"id"`
				Declined bool   `json:"declined"`
				Overdue  bool   `json:"overdue"`
			} `json:"open"`
			Closed []struct {
				ID      string `json:"id"`
				Effects []struct {
					Improvement *float64 `json:"improvement"`
				} `json:"effects"`
			} `json:"closed"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.err != nil {
		t.Fatalf("report: %v %v\n%s", r.err, err, r.stderr)
	}
	if len(rep.Actions.Open) != 2 || rep.Actions.Open[0].ID != "DEMO-02" || !rep.Actions.Open[0].Declined || !rep.Actions.Open[1].Overdue {
		t.Errorf("2020-11 整改事项: got %+v, want DEMO-02 (linked to the declined policy payouts) then DEMO-01", rep.Actions.Open)
	}
	if c := rep.Actions.Closed; len(c) != 1 || c[0].ID != "DEMO-06" || len(c[0].Effects) != 1 || c[0].Effects[0].Improvement == nil || *c[0].Effects[0].Improvement <= 0 {
		t.Errorf("2020-11 closed actions: got %+v, want DEMO-06 with its effect, better since June", c)
	}
	r = runBizenv(t, dsn, "report", "--period", "2020-11", "--format", "html")
	if r.err != nil || !strings.Contains(r.stdout, "<h2>整改事项</h2>") {
		t.Errorf("HTML report lacks 整改事项: %v", r.err)
	}
	r = runBizenv(t, dsn, "report", "--period", "2021-12", "--entity", "edz-admin-approval", "--format", "json")
	var unit struct {
		Actions struct {
			UnitRank struct{ Value, Previous, Of int } `json:"unit_rank"`
			Open     []struct{ ID string }             `json:"open"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &unit); err != nil || r.err != nil {
		t.Fatalf("unit report: %v %v\n%s", r.err, err, r.stderr)
	}
	if u := unit.Actions; u.UnitRank.Value < 1 || u.UnitRank.Previous < 1 || u.UnitRank.Of != 43 || len(u.Open) != 2 || u.Open[0].ID != "DEMO-01" || u.Open[1].ID != "DEMO-05" {
		t.Errorf("unit report: got %+v, want its rank among 43 units and its actions DEMO-01, DEMO-05", u)
	}
}
