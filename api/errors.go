package api

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/bizenv/bizenv"
)

// statuses maps every error code to its HTTP status: the one table.
var statuses = map[string]int{
	bizenv.EINVALID:        http.StatusBadRequest,
	bizenv.EUNAUTHORIZED:   http.StatusUnauthorized,
	bizenv.ENOTFOUND:       http.StatusNotFound,
	bizenv.ECONFLICT:       http.StatusConflict,
	bizenv.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	bizenv.EINTERNAL:       http.StatusInternalServerError,
	bizenv.ENOTIMPLEMENTED: http.StatusNotImplemented,
	bizenv.EUNAVAILABLE:    http.StatusServiceUnavailable,
	bizenv.EMETHOD:         http.StatusMethodNotAllowed,
}

// errorBody is SPEC's {"error": {"code", "message"}}; writes that rejected
// records add what they did.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is an error's code and its message in English and Chinese.
type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

// error writes err with the status of its code. Only internal errors are
// logged: the others are the caller's to fix.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = bizenv.Errorf(bizenv.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit).ZH("请求体超过上限 %d 字节", tooLarge.Limit)
	}
	code := bizenv.ErrorCode(err)
	if code == bizenv.EINTERNAL && databaseUnreachable(err) {
		s.cfg.Logger.Warn("api: database unreachable", "method", r.Method, "path", r.URL.Path, "err", err)
		code, err = bizenv.EUNAVAILABLE, bizenv.Errorf(bizenv.EUNAVAILABLE, "the database is unreachable; try again later").ZH("数据库暂时无法连接，请稍后再试")
	}
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == bizenv.EINTERNAL {
		s.cfg.Logger.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == bizenv.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="bizenv"`)
	}
	var b errorBody
	b.Error = errorDetail{Code: code, Message: bizenv.ErrorMessage(err), MessageZH: bizenv.ErrorMessageZH(err)}
	writeJSON(w, status, b)
}

// databaseUnreachable reports whether err says the database could not be
// reached, rather than that it refused a query: a connection refused,
// reset or cut, or a server shutting down or starting up. Such a failure is
// the caller's to retry, and nothing was written.
func databaseUnreachable(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	// lib/pq's errors have an SQLSTATE; class 08 is "connection exception",
	// 57P01-57P03 a server shutting down, crashed or starting up.
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		switch c := state.SQLState(); {
		case strings.HasPrefix(c, "08"), c == "57P01", c == "57P02", c == "57P03":
			return true
		}
	}
	return false
}

// JSONErrors serves mux, answering in the JSON error shape what mux has no
// route for: an unknown path (404 not_found) or a method the path does not
// take (405 method_not_allowed, with the Allow header mux works out).
func JSONErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // mux.Handler leaves the path values unset
			return
		}
		// mux's own answer says which of 404 and 405 it is, and what to
		// allow; only its plain-text body is replaced.
		var rec statusRecorder
		h.ServeHTTP(&rec, r)
		var b errorBody
		switch rec.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.Header().Get("Allow"))
			b.Error.Code = bizenv.EMETHOD
			b.Error.Message = fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, rec.Header().Get("Allow"))
			b.Error.MessageZH = fmt.Sprintf("%s 不支持 %s 方法；可用：%s", r.URL.Path, r.Method, rec.Header().Get("Allow"))
		default:
			rec.status = http.StatusNotFound
			b.Error.Code = bizenv.ENOTFOUND
			b.Error.Message = fmt.Sprintf("no such endpoint: %s %s", r.Method, r.URL.Path)
			b.Error.MessageZH = fmt.Sprintf("没有此接口：%s %s", r.Method, r.URL.Path)
		}
		writeJSON(w, rec.status, b)
	})
}

// statusRecorder keeps the status and headers of an answer and drops its
// body.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(p), nil
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func invalid(format string, args ...any) *bizenv.Error {
	return bizenv.Errorf(bizenv.EINVALID, format, args...)
}
func notFound(format string, args ...any) *bizenv.Error {
	return bizenv.Errorf(bizenv.ENOTFOUND, format, args...)
}
