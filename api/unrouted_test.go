package api_test

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/internal/roundtrip"
)

// TestUnroutedAnswersJSON: a path the API does not serve, or a method a
// path does not take, gets the JSON error shape like every other error.
func TestUnroutedAnswersJSON(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"DELETE", "/api/v1/indicators", 405, bizenv.EMETHOD, "GET, HEAD"},
		{"POST", "/api/v1/series", 405, bizenv.EMETHOD, "GET, HEAD"},
		{"GET", "/api/v1/observations", 405, bizenv.EMETHOD, "POST"},
		{"PUT", "/api/v1/collectors/ywtb/run", 405, bizenv.EMETHOD, "POST"},
		{"GET", "/api/v1/nothing", 404, bizenv.ENOTFOUND, ""},
		{"POST", "/api/v1/nothing", 404, bizenv.ENOTFOUND, ""},
		{"GET", "/api/v1/collectors/ywtb/runs/extra", 404, bizenv.ENOTFOUND, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := roundtrip.Do(t, roundtrip.Request(t, tc.method, e.srv.URL+tc.path, strings.NewReader("")))
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json: %s", ct, body)
			}
			wantError(t, resp.StatusCode, body, tc.status, tc.code)
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow: got %q, want %q", got, tc.allow)
			}
		})
	}
}
