package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/internal/roundtrip"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestServeUnroutedAnswersJSON: outside the API too, an unknown path or
// method gets the JSON error shape.
func TestServeUnroutedAnswersJSON(t *testing.T) {
	base, _ := startServe(t, pgtest.DSN(t))
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"POST", "/metrics", 405, "method_not_allowed"},
		{"DELETE", "/healthz", 405, "method_not_allowed"},
		{"GET", "/nothing", 404, "not_found"},
		{"PATCH", "/api/v1/indicators", 405, "method_not_allowed"},
		{"GET", "/api/v1/nothing", 404, "not_found"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, body := roundtrip.Do(t, roundtrip.Request(t, tc.method, base+tc.path, strings.NewReader("")))
			var got struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%d, body not JSON: %v\n%s", resp.StatusCode, err, body)
			}
			if resp.StatusCode != tc.status || got.Error.Code != tc.code || got.Error.Message == "" {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, got.Error, tc.status, tc.code)
			}
		})
	}
}
