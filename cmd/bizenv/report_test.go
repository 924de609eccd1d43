package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestReportWithoutData: a month, or an entity, without figures is not
// reported as an all-clear, and a future month is a usage error.
func TestReportWithoutData(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "import", "../../report/testdata/demo.csv"); r.code() != exitOK {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"month without data", []string{"--period", "2022-05"}, exitRejected, "no data for wuhan-edz in 2022-05"},
		{"month without data as html", []string{"--period", "2022-05", "--format", "html"}, exitRejected, "no data for wuhan-edz in 2022-05"},
		{"the city", []string{"--period", "2020-11", "--entity", "wuhan"}, exitRejected, "no data for wuhan in 2020-11"},
		{"the city average", []string{"--period", "2020-11", "--entity", "wuhan-avg"}, exitRejected, "no data for wuhan-avg in 2020-11"},
		{"future month", []string{"--period", "2030-01"}, exitUsage, `period "2030-01" is in the future`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBizenv(t, dsn, append([]string{"report"}, tc.args...)...)
			if r.code() != tc.code || r.err == nil || !strings.Contains(r.err.Error(), tc.msg) {
				t.Errorf("got exit %d %v, want exit %d with %q", r.code(), r.err, tc.code, tc.msg)
			}
			if r.stdout != "" {
				t.Errorf("printed a report: %.200s", r.stdout)
			}
		})
	}
}

// TestReportPeriodForms: --period takes every form import takes.
func TestReportPeriodForms(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "import", "../../report/testdata/demo.csv"); r.code() != exitOK {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	for _, p := range []string{"2020-11", "2020/11", "2020年11月", "202011", "2020-11 "} {
		r := runBizenv(t, dsn, "report", "--period", p)
		var got struct{ Period string }
		if r.code() != exitOK || json.Unmarshal([]byte(r.stdout), &got) != nil || got.Period != "2020-11" {
			t.Errorf("--period %q: exit %d %v: %.100s", p, r.code(), r.err, r.stdout)
		}
	}
}
