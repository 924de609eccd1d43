package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestLandingPage: the page at / is Chinese first, leads to the monthly
// report and the API, and offers no profiling downloads; every link on it
// answers.
func TestLandingPage(t *testing.T) {
	dsn := pgtest.DSN(t)
	data := writeFile(t, "data.csv", header+"2020-11,wuhan-edz,city_assessment_rank,15,test,\n")
	if r := runBizenv(t, dsn, "import", data); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	base, _ := startServe(t, dsn)
	status, page := get(t, base+"/")
	if status != http.StatusOK {
		t.Fatalf("GET /: %d", status)
	}
	if !strings.Contains(page, `<html lang="zh">`) {
		t.Errorf("the page is not marked Chinese:\n%s", page)
	}
	for _, want := range []string{`action="/api/v1/reports/monthly"`, `name="period"`, `name="format" value="html"`, `href="/api/v1/openapi.json"`, "月度报告"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "pprof") {
		t.Errorf("the page offers pprof:\n%s", page)
	}
	if status, _ := get(t, base+"/debug/pprof/heap"); status != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/heap: %d, want 404", status)
	}
	for _, m := range regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if status, _ := get(t, base+m[1]); status != http.StatusOK {
			t.Errorf("link %s: %d", m[1], status)
		}
	}
	// What the report form asks for, filled in.
	status, body := get(t, base+"/api/v1/reports/monthly?"+url.Values{"period": {"2020-11"}, "entity": {""}, "format": {"html"}}.Encode())
	if status != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("the report form's request: %d\n%.300s", status, body)
	}
}
