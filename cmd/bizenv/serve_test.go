package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/internal/roundtrip"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// inboxToken is analyst's API token on the server startInboxServe starts.
const inboxToken = "analyst-token-0123456789"

// startInboxServe starts serve on dsn with one collector, inbox, whose
// drop folder holds wuhan-edz's city assessment rank of 2021-09 (5), and
// with inboxToken the API token of analyst. It returns the server's URL.
func startInboxServe(t *testing.T, dsn string) string {
	t.Helper()
	inbox := t.TempDir()
	csv := header + "2021-09,wuhan-edz,city_assessment_rank,5,notice,\n"
	if err := os.WriteFile(filepath.Join(inbox, "2021-09.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "bizenv.yml", fmt.Sprintf(`collectors:
  - name: inbox
    schedule: "0 9 1 1 *"
    tabular:
      path: %s/*.csv
      layout: long
`, inbox))
	base, _ := startServeEnv(t, map[string]string{
		"BIZENV_DATABASE_URL": dsn,
		"BIZENV_API_TOKENS":   "analyst:" + inboxToken,
	}, "--config.file", cfg)
	return base
}

// postEmpty posts nothing to url with the bearer token auth, if any, and
// returns the status and the JSON answer.
func postEmpty(t *testing.T, url, auth string) (int, map[string]any) {
	t.Helper()
	req := roundtrip.Request(t, http.MethodPost, url, strings.NewReader(""))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, b := roundtrip.Do(t, req)
	var body map[string]any
	json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

// TestServeRunsCollectorThroughAPI runs a configured collector on demand
// through POST /api/v1/collectors/{name}/run, the same runner as cron.
func TestServeRunsCollectorThroughAPI(t *testing.T) {
	base := startInboxServe(t, pgtest.DSN(t))
	post := func(t *testing.T, path, auth string) (int, map[string]any) {
		t.Helper()
		return postEmpty(t, base+path, auth)
	}

	t.Run("without a token", func(t *testing.T) {
		if code, _ := post(t, "/api/v1/collectors/inbox/run", ""); code != http.StatusUnauthorized {
			t.Errorf("status: got %d, want 401", code)
		}
	})
	t.Run("unknown collector", func(t *testing.T) {
		if code, body := post(t, "/api/v1/collectors/nope/run", inboxToken); code != http.StatusNotFound {
			t.Errorf("status: got %d, want 404: %v", code, body)
		}
	})
	t.Run("runs and records", func(t *testing.T) {
		code, body := post(t, "/api/v1/collectors/inbox/run", inboxToken)
		if code != http.StatusOK {
			t.Fatalf("status: got %d, want 200: %v", code, body)
		}
		_, metrics := get(t, base+"/metrics")
		for _, want := range []string{
			`bizenv_collector_runs_total{collector="inbox",result="success"} 1`,
			`bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 5`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

// serve checks what the environment gives before it opens (and migrates)
// the database: a bad BIZENV_API_TOKENS stops it without a connection.
func TestServeChecksTokensBeforeDatabase(t *testing.T) {
	var stdout, stderr strings.Builder
	getenv := func(k string) string {
		switch k {
		case "BIZENV_DATABASE_URL":
			return "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"
		case "BIZENV_API_TOKENS":
			return "analyst:short"
		}
		return ""
	}
	err := run(context.Background(), []string{"bizenv", "serve", "--web.listen-address=127.0.0.1:0"}, getenv, strings.NewReader(""), &stdout, &stderr)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Fatalf("got %v, want a usage error", err)
	}
	if want := "BIZENV_API_TOKENS item 1: token of analyst is shorter than 16 characters"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}
