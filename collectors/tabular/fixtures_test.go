package tabular_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the XLSX fixtures in testdata and deploy/demo/inbox")

// noticeName is the published notice's file name, the period in it.
const noticeName = "2021年9月全市营商环境考核排名.xlsx"

// noticeRows are the September 2021 city assessment as the demo data
// (deploy/demo/synthetic.csv and seed-report.csv) has it: 序号, 单位, 得分,
// 排名, best first, then the city average, which has no rank.
var noticeRows = [][]any{
	{1, "江汉区", 90.26, 1},
	{2, "东湖高新区", 89.24, 2},
	{3, "武昌区", 88.46, 3},
	{4, "江岸区", 87.77, 4},
	{5, "经开区（汉南区）", 87.76, 5},
	{6, "硚口区", 87.27, 6},
	{7, "汉阳区", 87.12, 7},
	{8, "洪山区", 86.35, 8},
	{9, "长江新区", 86.15, 9},
	{10, "东西湖区", 85.8, 10},
	{11, "江夏区", 85.24, 11},
	{12, "新洲区", 84.92, 12},
	{13, "蔡甸区", 83.19, 13},
	{14, "黄陂区", 81.82, 14},
	{15, "青山区", 80.24, 15},
	{"", "全市平均", 86.11, "—"},
}

// TestFixtures checks that the XLSX fixtures hold what the builders below
// write, cell by cell, and rewrites them with -update. They are built with
// excelize, as a city office's spreadsheet would be saved: a merged title
// row, a merged issuer row, the header, the rows. The contents are compared,
// not the bytes, which carry excelize's version and timestamps.
func TestFixtures(t *testing.T) {
	files := map[string]func() (*excelize.File, error){
		filepath.Join("testdata", noticeName):                            notice,
		filepath.Join("..", "..", "deploy", "demo", "inbox", noticeName): notice,
		filepath.Join("testdata", "merged-months.xlsx"):                  mergedMonths,
	}
	for path, build := range files {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			f, err := build()
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := f.SaveAs(path); err != nil {
					t.Fatal(err)
				}
				return
			}
			var built bytes.Buffer
			if _, err := f.WriteTo(&built); err != nil {
				t.Fatal(err)
			}
			want, err := cells(bytes.NewReader(built.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			stored, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v; run go test ./collectors/tabular -run TestFixtures -update", err)
			}
			defer stored.Close()
			got, err := cells(stored)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if diff := lineDiff(got, want); diff != "" {
				t.Errorf("%s is not what its builder writes (run go test ./collectors/tabular -run TestFixtures -update):\n%s", path, diff)
			}
		})
	}
}

// cells writes out a workbook's contents: every sheet in order, its merged
// ranges, and every cell with its type and value as stored.
func cells(r io.Reader) ([]string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	for _, sheet := range f.GetSheetList() {
		out = append(out, "sheet "+sheet)
		merged, err := f.GetMergeCells(sheet)
		if err != nil {
			return nil, err
		}
		for _, m := range merged {
			out = append(out, fmt.Sprintf("merged %s:%s", m.GetStartAxis(), m.GetEndAxis()))
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		for i, row := range rows {
			for j, v := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				typ, err := f.GetCellType(sheet, cell)
				if err != nil {
					return nil, err
				}
				if v == "" && typ == excelize.CellTypeUnset {
					continue
				}
				out = append(out, fmt.Sprintf("%s %d %q", cell, typ, v))
			}
		}
	}
	return out, nil
}

// lineDiff lists the lines of got and want that differ, by position.
func lineDiff(got, want []string) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "  stored %s\n  built  %s\n", g, w)
		}
	}
	return b.String()
}

func notice() (*excelize.File, error) {
	f := excelize.NewFile()
	sheet := "Sheet1"
	if err := f.SetSheetName(sheet, "排名"); err != nil {
		return nil, err
	}
	sheet = "排名"
	set := func(cell string, v any) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			panic(err)
		}
	}
	set("A1", "2021年9月全市营商环境考核排名")
	set("A2", "武汉市优化营商环境领导小组办公室　2021年10月8日")
	for _, r := range []string{"A1:D1", "A2:D2"} {
		a, b := r[:2], r[3:]
		if err := f.MergeCell(sheet, a, b); err != nil {
			return nil, err
		}
	}
	for i, h := range []string{"序号", "单位", "得分", "排名"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		set(cell, h)
	}
	for i, row := range noticeRows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+4)
			set(cell, v)
		}
	}
	return f, nil
}

// mergedMonths is a wide table with its period in a column whose cells are
// merged over the rows of each month, values written as people write
// them, and a blank row.
func mergedMonths() (*excelize.File, error) {
	f := excelize.NewFile()
	sheet := "Sheet1"
	rows := [][]any{
		{"经开区一网通办月报"},
		{"月份", "单位", "全程网办率", "事项认领率"},
		{"2021年8月", "经开区", "98.5%", 0.97},
		{"", "江岸区", "０.９９", "96%"},
		{},
		{"2021年9月", "经开区", "99%", "—"},
		{"", "江岸区", "1", "97.5%"},
		{"", "不存在区", "50%", "50%"},
	}
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range [][2]string{{"A1", "D1"}, {"A3", "A4"}, {"A6", "A8"}} {
		if err := f.MergeCell(sheet, r[0], r[1]); err != nil {
			return nil, fmt.Errorf("merge %v: %w", r, err)
		}
	}
	return f, nil
}
