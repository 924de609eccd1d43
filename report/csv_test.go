package report_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/report"
)

// TestCSVEscapesFormulas: text a spreadsheet would run as a formula is
// escaped with a leading quote, as OWASP recommends; numbers, negative
// ones included, stay numbers.
func TestCSVEscapesFormulas(t *testing.T) {
	p, err := bizenv.ParsePeriod("2020-11")
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{
		Period: p,
		Entity: "-edz",
		Declined: []report.Change{
			{Indicator: "@sum", NameZH: `=HYPERLINK("http://evil.example/","点击")`, Unit: bizenv.UnitScore, Value: -3, Previous: 2, Change: -5},
			{Indicator: "plain", NameZH: "+cmd|' /C calc'!A0", Unit: bizenv.UnitScore, Value: 1.5, Previous: 2, Change: -0.5},
			{Indicator: "tab", NameZH: "\t=1+1", Unit: bizenv.UnitScore, Value: 1, Previous: 2, Change: -1},
			{Indicator: "cr", NameZH: "\r=1+1", Unit: bizenv.UnitScore, Value: 1, Previous: 2, Change: -1},
			{Indicator: "safe", NameZH: "一网通办 = 办件量", Unit: bizenv.UnitScore, Value: 1, Previous: 2, Change: -1},
		},
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(written(t, r, report.FormatCSV), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	declined := map[string][]string{}
	for _, row := range rows {
		if row[0] == "declined" {
			declined[strings.TrimPrefix(row[3], "'")] = row
		}
	}
	for _, tc := range []struct {
		indicator                                         string
		entity, indicatorCell, name, value, other, change string
	}{
		{"@sum", "'-edz", "'@sum", `'=HYPERLINK("http://evil.example/","点击")`, "-3", "2", "-5"},
		{"plain", "'-edz", "plain", "'+cmd|' /C calc'!A0", "1.5", "2", "-0.5"},
		{"tab", "'-edz", "tab", "'\t=1+1", "1", "2", "-1"},
		{"cr", "'-edz", "cr", "'\r=1+1", "1", "2", "-1"},
		{"safe", "'-edz", "safe", "一网通办 = 办件量", "1", "2", "-1"},
	} {
		row, ok := declined[tc.indicator]
		if !ok {
			t.Errorf("no declined row for %s", tc.indicator)
			continue
		}
		got := []string{row[2], row[3], row[4], row[6], row[7], row[8]}
		want := []string{tc.entity, tc.indicatorCell, tc.name, tc.value, tc.other, tc.change}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", tc.indicator, got, want)
		}
	}
}
