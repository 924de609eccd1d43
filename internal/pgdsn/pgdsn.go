// Package pgdsn finds the password in a PostgreSQL connection string, in
// either form libpq and lib/pq take: a postgres:// or postgresql:// URL
// (user info or a password query parameter) or keyword=value pairs, with
// spaces around '=' and single-quoted values allowed. Both bizenv's own
// database and the sql collectors' scrub messages with it, so that what
// counts as the password is decided once.
package pgdsn

import (
	"net/url"
	"slices"
	"strings"
)

// Secrets returns the password of dsn as it may appear in a message: as
// written in dsn and, when that differs (percent-encoded in a URL, quoted
// or escaped in a keyword=value string), as decoded. Nil when dsn has no
// password.
func Secrets(dsn string) []string {
	var s []string
	add := func(pw string) {
		if pw != "" && !slices.Contains(s, pw) {
			s = append(s, pw)
		}
	}
	if isURL(dsn) {
		rest := dsn[strings.Index(dsn, "://")+3:]
		// As written: the user info runs to the last '@' before the path,
		// which a password with an unescaped '/' or '?' would confuse
		// url.Parse about, so it is cut out by hand as well.
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
				if dec, err := url.PathUnescape(pw); err == nil {
					add(dec)
				}
			}
		}
		if u, err := url.Parse(dsn); err == nil {
			if pw, ok := u.User.Password(); ok {
				add(pw)
			}
			for _, pw := range u.Query()["password"] {
				add(pw)
			}
			if _, raw, ok := strings.Cut(u.RawQuery, "password="); ok {
				raw, _, _ = strings.Cut(raw, "&")
				add(raw)
			}
		}
		return longestFirst(s)
	}
	for _, kv := range keywordValues(dsn) {
		if kv.key == "password" {
			add(kv.raw)
			add(kv.value)
		}
	}
	return longestFirst(s)
}

// Redact replaces the password of dsn in msg with "xxxxx".
func Redact(msg, dsn string) string {
	for _, pw := range Secrets(dsn) {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}

func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

type keywordValue struct {
	key   string
	value string // unquoted, escapes resolved
	raw   string // as written, quotes included
}

// keywordValues reads "host=db password = 'a b'": keywords, '=' with
// optional spaces, and values that are bare or single-quoted, with '\'
// escaping the next character, as libpq reads them. It stops at the first
// thing that is not a pair.
func keywordValues(dsn string) []keywordValue {
	var kvs []keywordValue
	s := dsn
	for {
		s = strings.TrimLeft(s, " \t\n\r\f\v")
		i := strings.IndexAny(s, "= \t\n\r\f\v")
		if s == "" || i <= 0 {
			return kvs
		}
		key := s[:i]
		s = strings.TrimLeft(s[i:], " \t\n\r\f\v")
		if !strings.HasPrefix(s, "=") {
			return kvs
		}
		s = strings.TrimLeft(s[1:], " \t\n\r\f\v")
		var value strings.Builder
		n := 0 // bytes of s the value takes
		quoted := strings.HasPrefix(s, "'")
		if quoted {
			n = 1
		}
		for n < len(s) {
			c := s[n]
			if quoted && c == '\'' {
				n++
				break
			}
			if !quoted && strings.IndexByte(" \t\n\r\f\v", c) >= 0 {
				break
			}
			if c == '\\' && n+1 < len(s) {
				n++
				c = s[n]
			}
			value.WriteByte(c)
			n++
		}
		kvs = append(kvs, keywordValue{key: key, value: value.String(), raw: s[:n]})
		s = s[n:]
	}
}

// longestFirst sorts secrets so that one that holds another is replaced
// whole.
func longestFirst(s []string) []string {
	slices.SortStableFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}
