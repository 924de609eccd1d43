package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/bizenv/bizenv"
)

// Default limits of ReadTable.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxRows  = 1_000_000
	// DefaultMaxCells bounds the cells of all rows together: the row limit
	// alone does not bound a line of a million commas, or a sheet whose
	// merged ranges span thousands of columns.
	DefaultMaxCells = 16 << 20
	// DefaultMaxFields bounds the fields of one CSV record: as many
	// columns as Excel has.
	DefaultMaxFields = 16384
)

// Table is a sheet of cells as read from a CSV or XLSX file.
type Table struct {
	Name  string // the name the file was read under
	Sheet string // the XLSX sheet read; empty for CSV
	Rows  []Row
}

// Row is one row of a Table.
type Row struct {
	// Line is the 1-based CSV line the record starts on, or the Excel row
	// number.
	Line int
	// Cells are the cell values as text. XLSX cells read as Excel shows
	// them, except that a number whose format only rounds it, groups its
	// thousands or shows it as a percentage reads as the number stored (to
	// 15 significant digits): a cell holding 0.666666 and showing 66.67%
	// reads 0.666666, one showing 1,235 for 1234.5 reads 1234.5. Dates and
	// numbers shown with words (80019.85万元) read as shown.
	Cells []string
	// Raw is the record as written, for rejects: the CSV text of the
	// record, or for XLSX the cells joined as CSV.
	Raw string
}

// Cell returns the trimmed text of the row's cell at index i, or "" when
// the row is shorter.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return trim(r.Cells[i])
}

// Blank reports whether every cell of the row is empty or white space.
func (r Row) Blank() bool {
	for _, c := range r.Cells {
		if trim(c) != "" {
			return false
		}
	}
	return true
}

// ReadOptions are the options of ReadTable. Zero fields take defaults.
type ReadOptions struct {
	Sheet    string // XLSX sheet to read, the first when empty; unused for CSV
	MaxBytes int64  // larger files are refused; DefaultMaxBytes when 0
	MaxRows  int    // tables with more rows are refused; DefaultMaxRows when 0
	MaxCells int    // tables with more cells are refused; DefaultMaxCells when 0
	// MaxFields bounds the fields of one CSV record; DefaultMaxFields when 0.
	MaxFields int
}

func (o ReadOptions) withDefaults() ReadOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxCells <= 0 {
		o.MaxCells = DefaultMaxCells
	}
	if o.MaxFields <= 0 {
		o.MaxFields = DefaultMaxFields
	}
	return o
}

// ReadTable reads a CSV or XLSX file from r. name is the file's name, used
// to tell the format by its extension and in errors; content starting with
// a zip signature is read as XLSX whatever the name. CSV must be UTF-8,
// with or without a byte-order mark; lines may have different numbers of
// fields. XLSX is read from opts.Sheet or the first sheet, row by row, and
// a merged range reads as its top-left value in each of its cells; rows
// without any value are left out.
//
// Errors are EINVALID for input that cannot be read and ETOOLARGE for input
// over the limits of opts.
func ReadTable(name string, r io.Reader, opts ReadOptions) (*Table, error) {
	opts = opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opts.MaxBytes+1))
	if err != nil {
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: %v", name, err).ZH("%s 无法读取：%v", name, err)
	}
	if int64(len(data)) > opts.MaxBytes {
		return nil, bizenv.Errorf(bizenv.ETOOLARGE, "%s: larger than %d bytes", name, opts.MaxBytes).ZH("%s：文件大小超过上限 %d 字节", name, opts.MaxBytes)
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(name, data, opts)
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0")):
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: an Excel 97-2003 (.xls) or encrypted workbook; save it as .xlsx", name).
			ZH("%s：是 Excel 97-2003（.xls）格式或已加密的工作簿；请另存为 .xlsx", name)
	case ext == ".xlsx" || ext == ".xlsm":
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: not an XLSX file", name).ZH("%s：不是 XLSX 文件", name)
	}
	return readCSV(name, data, opts)
}

// tableBuilder appends rows while keeping to the row and cell limits.
type tableBuilder struct {
	t     *Table
	opts  ReadOptions
	cells int
}

func (b *tableBuilder) add(row Row) error {
	b.cells += len(row.Cells)
	switch {
	case len(b.t.Rows) >= b.opts.MaxRows:
		return bizenv.Errorf(bizenv.ETOOLARGE, "%s: more than %d rows", b.t.Name, b.opts.MaxRows).ZH("%s：行数超过上限 %d 行", b.t.Name, b.opts.MaxRows)
	case b.cells > b.opts.MaxCells:
		return bizenv.Errorf(bizenv.ETOOLARGE, "%s: more than %d cells", b.t.Name, b.opts.MaxCells).ZH("%s：单元格数超过上限 %d 个", b.t.Name, b.opts.MaxCells)
	}
	b.t.Rows = append(b.t.Rows, row)
	return nil
}

func readCSV(name string, data []byte, opts ReadOptions) (*Table, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidUTF8(data)], []byte("\n"))
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: line %d is not UTF-8; save the file as CSV UTF-8", name, line).
			ZH("%s：第 %d 行不是 UTF-8 编码；请另存为“CSV UTF-8（逗号分隔）”", name, line)
	}
	if err := checkCSVShape(name, data, opts); err != nil {
		return nil, err
	}
	// Room for every line, so that the rows are not copied as they grow.
	rows := min(bytes.Count(data, []byte("\n"))+1, opts.MaxRows+1)
	b := tableBuilder{t: &Table{Name: name, Rows: make([]Row, 0, rows)}, opts: opts}
	// One copy of the file as text: each row's Raw is a slice of it.
	text := string(data)
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	for {
		start := cr.InputOffset()
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, bizenv.Errorf(bizenv.EINVALID, "%s: %v", name, err).ZH("%s：CSV 格式有误：%v", name, err)
		}
		line, _ := cr.FieldPos(0)
		// The record's text, without the blank lines csv skipped before it
		// and the line end after it.
		raw := strings.TrimLeft(text[start:cr.InputOffset()], "\r\n")
		raw = strings.TrimRight(raw, "\r\n")
		if err := b.add(Row{Line: line, Cells: cells, Raw: raw}); err != nil {
			return nil, err
		}
	}
	if len(b.t.Rows) == 0 {
		b.t.Rows = nil
	}
	return b.t, nil
}

// checkCSVShape refuses, with ETOOLARGE, CSV data with a record of more
// than opts.MaxFields fields or more than opts.MaxCells cells in all. It
// counts the separators outside quotes, as encoding/csv will split them,
// without allocating: encoding/csv reads a whole record before its fields
// could be counted, and a line of 30 million commas would take gigabytes.
func checkCSVShape(name string, data []byte, opts ReadOptions) error {
	line, start := 1, 1 // the line read and the line the record starts on
	fields, cells := 1, 0
	quoted, blank := false, true
	for _, c := range data {
		switch c {
		case '"':
			quoted = !quoted
			blank = false
		case ',':
			if quoted {
				continue
			}
			fields++
			blank = false
			if fields > opts.MaxFields {
				return bizenv.Errorf(bizenv.ETOOLARGE, "%s: line %d has more than %d fields", name, start, opts.MaxFields).
					ZH("%s：第 %d 行的字段数超过上限 %d 个", name, start, opts.MaxFields)
			}
		case '\n':
			line++
			if quoted {
				continue
			}
			if !blank { // encoding/csv skips empty lines
				cells += fields
				if cells > opts.MaxCells {
					return bizenv.Errorf(bizenv.ETOOLARGE, "%s: more than %d cells", name, opts.MaxCells).ZH("%s：单元格数超过上限 %d 个", name, opts.MaxCells)
				}
			}
			start, fields, blank = line, 1, true
		case '\r':
		default:
			blank = false
		}
	}
	if !blank && cells+fields > opts.MaxCells {
		return bizenv.Errorf(bizenv.ETOOLARGE, "%s: more than %d cells", name, opts.MaxCells).ZH("%s：单元格数超过上限 %d 个", name, opts.MaxCells)
	}
	return nil
}

// invalidUTF8 returns the offset of the first invalid UTF-8 sequence in b.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// joinCSV writes cells as one CSV record, without the line end, quoting
// as encoding/csv does.
func joinCSV(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		if c == "" || !strings.ContainsAny(c, ",\"\r\n") && c[0] != ' ' && c[0] != '\t' {
			b.WriteString(c)
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(c, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}
