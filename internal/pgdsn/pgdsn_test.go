package pgdsn_test

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv/internal/pgdsn"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct {
		name, dsn string
		secret    string // what must not survive in a message quoting it
	}{
		{"url", "postgres://credit:pa55word@db.example:5432/credit?sslmode=disable", "pa55word"},
		{"postgresql url", "postgresql://credit:pa55word@db.example/credit", "pa55word"},
		{"url percent-encoded, as written", "postgres://credit:pa%40ss%2Fword@db.example/credit", "pa%40ss%2Fword"},
		{"url percent-encoded, decoded", "postgres://credit:pa%40ss%2Fword@db.example/credit", "pa@ss/word"},
		{"url password parameter", "postgres://credit@db.example/credit?sslmode=disable&password=pa55word", "pa55word"},
		{"url password parameter, no user", "postgres://db.example/credit?password=pa55word", "pa55word"},
		{"url password with '@'", "postgres://credit:pa55@word@db.example/credit", "pa55@word"},
		{"keyword", "host=db.example user=credit password=pa55word dbname=credit", "pa55word"},
		{"keyword first", "password=pa55word host=db.example", "pa55word"},
		{"keyword spaced", "host=db.example password = pa55word dbname=credit", "pa55word"},
		{"keyword quoted", "host=db.example password='pa55 word' dbname=credit", "pa55 word"},
		{"keyword quoted, as written", "host=db.example password='pa55 word' dbname=credit", "'pa55 word'"},
		{"keyword escaped quote", `host=db.example password='it\'s-a-secret' dbname=credit`, "it's-a-secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := "pq: cannot connect with " + tc.secret + " to db.example"
			got := pgdsn.Redact(msg, tc.dsn)
			if strings.Contains(got, tc.secret) {
				t.Errorf("got %q, want it without %q", got, tc.secret)
			}
			if !strings.Contains(got, "xxxxx") || !strings.Contains(got, "db.example") {
				t.Errorf("got %q, want the password replaced by xxxxx and the rest kept", got)
			}
		})
	}
}

// A DSN without a password has no secret, and Redact leaves a message
// quoting it as it is.
func TestNoPassword(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{
		{"url", "postgres://credit@db.example/credit"},
		{"keyword", "host=db.example user=credit dbname=credit"},
		{"a keyword that starts with password", "host=db.example passwordfile=/x"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pgdsn.Secrets(tc.dsn); got != nil {
				t.Errorf("Secrets(%q) = %q, want none", tc.dsn, got)
			}
			msg := "pq: cannot connect with " + tc.dsn + " to db.example"
			if got := pgdsn.Redact(msg, tc.dsn); got != msg {
				t.Errorf("Redact = %q, want the message as it is", got)
			}
		})
	}
}
