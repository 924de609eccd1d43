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

// xlsxInflation bounds how much larger than the file its unzipped parts
// may be, so that a small zip bomb is refused rather than unpacked.
const xlsxInflation = 32

func readXLSX(name string, data []byte, opts ReadOptions) (*Table, error) {
	unzipLimit := opts.MaxBytes * xlsxInflation
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    unzipLimit,
		UnzipXMLSizeLimit: min(unzipLimit, excelize.StreamChunkSize),
	})
	if err != nil {
		return nil, xlsxError(name, err)
	}
	defer f.Close()

	sheets := f.GetSheetList()
	sheet := opts.Sheet
	if sheet == "" {
		if len(sheets) == 0 {
			return nil, bizenv.Errorf(bizenv.EINVALID, "%s: no sheets", name)
		}
		sheet = sheets[0]
	} else if i := slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(s, sheet) }); i >= 0 {
		sheet = sheets[i]
	} else {
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: no sheet %q; the sheets are %s", name, sheet, strings.Join(sheets, ", "))
	}

	merges, err := readMerges(data, sheet)
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
	// excelize has no sentinel for an archive over UnzipSizeLimit.
	if strings.Contains(err.Error(), "unzip size exceeds") {
		return bizenv.Errorf(bizenv.ETOOLARGE, "%s: unpacks to more than %d times its size", name, xlsxInflation)
	}
	return bizenv.Errorf(bizenv.EINVALID, "%s: %v", name, err)
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
func readMerges(data []byte, sheet string) ([]mergeRange, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	workbook := "xl/workbook.xml"
	if rels, err := readRels(zr, "_rels/.rels"); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				workbook = r.target
			}
		}
	}
	var id string
	err = scanXML(zr, workbook, func(e xml.StartElement) {
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
