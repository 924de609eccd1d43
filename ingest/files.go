package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/bizenv/bizenv"
)

// LongFile reads one long-format CSV or XLSX file, as `bizenv import` and
// the API's upload do: the good observations, a reject per bad row, and the
// file as a payload to keep. A file that cannot be read at all gives one
// reject for the whole file (line 0).
func LongFile(name string, content []byte, sheet string, v *Validator) ([]bizenv.Observation, []bizenv.Reject, bizenv.Payload) {
	obs, rejects, payload, _ := ReadLongFile(name, content, sheet, v)
	return obs, rejects, payload
}

// ReadLongFile is LongFile that also returns why a file could not be read
// at all: ETOOLARGE for a file over the limits of ReadTable (bytes, rows,
// cells, fields, or an XLSX that would unpack to too much), which an API
// answers as such rather than as a bad row.
func ReadLongFile(name string, content []byte, sheet string, v *Validator) ([]bizenv.Observation, []bizenv.Reject, bizenv.Payload, error) {
	return ReadLongFileTable(name, content, sheet).Parse(v)
}

// LongFileTable is a long-format file read as a table, not yet checked
// against the catalog: reading needs no catalog, so it can go on while the
// catalog is read.
type LongFileTable struct {
	name    string
	payload bizenv.Payload
	table   *Table
	err     error
}

// ReadLongFileTable reads one long-format CSV or XLSX file as a table.
func ReadLongFileTable(name string, content []byte, sheet string) *LongFileTable {
	sum := sha256.Sum256(content)
	f := &LongFileTable{name: name, payload: bizenv.Payload{Name: name, SHA256: hex.EncodeToString(sum[:]), Content: content}}
	f.table, f.err = ReadTable(name, bytes.NewReader(content), ReadOptions{Sheet: sheet})
	return f
}

// Parse checks the file's rows with v, as ReadLongFile does.
func (f *LongFileTable) Parse(v *Validator) ([]bizenv.Observation, []bizenv.Reject, bizenv.Payload, error) {
	if f.err != nil {
		return nil, []bizenv.Reject{fileReject(f.name, RejectBadFile, f.err)}, f.payload, f.err
	}
	obs, rejects, err := ParseLongWith(f.table, v)
	if err != nil {
		return nil, []bizenv.Reject{fileReject(f.name, RejectNoHeader, err)}, f.payload, err
	}
	return obs, rejects, f.payload, nil
}

// ReadFiles checks files read by ReadLongFileTable into b, as `bizenv
// import` and the API's upload do: their good observations, a reject per
// bad row and the files as payloads, appended to b's. One Validator, on the
// catalog read from catalog and the month now falls in, checks every file,
// so that a key given twice with different values is rejected across files
// as within one.
//
// Errors: those of catalog; ETOOLARGE, the first of Parse, when a file is
// over the limits of ReadTable. b is filled all the same, that file
// rejected whole, so that a caller may refuse the request as too large (the
// API) or go on with the reject (the command).
func ReadFiles(ctx context.Context, catalog bizenv.CatalogReader, now time.Time, files []*LongFileTable, b *bizenv.Batch) error {
	cat, err := catalog.Catalog(ctx)
	if err != nil {
		return err
	}
	v := NewValidator(cat, now)
	var tooLarge error
	for _, f := range files {
		obs, rejects, payload, err := f.Parse(v)
		if bizenv.ErrorCode(err) == bizenv.ETOOLARGE && tooLarge == nil {
			tooLarge = err
		}
		b.Observations = append(b.Observations, obs...)
		b.Rejects = append(b.Rejects, rejects...)
		b.Payloads = append(b.Payloads, payload)
	}
	return tooLarge
}
