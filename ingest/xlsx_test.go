package ingest_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/internal/bomb"
	"github.com/xuri/excelize/v2"
)

// workbook builds an XLSX file in memory: build gets the file, whose first
// sheet is named first.
func workbook(t *testing.T, first string, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", first); err != nil {
		t.Fatal(err)
	}
	build(f)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// must fails the test on err; it keeps workbook builders short.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// style registers a number format and returns its style.
func style(t *testing.T, f *excelize.File, numFmt int, custom string) int {
	t.Helper()
	s := &excelize.Style{NumFmt: numFmt}
	if custom != "" {
		s.CustomNumFmt = &custom
	}
	id, err := f.NewStyle(s)
	must(t, err)
	return id
}

// noticeWorkbook is a ranking notice as published: a merged title row, a
// header, an entity merged over two rows, numbers in several formats, a
// blank row, and a second sheet.
func noticeWorkbook(t *testing.T) []byte {
	return workbook(t, "排名", func(f *excelize.File) {
		const s = "排名"
		set := func(cell string, v any) { must(t, f.SetCellValue(s, cell, v)) }
		format := func(cell string, id int) { must(t, f.SetCellStyle(s, cell, cell, id)) }
		set("A1", "2021年9月全市营商环境考核排名")
		must(t, f.MergeCell(s, "A1", "E1"))
		must(t, f.SetSheetRow(s, "A2", &[]any{"序号", "单位", "得分", "网办率", "办件量"}))
		must(t, f.SetSheetRow(s, "A3", &[]any{1, "经开区", 95.5, 0.666666, 1234.5}))
		format("D3", style(t, f, 10, "")) // 0.00%: shows 66.67%
		format("E3", style(t, f, 3, ""))  // #,##0: shows 1,235
		must(t, f.SetSheetRow(s, "A4", &[]any{2, "江岸区", 90, 1, 80019.85}))
		format("D4", style(t, f, 9, ""))         // 0%: shows 100%
		format("E4", style(t, f, 0, `0.00"万元"`)) // shows 80019.85万元
		must(t, f.SetSheetRow(s, "A5", &[]any{3, nil, 88.25, "12.5%", "—"}))
		format("C5", style(t, f, 0, "0.0")) // shows 88.3
		must(t, f.MergeCell(s, "B4", "B5"))
		must(t, f.SetSheetRow(s, "A7", &[]any{4, "硚口区", 80, 44440}))
		format("D7", style(t, f, 0, "yyyy-mm")) // a date: shows 2021-09
		_, err := f.NewSheet("说明")
		must(t, err)
		must(t, f.SetSheetRow("说明", "A1", &[]any{"数据来源：市营商办", `口径见"附件1",2021年`}))
	})
}

func TestReadTableXLSX(t *testing.T) {
	data := noticeWorkbook(t)
	title := "2021年9月全市营商环境考核排名"
	want := []ingest.Row{
		{Line: 1, Cells: []string{title, title, title, title, title}, Raw: title + "," + title + "," + title + "," + title + "," + title},
		{Line: 2, Cells: []string{"序号", "单位", "得分", "网办率", "办件量"}, Raw: "序号,单位,得分,网办率,办件量"},
		{Line: 3, Cells: []string{"1", "经开区", "95.5", "0.666666", "1234.5"}, Raw: "1,经开区,95.5,0.666666,1234.5"},
		{Line: 4, Cells: []string{"2", "江岸区", "90", "1", "80019.85万元"}, Raw: "2,江岸区,90,1,80019.85万元"},
		{Line: 5, Cells: []string{"3", "江岸区", "88.25", "12.5%", "—"}, Raw: "3,江岸区,88.25,12.5%,—"},
		{Line: 7, Cells: []string{"4", "硚口区", "80", "2021-09"}, Raw: "4,硚口区,80,2021-09"},
	}
	for _, name := range []string{"notice.xlsx", "upload"} {
		t.Run(name, func(t *testing.T) {
			table, err := ingest.ReadTable(name, bytes.NewReader(data), ingest.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if table.Name != name || table.Sheet != "排名" {
				t.Errorf("Name, Sheet = %q, %q; want %q, 排名", table.Name, table.Sheet, name)
			}
			if got := table.Rows; !reflect.DeepEqual(got, want) {
				t.Errorf("rows:\n got %q\nwant %q", rowsText(got), rowsText(want))
			}
		})
	}
}

func rowsText(rows []ingest.Row) []string {
	var s []string
	for _, r := range rows {
		s = append(s, fmt.Sprintf("%d %q %q", r.Line, r.Cells, r.Raw))
	}
	return s
}

func TestReadTableXLSXSheet(t *testing.T) {
	data := noticeWorkbook(t)
	table, err := ingest.ReadTable("notice.xlsx", bytes.NewReader(data), ingest.ReadOptions{Sheet: "说明"})
	if err != nil {
		t.Fatal(err)
	}
	want := []ingest.Row{{Line: 1, Cells: []string{"数据来源：市营商办", `口径见"附件1",2021年`}, Raw: `数据来源：市营商办,"口径见""附件1"",2021年"`}}
	if !reflect.DeepEqual(table.Rows, want) || table.Sheet != "说明" {
		t.Errorf("sheet %q rows %q; want 说明 rows %q", table.Sheet, rowsText(table.Rows), rowsText(want))
	}
	t.Run("ascii case", func(t *testing.T) {
		data := workbook(t, "Data", func(f *excelize.File) { must(t, f.SetCellValue("Data", "A1", "x")) })
		table, err := ingest.ReadTable("in.xlsx", bytes.NewReader(data), ingest.ReadOptions{Sheet: "data"})
		if err != nil {
			t.Fatal(err)
		}
		if table.Sheet != "Data" {
			t.Errorf("Sheet = %q, want Data", table.Sheet)
		}
	})
}

func TestReadTableXLSXErrors(t *testing.T) {
	data := noticeWorkbook(t)
	tests := []struct {
		name     string
		opts     ingest.ReadOptions
		wantCode string
		want     string
	}{
		{"no such sheet", ingest.ReadOptions{Sheet: "得分"}, bizenv.EINVALID, `notice.xlsx: no sheet "得分"; the sheets are 排名, 说明`},
		{"too many rows", ingest.ReadOptions{MaxRows: 5}, bizenv.ETOOLARGE, "notice.xlsx: more than 5 rows"},
		{"too many cells", ingest.ReadOptions{MaxCells: 12}, bizenv.ETOOLARGE, "notice.xlsx: more than 12 cells"},
		{"too many bytes", ingest.ReadOptions{MaxBytes: 1000}, bizenv.ETOOLARGE, "notice.xlsx: larger than 1000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ingest.ReadTable("notice.xlsx", bytes.NewReader(data), tt.opts)
			wantError(t, err, tt.wantCode, tt.want)
		})
	}
}

// A workbook that unpacks to far more than its size is refused before it
// is read, even under the byte limit.
func TestReadTableXLSXZipBomb(t *testing.T) {
	valid := workbook(t, "Data", func(f *excelize.File) { must(t, f.SetCellValue("Data", "A1", "x")) })
	zr, err := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
	must(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		must(t, zw.Copy(f))
	}
	pad, err := zw.Create("xl/media/padding.bin")
	must(t, err)
	_, err = pad.Write(make([]byte, 8<<20))
	must(t, err)
	must(t, zw.Close())

	data := buf.Bytes()
	_, err = ingest.ReadTable("bomb.xlsx", bytes.NewReader(data), ingest.ReadOptions{MaxBytes: int64(len(data))})
	want := fmt.Sprintf("bomb.xlsx: unpacks to more than %d bytes, the most a file of %d bytes may (100 times its size, at most 268435456)", 100*len(data), len(data))
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s (file of %d bytes)", err, want, len(data))
	}
	if code := bizenv.ErrorCode(err); code != bizenv.ETOOLARGE {
		t.Errorf("error code = %s, want %s", code, bizenv.ETOOLARGE)
	}
}

// TestXLSXBombs reads workbooks whose parts unpack to far more than the
// file: each is refused with too_large from its zip directory alone, before
// a part is unpacked.
func TestXLSXBombs(t *testing.T) {
	junk := bomb.JunkPart(1 << 30)
	sst := bomb.SharedStrings(256 << 20 / 17)
	padded := bomb.PaddedSheet(1 << 30)
	total := func(data []byte) string {
		n := int64(len(data))
		return fmt.Sprintf("b.xlsx: unpacks to more than %d bytes, the most a file of %d bytes may (100 times its size, at most 268435456)", min(max(100*n, 1<<20), 256<<20), n)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"1 GiB junk part", junk, "b.xlsx: part xl/media/junk.bin unpacks to 1073741824 bytes, more than the 16777216 allowed"},
		{"shared-strings bomb", sst, "b.xlsx: its shared strings unpack to 268431493 bytes, more than the 16777216 allowed"},
		{"white-space padded sheet", padded, total(padded)},
		{"white space within the size bounds", bomb.Widen(bomb.PaddedSheet(2<<20), 32<<10),
			"b.xlsx: part xl/worksheets/sheet1.xml has more than 1048576 bytes of text or white space between two tags"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) > 1500<<10 {
				t.Fatalf("the bomb is %d bytes, want 1.5 MB or less", len(tc.data))
			}
			_, err := ingest.ReadTable("b.xlsx", bytes.NewReader(tc.data), ingest.ReadOptions{})
			if got, want := bizenv.ErrorCode(err), bizenv.ETOOLARGE; got != want {
				t.Fatalf("code: got %q (%v), want %q", got, err, want)
			}
			if got := bizenv.ErrorMessage(err); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}

	t.Run("a padded sheet within bounds reads", func(t *testing.T) {
		tab, err := ingest.ReadTable("b.xlsx", bytes.NewReader(bomb.PaddedSheet(512<<10)), ingest.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(tab.Rows), 2; got != want {
			t.Fatalf("rows: got %d, want %d", got, want)
		}
		if got, want := tab.Rows[1].Raw, "2020-06,wuhan-edz,city_assessment_rank,8"; got != want {
			t.Errorf("row 2: got %q, want %q", got, want)
		}
	})
}
