package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestMakeRunHint takes what `make run` prints before serving, on the demo
// data, and follows it: the metrics, API and report URLs answer, and the
// report command it prints writes the demo's 2020-11 report.
func TestMakeRunHint(t *testing.T) {
	dsn := pgtest.DSN(t)
	importDemoSeries(t, dsn)
	base, _ := startServe(t, dsn)
	addr := strings.TrimPrefix(base, "http://")

	cmd := exec.Command("make", "-s", "-C", filepath.Join("..", ".."), "run-hint", "ADDR="+addr, "DATA_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make run-hint: %v\n%s", err, out)
	}
	hint := string(out)
	for _, label := range []string{"metrics", "API", "report"} {
		m := regexp.MustCompile(`(?m)^\s+` + label + `\s+(http://\S+)`).FindStringSubmatch(hint)
		if m == nil {
			t.Errorf("the hint has no %s URL:\n%s", label, hint)
			continue
		}
		resp, err := http.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d", label, m[1], resp.StatusCode)
		}
	}
	m := regexp.MustCompile(`(?m)^\s+(\S*bizenv) (report .*)$`).FindStringSubmatch(hint)
	if m == nil {
		t.Fatalf("the hint has no report command:\n%s", hint)
	}
	args := strings.Fields(m[2])
	if !strings.Contains(m[2], "--period 2020-11") {
		t.Errorf("the report command is not the demo's story (2020-11): %s", m[2])
	}
	// Run it from a folder of the test's, where -o writes.
	dir := t.TempDir()
	t.Chdir(dir)
	if r := runBizenv(t, dsn, args...); r.err != nil {
		t.Fatalf("%s: %v\n%s", m[2], r.err, r.stderr)
	}
	i := strings.Index(m[2], "-o ")
	if i < 0 {
		t.Fatalf("the report command writes no file: %s", m[2])
	}
	page, err := os.ReadFile(filepath.Join(dir, strings.Fields(m[2][i+3:])[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "2020年11月") {
		t.Errorf("the report is not for 2020-11:\n%.500s", page)
	}
}
