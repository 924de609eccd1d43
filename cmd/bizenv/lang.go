package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bizenv/bizenv"
)

// chinese reports whether messages are to be printed in Chinese: the
// locale, as LC_ALL, else LC_MESSAGES, else LANG gives it, starts with zh
// (zh_CN.UTF-8). Usage texts stay English, as the flags are.
func chinese(env *environment) bool {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := env.getenv(k); v != "" {
			return strings.HasPrefix(v, "zh")
		}
	}
	return false
}

// formatReject writes a reject as file:line: reason, the way compilers do,
// the reason in Chinese when zh is set, with its code to search for.
func formatReject(r bizenv.Reject, zh bool) string {
	reason := r.Message(zh)
	if zh && r.Code != "" {
		reason += "（" + r.Code + "）"
	}
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", r.File, r.Line, reason)
	}
	return fmt.Sprintf("%s: %s", r.File, reason)
}

// localized returns err with its Chinese message when messages are to be
// Chinese and err carries one (a bizenv.Error with MessageZH). run calls it
// once on every command's error.
func localized(env *environment, err error) error {
	var e *bizenv.Error
	if !chinese(env) || !errors.As(err, &e) || e.MessageZH == "" {
		return err
	}
	return &zhError{err}
}

// zhError prints as the Chinese message of the error it wraps. What the
// command put in front of that message (a flag's name, "import: ") stays.
type zhError struct{ err error }

func (e *zhError) Error() string {
	var be *bizenv.Error
	if errors.As(e.err, &be) {
		if lead, ok := strings.CutSuffix(e.err.Error(), be.Message); ok {
			return lead + be.MessageZH
		}
	}
	return bizenv.ErrorMessageZH(e.err)
}
func (e *zhError) Unwrap() error { return e.err }

// rejectedError is returned when a command did its work but rejected n
// records, which it has printed already; in Chinese when messages are.
func rejectedError(env *environment, n int) error {
	format := "%d record(s) rejected"
	if chinese(env) {
		format = "%d 条记录被拒绝"
	}
	return &exitError{code: exitRejected, err: fmt.Errorf(format, n)}
}
