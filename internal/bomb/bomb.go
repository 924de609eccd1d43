// Package bomb builds hostile inputs for tests and measurements: XLSX zip
// bombs whose parts really unpack to what their zip directory declares, a
// CSV line of millions of commas and a JSON array of millions of records.
// The bombs are made quickly, without deflating gigabytes: a part is one
// deflated block of a repeated chunk, written as often as needed.
package bomb

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// part is a zip part of prefix, then chunk written n times, then suffix.
type part struct {
	name           string
	prefix, suffix string
	chunk          string
	n              int
}

func (p part) size() int { return len(p.prefix) + len(p.chunk)*p.n + len(p.suffix) }

// deflated returns the part as a raw deflate stream and its CRC-32: each
// piece is a sync-flushed block of its own, so the chunk's block can be
// repeated, and a final empty block closes the stream.
func (p part) deflated() ([]byte, uint32) {
	block := func(s string) []byte {
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestCompression)
		io.WriteString(w, s)
		w.Flush()
		return b.Bytes()
	}
	var out bytes.Buffer
	out.Write(block(p.prefix))
	chunk := block(p.chunk)
	crc := crc32.ChecksumIEEE([]byte(p.prefix))
	raw := []byte(p.chunk)
	for range p.n {
		out.Write(chunk)
		crc = crc32.Update(crc, crc32.IEEETable, raw)
	}
	out.Write(block(p.suffix))
	crc = crc32.Update(crc, crc32.IEEETable, []byte(p.suffix))
	var end bytes.Buffer
	w, _ := flate.NewWriter(&end, flate.BestCompression)
	w.Close()
	out.Write(end.Bytes())
	return out.Bytes(), crc
}

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
	sheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	header   = `<row r="1"><c r="A1" t="inlineStr"><is><t>period</t></is></c><c r="B1" t="inlineStr"><is><t>entity</t></is></c><c r="C1" t="inlineStr"><is><t>indicator</t></is></c><c r="D1" t="inlineStr"><is><t>value</t></is></c></row>`
	sheetEnd = `</sheetData></worksheet>`
	sstStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	sstEnd = `</sst>`
)

// xlsx writes a workbook of one sheet with the long format's header row
// and the parts given, which replace the plain parts of the same name.
func xlsx(parts ...part) []byte {
	plain := []part{
		{name: "[Content_Types].xml", prefix: contentTypes},
		{name: "_rels/.rels", prefix: rootRels},
		{name: "xl/workbook.xml", prefix: workbook},
		{name: "xl/_rels/workbook.xml.rels", prefix: workbookRels},
		{name: "xl/worksheets/sheet1.xml", prefix: sheetStart + header + sheetEnd},
		{name: "xl/sharedStrings.xml", prefix: sstStart + sstEnd},
	}
	for i, p := range plain {
		for _, q := range parts {
			if q.name == p.name {
				plain[i] = q
			}
		}
	}
	for _, q := range parts {
		if !strings.HasPrefix(q.name, "xl/worksheets/") && q.name != "xl/sharedStrings.xml" {
			plain = append(plain, q)
		}
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range plain {
		data, crc := p.deflated()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(p.size())})
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// unit is the chunk a part of a given size is made of: sizes are rounded
// down to a multiple of it.
const unit = 64 << 10

// JunkPart is a valid workbook with a part xl/media/junk.bin of size
// zero bytes.
func JunkPart(size int) []byte {
	return xlsx(part{name: "xl/media/junk.bin", chunk: string(make([]byte, unit)), n: size / unit})
}

// SharedStrings is a workbook whose shared-strings part holds n one-letter
// strings (rounded down to a multiple of 4096), each about 17 bytes of XML,
// and whose sheet refers to the last of them, so that a reader must index
// them all.
func SharedStrings(n int) []byte {
	const per = 4096
	n -= n % per
	row := fmt.Sprintf(`<row r="2"><c r="A2" t="s"><v>%d</v></c></row>`, n-1)
	return xlsx(
		part{name: "xl/sharedStrings.xml", prefix: sstStart, chunk: strings.Repeat("<si><t>a</t></si>", per), n: n / per, suffix: sstEnd},
		part{name: "xl/worksheets/sheet1.xml", prefix: sheetStart + header + row + sheetEnd},
	)
}

// PaddedSheet is a workbook whose worksheet has the header row and one row
// of data with size bytes of spaces between them.
func PaddedSheet(size int) []byte {
	row := `<row r="2"><c r="A2" t="inlineStr"><is><t>2020-06</t></is></c><c r="B2" t="inlineStr"><is><t>wuhan-edz</t></is></c><c r="C2" t="inlineStr"><is><t>city_assessment_rank</t></is></c><c r="D2"><v>8</v></c></row>`
	return xlsx(part{name: "xl/worksheets/sheet1.xml", prefix: sheetStart + header,
		chunk: strings.Repeat(" ", unit), n: size / unit, suffix: row + sheetEnd})
}

// Widen adds an incompressible part xl/media/image1.png of n random bytes
// to a workbook: the file grows, so that a bomb in it fits a bound
// relative to the file's size.
func Widen(data []byte, n int) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			panic(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/image1.png", Method: zip.Store})
	if err != nil {
		panic(err)
	}
	junk := make([]byte, n)
	rand.Read(junk)
	w.Write(junk)
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// WriteCommas writes a CSV of the long format's header and one line of n
// commas.
func WriteCommas(w io.Writer, n int) error {
	if _, err := io.WriteString(w, "period,entity,indicator,value\n"); err != nil {
		return err
	}
	chunk := strings.Repeat(",", 1<<16)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := io.WriteString(w, chunk[:k]); err != nil {
			return err
		}
		n -= k
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteArray writes a JSON array of n elements, each the number 1.
func WriteArray(w io.Writer, n int) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	chunk := strings.Repeat("1,", 1<<15)
	for n > 1 {
		k := min(n-1, 1<<15)
		if _, err := io.WriteString(w, chunk[:2*k]); err != nil {
			return err
		}
		n -= k
	}
	tail := "1]"
	if n == 0 {
		tail = "]"
	}
	_, err := io.WriteString(w, tail)
	return err
}

// Describe says what a workbook unpacks to, for a measurement's log.
func Describe(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err.Error()
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	return fmt.Sprintf("%d bytes unpacking to %d", len(data), total)
}
