package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

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
	sum := sha256.Sum256(content)
	payload := bizenv.Payload{Name: name, SHA256: hex.EncodeToString(sum[:]), Content: content}
	t, err := ReadTable(name, bytes.NewReader(content), ReadOptions{Sheet: sheet})
	if err != nil {
		return nil, []bizenv.Reject{{File: name, Reason: bizenv.ErrorMessage(err)}}, payload, err
	}
	obs, rejects, err := ParseLongWith(t, v)
	if err != nil {
		return nil, []bizenv.Reject{{File: name, Reason: bizenv.ErrorMessage(err)}}, payload, err
	}
	return obs, rejects, payload, nil
}
