package ingest_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

// The fuzz targets check invariants rather than values; their seeds are
// below and in testdata/fuzz.

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"66.67%", "80019.85万元", "第15位", "1,234.5", "—", "-1", "1e999", "３．５天"} {
		for _, unit := range bizenv.Units {
			f.Add(s, unit)
		}
	}
	f.Fuzz(func(t *testing.T, s, unit string) {
		v, present, err := ingest.ParseValue(s, unit)
		if err != nil {
			if present || v != 0 {
				t.Fatalf("ParseValue(%q, %q) = %v, %v with error %v", s, unit, v, present, err)
			}
			if _, ok := errors.AsType[*ingest.ValueError](err); !ok {
				t.Fatalf("ParseValue(%q, %q) error %T, want *ValueError", s, unit, err)
			}
			return
		}
		if !present {
			if !ingest.IsAbsent(s) || v != 0 {
				t.Fatalf("ParseValue(%q, %q) = %v, absent, but IsAbsent is false", s, unit, v)
			}
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseValue(%q, %q) = %v", s, unit, v)
		}
		switch unit {
		case bizenv.UnitRatio:
			if v < 0 || v > 1 {
				t.Fatalf("ParseValue(%q, ratio) = %v, outside [0,1]", s, v)
			}
		case bizenv.UnitRank:
			if v < 1 || v != math.Trunc(v) {
				t.Fatalf("ParseValue(%q, rank) = %v, not a rank", s, v)
			}
		case bizenv.UnitScore:
		default:
			if v < 0 {
				t.Fatalf("ParseValue(%q, %s) = %v, negative", s, unit, v)
			}
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2020-06", "2020/6", "2020年6月", "202006", "２０２０－６", "2020-13", "1899-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ingest.ParsePeriod(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bad period ") {
				t.Fatalf("ParsePeriod(%q) error %q", s, err)
			}
			return
		}
		if p.Year < 1900 || p.Year > 2999 || p.Month < 1 || p.Month > 12 {
			t.Fatalf("ParsePeriod(%q) = %+v", s, p)
		}
		again, err := ingest.ParsePeriod(p.String())
		if err != nil || again != p {
			t.Fatalf("ParsePeriod(%q) = %v, which reads back as %v, %v", s, p, again, err)
		}
		if canonical, err := bizenv.ParsePeriod(p.String()); err != nil || canonical != p {
			t.Fatalf("bizenv.ParsePeriod(%q) = %v, %v", p, canonical, err)
		}
	})
}

func FuzzReadTableCSV(f *testing.F) {
	for _, s := range []string{
		"period,entity,indicator,value\n2021-09,wuhan-edz,city_assessment_rank,5\n",
		"\ufefftitle\n\na,\"b\nc\",d\r\n1,2\n",
		"a,\"b",
		"\"\"\"\",,\n",
	} {
		f.Add([]byte(s))
	}
	catalog := bizenv.DefaultCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := ingest.ReadOptions{MaxBytes: 1 << 16, MaxRows: 50, MaxCells: 500}
		table, err := ingest.ReadTable("fuzz.csv", bytes.NewReader(data), opts)
		if err != nil {
			if code := bizenv.ErrorCode(err); code != bizenv.EINVALID && code != bizenv.ETOOLARGE {
				t.Fatalf("error %v has code %s", err, code)
			}
			return
		}
		if len(table.Rows) > opts.MaxRows {
			t.Fatalf("%d rows, limit %d", len(table.Rows), opts.MaxRows)
		}
		last := 0
		for _, r := range table.Rows {
			if r.Line <= last {
				t.Fatalf("line %d after line %d", r.Line, last)
			}
			last = r.Line
			if len(r.Cells) == 0 {
				t.Fatalf("line %d has no cells", r.Line)
			}
			if !bytes.Contains(data, []byte(r.Raw)) {
				t.Fatalf("line %d: raw %q is not in the input", r.Line, r.Raw)
			}
		}
		if last > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("line %d is past the end of the input", last)
		}
		// Whatever the table holds, the long format reads it without
		// panicking and rejects name real lines.
		obs, rejects, err := ingest.ParseLong(table, catalog, now)
		if err != nil {
			return
		}
		for _, r := range rejects {
			if !slices.ContainsFunc(table.Rows, func(row ingest.Row) bool { return row.Line == r.Line }) {
				t.Fatalf("reject on line %d, which is not a row", r.Line)
			}
		}
		for _, o := range obs {
			if ind, _ := catalog.Indicator(o.Indicator); ind.Unit == bizenv.UnitRatio && (o.Value < 0 || o.Value > 1) {
				t.Fatalf("ratio %v", o.Value)
			}
		}
	})
}
