package ingest_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/xuri/excelize/v2"
)

// longRows returns n distinct long-format rows: each indicator of the
// default catalog for each entity, month after month from 2000-01.
func longRows(n int) [][]any {
	cat := bizenv.DefaultCatalog()
	values := map[string]string{
		bizenv.UnitRatio: "98.35%", bizenv.UnitRank: "第3名", bizenv.UnitScore: "95.5分",
		bizenv.UnitCount: "1,234家", bizenv.UnitSteps: "2个", bizenv.UnitItems: "5项",
		bizenv.UnitDays: "0.5天", bizenv.UnitWorkingDays: "3个工作日", bizenv.UnitYuan: "80019.85万元",
	}
	perMonth := len(cat.Indicators) * len(cat.Entities)
	rows := make([][]any, n)
	for i := range rows {
		period := bizenv.Period{Year: 2000, Month: 1}.AddMonths(i / perMonth)
		ind := cat.Indicators[i%len(cat.Indicators)]
		entity := cat.Entities[i%perMonth/len(cat.Indicators)]
		rows[i] = []any{period.String(), entity.Code, ind.Code, values[ind.Unit]}
	}
	return rows
}

func BenchmarkParseLongCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("period,entity,indicator,value\n")
	for _, r := range longRows(100_000) {
		fmt.Fprintf(&buf, "%s,%s,%s,%s\n", r...)
	}
	benchParseLong(b, buf.Bytes())
}

func BenchmarkReadTableXLSX(b *testing.B) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"period", "entity", "indicator", "value"})
	for i, r := range longRows(20_000) {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := ingest.ReadTable("bench.xlsx", bytes.NewReader(buf.Bytes()), ingest.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLongCSVChinese is BenchmarkParseLongCSV with Chinese
// headers, periods and names (name_zh) instead of codes.
func BenchmarkParseLongCSVChinese(b *testing.B) {
	cat := bizenv.DefaultCatalog()
	zh := map[string]string{}
	for _, i := range cat.Indicators {
		zh[i.Code] = i.NameZH
	}
	for _, e := range cat.Entities {
		zh[e.Code] = e.NameZH
	}
	var buf bytes.Buffer
	buf.WriteString("月份,单位,指标,数值\n")
	for _, r := range longRows(100_000) {
		p, _ := ingest.ParsePeriod(r[0].(string))
		fmt.Fprintf(&buf, "%d年%d月,%s,%s,%s\n", p.Year, p.Month, zh[r[1].(string)], zh[r[2].(string)], r[3])
	}
	benchParseLong(b, buf.Bytes())
}

// benchParseLong reads csv, a long-format table of the default catalog,
// and parses it, again and again; every row must be accepted.
func benchParseLong(b *testing.B, csv []byte) {
	cat := bizenv.DefaultCatalog()
	b.SetBytes(int64(len(csv)))
	for b.Loop() {
		table, err := ingest.ReadTable("bench.csv", bytes.NewReader(csv), ingest.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, rejects, err := ingest.ParseLong(table, cat, now); err != nil || len(rejects) > 0 {
			b.Fatal(err, rejects[:1])
		}
	}
}
