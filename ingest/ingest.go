// Package ingest turns raw input into validated observations. It reads
// tabular files (CSV and XLSX) into Tables, finds their header rows, parses
// the period and value forms people write in Chinese spreadsheets, and
// checks each record against the catalog, producing bizenv.Observation
// values for the good records and bizenv.Reject records, with reasons, for
// the bad ones. It does no I/O beyond the readers it is given.
//
// The same checks serve every way data comes in: `bizenv import` (the long
// format, ParseLong), the HTTP API's JSON writes and the collectors (through
// Validator.Check).
package ingest

import (
	"strings"
	"unicode"
)

// trim removes surrounding white space, including the ideographic space
// U+3000, no-break spaces, byte-order marks and zero-width spaces that
// spreadsheets leave in cells.
func trim(s string) string {
	// Most cells start and end with a printable ASCII byte: nothing to do.
	if s == "" || (s[0] > ' ' && s[0] < 0x7f && s[len(s)-1] > ' ' && s[len(s)-1] < 0x7f) {
		return s
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b'
	})
}

// fold trims s and rewrites full-width ASCII forms (０-９, ．, ，, ％, ／, －
// and the rest of U+FF01..U+FF5E) and the minus sign U+2212 as plain ASCII,
// so that input typed with a Chinese input method parses like ASCII input.
func fold(s string) string {
	s = trim(s)
	for _, r := range s {
		if (r >= '\uff01' && r <= '\uff5e') || r == '\u2212' {
			return strings.Map(foldRune, s)
		}
	}
	return s
}

func foldRune(r rune) rune {
	switch {
	case r >= '\uff01' && r <= '\uff5e':
		return r - 0xfee0
	case r == '\u2212':
		return '-'
	}
	return r
}
