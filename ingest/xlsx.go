package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bizenv/bizenv"
	"github.com/xuri/excelize/v2"
)

// Bounds on what a workbook may unpack to. They are checked against the
// sizes the zip's central directory declares, before excelize reads a part:
// archive/zip fails a part that inflates past its declared size, so the
// declared sizes are the most that anything will unpack. The bounds cover
// the three shapes of zip bomb: a junk part, a shared-strings part of
// millions of strings and a worksheet padded with white space.
const (
	// XLSXInflation bounds the parts' total unpacked size relative to the
	// file's own size; real workbooks unpack to 2 to 20 times their size.
	XLSXInflation = 100
	// XLSXMinUnpacked is what any workbook may unpack to, however small.
	XLSXMinUnpacked = 1 << 20
	// XLSXMaxUnpacked bounds the parts' total whatever the file's size.
	XLSXMaxUnpacked = 256 << 20
	// XLSXMaxSharedStrings bounds the shared-strings part: excelize keeps
	// the strings, or an index of them, in memory.
	XLSXMaxSharedStrings = 16 << 20
	// XLSXMaxPart bounds each part other than the worksheets and the
	// shared strings: excelize holds those parts in memory whole.
	// Worksheets are read as a stream, bounded by the total.
	XLSXMaxPart = 16 << 20
	// XLSXMaxTextRun bounds a worksheet's text between two tags: an XML
	// decoder holds such a run whole, so a sheet padded with white space
	// would cost memory by the size of its padding. A cell holds at most
	// 32767 characters, under 1 MiB however escaped.
	XLSXMaxTextRun = 1 << 20
)

// xlsxInMemoryXML is the largest worksheet or shared-strings part that
// excelize decodes in memory.
const xlsxInMemoryXML = 1 << 20

// unpackLimit is the most a workbook of size bytes may unpack to.
func unpackLimit(size int64) int64 {
	return min(max(size*XLSXInflation, XLSXMinUnpacked), XLSXMaxUnpacked)
}

// checkUnpacked refuses, with ETOOLARGE, a workbook whose parts would
// unpack to more than the bounds above.
func checkUnpacked(name string, zr *zip.Reader, size int64) error {
	limit := unpackLimit(size)
	var total uint64
	for _, f := range zr.File {
		n := f.UncompressedSize64
		part := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		switch {
		case strings.HasPrefix(part, "xl/worksheets/sheet"):
		case part == "xl/sharedstrings.xml":
			if n > XLSXMaxSharedStrings {
				return bizenv.Errorf(bizenv.ETOOLARGE, "%s: its shared strings unpack to %d bytes, more than the %d allowed", name, n, XLSXMaxSharedStrings).
					ZH("%s：共享字符串解压后为 %d 字节，超过上限 %d 字节", name, n, XLSXMaxSharedStrings)
			}
		case n > XLSXMaxPart:
			return bizenv.Errorf(bizenv.ETOOLARGE, "%s: part %s unpacks to %d bytes, more than the %d allowed", name, f.Name, n, XLSXMaxPart).
				ZH("%s：部件 %s 解压后为 %d 字节，超过上限 %d 字节", name, f.Name, n, XLSXMaxPart)
		}
		total += n
		if total > uint64(limit) {
			return bizenv.Errorf(bizenv.ETOOLARGE, "%s: unpacks to more than %d bytes, the most a file of %d bytes may (%d times its size, at most %d)",
				name, limit, size, XLSXInflation, XLSXMaxUnpacked).
				ZH("%s：解压后超过 %d 字节，即 %d 字节的文件所允许的上限（其大小的 %d 倍，最多 %d 字节）", name, limit, size, XLSXInflation, XLSXMaxUnpacked)
		}
	}
	return nil
}

// checkTextRuns refuses, with ETOOLARGE, a workbook with a worksheet whose
// text between two tags is longer than XLSXMaxTextRun. It reads the
// worksheets as a stream, which only the larger ones need.
func checkTextRuns(name string, zr *zip.Reader) error {
	for _, f := range zr.File {
		part := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if !strings.HasPrefix(part, "xl/worksheets/sheet") || f.UncompressedSize64 <= XLSXMaxTextRun {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return xlsxError(name, err)
		}
		run, err := longestTextRun(r)
		r.Close()
		if err != nil {
			return xlsxError(name, fmt.Errorf("%s: %w", f.Name, err))
		}
		if run > XLSXMaxTextRun {
			return bizenv.Errorf(bizenv.ETOOLARGE, "%s: part %s has more than %d bytes of text or white space between two tags", name, f.Name, XLSXMaxTextRun).
				ZH("%s：部件 %s 中两个标签之间的文字或空白超过 %d 字节", name, f.Name, XLSXMaxTextRun)
		}
	}
	return nil
}

// longestTextRun returns the length of the longest run of bytes in r
// without '<' or '>', stopping once it passes XLSXMaxTextRun.
func longestTextRun(r io.Reader) (int, error) {
	buf := make([]byte, 64<<10)
	run, longest := 0, 0
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c == '<' || c == '>' {
				run = 0
				continue
			}
			run++
			if run > longest {
				longest = run
			}
		}
		if longest > XLSXMaxTextRun || errors.Is(err, io.EOF) {
			return longest, nil
		} else if err != nil {
			return longest, err
		}
	}
}

func readXLSX(name string, data []byte, opts ReadOptions) (*Table, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, xlsxError(name, err)
	}
	if err := checkUnpacked(name, zr, int64(len(data))); err != nil {
		return nil, err
	}
	if err := checkTextRuns(name, zr); err != nil {
		return nil, err
	}
	// Worksheets and shared strings over UnzipXMLSizeLimit are unpacked to
	// temporary files and read from there; under it, excelize decodes them
	// in memory, the shared strings at some 25 bytes a byte of XML.
	limit := unpackLimit(int64(len(data)))
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    limit,
		UnzipXMLSizeLimit: min(limit, xlsxInMemoryXML),
	})
	if err != nil {
		return nil, xlsxError(name, err)
	}
	defer f.Close()

	sheets := f.GetSheetList()
	sheet := opts.Sheet
	if sheet == "" {
		if len(sheets) == 0 {
			return nil, bizenv.Errorf(bizenv.EINVALID, "%s: no sheets", name).ZH("%s：没有工作表", name)
		}
		sheet = sheets[0]
	} else if i := slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(s, sheet) }); i >= 0 {
		sheet = sheets[i]
	} else {
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: no sheet %q; the sheets are %s", name, sheet, strings.Join(sheets, ", ")).
			ZH("%s：没有名为“%s”的工作表；现有工作表：%s", name, sheet, strings.Join(sheets, "、"))
	}

	merges, err := readMerges(zr, sheet)
	if err != nil {
		return nil, xlsxError(name, err)
	}
	// Two iterators over the same sheet, in step: one gives the cells as
	// Excel shows them, the other the raw numbers behind number formats.
	shown, err := f.Rows(sheet)
	if err != nil {
		return nil, xlsxError(name, err)
	}
	defer shown.Close()
	raw, err := f.Rows(sheet)
	if err != nil {
		return nil, xlsxError(name, err)
	}
	defer raw.Close()

	b := tableBuilder{t: &Table{Name: name, Sheet: sheet}, opts: opts}
	var active []*mergeRange
	for line := 1; shown.Next(); line++ {
		raw.Next()
		cells, err := shown.Columns()
		if err != nil {
			return nil, xlsxError(name, err)
		}
		rawCells, err := raw.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, xlsxError(name, err)
		}
		for i := range cells {
			if i < len(rawCells) {
				cells[i] = cellText(cells[i], rawCells[i])
			}
		}
		for len(merges) > 0 && merges[0].top <= line {
			active, merges = append(active, &merges[0]), merges[1:]
		}
		for _, m := range active {
			cells = m.fill(line, cells)
		}
		active = slices.DeleteFunc(active, func(m *mergeRange) bool { return m.bottom <= line })
		row := Row{Line: line, Cells: cells}
		if row.Blank() {
			continue
		}
		row.Raw = joinCSV(cells)
		if err := b.add(row); err != nil {
			return nil, err
		}
	}
	if err := shown.Error(); err != nil {
		return nil, xlsxError(name, err)
	}
	return b.t, nil
}

// cellText returns the text of a cell that Excel shows as shown and that
// holds raw. When shown is only raw rounded, by a number format with fewer
// decimals, thousands separators or a percent sign (66.67% for 0.666666,
// 1,235 for 1234.5), it is the number raw to 15 significant digits, so
// that values do not depend on how a sheet happens to be formatted. Dates,
// text and numbers shown with units or scaled read as shown.
func cellText(shown, raw string) string {
	if shown == raw {
		return shown
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return shown
	}
	text, percent := strings.CutSuffix(strings.TrimSpace(shown), "%")
	text = strings.ReplaceAll(text, ",", "")
	unsigned := strings.TrimPrefix(text, "-")
	if unsigned == "" || strings.Trim(unsigned, "0123456789.") != "" {
		return shown
	}
	s, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return shown
	}
	if percent {
		v *= 100
	}
	decimals := 0
	if _, frac, ok := strings.Cut(text, "."); ok {
		decimals = len(frac)
	}
	if math.Abs(v-s) > 0.5*math.Pow(10, -float64(decimals))*(1+1e-9) {
		return shown
	}
	return excelNumber(raw)
}

// excelNumber writes the number raw as Excel shows it in the General
// format: to 15 significant digits, which drops the binary noise of values
// written as 0.66669999999999996.
func excelNumber(raw string) string {
	v, _ := strconv.ParseFloat(raw, 64)
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func xlsxError(name string, err error) error {
	// excelize has no sentinel for an archive over UnzipSizeLimit;
	// checkUnpacked refuses such a file first.
	if strings.Contains(err.Error(), "unzip size exceeds") {
		return bizenv.Errorf(bizenv.ETOOLARGE, "%s: unpacks to more than %d times its size", name, XLSXInflation).
			ZH("%s：解压后超过其大小的 %d 倍", name, XLSXInflation)
	}
	return bizenv.Errorf(bizenv.EINVALID, "%s: %v", name, err).ZH("%s 无法读取：%v", name, err)
}

// mergeRange is a merged range of cells, 1-based and inclusive, with the
// value of its top-left cell once its top row has been read.
type mergeRange struct {
	top, left, bottom, right int
	value                    string
}

// fill sets the cells of row line that lie in m to m's value, taking the
// value from the top-left cell on m's top row.
func (m *mergeRange) fill(line int, cells []string) []string {
	if line < m.top || line > m.bottom {
		return cells
	}
	if line == m.top && m.left <= len(cells) {
		m.value = cells[m.left-1]
	}
	if m.value == "" {
		return cells
	}
	for len(cells) < m.right {
		cells = append(cells, "")
	}
	for c := m.left; c <= m.right; c++ {
		cells[c-1] = m.value
	}
	return cells
}

// readMerges returns the merged ranges of sheet, ordered by top row. It
// scans the sheet's XML as a stream: excelize's GetMergeCells would load
// the whole worksheet into memory.
func readMerges(zr *zip.Reader, sheet string) ([]mergeRange, error) {
	workbook := "xl/workbook.xml"
	if rels, err := readRels(zr, "_rels/.rels"); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				workbook = r.target
			}
		}
	}
	var id string
	err := scanXML(zr, workbook, func(e xml.StartElement) {
		if e.Name.Local == "sheet" && strings.EqualFold(attr(e, "name"), sheet) {
			id = attr(e, "id")
		}
	})
	if err != nil {
		return nil, err
	}
	rels, err := readRels(zr, path.Join(path.Dir(workbook), "_rels", path.Base(workbook)+".rels"))
	if err != nil {
		return nil, err
	}
	worksheet := ""
	for _, r := range rels {
		if r.id == id {
			worksheet = r.target
		}
	}
	if worksheet == "" {
		return nil, fmt.Errorf("sheet %q has no worksheet part", sheet)
	}
	var merges []mergeRange
	err = scanXML(zr, worksheet, func(e xml.StartElement) {
		if e.Name.Local != "mergeCell" {
			return
		}
		from, to, _ := strings.Cut(attr(e, "ref"), ":")
		if to == "" {
			to = from
		}
		left, top, err1 := excelize.CellNameToCoordinates(from)
		right, bottom, err2 := excelize.CellNameToCoordinates(to)
		if err1 == nil && err2 == nil {
			merges = append(merges, mergeRange{top: min(top, bottom), left: min(left, right), bottom: max(top, bottom), right: max(left, right)})
		}
	})
	slices.SortStableFunc(merges, func(a, b mergeRange) int { return a.top - b.top })
	return merges, err
}

type relationship struct{ id, typ, target string }

// readRels reads a relationships part, with targets resolved against the
// part's source directory.
func readRels(zr *zip.Reader, name string) ([]relationship, error) {
	source := path.Dir(path.Dir(name)) // a/_rels/b.rels is about a/b
	var rels []relationship
	err := scanXML(zr, name, func(e xml.StartElement) {
		if e.Name.Local != "Relationship" {
			return
		}
		target := attr(e, "Target")
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join(source, target)
		}
		rels = append(rels, relationship{id: attr(e, "Id"), typ: attr(e, "Type"), target: target})
	})
	return rels, err
}

// scanXML calls fn for each start element of the zip part name.
func scanXML(zr *zip.Reader, name string, fn func(xml.StartElement)) error {
	f, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if e, ok := tok.(xml.StartElement); ok {
			fn(e)
		}
	}
}

// attr returns the value of e's attribute with the local name, whatever
// its namespace prefix.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
