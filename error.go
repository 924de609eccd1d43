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

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "internal error" for any other error, so internals never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorMessageZH returns the Chinese message of the first *Error in err's
// chain. An error without one gets a Chinese lead for its code and the
// English message; any other error "内部错误".
func ErrorMessageZH(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if !errors.As(err, &e) {
		return "内部错误"
	} else if e.MessageZH != "" {
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
