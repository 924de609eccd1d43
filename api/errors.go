package api

import (
	"encoding/json"
	"errors"
	"net/http"

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
}

// errorBody is SPEC's {"error": {"code", "message"}}; writes that rejected
// records add what they did.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// error writes err with the status of its code. Only internal errors are
// logged: the others are the caller's to fix.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = bizenv.Errorf(bizenv.ETOOLARGE, "request body is larger than %d bytes", tooLarge.Limit)
	}
	code := bizenv.ErrorCode(err)
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
	b.Error.Code, b.Error.Message = code, bizenv.ErrorMessage(err)
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func invalid(format string, args ...any) error {
	return bizenv.Errorf(bizenv.EINVALID, format, args...)
}
func notFound(format string, args ...any) error {
	return bizenv.Errorf(bizenv.ENOTFOUND, format, args...)
}
