package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/internal/roundtrip"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestCatalog(t *testing.T) {
	e := newEnv(t)
	t.Run("indicators", func(t *testing.T) {
		status, body := e.get("/api/v1/indicators")
		got := decode[struct{ Indicators []bizenv.Indicator }](t, body)
		if status != 200 || len(got.Indicators) != len(bizenv.DefaultCatalog().Indicators) {
			t.Errorf("got %d with %d indicators, want 200 with %d", status, len(got.Indicators), len(bizenv.DefaultCatalog().Indicators))
		}
	})
	t.Run("entities", func(t *testing.T) {
		status, body := e.get("/api/v1/entities")
		got := decode[struct{ Entities []bizenv.Entity }](t, body)
		if status != 200 || len(got.Entities) != len(bizenv.DefaultCatalog().Entities) {
			t.Errorf("got %d with %d entities", status, len(got.Entities))
		}
	})
	t.Run("openapi", func(t *testing.T) {
		status, body := e.get("/api/v1/openapi.json")
		if status != 200 || !strings.Contains(string(body), `"openapi":"3.0.3"`) {
			t.Errorf("got %d %.100s", status, body)
		}
	})
	t.Run("unknown endpoint", func(t *testing.T) {
		resp, err := http.Get(e.srv.URL + "/api/v1/nothing")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, 404; got != want {
			t.Errorf("got %d, want %d", got, want)
		}
	})
}

// TestUnroutedAnswersJSON: a path the API does not serve, or a method a
// path does not take, gets the JSON error shape like every other error.
func TestUnroutedAnswersJSON(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"DELETE", "/api/v1/indicators", 405, bizenv.EMETHOD, "GET, HEAD"},
		{"POST", "/api/v1/series", 405, bizenv.EMETHOD, "GET, HEAD"},
		{"GET", "/api/v1/observations", 405, bizenv.EMETHOD, "POST"},
		{"PUT", "/api/v1/collectors/ywtb/run", 405, bizenv.EMETHOD, "POST"},
		{"GET", "/api/v1/nothing", 404, bizenv.ENOTFOUND, ""},
		{"POST", "/api/v1/nothing", 404, bizenv.ENOTFOUND, ""},
		{"GET", "/api/v1/collectors/ywtb/runs/extra", 404, bizenv.ENOTFOUND, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := roundtrip.Do(t, roundtrip.Request(t, tc.method, e.srv.URL+tc.path, strings.NewReader("")))
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json: %s", ct, body)
			}
			wantError(t, resp.StatusCode, body, tc.status, tc.code)
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow: got %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestSeries(t *testing.T) {
	e := newEnv(t)
	e.seed(
		obs{"period": "2020-08", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 11},
		obs{"period": "2020-06", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 8},
		obs{"period": "2020-07", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 9},
		obs{"period": "2020-07", "entity": "wuhan-avg", "indicator": "city_assessment_score", "value": 80},
	)
	t.Run("all", func(t *testing.T) {
		status, body := e.get("/api/v1/series?indicator=city_assessment_rank&entity=wuhan-edz")
		got := decode[series](t, body)
		var periods []string
		for _, d := range got.Data {
			periods = append(periods, d.Period)
		}
		if status != 200 || strings.Join(periods, ",") != "2020-06,2020-07,2020-08" {
			t.Errorf("got %d %v, want 2020-06..08 in order", status, periods)
		}
	})
	t.Run("from to", func(t *testing.T) {
		_, body := e.get("/api/v1/series?indicator=city_assessment_rank&entity=wuhan-edz&from=2020-07&to=2020-07")
		got := decode[series](t, body)
		if len(got.Data) != 1 || got.Data[0].Value != 9 {
			t.Errorf("got %+v, want 2020-07 = 9 only", got.Data)
		}
	})
	t.Run("from to in every import form", func(t *testing.T) {
		for _, q := range []string{"from=2020/7&to=2020/7", "from=" + url.QueryEscape("2020年7月") + "&to=202007"} {
			status, body := e.get("/api/v1/series?indicator=city_assessment_rank&entity=wuhan-edz&" + q)
			if got := decode[series](t, body); status != 200 || len(got.Data) != 1 || got.Data[0].Value != 9 {
				t.Errorf("%s: got %d %+v, want 2020-07 = 9 only", q, status, got.Data)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		e.wantRefusals(t, "/api/v1/series?", []refusal{
			{"missing entity", "indicator=city_assessment_rank", 400, bizenv.EINVALID},
			{"bad period", "indicator=city_assessment_rank&entity=wuhan-edz&from=2020-13", 400, bizenv.EINVALID},
			{"to before from", "indicator=city_assessment_rank&entity=wuhan-edz&from=2020-08&to=2020-07", 400, bizenv.EINVALID},
			{"future to", "indicator=city_assessment_rank&entity=wuhan-edz&to=2999-01", 400, bizenv.EINVALID},
			{"unknown indicator", "indicator=nope&entity=wuhan-edz", 404, bizenv.ENOTFOUND},
			{"unknown entity", "indicator=city_assessment_rank&entity=nowhere", 404, bizenv.ENOTFOUND},
		})
	})
}

func TestRankings(t *testing.T) {
	e := newEnv(t)
	e.seed(
		obs{"period": "2020-10", "entity": "wuhan-edz", "indicator": "ywtb_case_volume", "value": "66.67%"},
		obs{"period": "2020-10", "entity": "wuhan-jiangan", "indicator": "ywtb_case_volume", "value": 0.9},
		obs{"period": "2020-10", "entity": "wuhan-hanyang", "indicator": "ywtb_case_volume", "value": 0.8},
		obs{"period": "2020-10", "entity": "wuhan-wuchang", "indicator": "ywtb_case_volume", "value": 0.8},
		obs{"period": "2020-10", "entity": "wuhan-avg", "indicator": "ywtb_case_volume", "value": "88.33%"}, // not a peer
		obs{"period": "2020-10", "entity": "wuhan-edz", "indicator": "bizstart_days", "value": "3.5天"},
		obs{"period": "2020-10", "entity": "wuhan-jiangan", "indicator": "bizstart_days", "value": 1},
	)
	type ranking struct {
		Of   int
		Data []struct {
			Rank   int
			Entity string
			Value  float64
		}
	}
	t.Run("ties share a rank", func(t *testing.T) {
		status, body := e.get("/api/v1/rankings?indicator=ywtb_case_volume&period=2020-10")
		got := decode[ranking](t, body)
		var s []string
		for _, d := range got.Data {
			s = append(s, strings.TrimPrefix(d.Entity, "wuhan-")+"="+itoa(d.Rank))
		}
		if want := "jiangan=1,hanyang=2,wuchang=2,edz=4"; status != 200 || strings.Join(s, ",") != want || got.Of != 4 {
			t.Errorf("got %d %v of %d, want %s of 4", status, s, got.Of, want)
		}
	})
	t.Run("lower is better", func(t *testing.T) {
		_, body := e.get("/api/v1/rankings?indicator=bizstart_days&period=2020-10&entity=wuhan-edz")
		got := decode[ranking](t, body)
		if len(got.Data) != 2 || got.Data[0].Entity != "wuhan-jiangan" || got.Data[1].Rank != 2 {
			t.Errorf("got %+v, want jiangan first", got.Data)
		}
	})
	t.Run("ranks from elsewhere are kept", func(t *testing.T) {
		e.seed(
			obs{"period": "2020-12", "entity": "wuhan-edz", "indicator": "edz_index_rank", "value": 25},
			obs{"period": "2020-10", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 14},
			obs{"period": "2020-10", "entity": "wuhan-jiangan", "indicator": "city_assessment_rank", "value": 3},
		)
		for _, tc := range []struct{ query, want string }{
			{"indicator=edz_index_rank&period=2020-12", `{"data":[{"rank":25,"entity":"wuhan-edz","name_zh":"武汉经开区（汉南区）","value":25}]`},
			{"indicator=city_assessment_rank&period=2020-10", `{"data":[{"rank":3,"entity":"wuhan-jiangan","name_zh":"江岸区","value":3},{"rank":14,"entity":"wuhan-edz","name_zh":"武汉经开区（汉南区）","value":14}]`},
		} {
			status, body := e.get("/api/v1/rankings?" + tc.query)
			if status != 200 || !strings.HasPrefix(string(body), tc.want+",") || !strings.Contains(string(body), `"of":null`) {
				t.Errorf("%s: got %d %s, want %s and of null", tc.query, status, body, tc.want)
			}
		}
	})
	t.Run("empty period", func(t *testing.T) {
		status, body := e.get("/api/v1/rankings?indicator=bizstart_days&period=2019-01")
		if got := decode[ranking](t, body); status != 200 || got.Of != 0 || len(got.Data) != 0 {
			t.Errorf("got %d %+v", status, got)
		}
	})
	e.wantRefusals(t, "/api/v1/rankings?", []refusal{
		{"neutral", "indicator=sme_loan_demand_amount&period=2020-10", 400, bizenv.EINVALID},
		{"missing period", "indicator=bizstart_days", 400, bizenv.EINVALID},
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCollectors(t *testing.T) {
	e := newEnv(t)
	pgtest.SQL(e.t, e.db).MustExec(`INSERT INTO runs (kind, name, started_at, finished_at, outcome, inserted) VALUES
		('collector', 'ywtb', '2020-11-02 08:00+08', '2020-11-02 08:01+08', 'success', 30),
		('collector', 'ywtb', '2020-12-02 08:00+08', '2020-12-02 08:01+08', 'failure', 0),
		('collector', 'city-assessment', '2020-12-01 09:00+08', '2020-12-01 09:00+08', 'partial', 14),
		('import', 'import', '2020-12-01 09:00+08', '2020-12-01 09:00+08', 'success', 5)`)
	t.Run("list", func(t *testing.T) {
		status, body := e.get("/api/v1/collectors")
		got := decode[struct {
			Collectors []struct {
				N           string `json:"name"`
				Outcome     string `json:"last_outcome"`
				Runs        int    `json:"runs"`
				LastSuccess string `json:"last_success"`
			}
		}](t, body)
		if status != 200 || len(got.Collectors) != 2 {
			t.Fatalf("got %d %s", status, body)
		}
		y := got.Collectors[1]
		if y.N != "ywtb" || y.Outcome != "failure" || y.Runs != 2 || y.LastSuccess != "2020-11-02T00:01:00Z" {
			t.Errorf("ywtb: got %+v", y)
		}
	})
	t.Run("runs", func(t *testing.T) {
		status, body := e.get("/api/v1/collectors/ywtb/runs?limit=1")
		got := decode[struct{ Runs []bizenv.Run }](t, body)
		if status != 200 || len(got.Runs) != 1 || got.Runs[0].Outcome != "failure" {
			t.Errorf("got %d %s, want the newest run only", status, body)
		}
	})
	t.Run("runs of unknown", func(t *testing.T) {
		status, body := e.get("/api/v1/collectors/nope/runs")
		wantError(t, status, body, 404, bizenv.ENOTFOUND)
	})
	t.Run("run without runner", func(t *testing.T) {
		status, body := e.post("/api/v1/collectors/ywtb/run", analystToken, "", nil)
		wantError(t, status, body, 501, bizenv.ENOTIMPLEMENTED)
	})
}

// runner answers RunNow with a run, or with the error set for the name.
type runner struct{ errs map[string]error }

func (r runner) RunNow(ctx context.Context, name, actor string) (bizenv.Run, error) {
	if err := r.errs[name]; err != nil {
		return bizenv.Run{}, err
	}
	return bizenv.Run{ID: 7, Kind: bizenv.RunCollector, Name: name, Outcome: bizenv.OutcomeSuccess}, nil
}

// TestErrorCodes checks the status table through the collector runner,
// which can fail with any code.
func TestErrorCodes(t *testing.T) {
	errs := map[string]error{
		"invalid":     bizenv.Errorf(bizenv.EINVALID, "bad"),
		"missing":     bizenv.Errorf(bizenv.ENOTFOUND, "no collector"),
		"busy":        bizenv.Errorf(bizenv.ECONFLICT, "running already"),
		"down":        bizenv.Errorf(bizenv.EUNAVAILABLE, "source unreachable"),
		"broken":      errors.New("pq: secret internals"),
		"unsupported": bizenv.Errorf(bizenv.ENOTIMPLEMENTED, "not here"),
	}
	e := newEnv(t, func(c *api.Config) { c.Collectors = runner{errs} })
	for _, tc := range []struct {
		name   string
		status int
		code   string
	}{
		{"invalid", 400, bizenv.EINVALID},
		{"missing", 404, bizenv.ENOTFOUND},
		{"busy", 409, bizenv.ECONFLICT},
		{"down", 503, bizenv.EUNAVAILABLE},
		{"broken", 500, bizenv.EINTERNAL},
		{"unsupported", 501, bizenv.ENOTIMPLEMENTED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.post("/api/v1/collectors/"+tc.name+"/run", analystToken, "", nil)
			wantError(t, status, body, tc.status, tc.code)
			if strings.Contains(string(body), "secret internals") {
				t.Errorf("internal error leaked: %s", body)
			}
		})
	}
	t.Run("ok", func(t *testing.T) {
		status, body := e.post("/api/v1/collectors/ywtb/run", analystToken, "", nil)
		if got := decode[struct{ Run bizenv.Run }](t, body); status != 200 || got.Run.Name != "ywtb" {
			t.Errorf("got %d %s", status, body)
		}
	})
}

func TestPostObservations(t *testing.T) {
	e := newEnv(t)
	t.Run("stored with the token's name", func(t *testing.T) {
		status, body := e.postJSON("/api/v1/observations", scriptToken, []obs{
			{"period": "2020-10", "entity": "wuhan-edz", "indicator": "ywtb_case_volume", "value": "66.67%", "source": "一网通办通报"},
			{"period": "2020-10", "entity": "wuhan-edz", "indicator": "taxloan_credit_amount", "value": "80019.85万元"},
			{"period": "2020-10", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 14},
			{"period": "2020-10", "entity": "wuhan-edz", "indicator": "city_assessment_score", "value": nil},
		})
		got := decode[struct {
			Run     bizenv.Run
			Results []struct {
				Index  int
				Status string
			}
		}](t, body)
		if status != 200 || got.Run.Inserted != 3 || got.Run.Actor != "script" || got.Run.Kind != "api" {
			t.Fatalf("got %d %s", status, body)
		}
		if s := got.Results[3].Status; s != "skipped" {
			t.Errorf("null value: got %q, want skipped", s)
		}
		if n := e.count(`SELECT count(*) FROM observations WHERE changed_by = 'script'`); n != 3 {
			t.Errorf("observations changed by script: got %d, want 3", n)
		}
		if n := e.count(`SELECT count(*) FROM observations WHERE indicator = 'taxloan_credit_amount' AND value = 800198500`); n != 1 {
			t.Errorf("80019.85万元 not stored as 800198500 yuan")
		}
	})
	t.Run("one bad record stores nothing", func(t *testing.T) {
		status, body := e.postJSON("/api/v1/observations", scriptToken, []obs{
			{"period": "2020-11", "entity": "wuhan-edz", "indicator": "ywtb_case_volume", "value": 0.7},
			{"period": "2020-11", "entity": "wuhan-edz", "indicator": "ywtb_case_volume", "value": 0.8},
			{"period": "2020-11", "entity": "wuhan-edz", "indicator": "ywtb_one_window", "value": 1.5},
			{"period": "2020-11", "entity": "nowhere", "indicator": "ywtb_one_window", "value": 0.5},
			{"period": "2020-11", "entity": "wuhan-edz", "indicator": "ywtb_one_window", "value": true},
		})
		wantError(t, status, body, 400, bizenv.EINVALID)
		got := decode[struct {
			Results []struct{ Status, Reason string }
			Rejects []bizenv.Reject
		}](t, body)
		var statuses []string
		for _, r := range got.Results {
			statuses = append(statuses, r.Status)
		}
		if want := "accepted,rejected,rejected,rejected,rejected"; strings.Join(statuses, ",") != want {
			t.Errorf("results: got %v, want %s", statuses, want)
		}
		if n := e.count(`SELECT count(*) FROM observations WHERE period = '2020-11-01'`); n != 0 {
			t.Errorf("stored %d observations, want none", n)
		}
		if n := e.count(`SELECT count(*) FROM rejects`); n != 4 {
			t.Errorf("rejects recorded: got %d, want 4", n)
		}
	})
	t.Run("allow partial", func(t *testing.T) {
		status, body := e.postJSON("/api/v1/observations?allow_partial=true", scriptToken, []obs{
			{"period": "2020-12", "entity": "wuhan-edz", "indicator": "ywtb_case_volume", "value": 0.7},
			{"period": "2020-12", "entity": "wuhan-edz", "indicator": "ywtb_one_window", "value": 1.5},
		})
		if got := decode[struct{ Run bizenv.Run }](t, body); status != 200 || got.Run.Inserted != 1 || got.Run.Rejected != 1 {
			t.Errorf("got %d %s", status, body)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		status, body := e.postJSON("/api/v1/observations?dry_run=1", scriptToken, []obs{
			{"period": "2021-01", "entity": "wuhan-edz", "indicator": "ywtb_case_volume", "value": 0.7},
		})
		if got := decode[struct{ Run bizenv.Run }](t, body); status != 200 || got.Run.Inserted != 1 {
			t.Errorf("got %d %s", status, body)
		}
		if n := e.count(`SELECT count(*) FROM observations WHERE period = '2021-01-01'`); n != 0 {
			t.Errorf("dry run stored %d", n)
		}
	})
	t.Run("not an array", func(t *testing.T) {
		status, body := e.post("/api/v1/observations", scriptToken, "application/json", []byte(`{"period":"2020-10"}`))
		wantError(t, status, body, 400, bizenv.EINVALID)
	})
	t.Run("empty array", func(t *testing.T) {
		status, body := e.post("/api/v1/observations", scriptToken, "application/json", []byte(`[]`))
		wantError(t, status, body, 400, bizenv.EINVALID)
	})
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	records := []obs{{"period": "2020-10", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 14}}
	for _, tc := range []struct{ name, header string }{
		{"none", ""},
		{"wrong", "Bearer wrong-0123456789abcdef"},
		{"not bearer", "Basic " + analystToken},
		{"empty bearer", "Bearer "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/observations", strings.NewReader(`[{"period":"2020-10","entity":"wuhan-edz","indicator":"city_assessment_rank","value":14}]`))
			req.Header.Set("Content-Type", "application/json")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			status, body := e.do(req)
			wantError(t, status, body, 401, bizenv.EUNAUTHORIZED)
		})
	}
	t.Run("revoked", func(t *testing.T) {
		if status, body := e.postJSON("/api/v1/observations?dry_run=true", scriptToken, records); status != 200 {
			t.Fatalf("before revoking: got %d %s", status, body)
		}
		if err := os.WriteFile(e.tokens, []byte("# script revoked\nother other-0123456789abcdef\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		status, body := e.postJSON("/api/v1/observations", scriptToken, records)
		wantError(t, status, body, 401, bizenv.EUNAUTHORIZED)
		if status, body := e.postJSON("/api/v1/observations?dry_run=true", "other-0123456789abcdef", records); status != 200 {
			t.Errorf("added token: got %d %s", status, body)
		}
	})
	t.Run("nothing stored", func(t *testing.T) {
		if n := e.count(`SELECT count(*) FROM runs`) + e.count(`SELECT count(*) FROM observations`); n != 0 {
			t.Errorf("refused writes left %d rows", n)
		}
	})
	t.Run("import and run need a token too", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"a.csv": "period,entity,indicator,value\n2020-10,wuhan-edz,city_assessment_rank,14\n"}, nil)
		status, got := e.post("/api/v1/import", "", ct, body)
		wantError(t, status, got, 401, bizenv.EUNAUTHORIZED)
		status, got = e.post("/api/v1/collectors/ywtb/run", "", "", nil)
		wantError(t, status, got, 401, bizenv.EUNAUTHORIZED)
	})
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MaxBodyBytes = 1024 })
	big := `[` + strings.Repeat(`{"period":"2020-10","entity":"wuhan-edz","indicator":"city_assessment_rank","value":14},`, 40) + `{}]`
	t.Run("declared length", func(t *testing.T) {
		status, body := e.post("/api/v1/observations", analystToken, "application/json", []byte(big))
		wantError(t, status, body, 413, bizenv.ETOOLARGE)
	})
	t.Run("streamed", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/observations", strings.NewReader(big))
		req.ContentLength = -1 // chunked: the limit is found while reading
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+analystToken)
		status, body := e.do(req)
		wantError(t, status, body, 413, bizenv.ETOOLARGE)
	})
	t.Run("upload", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"big.csv": "period,entity,indicator,value\n" + strings.Repeat("2020-10,wuhan-edz,city_assessment_rank,14\n", 40)}, nil)
		status, got := e.post("/api/v1/import", analystToken, ct, body)
		wantError(t, status, got, 413, bizenv.ETOOLARGE)
	})
	if n := e.count(`SELECT count(*) FROM runs`); n != 0 {
		t.Errorf("too large bodies left %d runs", n)
	}
}

func TestImport(t *testing.T) {
	e := newEnv(t)
	good := "period,entity,indicator,value,source\n2020-10,wuhan-edz,ywtb_case_volume,66.67%,通报\n2020年11月,wuhan-edz,city_assessment_rank,15,通报\n"
	bad := "period,entity,indicator,value\n2020-10,wuhan-edz,ywtb_one_window,150%\n2020-10,wuhan-avg,ywtb_one_window,98.66%\n"
	t.Run("dry run", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"good.csv": good}, map[string]string{"dry_run": "true"})
		status, got := e.post("/api/v1/import", analystToken, ct, body)
		if r := decode[struct{ Run bizenv.Run }](t, got); status != 200 || r.Run.Inserted != 2 {
			t.Errorf("got %d %s", status, got)
		}
		if n := e.count(`SELECT count(*) FROM observations`); n != 0 {
			t.Errorf("dry run stored %d", n)
		}
	})
	t.Run("stored", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"good.csv": good}, nil)
		status, got := e.post("/api/v1/import", analystToken, ct, body)
		r := decode[struct{ Run bizenv.Run }](t, got)
		if status != 200 || r.Run.Inserted != 2 || r.Run.Actor != "analyst" || r.Run.Kind != "import" {
			t.Errorf("got %d %s", status, got)
		}
		if n := e.count(`SELECT count(*) FROM payloads WHERE name = 'good.csv'`); n != 1 {
			t.Errorf("payloads kept: %d, want 1", n)
		}
	})
	t.Run("again changes nothing", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"good.csv": good}, nil)
		_, got := e.post("/api/v1/import", analystToken, ct, body)
		if r := decode[struct{ Run bizenv.Run }](t, got); r.Run.Unchanged != 2 || r.Run.Inserted+r.Run.Updated != 0 {
			t.Errorf("got %s", got)
		}
	})
	var runID int64
	t.Run("all or nothing", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"bad.csv": bad}, nil)
		status, got := e.post("/api/v1/import", analystToken, ct, body)
		wantError(t, status, got, 400, bizenv.EINVALID)
		r := decode[struct {
			Run     bizenv.Run
			Rejects []bizenv.Reject
		}](t, got)
		if len(r.Rejects) != 1 || r.Rejects[0].Line != 2 || r.Rejects[0].File != "bad.csv" {
			t.Errorf("rejects: got %+v", r.Rejects)
		}
		runID = r.Run.ID
		if n := e.count(`SELECT count(*) FROM observations WHERE entity = 'wuhan-avg'`); n != 0 {
			t.Errorf("stored %d", n)
		}
	})
	t.Run("allow partial", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"bad.csv": bad}, map[string]string{"allow_partial": "true"})
		status, got := e.post("/api/v1/import", analystToken, ct, body)
		if r := decode[struct{ Run bizenv.Run }](t, got); status != 200 || r.Run.Inserted != 1 || r.Run.Rejected != 1 {
			t.Errorf("got %d %s", status, got)
		}
	})
	t.Run("rejects by run and file", func(t *testing.T) {
		_, got := e.get("/api/v1/rejects?run=" + itoa64(runID))
		r := decode[struct {
			Rejects []struct {
				RunID int64 `json:"run_id"`
				File  string
			}
		}](t, got)
		if len(r.Rejects) != 1 || r.Rejects[0].RunID != runID {
			t.Errorf("by run: got %s", got)
		}
		_, got = e.get("/api/v1/rejects?file=bad.csv")
		if r := decode[struct{ Rejects []any }](t, got); len(r.Rejects) != 2 {
			t.Errorf("by file: got %s", got)
		}
		_, got = e.get("/api/v1/rejects?file=good.csv")
		if r := decode[struct{ Rejects []any }](t, got); len(r.Rejects) != 0 {
			t.Errorf("other file: got %s", got)
		}
		status, got := e.get("/api/v1/rejects?run=x")
		wantError(t, status, got, 400, bizenv.EINVALID)
	})
	t.Run("no file", func(t *testing.T) {
		ct, body := multipartBody(t, nil, map[string]string{"dry_run": "true"})
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/import", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+analystToken)
		status, got := e.do(req)
		wantError(t, status, got, 400, bizenv.EINVALID)
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestMonthlyReportDefaultEntity: a report request that names no entity is
// for the configured one, or the catalog's first district without one.
func TestMonthlyReportDefaultEntity(t *testing.T) {
	for _, tc := range []struct{ name, configured, want string }{
		{"configured", "wuhan-jiangan", "wuhan-jiangan"},
		// The store lists the catalog by code.
		{"not configured", "", "wuhan-caidian"},
		{"not in the catalog", "nowhere", "wuhan-caidian"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *api.Config) { c.ReportEntity = tc.configured })
			e.seed(obs{"period": "2020-11", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 15},
				obs{"period": "2020-11", "entity": "wuhan-jiangan", "indicator": "city_assessment_rank", "value": 1},
				obs{"period": "2020-11", "entity": "wuhan-caidian", "indicator": "city_assessment_rank", "value": 2})
			status, body := e.get("/api/v1/reports/monthly?period=2020-11")
			if got := decode[struct{ Entity string }](t, body); status != 200 || got.Entity != tc.want {
				t.Errorf("got %d %+v, want the report of %s", status, got, tc.want)
			}
		})
	}
}

func TestMonthlyReport(t *testing.T) {
	e := newEnv(t)
	var records []obs
	for i, rank := range []int{8, 9, 11, 12, 14, 15} {
		records = append(records, obs{"period": "2020-" + []string{"06", "07", "08", "09", "10", "11"}[i], "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": rank})
	}
	records = append(records, obs{"period": "2020-11", "entity": "wuhan-jiangan", "indicator": "city_assessment_rank", "value": 1})
	e.seed(records...)
	t.Run("json", func(t *testing.T) {
		status, body := e.get("/api/v1/reports/monthly?period=2020-11")
		got := decode[struct {
			Entity        string
			DeclineStreak int `json:"decline_streak"`
			Rank          struct{ Value, Previous, Of int }
		}](t, body)
		if status != 200 || got.Entity != "wuhan-edz" || got.Rank.Value != 15 || got.Rank.Previous != 14 || got.Rank.Of != 15 || got.DeclineStreak != 5 {
			t.Errorf("got %d %+v", status, got)
		}
	})
	for _, tc := range []struct{ format, contentType, has string }{
		{"html", "text/html; charset=utf-8", "<svg"},
		{"csv", "text/csv; charset=utf-8", "decline_streak,2020-11,wuhan-edz"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			resp, err := http.Get(e.srv.URL + "/api/v1/reports/monthly?period=2020-11&entity=wuhan-edz&format=" + tc.format)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			status, body := e.get("/api/v1/reports/monthly?period=2020-11&entity=wuhan-edz&format=" + tc.format)
			if status != 200 || resp.Header.Get("Content-Type") != tc.contentType || !strings.Contains(string(body), tc.has) {
				t.Errorf("got %d %s, want %s with %q", status, resp.Header.Get("Content-Type"), tc.contentType, tc.has)
			}
		})
	}
	t.Run("every import form of the period", func(t *testing.T) {
		for _, p := range []string{"2020-11", "2020/11", "2020年11月", "202011"} {
			status, body := e.get("/api/v1/reports/monthly?period=" + url.QueryEscape(p))
			got := decode[struct{ Period string }](t, body)
			if status != 200 || got.Period != "2020-11" {
				t.Errorf("period=%s: got %d %s", p, status, body)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		e.wantRefusals(t, "/api/v1/reports/monthly?", []refusal{
			{"no period", "", 400, bizenv.EINVALID},
			{"bad period", "period=2020-13", 400, bizenv.EINVALID},
			{"future period", "period=2030-01", 400, bizenv.EINVALID},
			{"month without data", "period=2022-05", 404, bizenv.ENOTFOUND},
			{"city without data", "period=2020-11&entity=wuhan", 404, bizenv.ENOTFOUND},
			{"city average not assessed", "period=2020-11&entity=wuhan-avg", 404, bizenv.ENOTFOUND},
			{"bad format", "period=2020-11&format=pdf", 400, bizenv.EINVALID},
			{"unknown entity", "period=2020-11&entity=nowhere", 404, bizenv.ENOTFOUND},
		})
	})
}
