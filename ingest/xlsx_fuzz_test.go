package ingest_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

// FuzzReadTableXLSX feeds ReadTable workbooks, whole and mangled: it must
// never panic, fail only with EINVALID or ETOOLARGE, and keep its limits.
// More seeds are in testdata/fuzz/FuzzReadTableXLSX.
func FuzzReadTableXLSX(f *testing.F) {
	for _, rows := range [][][]any{
		{{"period", "entity", "indicator", "value"}, {"2021-09", "wuhan-edz", "city_assessment_rank", 8}},
		{{"2021年9月全市营商环境考核排名"}, {"单位", "得分", "排名"}, {"经开区（汉南区）", 91.5, 3}},
		{{"a\x00b", "=1+1", "\"quoted\nline\""}, {1e308, math.Copysign(0, -1), "66.67%"}},
	} {
		xf := excelize.NewFile()
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			xf.SetSheetRow("Sheet1", cell, &row)
		}
		var b bytes.Buffer
		if err := xf.Write(&b); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2]) // truncated
	}
	f.Add([]byte("PK\x03\x04"))
	const maxRows, maxCells = 50, 500
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := ingest.ReadTable("fuzz.xlsx", bytes.NewReader(data), ingest.ReadOptions{MaxBytes: 1 << 20, MaxRows: maxRows, MaxCells: maxCells})
		if err != nil {
			if code := bizenv.ErrorCode(err); code != bizenv.EINVALID && code != bizenv.ETOOLARGE {
				t.Fatalf("error code %q (%v), want invalid or too_large", code, err)
			}
			return
		}
		if len(tbl.Rows) > maxRows {
			t.Fatalf("%d rows, over the limit of %d", len(tbl.Rows), maxRows)
		}
		cells := 0
		for _, r := range tbl.Rows {
			cells += len(r.Cells)
			if r.Line < 1 {
				t.Fatalf("row line %d", r.Line)
			}
		}
		if cells > maxCells {
			t.Fatalf("%d cells, over the limit of %d", cells, maxCells)
		}
	})
}
