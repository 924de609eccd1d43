package bizenv

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps them to statuses in one table.
const (
	ECONFLICT       = "conflict"
	EINTERNAL       = "internal"
	EINVALID        = "invalid"
	ENOTFOUND       = "not_found"
	EUNAUTHORIZED   = "unauthorized"
	ETOOLARGE       = "too_large"
	EUNAVAILABLE    = "unavailable"
	ENOTIMPLEMENTED = "not_implemented"
	EMETHOD         = "method_not_allowed"
)

// Error is an error a user can act on: a code and a message for them,
// in English and, where one is written, in Chinese.
type Error struct {
	Code      string
	Message   string
	MessageZH string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message. Give
// a user-facing one its Chinese message too, with ZH:
//
//	bizenv.Errorf(bizenv.EINVALID, "bad date %q", s).ZH("日期“%s”无效", s)
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ZH sets e's Chinese message, formatted as fmt.Sprintf does, and returns e.
func (e *Error) ZH(format string, args ...any) *Error {
	e.MessageZH = fmt.Sprintf(format, args...)
	return e
}

// userError returns the first *Error in err's chain: for nil an empty one,
// for any other error an internal one whose messages say no more, so
// internals never reach a user.
func userError(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return &Error{}
	case errors.As(err, &e):
		return e
	}
	return &Error{Code: EINTERNAL, Message: "internal error", MessageZH: "内部错误"}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string { return userError(err).Code }

// ErrorMessage returns the message of the first *Error in err's chain, or
// "internal error" for any other error, so internals never reach a user.
func ErrorMessage(err error) string { return userError(err).Message }

// ErrorMessageZH returns the Chinese message of the first *Error in err's
// chain. An *Error without one (TestErrorsSpeakChinese lets none be made
// in bizenv) gets a Chinese lead for its code and the English message; any
// other error "内部错误".
func ErrorMessageZH(err error) string {
	if err == nil {
		return ""
	}
	e := userError(err)
	if e.MessageZH != "" {
		return e.MessageZH
	}
	lead, ok := map[string]string{
		ECONFLICT:       "冲突",
		EINTERNAL:       "内部错误",
		EINVALID:        "请求无效",
		ENOTFOUND:       "未找到",
		EUNAUTHORIZED:   "未授权",
		ETOOLARGE:       "内容过大",
		EUNAVAILABLE:    "服务暂不可用",
		ENOTIMPLEMENTED: "未实现",
		EMETHOD:         "不支持的请求方法",
	}[e.Code]
	if !ok {
		lead = "错误"
	}
	return lead + "：" + e.Message
}
