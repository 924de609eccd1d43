package ingest_test

import (
	"bytes"
	"cmp"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/internal/bomb"
)

// readCSV reads a CSV table from text or fails the test.
func readCSV(t *testing.T, name, text string, opts ingest.ReadOptions) *ingest.Table {
	t.Helper()
	table, err := ingest.ReadTable(name, strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("ReadTable(%s): %v", name, err)
	}
	return table
}

func TestReadTableCSV(t *testing.T) {
	// row is the row of raw on line: its cells are raw split at the commas.
	row := func(line int, raw string) ingest.Row {
		return ingest.Row{Line: line, Cells: strings.Split(raw, ","), Raw: raw}
	}
	plain := []ingest.Row{row(1, "period,entity"), row(2, "2021-09,wuhan-edz")}
	tests := []struct {
		name, text string
		want       []ingest.Row
	}{
		{"plain", "period,entity\n2021-09,wuhan-edz\n", plain},
		{"byte-order mark", "\ufeffperiod,entity\r\n2021-09,wuhan-edz\r\n", plain},
		{"no final newline", "a,b\n1,2", []ingest.Row{row(1, "a,b"), row(2, "1,2")}},
		{"blank lines keep line numbers", "a,b\n\n\n1,2\n", []ingest.Row{row(1, "a,b"), row(4, "1,2")}},
		{"quoted field across lines", "a,b\n\"x\ny\",\"1,234\"\n3,4\n", []ingest.Row{
			row(1, "a,b"),
			{Line: 2, Cells: []string{"x\ny", "1,234"}, Raw: "\"x\ny\",\"1,234\""},
			row(4, "3,4"),
		}},
		{"ragged rows", "title\na,b,c\n1,2\n", []ingest.Row{row(1, "title"), row(2, "a,b,c"), row(3, "1,2")}},
		{"chinese", "单位,得分\n经开区,95.5\n", []ingest.Row{row(1, "单位,得分"), row(2, "经开区,95.5")}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := readCSV(t, "in.csv", tt.text, ingest.ReadOptions{})
			if table.Name != "in.csv" || table.Sheet != "" {
				t.Errorf("Name, Sheet = %q, %q; want in.csv and no sheet", table.Name, table.Sheet)
			}
			if got := table.Rows; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReadTableErrors(t *testing.T) {
	// reason is what the error says after the file name.
	check := func(name, file, text string, opts ingest.ReadOptions, code, reason string) {
		t.Run(name, func(t *testing.T) {
			_, err := ingest.ReadTable(file, strings.NewReader(text), opts)
			wantError(t, err, code, file+": "+reason)
		})
	}
	// Files that are no CSV or XLSX table.
	for _, tt := range []struct{ name, file, text, reason string }{
		{"bare quote", "in.csv", "a,b\n1,x\"y\n", `parse error on line 2, column 4: bare " in non-quoted-field`},
		{"unclosed quote", "in.csv", "a,b\n1,\"y\n", `parse error on line 2, column 6: extraneous or missing " in quoted-field`},
		{"gbk", "in.csv", "a,b\n\xb5\xa5\xce\xbb,1\n", "line 2 is not UTF-8; save the file as CSV UTF-8"},
		{"xls", "in.xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 (.xls) or encrypted workbook; save it as .xlsx"},
		{"xlsx that is not", "in.xlsx", "a,b\n", "not an XLSX file"},
		{"broken zip", "in.csv", "PK\x03\x04garbage", "zip: not a valid zip file"},
	} {
		check(tt.name, tt.file, tt.text, ingest.ReadOptions{}, bizenv.EINVALID, tt.reason)
	}
	// CSV tables beyond a limit.
	for _, tt := range []struct {
		name, text string
		opts       ingest.ReadOptions
		reason     string
	}{
		{"too many bytes", "a,b\n1,2\n", ingest.ReadOptions{MaxBytes: 7}, "larger than 7 bytes"},
		{"too many rows", "a,b\n1,2\n3,4\n", ingest.ReadOptions{MaxRows: 2}, "more than 2 rows"},
		{"too many cells", "a,b\n1,2,3\n", ingest.ReadOptions{MaxCells: 4}, "more than 4 cells"},
		{"too many fields", "a,b\n1,2\n\n3,4,5\n", ingest.ReadOptions{MaxFields: 2}, "line 4 has more than 2 fields"},
		{"too many fields after a quoted line end", "a,b\n\"1\n2\",3,4\n", ingest.ReadOptions{MaxFields: 2}, "line 2 has more than 2 fields"},
		{"too many cells without a last line end", "a,b\n1,2,3", ingest.ReadOptions{MaxCells: 4}, "more than 4 cells"},
	} {
		check(tt.name, "in.csv", tt.text, tt.opts, bizenv.ETOOLARGE, tt.reason)
	}
}

func TestReadTableAtLimits(t *testing.T) {
	text := "a,b\n1,2\n"
	table := readCSV(t, "in.csv", text, ingest.ReadOptions{MaxBytes: int64(len(text)), MaxRows: 2, MaxCells: 4})
	if got, want := len(table.Rows), 2; got != want {
		t.Errorf("rows = %d, want %d", got, want)
	}
	// Commas and line ends in quotes separate nothing; blank lines have
	// no cells.
	text = "a,b\r\n\r\n\n\"1,\n\"\"2\"\"\",3\n"
	table = readCSV(t, "in.csv", text, ingest.ReadOptions{MaxFields: 2, MaxCells: 4})
	if got, want := table.Rows[1].Cells, []string{"1,\n\"2\"", "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cells = %q, want %q", got, want)
	}
}

// TestReadTableCommaBomb reads a CSV line of 30 million commas: it is
// refused by its field count, before encoding/csv splits it, allocating
// about the file once rather than gigabytes.
func TestReadTableCommaBomb(t *testing.T) {
	var b bytes.Buffer
	if err := bomb.WriteCommas(&b, 30_000_000); err != nil {
		t.Fatal(err)
	}
	size := b.Len()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ingest.ReadTable("commas.csv", &b, ingest.ReadOptions{})
	runtime.ReadMemStats(&after)
	if got, want := bizenv.ErrorMessage(err), "commas.csv: line 2 has more than 16384 fields"; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
	if got, want := bizenv.ErrorCode(err), bizenv.ETOOLARGE; got != want {
		t.Errorf("code: got %q, want %q", got, want)
	}
	// ReadTable holds the file once; encoding/csv would take 16 bytes a
	// field and more.
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(3*size) {
		t.Errorf("allocated %d bytes for a file of %d", got, size)
	}
}

func TestFindHeader(t *testing.T) {
	names := []string{"单位", "得分", "排名"}
	tests := []struct {
		name, text string
		wantRow    int
		wantCols   []int // the column of each of names
	}{
		{"first row", "单位,得分,排名\n经开区,95,1\n", 0, []int{0, 1, 2}},
		{"under a title row", "2021年9月全市营商环境考核排名\n序号,单位,得分,排名\n1,经开区,95,1\n", 1, []int{1, 2, 3}},
		{"under title and note rows, spaced cells", "2021年9月全市营商环境考核排名,,,\n注：按得分排序,,,\n序号, 单位 ,\u3000得分\u3000,排名\n", 2, []int{1, 2, 3}},
		{"a title naming the columns does not count", "单位 得分 排名\n排名,得分,单位\n", 1, []int{2, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := readCSV(t, "notice.csv", tt.text, ingest.ReadOptions{})
			row, cols, err := ingest.FindHeader(table, names)
			if err != nil {
				t.Fatal(err)
			}
			if row != tt.wantRow {
				t.Errorf("row = %d, want %d", row, tt.wantRow)
			}
			want := map[string]int{}
			for i, n := range names {
				want[n] = tt.wantCols[i]
			}
			if !reflect.DeepEqual(cols, want) {
				t.Errorf("cols = %v, want %v", cols, want)
			}
		})
	}
}

func TestFindHeaderCaseInsensitive(t *testing.T) {
	table := readCSV(t, "in.csv", "Period,ENTITY\n", ingest.ReadOptions{})
	_, cols, err := ingest.FindHeader(table, []string{"period", "entity"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"period": 0, "entity": 1}; !reflect.DeepEqual(cols, want) {
		t.Errorf("cols = %v, want %v", cols, want)
	}
}

// Tables without the long format's header row: FindHeader, given its
// English names, and ParseLong, which knows the Chinese ones too, refuse
// them alike, naming what the closest row lacks.
func TestNoHeader(t *testing.T) {
	names := []string{"period", "entity", "indicator", "value"}
	const no = "in.csv: no header row with period, entity, indicator, value"
	tests := []struct {
		name, text string
		want       string // FindHeader's error
		wantLong   string // ParseLong's, where it is not want
	}{
		{"empty", "", no, ""},
		{"no column matches", "a,b\n1,2\n", no, ""},
		{"typo", "title\nperiod,entity,indicatr,value\n", no + " (line 2 lacks indicator)", ""},
		{"two missing", "period,value\n", no + " (line 1 lacks entity, indicator)", ""},
		{"missing value column", "period,entity,indicator\n2021-09,wuhan-edz,city_assessment_rank\n", no + " (line 1 lacks value)", ""},
		{"wide layout", "单位,得分,排名\n经开区,95,1\n", no, no + " (line 1 lacks period, indicator, value)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := readCSV(t, "in.csv", tt.text, ingest.ReadOptions{})
			_, _, err := ingest.FindHeader(table, names)
			wantError(t, err, bizenv.EINVALID, tt.want)
			obs, rejects, err := ingest.ParseLong(table, bizenv.DefaultCatalog(), now)
			wantError(t, err, bizenv.EINVALID, cmp.Or(tt.wantLong, tt.want))
			if obs != nil || rejects != nil {
				t.Errorf("got %d observations and %d rejects with a file error", len(obs), len(rejects))
			}
		})
	}
}

// wantError fails the test unless err says want and has the given code.
func wantError(t *testing.T, err error, code, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if got := bizenv.ErrorCode(err); got != code {
		t.Errorf("error code = %s, want %s", got, code)
	}
}
