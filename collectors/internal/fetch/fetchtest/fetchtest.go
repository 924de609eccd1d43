// Package fetchtest serves what the sources' redirect tests need: a
// server on another host that counts every request reaching it, and one
// that redirects there.
package fetchtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// Elsewhere is a server on another port, which counts as another host. A
// source that refuses redirects to another host never reaches it.
type Elsewhere struct {
	*httptest.Server
	asked atomic.Int32
}

// NewElsewhere starts a server answering body to every request, closed
// when t ends.
func NewElsewhere(t testing.TB, body string) *Elsewhere {
	t.Helper()
	e := &Elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.asked.Add(1)
		w.Write([]byte(body))
	}))
	t.Cleanup(e.Close)
	return e
}

// Host is the server's host and port, as a refused redirect names it.
func (e *Elsewhere) Host() string { return strings.TrimPrefix(e.URL, "http://") }

// Asked returns how many requests reached the server since it started or
// was last reset.
func (e *Elsewhere) Asked() int32 { return e.asked.Load() }

// Reset sets the count of requests back to 0.
func (e *Elsewhere) Reset() { e.asked.Store(0) }

// Redirect starts a server answering every request with a redirect (code)
// to base followed by the request's path and query, closed when t ends.
func Redirect(t testing.TB, code int, base string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+r.URL.RequestURI(), code)
	}))
	t.Cleanup(srv.Close)
	return srv
}
