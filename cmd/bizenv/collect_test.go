package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

const demoNotice = "2021年9月全市营商环境考核排名.xlsx"

// demoConfig writes the demo configuration with its drop folder moved to
// a folder of the test's, holding the demo notice and the extra files.
func demoConfig(t *testing.T, extra map[string]string) (cfg, inbox string) {
	t.Helper()
	dir := t.TempDir()
	inbox = filepath.Join(dir, "inbox")
	if err := os.Mkdir(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	notice, err := os.ReadFile(filepath.Join("..", "..", "deploy", "demo", "inbox", demoNotice))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{demoNotice: string(notice)}
	for k, v := range extra {
		files[k] = v
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(inbox, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	yml, err := os.ReadFile(filepath.Join("..", "..", "deploy", "demo", "bizenv.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(yml), "path: deploy/demo/inbox/*.xlsx", "path: "+inbox+"/*.xlsx", 1)
	if text == string(yml) {
		t.Fatal("the demo configuration no longer reads deploy/demo/inbox/*.xlsx")
	}
	// The demo's catalog file, named relative to the repository root.
	catalog, err := filepath.Abs(filepath.Join("..", "..", "deploy", "demo", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text = strings.Replace(text, "file: deploy/demo/catalog.yaml", "file: "+catalog, 1)
	return writeFile(t, "bizenv.yml", text), inbox
}

func TestCollect(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, _ := demoConfig(t, nil)
	t.Run("stores the notice", func(t *testing.T) {
		r := runBizenv(t, dsn, "collect", "--config.file", cfg)
		if r.code() != exitOK {
			t.Fatalf("exit %d: %v\n%s", r.code(), r.err, r.stderr)
		}
		if got, want := r.stdout, "collect city-assessment-inbox: 31 inserted, 0 updated, 0 unchanged, 0 rejected (success)\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})
	t.Run("second run stores nothing new", func(t *testing.T) {
		r := runBizenv(t, dsn, "collect", "--collector", "city-assessment-inbox", "--config.file", cfg)
		if r.code() != exitOK {
			t.Fatalf("exit %d: %v\n%s", r.code(), r.err, r.stderr)
		}
		if got, want := r.stdout, "collect city-assessment-inbox: 0 inserted, 0 updated, 0 unchanged, 0 rejected (success)\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})
}

// marsNoticeConfig is the demo's config with its collector reading, in
// place of the demo notice, a notice for October as CSV (the file bad)
// that names a district the catalog lacks, 火星区, on its line 3.
func marsNoticeConfig(t *testing.T) (cfg, bad string) {
	t.Helper()
	cfg, inbox := demoConfig(t, nil)
	bad = writeFile(t, "2021年10月全市营商环境考核排名.csv", "序号,单位,得分,排名\n1,江汉区,90.1,1\n2,火星区,89,2\n")
	cfgText, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "csv.yml", strings.Replace(string(cfgText), inbox+"/*.xlsx", bad, 1)), bad
}

func TestCollectRejects(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, bad := marsNoticeConfig(t)
	r := runBizenv(t, dsn, "collect", "--config.file", cfg)
	if got, want := r.code(), exitRejected; got != want {
		t.Fatalf("exit code: got %d, want %d (%v)", got, want, r.err)
	}
	if want := bad + `:3: unknown entity "火星区"`; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if got, want := r.stdout, "collect city-assessment-inbox: 2 inserted, 0 updated, 0 unchanged, 2 rejected (partial)\n"; got != want {
		t.Errorf("stdout: got %q, want %q", got, want)
	}
}

// ywtbConfig writes a config with one collector, ywtb, that reads the
// month's JSON from the server at srvURL; settings are the lines of its
// http_json section after the url.
func ywtbConfig(t *testing.T, srvURL string, settings ...string) string {
	t.Helper()
	return writeFile(t, "bizenv.yml", fmt.Sprintf(`
collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json:
      url: "%s/stats?month={{.Period}}"
      %s
`, srvURL, strings.Join(settings, "\n      ")))
}

func TestCollectBackfill(t *testing.T) {
	dsn := pgtest.DSN(t)
	var months []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := r.URL.Query().Get("month")
		months = append(months, m)
		fmt.Fprintf(w, `{"items": [{"area": "420114", "wbkt": "9%s%%"}]}`, m[6:])
	}))
	defer srv.Close()
	cfg := ywtbConfig(t, srv.URL, "records: items", "entity: area", `entity_map: {"420114": wuhan-edz}`, "values: {ywtb_online_enabled: wbkt}")
	r := runBizenv(t, dsn, "collect", "--config.file", cfg, "--from", "2021-07", "--to", "2021-09")
	if r.code() != exitOK {
		t.Fatalf("exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	want := "collect ywtb 2021-07: 1 inserted, 0 updated, 0 unchanged, 0 rejected (success)\n" +
		"collect ywtb 2021-08: 1 inserted, 0 updated, 0 unchanged, 0 rejected (success)\n" +
		"collect ywtb 2021-09: 1 inserted, 0 updated, 0 unchanged, 0 rejected (success)\n"
	if r.stdout != want {
		t.Errorf("stdout: got\n%s\nwant\n%s", r.stdout, want)
	}
	if got, want := strings.Join(months, " "), "2021-07 2021-08 2021-09"; got != want {
		t.Errorf("months: got %s, want %s", got, want)
	}
}

func TestCollectFetchFails(t *testing.T) {
	dsn := pgtest.DSN(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer srv.Close()
	cfg := ywtbConfig(t, srv.URL, `headers: {X-Token: "${YWTB_TOKEN}"}`, "entity: area", "values: {ywtb_online_enabled: wbkt}")
	var stdout, stderr strings.Builder
	getenv := func(k string) string {
		return map[string]string{"BIZENV_DATABASE_URL": dsn, "YWTB_TOKEN": "tok-123456"}[k]
	}
	err := run(t.Context(), []string{"bizenv", "collect", "--config.file", cfg, "--period", "2021-09"}, getenv, strings.NewReader(""), &stdout, &stderr)
	if got, want := exitCode(err), exitUsage; got != want {
		t.Errorf("exit code: got %d, want %d (%v)", got, want, err)
	}
	want := fmt.Sprintf("collect ywtb 2021-09: failed, nothing stored: collector ywtb: GET %s/stats?month=2021-09: 403 Forbidden\n", srv.URL)
	if got := stdout.String(); got != want {
		t.Errorf("stdout: got %q, want %q", got, want)
	}
	if strings.Contains(stdout.String()+stderr.String(), "tok-123456") {
		t.Errorf("the token leaked")
	}
}

func TestCollectUsage(t *testing.T) {
	cfg, _ := demoConfig(t, nil)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no config", []string{"collect"}, "collect: --config.file is required"},
		{"period and range", []string{"collect", "--config.file", cfg, "--period", "2021-09", "--from", "2021-01", "--to", "2021-03"}, "collect: give --period or --from/--to, not both"},
		{"from alone", []string{"collect", "--config.file", cfg, "--from", "2021-01"}, "collect: --from and --to go together"},
		{"bad period", []string{"collect", "--config.file", cfg, "--period", "2021-13"}, `collect: --period: bad period "2021-13": month must be 1..12`},
		{"future period", []string{"collect", "--config.file", cfg, "--from", "2021年1月", "--to", "2999/1"}, `collect: --to: period "2999/1" is in the future (now is ` + time.Now().In(time.FixedZone("CST", 8*60*60)).Format("2006-01") + ")"},
		{"backwards", []string{"collect", "--config.file", cfg, "--from", "2021-09", "--to", "2021-01"}, "collect: --to 2021-01 is before --from 2021-09"},
		{"unknown collector", []string{"collect", "--config.file", cfg, "--collector", "nope"}, `collect: no collector named "nope" in ` + cfg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantUsageError(t, tc.want, tc.args...)
		})
	}
}

func TestServeConfigCheck(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		r := runBizenv(t, noDatabase, "serve", "--config.check", "--config.file", filepath.Join("..", "..", "deploy", "demo", "bizenv.yml"))
		if r.code() != exitOK || r.stdout != "config OK\n" {
			t.Errorf("got exit %d, stdout %q (%v); want 0, \"config OK\"", r.code(), r.stdout, r.err)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		bad := filepath.Join("..", "..", "config", "testdata", "collectors", "bad-schedule.yml")
		want := "config " + bad + `: collector wb: schedule "0 9 * *": expected exactly 5 fields, found 4: [0 9 * *]`
		wantUsageError(t, want, "serve", "--config.check", "--config.file", bad)
	})
}

// The tokens file named by the config is checked with it, by the API's
// parser: a bad file stops serve (and --config.check) with its line.
func TestServeConfigCheckTokensFile(t *testing.T) {
	three := writeFile(t, "three", "a b c\n")
	short := writeFile(t, "short", "a short\n")
	for _, tc := range []struct{ name, tokens, want string }{
		{"missing file", "/nonexistent", "api.tokens_file: open /nonexistent: no such file or directory"},
		{"three fields", three, "api.tokens_file: " + three + " line 1: want \"name token\""},
		{"short token", short, "api.tokens_file: " + short + " line 1: token of a is shorter than 16 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, "bizenv.yml", "api: {tokens_file: "+tc.tokens+"}\n")
			wantUsageError(t, "config "+cfg+": "+tc.want, "serve", "--config.check", "--config.file", cfg)
		})
	}
}

// serve runs the demo's drop-folder collector on start and records it.
func TestServeRunsCollectors(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, _ := demoConfig(t, nil)
	_, logs := startServe(t, dsn, "--config.file", cfg)
	deadline := time.After(60 * time.Second)
	for !strings.Contains(logs.String(), `msg="collector run finished" collector=city-assessment-inbox`) {
		select {
		case <-deadline:
			t.Fatalf("no collector run within 60s:\n%s", logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if want := "inserted=31"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}
