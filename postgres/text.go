package postgres

import "strings"

// validUTF8 replaces invalid UTF-8 and NUL bytes, which PostgreSQL text
// cannot hold, so a hostile record is still stored as evidence.
func validUTF8(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
